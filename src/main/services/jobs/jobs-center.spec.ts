import { mkdtempSync } from 'node:fs';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ArchiveReader, ArchiveWriter } from './archive.ts';
import type { JobRunner } from './job-runner.ts';
import { fileNameSegment, JobsCenter } from './jobs-center.ts';
import { FileKeyStore, Vault } from '../../kube/vault.ts';
import { SavedRepositories } from './saved-repositories.ts';

const savedIn = (home: string) => new SavedRepositories(new Vault(home, new FileKeyStore(home)));

describe('fileNameSegment', () => {
  it('turns a context name into one readable file-name segment', () => {
    expect(fileNameSegment('arn:aws:eks:eu-west-1:123456789012:cluster/prod')).toBe('arn-aws-eks-eu-west-1-123456789012-cluster-prod');
    expect(fileNameSegment('gke_acme-prod_europe-west1_main')).toBe('gke_acme-prod_europe-west1_main');
    expect(fileNameSegment('aks-lab')).toBe('aks-lab');
  });

  it('never leaves the folder, hides the file or names nothing', () => {
    expect(fileNameSegment('../../x')).toBe('x');
    expect(fileNameSegment('..\\..\\x')).toBe('x');
    expect(fileNameSegment('/etc/passwd')).toBe('etc-passwd');
    expect(fileNameSegment('.hidden')).toBe('hidden');
    for (const nothing of ['', '..', '.', '///', 'é']) expect(fileNameSegment(nothing)).toBe('cluster');
    expect(fileNameSegment('x'.repeat(500))).toHaveLength(100);
  });
});

describe('the archive list', () => {
  let home: string;
  let center: JobsCenter;
  const source = { context: 'aks-lab', cloud: 'aks' };
  const write = async (name: string, key?: { passphrase: string; keySource: 'machine' }) => {
    const writer = await ArchiveWriter.create(path.join(home, 'backups', name), key ? { key } : {});
    await writer.add({ resource: 'configmaps', group: '', namespace: 'shop', name: 'settings', apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' } });
    await writer.finish({ source, selection: { namespaces: ['shop'] } });
  };
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-center-'));
    // listing never runs a job
    center = new JobsCenter({} as JobRunner, home, savedIn(home));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('says which archives are signed, and leaves out what is not a readable archive', async () => {
    await write('signed.tar.gz', { passphrase: 'machine', keySource: 'machine' });
    await write('unsigned.tar.gz');
    await writeFile(path.join(home, 'backups', 'being-written.tar.gz'), '');
    await writeFile(path.join(home, 'backups', 'hostile.tar.gz'), 'not an archive');
    const listed = await center.archives();
    expect(listed.map((a) => [a.file, a.signed, a.needsPassphrase, a.total, a.source])).toEqual(
      expect.arrayContaining([
        ['signed.tar.gz', true, false, 1, source],
        ['unsigned.tar.gz', false, false, 1, source],
      ]),
    );
    expect(listed).toHaveLength(2);
  });

  it('reads an archive\'s manifest once per file version, not on every listing', async () => {
    await write('shop.tar.gz');
    const manifestOf = vi.spyOn(ArchiveReader, 'manifestOf');
    try {
      await center.archives();
      await center.archives();
      expect(manifestOf).toHaveBeenCalledTimes(1);
      const later = new Date(Date.now() + 60_000);
      await utimes(path.join(home, 'backups', 'shop.tar.gz'), later, later);
      await center.archives();
      expect(manifestOf).toHaveBeenCalledTimes(2);
    } finally {
      manifestOf.mockRestore();
    }
  });
});

describe('disposing the jobs center', () => {
  it('stops a running task and keeps it interrupted and resumable, as after a crash, not cancelled', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-center-'));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    // a backup that runs until its signal aborts it
    const runner = {
      backup: ({ signal }: { signal: AbortSignal }) => {
        started();
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    } as unknown as JobRunner;
    const center = new JobsCenter(runner, home, savedIn(home));
    const { id } = await center.startBackup({ context: 'aks-lab', selection: { namespaces: ['shop'] } });
    await running;
    center.dispose();
    await expect.poll(async () => (await center.get({ id })).info).toMatchObject({ state: 'interrupted', resumable: true, cancellable: false });
    expect((await new JobsCenter(runner, home, savedIn(home)).get({ id })).info.state).toBe('interrupted');
    await rm(home, { recursive: true, force: true });
  });
});

describe('a task that moves volume data', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-center-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  const password = 'correct horse battery staple';
  const repository = { RESTIC_REPOSITORY: 's3:s3.example/acme', RESTIC_PASSWORD: password, AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMIK7MDENG' };
  const envText = Object.entries(repository).map(([k, v]) => `${k}=${v}`).join('\n');
  /** a runner whose migrations fail at once, keeping the repository settings each was given */
  const failingRunner = (received: unknown[]) =>
    ({
      migrate: async (input: { target: { volumes?: { repository: Record<string, string> } } }) => {
        received.push(input.target.volumes?.repository);
        return { state: 'Failed', counts: { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 }, items: [], transforms: [], error: 'refused' };
      },
    }) as unknown as JobRunner;
  const target = (volumes: { repository: { env: Record<string, string> } | { saved: string } }) => ({ namespaceMap: {}, storageClassMap: {}, ingressClassMap: {}, registryMap: {}, conflict: 'skip' as const, dryRun: false, verifyTimeoutSeconds: 0, volumes: { mover: 'restic' as const, live: false, parallel: 2, ...volumes } });
  const storedTask = (id: string) => readFile(path.join(home, 'jobs', 'tasks', `${id}.json`), 'utf8');

  it('hands the repository settings to the run, never writes them with the task, and asks for them again to resume', async () => {
    const received: unknown[] = [];
    const center = new JobsCenter(failingRunner(received), home, savedIn(home));
    const task = await center.startMigrate({ fromContext: 'a', toContext: 'b', selection: { namespaces: ['shop'] }, target: target({ repository: { env: repository } }) });
    await vi.waitFor(async () => expect((await center.get(task)).info.state).toBe('Failed'));
    expect(received).toEqual([repository]);
    const stored = await storedTask(task.id);
    for (const secret of Object.values(repository)) expect(stored).not.toContain(secret);
    expect(JSON.stringify(await center.get(task))).not.toContain(password);
    await expect(center.resume({ id: task.id })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('its settings are not kept') });
  });

  it('runs with a repository saved in the vault, lists it without its values, and resumes with it', async () => {
    const received: unknown[] = [];
    const center = new JobsCenter(failingRunner(received), home, savedIn(home));
    await expect(center.saveRepository({ name: 'lab store', env: 'RESTIC_REPOSITORY=/srv/restic\nRESTIC_PASSWORD=x' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('must be a repository both clusters reach') });
    const summary = await center.saveRepository({ name: 'lab store', env: `# the lab's store\n${envText}\n` });
    expect(summary).toMatchObject({ name: 'lab store', location: 's3:s3.example/acme', variables: ['AWS_SECRET_ACCESS_KEY', 'RESTIC_PASSWORD', 'RESTIC_REPOSITORY'] });
    expect(JSON.stringify(await center.repositories())).not.toMatch(/correct horse|wJalrXUtnFEMIK7MDENG/);
    expect((await readFile(path.join(home, 'vault.enc'))).toString('latin1')).not.toContain(password);

    const task = await center.startMigrate({ fromContext: 'a', toContext: 'b', selection: { namespaces: ['shop'] }, target: target({ repository: { saved: 'lab store' } }) });
    await vi.waitFor(async () => expect((await center.get(task)).info.state).toBe('Failed'));
    expect(await storedTask(task.id)).not.toContain(password);
    await center.resume({ id: task.id });
    await vi.waitFor(() => expect(received).toEqual([repository, repository]));

    await center.forgetRepository({ name: 'lab store' });
    expect(await center.repositories()).toEqual([]);
    await expect(center.forgetRepository({ name: 'lab store' })).rejects.toMatchObject({ code: 'not-found' });
    await vi.waitFor(async () => expect((await center.get(task)).info.state).toBe('Failed'));
    await center.resume({ id: task.id });
    await vi.waitFor(async () => expect((await center.get(task)).info.error).toMatch(/no saved repository "lab store"/));
  });
});

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.ts';
import { backupJob, jobName, moverKeySecret, moverSecret, repositoryCheckJob, repositoryInitJob, restoreJob, RUN_LABEL } from './movers.ts';

type Container = { name: string; image: string; args?: string[]; command?: string[]; envFrom?: { secretRef: { name: string } }[]; env?: { name: string; value: string }[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] };
type PodSpec = { initContainers?: Container[]; containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean }; emptyDir?: object; secret?: { secretName: string; defaultMode?: number } }[] };
const pod = (job: KubeObject) => (job.spec as { backoffLimit: number; template: { spec: PodSpec } }).template.spec;
const run = { run: 'abc123', secretName: 'fleetdeck-mover-abc123' };

describe('volume movers', () => {
  it('backs a claim up read-only, labelled with the run: restic over the volume beside its listing, which goes into a snapshot of its own', () => {
    const job = backupJob({ namespace: 'shop', name: 'data' }, run);
    expect(job.metadata).toMatchObject({ name: 'fleetdeck-backup-data', namespace: 'shop', labels: { [RUN_LABEL]: 'abc123', 'fleetdeck.io/claim': 'data' } });
    const spec = pod(job);
    expect(spec.initContainers).toBeUndefined();
    expect(spec.containers.map((c) => c.name)).toEqual(['restic', 'listing']);
    expect(spec.containers[0].args).toEqual(['backup', '/data', '--json', '--host', 'fleetdeck', '--tag', 'fleetdeck:shop/data', '--tag', 'fleetdeck-run:abc123']);
    // the listing's snapshot is tagged apart: the data's tag finds only the data's snapshots
    expect(spec.containers[1].command).toEqual([
      '/bin/sh',
      '-c',
      expect.stringMatching(/^set -e; cd \/data && .*sort \/fleetdeck\/listing.part > \/fleetdeck\/listing && rm \/fleetdeck\/listing.part && exec restic backup \/fleetdeck --json --quiet '--host' 'fleetdeck' '--tag' 'fleetdeck-listing:shop\/data' '--tag' 'fleetdeck-run:abc123'$/s),
    ]);
    expect(spec.containers[1].args).toBeUndefined();
    // a name is one argument to restic whatever it holds
    expect(pod(backupJob({ namespace: "it's", name: 'data' }, run)).containers[1].command![2]).toContain(String.raw`'--tag' 'fleetdeck-listing:it'\''s/data' '--tag'`);
    for (const c of spec.containers) {
      // the repository and its password come from the run's Secret only
      expect(c.envFrom).toEqual([{ secretRef: { name: 'fleetdeck-mover-abc123' } }]);
      expect(c.env?.map((e) => e.name)).toEqual(['RESTIC_PROGRESS_FPS']);
      expect(c.volumeMounts.find((m) => m.name === 'data')).toMatchObject({ mountPath: '/data', readOnly: true });
    }
    expect(spec.containers[0].volumeMounts.map((m) => m.name)).toEqual(['data']);
    expect(spec.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
      { name: 'meta', emptyDir: {} },
    ]);
  });

  it('restores the volume (removing what the snapshot does not hold) and the source’s listing, then compares them', () => {
    const job = restoreJob('shop-eu', 'data', { snapshot: '4f2a9c1d', listing: '9e8d7c6b' }, run);
    expect(job.metadata).toMatchObject({ name: 'fleetdeck-restore-data', namespace: 'shop-eu' });
    const spec = pod(job);
    expect(spec.initContainers!.map((c) => [c.name, c.args])).toEqual([
      ['restic', ['restore', '4f2a9c1d', '--target', '/restore', '--delete', '--json']],
      ['listing', ['restore', '9e8d7c6b', '--target', '/restore', '--include', '/fleetdeck/listing', '--quiet']],
    ]);
    // nothing but the claim is below the data's target for --delete to remove
    expect(spec.initContainers!.map((c) => c.volumeMounts)).toEqual([[{ name: 'data', mountPath: '/restore/data' }], [{ name: 'meta', mountPath: '/restore/fleetdeck' }]]);
    expect(spec.containers[0].name).toBe('verify');
    expect(spec.containers[0].volumeMounts.find((m) => m.name === 'data')?.readOnly).toBe(true);
    expect(spec.containers[0].command![2]).toMatch(/^set -e; \[ -f \/fleetdeck\/listing \] \|\| \{ echo "V N"; exit 0; \}\ncd \/data/);
    expect(spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data' } });
  });

  it('restores a snapshot an older Fleetdeck took, which holds the listing beside the volume, in one restic run', () => {
    const job = restoreJob('shop-eu', 'data', { snapshot: '4f2a9c1d' }, run);
    expect(job.metadata).toMatchObject({ name: 'fleetdeck-restore-data', namespace: 'shop-eu' });
    const spec = pod(job);
    expect(spec.initContainers!.map((c) => [c.name, c.args])).toEqual([['restic', ['restore', '4f2a9c1d', '--target', '/restore', '--delete', '--json']]]);
    // the snapshot holds /data and /fleetdeck: nothing else is below the target for --delete to remove
    expect(spec.initContainers![0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/restore/data' },
      { name: 'meta', mountPath: '/restore/fleetdeck' },
    ]);
    expect(spec.containers[0].name).toBe('verify');
    expect(spec.containers[0].volumeMounts.find((m) => m.name === 'data')?.readOnly).toBe(true);
    expect(spec.containers[0].command![2]).toMatch(/^set -e; \[ -f \/fleetdeck\/listing \] \|\| \{ echo "V N"; exit 0; \}\ncd \/data/);
    expect(spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data' } });
  });

  it('checks the repository without a retry, and keeps its settings in a labelled Secret', () => {
    const check = repositoryCheckJob('shop', run);
    expect((check.spec as { backoffLimit: number }).backoffLimit).toBe(0);
    expect(pod(check).containers[0].args).toEqual(['cat', 'config']);
    const secret = moverSecret('shop', run, { RESTIC_REPOSITORY: 's3:host/bucket', RESTIC_PASSWORD: 'pw' }) as KubeObject & { stringData: Record<string, string> };
    expect(secret.metadata).toMatchObject({ name: 'fleetdeck-mover-abc123', namespace: 'shop', labels: { [RUN_LABEL]: 'abc123' } });
    expect(secret.stringData).toEqual({ RESTIC_REPOSITORY: 's3:host/bucket', RESTIC_PASSWORD: 'pw' });
  });

  it('cuts long claim names to a DNS label that stays unique', () => {
    const long = 'x'.repeat(70);
    expect(jobName('backup', long).length).toBeLessThanOrEqual(63);
    expect(jobName('backup', long)).not.toBe(jobName('backup', `${long}y`));
    expect(jobName('backup', 'data')).toBe('fleetdeck-backup-data');
  });
});

describe("the Google credentials file of a gs: repository's movers", () => {
  const keyed = { ...run, keySecretName: 'fleetdeck-mover-abc123-google' };
  const key = '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"}';
  const env = { RESTIC_REPOSITORY: 'gs:bucket:/restic', RESTIC_PASSWORD: 'pw', GOOGLE_PROJECT_ID: 'acme', GOOGLE_APPLICATION_CREDENTIALS: key };
  const all = (r: typeof run) => [repositoryCheckJob('shop', r), repositoryInitJob('shop', r), backupJob({ namespace: 'shop', name: 'data' }, r), restoreJob('shop', 'data', { snapshot: '4f2a9c1d', listing: '9e8d7c6b' }, r), restoreJob('shop', 'data', { snapshot: '4f2a9c1d' }, r)];
  const containers = (job: KubeObject) => [...(pod(job).initContainers ?? []), ...pod(job).containers];
  /** the containers that run restic: with the repository's settings */
  const restic = (job: KubeObject) => containers(job).filter((c) => c.envFrom);

  it('is a file in every restic container, read-only and 0400 from a Secret of its own, which GOOGLE_APPLICATION_CREDENTIALS names', () => {
    for (const job of all(keyed)) {
      expect(restic(job).length).toBeGreaterThan(0);
      for (const c of restic(job)) {
        const mount = c.volumeMounts.find((m) => m.name === 'google-credentials');
        expect(mount).toEqual({ name: 'google-credentials', mountPath: '/var/run/secrets/fleetdeck.io/google', readOnly: true });
        // not in the folders restic backs up or restores into
        expect(mount!.mountPath).not.toMatch(/^\/(?:data|fleetdeck)(?:\/|$)/);
        expect(c.env).toEqual([
          { name: 'RESTIC_PROGRESS_FPS', value: '1' },
          { name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/var/run/secrets/fleetdeck.io/google/credentials.json' },
        ]);
        expect(c.envFrom).toEqual([{ secretRef: { name: 'fleetdeck-mover-abc123' } }]);
      }
      // the verification has no use for it
      for (const other of containers(job).filter((c) => !c.envFrom)) expect(other.volumeMounts.map((m) => m.name)).not.toContain('google-credentials');
      expect(pod(job).volumes.filter((v) => v.name === 'google-credentials')).toEqual([{ name: 'google-credentials', secret: { secretName: 'fleetdeck-mover-abc123-google', defaultMode: 0o400 } }]);
    }
  });

  it('travels in its own Secret, not in the one envFrom exports as variables', () => {
    const variables = moverSecret('shop', keyed, env) as KubeObject & { stringData: Record<string, string> };
    expect(variables.stringData).toEqual({ RESTIC_REPOSITORY: 'gs:bucket:/restic', RESTIC_PASSWORD: 'pw', GOOGLE_PROJECT_ID: 'acme' });
    const file = moverKeySecret('shop', keyed, env) as KubeObject & { stringData: Record<string, string> };
    expect(file.metadata).toMatchObject({ name: 'fleetdeck-mover-abc123-google', namespace: 'shop', labels: { [RUN_LABEL]: 'abc123' } });
    expect(file.stringData).toEqual({ 'credentials.json': key });
  });

  it('changes nothing for a run without one', () => {
    expect(moverKeySecret('shop', run, { RESTIC_REPOSITORY: 's3:host/bucket', RESTIC_PASSWORD: 'pw' })).toBeUndefined();
    for (const job of all(run)) {
      expect(JSON.stringify(job)).not.toMatch(/google|GOOGLE/);
      for (const c of restic(job)) expect(c.env).toEqual([{ name: 'RESTIC_PROGRESS_FPS', value: '1' }]);
    }
    expect(pod(repositoryCheckJob('shop', run)).volumes).toBeUndefined();
  });
});

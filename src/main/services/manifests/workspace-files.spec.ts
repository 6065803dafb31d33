// Issue 18 item 4: a symlink as the last path component must not lead a read or a write out of
// the workspace (the parent folders were already checked).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../../shared/errors.ts';
import { LocalManifestsService } from './manifests-service.ts';
import { insideRoot, listWorkspace, readRegularFile, within, writeFileAtomic } from './workspace-files.ts';

const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

describe('workspace files and symlinks', () => {
  const outside = temp('fleetdeck-outside-');
  writeFileSync(path.join(outside, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: outside}\nstringData: {token: s3cr3t}\n');
  const root = temp('fleetdeck-ws-');
  writeFileSync(path.join(root, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
  mkdirSync(path.join(root, 'base'));
  symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'out.yaml'));
  symlinkSync('../../' + path.basename(outside) + '/secret.yaml', path.join(root, 'base', 'relative-out.yaml'));
  symlinkSync(path.join(outside, 'planted.yaml'), path.join(root, 'dangling.yaml'));
  symlinkSync('a.yaml', path.join(root, 'inside.yaml'));
  symlinkSync(outside, path.join(root, 'linked-folder'));
  mkdirSync(path.join(root, '.git'));
  writeFileSync(path.join(root, '.git', 'config'), '[remote "origin"]\n\turl = https://user:token@example.com/repo\n');
  const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });

  it('refuses to read through a last-component symlink that leaves the root, or points nowhere', async () => {
    for (const file of ['out.yaml', 'base/relative-out.yaml', 'dangling.yaml', 'linked-folder/secret.yaml']) {
      await expect(service.read({ root, path: file }), file).rejects.toMatchObject({ code: 'forbidden', message: `${file} is outside the workspace` });
    }
  });

  it('refuses to write through one: the target outside is neither changed nor created, and the link stays', async () => {
    for (const file of ['out.yaml', 'base/relative-out.yaml', 'dangling.yaml', 'linked-folder/new.yaml']) {
      await expect(service.write({ root, path: file, text: 'kind: Planted\n' }), file).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect(readFileSync(path.join(outside, 'secret.yaml'), 'utf8')).toContain('s3cr3t');
    expect(existsSync(path.join(outside, 'planted.yaml'))).toBe(false);
    expect(existsSync(path.join(outside, 'new.yaml'))).toBe(false);
    expect(lstatSync(path.join(root, 'out.yaml')).isSymbolicLink()).toBe(true);
  });

  it('follows a link that stays inside the root, writing its target and keeping the link', async () => {
    expect((await service.read({ root, path: 'inside.yaml' })).text).toContain('name: a');
    await service.write({ root, path: 'inside.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n' });
    expect(readFileSync(path.join(root, 'a.yaml'), 'utf8')).toContain('name: b');
    expect(readlinkSync(path.join(root, 'inside.yaml'))).toBe('a.yaml');
  });

  it('keeps out of .git: its config and hooks are not manifests', async () => {
    await expect(service.read({ root, path: '.git/config' })).rejects.toMatchObject({ code: 'forbidden', message: '.git/config is inside .git: Fleetdeck edits the work tree only' });
    await expect(service.write({ root, path: '.git/hooks/pre-commit', text: '#!/bin/sh\n' })).rejects.toMatchObject({ code: 'forbidden' });
    symlinkSync('.git/config', path.join(root, 'git-config.yaml'));
    await expect(service.read({ root, path: 'git-config.yaml' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(existsSync(path.join(root, '.git', 'hooks'))).toBe(false);
  });

  it('lists, validates and describes regular files only: links are not followed out of the root', async () => {
    const { files, directories } = await listWorkspace(root);
    expect(files).toEqual(['a.yaml']);
    expect([...directories]).toEqual(['', 'base']);
    const { problems, files: checked } = await service.validate({ root });
    expect(checked).toBe(1);
    expect(JSON.stringify(problems)).not.toContain('outside');
    expect((await service.open({ path: root })).files.map((f) => f.path)).toEqual(['a.yaml']);
  });

  it('writes files only: not the root or a folder (whose temporary file would land beside it)', async () => {
    for (const file of ['.', './', 'base']) await expect(service.write({ root, path: file, text: 'x' }), file).rejects.toMatchObject({ code: 'invalid-input', message: `${file} is a folder, not a file` });
    expect(readdirSync(path.dirname(root)).filter((name) => name.includes('fleetdeck-tmp'))).toEqual([]);
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    execFileSync('mkfifo', [path.join(root, 'pipe.yaml')]);
    await expect(service.read({ root, path: 'pipe.yaml' })).rejects.toMatchObject({ code: 'invalid-input', message: 'not a regular file: pipe.yaml' });
  });

  it('refuses a file larger than the editor may write back', async () => {
    writeFileSync(path.join(root, 'dump.yaml'), Buffer.alloc(20_000_001, 'a'));
    await expect(service.read({ root, path: 'dump.yaml' })).rejects.toMatchObject({ code: 'too-large' });
  });

  it('any path built from links, dots and .git either stays in the work tree or is refused with a FleetdeckError', async () => {
    const segment = fc.constantFrom('a.yaml', 'base', 'out.yaml', 'inside.yaml', 'dangling.yaml', 'linked-folder', 'git-config.yaml', '.git', '..', '.', '', 'missing');
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), async (segments) => {
        const relative = segments.join('/');
        const full = await insideRoot(root, relative).catch((error: unknown) => {
          expect(error).toBeInstanceOf(FleetdeckError);
          return undefined;
        });
        if (full === undefined) return;
        expect(within(root, full), relative).toBe(true);
        expect(path.relative(root, full).split(path.sep), relative).not.toContain('.git');
      }),
      { numRuns: 500 },
    );
  });
});

// Issue 18, red team F1: a path is checked, then opened; a folder on it that turns into a symlink
// in between (a branch where `d` is a link out) must not lead the open out of the root.
describe('a folder on the path turning into a symlink between the check and the open', () => {
  const outside = temp('fleetdeck-outside-');
  writeFileSync(path.join(outside, 'secret.yaml'), 'token: s3cr3t\n');

  it('a file opened through a link out of the root is refused once open, for a read and for a write', async () => {
    // the state the open finds when the swap happened after insideRoot's check
    const root = realpathSync(temp('fleetdeck-ws-'));
    symlinkSync(outside, path.join(root, 'd'));
    await expect(readRegularFile(path.join(root, 'd', 'secret.yaml'), 1_000_000, root)).rejects.toMatchObject({ code: 'forbidden', message: 'd/secret.yaml is outside the workspace' });
    await expect(writeFileAtomic(path.join(root, 'd', 'keep.yaml'), 'planted: true\n', root)).rejects.toMatchObject({ code: 'forbidden', message: 'd/keep.yaml is outside the workspace' });
    // neither the file nor its temporary stays outside
    expect(readdirSync(outside)).toEqual(['secret.yaml']);
    // and into .git, through a link inside the root
    mkdirSync(path.join(root, '.git'));
    writeFileSync(path.join(root, '.git', 'config'), '[core]\n');
    symlinkSync('.git', path.join(root, 'g'));
    await expect(readRegularFile(path.join(root, 'g', 'config'), 1_000_000, root)).rejects.toMatchObject({ code: 'forbidden', message: 'g/config is inside .git: Fleetdeck edits the work tree only' });
    await expect(writeFileAtomic(path.join(root, 'g', 'hooks'), '#!/bin/sh\n', root)).rejects.toMatchObject({ code: 'forbidden' });
    expect(readdirSync(path.join(root, '.git'))).toEqual(['config']);
  });

  describe('git switching a folder to a link while a read and a write wait', () => {
    const env = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' };
    const saved = { ...process.env };
    /** `git switch` waits for `release` here once it has started (and says so): the window in which a check would pass and the open would follow the new link */
    const gate = temp('fleetdeck-gate-');
    beforeAll(() => {
      const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
      const bin = temp('fleetdeck-git-');
      writeFileSync(path.join(bin, 'git'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = switch ] && { touch "${gate}/started"; while [ ! -e "${gate}/release" ]; do sleep 0.01; done; }; done\nexec "${realGit}" "$@"\n`);
      chmodSync(path.join(bin, 'git'), 0o755);
      Object.assign(process.env, env, { PATH: `${bin}${path.delimiter}${process.env.PATH}` });
    });
    afterAll(() => {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    });

    it('the read and the write wait for the switch, then find the link and are refused: nothing outside is read or written', async () => {
      const root = temp('fleetdeck-race-');
      const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'core.hooksPath=/dev/null', ...args]);
      git('init', '--quiet', '--initial-branch=a');
      mkdirSync(path.join(root, 'd'));
      writeFileSync(path.join(root, 'd', 'secret.yaml'), 'inside: true\n');
      git('add', '.');
      git('commit', '--quiet', '-m', 'd is a folder');
      git('checkout', '--quiet', '-b', 'b');
      git('rm', '--quiet', '-r', 'd');
      symlinkSync(outside, path.join(root, 'd'));
      git('add', 'd');
      git('commit', '--quiet', '-m', 'd is a link out');
      git('checkout', '--quiet', 'a');
      const service = new LocalManifestsService({ dataDir: temp('fleetdeck-home-'), workspaces: [root] });

      const switched = service.gitSwitch({ root, branch: 'b' });
      while (!existsSync(path.join(gate, 'started'))) await new Promise((resolve) => setTimeout(resolve, 10));
      const read = service.read({ root, path: 'd/secret.yaml' });
      const write = service.write({ root, path: 'd/keep.yaml', text: 'planted: true\n' });
      let settled = false;
      void Promise.allSettled([read, write]).then(() => (settled = true));
      // were they not held back, both would be done within this pause, on the folder
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(settled).toBe(false);
      writeFileSync(path.join(gate, 'release'), '');
      expect((await switched).branch).toBe('b');
      await expect(read).rejects.toMatchObject({ code: 'forbidden', message: 'd/secret.yaml is outside the workspace' });
      await expect(write).rejects.toMatchObject({ code: 'forbidden', message: 'd/keep.yaml is outside the workspace' });
      expect(readdirSync(outside)).toEqual(['secret.yaml']);
    });
  });
});

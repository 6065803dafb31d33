// Issue 18 item 4: a symlink as the last path component must not lead a read or a write out of
// the workspace (the parent folders were already checked).
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FleetdeckError } from '../../../shared/errors.ts';
import { LocalManifestsService } from './manifests-service.ts';
import { insideRoot, listWorkspace, within } from './workspace-files.ts';

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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyStore, Vault } from '../../kube/vault.ts';
import { SavedRepositories } from './saved-repositories.ts';

let home: string;
let vault: Vault;
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-saved-'));
  vault = new Vault(home, new FileKeyStore(home));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('repositories saved in the vault', () => {
  it('checks a saved repository again before a run uses it: one saved by an older Fleetdeck with a password command is refused, by name', async () => {
    // what an older Fleetdeck, which passed every variable, may have saved
    await vault.update((data) => {
      data.repositories = [{ name: 'old store', addedAt: '2026-11-01T00:00:00.000Z', env: { RESTIC_REPOSITORY: 's3:h/b', RESTIC_PASSWORD: 'hunter22', RESTIC_PASSWORD_COMMAND: 'sh -c id' } }];
    });
    const saved = new SavedRepositories(vault);
    await expect(saved.env('old store')).rejects.toMatchObject({ code: 'invalid-input', message: 'the saved repository "old store": RESTIC_PASSWORD_COMMAND is not allowed: it makes restic or its store read a file or run a command in the mover (give the repository, its password and the store\'s credentials as variables); save it again in the migration dialog' });
    expect(await saved.list()).toEqual([{ name: 'old store', location: 's3:h/b', variables: ['RESTIC_PASSWORD', 'RESTIC_PASSWORD_COMMAND', 'RESTIC_REPOSITORY'], addedAt: '2026-11-01T00:00:00.000Z' }]);
  });

  it('keeps every one of many saves made at once, and no value in the clear', async () => {
    const saved = new SavedRepositories(vault);
    await Promise.all(Array.from({ length: 20 }, (_, i) => saved.save(`store ${i}`, `RESTIC_REPOSITORY=s3:h/b${i}\nRESTIC_PASSWORD=secret-${i}-value`)));
    expect((await saved.list()).map((r) => r.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `store ${i}`).sort());
    await expect(saved.env('store 7')).resolves.toEqual({ RESTIC_REPOSITORY: 's3:h/b7', RESTIC_PASSWORD: 'secret-7-value' });
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(vault.file)).toString('latin1')).not.toMatch(/secret-\d+-value|RESTIC_PASSWORD/);
  });
});

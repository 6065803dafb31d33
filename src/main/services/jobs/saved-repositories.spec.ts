import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeServiceAccount } from '../../../../test/google-credentials.ts';
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

  it("keeps a gs: repository's Google key itself, so it works after the file moves; the renderer sees only the names of the settings", async () => {
    const key = fakeServiceAccount();
    const file = path.join(home, 'sa.json');
    writeFileSync(file, JSON.stringify(key, null, 2));
    const saved = new SavedRepositories(vault);
    const summary = await saved.save('gcs', `RESTIC_REPOSITORY=gs:fleetdeck-backups:/restic\nRESTIC_PASSWORD=hunter22\nGOOGLE_PROJECT_ID=fleetdeck-lab\nGOOGLE_APPLICATION_CREDENTIALS=${file}`);
    rmSync(file);
    const env = await saved.env('gcs');
    expect(JSON.parse(env.GOOGLE_APPLICATION_CREDENTIALS)).toEqual(key);
    expect(summary).toEqual({ name: 'gcs', location: 'gs:fleetdeck-backups:/restic', variables: ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_PROJECT_ID', 'RESTIC_PASSWORD', 'RESTIC_REPOSITORY'], addedAt: expect.any(String) });
    const shown = JSON.stringify(await saved.list());
    for (const secret of [key.private_key_id, key.client_email, JSON.stringify(key.private_key).slice(1, 40), file]) expect(shown).not.toContain(secret);
  });

  it('reads no file for the renderer but a Google credentials JSON: a kubeconfig is refused, nothing saved, nothing of it told', async () => {
    const kubeconfig = path.join(home, 'config');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: kubeconfig-secret-token\n');
    const saved = new SavedRepositories(vault);
    const save = saved.save('stolen', `RESTIC_REPOSITORY=gs:b:/r\nRESTIC_PASSWORD=hunter22\nGOOGLE_APPLICATION_CREDENTIALS=${kubeconfig}`);
    await expect(save).rejects.toMatchObject({ code: 'invalid-input', message: `the settings of repository "stolen": GOOGLE_APPLICATION_CREDENTIALS ${kubeconfig} is not JSON` });
    await expect(saved.save('relative', 'RESTIC_REPOSITORY=gs:b:/r\nRESTIC_PASSWORD=hunter22\nGOOGLE_APPLICATION_CREDENTIALS=config')).rejects.toMatchObject({ message: 'the settings of repository "relative": GOOGLE_APPLICATION_CREDENTIALS must be an absolute path (or start with ~/), got "config"' });
    expect(await saved.list()).toEqual([]);
  });

  it('refuses a key path that an older Fleetdeck saved (it means nothing in the clusters), asking to save it again', async () => {
    await vault.update((data) => {
      data.repositories = [{ name: 'old gcs', addedAt: '2026-11-01T00:00:00.000Z', env: { RESTIC_REPOSITORY: 'gs:b:/r', RESTIC_PASSWORD: 'hunter22', GOOGLE_APPLICATION_CREDENTIALS: '/home/sre/keys/sa.json' } }];
    });
    await expect(new SavedRepositories(vault).env('old gcs')).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/^the saved repository "old gcs": GOOGLE_APPLICATION_CREDENTIALS names a file on this computer, which the movers cannot read: .*; save it again in the migration dialog$/) });
  });
});

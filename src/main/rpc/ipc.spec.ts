// The desktop IPC server: calls and folder grants only from our own renderer; a dropped folder is
// granted by the path the preload read, which main checks.
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRANT_FOLDER_CHANNEL } from '../../shared/contract/manifests.ts';
import { CALL_CHANNEL } from '../../shared/ipc.ts';
import { LocalManifestsService } from '../services/manifests/manifests-service.ts';
import { Dispatcher } from './dispatcher.ts';
import { serveIpc, type IpcMainLike } from './ipc.ts';

describe('desktop IPC', () => {
  const own = 'file:///app/index.html';
  const handlers = new Map<string, Parameters<IpcMainLike['handle']>[1]>();
  const dispatcher = new Dispatcher();
  dispatcher.handle('manifests', 'folders', async () => 'answered');
  const manifests = new LocalManifestsService({ dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) });
  serveIpc({ handle: (channel, handler) => handlers.set(channel, handler) }, dispatcher, { trusted: (url) => url === own, broadcast: () => undefined, grantFolder: (dir) => manifests.grantFolder(dir) });
  const invoke = (channel: string, url: string | undefined, ...args: unknown[]) => handlers.get(channel)!({ senderFrame: url === undefined ? null : { url } }, ...args);

  it('refuses a call or a grant from any other frame', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'fleetdeck-drop-'));
    for (const url of ['https://evil.example/', 'file:///app/index.html.evil', undefined]) {
      expect(await invoke(CALL_CHANNEL, url, 'manifests', 'folders', {})).toEqual({ ok: false, error: { code: 'forbidden', message: 'forbidden: untrusted sender' } });
      expect(await invoke(GRANT_FOLDER_CHANNEL, url, folder)).toEqual({ ok: false, error: { code: 'forbidden', message: 'forbidden: untrusted sender' } });
    }
    expect((await manifests.folders()).folders).not.toContain(folder);
    expect(await invoke(CALL_CHANNEL, own, 'manifests', 'folders', {})).toEqual({ ok: true, value: 'answered' });
  });

  it('grants a dropped folder by the path the preload read; no path (a file the page made up), a file or a missing path is refused', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'fleetdeck-drop-'));
    writeFileSync(path.join(folder, 'a.yaml'), 'a: 1\n');
    expect(await invoke(GRANT_FOLDER_CHANNEL, own, '')).toEqual({ ok: false, error: { code: 'invalid-input', message: 'drop a folder from your file manager to open it' } });
    expect(await invoke(GRANT_FOLDER_CHANNEL, own, { path: folder })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await invoke(GRANT_FOLDER_CHANNEL, own, path.join(folder, 'a.yaml'))).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('not a folder') } });
    expect(await invoke(GRANT_FOLDER_CHANNEL, own, path.join(folder, 'missing'))).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await invoke(GRANT_FOLDER_CHANNEL, own, folder)).toEqual({ ok: true, value: realpathSync(folder) });
    expect((await manifests.read({ root: folder, path: 'a.yaml' })).text).toBe('a: 1\n');
  });
});

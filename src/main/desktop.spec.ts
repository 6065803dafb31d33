// Issue 18 item 19: the Electron main process's guards, tested under Node with stand-ins for the
// Electron parts (no Electron binary exists on the build machines).
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardWebContents, isGrafanaLink, rendererTrust, type GuardedContents } from './desktop.ts';
import { hasOsKeychain, SafeStorageKeyStore, type SafeStorageLike } from './kube/safe-storage-keys.ts';

describe('which frames may call the services', () => {
  it('the dev server by its exact origin, not a prefix of it', () => {
    const trusted = rendererTrust('http://localhost:5173', '/app/out/renderer/index.html');
    for (const url of ['http://localhost:5173', 'http://localhost:5173/', 'http://localhost:5173/index.html#/workspace']) expect(trusted(url), url).toBe(true);
    for (const url of [
      'http://localhost:5173.evil.example/',
      'http://localhost:51730/',
      'https://localhost:5173/',
      'http://localhost:5173@evil.example/',
      'http://evil.example/?http://localhost:5173',
      'file:///app/out/renderer/index.html',
      'data:text/html,<script>',
      'not a url',
      '',
      undefined,
    ]) {
      expect(trusted(url), String(url)).toBe(false);
    }
  });

  it('the built renderer by its exact file', () => {
    const trusted = rendererTrust(undefined, '/app/out/renderer/index.html');
    for (const url of ['file:///app/out/renderer/index.html', 'file:///app/out/renderer/index.html#/clusters', 'file:///app/out/renderer/%69ndex.html']) expect(trusted(url), url).toBe(true);
    for (const url of ['file:///app/out/renderer/index.html.evil', 'file:///app/out/renderer/other.html', 'file://host/app/out/renderer/index.html', 'file:///tmp/index.html', 'http://localhost:5173/', undefined]) {
      expect(trusted(url), String(url)).toBe(false);
    }
  });
});

describe('every webContents', () => {
  it('opens no window, navigates nowhere and attaches no webview; a window request goes to the link check', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }) => void>();
    let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
    const contents = {
      setWindowOpenHandler: (handler: typeof openHandler) => void (openHandler = handler),
      on: (event: string, listener: (event: { preventDefault(): void }) => void) => void listeners.set(event, listener),
    } as GuardedContents;
    const links: string[] = [];
    guardWebContents(contents, (url) => links.push(url));
    expect(openHandler!({ url: 'https://grafana.example.com/explore' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(links).toEqual(['https://grafana.example.com/explore', 'file:///etc/passwd']);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      listeners.get(event)!({ preventDefault: () => (prevented = true) });
      expect(prevented, event).toBe(true);
    }
  });
});

describe('links opened in the system browser', () => {
  const grafanas = ['https://grafana.example.com/', 'http://10.0.0.5:3000/grafana'];

  it('only those under a configured Grafana', () => {
    for (const url of ['https://grafana.example.com/explore?left=%7B%7D', 'http://10.0.0.5:3000/grafana', 'http://10.0.0.5:3000/grafana/explore?orgId=1']) expect(isGrafanaLink(url, grafanas), url).toBe(true);
    for (const url of [
      'https://grafana.example.com.evil.example/explore',
      'https://grafana.example.com:8443/explore',
      'http://grafana.example.com/explore',
      'https://user:pass@grafana.example.com/explore',
      'http://10.0.0.5:3000/grafanax/explore',
      'http://10.0.0.5:3000/grafana/../admin',
      'http://10.0.0.5:3000/other',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://grafana.example.com/share',
      'ms-msdt:/id',
      'not a url',
    ]) {
      expect(isGrafanaLink(url, grafanas), url).toBe(false);
    }
    expect(isGrafanaLink('https://grafana.example.com/explore', [])).toBe(false);
    expect(isGrafanaLink('https://grafana.example.com/explore', ['not a url'])).toBe(false);
  });
});

describe("the desktop app's vault key", () => {
  const safeStorage = (backend: string | undefined, available = true): SafeStorageLike => ({
    isEncryptionAvailable: () => available,
    ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
    encryptString: (plain) => Buffer.from(`sealed:${plain}`),
    decryptString: (sealed) => sealed.toString().replace(/^sealed:/, ''),
  });

  it("uses the OS keychain only where there is one: not safeStorage's basic_text fallback on Linux", () => {
    expect(hasOsKeychain(safeStorage('gnome_libsecret'), 'linux')).toBe(true);
    expect(hasOsKeychain(safeStorage('kwallet6'), 'linux')).toBe(true);
    expect(hasOsKeychain(safeStorage('basic_text'), 'linux')).toBe(false);
    expect(hasOsKeychain(safeStorage('unknown'), 'linux')).toBe(false);
    expect(hasOsKeychain(safeStorage('gnome_libsecret', false), 'linux')).toBe(false);
    expect(hasOsKeychain(safeStorage(undefined), 'darwin')).toBe(true);
    expect(hasOsKeychain(safeStorage(undefined), 'win32')).toBe(true);
  });

  it('with basic_text, seals with the key file (mode 0600), as the web shell and the CLI do', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-'));
    expect((await new SafeStorageKeyStore(dir, safeStorage('basic_text'), 'linux').sealingKey()).kind).toBe('file');
    expect(statSync(path.join(dir, 'vault.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(dir, 'vault.key.safe'))).toBe(false);
    const withKeychain = mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-'));
    expect((await new SafeStorageKeyStore(withKeychain, safeStorage('gnome_libsecret'), 'linux').sealingKey()).kind).toBe('keychain');
    expect(existsSync(path.join(withKeychain, 'vault.key'))).toBe(false);
  });
});

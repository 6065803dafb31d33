import path from 'node:path';
import { parseArgs } from 'node:util';
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, shell } from 'electron';
import { guardWebContents, isGrafanaLink, rendererTrust } from './desktop.ts';
import { Dispatcher } from './rpc/dispatcher.ts';
import { serveIpc } from './rpc/ipc.ts';
import { widenProcessPath } from './kube/exec-path.ts';
import { hasOsKeychain, SafeStorageKeyStore } from './kube/safe-storage-keys.ts';
import { dataDir } from './kube/vault.ts';
import { createServices, exposeServices } from './services/index.ts';

const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = path.join(import.meta.dirname, '../renderer/index.html');

/** Only our own renderer may call the services. */
const trusted = rendererTrust(rendererUrl, rendererFile);

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Fleetdeck',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  if (rendererUrl) void window.loadURL(rendererUrl);
  else void window.loadFile(rendererFile);
  return window;
}

/** main's folder dialog, over the focused window */
async function pickFolder(title: string): Promise<string | undefined> {
  const options: Electron.OpenDialogOptions = { title, properties: ['openDirectory', 'createDirectory', 'promptToCreate'] };
  const window = BrowserWindow.getFocusedWindow();
  const { canceled, filePaths } = await (window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options));
  return canceled ? undefined : filePaths[0];
}

async function start() {
  const { values } = parseArgs({
    args: process.argv.slice(1),
    options: { kubeconfig: { type: 'string' }, workspace: { type: 'string', multiple: true } },
    strict: false,
    allowPositionals: true,
  });
  widenProcessPath();
  const dispatcher = new Dispatcher();
  await app.whenReady();
  const dir = dataDir();
  if (!hasOsKeychain(safeStorage)) {
    console.warn(`fleetdeck: no OS keychain (Electron safeStorage: ${process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'unavailable'}): the vault is sealed with the key file ${path.join(dir, 'vault.key')} (mode 0600), as for the web shell and the CLI`);
  }
  const services = createServices({
    kubeconfig: typeof values.kubeconfig === 'string' ? values.kubeconfig : undefined,
    dataDir: dir,
    keys: new SafeStorageKeyStore(dir, safeStorage),
    workspaces: Array.isArray(values.workspace) ? values.workspace.filter((w): w is string => typeof w === 'string') : undefined,
    pickFolder,
  });
  const unexpose = exposeServices(services, dispatcher);
  // quitting stops the caches, watches and jobs in flight (a running job is kept as interrupted, to resume)
  app.once('will-quit', () => {
    unexpose();
    services.dispose();
  });

  serveIpc(ipcMain, dispatcher, {
    trusted,
    broadcast: (channel, message) => BrowserWindow.getAllWindows().forEach((window) => window.webContents.send(channel, message)),
    grantFolder: (folder) => services.manifests.grantFolder(folder),
  });

  // the system browser opens only the Grafana links the metrics screen builds from the configured URLs
  const openLink = (url: string) =>
    void services.monitoring
      .endpoints({})
      .then((clusters) => clusters.flatMap((c) => (c.grafana ? [c.grafana] : [])))
      .then((grafanas) => (isGrafanaLink(url, grafanas) ? shell.openExternal(url) : console.warn(`fleetdeck: not opening ${url}: only links to a configured Grafana open outside the app`)))
      .catch((error: Error) => console.warn(`fleetdeck: not opening ${url}: ${error.message}`));
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, openLink));
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  void start();
}

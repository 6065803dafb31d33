import path from 'node:path';
import { parseArgs } from 'node:util';
import { app, BrowserWindow, ipcMain, safeStorage, session, shell } from 'electron';
import { Dispatcher } from './rpc/dispatcher.ts';
import { serveIpc } from './rpc/ipc.ts';
import { widenProcessPath } from './services/clusters/exec-path.ts';
import { SafeStorageKeyStore } from './services/clusters/safe-storage-keys.ts';
import { dataDir } from './services/clusters/vault.ts';
import { createServices, exposeServices } from './services/index.ts';

const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = path.join(import.meta.dirname, '../renderer/index.html');

/** Only our own renderer may call the services. */
function trusted(frameUrl: string | undefined): boolean {
  if (!frameUrl) return false;
  if (rendererUrl) return frameUrl.startsWith(rendererUrl);
  return frameUrl.startsWith('file://') && decodeURIComponent(new URL(frameUrl).pathname) === rendererFile;
}

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
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (rendererUrl) void window.loadURL(rendererUrl);
  else void window.loadFile(rendererFile);
  return window;
}

async function start() {
  const { values } = parseArgs({ args: process.argv.slice(1), options: { kubeconfig: { type: 'string' } }, strict: false, allowPositionals: true });
  widenProcessPath();
  const dispatcher = new Dispatcher();
  await app.whenReady();
  const dir = dataDir();
  const keys = new SafeStorageKeyStore(dir, safeStorage);
  exposeServices(createServices({ kubeconfig: typeof values.kubeconfig === 'string' ? values.kubeconfig : undefined, dataDir: dir, keys }), dispatcher);

  serveIpc(ipcMain, dispatcher, {
    trusted,
    broadcast: (channel, message) => BrowserWindow.getAllWindows().forEach((window) => window.webContents.send(channel, message)),
  });

  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
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

import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createApiClient } from '../shared/contract/index.ts';
import { GRANT_FOLDER_CHANNEL, type DesktopBridge } from '../shared/contract/manifests.ts';
import { ipcClientTransport } from '../shared/ipc.ts';

// Only the typed client crosses into the page: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('fleetdeck', createApiClient(ipcClientTransport(ipcRenderer)));

// A dropped folder's path, which the page itself cannot read or make up; main decides.
const desktop: DesktopBridge = { grantDroppedFolder: (file) => ipcRenderer.invoke(GRANT_FOLDER_CHANNEL, webUtils.getPathForFile(file)) };
contextBridge.exposeInMainWorld('fleetdeckDesktop', desktop);

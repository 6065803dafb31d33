import { contextBridge, ipcRenderer } from 'electron';
import { createApiClient } from '../shared/contract/index.ts';
import { ipcClientTransport } from '../shared/ipc.ts';

// Only the typed client crosses into the page: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('fleetdeck', createApiClient(ipcClientTransport(ipcRenderer)));

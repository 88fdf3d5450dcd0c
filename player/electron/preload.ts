/**
 * Runs in the sandboxed preload of the kiosk window (bundled to dist-electron/preload.cjs).
 * Exposes exactly one object, `window.kiosk`; see kiosk-api.ts for why it is so small.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createKioskApi } from './kiosk-api.ts';

contextBridge.exposeInMainWorld(
  'kiosk',
  createKioskApi(ipcRenderer, (message) => console.warn(`[kiosk] ${message}`)),
);

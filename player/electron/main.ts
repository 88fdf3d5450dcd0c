/**
 * Electron main process: wiring only. Starts the player core, then shows its display page in a
 * locked-down kiosk window. Every decision lives in a tested module beside this file.
 */
import { app, BrowserWindow, ipcMain, powerMonitor, powerSaveBlocker, safeStorage, session } from 'electron';
import { autoUpdater } from 'electron-updater';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { realClock } from '../../shared/clock.ts';
import { startPlayerCore } from '../core/index.ts';
import { enableAutostart, isUnderSystemd } from './autostart.ts';
import { readConfigFiles, resolveShellConfig } from './config.ts';
import { safeStorageCredentialStore } from './credentials-safe-storage.ts';
import { registerKioskIpc, sendKioskCommand } from './ipc-main.ts';
import { keepDisplayAwake } from './power.ts';
import { createRestartGuard, restartHistoryFile } from './restart-guard.ts';
import { hardenSession, hardenWebContents } from './security.ts';
import { selfUpdateSupport, startUpdater } from './updater.ts';
import { KIOSK_PARTITION, hideCursorOnEveryLoad, kioskWindowOptions } from './window-options.ts';

const log = (message: string) => console.log(`${new Date(realClock.now()).toISOString()} [shell] ${message}`);

async function main(): Promise<void> {
  const userData = app.getPath('userData');
  const files = readConfigFiles(
    [join(userData, 'config.json'), join(process.resourcesPath, 'player-config.json')],
    fs,
  );
  const config = resolveShellConfig({ argv: process.argv, env: process.env, files });
  const core = await startPlayerCore({
    serverUrl: config.serverUrl,
    dataDir: join(userData, 'player'),
    clock: realClock,
    displayPort: config.displayPort,
    credentials: safeStorageCredentialStore({ safeStorage, dir: userData, fs: fsp, log }),
    distDir: join(app.getAppPath(), 'player', 'display', 'dist'),
  });
  const origin = new URL(core.displayUrl).origin;
  hardenSession(session.fromPartition(KIOSK_PARTITION), origin, log);
  app.on('web-contents-created', (_e, wc) =>
    hardenWebContents(wc, origin, { allowDevTools: config.allowDevTools, log }),
  );

  const preloadPath = join(app.getAppPath(), 'dist-electron', 'preload.cjs');
  const win = new BrowserWindow(kioskWindowOptions({ preloadPath, windowed: config.windowed }));
  hideCursorOnEveryLoad(win.webContents, log);
  const underSystemd = isUnderSystemd(process.env);
  const guard = createRestartGuard({
    contents: win.webContents,
    clock: realClock,
    log,
    store: restartHistoryFile(fs, join(userData, 'restart-history.json'), log),
    // Under systemd, exiting non-zero lets the unit's Restart=always start the next copy.
    actions: {
      reload: () => void win.loadURL(core.displayUrl),
      relaunch: () => {
        if (!underSystemd) app.relaunch();
        app.exit(underSystemd ? 1 : 0);
      },
    },
  });
  registerKioskIpc(
    ipcMain,
    {
      'kiosk:get-info': () => ({
        version: app.getVersion(),
        electron: process.versions.electron,
        chrome: process.versions.chrome,
        platform: process.platform,
        arch: process.arch,
        recentRestarts: guard.recentRestarts(),
      }),
      'kiosk:report-display-event': (event) => (log(`display: ${JSON.stringify(event)}`), null),
      'kiosk:request-restart': ({ reason }) => guard.restart(`display page asked: ${reason}`),
    },
    origin,
  );

  const awake = keepDisplayAwake(powerSaveBlocker);
  powerMonitor.on('resume', () => awake.ensure());
  const updater = startUpdater({
    updater: autoUpdater,
    serverUrl: config.serverUrl,
    clock: realClock,
    timeZone: config.timeZone,
    log,
    support: selfUpdateSupport(process.platform, process.env, app.isPackaged),
    beforeInstall: (version) => sendKioskCommand(win.webContents, { type: 'update-ready', version }),
  });
  enableAutostart({
    platform: process.platform,
    setLoginItemSettings: (s) => app.setLoginItemSettings(s),
    execPath: process.execPath,
    env: process.env,
    homeDir: homedir(),
    fs: fsp,
  }).then(
    (r) => log(`start at login: ${r.method}`),
    (e: unknown) => log(`start at login failed: ${String(e)}`),
  );

  let stopping = false;
  app.on('second-instance', () => win.focus());
  // Alt+F4 or a stray click must not end the show; quitting goes through app.quit (SIGTERM, updater).
  win.on('close', (event) => stopping || event.preventDefault());
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    guard.dispose();
    updater.stop();
    awake.stop();
    // Quit whether or not the core stopped cleanly; a failed stop is logged, never left unhandled.
    core.stop().then(
      () => app.quit(),
      (err: unknown) => {
        log(`core stop failed: ${err instanceof Error ? err.message : String(err)}`);
        app.quit();
      },
    );
  });
  win.once('ready-to-show', () => win.show());
  await win.loadURL(core.displayUrl);
}

// A second copy (autostart plus a double-click) would fight over the screen and the port.
if (!app.requestSingleInstanceLock()) app.quit();
else
  app
    .whenReady()
    .then(main)
    .catch((err: unknown) => {
      log(`could not start: ${err instanceof Error ? err.stack : String(err)}`);
      app.exit(1);
    });

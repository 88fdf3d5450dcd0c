/**
 * Unattended updates through electron-updater's generic provider. The feed is served by our
 * own server at `${serverUrl}/updates/` (latest.yml, latest-linux.yml and the artifacts), so a
 * screen only ever talks to the server it is paired with.
 *
 * Checks at start and every 6 hours; a downloaded update is installed at the next quiet hour
 * in the site's time zone (02:00-04:00 by default, when no venue is open), or whenever the app
 * quits first. Only builds that can replace themselves do this: the NSIS install on Windows and
 * the AppImage on Linux. A .deb needs root (dpkg) to update, which nobody is there to type, so
 * .deb screens are updated by apt or by reinstalling (docs/electron.md).
 */
import type { Clock } from '../../shared/clock.ts';
import { localDateOf, addDays, zonedToInstant, instantToZoned, minutesOfDay } from '../../shared/time.ts';
import { realTimers, type Timers } from './timers.ts';

export const CHECK_INTERVAL_MS = 6 * 60 * 60_000;

export interface QuietHours {
  /** Local 'HH:MM'; the window may wrap past midnight (e.g. 23:00-05:00). */
  from: string;
  to: string;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { from: '02:00', to: '04:00' };

/** The generic-provider feed URL for a server base URL (with or without a trailing slash). */
export function updateFeedUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the update server must be http:// or https://, got ${serverUrl}`);
  }
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/updates/`;
  return url.toString();
}

export type SelfUpdateSupport = { ok: true } | { ok: false; reason: string };

/** Whether this installation can replace itself without a person at the screen. */
export function selfUpdateSupport(
  platform: string,
  env: Readonly<Record<string, string | undefined>>,
  isPackaged: boolean,
): SelfUpdateSupport {
  if (!isPackaged) return { ok: false, reason: 'running from source: updates come from git' };
  if (platform === 'win32') return { ok: true };
  if (platform === 'linux') {
    return env.APPIMAGE
      ? { ok: true }
      : { ok: false, reason: 'installed from a .deb: update it with apt or the next .deb (needs root)' };
  }
  return { ok: false, reason: `no unattended update for ${platform}` };
}

function inWindow(minute: number, from: number, to: number): boolean {
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** True when `now` falls inside the quiet hours in `zone`. */
export function isQuietTime(now: number, zone: string, quiet: QuietHours): boolean {
  const p = instantToZoned(now, zone);
  return inWindow(p.hour * 60 + p.minute, minutesOfDay(quiet.from), minutesOfDay(quiet.to));
}

/** The next instant (>= now) at which the quiet hours begin, or `now` when already inside them. */
export function nextQuietStart(now: number, zone: string, quiet: QuietHours): number {
  if (isQuietTime(now, zone, quiet)) return now;
  const today = localDateOf(now, zone);
  const start = zonedToInstant(today, quiet.from, zone);
  return start > now ? start : zonedToInstant(addDays(today, 1), quiet.from, zone);
}

/** The part of electron-updater's AppUpdater the player uses. */
export interface UpdaterLike {
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  checkForUpdates(): Promise<unknown>;
  on(event: 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
}

export interface UpdaterOptions {
  updater: UpdaterLike;
  serverUrl: string;
  support: SelfUpdateSupport;
  clock: Clock;
  /** IANA zone of the site, for the quiet hours. */
  timeZone: string;
  quietHours?: QuietHours;
  timers?: Timers;
  log?: (message: string) => void;
  /** Called just before quitting to install (the page can show "Đang cập nhật / Updating"). */
  beforeInstall?: (version: string) => void;
}

export interface UpdaterHandle {
  checkNow(): Promise<void>;
  stop(): void;
}

export function startUpdater(opts: UpdaterOptions): UpdaterHandle {
  const log = opts.log ?? (() => {});
  const timers = opts.timers ?? realTimers;
  const quiet = opts.quietHours ?? DEFAULT_QUIET_HOURS;
  let checkTimer: unknown = null;
  let installTimer: unknown = null;
  let stopped = false;

  if (!opts.support.ok) {
    log(`automatic updates off: ${opts.support.reason}`);
    return { checkNow: async () => {}, stop: () => {} };
  }

  const feed = updateFeedUrl(opts.serverUrl);
  opts.updater.setFeedURL({ provider: 'generic', url: feed });
  opts.updater.autoDownload = true;
  opts.updater.autoInstallOnAppQuit = true;

  async function checkNow(): Promise<void> {
    try {
      await opts.updater.checkForUpdates();
    } catch (err) {
      // Offline or the server has no feed yet: try again at the next interval.
      log(`update check against ${feed} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  function scheduleChecks(): void {
    checkTimer = timers.setTimeout(() => {
      if (stopped) return;
      void checkNow().finally(() => {
        if (!stopped) scheduleChecks();
      });
    }, CHECK_INTERVAL_MS);
  }

  opts.updater.on('error', (err) => log(`updater error: ${err.message}`));
  opts.updater.on('update-downloaded', (info) => {
    if (stopped || installTimer !== null) return;
    const now = opts.clock.now();
    const at = nextQuietStart(now, opts.timeZone, quiet);
    log(
      `update ${info.version} downloaded; installing ${at === now ? 'now' : `at ${new Date(at).toISOString()}`}`,
    );
    installTimer = timers.setTimeout(() => {
      installTimer = null;
      if (stopped) return;
      opts.beforeInstall?.(info.version);
      // Silent NSIS install, and start the player again afterwards.
      opts.updater.quitAndInstall(true, true);
    }, at - now);
  });

  void checkNow();
  scheduleChecks();

  return {
    checkNow,
    stop() {
      stopped = true;
      if (checkTimer !== null) timers.clearTimeout(checkTimer);
      if (installTimer !== null) timers.clearTimeout(installTimer);
    },
  };
}

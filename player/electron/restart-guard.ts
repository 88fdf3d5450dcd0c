/**
 * Crash and hang recovery for the kiosk window, with a cap that survives the restarts.
 *
 * When the renderer dies or hangs past a grace period the window is reloaded; if reloads keep
 * failing the whole app relaunches. At most `maxRestarts` restarts happen in any `windowMs`; past
 * that the guard waits until the oldest one leaves the window and tries again, so a screen with
 * a persistent fault neither spins at 100% CPU nor gives up for good. The history of restarts
 * is kept in a small JSON file in userData, written atomically before acting, because a
 * relaunch starts a new process that must still see the count.
 */
import { z } from 'zod';
import type { Clock } from '../../shared/clock.ts';
import { realTimers, type Timers } from './timers.ts';

export type { Timers } from './timers.ts';

export interface RestartPolicy {
  /** Most restarts (reloads and relaunches together) allowed in any `windowMs`. */
  maxRestarts: number;
  windowMs: number;
  /** How long a window may stay unresponsive before it counts as hung. */
  unresponsiveGraceMs: number;
  /** With this many restarts already in the window, relaunch the app instead of reloading. */
  relaunchAfter: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 10 * 60_000,
  unresponsiveGraceMs: 30_000,
  relaunchAfter: 2,
};

export type RestartDecision =
  | { action: 'reload' | 'relaunch'; history: number[] }
  | { action: 'wait'; retryAt: number; history: number[] };

/**
 * Pure: given the instants of earlier restarts, decide what to do now. The returned history is
 * what must be persisted before acting. Entries after `now` are dropped: they can only come from
 * a clock that went backwards (an RTC reset after a power cut, then NTP), and keeping them would
 * block restarts until the clock caught up.
 */
export function decideRestart(
  history: readonly number[],
  now: number,
  policy: RestartPolicy,
): RestartDecision {
  const recent = restartsInWindow(history, now, policy);
  if (recent.length >= policy.maxRestarts) {
    // The restart that frees a slot is the one `maxRestarts` back from the end.
    const freeing = recent[recent.length - policy.maxRestarts]!;
    return { action: 'wait', retryAt: freeing + policy.windowMs, history: recent };
  }
  return {
    action: recent.length >= policy.relaunchAfter ? 'relaunch' : 'reload',
    history: [...recent, now],
  };
}

/** The restarts that still count against the cap at `now`, oldest first. */
export function restartsInWindow(history: readonly number[], now: number, policy: RestartPolicy): number[] {
  return history
    .filter((t) => Number.isFinite(t) && t > now - policy.windowMs && t <= now)
    .sort((a, b) => a - b);
}

// ---- persistence ----

const HistoryFile = z.object({ version: z.literal(1), restarts: z.array(z.number()).max(1000) });

export interface RestartHistoryStore {
  load(): number[];
  save(history: readonly number[]): void;
}

/** The few synchronous fs calls the history file needs (node:fs fits). */
export interface SyncFs {
  readFileSync(path: string, encoding: 'utf8'): string;
  writeFileSync(path: string, data: string, options: { mode: number }): void;
  renameSync(from: string, to: string): void;
  mkdirSync(path: string, options: { recursive: true }): unknown;
}

/**
 * Synchronous on purpose: a relaunch calls app.exit() right after saving, and the write must
 * be on disk by then. Written to a temp file and renamed over the old one so that a power cut
 * mid-write leaves either the old or the new history, never half of one.
 */
export function restartHistoryFile(
  fs: SyncFs,
  path: string,
  log: (message: string) => void = () => {},
): RestartHistoryStore {
  const dir = path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')));
  return {
    load() {
      let text: string;
      try {
        text = fs.readFileSync(path, 'utf8');
      } catch {
        return [];
      }
      try {
        const parsed = HistoryFile.safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data.restarts;
      } catch {
        // fall through: unreadable JSON is treated like a damaged file
      }
      log(`restart history ${path} is damaged; starting a new one`);
      return [];
    },
    save(history) {
      if (dir) fs.mkdirSync(dir, { recursive: true });
      const tmp = `${path}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ version: 1, restarts: history }), { mode: 0o600 });
      fs.renameSync(tmp, path);
    },
  };
}

// ---- wiring to the window ----

export interface GuardedContents {
  on(
    event: 'render-process-gone',
    listener: (event: unknown, details: { reason: string; exitCode: number }) => void,
  ): unknown;
  on(event: 'unresponsive' | 'responsive', listener: () => void): unknown;
}

export interface RestartActions {
  /** Reload the display page in the same window (a new renderer process after a crash). */
  reload(): void;
  /** Relaunch the whole app (Electron: app.relaunch(); app.exit(0)). */
  relaunch(): void;
}

export interface RestartGuardOptions {
  contents: GuardedContents;
  store: RestartHistoryStore;
  clock: Clock;
  actions: RestartActions;
  policy?: RestartPolicy;
  timers?: Timers;
  log?: (message: string) => void;
}

export interface RestartGuard {
  /** Restart for `reason` now (or as soon as the cap allows); returns what was done. */
  restart(reason: string): RestartDecision['action'];
  /** Restarts within the current cap window (for diagnostics). */
  recentRestarts(): number;
  dispose(): void;
}

export function createRestartGuard(opts: RestartGuardOptions): RestartGuard {
  const policy = opts.policy ?? DEFAULT_RESTART_POLICY;
  const timers = opts.timers ?? realTimers;
  const log = opts.log ?? (() => {});
  let hangTimer: unknown = null;
  let retryTimer: unknown = null;
  let disposed = false;

  const clearHang = () => {
    if (hangTimer !== null) timers.clearTimeout(hangTimer);
    hangTimer = null;
  };
  const clearRetry = () => {
    if (retryTimer !== null) timers.clearTimeout(retryTimer);
    retryTimer = null;
  };

  function restart(reason: string): RestartDecision['action'] {
    if (disposed) return 'wait';
    clearHang();
    clearRetry();
    const now = opts.clock.now();
    const decision = decideRestart(opts.store.load(), now, policy);
    opts.store.save(decision.history);
    if (decision.action === 'wait') {
      const delay = Math.max(0, decision.retryAt - now);
      log(
        `${reason}: ${policy.maxRestarts} restarts in the last ${Math.round(policy.windowMs / 60_000)} min; ` +
          `next attempt in ${Math.ceil(delay / 1000)} s`,
      );
      retryTimer = timers.setTimeout(() => {
        retryTimer = null;
        restart(`${reason} (retry after cap)`);
      }, delay);
      return 'wait';
    }
    log(`${reason}: ${decision.action} (${decision.history.length}/${policy.maxRestarts} in window)`);
    if (decision.action === 'reload') opts.actions.reload();
    else opts.actions.relaunch();
    return decision.action;
  }

  opts.contents.on('render-process-gone', (_event, details) => {
    // 'clean-exit' is our own shutdown or a deliberate reload, not a crash.
    if (details.reason === 'clean-exit') return;
    restart(`display renderer gone (${details.reason}, exit code ${details.exitCode})`);
  });
  opts.contents.on('unresponsive', () => {
    if (hangTimer !== null || disposed) return;
    log(`display page unresponsive; restarting if it stays so for ${policy.unresponsiveGraceMs / 1000} s`);
    hangTimer = timers.setTimeout(() => {
      hangTimer = null;
      restart(`display page unresponsive for ${policy.unresponsiveGraceMs / 1000} s`);
    }, policy.unresponsiveGraceMs);
  });
  opts.contents.on('responsive', () => {
    if (hangTimer !== null) log('display page responsive again');
    clearHang();
    // A page that recovered on its own no longer needs the restart that the cap postponed.
    clearRetry();
  });

  return {
    restart,
    recentRestarts: () => restartsInWindow(opts.store.load(), opts.clock.now(), policy).length,
    dispose() {
      disposed = true;
      clearHang();
      clearRetry();
    },
  };
}

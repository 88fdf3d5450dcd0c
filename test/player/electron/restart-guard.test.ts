import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import {
  DEFAULT_RESTART_POLICY,
  createRestartGuard,
  decideRestart,
  restartHistoryFile,
  type GuardedContents,
} from '../../../player/electron/restart-guard.ts';
import { virtualTimers } from './virtual-timers.ts';

const MIN = 60_000;
const T0 = Date.parse('2024-09-05T07:55:00+07:00');
const policy = DEFAULT_RESTART_POLICY; // 5 per 10 min, relaunch from the 3rd, 30 s grace

describe('decideRestart', () => {
  it('reloads twice, then relaunches, then waits for the oldest restart to leave the window', () => {
    let history: number[] = [];
    const actions: string[] = [];
    for (let i = 0; i < 6; i++) {
      const d = decideRestart(history, T0 + i * MIN, policy);
      actions.push(d.action);
      history = d.history;
      if (d.action === 'wait') expect(d.retryAt).toBe(T0 + 10 * MIN);
    }
    expect(actions).toEqual(['reload', 'reload', 'relaunch', 'relaunch', 'relaunch', 'wait']);
    expect(history).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * MIN));
  });

  it('frees a slot exactly when the oldest restart is windowMs old', () => {
    const history = [0, 1, 2, 3, 4].map((i) => T0 + i * MIN);
    expect(decideRestart(history, T0 + 10 * MIN - 1, policy).action).toBe('wait');
    const d = decideRestart(history, T0 + 10 * MIN, policy);
    expect(d.action).toBe('relaunch');
    expect(d.history).toEqual([1, 2, 3, 4, 10].map((i) => T0 + i * MIN));
  });

  it('starts over with reloads after a quiet window', () => {
    const history = [0, 1, 2, 3, 4].map((i) => T0 + i * MIN);
    const d = decideRestart(history, T0 + 60 * MIN, policy);
    expect(d).toEqual({ action: 'reload', history: [T0 + 60 * MIN] });
  });

  it('ignores restarts "in the future" left by a clock that jumped back, and garbage values', () => {
    const future = [1, 2, 3, 4, 5].map((i) => T0 + i * 60 * MIN);
    const d = decideRestart([...future, Number.NaN, Number.POSITIVE_INFINITY], T0, policy);
    expect(d).toEqual({ action: 'reload', history: [T0] });
  });

  it('computes retryAt from unsorted history, with a tighter policy', () => {
    const tight = { ...policy, maxRestarts: 2, windowMs: 5 * MIN };
    const d = decideRestart([T0 + 3 * MIN, T0 + 1 * MIN, T0 - 20 * MIN], T0 + 4 * MIN, tight);
    expect(d).toEqual({ action: 'wait', retryAt: T0 + 6 * MIN, history: [T0 + MIN, T0 + 3 * MIN] });
  });
});

describe('restartHistoryFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'restart-history-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips through a 0600 file and leaves no temp file behind', () => {
    const path = join(dir, 'userData', 'restart-history.json');
    const store = restartHistoryFile(fs, path);
    expect(store.load()).toEqual([]);
    store.save([T0, T0 + MIN]);
    expect(restartHistoryFile(fs, path).load()).toEqual([T0, T0 + MIN]);
    expect(fs.readdirSync(join(dir, 'userData'))).toEqual(['restart-history.json']);
    if (process.platform !== 'win32') expect(fs.statSync(path).mode & 0o777).toBe(0o600);
  });

  it('treats a damaged file as empty and says so', () => {
    const path = join(dir, 'restart-history.json');
    const logged: string[] = [];
    for (const bad of ['{"version":1,"restarts":[', '{"version":2,"restarts":[]}', '[1,2,3]', '']) {
      fs.writeFileSync(path, bad);
      expect(restartHistoryFile(fs, path, (m) => logged.push(m)).load()).toEqual([]);
    }
    expect(logged).toHaveLength(4);
    expect(logged[0]).toContain('damaged');
  });

  it('keeps the old history when the process dies between writing the temp file and renaming it', () => {
    const path = join(dir, 'restart-history.json');
    restartHistoryFile(fs, path).save([T0]);
    const crashingFs = {
      ...fs,
      renameSync: () => {
        throw new Error('power cut');
      },
    };
    expect(() => restartHistoryFile(crashingFs, path).save([T0, T0 + MIN])).toThrow('power cut');
    expect(restartHistoryFile(fs, path).load()).toEqual([T0]);
  });
});

function fakeContents() {
  const listeners = new Map<string, Array<(...a: never[]) => void>>();
  const contents: GuardedContents = {
    on: (event: string, l: (...a: never[]) => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), l]);
    },
  };
  const emit = (event: string, ...args: unknown[]) => {
    for (const l of listeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...args);
  };
  return { contents, emit };
}

describe('createRestartGuard', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'restart-guard-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** One "process" of the app: a fresh guard over the same history file. */
  function boot(clock: VirtualClock, path: string) {
    const { timers, advance, pending } = virtualTimers(clock);
    const { contents, emit } = fakeContents();
    const done: string[] = [];
    const logged: string[] = [];
    const guard = createRestartGuard({
      contents,
      clock,
      timers,
      store: restartHistoryFile(fs, path),
      actions: { reload: () => done.push('reload'), relaunch: () => done.push('relaunch') },
      log: (m) => logged.push(m),
    });
    return { guard, emit, advance, pending, done, logged };
  }

  it('reloads after a renderer crash but ignores a clean exit', () => {
    const clock = new VirtualClock(T0);
    const p = boot(clock, join(dir, 'h.json'));
    p.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    expect(p.done).toEqual([]);
    p.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(p.done).toEqual(['reload']);
    expect(p.logged.at(-1)).toContain('crashed, exit code 139');
    expect(p.guard.recentRestarts()).toBe(1);
  });

  it('restarts a hung page only after the grace period, and not if it recovers', () => {
    const clock = new VirtualClock(T0);
    const p = boot(clock, join(dir, 'h.json'));
    p.emit('unresponsive');
    p.advance(29_000);
    p.emit('responsive');
    p.advance(60_000);
    expect(p.done).toEqual([]);
    p.emit('unresponsive');
    p.emit('unresponsive'); // repeated events do not stack timers
    expect(p.pending.size).toBe(1);
    p.advance(30_000);
    expect(p.done).toEqual(['reload']);
  });

  it('keeps counting across relaunches through the history file, then waits and retries', () => {
    const clock = new VirtualClock(T0);
    const path = join(dir, 'userData', 'restart-history.json');
    const outcomes: string[] = [];
    // Each crash that ends in a relaunch starts a new process: a new guard on the same file.
    let p = boot(clock, path);
    for (let i = 0; i < 5; i++) {
      p.emit('render-process-gone', {}, { reason: 'oom', exitCode: 1 });
      outcomes.push(...p.done.splice(0));
      if (outcomes.at(-1) === 'relaunch') {
        p.guard.dispose();
        p = boot(clock, path);
      }
      clock.advance(MIN);
    }
    expect(outcomes).toEqual(['reload', 'reload', 'relaunch', 'relaunch', 'relaunch']);
    expect(p.guard.recentRestarts()).toBe(5);

    // Sixth crash at T0+5min: capped until the first restart (T0) is 10 min old.
    expect(p.guard.restart('renderer gone again')).toBe('wait');
    expect(p.logged.at(-1)).toMatch(/5 restarts in the last 10 min; next attempt in 300 s/);
    p.advance(5 * MIN - 1);
    expect(p.done).toEqual([]);
    p.advance(1);
    expect(p.done).toEqual(['relaunch']);
  });

  it('drops a postponed restart when the page comes back by itself', () => {
    const clock = new VirtualClock(T0);
    const path = join(dir, 'h.json');
    restartHistoryFile(fs, path).save([0, 1, 2, 3, 4].map((i) => T0 - i * MIN));
    const p = boot(clock, path);
    p.emit('unresponsive');
    p.advance(30_000);
    expect(p.done).toEqual([]);
    expect(p.pending.size).toBe(1); // the retry after the cap
    p.emit('responsive');
    expect(p.pending.size).toBe(0);
    p.advance(20 * MIN);
    expect(p.done).toEqual([]);
  });

  it('does nothing after dispose', () => {
    const clock = new VirtualClock(T0);
    const p = boot(clock, join(dir, 'h.json'));
    p.emit('unresponsive');
    p.guard.dispose();
    p.advance(MIN);
    p.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    expect(p.done).toEqual([]);
  });
});

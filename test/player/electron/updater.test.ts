import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import {
  CHECK_INTERVAL_MS,
  isQuietTime,
  nextQuietStart,
  selfUpdateSupport,
  startUpdater,
  updateFeedUrl,
  type UpdaterLike,
} from '../../../player/electron/updater.ts';
import { virtualTimers } from './virtual-timers.ts';

const HCM = 'Asia/Ho_Chi_Minh';
const quiet = { from: '02:00', to: '04:00' };

describe('updateFeedUrl', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/updates/'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/updates/'],
    ['https://signage.hanoi.example/api//', 'https://signage.hanoi.example/api/updates/'],
    ['https://signage.hanoi.example/?x=1#y', 'https://signage.hanoi.example/updates/'],
  ])('%s -> %s', (server, feed) => {
    expect(updateFeedUrl(server)).toBe(feed);
  });

  it('refuses non-http servers', () => {
    expect(() => updateFeedUrl('file:///srv/updates')).toThrow(/http/);
    expect(() => updateFeedUrl('not a url')).toThrow();
  });
});

describe('selfUpdateSupport', () => {
  it('updates NSIS and AppImage installs, never a .deb or a source checkout', () => {
    expect(selfUpdateSupport('win32', {}, true)).toEqual({ ok: true });
    expect(selfUpdateSupport('linux', { APPIMAGE: '/home/kiosk/p.AppImage' }, true)).toEqual({ ok: true });
    expect(selfUpdateSupport('linux', {}, true)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('.deb'),
    });
    expect(selfUpdateSupport('win32', {}, false)).toMatchObject({ ok: false });
    expect(selfUpdateSupport('darwin', {}, true)).toMatchObject({ ok: false });
  });
});

describe('quiet hours', () => {
  const at = (iso: string) => Date.parse(iso);

  it('reads the wall clock in the site time zone', () => {
    expect(isQuietTime(at('2024-09-05T02:00:00+07:00'), HCM, quiet)).toBe(true);
    expect(isQuietTime(at('2024-09-05T03:59:59+07:00'), HCM, quiet)).toBe(true);
    expect(isQuietTime(at('2024-09-05T04:00:00+07:00'), HCM, quiet)).toBe(false);
    expect(isQuietTime(at('2024-09-05T01:59:00+07:00'), HCM, quiet)).toBe(false);
    // 02:30 UTC is 09:30 in Hà Nội: a busy morning, not quiet.
    expect(isQuietTime(at('2024-09-05T02:30:00Z'), HCM, quiet)).toBe(false);
  });

  it('handles a window that wraps past midnight', () => {
    const night = { from: '23:00', to: '05:00' };
    expect(isQuietTime(at('2024-09-05T23:30:00+07:00'), HCM, night)).toBe(true);
    expect(isQuietTime(at('2024-09-06T04:59:00+07:00'), HCM, night)).toBe(true);
    expect(isQuietTime(at('2024-09-06T12:00:00+07:00'), HCM, night)).toBe(false);
  });

  it('finds the next start today or tomorrow', () => {
    expect(nextQuietStart(at('2024-09-05T01:00:00+07:00'), HCM, quiet)).toBe(at('2024-09-05T02:00:00+07:00'));
    expect(nextQuietStart(at('2024-09-05T18:00:00+07:00'), HCM, quiet)).toBe(at('2024-09-06T02:00:00+07:00'));
    const inside = at('2024-09-05T03:10:00+07:00');
    expect(nextQuietStart(inside, HCM, quiet)).toBe(inside);
  });

  it('copes with a DST zone where 02:00 does not exist on the spring-forward night', () => {
    // Europe/Berlin jumps from 02:00 CET to 03:00 CEST on 31/03/2024.
    const evening = at('2024-03-30T20:00:00+01:00');
    const next = nextQuietStart(evening, 'Europe/Berlin', quiet);
    expect(next).toBe(at('2024-03-31T03:00:00+02:00'));
    expect(isQuietTime(next, 'Europe/Berlin', quiet)).toBe(true);
  });
});

/** electron-updater talks to the network; this stands in for it and records what it was asked. */
function fakeUpdater(failChecks = false) {
  const listeners = new Map<string, (arg: never) => void>();
  const calls: string[] = [];
  const u = {
    autoDownload: false,
    autoInstallOnAppQuit: false,
    feed: '' as string,
    setFeedURL(o: { provider: 'generic'; url: string }) {
      calls.push(`feed ${o.provider} ${o.url}`);
    },
    async checkForUpdates() {
      calls.push('check');
      if (failChecks) throw new Error('net::ERR_CONNECTION_REFUSED');
      return null;
    },
    on(event: string, l: (arg: never) => void) {
      listeners.set(event, l);
    },
    quitAndInstall(silent?: boolean, runAfter?: boolean) {
      calls.push(`install silent=${silent} runAfter=${runAfter}`);
    },
  };
  const emit = (event: string, arg: unknown) =>
    (listeners.get(event) as ((a: unknown) => void) | undefined)?.(arg);
  return { u: u as UpdaterLike & typeof u, calls, emit };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('startUpdater', () => {
  it('points at the paired server, checks at start and every 6 hours', async () => {
    const clock = new VirtualClock(Date.parse('2024-09-05T10:00:00+07:00'));
    const { timers, advance } = virtualTimers(clock);
    const { u, calls } = fakeUpdater();
    startUpdater({
      updater: u,
      serverUrl: 'http://127.0.0.1:8080',
      support: { ok: true },
      clock,
      timers,
      timeZone: HCM,
    });
    await flush();
    expect(calls).toEqual(['feed generic http://127.0.0.1:8080/updates/', 'check']);
    expect(u.autoDownload).toBe(true);
    expect(u.autoInstallOnAppQuit).toBe(true);
    advance(CHECK_INTERVAL_MS - 1);
    await flush();
    expect(calls.filter((c) => c === 'check')).toHaveLength(1);
    advance(1);
    await flush();
    advance(CHECK_INTERVAL_MS);
    await flush();
    expect(calls.filter((c) => c === 'check')).toHaveLength(3);
  });

  it('keeps checking after a failed check, and logs it', async () => {
    const clock = new VirtualClock(Date.parse('2024-09-05T10:00:00+07:00'));
    const { timers, advance } = virtualTimers(clock);
    const { u, calls } = fakeUpdater(true);
    const logged: string[] = [];
    startUpdater({
      updater: u,
      serverUrl: 'http://127.0.0.1:8080',
      support: { ok: true },
      clock,
      timers,
      timeZone: HCM,
      log: (m) => logged.push(m),
    });
    await flush();
    advance(CHECK_INTERVAL_MS);
    await flush();
    expect(calls.filter((c) => c === 'check')).toHaveLength(2);
    expect(logged[0]).toContain('ERR_CONNECTION_REFUSED');
  });

  it('installs a downloaded update at the next quiet hour, after telling the page', async () => {
    const clock = new VirtualClock(Date.parse('2024-09-05T10:00:00+07:00'));
    const { timers, advance } = virtualTimers(clock);
    const { u, calls, emit } = fakeUpdater();
    const told: string[] = [];
    startUpdater({
      updater: u,
      serverUrl: 'http://127.0.0.1:8080',
      support: { ok: true },
      clock,
      timers,
      timeZone: HCM,
      beforeInstall: (v) => told.push(v),
    });
    emit('update-downloaded', { version: '0.2.0' });
    emit('update-downloaded', { version: '0.2.0' }); // electron-updater can repeat it
    advance(16 * 60 * 60_000 - 1); // 01:59:59.999 next day
    expect(calls.some((c) => c.startsWith('install'))).toBe(false);
    advance(1);
    expect(told).toEqual(['0.2.0']);
    expect(calls.filter((c) => c.startsWith('install'))).toEqual(['install silent=true runAfter=true']);
  });

  it('does nothing at all where the install cannot update itself', async () => {
    const clock = new VirtualClock(0);
    const { timers, pending } = virtualTimers(clock);
    const { u, calls } = fakeUpdater();
    const logged: string[] = [];
    startUpdater({
      updater: u,
      serverUrl: 'http://127.0.0.1:8080',
      support: selfUpdateSupport('linux', {}, true),
      clock,
      timers,
      timeZone: HCM,
      log: (m) => logged.push(m),
    });
    await flush();
    expect(calls).toEqual([]);
    expect(pending.size).toBe(0);
    expect(logged[0]).toMatch(/automatic updates off: installed from a \.deb/);
  });

  it('stop() cancels the pending check and install', async () => {
    const clock = new VirtualClock(Date.parse('2024-09-05T10:00:00+07:00'));
    const { timers, advance, pending } = virtualTimers(clock);
    const { u, calls, emit } = fakeUpdater();
    const h = startUpdater({
      updater: u,
      serverUrl: 'http://127.0.0.1:8080',
      support: { ok: true },
      clock,
      timers,
      timeZone: HCM,
    });
    emit('update-downloaded', { version: '0.2.0' });
    h.stop();
    expect(pending.size).toBe(0);
    advance(48 * 60 * 60_000);
    expect(calls.some((c) => c.startsWith('install'))).toBe(false);
  });
});

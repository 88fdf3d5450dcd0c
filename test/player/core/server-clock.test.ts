/**
 * A screen PC whose own clock is wrong (here: two years ahead, as when the README's player runs
 * today against a server started with --clock inside the 2024 campaign) still judges its pairing
 * code's expiry, plays and journals on the server's time, logs how far off it is, and gets a new
 * code by itself when the one it shows expires.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import type { PlayerCore } from '#player/core/index.ts';
import {
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  startTestCore,
  stopServerAndRemoveDirs,
  storePlan,
  T0,
  waitFor,
  type RestartableServer,
} from '../../server/ws/fixtures.ts';
import { FakeDisplay } from './fake-display.ts';

const PC_TIME = Date.parse('2026-11-30T10:00:00Z');
let server: RestartableServer;
let playerDir: string;
let core: PlayerCore | null = null;
let display: FakeDisplay | null = null;

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
});
afterEach(async () => {
  display?.ws.close();
  await core?.stop();
  core = null;
  await stopServerAndRemoveDirs(server, playerDir);
});

it('plays on the server time, not on a PC clock two years off, and renews an expired code', async () => {
  const db = server.db!;
  seedSite(db);
  const media = seedMedia(db, server.dataDir);
  seedCampaign(db, media.sha256);
  const staff = seedUser(db, 'venue_staff', ['ubnd-bach-khoa']);
  const pcClock = new VirtualClock(PC_TIME);
  const logs: { level: string; msg: string; data: Record<string, unknown> | undefined }[] = [];
  core = await startTestCore(server.url, playerDir, {
    clock: pcClock,
    followServerClock: true,
    log: (level, msg, data) => logs.push({ level, msg, data }),
  });
  display = new FakeDisplay(core.displayUrl);
  await display.opened();

  // The code is valid for 15 minutes of the server's time, and the page is told the server's time.
  const code = await waitFor('pairing code', () => core!.snapshot().pairingCode);
  expect(core.snapshot().clockOffsetMs).toBe(T0 - PC_TIME);
  await waitFor('page clock on server time', () => Math.abs(display!.now - T0) < 1000);
  expect(display.state?.mode).toBe('pairing');
  expect(display.state?.pairing?.expiresAt).toBe(T0 + 15 * 60_000);
  const warned = logs.find((l) => l.level === 'warn' && /clock differs/.test(l.msg));
  expect(warned?.data).toMatchObject({ offsetMs: T0 - PC_TIME, playingOn: 'server time' });

  // 16 minutes pass on both clocks: the shown code has expired, and the player asks for a new one.
  server.clock.advance(16 * 60_000);
  pcClock.advance(16 * 60_000);
  const fresh = await waitFor('a new code', () => {
    const c = core!.snapshot().pairingCode;
    return c && c !== code ? c : null;
  });
  await waitFor('the page shows the new code', () => display!.state?.pairing?.code === fresh);
  const res = await fetch(`${server.url}/api/v1/pairing/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code, siteId: 'ubnd-bach-khoa', screenName: 'Cũ' }),
  });
  expect(res.status).toBe(422);
  const ok = await fetch(`${server.url}/api/v1/pairing/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code: fresh, siteId: 'ubnd-bach-khoa', screenName: 'Sảnh' }),
  });
  expect(ok.status).toBe(201);
  const screenId = await waitFor('connected', () => core!.snapshot().connected && core!.snapshot().screenId);

  // A play planned on the server's time plays, and is journalled and stored with that time.
  const start = server.clock.now() + 5000;
  storePlan(db, screenId, '2024-09-05', 1, [
    { id: 'srv-time-1', mediaSha256: media.sha256, start, end: start + 10_000, peak: false },
  ]);
  server.app!.events.emit('plans-updated', { screenIds: [screenId] });
  await waitFor('media cached', () => core!.snapshot().cache.done === 1);
  server.clock.advance(6000);
  pcClock.advance(6000);
  await waitFor('started', () => core!.snapshot().current?.itemId === 'srv-time-1');
  server.clock.advance(11_000);
  pcClock.advance(11_000);
  const row = await waitFor(
    'the play on the server',
    () =>
      db.prepare('SELECT started_ms, outcome FROM plays').get() as
        { started_ms: number; outcome: string } | undefined,
  );
  expect(row.outcome).toBe('completed');
  expect(Math.abs(row.started_ms - start)).toBeLessThan(2000);
  // The server sees how far off the PC is, for the console's warning.
  const status = await waitFor('status with the offset', () => {
    const r = db.prepare('SELECT status_json FROM screens WHERE id = ?').get(screenId) as
      { status_json: string | null } | undefined;
    return r?.status_json ? (JSON.parse(r.status_json) as { clockOffsetMs: number }) : null;
  });
  expect(Math.abs(status.clockOffsetMs - (T0 - PC_TIME))).toBeLessThan(1000);
});

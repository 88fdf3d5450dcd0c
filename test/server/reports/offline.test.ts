/**
 * Shortfall attribution from recorded connection time, end to end: players connect over real
 * WebSockets at chosen (virtual) times, the gateway writes their sessions, plans and plays are
 * stored, and the report splits each screen's shortfall into offline and other causes.
 *
 * Day 04/09/2024 (Wednesday):
 * - scr-bk-2 (one-stop desk, open 07:00–19:00) is planned 10 plays at 07:30, 08:30 … 16:30.
 *   Its player only connects at 11:45, so the five items 07:30–11:30 fall in offline time.
 *   It then plays 12:30–15:30 (4 completed) and its 16:30 play fails: 4 of 10, shortfall 6,
 *   of which 5 offline and 1 other.
 * - scr-ga-1 (station, open 06:00–22:00) is connected from 05:00 all day, planned 10 plays
 *   06:30 … 15:30, and completes 7 (three fail): shortfall 3, all of it other.
 * - scr-ga-2 never connects and has no stored plan: its whole target is offline.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashToken } from '#server/auth/passwords.ts';
import type { ReportResult } from '#shared/schemas/reports.ts';
import type { PlayInsert } from '#server/repositories/reports.ts';
import { toIsoWithOffset, zonedToInstant } from '#shared/time.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { waitFor } from '../ws/fixtures.ts';
import { readExportCsv } from './csv.ts';
import { CAMPAIGN, MEDIA, SCREENS, ZONE, createUser, login, seedWorld } from './seed.ts';
import { frameText } from '#server/ws/frame-text.ts';

const DAY = '2024-09-04';
const at = (hhmm: string, date = DAY) => zonedToInstant(date, hhmm, ZONE);
const hours = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => at(`${String(from + i).padStart(2, '0')}:30`));

let t: TestServer;
let auditor: string;

function storePlan(screenId: string, starts: number[]): void {
  const items = starts.map((s, i) => ({
    id: `${screenId}-${i}`,
    mediaSha256: MEDIA,
    start: s,
    end: s + 15_000,
    peak: false,
    campaignId: CAMPAIGN,
  }));
  t.app.repos.plans.savePlans(
    screenId,
    1,
    [
      {
        date: DAY,
        inputsHash: 'test',
        plan: JSON.stringify({ items, campaigns: [{ campaignId: CAMPAIGN, target: 10 }] }),
      },
    ],
    t.clock.now(),
  );
}

function playsOf(
  screenId: string,
  siteId: string,
  starts: number[],
  failed: ReadonlySet<number>,
): PlayInsert[] {
  return starts.map((start, i) => ({
    play_id: randomUUID(),
    screen_id: screenId,
    site_id: siteId,
    campaign_id: CAMPAIGN,
    media_sha256: MEDIA,
    plan_item_id: `${screenId}-${i}`,
    planned_at: toIsoWithOffset(start, ZONE),
    planned_ms: start,
    started_at: toIsoWithOffset(start, ZONE),
    started_ms: start,
    ended_at: toIsoWithOffset(start + 15_000, ZONE),
    ended_ms: start + 15_000,
    seconds_shown: failed.has(start) ? 1 : 15,
    outcome: failed.has(start) ? 'failed' : 'completed',
    reason: failed.has(start) ? 'decode error' : null,
    player_version: '1.0.0',
    seq: i + 1,
    prev_hash: 'x',
    hash: `h-${screenId}-${i}`,
    chain_status: 'ok',
    local_date: DAY,
    local_hour: Number(toIsoWithOffset(start, ZONE).slice(11, 13)),
    in_peak: 0,
    received_at_ms: start + 60_000,
  }));
}

const tokenOf = (screenId: string) => `credential-of-${screenId}`;

/** A player that says hello with its credential and answers pings. */
async function connectPlayer(screenId: string): Promise<{ close(): Promise<void> }> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws/player`);
  const types: string[] = [];
  ws.on('open', () =>
    ws.send(
      JSON.stringify({
        type: 'hello',
        v: 1,
        screenId,
        token: tokenOf(screenId),
        playerVersion: 't',
        cachedMedia: [],
        clock: t.clock.now(),
      }),
    ),
  );
  ws.on('message', (d) => {
    const m = JSON.parse(frameText(d)) as { type: string; serverTime: number };
    types.push(m.type);
    if (m.type === 'ping')
      ws.send(JSON.stringify({ type: 'pong', v: 1, serverTime: m.serverTime, clock: t.clock.now() }));
  });
  await waitFor(`${screenId} welcomed`, () => types.includes('welcome') || types.includes('error'));
  expect(types).toContain('welcome');
  return {
    close: async () => {
      const closed = new Promise<void>((r) => ws.once('close', () => r()));
      ws.close();
      await closed;
    },
  };
}

const sessionsOf = (id: string) => t.app.repos.screenSessions.ofScreen(id);

beforeAll(async () => {
  // Connection history starts when the server first runs (the sessions migration): midnight.
  t = await startTestServer({ clockAt: at('00:00') });
  await seedWorld(t.app);
  await createUser(t.app, { username: 'kiemtoan', role: 'auditor', password: 'mat-khau-kiem-toan-1' });
  for (const id of ['scr-bk-2', 'scr-ga-1']) t.app.repos.screens.setTokenHash(id, hashToken(tokenOf(id)));
  storePlan('scr-bk-2', hours(7, 10));
  storePlan('scr-ga-1', hours(6, 10));

  t.clock.set(at('05:00'));
  const station = await connectPlayer('scr-ga-1');
  t.clock.set(at('11:45'));
  const desk = await connectPlayer('scr-bk-2');
  await waitFor(
    'two open sessions',
    () => sessionsOf('scr-ga-1').length === 1 && sessionsOf('scr-bk-2').length === 1,
  );

  const bk2 = SCREENS.find((s) => s.id === 'scr-bk-2')!;
  const ga1 = SCREENS.find((s) => s.id === 'scr-ga-1')!;
  t.app.repos.reports.insertPlays([
    ...playsOf(bk2.id, bk2.site, hours(12, 5), new Set([at('16:30')])),
    ...playsOf(ga1.id, ga1.site, hours(6, 10), new Set([at('07:30'), at('10:30'), at('13:30')])),
  ]);

  t.clock.set(at('23:00'));
  await desk.close();
  await station.close();
  await waitFor(
    'sessions closed',
    () => sessionsOf('scr-bk-2')[0]?.reason === 'closed' && sessionsOf('scr-ga-1')[0]?.reason === 'closed',
  );
  // The report is read the next morning: the whole day is due.
  t.clock.set(at('08:00', '2024-09-05'));
  auditor = await login(t.app, 'kiemtoan', 'mat-khau-kiem-toan-1');
}, 30_000);
// `?.`: a failed beforeAll leaves these unassigned, and cleanup must not hide its error.
/* eslint-disable @typescript-eslint/no-unnecessary-condition */
afterAll(async () => t?.close());
/* eslint-enable @typescript-eslint/no-unnecessary-condition */

const get = (url: string) =>
  t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${auditor}` } });

describe('shortfall attributed to recorded offline time', () => {
  it('the gateway recorded when each player was connected', () => {
    expect(sessionsOf('scr-bk-2').map((s) => [s.connected_at_ms, s.disconnected_at_ms])).toEqual([
      [at('11:45'), at('23:00')],
    ]);
    expect(sessionsOf('scr-ga-1').map((s) => [s.connected_at_ms, s.disconnected_at_ms])).toEqual([
      [at('05:00'), at('23:00')],
    ]);
    expect(sessionsOf('scr-ga-2')).toEqual([]);
  });

  it('a screen offline for its morning has exactly its missed planned plays attributed to offline time', async () => {
    const r = (
      await get(`/api/v1/reports/summary?campaignId=${CAMPAIGN}&from=${DAY}&to=${DAY}&groupBy=screen`)
    ).json<ReportResult>();
    const desk = r.groups.find((g) => g.key === 'scr-bk-2')!;
    expect(desk).toMatchObject({ plays: 4, due: 10, shortfall: 6, shortfallOffline: 5, shortfallOther: 1 });
    // Offline in open hours: 07:00–11:45.
    expect(desk.offlineMinutes).toBe(4 * 60 + 45);
    expect(desk.silentHours).toBe(4.8);
  });

  it('a screen connected all day that missed plays for other reasons has them as "other"', async () => {
    const r = (
      await get(`/api/v1/reports/summary?campaignId=${CAMPAIGN}&from=${DAY}&to=${DAY}&groupBy=screen`)
    ).json<ReportResult>();
    const station = r.groups.find((g) => g.key === 'scr-ga-1')!;
    expect(station).toMatchObject({
      plays: 7,
      due: 10,
      shortfall: 3,
      shortfallOffline: 0,
      shortfallOther: 3,
      offlineMinutes: 0,
    });
  });

  it('a screen that never connected and has no stored plan owes its whole target to offline time', async () => {
    const r = (
      await get(`/api/v1/reports/summary?campaignId=${CAMPAIGN}&from=${DAY}&to=${DAY}&groupBy=screen`)
    ).json<ReportResult>();
    const dark = r.groups.find((g) => g.key === 'scr-ga-2')!;
    expect(dark).toMatchObject({
      plays: 0,
      due: 10,
      shortfall: 10,
      shortfallOffline: 10,
      shortfallOther: 0,
      offlineMinutes: 16 * 60,
    });
    expect(r.totals.shortfallOffline + r.totals.shortfallOther).toBe(r.totals.shortfall);
  });

  it('the daily export carries the same split and the offline minutes', async () => {
    const csv = readExportCsv(
      (await get(`/api/v1/reports/export?kind=daily&format=csv&campaignId=${CAMPAIGN}&from=${DAY}&to=${DAY}`))
        .body,
    );
    const col = (name: string) => {
      const i = csv.header.findIndex((h) => h.startsWith(name));
      expect(i).toBeGreaterThanOrEqual(0);
      return i;
    };
    const screenCol = col('Mã màn hình');
    const desk = csv.data.find((row) => row[screenCol] === 'scr-bk-2')!;
    expect(desk[col('Thiếu do mất kết nối')]).toBe('5');
    expect(desk[col('Thiếu do lý do khác')]).toBe('1');
    expect(desk[col('Phút mất kết nối')]).toBe('285');
    expect(desk[col('Lượt theo lịch rơi vào lúc mất kết nối')]).toBe('5');
  });
});

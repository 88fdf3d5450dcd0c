/**
 * Settled days (issue 12, item 4): make-goods for a day count only once the screen has settled
 * it (it reported no older backlog) or the day is far enough past. The restart scenario
 * over the real protocol: a screen plays Thursday, uploads the morning, the server goes down at
 * noon; the player keeps playing offline; the server comes back on Friday morning and runs the
 * missed midnight rollover before the player has uploaded its afternoon. That rollover must not
 * plan make-goods for plays that were made but not yet uploaded; once the player uploads and
 * says its backlog is empty, the next plans are corrected from the real counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashRecord } from '#player/core/journal.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { planJson, type StoredDay } from '#server/repositories/plans.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { toIsoWithOffset, zonedToInstant } from '#shared/time.ts';
import { RestartableServer, ZONE, seedCampaign, seedMedia, seedSite, waitFor } from './fixtures.ts';

const SCREEN = 'scr-settle';
const THU = '2024-09-05';
const FRI = '2024-09-06';
type Msg = Record<string, unknown> & { type: string };

let server: RestartableServer;
let statuses = 0;
const token = randomToken();

beforeEach(async () => {
  server = new RestartableServer();
  // Wednesday evening: the screen was paired the day before, so Thursday is owed in full.
  server.clock.set(zonedToInstant('2024-09-04', '20:00', ZONE));
  await server.start();
  const db = server.db!;
  seedSite(db);
  const media = seedMedia(db, server.dataDir);
  seedCampaign(db, media.sha256);
  db.prepare('UPDATE campaigns SET participants = ?').run(
    JSON.stringify({ sites: ['ubnd-bach-khoa'], regions: [], venueTypes: [] }),
  );
  db.prepare(
    `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms, paired_at_ms)
     VALUES (?, 'ubnd-bach-khoa', 'Sảnh', 'offline', ?, ?, ?)`,
  ).run(SCREEN, hashToken(token), server.clock.now(), server.clock.now());
  // Thursday's midnight rollover, on time.
  server.clock.set(zonedToInstant(THU, '00:00', ZONE) + 5_000);
  await server.app!.cron.runDue();
  await server.app!.plans.idle();
});

afterEach(async () => {
  await server.stop();
});

function day(date: string): StoredDay & { meta: StoredDay['campaigns'][number] } {
  const row = server.app!.repos.plans.plansFrom(SCREEN, date).find((r) => r.local_date === date)!;
  const d = planJson.day(row.plan, `${SCREEN}/${date}`);
  return { ...d, meta: d.campaigns[0]! };
}

/** A player's records of these plan items, hash-chained from `prev`. */
function recordsOf(items: StoredDay['items'], prev: { seq: number; hash: string }): PlayRecord[] {
  return items.map((it) => {
    const rec: Omit<PlayRecord, 'hash'> = {
      playId: crypto.randomUUID(),
      screenId: SCREEN,
      campaignId: it.campaignId ?? null,
      mediaSha256: it.mediaSha256,
      planItemId: it.id,
      plannedAt: toIsoWithOffset(it.start, ZONE),
      startedAt: toIsoWithOffset(it.start, ZONE),
      endedAt: toIsoWithOffset(it.end, ZONE),
      secondsShown: (it.end - it.start) / 1000,
      outcome: 'completed',
      reason: null,
      playerVersion: '0.1.0',
      seq: prev.seq + 1,
      prevHash: prev.hash,
    };
    const hash = hashRecord(rec);
    prev.seq = rec.seq;
    prev.hash = hash;
    return { ...rec, hash };
  });
}

/** A player over the real socket: hello, upload, and say how much backlog is left. */
async function player() {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
  const inbox: Msg[] = [];
  ws.on('message', (d: Buffer) => inbox.push(JSON.parse(d.toString('utf8')) as Msg));
  await new Promise((r) => ws.once('open', r));
  const next = (type: string, pred: (m: Msg) => boolean = () => true) =>
    waitFor(type, () => {
      const i = inbox.findIndex((m) => m.type === type && pred(m));
      return i >= 0 ? inbox.splice(i, 1)[0] : undefined;
    });
  const send = (m: object) => ws.send(JSON.stringify({ v: 1, ...m }));
  send({
    type: 'hello',
    screenId: SCREEN,
    token,
    playerVersion: '0.1.0',
    cachedMedia: [],
    clock: server.clock.now(),
  });
  await next('welcome');
  return {
    async upload(records: PlayRecord[]) {
      const batchId = randomToken(8);
      send({ type: 'plays', batchId, records });
      const ack = await next('plays_ack', (m) => m.batchId === batchId);
      expect(ack.rejected).toEqual([]);
      expect((ack.acked as string[]).length).toBe(records.length);
    },
    /** Sends a status and waits until the server has stored it. */
    async status(backlog: number) {
      const uptimeS = ++statuses;
      send({
        type: 'status',
        playerVersion: '0.1.0',
        planVersion: 1,
        currentItem: null,
        cache: { ready: 1, needed: 1, bytesDone: 1, bytesTotal: 1 },
        freeDiskBytes: 10 ** 10,
        uptimeS,
        clockOffsetMs: 0,
        backlog,
        displayConnected: true,
      });
      await waitFor('the status stored', () => {
        const row = server.db!.prepare('SELECT status_json FROM screens WHERE id = ?').get(SCREEN) as {
          status_json: string | null;
        };
        return (
          row.status_json !== null && (JSON.parse(row.status_json) as { uptimeS: number }).uptimeS === uptimeS
        );
      });
    },
    close: () => ws.close(),
  };
}

const settledMs = () =>
  (
    server.db!.prepare('SELECT settled_ms FROM screens WHERE id = ?').get(SCREEN) as {
      settled_ms: number | null;
    }
  ).settled_ms;

/** Thursday played up to noon and uploaded; the server goes down at noon; the player plays on. */
async function thursdayThenRestart() {
  const thu = day(THU);
  expect(thu.meta.target).toBe(10);
  expect(thu.meta.makeGood).toBe(0);
  const noon = zonedToInstant(THU, '12:00', ZONE);
  const morning = thu.items.filter((i) => i.end <= noon);
  const afternoon = thu.items.filter((i) => i.start >= noon);
  expect(morning.length).toBeGreaterThan(0);
  expect(afternoon.length).toBeGreaterThan(0);
  const chain = { seq: 0, hash: GENESIS_HASH };

  server.clock.set(noon);
  const p = await player();
  await p.upload(recordsOf(morning, chain));
  await p.status(0);
  p.close();
  await server.stop();

  // Back on Friday 06:30, before the desk opens: the missed midnight job runs first.
  server.clock.set(zonedToInstant(FRI, '06:30', ZONE));
  await server.start();
  await server.app!.cron.runDue();
  await server.app!.plans.idle();
  return { thu, afternoon, chain };
}

describe('settled days', () => {
  it('a restart before the late upload plans no make-goods for plays that were made offline', async () => {
    const { thu, afternoon, chain } = await thursdayThenRestart();
    // Thursday is not settled (the player has not reported since noon): no make-goods yet.
    expect(day(FRI).meta).toMatchObject({ baseTarget: 10, makeGood: 0 });
    expect(settledMs()).toBe(zonedToInstant(THU, '12:00', ZONE));

    // The player comes back, uploads the afternoon it played offline and has no backlog left.
    const p = await player();
    await p.upload(recordsOf(afternoon, chain));
    await p.status(0);
    await server.app!.plans.idle();
    expect(settledMs()).toBe(server.clock.now());
    const fri = day(FRI);
    expect(fri.meta.makeGood).toBe(0);
    // Owed Thursday + Friday = 20; planned = Thursday's items + Friday's items: nothing above it.
    expect(thu.items.length + fri.items.length).toBe(20);
    p.close();
  });

  it('a day really missed is made good as soon as the player settles it', async () => {
    await thursdayThenRestart();
    expect(day(FRI).meta.makeGood).toBe(0);
    // The PC was off in the afternoon: nothing more to upload, and the player says so.
    const p = await player();
    await p.status(0);
    await server.app!.plans.idle();
    await waitFor('make-goods planned for the missed afternoon', () => day(FRI).meta.makeGood > 0);
    p.close();
  });
});

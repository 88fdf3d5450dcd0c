/**
 * A failed play is made good the same day (issue 12): a player uploads a failed play of today
 * over the real socket, ingest stores it, the plan service re-plans the screen through its queue,
 * and the screen's new plan for today holds one more play after now. A failure with no time left
 * before close stays owed and is made good the next day; one made good today is not owed again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { hashRecord } from '#player/core/journal.ts';
import { planJson, type StoredDay } from '#server/repositories/plans.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { toIsoWithOffset, zonedToInstant } from '#shared/time.ts';
import { RestartableServer, ZONE, seedCampaign, seedMedia, seedSite, waitFor } from '../ws/fixtures.ts';

const SCREEN = 'scr-fail';
const THU = '2024-09-05';
const FRI = '2024-09-06';
type Msg = Record<string, unknown> & { type: string };

let server: RestartableServer;
const token = randomToken();
let statuses = 0;

beforeEach(async () => {
  chain = { seq: 0, hash: GENESIS_HASH };
  server = new RestartableServer();
  server.clock.set(zonedToInstant('2024-09-04', '20:00', ZONE));
  await server.start();
  const db = server.db!;
  seedSite(db);
  seedCampaign(db, seedMedia(db, server.dataDir).sha256);
  db.prepare('UPDATE campaigns SET participants = ?').run(
    JSON.stringify({ sites: ['ubnd-bach-khoa'], regions: [], venueTypes: [] }),
  );
  db.prepare(
    `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms, paired_at_ms)
     VALUES (?, 'ubnd-bach-khoa', 'Sảnh', 'offline', ?, ?, ?)`,
  ).run(SCREEN, hashToken(token), server.clock.now(), server.clock.now());
  server.clock.set(zonedToInstant(THU, '00:00', ZONE) + 5_000);
  await server.app!.cron.runDue();
  await server.app!.plans.idle();
});

afterEach(async () => {
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
});

function day(date: string): StoredDay & { meta: StoredDay['campaigns'][number]; version: number } {
  const row = server.app!.repos.plans.plansFrom(SCREEN, date).find((r) => r.local_date === date)!;
  const d = planJson.day(row.plan, `${SCREEN}/${date}`);
  return { ...d, meta: d.campaigns[0]!, version: row.version };
}

let chain = { seq: 0, hash: GENESIS_HASH };
function record(it: StoredDay['items'][number], outcome: 'completed' | 'failed'): PlayRecord {
  const failed = outcome === 'failed';
  const rec: Omit<PlayRecord, 'hash'> = {
    playId: crypto.randomUUID(),
    screenId: SCREEN,
    campaignId: it.campaignId ?? null,
    mediaSha256: it.mediaSha256,
    planItemId: it.id,
    plannedAt: toIsoWithOffset(it.start, ZONE),
    startedAt: toIsoWithOffset(it.start, ZONE),
    endedAt: toIsoWithOffset(failed ? it.start + 2000 : it.end, ZONE),
    secondsShown: failed ? 2 : (it.end - it.start) / 1000,
    outcome,
    reason: failed ? 'decoder error' : null,
    playerVersion: '0.1.0',
    seq: chain.seq + 1,
    prevHash: chain.hash,
  };
  const hash = hashRecord(rec);
  chain.seq = rec.seq;
  chain.hash = hash;
  return { ...rec, hash };
}

/** A player over the real socket: hello, then uploads acked in full. */
async function player() {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
  const inbox: Msg[] = [];
  ws.on('message', (d: Buffer) => inbox.push(JSON.parse(d.toString('utf8')) as Msg));
  await new Promise((r) => ws.once('open', r));
  const send = (m: object) => ws.send(JSON.stringify({ v: 1, ...m }));
  const next = (type: string, pred: (m: Msg) => boolean = () => true) =>
    waitFor(type, () => {
      const i = inbox.findIndex((m) => m.type === type && pred(m));
      return i >= 0 ? inbox.splice(i, 1)[0] : undefined;
    });
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
    /** Says the backlog is empty, and waits until the server has stored it. */
    async settle() {
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
        backlog: 0,
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

async function rollover(date: string) {
  server.clock.set(zonedToInstant(date, '00:00', ZONE) + 5_000);
  await server.app!.cron.runDue();
  await server.app!.plans.idle();
}

describe('a failed play of today', () => {
  it('is played again later the same day, and is not owed again the next day', async () => {
    const thu = day(THU);
    expect(thu.meta.target).toBe(10);
    expect(thu.items).toHaveLength(10);
    const at = zonedToInstant(THU, '10:00', ZONE);
    const done = thu.items.filter((i) => i.end <= at);
    const ahead = thu.items.filter((i) => i.start >= at);
    expect(done.length).toBeGreaterThan(1);
    server.clock.set(at);
    const p = await player();
    // Plays that all completed re-plan nothing.
    await p.upload(done.slice(0, -1).map((i) => record(i, 'completed')));
    await server.app!.plans.idle();
    expect(day(THU).version).toBe(thu.version);
    // The last one failed: ingest → the plan service's queue → a new plan for today.
    await p.upload([record(done.at(-1)!, 'failed')]);
    await server.app!.plans.idle();
    const after = day(THU);
    expect(after.version).toBeGreaterThan(thu.version);
    expect(after.items.filter((i) => i.start < at)).toEqual(thu.items.filter((i) => i.start < at));
    expect(after.items.filter((i) => i.start >= at)).toHaveLength(ahead.length + 1);
    expect(after.meta).toMatchObject({ target: 10, baseTarget: 10, makeGood: 0, shortfall: 0 });
    // Gap and hours hold for the day as re-planned.
    const starts = after.items.map((i) => i.start);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(70_000);
    expect(after.items.every((i) => i.end <= zonedToInstant(THU, '17:00', ZONE))).toBe(true);

    // The rest of the day is played as re-planned, uploaded and settled: 10 completed.
    const rest = after.items.filter((i) => i.start >= at);
    server.clock.set(zonedToInstant(THU, '17:30', ZONE));
    await p.upload(rest.map((i) => record(i, 'completed')));
    await p.settle();
    p.close();
    await rollover(FRI);
    expect(day(FRI).meta).toMatchObject({ baseTarget: 10, makeGood: 0, target: 10 });
  });

  it('with no time left before close stays owed and is made good the next day', async () => {
    const thu = day(THU);
    const at = zonedToInstant(THU, '16:59:55', ZONE);
    server.clock.set(at);
    const p = await player();
    await p.upload(thu.items.slice(0, -1).map((i) => record(i, 'completed')));
    await p.upload([record(thu.items.at(-1)!, 'failed')]);
    await server.app!.plans.idle();
    const after = day(THU);
    // Re-planned (the failure is a new input) but nothing fits before 17:00.
    expect(after.items).toEqual(thu.items);
    expect(after.meta).toMatchObject({ target: 10, shortfall: 1 });
    await p.settle();
    p.close();
    await rollover(FRI);
    expect(day(FRI).meta).toMatchObject({ baseTarget: 10, makeGood: 1, target: 11 });
  });
});

/**
 * Proof-of-play ingest seen from the wire, with a hand-written player: exactly-once counting
 * and the tamper evidence of the hash chain.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from '#server/ws/frame-text.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { hashPlayRecord } from '#server/proof/chain.ts';
import { hashRecord } from '#player/core/journal.ts';
import {
  RestartableServer,
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  storePlan,
  T0,
  waitFor,
} from './fixtures.ts';

let server: RestartableServer;
let sha: string;
const SCREEN = 'scr-test-1';
const TOKEN = randomToken();
const PLAYED_FROM = T0 - 3_600_000;

beforeEach(async () => {
  server = new RestartableServer();
  await server.start();
  seedSite(server.db!);
  sha = seedMedia(server.db!, server.dataDir, 1024).sha256;
  seedCampaign(server.db!, sha);
  server
    .db!.prepare(
      `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES (?, 'ubnd-bach-khoa', 'Sảnh', 'offline', ?, ?)`,
    )
    .run(SCREEN, hashToken(TOKEN), T0);
  // The plan the records below were played from: ingest refuses items never issued to the screen.
  storePlan(
    server.db!,
    SCREEN,
    '2024-09-05',
    1,
    Array.from({ length: 20 }, (_, k) => ({
      id: `item-${k + 1}`,
      mediaSha256: sha,
      start: PLAYED_FROM + (k + 1) * 120_000,
      end: PLAYED_FROM + (k + 1) * 120_000 + 10_000,
      peak: false,
    })),
  );
});

afterEach(async () => {
  await server.stop();
});

class Client {
  ws: WebSocket;
  private queue: Record<string, unknown>[] = [];
  private waiters: ((m: Record<string, unknown>) => void)[] = [];
  constructor() {
    this.ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
    this.ws.on('message', (d) => {
      const m = JSON.parse(frameText(d)) as Record<string, unknown>;
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
  }
  async open() {
    await new Promise((r) => this.ws.once('open', r));
    this.send({
      type: 'hello',
      screenId: SCREEN,
      token: TOKEN,
      playerVersion: 'test',
      cachedMedia: [],
      clock: T0,
    });
    expect(await this.next()).toMatchObject({ type: 'welcome', screenId: SCREEN, lastSeq: 0 });
    return this;
  }
  send(m: object) {
    this.ws.send(JSON.stringify({ v: 1, ...m }));
  }
  next(): Promise<Record<string, unknown>> {
    const m = this.queue.shift();
    return m ? Promise.resolve(m) : new Promise((r) => this.waiters.push(r));
  }
}

/** A valid chain of n records as a player would journal them. */
function chain(n: number): PlayRecord[] {
  const out: PlayRecord[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    // Played in the hour before the server's (standing) clock: ingest refuses plays from the future.
    const start = PLAYED_FROM + i * 120_000;
    const body = {
      playId: randomUUID(),
      screenId: SCREEN,
      campaignId: 'ihanoi-2024',
      mediaSha256: sha,
      planItemId: `item-${i}`,
      plannedAt: new Date(start).toISOString(),
      startedAt: new Date(start + 40).toISOString().replace('Z', '+00:00'),
      endedAt: new Date(start + 10_040).toISOString(),
      secondsShown: 10,
      outcome: 'completed' as const,
      reason: null,
      playerVersion: 'test',
      seq: i,
      prevHash: prev,
    };
    const hash = hashRecord(body);
    out.push({ ...body, hash });
    prev = hash;
  }
  return out;
}

const count = () => (server.db!.prepare('SELECT COUNT(*) AS n FROM plays').get() as { n: number }).n;

describe('play ingest', () => {
  it('player and server hash a record the same way', () => {
    const [r] = chain(1);
    const { hash: _h, ...body } = r!;
    expect(hashPlayRecord(body)).toBe(r!.hash);
  });

  it('counts a batch sent twice on one connection once, and acks both times', async () => {
    const c = await new Client().open();
    const records = chain(3);
    c.send({ type: 'plays', batchId: 'b1', records });
    const first = await c.next();
    expect(first).toMatchObject({ type: 'plays_ack', batchId: 'b1', lastSeq: 3, rejected: [] });
    expect(first.acked).toEqual(records.map((r) => r.playId));
    // The same batch again on the same connection (the player did not see the ack in time).
    c.send({ type: 'plays', batchId: 'b1', records });
    const second = await c.next();
    expect(second.acked).toEqual(records.map((r) => r.playId));
    expect(count()).toBe(3);
    c.ws.close();
  });

  it('a re-sent batch after a reconnect is acked and counted once', async () => {
    const records = chain(3);
    const c = await new Client().open();
    c.send({ type: 'plays', batchId: 'b1', records });
    await c.next();
    c.ws.close();
    const c2 = new Client();
    await new Promise((r) => c2.ws.once('open', r));
    c2.send({
      type: 'hello',
      screenId: SCREEN,
      token: TOKEN,
      playerVersion: 'test',
      cachedMedia: [],
      clock: T0,
    });
    expect(await c2.next()).toMatchObject({ type: 'welcome', lastSeq: 3 });
    c2.send({ type: 'plays', batchId: 'b1', records });
    const again = await c2.next();
    expect(again).toMatchObject({ type: 'plays_ack', lastSeq: 3 });
    expect(again.acked).toEqual(records.map((r) => r.playId));
    expect(count()).toBe(3);
    c2.ws.close();
  });

  it('the test-only beforePlaysAck hook runs once the batch is stored, and the ack waits for it', async () => {
    await server.stop();
    let release = () => {};
    const seen: Array<{ batchId: string; playIds: readonly string[]; stored: number; acked: boolean }> = [];
    let acked = false;
    server.hooks = {
      beforePlaysAck: (b) => {
        seen.push({ batchId: b.batchId, playIds: b.playIds, stored: count(), acked });
        return new Promise<void>((r) => (release = r));
      },
    };
    await server.start();
    const c = await new Client().open();
    const records = chain(3);
    c.send({ type: 'plays', batchId: 'b1', records });
    const ack = c.next().then((m) => ((acked = true), m));
    await waitFor('the hook to run', () => seen.length === 1);
    expect(seen).toEqual([{ batchId: 'b1', playIds: records.map((r) => r.playId), stored: 3, acked: false }]);
    expect(acked).toBe(false);
    release();
    expect(await ack).toMatchObject({ type: 'plays_ack', batchId: 'b1', lastSeq: 3 });
    c.ws.close();
  });

  it('a server stopped between the commit and the ack sends no ack; the batch sent again to the next one is counted once', async () => {
    await server.stop();
    const records = chain(3);
    let stopped = false;
    server.hooks = {
      beforePlaysAck: async () => {
        await server.stop();
        stopped = true;
      },
    };
    await server.start();
    const c = await new Client().open();
    const got: unknown[] = [];
    c.ws.on('message', (d) => got.push(JSON.parse(frameText(d))));
    const closed = new Promise((r) => c.ws.once('close', r));
    c.send({ type: 'plays', batchId: 'b1', records });
    await closed;
    await waitFor('the server to stop', () => stopped);
    expect(got.filter((m) => (m as { type?: string }).type === 'plays_ack')).toEqual([]);
    // The same file and port, without the hook: the player says hello and sends the batch again.
    server.hooks = {};
    await server.start();
    expect(count()).toBe(3);
    const c2 = new Client();
    await new Promise((r) => c2.ws.once('open', r));
    c2.send({
      type: 'hello',
      screenId: SCREEN,
      token: TOKEN,
      playerVersion: 'test',
      cachedMedia: [],
      clock: T0,
    });
    // The restarted server holds the batch already and says so.
    expect(await c2.next()).toMatchObject({ type: 'welcome', lastSeq: 3 });
    c2.send({ type: 'plays', batchId: 'b2', records });
    const again = await c2.next();
    expect(again).toMatchObject({ type: 'plays_ack', batchId: 'b2', lastSeq: 3, rejected: [] });
    expect(again.acked).toEqual(records.map((r) => r.playId));
    expect(count()).toBe(3);
    c2.ws.close();
  });

  it('flags an edited record, a forged link and a gap in the chain', async () => {
    const c = await new Client().open();
    const records = chain(6);
    // Someone changed secondsShown after the record was hashed (to a value still plausible, so
    // the ingest rules let it through and only the chain can tell).
    records[1] = { ...records[1]!, secondsShown: 9 };
    // Record 5 is missing: 6 arrives with nothing before it.
    const sent = records.filter((r) => r.seq !== 5);
    c.send({ type: 'plays', batchId: 'b1', records: sent });
    const ack = await c.next();
    expect((ack.acked as string[]).length).toBe(5);
    const statuses = server.db!.prepare('SELECT seq, chain_status FROM plays ORDER BY seq').all();
    expect(statuses).toEqual([
      { seq: 1, chain_status: 'ok' },
      { seq: 2, chain_status: 'mismatch' },
      { seq: 3, chain_status: 'ok' },
      { seq: 4, chain_status: 'ok' },
      { seq: 6, chain_status: 'gap' },
    ]);
    c.ws.close();
  });

  it('the audit re-check finds a record edited in the database afterwards, and writes nothing', async () => {
    const c = await new Client().open();
    const records = chain(4);
    c.send({ type: 'plays', batchId: 'b1', records });
    await c.next();
    c.ws.close();
    server.db!.prepare('UPDATE plays SET seconds_shown = 60 WHERE seq = 3').run();
    const auditor = seedUser(server.db!, 'auditor', []);
    const changes = () => (server.db!.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    // The player's socket closing writes its session's end; let that land before counting.
    await waitFor(
      'the session to close',
      () => !server.db!.prepare('SELECT 1 FROM screen_sessions WHERE disconnected_at_ms IS NULL').get(),
    );
    const before = changes();
    const res = await fetch(`${server.url}/api/v1/screens/${SCREEN}/proof/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      ok: boolean;
      problems: { seq: number; status: string }[];
      changedSinceUpload: { seq: number; statusAtUpload: string; statusNow: string }[];
      plays: number;
      checkedBy: string;
    };
    expect(report.ok).toBe(false);
    expect(report.plays).toBe(4);
    expect(report.problems).toEqual([{ playId: records[2]!.playId, seq: 3, status: 'mismatch' }]);
    expect(report.changedSinceUpload).toEqual([
      { playId: records[2]!.playId, seq: 3, statusAtUpload: 'ok', statusNow: 'mismatch' },
    ]);
    expect(report.checkedBy).toBeTruthy();
    // The status recorded at upload is the evidence: a later check reports, it never rewrites.
    expect(server.db!.prepare('SELECT chain_status FROM plays WHERE seq = 3').get()).toEqual({
      chain_status: 'ok',
    });
    // The auditor's request changed no row anywhere (sessions included).
    expect(changes()).toBe(before);
  });

  it('refuses records for another screen on this connection', async () => {
    const c = await new Client().open();
    const [r] = chain(1);
    const other = { ...r!, screenId: 'scr-someone-else' };
    c.send({ type: 'plays', batchId: 'b2', records: [other] });
    const ack = await c.next();
    expect(ack).toMatchObject({ acked: [], rejected: [{ playId: other.playId }] });
    expect(count()).toBe(0);
    c.ws.close();
  });
});

/**
 * Per-record ingest: each record of a `plays` batch is judged on its own against the protocol
 * and the screen's plan; the good ones are stored and acked, the others rejected with a reason
 * and kept in the quarantine that auditors read. One screen's bad data never costs another
 * screen its ack.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { hashRecord } from '#player/core/journal.ts';
import {
  RestartableServer,
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  storePlan,
  T0,
  type Item,
} from './fixtures.ts';
import { frameText } from '#server/ws/frame-text.ts';

let server: RestartableServer;
let sha: string;
const SCREENS = { a: 'scr-a', b: 'scr-b' } as const;
const TOKENS = { a: randomToken(), b: randomToken() };
/** Plays of the hour before the server's standing clock, two minutes apart. */
const FROM = T0 - 3_600_000;
const at = (k: number) => FROM + k * 120_000;

function planItems(prefix: string): Item[] {
  return Array.from({ length: 20 }, (_, k) => ({
    id: `${prefix}-${k + 1}`,
    mediaSha256: sha,
    start: at(k + 1),
    end: at(k + 1) + 10_000,
    peak: false,
  }));
}

beforeEach(async () => {
  server = new RestartableServer();
  await server.start();
  seedSite(server.db!);
  sha = seedMedia(server.db!, server.dataDir, 1024).sha256;
  seedCampaign(server.db!, sha);
  for (const k of ['a', 'b'] as const) {
    server
      .db!.prepare(
        `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES (?, 'ubnd-bach-khoa', ?, 'offline', ?, ?)`,
      )
      .run(SCREENS[k], `Sảnh ${k}`, hashToken(TOKENS[k]), T0);
    storePlan(server.db!, SCREENS[k], '2024-09-05', 1, planItems(`${k}-item`));
  }
});

afterEach(async () => {
  await server.stop();
});

type Msg = Record<string, unknown>;

class Client {
  ws: WebSocket;
  private queue: Msg[] = [];
  private waiters: ((m: Msg) => void)[] = [];
  constructor() {
    this.ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
    this.ws.on('message', (d) => {
      const m = JSON.parse(frameText(d)) as Msg;
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
  }
  async hello(screen: 'a' | 'b', clock = T0) {
    await new Promise((r) => this.ws.once('open', r));
    this.send({
      type: 'hello',
      screenId: SCREENS[screen],
      token: TOKENS[screen],
      playerVersion: 'test',
      cachedMedia: [],
      clock,
    });
    expect(await this.next()).toMatchObject({ type: 'welcome' });
    return this;
  }
  send(m: object) {
    this.ws.send(JSON.stringify({ v: 1, ...m }));
  }
  next(): Promise<Msg> {
    const m = this.queue.shift();
    return m ? Promise.resolve(m) : new Promise((r) => this.waiters.push(r));
  }
}

type Body = Omit<PlayRecord, 'hash'>;

/** A hash-chained run of records for a screen; `edit` changes a record before it is hashed. */
function chain(screen: 'a' | 'b', n: number, edit: (b: Body, i: number) => Body = (b) => b): PlayRecord[] {
  const out: PlayRecord[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const start = at(i);
    const body = edit(
      {
        playId: randomUUID(),
        screenId: SCREENS[screen],
        campaignId: 'ihanoi-2024',
        mediaSha256: sha,
        planItemId: `${screen}-item-${i}`,
        plannedAt: new Date(start).toISOString(),
        startedAt: new Date(start + 40).toISOString(),
        endedAt: new Date(start + 10_040).toISOString(),
        secondsShown: 10,
        outcome: 'completed',
        reason: null,
        playerVersion: 'test',
        seq: i,
        prevHash: prev,
      },
      i,
    );
    const hash = hashRecord(body);
    out.push({ ...body, hash });
    prev = hash;
  }
  return out;
}

const count = (table = 'plays') =>
  (server.db!.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

interface Ack {
  type: string;
  batchId: string;
  acked: string[];
  rejected: { playId: string; code: string; reason: string; index?: number }[];
}

describe('per-record ingest', () => {
  it('stores the good records of a batch and rejects each bad one with its reason', async () => {
    const c = await new Client().hello('a');
    const BAD: Record<number, [string, (b: Body) => unknown]> = {
      2: ['invalid', (b) => ({ ...b, startedAt: '2024-13-45T25:61:61+07:00' })],
      3: ['invalid', (b) => ({ ...b, endedAt: '0000-00-00T00:00:00Z' })],
      4: ['invalid', (b) => ({ ...b, plannedAt: '9999-99-99T99:99:99+99:99' })],
      5: ['impossible_times', (b) => ({ ...b, endedAt: new Date(at(5) - 60_000).toISOString() })],
      6: ['impossible_times', (b) => ({ ...b, secondsShown: 3600 })],
      7: [
        'future',
        (b) => ({
          ...b,
          startedAt: new Date(T0 + 3_600_000).toISOString(),
          endedAt: new Date(T0 + 3_610_000).toISOString(),
        }),
      ],
      8: ['unknown_campaign', (b) => ({ ...b, campaignId: 'no-such-campaign' })],
      9: ['unknown_plan_item', (b) => ({ ...b, planItemId: 'forged-item' })],
      10: ['unknown_plan_item', (b) => ({ ...b, planItemId: 'b-item-10' })],
      11: ['invalid', () => 'not a record at all'],
    };
    const records = chain('a', 12).map((r, i) => {
      const bad = BAD[i + 1];
      return bad ? bad[1](r) : r;
    });
    c.send({ type: 'plays', batchId: 'mixed', records });
    const ack = (await c.next()) as unknown as Ack;
    expect(ack.type).toBe('plays_ack');
    expect(ack.batchId).toBe('mixed');
    const good = [1, 12].map((i) => (records[i - 1] as PlayRecord).playId);
    expect(ack.acked).toEqual(good);
    expect(ack.rejected.map((r) => [r.index, r.code])).toEqual(
      Object.entries(BAD).map(([i, [code]]) => [Number(i) - 1, code]),
    );
    for (const r of ack.rejected) expect(r.reason).toMatch(/ \/ /);
    expect(count()).toBe(2);
    // Nothing the player sent is lost: every refused record is in the quarantine as sent.
    const kept = server.db!.prepare('SELECT code, record FROM plays_quarantine ORDER BY id').all() as {
      code: string;
      record: string;
    }[];
    expect(kept.map((k) => JSON.parse(k.record) as unknown)).toEqual(
      Object.keys(BAD).map((i) => records[Number(i) - 1]),
    );
    c.ws.close();
  });

  it('uses the player’s clock offset for the future check', async () => {
    // This player's clock runs an hour ahead of the server's (it says so in hello): a stamp 30
    // minutes ahead of the server's clock is a play of 30 minutes ago.
    const ahead1h = await new Client().hello('a', T0 + 3_600_000);
    const early = chain('a', 1, (b) => ({
      ...b,
      startedAt: new Date(T0 + 1_800_000).toISOString(),
      endedAt: new Date(T0 + 1_810_000).toISOString(),
    }));
    ahead1h.send({ type: 'plays', batchId: 'skewed', records: early });
    const ok = (await ahead1h.next()) as unknown as Ack;
    expect(ok.rejected).toEqual([]);
    expect(ok.acked).toHaveLength(1);
    ahead1h.ws.close();
    // A player with the right clock sending a start 30 minutes ahead is refused.
    const right = await new Client().hello('b');
    const ahead = chain('b', 1, (b) => ({
      ...b,
      startedAt: new Date(T0 + 1_800_000).toISOString(),
      endedAt: new Date(T0 + 1_810_000).toISOString(),
    }));
    right.send({ type: 'plays', batchId: 'ahead', records: ahead });
    const refused = (await right.next()) as unknown as Ack;
    expect(refused.rejected.map((r) => r.code)).toEqual(['future']);
    right.ws.close();
  });

  it('accepts an item of an earlier version of the day’s plan (a player that was offline)', async () => {
    const c = await new Client().hello('a');
    // The plan changed after the player last pulled: the day's items have new ids now.
    storePlan(server.db!, SCREENS.a, '2024-09-05', 2, planItems('a-replanned'));
    const records = chain('a', 2);
    c.send({ type: 'plays', batchId: 'old-plan', records });
    const ack = (await c.next()) as unknown as Ack;
    expect(ack.rejected).toEqual([]);
    expect(ack.acked).toEqual(records.map((r) => r.playId));
    c.ws.close();
  });

  it('one screen’s bad data never fails the group commit of another', async () => {
    const a = await new Client().hello('a');
    const b = await new Client().hello('b');
    const good = chain('a', 5);
    const bad = chain('b', 5, (r) => ({ ...r, startedAt: '2024-13-45T25:61:61+07:00' }));
    // Sent together, so both land in the same group commit.
    a.send({ type: 'plays', batchId: 'good', records: good });
    b.send({ type: 'plays', batchId: 'bad', records: bad });
    const [ackA, ackB] = (await Promise.all([a.next(), b.next()])) as unknown as Ack[];
    expect(ackA).toMatchObject({ type: 'plays_ack', batchId: 'good', rejected: [] });
    expect(ackA!.acked).toEqual(good.map((r) => r.playId));
    expect(ackB).toMatchObject({ type: 'plays_ack', batchId: 'bad', acked: [] });
    expect(ackB!.rejected).toHaveLength(5);
    expect(count()).toBe(5);
    expect(count('plays_quarantine')).toBe(5);
    a.ws.close();
    b.ws.close();
  });

  it('a refused record sent again is kept once, and a batch with a batchId always gets plays_ack', async () => {
    const c = await new Client().hello('a');
    const bad = chain('a', 1, (r) => ({ ...r, planItemId: 'forged' }));
    for (const batchId of ['x1', 'x2']) {
      c.send({ type: 'plays', batchId, records: bad });
      expect(await c.next()).toMatchObject({ type: 'plays_ack', batchId, acked: [] });
    }
    expect(count('plays_quarantine')).toBe(1);
    // Even a batch whose records are not a list is answered, so the player is never left waiting.
    c.send({ type: 'plays', batchId: 'garbled', records: { nope: true } });
    expect(await c.next()).toMatchObject({ type: 'plays_ack', batchId: 'garbled', acked: [] });
    c.ws.close();
  });

  it('auditors and campaign managers read and export the quarantine; others may not', async () => {
    const c = await new Client().hello('a');
    const bad = chain('a', 2, (r, i) => (i === 2 ? { ...r, campaignId: 'x=HYPERLINK("evil")' } : r));
    c.send({ type: 'plays', batchId: 'q', records: bad });
    await c.next();
    c.ws.close();
    const get = (token: string, query = '') =>
      fetch(`${server.url}/api/v1/plays/quarantine${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    for (const role of ['auditor', 'campaign_manager']) {
      const res = await get(seedUser(server.db!, role, []).token);
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        total: number;
        records: { playId: string; code: string; record: unknown }[];
      };
      expect(page.total).toBe(1);
      expect(page.records[0]).toMatchObject({
        playId: bad[1]!.playId,
        code: 'unknown_campaign',
        record: bad[1],
      });
    }
    for (const role of ['venue_staff', 'office_head']) {
      const res = await get(seedUser(server.db!, role, ['ubnd-bach-khoa']).token);
      expect(res.status).toBe(403);
    }
    expect((await fetch(`${server.url}/api/v1/plays/quarantine`)).status).toBe(401);
    const csv = await get(seedUser(server.db!, 'auditor', []).token, '?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const text = await csv.text();
    const lines = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('received_at,screen_id,site_id,play_id,batch_id,code,reason,record_json');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(bad[1]!.playId);
    expect(lines[1]).toContain('unknown_campaign');
  });
});

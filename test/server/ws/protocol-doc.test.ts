/**
 * docs/protocol.md and the server agree (issue 12, item 10): every JSON example in the doc
 * parses and names a message type the schemas know, the error codes and close codes the doc
 * lists are exactly those the server uses, and what the doc allows before `hello` (a pong, a
 * pairing request) is what a real server answers.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, PlayerMessage, ServerMessage } from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { addDays } from '#shared/time.ts';
import {
  RestartableServer,
  T0,
  items,
  seedCampaign,
  seedMedia,
  seedSite,
  storePlan,
  waitFor,
} from './fixtures.ts';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const gatewaySource = readFileSync(new URL('../../../server/ws/gateway.ts', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
const typesOf = (u: { options: ReadonlyArray<{ shape: { type: { value: string } } }> }) =>
  new Set(u.options.map((o) => o.shape.type.value));
const known = new Set([...typesOf(PlayerMessage), ...typesOf(ServerMessage)]);
/** The doc's message examples (a block may hold several, one per line start). */
const messageExamples = examples
  .flatMap((b) => b.split(/\n(?=\{)/))
  .map((t) => JSON.parse(t.replace(/\[\s*…\s*\]/g, '[]')) as Record<string, unknown>)
  .filter((j) => typeof j['type'] === 'string');
/** The doc's paragraphs and list items, one string each with its lines joined. */
const paragraphs = doc.split(/\n(?=- |\d+\. )|\n\n/).map((p) => p.replace(/\s*\n\s*/g, ' '));

type Msg = Record<string, unknown> & { type: string };

/** A socket to the player gateway that keeps what the server sends. */
async function open(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/player`);
  const inbox: Msg[] = [];
  ws.on('message', (d: Buffer) => inbox.push(JSON.parse(d.toString('utf8')) as Msg));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((r) => ws.once('open', r));
  const send = (m: object) => ws.send(JSON.stringify({ v: 1, ...m }));
  const next = (type: string) =>
    waitFor(`a ${type} frame`, () => {
      const i = inbox.findIndex((m) => m.type === type);
      return i >= 0 ? inbox.splice(i, 1)[0] : undefined;
    });
  return { ws, inbox, closed, send, next };
}

describe('docs/protocol.md against the server', () => {
  it('every JSON example parses, and every message example names a type the schemas know', () => {
    expect(examples.length).toBeGreaterThan(15);
    const named: string[] = [];
    for (const block of examples) {
      // A block may show several messages, each starting on a line of its own.
      for (const text of block.split(/\n(?=\{)/)) {
        // `[ … ]` stands for a list left out of an example.
        const json = JSON.parse(text.replace(/\[\s*…\s*\]/g, '[]')) as { type?: unknown };
        // Otherwise a fragment (a provisioning file, a day of a plan): it must still be JSON.
        if (typeof json.type === 'string') named.push(json.type);
      }
    }
    for (const t of named) expect(known.has(t), `${t} is not a protocol message`).toBe(true);
    // The messages a player must handle are all shown.
    for (const t of [
      'pair_request',
      'pairing',
      'paired',
      'hello',
      'welcome',
      'ping',
      'pong',
      'status',
      'plays',
      'plays_ack',
      'error',
      'revoked',
      'plan_changed',
    ])
      expect(named, t).toContain(t);
  });

  it('lists exactly the error codes the server can send', () => {
    const line = /Codes: ([\s\S]*?)\. When `fatal`/.exec(doc)![1]!;
    const listed = [...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...ErrorCode.options].sort());
  });

  it('documents every close code the gateway uses', () => {
    const used = new Set([...gatewaySource.matchAll(/close\((\d{4})/g)].map((m) => m[1]!));
    // fail() closes with 4000 + 1 for unauthenticated; the deadlines pass their codes through.
    used.add('4000');
    used.add('4001');
    for (const m of gatewaySource.matchAll(/setDeadline\(conn, [^,]+, (\d{4})/g)) used.add(m[1]!);
    const table = /Close codes the server uses:\n\n([\s\S]*?)\n\n/.exec(doc)![1]!;
    for (const code of used) expect(table, `close code ${code}`).toContain(`| ${code} |`);
    expect(table).toContain('| 1009 |');
  });

  describe('before hello, on a real server', () => {
    const server = new RestartableServer();
    beforeAll(async () => {
      await server.start();
    });
    afterAll(async () => server.stop());

    it('a pong before hello is not refused, a pairing request after it gets its code, and the doc allows it', async () => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
      const inbox: Array<{ type: string }> = [];
      ws.on('message', (d: Buffer) => inbox.push(JSON.parse(d.toString('utf8')) as { type: string }));
      await new Promise((r) => ws.once('open', r));
      ws.send(
        JSON.stringify({ type: 'pong', v: 1, serverTime: server.clock.now(), clock: server.clock.now() }),
      );
      ws.send(JSON.stringify({ type: 'pair_request', v: 1, playerVersion: 't' }));
      const first = await waitFor('an answer', () => inbox[0]);
      expect(first.type).toBe('pairing');
      expect(ServerMessage.safeParse(first).success).toBe(true);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
      // The doc's rule for what may come before hello names pong among what is not refused.
      const rule = paragraphs.find((p) => /^\d+\. Any messages before `hello`/.test(p));
      expect(rule, 'the rule for messages before hello').toBeDefined();
      expect(/other than (.*?) are refused/.exec(rule!)?.[1], rule).toContain('`pong`');
    });

    it('the pairing example shows only fields the server sends', async () => {
      const p = await open(server.url);
      p.send({ type: 'pair_request', playerVersion: 't' });
      const sent = await p.next('pairing');
      p.ws.close();
      const shown = messageExamples.filter((e) => e['type'] === 'pairing');
      expect(shown.length).toBeGreaterThan(0);
      for (const e of shown)
        for (const key of Object.keys(e))
          expect(
            Object.keys(sent),
            `the doc shows pairing.${key}; the server sent ${JSON.stringify(sent)}`,
          ).toContain(key);
    });

    it('pair_request and enrol share one limit per address, and the doc says so', async () => {
      // Alternating the two, the limit is reached: enrol requests count against pair_request's
      // limit (12 pair_requests alone would stay under it). Earlier tests spent some of it.
      let refusedAt = -1;
      for (let i = 0; i < 25 && refusedAt < 0; i++) {
        const p = await open(server.url);
        if (i % 2) p.send({ type: 'pair_request', playerVersion: 't' });
        else
          p.send({ type: 'enrol', playerVersion: 't', enrolmentToken: 'z'.repeat(43), screenName: 'PC-1' });
        const m = await waitFor('an answer', () => p.inbox.find((x) => x.type !== 'ping'));
        if (m.type === 'error' && m['code'] === 'rate_limited') refusedAt = i;
        p.ws.terminate();
      }
      expect(refusedAt).toBeGreaterThanOrEqual(0);
      const said = paragraphs.filter(
        (p) =>
          p.includes('`pair_request`') &&
          p.includes('`enrol`') &&
          p.includes('`rate_limited`') &&
          /per address/.test(p) &&
          /share|together/.test(p),
      );
      expect(said, 'a paragraph of the doc that limits pair_request and enrol together').not.toEqual([]);
    });
  });

  describe('the plan message, on a real server', () => {
    const server = new RestartableServer();
    const token = randomToken();
    const today = '2024-09-05';
    beforeAll(async () => {
      await server.start();
      const db = server.db!;
      seedSite(db);
      const { sha256 } = seedMedia(db, server.dataDir);
      seedCampaign(db, sha256);
      db.prepare(
        `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms, paired_at_ms)
         VALUES ('scr-doc', 'ubnd-bach-khoa', 'Sảnh', 'offline', ?, ?, ?)`,
      ).run(hashToken(token), T0, T0);
      storePlan(db, 'scr-doc', today, 1, items(sha256, [T0 + 60_000]));
    });
    afterAll(async () => server.stop());

    async function planDays(): Promise<string[]> {
      const p = await open(server.url);
      p.send({
        type: 'hello',
        screenId: 'scr-doc',
        token,
        playerVersion: 't',
        cachedMedia: [],
        clock: server.clock.now(),
        planVersion: 0,
      });
      await p.next('welcome');
      p.send({ type: 'pull' });
      const plan = await p.next('plan');
      p.ws.close();
      await p.closed;
      return (plan['days'] as Array<{ date: string }>).map((d) => d.date);
    }

    it('days start at yesterday only when a plan was stored for it, as the doc says', async () => {
      expect(await planDays()).toEqual([today]);
      const { sha256 } = server.db!.prepare('SELECT sha256 FROM media').get() as { sha256: string };
      storePlan(server.db!, 'scr-doc', addDays(today, -1), 1, items(sha256, [T0 - 86_400_000]));
      expect(await planDays()).toEqual([addDays(today, -1), today]);
      // The doc's account of `days` says that yesterday is there only sometimes.
      const days = paragraphs.find((p) => p.startsWith('- `days`'));
      expect(days, "the doc's account of a plan's days").toBeDefined();
      expect(days).toMatch(/yesterday[^.]*only when/);
    });
  });
});

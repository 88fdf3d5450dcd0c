/**
 * Liveness: the gateway plugin mounted on its own (with the context plugin it depends on) and
 * its heartbeat beaten by hand, so no real-time tick decides when a ping goes out. Between two
 * beats the test waits for the pongs the server has handled, not for a time to pass.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VirtualClock } from '#shared/clock.ts';
import { testConfig } from '#server/config.ts';
import { openDatabase, type Db } from '#server/db/database.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import contextPlugin from '#server/plugins/context.ts';
import playerGateway from '#server/ws/gateway.ts';
import { seedSite, T0, waitFor } from './fixtures.ts';
import { frameText } from '#server/ws/frame-text.ts';

let app: FastifyInstance;
let db: Db;
let dir: string;
let url: string;
const token = randomToken();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ihanoi-hb-'));
  const clock = new VirtualClock(T0);
  db = openDatabase(join(dir, 'signage.db'), clock).db;
  seedSite(db);
  for (const id of ['scr-a', 'scr-b']) {
    db.prepare(
      `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES (?, 'ubnd-bach-khoa', ?, 'offline', ?, ?)`,
    ).run(id, id, hashToken(`${token}-${id}`), T0);
  }
  app = Fastify();
  await app.register(contextPlugin, { config: testConfig({ dataDir: dir }), db, clock });
  await app.register(playerGateway, { heartbeatMs: 0 });
  // The writer's thread up before the first hello (loading it can take seconds when loaded).
  await app.playerGateway.writer.ready();
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/ws/player`;
});

afterEach(async () => {
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(screenId: string, answerPings: boolean) {
  const ws = new WebSocket(url);
  const pings: number[] = [];
  ws.on('open', () =>
    ws.send(
      JSON.stringify({
        type: 'hello',
        v: 1,
        screenId,
        token: `${token}-${screenId}`,
        playerVersion: 't',
        cachedMedia: [],
        clock: T0,
      }),
    ),
  );
  ws.on('message', (d) => {
    const m = JSON.parse(frameText(d)) as { type: string; serverTime: number };
    if (m.type !== 'ping') return;
    pings.push(m.serverTime);
    if (answerPings) ws.send(JSON.stringify({ type: 'pong', v: 1, serverTime: m.serverTime, clock: T0 }));
  });
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  return { ws, pings, closed };
}

/** One heartbeat, then wait until the answering sockets' pongs to it are handled. */
async function beat(answering: number): Promise<void> {
  const before = app.playerGateway.pongsReceived();
  app.playerGateway.heartbeat();
  await waitFor('pongs handled', () => app.playerGateway.pongsReceived() >= before + answering);
}

const status = (id: string) =>
  (db.prepare('SELECT status FROM screens WHERE id = ?').get(id) as { status: string }).status;

it('a screen that misses two pings is dropped and shown offline; one that answers stays online', async () => {
  const silent = connect('scr-a', false);
  const alive = connect('scr-b', true);
  await waitFor('both online', () => status('scr-a') === 'online' && status('scr-b') === 'online');
  // Two pings go unanswered; the third beat drops the silent socket, never the answering one.
  await beat(1);
  await beat(1);
  expect(silent.ws.readyState).toBe(WebSocket.OPEN);
  await beat(1);
  await silent.closed;
  expect(silent.pings.length).toBe(2);
  // Connection status goes through the ingest writer's next group commit.
  await waitFor('offline after two missed pings', () => status('scr-a') === 'offline');
  for (let i = 0; i < 3; i++) await beat(1);
  expect(alive.pings.length).toBe(6);
  expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  expect(status('scr-b')).toBe('online');
  alive.ws.close();
  await alive.closed;
  await waitFor('offline after close', () => status('scr-b') === 'offline');
});

it('a player waiting for its pairing code is pinged too, and dropped when it stops answering', async () => {
  const waiting = (answerPings: boolean) => {
    const ws = new WebSocket(url);
    const got: string[] = [];
    ws.on('open', () => ws.send(JSON.stringify({ type: 'pair_request', v: 1, playerVersion: 't' })));
    ws.on('message', (d) => {
      const m = JSON.parse(frameText(d)) as { type: string; serverTime: number };
      got.push(m.type);
      if (m.type === 'ping' && answerPings)
        ws.send(JSON.stringify({ type: 'pong', v: 1, serverTime: m.serverTime, clock: T0 }));
    });
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    return { ws, got, closed };
  };
  const silent = waiting(false);
  const alive = waiting(true);
  await waitFor('both have a code', () => silent.got.includes('pairing') && alive.got.includes('pairing'));
  await beat(1);
  await beat(1);
  await beat(1);
  await silent.closed;
  expect(silent.got[0]).toBe('pairing');
  expect(silent.got.filter((t) => t === 'ping')).toHaveLength(2);
  await beat(1);
  expect(alive.got.filter((t) => t === 'ping')).toHaveLength(4);
  expect(alive.ws.readyState).toBe(WebSocket.OPEN);
  alive.ws.close();
});

/**
 * The process never dies of a database it cannot write: another real process holds the write
 * lock (or the database turns read-only) while player sockets close, status messages and
 * plays arrive and people use the console. The server answers 503 with a reason, reports
 * `degraded`, acks no play it did not store, and catches up on its own once the lock is gone.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { SERVER_BUSY_TIMEOUT_MS } from '#server/db/database.ts';
import { hashRecord } from '#player/core/journal.ts';
import { DbLocker } from '../helpers/db-locker.ts';
import {
  RestartableServer,
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  storePlan,
  T0,
  waitFor,
} from './ws/fixtures.ts';
import { frameText } from '#server/ws/frame-text.ts';

let server: RestartableServer;
let sha: string;
const TOKENS: Record<string, string> = { 'scr-a': randomToken(), 'scr-b': randomToken() };
const FROM = T0 - 3_600_000;

beforeEach(async () => {
  server = new RestartableServer();
  await server.start();
  seedSite(server.db!);
  sha = seedMedia(server.db!, server.dataDir, 1024).sha256;
  seedCampaign(server.db!, sha);
  for (const id of Object.keys(TOKENS)) {
    server
      .db!.prepare(
        `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES (?, 'ubnd-bach-khoa', ?, 'offline', ?, ?)`,
      )
      .run(id, id, hashToken(TOKENS[id]!), T0);
    storePlan(
      server.db!,
      id,
      '2024-09-05',
      1,
      [1, 2, 3].map((k) => ({
        id: `${id}-${k}`,
        mediaSha256: sha,
        start: FROM + k * 60_000,
        end: FROM + k * 60_000 + 10_000,
        peak: false,
      })),
    );
  }
});

let locker: DbLocker | null = null;
afterEach(async () => {
  locker?.kill();
  locker = null;
  await server.stop();
});

type Msg = Record<string, unknown>;
class Client {
  ws: WebSocket;
  private queue: Msg[] = [];
  private waiters: ((m: Msg) => void)[] = [];
  closed = false;
  constructor() {
    this.ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
    this.ws.on('message', (d) => {
      const m = JSON.parse(frameText(d)) as Msg;
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.ws.on('close', () => (this.closed = true));
  }
  async hello(screenId: string) {
    await new Promise((r) => this.ws.once('open', r));
    this.send({
      type: 'hello',
      screenId,
      token: TOKENS[screenId],
      playerVersion: 't',
      cachedMedia: [],
      clock: T0,
    });
    return this.next();
  }
  send(m: object) {
    this.ws.send(JSON.stringify({ v: 1, ...m }));
  }
  next(): Promise<Msg> {
    const m = this.queue.shift();
    return m ? Promise.resolve(m) : new Promise((r) => this.waiters.push(r));
  }
}

function records(screenId: string): PlayRecord[] {
  let prev = GENESIS_HASH;
  return [1, 2, 3].map((k) => {
    const start = FROM + k * 60_000;
    const body = {
      playId: randomUUID(),
      screenId,
      campaignId: 'ihanoi-2024',
      mediaSha256: sha,
      planItemId: `${screenId}-${k}`,
      plannedAt: new Date(start).toISOString(),
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(start + 10_000).toISOString(),
      secondsShown: 10,
      outcome: 'completed' as const,
      reason: null,
      playerVersion: 't',
      seq: k,
      prevHash: prev,
    };
    prev = hashRecord(body);
    return { ...body, hash: prev };
  });
}

const health = async () => (await fetch(`${server.url}/api/v1/health`)).json() as Promise<Msg>;
const screenRow = (id: string) =>
  server.db!.prepare('SELECT status FROM screens WHERE id = ?').get(id) as { status: string };
const openSessions = (id: string) =>
  (
    server
      .db!.prepare(
        'SELECT COUNT(*) AS n FROM screen_sessions WHERE screen_id = ? AND disconnected_at_ms IS NULL',
      )
      .get(id) as { n: number }
  ).n;

describe('a database that cannot be written', () => {
  it('waits on a lock for a few ms at most, never seconds', () => {
    expect(server.db!.pragma('busy_timeout', { simple: true })).toBe(SERVER_BUSY_TIMEOUT_MS);
    expect(SERVER_BUSY_TIMEOUT_MS).toBeLessThanOrEqual(100);
  });

  it('locked by another process: sockets close, plays and edits wait, nothing is lost, the server lives', async () => {
    const a = new Client();
    expect(await a.hello('scr-a')).toMatchObject({ type: 'welcome' });
    const b = new Client();
    expect(await b.hello('scr-b')).toMatchObject({ type: 'welcome' });
    await waitFor(
      'both screens online',
      () => screenRow('scr-a').status === 'online' && openSessions('scr-b') === 1,
    );
    const manager = seedUser(server.db!, 'campaign_manager', []);

    locker = new DbLocker(join(server.dataDir, 'signage.db'));
    await locker.locked();

    // A socket closes during the lock: its offline mark cannot be written yet.
    a.ws.close();
    await waitFor('the server to see the close', () => server.app!.playerGateway.connectedScreens() === 1);
    // A hello during the lock is still welcomed (reads work beside the writer).
    const a2 = new Client();
    expect(await a2.hello('scr-a')).toMatchObject({ type: 'welcome' });
    a2.ws.close();
    await waitFor('the second close', () => server.app!.playerGateway.connectedScreens() === 1);

    expect(await health()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/locked/) });
    const ready = await fetch(`${server.url}/api/v1/ready`);
    expect(ready.status).toBe(503);

    // A console write is refused with a reason a person can act on, and nothing changes.
    const res = await fetch(`${server.url}/api/v1/screens/scr-b`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Sảnh chính' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('DATABASE_UNAVAILABLE');
    expect(problem.detail).toMatch(/khoá.*\/.*locked/);

    // Plays are not acked while they cannot be stored; the player is told to send them again.
    const batch = records('scr-b');
    b.send({ type: 'plays', batchId: 'during-lock', records: batch });
    expect(await b.next()).toMatchObject({
      type: 'error',
      code: 'not_ready',
      fatal: false,
      batchId: 'during-lock',
    });
    // A status during the lock is kept for later too.
    b.send({
      type: 'status',
      playerVersion: 't',
      planVersion: 1,
      currentItem: null,
      cache: { ready: 1, needed: 1, bytesDone: 1, bytesTotal: 1 },
      freeDiskBytes: 1,
      uptimeS: 1,
      clockOffsetMs: 0,
      backlog: 3,
      displayConnected: true,
    });

    await locker.release();
    // The queued status writes land by themselves, in order: scr-a ends offline with no open session.
    await waitFor(
      'the offline mark after the lock',
      () => screenRow('scr-a').status === 'offline' && openSessions('scr-a') === 0,
    );
    await waitFor('the status after the lock', () =>
      (
        server.db!.prepare("SELECT status_json FROM screens WHERE id = 'scr-b'").get() as {
          status_json: string | null;
        }
      ).status_json?.includes('"backlog":3'),
    );
    expect(await health()).toEqual({ status: 'ok' });
    b.send({ type: 'plays', batchId: 'after-lock', records: batch });
    const ack = await b.next();
    expect(ack).toMatchObject({ type: 'plays_ack', batchId: 'after-lock', rejected: [] });
    expect(ack.acked).toEqual(batch.map((r) => r.playId));
    expect((server.db!.prepare('SELECT COUNT(*) AS n FROM plays').get() as { n: number }).n).toBe(3);
    b.ws.close();
  }, 60_000);

  it('read-only: 503 and degraded with the reason, then back to normal', async () => {
    const a = new Client();
    expect(await a.hello('scr-a')).toMatchObject({ type: 'welcome' });
    await waitFor('online', () => screenRow('scr-a').status === 'online');
    const manager = seedUser(server.db!, 'campaign_manager', []);
    // The server's own connection refuses writes, as a file system remounted read-only would.
    server.db!.pragma('query_only = ON');
    a.ws.close();
    await waitFor('the close', () => server.app!.playerGateway.connectedScreens() === 0);
    expect(await health()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/read-only/) });
    const res = await fetch(`${server.url}/api/v1/screens/scr-a`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Sảnh chính' }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/chỉ đọc.*read-only/);
    server.db!.pragma('query_only = OFF');
    await waitFor('the offline mark', () => screenRow('scr-a').status === 'offline');
    expect(await health()).toEqual({ status: 'ok' });
  });

  it('a hello that fails on the database closes the socket, so the player reconnects', async () => {
    const pairing = server.app!.repos.pairing;
    const real = pairing.screen;
    pairing.screen = () => {
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    };
    const c = new Client();
    const answer = await c.hello('scr-a');
    expect(answer).toMatchObject({ type: 'error', code: 'not_ready', fatal: true });
    await waitFor('the socket closed', () => c.closed);
    pairing.screen = real;
    expect(await new Client().hello('scr-a')).toMatchObject({ type: 'welcome' });
  });
});

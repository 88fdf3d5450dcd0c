/**
 * Connection sessions: the gateway opens a row when a screen says hello and closes it with the
 * reason the connection ended; a restart after a kill closes what the dead process left open at
 * the screen's last contact. Real sockets, a real SQLite file, and for the kill a real
 * `server/main.ts` process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VirtualClock } from '#shared/clock.ts';
import { testConfig } from '#server/config.ts';
import { openDatabase, type Db } from '#server/db/database.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import contextPlugin from '#server/plugins/context.ts';
import playerGateway from '#server/ws/gateway.ts';
import { seedSite, T0, waitFor } from './fixtures.ts';
import { frameText } from '#server/ws/frame-text.ts';

const token = randomToken();

interface SessionRow {
  screen_id: string;
  connected_at_ms: number;
  disconnected_at_ms: number | null;
  reason: string | null;
}

function seedScreens(db: Db, ids: string[]): void {
  seedSite(db);
  for (const id of ids) {
    db.prepare(
      `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES (?, 'ubnd-bach-khoa', ?, 'offline', ?, ?)`,
    ).run(id, id, hashToken(`${token}-${id}`), T0);
  }
}

const sessionsOf = (db: Db, id: string) =>
  db
    .prepare(
      'SELECT screen_id, connected_at_ms, disconnected_at_ms, reason FROM screen_sessions WHERE screen_id = ? ORDER BY id',
    )
    .all(id) as SessionRow[];

function connect(url: string, screenId: string, answerPings: boolean) {
  const ws = new WebSocket(url);
  const types: string[] = [];
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
    types.push(m.type);
    if (m.type === 'ping' && answerPings)
      ws.send(JSON.stringify({ type: 'pong', v: 1, serverTime: m.serverTime, clock: T0 }));
  });
  ws.on('error', () => {});
  const closed = new Promise<void>((r) => ws.once('close', () => r()));
  return { ws, types, closed };
}

describe('sessions written by the gateway', () => {
  let app: FastifyInstance;
  let db: Db;
  let dir: string;
  let url: string;
  let clock: VirtualClock;
  let stopped = false;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ihanoi-sess-'));
    clock = new VirtualClock(T0);
    db = openDatabase(join(dir, 'signage.db'), clock).db;
    seedScreens(db, ['scr-a', 'scr-b']);
    app = Fastify();
    await app.register(contextPlugin, { config: testConfig({ dataDir: dir }), db, clock });
    // Beaten by hand: no real-time tick decides when a silent socket has missed its pings.
    await app.register(playerGateway, { heartbeatMs: 0 });
    // The writer's thread up before the first hello (loading it can take seconds when loaded).
    await app.playerGateway.writer.ready();
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/ws/player`;
    stopped = false;
  });

  afterEach(async () => {
    if (!stopped) await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens one row on hello and closes it with reason "closed" when the player disconnects', async () => {
    const p = connect(url, 'scr-a', true);
    await waitFor('session open', () => sessionsOf(db, 'scr-a').length === 1);
    // A second socket of the same screen is the same session, not a second row.
    const q = connect(url, 'scr-a', true);
    await waitFor('second welcome', () => q.types.includes('welcome'));
    expect(sessionsOf(db, 'scr-a')).toEqual([
      { screen_id: 'scr-a', connected_at_ms: T0, disconnected_at_ms: null, reason: null },
    ]);
    clock.set(T0 + 5 * 60_000);
    q.ws.close();
    await q.closed;
    // One socket is still there: the screen is still connected. Once the server has let go of
    // the closed socket and the writer has committed what that queued, the session is open.
    await waitFor('the server let go of the closed socket', () => app.playerGateway.connectedSockets() === 1);
    await app.playerGateway.writer.barrier();
    expect(sessionsOf(db, 'scr-a')[0]!.disconnected_at_ms).toBeNull();
    clock.set(T0 + 7 * 60_000);
    p.ws.close();
    await p.closed;
    const rows = await waitFor('session closed', () => {
      const r = sessionsOf(db, 'scr-a');
      return r[0]?.disconnected_at_ms !== null && r;
    });
    expect(rows).toEqual([
      { screen_id: 'scr-a', connected_at_ms: T0, disconnected_at_ms: T0 + 7 * 60_000, reason: 'closed' },
    ]);
    expect(sessionsOf(db, 'scr-b')).toEqual([]);
  });

  it('closes with "heartbeat_missed" a screen that stops answering, and a new hello opens a new row', async () => {
    const silent = connect(url, 'scr-a', false);
    await waitFor('session open', () => sessionsOf(db, 'scr-a').length === 1);
    app.playerGateway.heartbeat();
    app.playerGateway.heartbeat();
    // Two pings unanswered: the third beat, a minute later, drops the socket.
    clock.set(T0 + 60_000);
    app.playerGateway.heartbeat();
    await silent.closed;
    const rows = await waitFor('closed', () => {
      const r = sessionsOf(db, 'scr-a');
      return r[0]?.reason && r;
    });
    expect(rows).toEqual([
      {
        screen_id: 'scr-a',
        connected_at_ms: T0,
        disconnected_at_ms: T0 + 60_000,
        reason: 'heartbeat_missed',
      },
    ]);
    clock.set(T0 + 120_000);
    const back = connect(url, 'scr-a', true);
    await waitFor('second session', () => sessionsOf(db, 'scr-a').length === 2);
    expect(sessionsOf(db, 'scr-a')[1]).toEqual({
      screen_id: 'scr-a',
      connected_at_ms: T0 + 120_000,
      disconnected_at_ms: null,
      reason: null,
    });
    back.ws.close();
    await back.closed;
  });

  it('closes with "revoked" when the screen is revoked and "server_stopped" when the server shuts down', async () => {
    const a = connect(url, 'scr-a', true);
    const b = connect(url, 'scr-b', true);
    await waitFor(
      'both open',
      () => sessionsOf(db, 'scr-a').length === 1 && sessionsOf(db, 'scr-b').length === 1,
    );
    clock.set(T0 + 30_000);
    app.events.emit('screen-revoked', { screenId: 'scr-a' });
    await a.closed;
    await waitFor('revoked', () => sessionsOf(db, 'scr-a')[0]?.reason === 'revoked');
    expect(sessionsOf(db, 'scr-a')[0]!.disconnected_at_ms).toBe(T0 + 30_000);
    clock.set(T0 + 90_000);
    await app.close();
    stopped = true;
    expect(sessionsOf(db, 'scr-b')).toEqual([
      { screen_id: 'scr-b', connected_at_ms: T0, disconnected_at_ms: T0 + 90_000, reason: 'server_stopped' },
    ]);
    await b.closed;
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('a restart after the server was killed', () => {
  let child: ChildProcess | null = null;
  let dir = '';

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("closes the sessions the killed process left open at each screen's last contact", async () => {
    dir = mkdtempSync(join(tmpdir(), 'ihanoi-kill-'));
    const playlists = join(dir, 'playlists');
    mkdirSync(playlists);
    const seedClock = new VirtualClock(T0);
    const seeded = openDatabase(join(dir, 'signage.db'), seedClock).db;
    seedScreens(seeded, ['scr-a']);
    seeded.close();

    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/main.ts',
        '--data-dir',
        dir,
        '--playlists-dir',
        playlists,
        '--port',
        String(port),
        '--cron',
        'off',
        '--log-level',
        'silent',
        '--admin-password',
        'mat-khau-quan-tri-1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    await waitFor(`server listening (output: ${out})`, () => out.includes('Serving at'), 30_000, 50);

    const p = connect(`ws://127.0.0.1:${port}/ws/player`, 'scr-a', true);
    await waitFor('welcome', () => p.types.includes('welcome'));
    const exited = new Promise<void>((r) => child!.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    await p.closed;

    // The dead process could not close its row.
    const clock = new VirtualClock(T0 + 86_400_000);
    const db = openDatabase(join(dir, 'signage.db'), clock).db;
    try {
      const before = sessionsOf(db, 'scr-a');
      expect(before).toHaveLength(1);
      expect(before[0]!.disconnected_at_ms).toBeNull();
      const lastSeen = (
        db.prepare('SELECT last_seen_ms FROM screens WHERE id = ?').get('scr-a') as { last_seen_ms: number }
      ).last_seen_ms;
      expect(lastSeen).toBeGreaterThanOrEqual(before[0]!.connected_at_ms);

      const app = Fastify();
      await app.register(contextPlugin, { config: testConfig({ dataDir: dir }), db, clock });
      await app.register(playerGateway, { heartbeatMs: 60 });
      await app.ready();
      try {
        // Closed at the last contact, not at the restart's "now" a day later.
        expect(sessionsOf(db, 'scr-a')).toEqual([
          {
            screen_id: 'scr-a',
            connected_at_ms: before[0]!.connected_at_ms,
            disconnected_at_ms: lastSeen,
            reason: 'server_stopped',
          },
        ]);
      } finally {
        await app.close();
      }
    } finally {
      db.close();
    }
  }, 40_000);
});

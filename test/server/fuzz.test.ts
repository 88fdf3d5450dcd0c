/**
 * Hostile input is cheap and harmless: a seeded generator sends a few thousand WebSocket
 * frames (as a stranger and as an authenticated screen) and REST requests to every route of
 * the OpenAPI document (anonymous, auditor, manager). No answer may be a 5xx or an `internal`
 * protocol error, the server must still answer afterwards, and its memory must stay bounded.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runStartup } from '#server/startup.ts';
import { PLAYLISTS_DIR } from '../helpers/api.ts';
import { seedUser, T0 } from './ws/fixtures.ts';
import { frameText } from '#server/ws/frame-text.ts';

const SEED = 20240905;
const FRAMES = 1500;
const REQUESTS = 1000;

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const NASTY_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '2024-13-45T25:61:61+07:00',
  '0000-00-00T00:00:00Z',
  '9999-99-99T99:99:99+99:99',
  '2024-02-30T00:00:00Z',
  '../../etc/passwd',
  '%00',
  '%E0%A4%A',
  '\u0000',
  '\ud800',
  'Ω≈ç√∫˜µ≤≥÷',
  'Nguyễn Thị Lan',
  "'; DROP TABLE plays; --",
  '<script>alert(1)</script>',
  '=HYPERLINK("x")',
  'a'.repeat(300),
  'x'.repeat(70_000),
];
const KEYS = [
  'type',
  'v',
  'batchId',
  'records',
  'screenId',
  'token',
  'playId',
  'startedAt',
  'endedAt',
  'plannedAt',
  'seq',
  'hash',
  'code',
  'secret',
  'resume',
  'name',
  'username',
  'password',
  'role',
  'siteId',
  'from',
  'to',
  'targetPerDay',
  'playsPerDay',
  'scopes',
  '__proto__',
  'constructor',
];
const TYPES = ['hello', 'pair_request', 'enrol', 'pull', 'pong', 'status', 'plays', 'welcome', 'nope'];

function value(r: Rng, depth: number): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0:
      return r.pick(NASTY_STRINGS);
    case 1:
      return r.pick([0, -1, 1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE]);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.pick(TYPES);
    case 4:
      return r.int(10_000_000_000_000);
    case 5:
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(6); i > 0; i--) o[r.pick(KEYS)] = value(r, depth + 1);
      return o;
    }
    default:
      return Array.from({ length: r.int(5) }, () => value(r, depth + 1));
  }
}

function frame(r: Rng): string | Buffer {
  switch (r.int(10)) {
    case 0:
      return r.pick(NASTY_STRINGS);
    case 1:
      return '['.repeat(1 + r.int(5000)) + ']'.repeat(r.int(5000));
    case 2:
      return Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256)));
    case 3:
      return JSON.stringify(value(r, 0)).slice(0, r.int(200));
    default: {
      const m = value(r, 1);
      const msg = m && typeof m === 'object' && !Array.isArray(m) ? m : {};
      return JSON.stringify({ ...msg, type: r.pick(TYPES), v: r.pick([1, 1, 1, 2, '1', null]) });
    }
  }
}

/** Percent-encodes, sending a lone surrogate as the raw (invalid UTF-8) bytes it would be. */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
}

let t: TestServer;
let screenToken: string;
beforeAll(async () => {
  t = await startTestServer({
    config: { playlistsDir: PLAYLISTS_DIR, wsHandshakeTimeoutMs: 60_000, wsMaxStrangersPerAddress: 1000 },
  });
  // The real campaign, regions, sites and screens, as a first start loads them.
  await runStartup(t.app, () => {});
  const site = (t.db.prepare('SELECT id FROM sites ORDER BY id LIMIT 1').get() as { id: string }).id;
  screenToken = randomToken();
  t.db
    .prepare(
      `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES ('scr-fuzz', ?, 'Fuzz', 'offline', ?, ?)`,
    )
    .run(site, hashToken(screenToken), T0);
});
afterAll(async () => {
  await t.close();
});

function socket(): Promise<{ ws: WebSocket; got: Record<string, unknown>[] }> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws/player`);
  const got: Record<string, unknown>[] = [];
  ws.on('message', (d) => got.push(JSON.parse(frameText(d)) as Record<string, unknown>));
  ws.on('error', () => {});
  return new Promise((resolve) => ws.once('open', () => resolve({ ws, got })));
}

/** Sends a frame and waits until the server has handled it (a pull/pong round trip or a close). */
async function roundTrip(ws: WebSocket, data: string | Buffer): Promise<void> {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(data);
  await new Promise<void>((resolve) => {
    const done = () => {
      ws.off('message', done);
      ws.off('close', done);
      resolve();
    };
    ws.on('message', done);
    ws.on('close', done);
    // A frame the server answers nothing to (a valid pong) still gets the next ping-free reply:
    ws.send(JSON.stringify({ v: 1, type: 'nope' }));
  });
}

it('a few thousand hostile frames and REST requests: no 5xx, no crash, bounded memory', async () => {
  const r = prng(SEED);
  const rssBefore = process.memoryUsage().rss;
  const internal: unknown[] = [];

  // --- WebSocket frames: half from strangers, half after a real hello. A socket the server
  // rightly closes (a wrong version, a stranger over its limit) is replaced by a new one.
  const hello = async () => {
    const c = await socket();
    c.ws.send(
      JSON.stringify({
        v: 1,
        type: 'hello',
        screenId: 'scr-fuzz',
        token: screenToken,
        playerVersion: 'f',
        cachedMedia: [],
        clock: T0,
      }),
    );
    // The welcome, whatever else comes first: the server's real heartbeat may ping the socket
    // as soon as it knows the screen (a 30 s tick can fall inside this test's run).
    await new Promise<void>((resolve, reject) => {
      const seen = () => {
        if (c.got.some((m) => m.type === 'welcome')) resolve();
        else if (c.got.some((m) => m.type === 'error')) reject(new Error(JSON.stringify(c.got)));
        else c.ws.once('message', seen);
      };
      c.ws.once('message', seen);
    });
    expect(c.got.filter((m) => m.type !== 'ping')[0]).toMatchObject({ type: 'welcome' });
    return c;
  };
  let stranger = await socket();
  let authed = await hello();
  const collect = (c: { got: Record<string, unknown>[] }) =>
    internal.push(...c.got.filter((m) => m.code === 'internal'));
  for (let i = 0; i < FRAMES; i++) {
    if (i % 2 === 1) {
      if (authed.ws.readyState !== WebSocket.OPEN) {
        collect(authed);
        authed = await hello();
      }
      await roundTrip(authed.ws, frame(r));
    } else {
      if (stranger.ws.readyState !== WebSocket.OPEN) {
        collect(stranger);
        stranger = await socket();
      }
      await roundTrip(stranger.ws, frame(r));
    }
  }
  collect(stranger);
  collect(authed);
  expect(internal).toEqual([]);
  stranger.ws.terminate();
  authed.ws.terminate();

  // --- REST: every route of the OpenAPI document, random params, queries and bodies.
  const doc = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const routes: { method: string; path: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const method of Object.keys(ops))
      if (!['/api/v1/auth/logout'].includes(path)) routes.push({ method: method.toUpperCase(), path });
  expect(routes.length).toBeGreaterThan(20);
  const tokens = [
    null,
    seedUser(t.db, 'auditor', []).token,
    seedUser(t.db, 'campaign_manager', []).token,
    seedUser(t.db, 'venue_staff', [(t.db.prepare('SELECT id FROM sites LIMIT 1').get() as { id: string }).id])
      .token,
  ];
  const fivexx: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const route = r.pick(routes);
    const path = route.path.replace(/\{[^}]+\}/g, () => enc(r.pick(NASTY_STRINGS).slice(0, 200)));
    const query = r.int(2)
      ? '?' +
        Array.from(
          { length: 1 + r.int(3) },
          () => `${r.pick(KEYS)}=${enc((JSON.stringify(value(r, 3)) as string | undefined) ?? '')}`,
        ).join('&')
      : '';
    const token = r.pick(tokens);
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (route.method !== 'GET' && route.method !== 'HEAD') {
      headers['content-type'] = r.pick(['application/json', 'application/json', 'text/plain', 'video/mp4']);
      body = r.int(5) ? JSON.stringify(value(r, 0)) : r.pick(NASTY_STRINGS);
    }
    const res = await fetch(`${t.url}${path}${query}`, { method: route.method, headers, body: body ?? null });
    await res.arrayBuffer();
    if (res.status >= 500) fivexx.push(`${route.method} ${path}${query} -> ${res.status}`);
  }
  expect(fivexx).toEqual([]);

  // Still alive and well.
  const health = await fetch(`${t.url}/api/v1/health`);
  expect(await health.json()).toEqual({ status: 'ok' });
  const grown = process.memoryUsage().rss - rssBefore;
  expect(grown).toBeLessThan(300 * 1024 * 1024);
}, 240_000);

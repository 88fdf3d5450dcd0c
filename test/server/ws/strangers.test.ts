/**
 * Strangers are cut off: sockets that never introduce themselves, HTTP connections whose
 * headers or body stall or that idle on keep-alive, too many unauthenticated sockets from one
 * address or in all, and a flood of malformed frames. Timeouts and caps are configuration, set
 * small here so each case ends in milliseconds; every wait is on the event that proves it.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { frameText } from '#server/ws/frame-text.ts';

let server: TestServer | null = null;
const sockets: (WebSocket | Socket)[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) {
    if (s instanceof WebSocket) s.terminate();
    else s.destroy();
  }
  await server?.close();
  server = null;
});

async function start(config: NonNullable<Parameters<typeof startTestServer>[0]>['config']) {
  server = await startTestServer({ config });
  return server;
}

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/player`);
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.on('error', () => {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the HTTP status of a refused upgrade, and its body. */
function refused(url: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/player`);
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.on('error', () => {});
    ws.once('open', () => reject(new Error('the socket was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );

function raw(url: string): Socket {
  const { port } = new URL(url);
  const s = connect(Number(port), '127.0.0.1');
  sockets.push(s);
  return s;
}
const ended = (s: Socket) => new Promise<void>((resolve) => s.once('close', () => resolve()));

describe('unauthenticated player sockets', () => {
  it('a socket that never says hello, pair_request or enrol is closed', async () => {
    const { url } = await start({ wsHandshakeTimeoutMs: 100 });
    const ws = await open(url);
    expect(await closed(ws)).toEqual({ code: 4008, reason: 'no hello' });
  });

  it('a socket that said hello is not cut by the handshake timer', async () => {
    const { url } = await start({ wsHandshakeTimeoutMs: 2000, wsWelcomeTimeoutMs: 60_000 });
    const ws = await open(url);
    const first = new Promise<Record<string, unknown>>((r) =>
      ws.once('message', (d) => r(JSON.parse(frameText(d)) as Record<string, unknown>)),
    );
    ws.send(JSON.stringify({ v: 1, type: 'pair_request', playerVersion: 't' }));
    expect(await first).toMatchObject({ type: 'pairing' });
    // A second stranger that stays silent is cut; the pairing one is still open after that.
    const silent = await open(url);
    await closed(silent);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('caps unauthenticated sockets per address, with a clear error, and frees the slot on close', async () => {
    const { url } = await start({ wsMaxStrangersPerAddress: 3, wsHandshakeTimeoutMs: 60_000 });
    const held = [await open(url), await open(url), await open(url)];
    const no = await refused(url);
    expect(no.status).toBe(503);
    expect(JSON.parse(no.body)).toMatchObject({
      code: 'RATE_LIMITED',
      detail: expect.stringMatching(/ \/ /),
    });
    const gone = closed(held[0]!);
    held[0]!.close();
    await gone;
    // The server saw the close before it answers the next upgrade on the same loop turn order.
    await expect(open(url)).resolves.toBeInstanceOf(WebSocket);
  });

  it('caps unauthenticated sockets in total', async () => {
    const { url } = await start({
      wsMaxStrangers: 2,
      wsMaxStrangersPerAddress: 100,
      wsHandshakeTimeoutMs: 60_000,
    });
    await open(url);
    await open(url);
    expect((await refused(url)).status).toBe(503);
  });

  it('a stranger sending malformed frames is refused cheaply, then cut off', async () => {
    const { url } = await start({ wsHandshakeTimeoutMs: 60_000 });
    const ws = await open(url);
    const got: Record<string, unknown>[] = [];
    ws.on('message', (d) => got.push(JSON.parse(frameText(d)) as Record<string, unknown>));
    const end = closed(ws);
    // Deep nesting is refused before JSON.parse builds it.
    ws.send('['.repeat(20_000) + ']'.repeat(20_000));
    for (let i = 0; i < 20 && ws.readyState === WebSocket.OPEN; i++) ws.send('{not json');
    await end;
    expect(got[0]).toMatchObject({
      type: 'error',
      code: 'bad_message',
      message: expect.stringMatching(/deeper/),
    });
    expect(got.at(-1)).toMatchObject({ type: 'error', code: 'rate_limited', fatal: true });
    expect(got.filter((m) => m.code === 'bad_message').length).toBeLessThanOrEqual(10);
  });

  it('a frame before hello may not be large', async () => {
    const { url } = await start({ wsHandshakeTimeoutMs: 60_000 });
    const ws = await open(url);
    const first = new Promise<Record<string, unknown>>((r) =>
      ws.once('message', (d) => r(JSON.parse(frameText(d)) as Record<string, unknown>)),
    );
    ws.send(JSON.stringify({ v: 1, type: 'pair_request', playerVersion: 'x'.repeat(100_000) }));
    expect(await first).toMatchObject({ type: 'error', code: 'bad_message' });
  });
});

describe('HTTP connections that stall', () => {
  it('half-sent headers are cut', async () => {
    const { url } = await start({ httpIdleTimeoutMs: 200 });
    const s = raw(url);
    s.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n');
    await ended(s);
  });

  it('a body that stops arriving is cut', async () => {
    const { url } = await start({ httpIdleTimeoutMs: 200 });
    const s = raw(url);
    s.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"user',
    );
    await ended(s);
  });

  it('an idle keep-alive connection is closed', async () => {
    const { url } = await start({ httpKeepAliveTimeoutMs: 100, httpIdleTimeoutMs: 60_000 });
    const s = raw(url);
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    await ended(s);
    expect(answer).toMatch(/^HTTP\/1.1 200/);
  });
});

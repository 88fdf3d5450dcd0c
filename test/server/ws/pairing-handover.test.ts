/**
 * A pairing credential sent into a socket that died silently is not lost (issue 12, item 8).
 * The player talks through a loopback TCP relay that can go silent: it stops forwarding in both
 * directions without closing anything, as a dropped Wi-Fi link or a sleeping NAT does, and
 * keeps what the server sent into the void so the test can compare credentials.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from '#server/ws/frame-text.ts';
import { hashToken } from '#server/auth/passwords.ts';
import {
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  stopServerAndRemoveDirs,
  waitFor,
  type RestartableServer,
} from './fixtures.ts';

type Msg = Record<string, unknown> & { type: string };

/** A TCP relay to the server that can stop forwarding without closing either side. */
class SilentRelay {
  private readonly server: Server;
  private readonly sockets: Socket[] = [];
  silent = false;
  /** Bytes the server sent after the relay went silent. */
  swallowed = Buffer.alloc(0);
  port = 0;

  constructor(target: number) {
    this.server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1');
      this.sockets.push(client, upstream);
      client.on('data', (d) => {
        if (!this.silent) upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (this.silent) this.swallowed = Buffer.concat([this.swallowed, d]);
        else client.write(d);
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

/** The text payloads of the unmasked server frames in `buf` (enough of RFC 6455 for JSON). */
function textFrames(buf: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    let len = buf[i + 1]! & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = buf.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    if (at + len > buf.length) break;
    if ((buf[i]! & 0x0f) === 1) out.push(buf.subarray(at, at + len).toString('utf8'));
    i = at + len;
  }
  return out;
}

class Client {
  readonly ws: WebSocket;
  private readonly inbox: Msg[] = [];
  private readonly waiters: Array<() => void> = [];
  closed = false;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d) => {
      this.inbox.push(JSON.parse(frameText(d)) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
    this.ws.on('close', () => (this.closed = true));
  }
  opened(): Promise<void> {
    return new Promise((r) => this.ws.once('open', () => r()));
  }
  send(m: object): void {
    this.ws.send(JSON.stringify({ v: 1, ...m }));
  }
  /** The next message of this type (pings are skipped). */
  async next(type: string): Promise<Msg> {
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type || (m.type !== 'ping' && type === '*'));
      if (i >= 0) return this.inbox.splice(i, 1)[0]!;
      const other = this.inbox.find((m) => m.type !== 'ping');
      if (other) throw new Error(`expected ${type}, got ${JSON.stringify(other)}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}

let server: RestartableServer;
let playerDir: string;
let relay: SilentRelay;
const clients: Client[] = [];

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
  seedSite(server.db!, 'ubnd-bach-khoa');
  relay = new SilentRelay(server.port);
  await relay.listen();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await relay.close();
  await stopServerAndRemoveDirs(server, playerDir);
});

async function client(port: number): Promise<Client> {
  const c = new Client(`ws://127.0.0.1:${port}/ws/player`);
  clients.push(c);
  await c.opened();
  return c;
}

async function claim(token: string, body: object) {
  const res = await fetch(`${server.url}/api/v1/pairing/claim`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const screenRow = (id: string) =>
  server.db!.prepare('SELECT status, token_hash, paired_at_ms FROM screens WHERE id = ?').get(id) as {
    status: string;
    token_hash: string | null;
    paired_at_ms: number | null;
  };

/** Pairs through the relay, then the link goes silent and staff claim the code. */
async function claimIntoDeadSocket(staffToken: string) {
  const first = await client(relay.port);
  first.send({ type: 'pair_request', playerVersion: 't' });
  const pairing = await first.next('pairing');
  relay.silent = true;
  const res = await claim(staffToken, {
    code: pairing.code,
    siteId: 'ubnd-bach-khoa',
    screenName: 'Sảnh một cửa',
  });
  expect(res.status).toBe(201);
  const screenId = res.body.screenId as string;
  // The server wrote the credential into the socket; nothing reached the player.
  const lost = await waitFor('the paired frame to vanish into the silent link', () =>
    textFrames(relay.swallowed)
      .map((t) => JSON.parse(t) as Msg)
      .find((m) => m.type === 'paired'),
  );
  expect(lost.screenId).toBe(screenId);
  return { pairing, screenId, lostToken: lost.token as string };
}

describe('pairing credential hand-over', () => {
  it('a credential sent into a silently dead socket is sent again on resume, and the screen is online only between hello and close', async () => {
    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    const { pairing, screenId, lostToken } = await claimIntoDeadSocket(staff.token);

    // Not delivered: the screen has no credential yet and is not shown online.
    expect(screenRow(screenId)).toMatchObject({ token_hash: null, paired_at_ms: null });
    expect(screenRow(screenId).status).not.toBe('online');

    // The player reconnects (straight to the server now) and resumes its code.
    const back = await client(server.port);
    back.send({
      type: 'pair_request',
      playerVersion: 't',
      resume: { code: pairing.code, secret: pairing.secret },
    });
    const paired = await back.next('paired');
    expect(paired).toMatchObject({ screenId, token: lostToken });
    expect(screenRow(screenId).status).not.toBe('online');

    // A resume with the wrong secret gets nothing of it.
    const stranger = await client(server.port);
    stranger.send({
      type: 'pair_request',
      playerVersion: 't',
      resume: { code: pairing.code, secret: 'not-the-secret-not-the-secret-xx' },
    });
    const other = await stranger.next('*');
    expect(other.type).toBe('pairing');
    expect(other.code).not.toBe(pairing.code);

    // Hello with it delivers it: now the screen holds the hash and is online.
    back.send({
      type: 'hello',
      screenId,
      token: lostToken,
      playerVersion: 't',
      cachedMedia: [],
      clock: server.clock.now(),
      planVersion: 0,
    });
    await back.next('welcome');
    expect(screenRow(screenId)).toMatchObject({
      token_hash: hashToken(lostToken),
      paired_at_ms: server.clock.now(),
    });
    await waitFor('online after hello', () => screenRow(screenId).status === 'online');
    const code = server
      .db!.prepare('SELECT delivered_at_ms, pending_token_box FROM pairing_codes WHERE code = ?')
      .get(pairing.code);
    expect(code).toEqual({ delivered_at_ms: server.clock.now(), pending_token_box: null });

    // Delivered now: a resume of the spent code no longer hands out the credential.
    const late = await client(server.port);
    late.send({
      type: 'pair_request',
      playerVersion: 't',
      resume: { code: pairing.code, secret: pairing.secret },
    });
    expect((await late.next('*')).type).toBe('pairing');

    back.ws.close();
    await waitFor('offline after close', () => screenRow(screenId).status === 'offline');
  });

  it('a player that lost its code is paired again under the same screen name (no 409), and the lost credential is void', async () => {
    const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
    const { screenId, lostToken } = await claimIntoDeadSocket(staff.token);

    // The player restarted without its pairing.json: it asks for a fresh code.
    const fresh = await client(server.port);
    fresh.send({ type: 'pair_request', playerVersion: 't' });
    const pairing = await fresh.next('pairing');
    const again = await claim(staff.token, {
      code: pairing.code,
      siteId: 'ubnd-bach-khoa',
      screenName: 'Sảnh một cửa',
    });
    expect(again).toMatchObject({ status: 201, body: { screenId, existing: true } });
    const paired = await fresh.next('paired');
    expect(paired.token).not.toBe(lostToken);

    // The credential that never arrived cannot be used later.
    const ghost = await client(server.port);
    ghost.send({
      type: 'hello',
      screenId,
      token: lostToken,
      playerVersion: 't',
      cachedMedia: [],
      clock: server.clock.now(),
      planVersion: 0,
    });
    expect(await ghost.next('error')).toMatchObject({ code: 'unauthenticated', fatal: true });

    fresh.send({
      type: 'hello',
      screenId,
      token: paired.token,
      playerVersion: 't',
      cachedMedia: [],
      clock: server.clock.now(),
      planVersion: 0,
    });
    await fresh.next('welcome');
    expect(screenRow(screenId).token_hash).toBe(hashToken(paired.token as string));
  });
});

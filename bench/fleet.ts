/**
 * A fleet of simulated players in a child process (so they do not share the server's event
 * loop), driven over IPC by bench/push.ts and bench/reconnect.ts. Each player is a bare
 * protocol client: what matters here is the server's side.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import { backoffDelayMs, GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { hashRecord } from '#player/core/journal.ts';
import { frameText } from '#server/ws/frame-text.ts';

type Cred = { screenId: string; token: string };
type Cmd =
  | { cmd: 'players'; url: string; creds: Cred[] }
  | { cmd: 'raw'; url: string; n: number }
  | { cmd: 'sio'; url: string; n: number }
  | { cmd: 'arm'; fleet: 'players' | 'raw' | 'sio'; version?: number }
  | {
      cmd: 'storm-prepare';
      creds: Cred[];
      plays: number;
      campaignId: string;
      sha256: string;
      start: number;
      stepMs: number;
    }
  | { cmd: 'storm'; url: string }
  | { cmd: 'close' };

const send = (m: object) => process.send!(m);
let sockets: { close(): void }[] = [];

/** Opens `n` connections with at most `parallel` handshakes at a time. */
async function openAll<T>(n: number, parallel: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await open(i);
      }
    }),
  );
  return out;
}

/**
 * What each connected fleet counts: after `arm`, a run is done when every client has received
 * (and parsed, as a real client must) the message; for our players, a plan of the armed version.
 */
const armed = {
  players: { n: 0, got: 0, version: 0, on: false },
  raw: { n: 0, got: 0, version: 0, on: false },
  sio: { n: 0, got: 0, version: 0, on: false },
};
function received(fleet: keyof typeof armed): void {
  const a = armed[fleet];
  if (a.on && ++a.got === a.n) {
    a.on = false;
    send({ ev: 'done' });
  }
}

function players(url: string, creds: Cred[]): void {
  armed.players.n = creds.length;
  const wsUrl = url.replace(/^http/, 'ws') + '/ws/player';
  void openAll(
    creds.length,
    200,
    (i) =>
      new Promise<void>((resolve, reject) => {
        const c = creds[i]!;
        const ws = new WebSocket(wsUrl);
        sockets.push(ws);
        let have = 0;
        ws.on('open', () =>
          ws.send(
            JSON.stringify({
              type: 'hello',
              v: 1,
              screenId: c.screenId,
              token: c.token,
              playerVersion: 'bench',
              cachedMedia: [],
              clock: 0,
              planVersion: 0,
              features: ['plan_push'],
            }),
          ),
        );
        ws.on('error', reject);
        ws.on('message', (data) => {
          const m = JSON.parse(frameText(data)) as { type: string; version?: number };
          if (m.type === 'welcome') resolve();
          else if (m.type === 'plan_changed' && (m.version ?? 0) > have) {
            ws.send('{"type":"pull","v":1}');
          } else if (m.type === 'plan' && (m.version ?? 0) > have) {
            have = m.version ?? 0;
            if (have >= armed.players.version) received('players');
          }
        });
      }),
  ).then(() => send({ ev: 'ready' }));
}

function raw(url: string, n: number): void {
  armed.raw.n = n;
  void openAll(
    n,
    200,
    () =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url);
        sockets.push(ws);
        ws.on('open', () => resolve());
        ws.on('error', reject);
        ws.on('message', (data) => {
          // Parsed like a plan, so the client does the same work as ours.
          const m = JSON.parse(frameText(data)) as { type: string };
          if (m.type === 'plan') received('raw');
        });
      }),
  ).then(() => send({ ev: 'ready' }));
}

function sio(url: string, n: number): void {
  armed.sio.n = n;
  void openAll(
    n,
    200,
    () =>
      new Promise<void>((resolve, reject) => {
        const s: Socket = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(s);
        s.on('connect', () => resolve());
        s.on('connect_error', reject);
        s.on('plan', (payload: string) => {
          const m = JSON.parse(payload) as { type: string };
          if (m.type === 'plan') received('sio');
        });
      }),
  ).then(() => send({ ev: 'ready' }));
}

let storm: { cred: Cred; batch: string }[] = [];

function stormPrepare(c: Extract<Cmd, { cmd: 'storm-prepare' }>): void {
  storm = c.creds.map((cred) => {
    const records: PlayRecord[] = [];
    let prev = GENESIS_HASH;
    for (let i = 1; i <= c.plays; i++) {
      const t = c.start + (i - 1) * c.stepMs;
      const body = {
        playId: randomUUID(),
        screenId: cred.screenId,
        campaignId: c.campaignId,
        mediaSha256: c.sha256,
        // Unplanned plays of the campaign on a day the screen has its plan (the ingest rules
        // accept them); the server's own plan item ids are not known to this bare client.
        planItemId: null,
        plannedAt: new Date(t).toISOString(),
        startedAt: new Date(t + 40).toISOString(),
        endedAt: new Date(t + 30_040).toISOString(),
        secondsShown: 30,
        outcome: 'completed' as const,
        reason: null,
        playerVersion: 'bench',
        seq: i,
        prevHash: prev,
      };
      prev = hashRecord(body);
      records.push({ ...body, hash: prev });
    }
    return { cred, batch: JSON.stringify({ type: 'plays', v: 1, batchId: randomUUID(), records }) };
  });
  send({ ev: 'ready' });
}

function stormRun(url: string): void {
  let acked = 0;
  let retries = 0;
  // Why each retried connection ended, by close code and reason ("1006" when it was cut).
  const why: Record<string, number> = {};
  const wsUrl = url.replace(/^http/, 'ws') + '/ws/player';
  // Everyone reconnects at once (after a server restart). A refused or reset connection retries
  // the way a real player does: exponential backoff with full jitter.
  const attempt = (i: number, n: number, opened: () => void): void => {
    const { cred, batch } = storm[i]!;
    const ws = new WebSocket(wsUrl);
    let done = false;
    let signalled = false;
    const signal = () => {
      if (!signalled) {
        signalled = true;
        opened();
      }
    };
    ws.on('open', () => {
      ws.send(
        JSON.stringify({
          type: 'hello',
          v: 1,
          screenId: cred.screenId,
          token: cred.token,
          playerVersion: 'bench',
          cachedMedia: [],
          clock: 0,
          planVersion: 0,
        }),
      );
      signal();
    });
    // The error that came before a close says why a cut connection (1006) was cut.
    let error = '';
    ws.on('error', (err) => {
      error = err.message;
    });
    ws.on('close', (code, reason) => {
      if (done) return;
      signal();
      retries++;
      const key = `${code}${reason.length ? ` ${reason.toString()}` : ''}${error ? ` (${error})` : ''}`;
      why[key] = (why[key] ?? 0) + 1;
      setTimeout(() => attempt(i, n + 1, () => {}), backoffDelayMs(n, Math.random(), 100, 5000));
    });
    ws.on('message', (data) => {
      const m = JSON.parse(frameText(data)) as { type: string; serverTime?: number };
      if (m.type === 'welcome') ws.send(batch);
      // Alive while it waits for the ack, as a real player is.
      else if (m.type === 'ping')
        ws.send(JSON.stringify({ type: 'pong', v: 1, serverTime: m.serverTime, clock: 0 }));
      else if (m.type === 'plays_ack') {
        done = true;
        ws.close();
        if (++acked === storm.length) send({ ev: 'done', retries, why });
      }
    });
  };
  void openAll(storm.length, 1000, (i) => new Promise<void>((resolve) => attempt(i, 0, resolve)));
}

// bench/main.ts imports every bench file looking for run(); only a forked fleet has a parent.
if (process.send) startFleet();

function startFleet(): void {
  process.on('message', (c: Cmd) => {
    try {
      if (c.cmd === 'players') players(c.url, c.creds);
      else if (c.cmd === 'arm') {
        const a = armed[c.fleet];
        a.got = 0;
        a.version = c.version ?? 0;
        a.on = true;
        send({ ev: 'armed' });
      } else if (c.cmd === 'raw') raw(c.url, c.n);
      else if (c.cmd === 'sio') sio(c.url, c.n);
      else if (c.cmd === 'storm-prepare') stormPrepare(c);
      else if (c.cmd === 'storm') stormRun(c.url);
      else {
        // 'close'
        for (const s of sockets) s.close();
        sockets = [];
        send({ ev: 'closed' });
      }
    } catch (err) {
      send({ ev: 'error', message: (err as Error).message });
    }
  });
  process.on('unhandledRejection', (err) => send({ ev: 'error', message: String(err) }));
  send({ ev: 'up' });
}

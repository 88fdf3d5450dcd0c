/**
 * A server that goes silent without closing the TCP connection (a half-open socket after a
 * network change): the player must notice after 2.5 heartbeats and reconnect on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { VirtualClock } from '#shared/clock.ts';
import { startPlayerCore, type PlayerCore, FileCredentialStore } from '#player/core/index.ts';
import { T0, waitFor } from '../../server/ws/fixtures.ts';
import { frameText } from '#player/core/frame-text.ts';

let core: PlayerCore | null = null;
let wss: WebSocketServer | null = null;
let dir = '';

afterEach(async () => {
  await core?.stop();
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(null)));
  rmSync(dir, { recursive: true, force: true });
});

it('reconnects when the server stops talking but the socket stays open', async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws/player' });
  await new Promise((r) => wss!.once('listening', r));
  const connections: number[] = [];
  const hellos: string[] = [];
  wss.on('connection', (ws) => {
    connections.push(connections.length);
    ws.on('message', (d) => {
      const m = JSON.parse(frameText(d)) as { type: string; screenId?: string };
      if (m.type !== 'hello') return;
      hellos.push(m.screenId!);
      // Welcome with a 50 ms heartbeat, then silence: no pings, no close.
      ws.send(
        JSON.stringify({
          type: 'welcome',
          v: 1,
          screenId: m.screenId,
          serverTime: T0,
          planVersion: 0,
          heartbeatMs: 50,
          lastSeq: 0,
        }),
      );
    });
  });
  dir = mkdtempSync(join(tmpdir(), 'ihanoi-watchdog-'));
  const credentials = new FileCredentialStore(dir);
  await credentials.save({ screenId: 'scr-w', token: 'a-token-of-enough-length', serverUrl: 'x' });
  core = await startPlayerCore({
    serverUrl: `http://127.0.0.1:${(wss.address() as { port: number }).port}`,
    dataDir: dir,
    clock: new VirtualClock(T0),
    credentials,
    log: () => {},
    tickMs: 20,
    backoff: { baseMs: 20, capMs: 50 },
  });
  await waitFor('three connections', () => connections.length >= 3, 15_000);
  expect(hellos.slice(0, 3)).toEqual(['scr-w', 'scr-w', 'scr-w']);
  // The silent sockets were dropped by the player, not left dangling.
  await waitFor('old sockets closed', () => wss!.clients.size <= 1, 10_000);
});

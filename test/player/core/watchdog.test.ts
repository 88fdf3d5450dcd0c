/**
 * A server that goes silent without closing the TCP connection (a half-open socket after a
 * network change): the player must notice after 2.5 heartbeats and reconnect on its own.
 *
 * The silence watchdog runs on timers the test fires by hand: the test checks the length the
 * player armed it with (2.5 × the heartbeat the server announced), that every message from the
 * server re-arms it, and what the player does when it fires. No real heartbeat is waited for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { VirtualClock } from '#shared/clock.ts';
import { startPlayerCore, type PlayerCore, FileCredentialStore } from '#player/core/index.ts';
import type { WatchdogTimers } from '#player/core/server-link.ts';
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

/** Timers that only fire when the test says so. */
class ManualTimers implements WatchdogTimers {
  private next = 0;
  readonly armed = new Map<number, { fire: () => void; ms: number }>();

  set(fire: () => void, ms: number): number {
    const id = ++this.next;
    this.armed.set(id, { fire, ms });
    return id;
  }

  clear(handle: unknown): void {
    this.armed.delete(handle as number);
  }

  /** The one watchdog armed now (the link keeps at most one). */
  only(): { id: number; ms: number } | undefined {
    const all = [...this.armed].map(([id, t]) => ({ id, ms: t.ms }));
    return all.length === 1 ? all[0] : undefined;
  }

  fire(id: number): void {
    const t = this.armed.get(id);
    if (!t) throw new Error(`timer ${id} is not armed`);
    this.armed.delete(id);
    t.fire();
  }
}

// Not the protocol's default interval, so the test sees the welcome's value taking effect.
const HEARTBEAT_MS = 12_000;

it('reconnects when the server stops talking but the socket stays open', async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws/player' });
  await new Promise((r) => wss!.once('listening', r));
  const sockets: WebSocket[] = [];
  const hellos: string[] = [];
  const closed: number[] = [];
  wss.on('connection', (ws) => {
    const n = sockets.push(ws) - 1;
    ws.on('close', () => closed.push(n));
    ws.on('message', (d) => {
      const m = JSON.parse(frameText(d)) as { type: string; screenId?: string };
      if (m.type !== 'hello') return;
      hellos.push(m.screenId!);
      // Welcome with a heartbeat, then silence: no pings, no close.
      ws.send(
        JSON.stringify({
          type: 'welcome',
          v: 1,
          screenId: m.screenId,
          serverTime: T0,
          planVersion: 0,
          heartbeatMs: HEARTBEAT_MS,
          lastSeq: 0,
        }),
      );
    });
  });
  dir = mkdtempSync(join(tmpdir(), 'ihanoi-watchdog-'));
  const credentials = new FileCredentialStore(dir);
  await credentials.save({ screenId: 'scr-w', token: 'a-token-of-enough-length', serverUrl: 'x' });
  const timers = new ManualTimers();
  core = await startPlayerCore({
    serverUrl: `http://127.0.0.1:${(wss.address() as { port: number }).port}`,
    dataDir: dir,
    clock: new VirtualClock(T0),
    credentials,
    log: () => {},
    tickMs: 20,
    backoff: { baseMs: 20, capMs: 50 },
    watchdogTimers: timers,
  });

  // Welcomed: the watchdog is armed for 2.5 heartbeats of the server's announced interval.
  const armed = await waitFor('the watchdog armed after the welcome', () =>
    timers.only()?.ms === HEARTBEAT_MS * 2.5 ? timers.only() : undefined,
  );
  expect(hellos).toEqual(['scr-w']);

  // Any message from the server re-arms it: the old timer is cleared, a new one set.
  sockets[0]!.send(JSON.stringify({ type: 'ping', v: 1, serverTime: T0 }));
  const rearmed = await waitFor('the watchdog re-armed by a ping', () =>
    timers.only() && timers.only()!.id !== armed.id ? timers.only() : undefined,
  );
  expect(rearmed.ms).toBe(HEARTBEAT_MS * 2.5);
  expect(sockets).toHaveLength(1);
  expect(closed).toEqual([]);

  // 2.5 heartbeats of silence: the player drops the socket itself and connects again.
  timers.fire(rearmed.id);
  await waitFor('the silent socket closed', () => closed.includes(0));
  await waitFor('a second hello', () => hellos.length >= 2);
  expect(hellos).toEqual(['scr-w', 'scr-w']);
  await waitFor('the watchdog armed on the new socket', () =>
    timers.only()?.ms === HEARTBEAT_MS * 2.5 ? timers.only() : undefined,
  );
  // The silent socket was dropped by the player, not left dangling.
  expect(wss.clients.size).toBe(1);
}, 20_000);

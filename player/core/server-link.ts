/**
 * The player's WebSocket to its server: reconnects forever with exponential backoff and full
 * jitter, and treats the server as gone when nothing (not even a ping) arrived for a few
 * heartbeat intervals, since a half-open TCP connection can look alive for hours.
 */
import WebSocket from 'ws';
import {
  backoffDelayMs,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_MISSES_OFFLINE,
  PLAYER_WS_PATH,
  PROTOCOL_VERSION,
  ServerMessage,
  type PlayerMessageInput,
} from '#shared/schemas/protocol.ts';
import type { Log } from './cache.ts';
import { frameText } from './frame-text.ts';

/**
 * The timer the silence watchdog runs on. Real timers by default; tests pass timers they fire
 * by hand, so "the server went quiet for 2.5 heartbeats" is a step of the test, not a race with
 * a real heartbeat on a loaded machine.
 */
export interface WatchdogTimers {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: WatchdogTimers = {
  set: (fire, ms) => setTimeout(fire, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface LinkOptions {
  serverUrl: string;
  log: Log;
  watchdogTimers?: WatchdogTimers | undefined;
  backoffBaseMs?: number | undefined;
  backoffCapMs?: number | undefined;
  onOpen(): void;
  onMessage(msg: ServerMessage): void;
  onClose(): void;
}

type Outgoing = {
  [K in PlayerMessageInput['type']]: Omit<Extract<PlayerMessageInput, { type: K }>, 'v'>;
}[PlayerMessageInput['type']];

export class ServerLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: unknown = null;
  private readonly timers: WatchdogTimers;
  private stopped = false;
  private heartbeatMs = HEARTBEAT_INTERVAL_MS;
  private open = false;

  constructor(private readonly o: LinkOptions) {
    this.timers = o.watchdogTimers ?? realTimers;
  }

  get connected(): boolean {
    return this.open;
  }

  start(): void {
    this.connect();
  }

  setHeartbeat(ms: number): void {
    this.heartbeatMs = ms;
    this.feed();
  }

  send(msg: Outgoing): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ ...msg, v: PROTOCOL_VERSION }));
    return true;
  }

  /** Drops the connection now (the next attempt follows the backoff). */
  drop(): void {
    this.ws?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = new URL(PLAYER_WS_PATH, this.o.serverUrl.replace(/^http/, 'ws'));
    const ws = new WebSocket(url, { handshakeTimeout: 10_000, maxPayload: 16 * 1024 * 1024 });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.open = true;
      this.feed();
      this.o.onOpen();
    });
    ws.on('message', (data) => {
      this.feed();
      let msg: ServerMessage;
      try {
        const parsed = ServerMessage.safeParse(JSON.parse(frameText(data)));
        if (!parsed.success) {
          this.o.log('warn', 'server sent a message this player does not understand', {
            issue: parsed.error.issues[0]?.message,
          });
          return;
        }
        msg = parsed.data;
      } catch {
        return;
      }
      this.o.onMessage(msg);
    });
    ws.on('error', (err) => this.o.log('debug', 'server connection error', { error: err.message }));
    ws.on('close', () => {
      const wasOpen = this.open;
      this.open = false;
      this.clearWatchdog();
      if (this.ws === ws) this.ws = null;
      if (wasOpen) this.o.onClose();
      this.schedule();
    });
  }

  private clearWatchdog(): void {
    if (this.watchdog !== null) this.timers.clear(this.watchdog);
    this.watchdog = null;
  }

  private feed(): void {
    this.clearWatchdog();
    if (!this.open) return;
    this.watchdog = this.timers.set(
      () => {
        this.watchdog = null;
        this.o.log('warn', 'no message from the server for too long; reconnecting');
        this.ws?.terminate();
      },
      this.heartbeatMs * (HEARTBEAT_MISSES_OFFLINE + 0.5),
    );
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = backoffDelayMs(
      this.attempt++,
      Math.random(),
      this.o.backoffBaseMs ?? 1000,
      this.o.backoffCapMs ?? 60_000,
    );
    this.timer = setTimeout(() => this.connect(), delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.clearWatchdog();
    const ws = this.ws;
    if (!ws) return;
    await new Promise<void>((r) => {
      ws.once('close', () => r());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        r();
      }, 1000).unref();
    });
  }
}

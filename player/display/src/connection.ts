/**
 * The page's link to the player core. It reconnects with capped, jittered backoff when the
 * core restarts, and queues what the page reports meanwhile: a play that happened while the
 * socket was down still has to reach the core's journal.
 */
import { CoreToDisplay, type DisplayToCore } from '#shared/schemas/display.ts';
import type { ListenerRegistry } from './listeners.ts';

const MAX_QUEUE = 500;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10_000;

export interface CoreConnectionEvents {
  onMessage(message: CoreToDisplay): void;
  onStatus(connected: boolean): void;
}

export class CoreConnection {
  private socket: WebSocket | null = null;
  private detach: Array<() => void> = [];
  private queue: DisplayToCore[] = [];
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connectedFlag = false;
  private stopped = false;
  reconnects = 0;
  rejected = 0;

  constructor(
    private readonly url: string,
    private readonly listeners: ListenerRegistry,
    private readonly events: CoreConnectionEvents,
  ) {}

  get connected(): boolean {
    return this.connectedFlag;
  }

  get queued(): number {
    return this.queue.length;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.dispose();
  }

  send(message: DisplayToCore): void {
    if (this.socket && this.connectedFlag) {
      this.socket.send(JSON.stringify(message));
      return;
    }
    // Heartbeats are only worth something live; plays must survive the outage.
    if (message.type === 'heartbeat') return;
    this.queue.push(message);
    if (this.queue.length > MAX_QUEUE) this.queue.shift();
  }

  private open(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.detach = [
      this.listeners.add(socket, 'open', () => {
        this.attempt = 0;
        this.connectedFlag = true;
        const pending = this.queue;
        this.queue = [];
        for (const m of pending) socket.send(JSON.stringify(m));
        this.events.onStatus(true);
      }),
      this.listeners.add(socket, 'message', (event) => {
        const data = (event as MessageEvent<unknown>).data;
        if (typeof data !== 'string') return;
        let raw: unknown;
        try {
          raw = JSON.parse(data);
        } catch {
          this.rejected += 1;
          return;
        }
        const parsed = CoreToDisplay.safeParse(raw);
        if (!parsed.success) {
          this.rejected += 1;
          console.warn('display: ignored a message the page does not understand', parsed.error.issues);
          return;
        }
        this.events.onMessage(parsed.data);
      }),
      this.listeners.add(socket, 'close', () => this.lost()),
      // 'error' is always followed by 'close'; listening keeps it out of the console as unhandled.
      this.listeners.add(socket, 'error', () => undefined),
    ];
  }

  private dispose(): void {
    for (const off of this.detach) off();
    this.detach = [];
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close();
    this.socket = null;
    if (this.connectedFlag) {
      this.connectedFlag = false;
      this.events.onStatus(false);
    }
  }

  private lost(): void {
    this.dispose();
    if (this.stopped) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.reconnects += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }
}

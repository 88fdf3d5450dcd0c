/**
 * A stand-in for the display page over the real /display WebSocket: it "shows" each scheduled
 * item when the core's clock reaches its start and reports started/ended like the page does.
 * Used where no pixels matter (the page itself is tested in Chromium by its own suite).
 */
import WebSocket from 'ws';
import type { CoreToDisplay, ScheduleItem } from '#shared/schemas/display.ts';
import { frameText } from '#player/core/frame-text.ts';

export class FakeDisplay {
  readonly ws: WebSocket;
  now = 0;
  schedule: ScheduleItem[] = [];
  /** How many `schedule` messages arrived (a connect always brings one). */
  schedules = 0;
  readonly started = new Map<string, number>();
  readonly ended = new Set<string>();
  state: Extract<CoreToDisplay, { type: 'state' }> | null = null;
  private heartbeat: NodeJS.Timeout;

  constructor(
    displayUrl: string,
    private readonly opts: { autoEnd: boolean } = { autoEnd: true },
  ) {
    this.ws = new WebSocket(displayUrl.replace(/^http/, 'ws').replace(/\/$/, '') + '/display', {
      origin: displayUrl.replace(/\/$/, ''),
    });
    this.ws.on('message', (data) => this.onMessage(JSON.parse(frameText(data)) as CoreToDisplay));
    this.heartbeat = setInterval(
      () => this.send({ type: 'heartbeat', v: 1, at: this.now, mediaElements: 2, listeners: 4 }),
      100,
    );
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  private send(msg: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private onMessage(msg: CoreToDisplay): void {
    if (msg.type === 'clock') this.now = msg.now;
    if (msg.type === 'schedule') {
      this.schedule = msg.items;
      this.schedules += 1;
    }
    if (msg.type === 'state') this.state = msg;
    this.act();
  }

  private act(): void {
    for (const it of this.schedule) {
      if (!this.started.has(it.playId) && it.startAt <= this.now && this.now < it.startAt + it.durationMs) {
        const at = Math.max(it.startAt, this.now);
        this.started.set(it.playId, at);
        this.send({
          type: 'started',
          v: 1,
          itemId: it.itemId,
          playId: it.playId,
          at,
          lagMs: at - it.startAt,
        });
      }
      const startedAt = this.started.get(it.playId);
      if (
        this.opts.autoEnd &&
        startedAt !== undefined &&
        !this.ended.has(it.playId) &&
        this.now >= startedAt + it.durationMs
      ) {
        this.ended.add(it.playId);
        this.send({
          type: 'ended',
          v: 1,
          itemId: it.itemId,
          playId: it.playId,
          at: startedAt + it.durationMs,
          secondsShown: it.durationMs / 1000,
        });
      }
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.ws.close();
  }
}

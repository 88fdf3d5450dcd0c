/**
 * Real players inside the simulation: the player core (player/core), enrolled with a
 * provisioning file over the real WebSocket protocol, with its journal on disk, pulling plans
 * and uploading plays to the simulated server. Only the display page is a stand-in: a small
 * client on the core's /display WebSocket that "shows" each scheduled item when the shared
 * virtual clock reaches it, and reports started/ended as the page does.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Clock } from '#shared/clock.ts';
import type { CoreToDisplay, ScheduleItem } from '#shared/schemas/display.ts';
import type { ProvisioningFile } from '#shared/schemas/protocol.ts';
import { FileCredentialStore, startPlayerCore, type PlayerCore } from '#player/core/index.ts';

export async function waitUntil<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`simulation: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

class DisplayStub {
  private readonly ws: WebSocket;
  private schedule: ScheduleItem[] = [];
  private readonly startedAt = new Map<string, number>();
  readonly started = new Set<string>();
  readonly ended = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    displayUrl: string,
    private readonly clock: Clock,
  ) {
    const base = displayUrl.replace(/\/$/, '');
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/display`, { origin: base });
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as CoreToDisplay;
      if (msg.type === 'schedule') this.schedule = msg.items;
      this.act();
    });
    this.timer = setInterval(() => {
      this.act();
      this.send({ type: 'heartbeat', v: 1, at: this.clock.now(), mediaElements: 2, listeners: 4 });
    }, 5);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve();
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  private send(msg: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private act(): void {
    const now = this.clock.now();
    for (const it of this.schedule) {
      if (!this.startedAt.has(it.playId) && it.startAt <= now && now < it.startAt + it.durationMs) {
        this.startedAt.set(it.playId, now);
        this.started.add(it.itemId);
        this.send({ type: 'started', v: 1, itemId: it.itemId, playId: it.playId, at: now, lagMs: now - it.startAt });
      }
      const at = this.startedAt.get(it.playId);
      if (at !== undefined && !this.ended.has(it.itemId) && now >= at + it.durationMs) {
        this.ended.add(it.itemId);
        this.send({ type: 'ended', v: 1, itemId: it.itemId, playId: it.playId, at: at + it.durationMs, secondsShown: it.durationMs / 1000 });
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.ws.close();
  }
}

export interface SimPlayer {
  core: PlayerCore;
  display: DisplayStub;
  screenId: string;
}

export async function startSimPlayer(opts: { provisioning: ProvisioningFile; clock: Clock; dir: string; name: string }): Promise<SimPlayer> {
  mkdirSync(opts.dir, { recursive: true });
  const core = await startPlayerCore({
    serverUrl: opts.provisioning.serverUrl,
    dataDir: opts.dir,
    clock: opts.clock,
    credentials: new FileCredentialStore(opts.dir),
    provisioning: opts.provisioning,
    screenName: opts.name,
    log: () => {},
    tickMs: 10,
    statusIntervalMs: 5_000,
    backoff: { baseMs: 20, capMs: 300 },
  });
  const screenId = await waitUntil(`player ${opts.name} to enrol`, () => core.snapshot().screenId);
  const display = new DisplayStub(core.displayUrl, opts.clock);
  await display.opened();
  return { core, display, screenId };
}

export function playerDir(root: string, i: number): string {
  return join(root, `player-${i + 1}`);
}

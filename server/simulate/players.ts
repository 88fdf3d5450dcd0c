/**
 * Real players inside the simulation: the player core (player/core) with its journal, plan file
 * and media cache on disk, talking to the simulated server over the real /ws/player WebSocket.
 * A screen either starts already paired (credentials written the evening before, as a screen
 * listed in playlists/ is after its pairing) or enrols with a provisioning file.
 *
 * Only the display page is a stand-in: a small client on the core's /display WebSocket that
 * "shows" each scheduled item when the engine moves the shared virtual clock to it and calls
 * `act()`, and reports started/ended/error as the page does. The engine drives it directly
 * instead of through a fast timer, so thousands of plays take milliseconds of waiting, not
 * seconds (docs/decisions/004-plan-algorithm.md, "The simulation").
 */
import { mkdirSync } from 'node:fs';
import WebSocket from 'ws';
import { realClock, type Clock } from '#shared/clock.ts';
import { CoreToDisplay, type ScheduleItem } from '#shared/schemas/display.ts';
import type { ProvisioningFile } from '#shared/schemas/protocol.ts';
import { FileCredentialStore, startPlayerCore, type PlayerCore } from '#player/core/index.ts';
import { frameText } from '#player/core/frame-text.ts';

/**
 * Waits (in real time) until `probe` holds. It polls on the event loop's check phase first, so
 * a loopback WebSocket message is seen one I/O turn after it arrives, then backs off to 1 ms.
 * The timeout only guards against a hang: on a loaded 2-core CI machine a fleet's first plans
 * took more than 20 s to reach every core, so it is a minute, not a claim about speed.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = realClock.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const v = probe();
    if (v) return v;
    if (realClock.now() > deadline) throw new Error(`simulation: timed out waiting for ${what}`);
    await new Promise((r) => (i < 200 ? setImmediate(r) : setTimeout(r, 1)));
  }
}

export class DisplayStub {
  private readonly ws: WebSocket;
  private schedule: ScheduleItem[] = [];
  private readonly startedAt = new Map<string, number>();
  private readonly failing = new Set<string>();
  readonly started = new Set<string>();
  readonly ended = new Set<string>();
  readonly failed = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  /** What the core's last `clock` message said minus this PC's clock, as the page keeps it. */
  private syncMs = 0;

  constructor(
    displayUrl: string,
    private readonly pcClock: Clock,
  ) {
    const base = displayUrl.replace(/\/$/, '');
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/display`, { origin: base });
    this.ws.on('message', (data) => {
      // The same check the display page makes of what the core sends it: it ignores the rest.
      const parsed = CoreToDisplay.safeParse(JSON.parse(frameText(data)));
      if (!parsed.success) return;
      const msg = parsed.data;
      if (msg.type === 'schedule') this.schedule = msg.items;
      // The page plays on the core's time (the server's, once the core measured its offset),
      // not on the PC's own clock, which may be minutes or years off.
      if (msg.type === 'clock') this.syncMs = msg.now - this.pcClock.now();
      this.act();
    });
    // The page's heartbeat (leak counters); the core writes its `alive` lines from it.
    this.timer = setInterval(
      () => this.send({ type: 'heartbeat', v: 1, at: this.now(), mediaElements: 2, listeners: 4 }),
      1000,
    );
  }

  private now(): number {
    return this.pcClock.now() + this.syncMs;
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) {
        resolve();
        return;
      }
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  private send(msg: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** The item will refuse to start (a decoder error), as a broken file or GPU would. */
  failNext(itemId: string): void {
    this.failing.add(itemId);
  }

  /** Whether the page currently has this item in the schedule the core sent it. */
  has(itemId: string): boolean {
    return this.schedule.some((it) => it.itemId === itemId);
  }

  /** Does on the virtual clock's "now" what the page's media loop does: start and end items. */
  act(): void {
    const now = this.now();
    for (const it of this.schedule) {
      if (
        !this.startedAt.has(it.playId) &&
        !this.failed.has(it.itemId) &&
        it.startAt <= now &&
        now < it.startAt + it.durationMs
      ) {
        if (this.failing.has(it.itemId)) {
          this.failed.add(it.itemId);
          this.send({
            type: 'error',
            v: 1,
            itemId: it.itemId,
            playId: it.playId,
            at: now,
            reason: 'decoder error (simulated)',
          });
          continue;
        }
        this.startedAt.set(it.playId, now);
        this.started.add(it.itemId);
        this.send({
          type: 'started',
          v: 1,
          itemId: it.itemId,
          playId: it.playId,
          at: now,
          lagMs: now - it.startAt,
        });
      }
      const at = this.startedAt.get(it.playId);
      if (at !== undefined && !this.ended.has(it.itemId) && now >= at + it.durationMs) {
        this.ended.add(it.itemId);
        this.send({
          type: 'ended',
          v: 1,
          itemId: it.itemId,
          playId: it.playId,
          at: at + it.durationMs,
          secondsShown: it.durationMs / 1000,
        });
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

export interface SimPlayerOptions {
  serverUrl: string;
  /** The server's (virtual) clock. */
  clock: Clock;
  /** This PC's clock minus the server's (a `clock_offset` fault); default 0. */
  pcOffsetMs?: number;
  /**
   * The server is up: a core whose PC clock is off is shown to its display page only once it
   * has measured the offset (at `welcome`), so no play starts on the wrong clock meanwhile.
   */
  serverUp?: boolean;
  dir: string;
  name: string;
  /** Enrol with this file; without it the dir must hold the screen's credentials.json. */
  provisioning?: ProvisioningFile;
}

/** Writes the credentials a paired screen keeps, so its core starts as that screen. */
export async function writeCredentials(
  dir: string,
  c: { screenId: string; token: string; serverUrl: string },
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await new FileCredentialStore(dir).save(c);
}

export async function startSimPlayer(opts: SimPlayerOptions): Promise<SimPlayer> {
  mkdirSync(opts.dir, { recursive: true });
  const offset = opts.pcOffsetMs ?? 0;
  const pcClock: Clock = offset === 0 ? opts.clock : { now: () => opts.clock.now() + offset };
  const core = await startPlayerCore({
    serverUrl: opts.serverUrl,
    dataDir: opts.dir,
    clock: pcClock,
    credentials: new FileCredentialStore(opts.dir),
    ...(opts.provisioning ? { provisioning: opts.provisioning } : {}),
    screenName: opts.name,
    log: () => {},
    // The engine drives plays directly; the core's own ticker only catches up housekeeping,
    // and a fast ticker on dozens of cores would spend the run re-sending clock messages.
    tickMs: 200,
    statusIntervalMs: 5_000,
    backoff: { baseMs: 20, capMs: 300 },
  });
  const screenId = await waitUntil(`player ${opts.name} to enrol`, () => core.snapshot().screenId);
  // A clock offset kept from an earlier run is followed at once; a new one at `welcome`.
  if (offset !== 0 && opts.serverUp)
    await waitUntil(
      `player ${opts.name} to measure its clock offset`,
      () => Math.abs(core.snapshot().clockOffsetMs + offset) < 1000,
    );
  const display = new DisplayStub(core.displayUrl, pcClock);
  await display.opened();
  return { core, display, screenId };
}

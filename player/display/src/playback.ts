/**
 * Gapless, on-time playback with two slots (A/B) created once and reused forever; each slot has
 * a <video>, an <img> and a text card, and uses whichever its item needs (the venue's loop mixes
 * still images with videos, and the spots cut in between; a text communication is a card).
 *
 * - The next item is preloaded into the element that is not on screen.
 * - At its start time the hidden element starts playing *underneath* the one on screen (or
 *   underneath the idle screen); it is raised only once it has presented a frame, so the screen
 *   never shows black between items. The outgoing element is then paused and emptied.
 * - The start is timed with a coarse timer to ~50 ms before, then animation frames, then a
 *   short spin; the lag (first frame minus planned start) is measured and reported.
 * - Each element's listeners are attached once at construction, so their number never grows;
 *   per-item state lives in the slot and every async callback checks the slot's token.
 */
import type { DisplayToCore, ScheduleItem } from '#shared/schemas/display.ts';
import type { ListenerRegistry } from './listeners.ts';
import type { PageClock } from './page-clock.ts';

type Phase = 'empty' | 'loading' | 'ready' | 'starting' | 'live';

interface Slot {
  name: 'a' | 'b';
  el: HTMLVideoElement;
  img: HTMLImageElement;
  /** A full-screen text card (a text communication): a heading and a paragraph. */
  card: HTMLElement;
  cardTitle: HTMLElement;
  cardBody: HTMLElement;
  /** The item is a still image (shown by `img`) or a text (shown by `card`), not a video. */
  still: boolean;
  /** The item is a text: `card` shows it. */
  isText: boolean;
  item: ScheduleItem | null;
  phase: Phase;
  /** Bumped on every (re)assignment; stale callbacks compare against it. */
  token: number;
  startCalledAt: number;
  firstFrameAt: number;
  mediaEndedAt: number | null;
  lastPosition: number;
  lastAdvanceAt: number;
}

export interface PlaybackHooks {
  report(message: DisplayToCore): void;
  /** Video on screen (true) or the state screens (false). */
  onVideoVisible(visible: boolean): void;
}

export interface StartRecord {
  playId: string;
  itemId: string;
  slot: 'a' | 'b';
  lagMs: number;
  at: number;
}

/** Start this close (ms) to a planned time by animation frames and a spin instead of a timer. */
const PRECISE_WINDOW_MS = 50;
/** An item that would show for less than this (or half its length) is not worth starting late. */
const MIN_USEFUL_MS = 500;
/** Hold the last frame of an item (instead of flashing the idle screen) if the next starts this soon. */
const HOLD_FOR_NEXT_MS = 1000;
/** Longer-than-planned media may overrun its slot by this much when nothing follows. */
const OVERRUN_GRACE_MS = 2000;
/** A started item must show a frame, and a live one must advance, within this. */
const STALL_MS = 5000;
const WATCHDOG_MS = 500;
/** Lateness above which a start seeks into the video so the following items stay on time. */
const SEEK_IF_LATE_MS = 1000;

export class Playback {
  private readonly slots: [Slot, Slot];
  private schedule: ScheduleItem[] = [];
  /** playIds already played, failed or skipped, so re-sent schedules do not replay them. */
  private readonly handled = new Map<string, number>();
  private live: Slot | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private preciseTarget: number | null = null;
  private preciseFrame: number | null = null;
  readonly starts: StartRecord[] = [];
  errors = 0;

  constructor(
    stage: HTMLElement,
    private readonly clock: PageClock,
    private readonly listeners: ListenerRegistry,
    private readonly hooks: PlaybackHooks,
  ) {
    this.slots = [this.createSlot(stage, 'a'), this.createSlot(stage, 'b')];
  }

  // ------------------------------------------------------------------ inputs

  setSchedule(items: ScheduleItem[]): void {
    this.schedule = [...items].sort((x, y) => x.startAt - y.startAt);
    this.plan();
  }

  /** The core's clock moved (sync or a virtual-clock jump): every timer is recomputed. */
  clockChanged(): void {
    this.plan();
  }

  get livePlayId(): string | null {
    return this.live?.item?.playId ?? null;
  }

  describeSlots(): Array<{
    name: string;
    playId: string | null;
    phase: Phase;
    live: boolean;
    still: boolean;
  }> {
    return this.slots.map((s) => ({
      name: s.name,
      playId: s.item?.playId ?? null,
      phase: s.phase,
      live: s === this.live,
      still: s.still,
    }));
  }

  // ------------------------------------------------------------------ slots

  private createSlot(stage: HTMLElement, name: 'a' | 'b'): Slot {
    const el = document.createElement('video');
    el.id = `video-${name}`;
    el.preload = 'auto';
    el.playsInline = true;
    el.disablePictureInPicture = true;
    el.controls = false;
    stage.appendChild(el);
    const img = document.createElement('img');
    img.id = `image-${name}`;
    img.alt = '';
    img.decoding = 'async';
    stage.appendChild(img);
    // Text is set with textContent only: user text never becomes markup.
    const card = document.createElement('div');
    card.id = `text-${name}`;
    card.className = 'text-card';
    card.lang = 'vi';
    const cardTitle = document.createElement('h1');
    const cardBody = document.createElement('p');
    card.append(cardTitle, cardBody);
    stage.appendChild(card);
    const slot: Slot = {
      name,
      el,
      img,
      card,
      cardTitle,
      cardBody,
      still: false,
      isText: false,
      item: null,
      phase: 'empty',
      token: 0,
      startCalledAt: 0,
      firstFrameAt: 0,
      mediaEndedAt: null,
      lastPosition: 0,
      lastAdvanceAt: 0,
    };
    this.listeners.add(el, 'canplaythrough', () => {
      if (slot.phase === 'loading') {
        slot.phase = 'ready';
        this.paint();
      }
    });
    this.listeners.add(el, 'playing', () => {
      if (slot.phase !== 'starting') return;
      // 'playing' can precede the first presented frame by a little; wait one frame.
      const token = slot.token;
      requestAnimationFrame(() => {
        if (slot.token === token && slot.phase === 'starting') this.firstFrame(slot, performance.now());
      });
    });
    this.listeners.add(el, 'ended', () => {
      if (slot.phase !== 'live') return;
      slot.mediaEndedAt = this.clock.now();
      this.plan();
    });
    this.listeners.add(img, 'error', () => {
      if (!slot.item || !slot.still || slot.isText || slot.phase === 'empty') return;
      this.fail(slot, `image could not be decoded (${slot.item.mediaUrl})`);
    });
    this.listeners.add(el, 'error', () => {
      if (!slot.item || slot.still || slot.phase === 'empty') return;
      const err = el.error;
      const reason = err
        ? `media error ${err.code}${err.message ? `: ${err.message}` : ''} (${slot.item.mediaUrl})`
        : `media error (${slot.item.mediaUrl})`;
      this.fail(slot, reason);
    });
    return slot;
  }

  private assign(slot: Slot, item: ScheduleItem): void {
    this.unload(slot);
    slot.item = item;
    slot.phase = 'loading';
    slot.token += 1;
    slot.isText = item.mediaKind === 'text';
    slot.still = item.mediaKind === 'image' || slot.isText;
    if (slot.isText) {
      slot.card.dataset['playId'] = item.playId;
      slot.cardTitle.textContent = item.text?.title ?? '';
      slot.cardBody.textContent = item.text?.body ?? '';
      // Smaller type for a long text, so it still fits one screen (4,000 characters at most).
      const length = slot.cardBody.textContent.length;
      slot.card.dataset['size'] = length > 1200 ? 'small' : length > 400 ? 'medium' : 'large';
      slot.phase = 'ready';
      this.paint();
      return;
    }
    if (slot.still) {
      slot.img.dataset['playId'] = item.playId;
      slot.img.src = item.mediaUrl;
      const token = slot.token;
      // Decoded before it is raised, so the swap shows the whole picture at once.
      slot.img.decode().then(
        () => {
          if (slot.token === token && slot.phase === 'loading') {
            slot.phase = 'ready';
            this.paint();
          }
        },
        () => undefined, // the error event reports it
      );
      return;
    }
    slot.el.dataset['playId'] = item.playId;
    slot.el.src = item.mediaUrl;
    slot.el.load();
    // A loop video resumed after a spot starts where it was cut.
    if (item.offsetMs) slot.el.currentTime = item.offsetMs / 1000;
  }

  /** Releases the decoder and the network connection; the element itself is kept. */
  private unload(slot: Slot): void {
    slot.token += 1;
    slot.item = null;
    slot.phase = 'empty';
    slot.mediaEndedAt = null;
    delete slot.el.dataset['playId'];
    delete slot.img.dataset['playId'];
    delete slot.card.dataset['playId'];
    slot.el.classList.remove('live');
    slot.img.classList.remove('live');
    slot.card.classList.remove('live');
    slot.cardTitle.textContent = '';
    slot.cardBody.textContent = '';
    slot.isText = false;
    if (slot.img.hasAttribute('src')) slot.img.removeAttribute('src');
    slot.still = false;
    if (slot.el.hasAttribute('src')) {
      slot.el.pause();
      slot.el.removeAttribute('src');
      slot.el.load();
    }
  }

  /** The element that shows a still item: the text card or the image. */
  private stillOf(slot: Slot): HTMLElement {
    return slot.isText ? slot.card : slot.img;
  }

  private slotOf(playId: string): Slot | undefined {
    return this.slots.find((s) => s.item?.playId === playId);
  }

  // ------------------------------------------------------------------ the planner

  private plan(): void {
    const now = this.clock.now();
    this.forgetOld(now);

    // Stalls: a start that never shows a frame, or a live video that stopped advancing.
    for (const slot of this.slots) {
      if (slot.phase === 'starting' && now - slot.startCalledAt > STALL_MS) {
        this.fail(slot, `did not start within ${STALL_MS / 1000} s`);
        return;
      }
      if (slot.phase === 'live' && slot.still && slot.mediaEndedAt === null && slot.item) {
        // A still has no media clock: it is done when its time is.
        const end = slot.item.startAt + slot.item.durationMs;
        if (now >= end) slot.mediaEndedAt = end;
        continue;
      }
      if (slot.phase === 'live' && slot.mediaEndedAt === null) {
        const pos = slot.el.currentTime;
        if (pos !== slot.lastPosition) {
          slot.lastPosition = pos;
          slot.lastAdvanceAt = now;
        } else if (now - slot.lastAdvanceAt > STALL_MS) {
          this.fail(slot, `playback stalled for ${STALL_MS / 1000} s at ${pos.toFixed(1)} s`);
          return;
        }
      }
    }

    const pending = this.schedule.filter(
      (it) => !this.handled.has(it.playId) && this.live?.item?.playId !== it.playId,
    );
    // Items whose time is over without having started (page reloaded, media late) are dropped
    // silently: the core knows they never reported `started`.
    const upcoming = pending.filter(
      (it) => it.startAt + it.durationMs - now > Math.min(MIN_USEFUL_MS, it.durationMs / 2),
    );
    const due = upcoming.find((it) => it.startAt <= now);
    const next = upcoming.find((it) => it.startAt > now && it !== due);

    // End the live item when its time is over, unless the next one is about to take over
    // (then the swap ends it, and its last frame stays up instead of a flash of the idle screen).
    const live = this.live;
    if (live?.item) {
      const plannedEnd = live.item.startAt + live.item.durationMs;
      const successorSoon =
        due !== undefined || (next !== undefined && next.startAt - now <= HOLD_FOR_NEXT_MS);
      const mediaDone = live.mediaEndedAt !== null;
      const overran = now >= plannedEnd + OVERRUN_GRACE_MS;
      if ((mediaDone || overran) && !successorSoon) {
        this.finish(live, live.mediaEndedAt ?? now);
        this.hooks.onVideoVisible(false);
      }
    }

    if (due) {
      let slot = this.slotOf(due.playId);
      if (!slot) {
        const free = this.slots.find((s) => s !== this.live && s.phase !== 'starting');
        if (free) {
          this.assign(free, due);
          slot = free;
        }
      }
      if (slot && (slot.phase === 'loading' || slot.phase === 'ready')) this.start(slot, now);
    }

    // Preload the next item into whichever element is free.
    if (next) {
      const holder = this.slotOf(next.playId);
      if (!holder) {
        const free = this.slots.find((s) => s !== this.live && s.phase !== 'starting');
        if (free) this.assign(free, next);
      }
    }
    // An element holding an item the schedule no longer has (or no longer needs) is emptied.
    for (const slot of this.slots) {
      if ((slot.phase === 'loading' || slot.phase === 'ready') && slot.item) {
        const id = slot.item.playId;
        if (id !== next?.playId && id !== due?.playId) this.unload(slot);
      }
    }

    this.arm(now, next);
    this.paint();
  }

  private arm(now: number, next: ScheduleItem | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let wake = Infinity;
    if (this.slots.some((s) => s.phase === 'starting' || s.phase === 'live')) wake = now + WATCHDOG_MS;
    if (this.live?.item) {
      const plannedEnd = this.live.item.startAt + this.live.item.durationMs;
      if (plannedEnd > now) wake = Math.min(wake, plannedEnd);
    }
    if (next) {
      if (next.startAt - now <= PRECISE_WINDOW_MS) {
        this.precise(next.startAt);
      } else {
        wake = Math.min(wake, next.startAt - PRECISE_WINDOW_MS);
      }
    }
    if (wake !== Infinity) {
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.plan();
        },
        Math.max(0, wake - now),
      );
    }
  }

  /**
   * The last stretch before a start: animation frames until under one frame away, then spin.
   * A timer alone fires anywhere within a few ms to a frame late; the spin is at most ~12 ms
   * of a main thread that has nothing else to do at that moment.
   */
  private precise(target: number): void {
    this.preciseTarget = target;
    if (this.preciseFrame !== null) return;
    const step = (): void => {
      this.preciseFrame = null;
      const t = this.preciseTarget;
      if (t === null) return;
      const remaining = t - this.clock.now();
      if (remaining > 12) {
        this.preciseFrame = requestAnimationFrame(step);
        return;
      }
      const spinUntil = performance.now() + Math.min(Math.max(remaining, 0), 20);
      while (performance.now() < spinUntil) {
        // busy-wait: see above
      }
      this.preciseTarget = null;
      this.plan();
    };
    this.preciseFrame = requestAnimationFrame(step);
    // Animation frames stop in a hidden tab; a plain timer still gets the start out.
    setTimeout(
      () => {
        if (this.preciseTarget === target) {
          if (this.preciseFrame !== null) cancelAnimationFrame(this.preciseFrame);
          this.preciseFrame = null;
          this.preciseTarget = null;
          this.plan();
        }
      },
      Math.max(0, target - this.clock.now()) + 100,
    );
  }

  // ------------------------------------------------------------------ transitions

  private start(slot: Slot, now: number): void {
    const item = slot.item;
    if (!item) return;
    slot.phase = 'starting';
    slot.startCalledAt = now;
    const late = now - item.startAt;
    const token = slot.token;
    if (slot.still) {
      // Raised now, on screen from the next frame the compositor draws.
      this.stillOf(slot).classList.add('live');
      requestAnimationFrame(() => {
        if (slot.token === token && slot.phase === 'starting') this.firstFrame(slot, performance.now());
      });
      return;
    }
    // Joining a running item (page reloaded mid-play): seek so what follows stays on time.
    if (late > SEEK_IF_LATE_MS) slot.el.currentTime = ((item.offsetMs ?? 0) + late) / 1000;
    if (typeof slot.el.requestVideoFrameCallback === 'function') {
      slot.el.requestVideoFrameCallback((frameNow, meta) => {
        if (slot.token !== token || slot.phase !== 'starting') return;
        // expectedDisplayTime is when the compositor shows it: the moment that counts.
        this.firstFrame(slot, Math.max(frameNow, meta.expectedDisplayTime));
      });
    }
    const attempt = (retryMuted: boolean): void => {
      slot.el.play().catch((err: unknown) => {
        if (slot.token !== token) return;
        const name = err instanceof DOMException ? err.name : '';
        // Without --autoplay-policy=no-user-gesture-required a browser refuses sound; a
        // silent promo is still a play.
        if (name === 'NotAllowedError' && retryMuted) {
          slot.el.muted = true;
          attempt(false);
          return;
        }
        if (name === 'AbortError') return; // replaced by a newer load; the error event covers failures
        this.fail(slot, `play() refused: ${name || String(err)}`);
      });
    };
    attempt(true);
  }

  private firstFrame(slot: Slot, perfTime: number): void {
    const item = slot.item;
    if (!item) return;
    const at = this.clock.fromPerformance(perfTime);
    slot.phase = 'live';
    slot.firstFrameAt = at;
    slot.lastPosition = slot.el.currentTime;
    slot.lastAdvanceAt = this.clock.now();
    (slot.still ? this.stillOf(slot) : slot.el).classList.add('live');
    const previous = this.live;
    this.live = slot;
    this.hooks.onVideoVisible(true);
    if (previous && previous !== slot) this.finish(previous, at);
    const lagMs = Math.round(at - item.startAt);
    this.starts.push({ playId: item.playId, itemId: item.itemId, slot: slot.name, lagMs, at });
    if (this.starts.length > 200) this.starts.shift();
    this.hooks.report({
      type: 'started',
      v: 1,
      itemId: item.itemId,
      playId: item.playId,
      at: Math.round(at),
      lagMs,
    });
    this.plan();
  }

  private finish(slot: Slot, endedAt: number): void {
    const item = slot.item;
    if (!item) return;
    const secondsShown = Math.max(0, (endedAt - slot.firstFrameAt) / 1000);
    this.markHandled(item.playId);
    if (this.live === slot) this.live = null;
    this.unload(slot);
    this.hooks.report({
      type: 'ended',
      v: 1,
      itemId: item.itemId,
      playId: item.playId,
      at: Math.round(endedAt),
      secondsShown: Math.round(secondsShown * 1000) / 1000,
    });
  }

  private fail(slot: Slot, reason: string): void {
    const item = slot.item;
    if (!item) return;
    this.errors += 1;
    this.markHandled(item.playId);
    const wasLive = this.live === slot;
    if (wasLive) this.live = null;
    this.unload(slot);
    if (wasLive) this.hooks.onVideoVisible(false);
    this.hooks.report({
      type: 'error',
      v: 1,
      itemId: item.itemId,
      playId: item.playId,
      at: Math.round(this.clock.now()),
      reason: reason.slice(0, 500),
    });
    this.plan();
  }

  private markHandled(playId: string): void {
    this.handled.set(playId, this.clock.now());
  }

  /** Bounded memory: remember handled plays only while the schedule could still mention them. */
  private forgetOld(now: number): void {
    if (this.handled.size < 64) return;
    const listed = new Set(this.schedule.map((it) => it.playId));
    for (const [id, at] of this.handled) {
      if (!listed.has(id) && now - at > 60_000) this.handled.delete(id);
    }
  }

  /** Exposes each element's role for tests and for anyone inspecting the page. */
  private paint(): void {
    for (const s of this.slots) {
      s.el.dataset['phase'] = s.still ? 'empty' : s.phase;
      s.img.dataset['phase'] = s.still && !s.isText ? s.phase : 'empty';
      s.card.dataset['phase'] = s.isText ? s.phase : 'empty';
    }
  }
}

/**
 * Runs the stored plan on the core's clock, with or without a server. Each tick works out what
 * should be on screen now and next and sends it to the display page; the page's reports
 * become journal records.
 *
 * Late starts (docs/decisions/006-proof-of-play.md): an item whose start has passed is still
 * played, from the beginning, if it is within its own slot (now < planned end) and the whole
 * spot fits before the next item starts. Otherwise it is skipped and nothing is recorded: the
 * server sees the missing play and its make-goods plan it again.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '#shared/clock.ts';
import { TEXT_MEDIA_URL, type DisplayToCore, type ScheduleItem } from '#shared/schemas/display.ts';
import type { Plan, PlanItem } from '#shared/schemas/protocol.ts';
import type { MediaCache, Log } from './cache.ts';
import type { Journal, PlayStart } from './journal.ts';
import { isOpenAt, loopShowings } from './loop-timeline.ts';

/** How long past its planned end a started play may go without an `ended` before it is closed. */
const END_GRACE_MS = 30_000;
/** Write an `alive` line at most this often while a play is showing. */
const ALIVE_EVERY_MS = 5_000;
/** How many items the page gets (the current one and the next ones, for preloading). */
const LOOKAHEAD = 4;
/** How far ahead loop showings are worked out on each tick. */
const LOOP_HORIZON_MS = 15 * 60_000;

/** A plan item: a media spot, or a text shown full screen (its words in `text`). */
type SpotItem = PlanItem & { text?: { title: string; body: string } };

/** A spot of the plan, or a showing of the venue's loop (campaignId null, kind 'loop'). */
type RunItem = Omit<SpotItem, 'campaignId'> & {
  campaignId: string | null;
  kind?: 'loop';
  /** Where in the media a loop showing starts (a resumed video). */
  offsetMs?: number;
};

interface Assigned {
  item: RunItem;
  playId: string;
  startAt: number;
  /** A display was connected when the item was due. */
  displaySawIt: boolean;
}

export interface RunnerDeps {
  clock: Clock;
  journal: Journal;
  cache: MediaCache;
  log: Log;
  mediaUrl(sha256: string): string;
  screenId(): string | null;
  sendSchedule(items: ScheduleItem[]): void;
  displayConnected(): boolean;
  /** A record was journalled (upload it when the server is reachable). */
  onRecord(): void;
}

export class PlanRunner {
  private plan: Plan | null = null;
  private items: SpotItem[] = [];
  /** The plan has a loop (v2): spots whose media never arrived are then logged failed. */
  private hasLoop = false;
  private readonly assigned = new Map<string, Assigned>();
  private readonly byPlayId = new Map<string, Assigned>();
  private lastSent = '';
  private lastAlive = 0;

  constructor(private readonly d: RunnerDeps) {}

  setPlan(plan: Plan | null): void {
    this.plan = plan;
    // A day's texts (text communications) are spots with nothing to download.
    this.items = plan
      ? plan.days
          .flatMap((day): SpotItem[] => [
            ...day.items,
            ...(day.texts ?? []).map(({ title, body, ...item }) => ({ ...item, text: { title, body } })),
          ])
          .sort((a, b) => a.start - b.start)
      : [];
    this.hasLoop = plan?.days.some((d) => d.loop && d.loop.items.length > 0) ?? false;
    // Drop assignments of items the new plan no longer has, unless they are playing now.
    const ids = new Set(this.items.map((i) => i.id));
    for (const [id, a] of this.assigned) {
      if (!ids.has(id) && !this.d.journal.isOpen(a.playId)) this.forget(id);
    }
    this.tick();
  }

  zone(): string {
    return this.plan?.site.timeZone ?? 'Asia/Ho_Chi_Minh';
  }

  planVersion(): number {
    return this.plan?.version ?? 0;
  }

  hasPlan(): boolean {
    return this.items.length > 0 || this.hasLoop;
  }

  /** Outside opening hours at a site that goes dark then (true), else false. */
  dark(): boolean {
    const days = this.plan?.days ?? [];
    const now = this.d.clock.now();
    const today = days.filter((d) => d.open && d.loop);
    if (!today.some((d) => d.loop!.outsideHours === 'dark')) return false;
    return isOpenAt(today, now) === false;
  }

  /** The play showing now, if the display reported its start. */
  current(): {
    itemId: string;
    playId: string;
    startedAt: number;
    /** Absent for a showing of the venue's loop (no campaign). */
    campaignId?: string;
    mediaSha256: string;
  } | null {
    const open = this.d.journal.openPlays()[0];
    return open
      ? {
          itemId: open.planItemId ?? '',
          playId: open.playId,
          startedAt: open.startedAt,
          ...(open.campaignId ? { campaignId: open.campaignId } : {}),
          mediaSha256: open.mediaSha256,
        }
      : null;
  }

  /** Whether anything is due now or later whose media is not yet cached. */
  waitingForMedia(): boolean {
    const now = this.d.clock.now();
    if (this.items.some((i) => i.end > now && !this.ready(i))) return true;
    const loopMedia = new Set(
      (this.plan?.days ?? []).flatMap((d) => d.loop?.items.map((i) => i.mediaSha256) ?? []),
    );
    return [...loopMedia].some((sha) => !this.d.cache.isReady(sha));
  }

  /** A text needs no download; a media spot is ready once its file is cached. */
  private ready(item: SpotItem | RunItem): boolean {
    return item.text !== undefined || this.d.cache.isReady(item.mediaSha256);
  }

  private forget(itemId: string): void {
    const a = this.assigned.get(itemId);
    if (!a) return;
    this.assigned.delete(itemId);
    this.byPlayId.delete(a.playId);
  }

  /** Re-sends the schedule on the next tick (a display page just connected). */
  resend(): void {
    this.lastSent = '';
    this.tick();
  }

  /** Spots and loop showings around `now`, in start order; loop showings only from ready media. */
  private candidates(now: number): RunItem[] {
    if (!this.hasLoop || !this.plan) return this.items;
    const ready = (sha: string) => this.d.cache.isReady(sha);
    const texts = new Set(this.items.filter((i) => i.text).map((i) => i.id));
    // The loop makes way for texts as for media spots.
    const days = this.plan.days.map((d) => (d.texts ? { ...d, items: [...d.items, ...d.texts] } : d));
    const loops: RunItem[] = loopShowings(
      days,
      (spot) => texts.has(spot.id) || ready(spot.mediaSha256),
      now - 60_000,
      now + LOOP_HORIZON_MS,
    )
      .filter((l) => ready(l.mediaSha256))
      .map((l) => ({
        id: l.id,
        campaignId: null,
        kind: 'loop' as const,
        mediaSha256: l.mediaSha256,
        start: l.start,
        end: l.end,
        peak: false,
        offsetMs: l.offsetMs,
      }));
    return [...(this.items as RunItem[]), ...loops].sort(
      (a, b) => a.start - b.start || (a.kind ? 1 : 0) - (b.kind ? 1 : 0),
    );
  }

  /** At a loop site a spot whose media never arrived is a failed play, once, at its start. */
  private failMissingSpots(now: number): void {
    if (!this.hasLoop) return;
    const screenId = this.d.screenId();
    if (!screenId) return;
    for (const item of this.items) {
      if (item.start > now || item.end <= now) continue;
      if (this.ready(item) || this.d.journal.hasPlayed(item.id)) continue;
      this.d.journal.failedWithoutStart(
        {
          playId: randomUUID(),
          screenId,
          campaignId: item.campaignId,
          mediaSha256: item.mediaSha256,
          planItemId: item.id,
          plannedAt: item.start,
          startedAt: now,
          zone: this.zone(),
        },
        'the media was not downloaded by the planned start; the loop went on',
      );
      this.d.onRecord();
    }
  }

  tick(): void {
    const now = this.d.clock.now();
    this.closeOverdue(now);
    this.failMissingSpots(now);
    const items = this.candidates(now);
    const schedule: Assigned[] = [];
    // Plays the display already started stay listed until they end.
    for (const a of this.assigned.values()) if (this.d.journal.isOpen(a.playId)) schedule.push(a);
    for (let i = 0; i < items.length && schedule.length < LOOKAHEAD; i++) {
      const item = items[i]!;
      if (item.end <= now) continue;
      const existing = this.assigned.get(item.id);
      if (existing) {
        if (!schedule.includes(existing) && !this.d.journal.hasPlayed(item.id)) schedule.push(existing);
        continue;
      }
      if (this.d.journal.hasPlayed(item.id) || !this.ready(item)) continue;
      // Nothing new starts while something else is on screen for that time.
      if (schedule.some((a) => a.startAt < item.end && item.start < a.startAt + (a.item.end - a.item.start)))
        continue;
      let run: RunItem = item;
      let startAt = item.start;
      if (item.start < now) {
        if (item.kind === 'loop') {
          // Join the loop where it is: the rest of this showing, from the right place in it.
          if (item.end - now < 1000) continue;
          run = { ...item, start: now, offsetMs: (item.offsetMs ?? 0) + (now - item.start) };
        } else {
          const duration = item.end - item.start;
          const next = this.items.find((x) => x.start > item.start);
          if (next && now + duration > next.start) continue;
        }
        startAt = now;
      }
      const a: Assigned = { item: run, playId: randomUUID(), startAt, displaySawIt: false };
      this.assigned.set(item.id, a);
      this.byPlayId.set(a.playId, a);
      schedule.push(a);
    }
    if (this.d.displayConnected()) for (const a of schedule) if (a.startAt <= now) a.displaySawIt = true;
    const out: ScheduleItem[] = schedule
      .sort((x, y) => x.startAt - y.startAt)
      .map((a) => ({
        itemId: a.item.id,
        playId: a.playId,
        mediaUrl: a.item.text ? TEXT_MEDIA_URL : this.d.mediaUrl(a.item.mediaSha256),
        startAt: a.startAt,
        durationMs: a.item.end - a.item.start,
        ...(a.item.text
          ? { mediaKind: 'text' as const, text: a.item.text }
          : this.isImage(a.item.mediaSha256)
            ? { mediaKind: 'image' as const }
            : {}),
        ...(a.item.offsetMs ? { offsetMs: Math.round(a.item.offsetMs) } : {}),
      }));
    const key = JSON.stringify(out);
    if (key !== this.lastSent) {
      this.lastSent = key;
      this.d.sendSchedule(out);
    }
  }

  private isImage(sha256: string): boolean {
    return this.plan?.media.find((m) => m.sha256 === sha256)?.mimeType.startsWith('image/') ?? false;
  }

  /** Plays left open past their end, and due items the connected display never started. */
  private closeOverdue(now: number): void {
    for (const open of this.d.journal.openPlays()) {
      const a = this.byPlayId.get(open.playId);
      const duration = a ? a.item.end - a.item.start : 0;
      if (now > open.startedAt + duration + END_GRACE_MS) {
        this.finish(open.playId, now, null, 'interrupted', 'the display stopped reporting during the play');
      }
    }
    for (const a of [...this.assigned.values()]) {
      const duration = a.item.end - a.item.start;
      if (now <= a.startAt + duration + END_GRACE_MS || this.d.journal.isOpen(a.playId)) continue;
      if (!this.d.journal.hasPlayed(a.item.id) && a.displaySawIt) {
        const screenId = this.d.screenId();
        if (screenId) {
          this.d.journal.failedWithoutStart(
            this.startOf(a, screenId, a.startAt),
            'the display never started this item',
          );
          this.d.onRecord();
        }
      }
      this.forget(a.item.id);
    }
  }

  private startOf(a: Assigned, screenId: string, startedAt: number): PlayStart {
    return {
      playId: a.playId,
      screenId,
      campaignId: a.item.campaignId,
      ...(a.item.kind === 'loop' ? { kind: 'loop' as const } : {}),
      mediaSha256: a.item.mediaSha256,
      planItemId: a.item.id,
      plannedAt: a.item.start,
      startedAt,
      zone: this.zone(),
    };
  }

  private finish(
    playId: string,
    endedAt: number,
    secondsShown: number | null,
    outcome: 'completed' | 'interrupted' | 'failed',
    reason: string | null,
  ): void {
    const open = this.d.journal.openPlays().find((o) => o.playId === playId);
    if (!open) return;
    const shown = secondsShown ?? Math.max(0, (endedAt - open.startedAt) / 1000);
    this.d.journal.finish(playId, endedAt, shown, outcome, reason);
    this.d.onRecord();
    const a = this.byPlayId.get(playId);
    if (a) this.forget(a.item.id);
  }

  onDisplay(msg: DisplayToCore): void {
    const now = this.d.clock.now();
    switch (msg.type) {
      case 'started': {
        const a = this.byPlayId.get(msg.playId);
        const screenId = this.d.screenId();
        if (!a || !screenId || this.d.journal.isOpen(msg.playId)) return;
        if (this.d.journal.hasPlayed(a.item.id)) return;
        this.d.journal.start(this.startOf(a, screenId, msg.at));
        this.d.cache.touch(a.item.mediaSha256, now);
        this.lastAlive = now;
        return;
      }
      case 'ended': {
        const a = this.byPlayId.get(msg.playId);
        if (!a) return;
        const expectedS = (a.item.end - a.item.start) / 1000;
        const complete = msg.secondsShown >= expectedS - 1;
        this.finish(
          msg.playId,
          msg.at,
          msg.secondsShown,
          complete ? 'completed' : 'interrupted',
          complete ? null : `ended after ${msg.secondsShown.toFixed(1)} s of ${expectedS.toFixed(1)} s`,
        );
        this.tick();
        return;
      }
      case 'error': {
        const a = this.byPlayId.get(msg.playId);
        const screenId = this.d.screenId();
        if (!a || !screenId) return;
        if (this.d.journal.isOpen(msg.playId))
          this.finish(msg.playId, msg.at, null, 'failed', msg.reason.slice(0, 500));
        else if (!this.d.journal.hasPlayed(a.item.id)) {
          this.d.journal.failedWithoutStart(this.startOf(a, screenId, msg.at), msg.reason.slice(0, 500));
          this.d.onRecord();
          this.forget(a.item.id);
        }
        this.tick();
        return;
      }
      case 'heartbeat': {
        if (now - this.lastAlive < ALIVE_EVERY_MS) return;
        this.lastAlive = now;
        for (const open of this.d.journal.openPlays()) this.d.journal.alive(open.playId, now);
        return;
      }
    }
  }

  /** The page went away: whatever it was showing ends now, interrupted. */
  onDisplayDisconnected(): void {
    const now = this.d.clock.now();
    for (const open of this.d.journal.openPlays())
      this.finish(open.playId, now, null, 'interrupted', 'the display page closed during the play');
  }
}

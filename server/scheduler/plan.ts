/**
 * The pure plan function: (campaign, site, screen, local date, plays already done, clock) →
 * the exact list of plays for that day. No I/O, no system time; the same inputs give the same
 * plan. See docs/decisions/004-plan-algorithm.md.
 */
import type { Clock } from '../../shared/clock.ts';
import { WEEKDAYS } from '../../shared/schemas/domain.ts';
import { localDateOf, weekdayOf } from '../../shared/time.ts';
import {
  dayEnd,
  dayStart,
  inCampaignWindow,
  isPeakWeight,
  openIntervals,
  peakShareOf,
  profileFor,
  profileSlices,
  weightedPieces,
  type Interval,
} from './day.ts';
import { canonicalJson, stableHash } from './hash.ts';
import { buildSpaces, maxWithShare, placeInSpace, requiredPeak, spaceCapacity } from './place.ts';
import { baseTargetFor } from './targets.ts';
import type { AlreadyPlayed, DayPlan, PlanCampaign, PlanItem, PlanScreen, PlanSite } from './types.ts';

export const DEFAULT_MIN_GAP_MARGIN_MS = 60_000;

/** Minimum start-to-start distance between two plays, in whole seconds. */
export function minGapSeconds(campaign: PlanCampaign): number {
  return Math.ceil(
    (campaign.mediaDurationMs + (campaign.minGapMarginMs ?? DEFAULT_MIN_GAP_MARGIN_MS)) / 1000,
  );
}

/**
 * Time another campaign's plays hold on the same screen: `intervals` are stretches no part of a
 * play of this campaign may touch (each already widened by the quiet margin on both sides);
 * `key` names the plays that shaped them, so a day re-plans when they change. See together.ts.
 */
export interface Busy {
  intervals: readonly Interval[];
  /** '' when nothing that should re-plan the day is in `intervals` (see together.ts). */
  key: string;
}

/** The open intervals with the busy stretches taken out (both sorted or not; output sorted). */
export function withoutBusy(open: readonly Interval[], busy: readonly Interval[] | undefined): Interval[] {
  if (!busy || busy.length === 0) return open.map(([a, b]) => [a, b]);
  const cuts = [...busy].sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const [s, e] of open) {
    let a = s;
    for (const [cs, ce] of cuts) {
      if (ce <= a || cs >= e) continue;
      if (cs > a) out.push([a, cs]);
      a = Math.max(a, ce);
      if (a >= e) break;
    }
    if (a < e) out.push([a, e]);
  }
  return out.sort((x, y) => x[0] - y[0]);
}

/** Where a play may start so that it also ends inside the same open interval. */
function startIntervals(open: Interval[], durationMs: number, earliest: number): Interval[] {
  const out: Interval[] = [];
  for (const [s, e] of open) {
    const a = Math.max(s, earliest);
    const b = e - durationMs;
    if (b > a) out.push([a, b]);
  }
  return out;
}

export interface DayCapacity {
  /** Most plays the day can hold with the gap and the peak share respected. */
  maxPlays: number;
  openMs: number;
  peakShare: number;
}

/**
 * Capacity of a whole local day (nothing played yet); with `busy`, of what other campaigns on the
 * screen leave free (the peak share is still the whole day's, as planDay holds it).
 */
export function dayCapacity(
  campaign: PlanCampaign,
  site: PlanSite,
  date: string,
  busy?: readonly Interval[],
): DayCapacity {
  const zone = site.timeZone;
  if (!inCampaignWindow(campaign, date)) return { maxPlays: 0, openMs: 0, peakShare: 0 };
  const open = openIntervals(site.openingHours, date, zone);
  const slices = profileSlices(date, zone, profileFor(campaign, site));
  const share = peakShareOf(weightedPieces(open, slices));
  const gap = minGapSeconds(campaign);
  const spaces = buildSpaces(
    weightedPieces(startIntervals(withoutBusy(open, busy), campaign.mediaDurationMs, -Infinity), slices),
    gap,
  );
  const openMs = open.reduce((sum, [s, e]) => sum + (e - s), 0);
  return {
    maxPlays: maxWithShare(spaceCapacity(spaces.peak, gap), spaceCapacity(spaces.off, gap), share),
    openMs,
    peakShare: share,
  };
}

// Profiles are 168 numbers shared by every screen of a venue type; hashing each once per object
// keeps the inputs hash cheap when 10,000 screens are planned.
const digests = new WeakMap<object, string>();
function digestOf(value: object): string {
  let d = digests.get(value);
  if (d === undefined) {
    d = stableHash(canonicalJson(value), 16);
    digests.set(value, d);
  }
  return d;
}

/**
 * Everything that shapes a day's plan except the moment of planning, what was played and the
 * screen: screens of a site with the same inputs get the same hash, so the plan service plans
 * them once and stamps each screen's copy (server/cron/plan-service.ts). What names the screen
 * is in the item ids (planItemId).
 */
export function dayInputsHash(
  campaign: PlanCampaign,
  site: PlanSite,
  date: string,
  baseTarget: number,
  makeGood: number,
  busyKey = '',
  replays = 0,
): string {
  const weekday = WEEKDAYS[weekdayOf(date)]!;
  // A fixed field order instead of canonical JSON: this runs once per screen-day.
  // v2: the screen left out (v1 had it second).
  const parts = [
    'v2',
    date,
    campaign.id,
    campaign.mediaSha256,
    campaign.mediaDurationMs,
    campaign.minGapMarginMs ?? DEFAULT_MIN_GAP_MARGIN_MS,
    campaign.firstDay,
    campaign.lastDay,
    site.timeZone,
    JSON.stringify(site.openingHours[weekday]),
    site.openingHours.closedDates.includes(date) ? 'closed' : 'open',
    digestOf(profileFor(campaign, site)),
    baseTarget,
    makeGood,
  ];
  // Only a screen shared with campaigns planned before this one adds a part, so a screen with one
  // campaign keeps the hash (and so the plan ids) it always had.
  if (busyKey !== '') parts.push(busyKey);
  // Likewise a day with no failed play to play again keeps its hash: a failure stored today is
  // what re-plans the rest of the day (one more play per failure that the cap lets through).
  if (replays > 0) parts.push(`replays ${replays}`);
  return stableHash(parts.join('\u001f'), 16);
}

/**
 * What names a screen in its plan item ids: 8 hex digits of its id. Ids are unique per screen
 * (the hash part differs per date and slot) and the same at every re-plan of unchanged inputs.
 */
export function screenTag(screenId: string): string {
  return stableHash(screenId, 8);
}

/**
 * A plan item's id: `<16 hex of the day's inputs hash and slot>-<screen tag>`. Screens planned
 * from the same inputs hold the same ids but for the tag after the dash, which is all the plan
 * service changes when it stamps one screen's planned days onto another (plan-service.ts).
 */
export function planItemId(inputsHash: string, slot: number, tag: string): string {
  return `${stableHash(`${inputsHash}.${slot}`, 16)}-${tag}`;
}

export interface PlanDayInput {
  campaign: PlanCampaign;
  site: PlanSite;
  screen: PlanScreen;
  /** Local date in the site's zone. */
  date: string;
  clock: Clock;
  /** Plays already done today: a count, or their start instants (better: peak shares are exact). */
  alreadyPlayed?: AlreadyPlayed;
  /** The plan in force today; its items that started before now are kept as they are. */
  fixedItems?: readonly PlanItem[];
  /** Make-good plays added to this day (already capped by the caller, see makegood.ts). */
  makeGood?: number;
  /** The day's base target if the caller has it (saves recomputing the average basis). */
  baseTarget?: number;
  /** Time held by other campaigns' plays on this screen (see together.ts). */
  busy?: Busy;
  /** Plays of this day stored as not completed (failed or interrupted), so far. */
  failed?: number;
  /**
   * How many of the failed plays the rest of the day plays again (at most `failed`; the caller
   * keeps them within the make-good cap, see planHorizon). The others stay owed: make-goods of
   * a later day.
   */
  replays?: number;
}

export function planDay(input: PlanDayInput): DayPlan {
  const { campaign, site, screen, date, clock } = input;
  const zone = site.timeZone;
  const profile = profileFor(campaign, site);
  const durationMs = campaign.mediaDurationMs;
  const gap = minGapSeconds(campaign);
  const start = dayStart(date, zone);
  const end = dayEnd(date, zone);
  const now = clock.now();

  const open = inCampaignWindow(campaign, date) ? openIntervals(site.openingHours, date, zone) : [];
  const openForStarts = startIntervals(open, durationMs, -Infinity);
  const baseTarget =
    openForStarts.length === 0 ? 0 : (input.baseTarget ?? baseTargetFor(campaign, site, date));
  const makeGood = baseTarget > 0 ? Math.max(0, Math.floor(input.makeGood ?? 0)) : 0;
  const target = baseTarget + makeGood;
  const failed = Math.max(0, Math.floor(input.failed ?? 0));
  const replays = baseTarget > 0 ? Math.min(failed, Math.max(0, Math.floor(input.replays ?? 0))) : 0;
  const inputsHash = dayInputsHash(campaign, site, date, baseTarget, makeGood, input.busy?.key, replays);
  const tag = screenTag(screen.id);

  const slices = profileSlices(date, zone, profile);
  const peakAt = (t: number): boolean => {
    for (const sl of slices) if (t >= sl.start && t < sl.end) return isPeakWeight(sl.weight);
    return false;
  };
  const share = peakShareOf(weightedPieces(open, slices));
  const peakRequired = requiredPeak(target, share);

  // What is already behind us today.
  const midDay = now > start;
  const kept = midDay
    ? (input.fixedItems ?? []).filter((it) => it.start < now && it.start >= start && it.start < end)
    : [];
  kept.sort((a, b) => a.start - b.start);
  let played = 0;
  let playedPeak = 0;
  let earliest = Math.max(start, now);
  const gapMs = gap * 1000;
  if (midDay) {
    const ap = input.alreadyPlayed ?? 0;
    if (typeof ap === 'number') {
      played = Math.max(0, Math.floor(ap));
      playedPeak = kept.slice(0, played).filter((it) => it.peak).length;
    } else {
      for (const p of ap) {
        if (p.startedAt < start || p.startedAt >= end) continue;
        played++;
        if (peakAt(p.startedAt)) playedPeak++;
        earliest = Math.max(earliest, p.startedAt + gapMs);
      }
    }
    for (const it of kept) earliest = Math.max(earliest, it.start + gapMs);
  }

  // What the day still owes, less the failed plays it does not play again today (their make-goods
  // come on later days, within the cap). The others were not completed, so they are still owed.
  const remaining = Math.max(0, target - played - (midDay ? failed - replays : 0));
  const remStarts =
    now >= end ? [] : startIntervals(withoutBusy(open, input.busy?.intervals), durationMs, earliest);
  const remPieces = weightedPieces(remStarts, slices);
  const spaces = buildSpaces(remPieces, gap);
  const capPeak = spaceCapacity(spaces.peak, gap);
  const capOff = spaceCapacity(spaces.off, gap);
  const remShare = peakShareOf(remPieces);
  const wantPeak = Math.max(peakRequired - playedPeak, requiredPeak(remaining, remShare), remaining - capOff);
  const nPeak = Math.min(capPeak, remaining, Math.max(0, wantPeak));
  let nOff = Math.min(capOff, remaining - nPeak);
  // When the day cannot hold everything, the peak share still holds: fewer plays (reported as a
  // shortfall and carried forward as make-goods) rather than plays at the wrong hours.
  while (nOff > 0 && playedPeak + nPeak < requiredPeak(played + nPeak + nOff, share)) nOff--;
  const shortfall = remaining - nPeak - nOff;

  const starts = [
    ...placeInSpace(spaces.peak, nPeak, gap).map((t) => [t, 1] as const),
    ...placeInSpace(spaces.off, nOff, gap).map((t) => [t, 0] as const),
  ];
  starts.sort((a, b) => a[0] - b[0]);
  const items: PlanItem[] = kept.map((it) => ({ ...it }));
  for (const [t, peak] of starts) {
    const slot = items.length;
    items.push({
      // The inputs hash names the date and what shaped the day; the tag names the screen.
      id: planItemId(inputsHash, slot, tag),
      mediaSha256: campaign.mediaSha256,
      start: t,
      end: t + durationMs,
      peak: peak === 1,
    });
  }

  return {
    screenId: screen.id,
    date,
    timeZone: zone,
    items,
    target,
    baseTarget,
    makeGood,
    alreadyPlayed: played,
    shortfall,
    peakRequired,
    inputsHash,
  };
}

/**
 * What a change of a site's rate does to today, per screen: how many more plays today's plan
 * holds from `now` on, and how many of the day's added plays cannot fit before the site closes
 * and so move to later days (as make-goods). `played` is what the screen has played today.
 */
export function raiseEffectToday(
  campaign: PlanCampaign,
  before: PlanSite,
  after: PlanSite,
  clock: Clock,
  played: ReadonlyArray<{ startedAt: number }> = [],
): { date: string; addedToday: number; movedLater: number } {
  const now = clock.now();
  const date = localDateOf(now, after.timeZone);
  const added = Math.max(0, baseTargetFor(campaign, after, date) - baseTargetFor(campaign, before, date));
  const ahead = (site: PlanSite) =>
    planDay({ campaign, site, screen: { id: 'effect' }, date, clock, alreadyPlayed: played }).items.filter(
      (i) => i.start >= now,
    ).length;
  const addedToday = added === 0 ? 0 : Math.min(added, Math.max(0, ahead(after) - ahead(before)));
  return { date, addedToday, movedLater: added - addedToday };
}

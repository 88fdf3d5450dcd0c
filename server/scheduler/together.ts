/**
 * Several campaigns on one screen (issue 14, part 3; docs/decisions/017-several-campaigns.md).
 *
 * Campaigns are planned one after another in priority order (lower number first, then by id).
 * Each is planned exactly as it would be alone (its own target, raises, make-goods and peak
 * weighting), except that the time the campaigns before it hold is taken out of its open hours:
 * every play of an earlier campaign, widened on both sides by the larger of the two campaigns'
 * quiet margins. So two plays never overlap, the quiet time between any two plays on the screen
 * is at least the margin of either, and when a day is too short the later campaign is the one
 * that falls short (its shortfall is carried forward as make-goods, like any other).
 *
 * A screen with one campaign gets nothing taken out and the very plan (and hash, and ids) it got
 * before several campaigns were planned together.
 */
import type { Clock } from '../../shared/clock.ts';
import { localDateOf } from '../../shared/time.ts';
import { dayEnd, dayStart, type Interval } from './day.ts';
import { stableHash } from './hash.ts';
import { planHorizon, DEFAULT_HORIZON_DAYS, type Horizon, type HorizonInput } from './horizon.ts';
import { DEFAULT_MIN_GAP_MARGIN_MS, type Busy } from './plan.ts';
import type { DayPlan, PlanCampaign, PlanItem, PlanScreen } from './types.ts';

/** A campaign's priority when it names none: after every campaign that does. */
export const DEFAULT_CAMPAIGN_PRIORITY = 100;

export function priorityOf(c: PlanCampaign): number {
  return c.priority ?? DEFAULT_CAMPAIGN_PRIORITY;
}

/** Planning order: priority (lower first), then id, so the order never depends on input order. */
export function byPriority<T extends { campaign: PlanCampaign }>(list: readonly T[]): T[] {
  return [...list].sort(
    (a, b) =>
      priorityOf(a.campaign) - priorityOf(b.campaign) ||
      (a.campaign.id < b.campaign.id ? -1 : a.campaign.id > b.campaign.id ? 1 : 0),
  );
}

export function marginOf(c: PlanCampaign): number {
  return c.minGapMarginMs ?? DEFAULT_MIN_GAP_MARGIN_MS;
}

/** The stretch a play of another campaign keeps a play of `c` out of. */
function heldBy(item: Pick<PlanItem, 'start' | 'end'>, other: PlanCampaign, c: PlanCampaign): Interval {
  const m = Math.max(marginOf(other), marginOf(c));
  return [item.start - m, item.end + m];
}

/** Busy time of one day from plays of other campaigns; `key` only from those that should re-plan it. */
export function busyOfDay(
  date: string,
  zone: string,
  c: PlanCampaign,
  hashed: ReadonlyArray<{ campaign: PlanCampaign; items: readonly Pick<PlanItem, 'start' | 'end'>[] }>,
  unhashed: ReadonlyArray<{ campaign: PlanCampaign; items: readonly Pick<PlanItem, 'start' | 'end'>[] }> = [],
): Busy | undefined {
  const s = dayStart(date, zone);
  const e = dayEnd(date, zone);
  const touching = (iv: Interval) => iv[1] > s && iv[0] < e;
  const keyed: Interval[] = [];
  for (const h of hashed) for (const it of h.items) keyed.push(heldBy(it, h.campaign, c));
  const mine = keyed.filter(touching).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const extra: Interval[] = [];
  for (const h of unhashed) for (const it of h.items) extra.push(heldBy(it, h.campaign, c));
  const passing = extra.filter(touching);
  if (mine.length === 0 && passing.length === 0) return undefined;
  return {
    intervals: [...mine, ...passing],
    key: mine.length === 0 ? '' : stableHash(mine.map(([a, b]) => `${a}-${b}`).join(','), 16),
  };
}

/** One campaign's part of a screen's plan: its horizon input without what the screen shares. */
export type TogetherCampaign = Omit<HorizonInput, 'screen' | 'clock' | 'from' | 'days' | 'busy'>;

export interface TogetherInput {
  screen: PlanScreen;
  clock: Clock;
  /** First date to plan; default: today in the site's zone. */
  from?: string;
  days?: number;
  /** Every active campaign the screen's site takes part in (any order). */
  campaigns: readonly TogetherCampaign[];
}

export interface TogetherResult {
  campaign: PlanCampaign;
  horizon: Horizon;
}

/**
 * Plans every campaign of one screen together, in priority order (see the top of this file).
 * The answer is in planning order; each horizon is what planHorizon gives for that campaign.
 */
export function planScreenTogether(input: TogetherInput): TogetherResult[] {
  const { screen, clock } = input;
  const order = byPriority(input.campaigns);
  const days = input.days ?? DEFAULT_HORIZON_DAYS;
  const out: TogetherResult[] = [];
  const now = clock.now();
  for (let i = 0; i < order.length; i++) {
    const c = order[i]!;
    const zone = c.site.timeZone;
    const today = localDateOf(now, zone);
    const from = input.from ?? today;
    const earlier = out.map((r) => ({
      campaign: r.campaign,
      items: r.horizon.plans.flatMap((p) => p.items),
    }));
    // A later campaign's play that is on screen now (or just ended) cannot move: an earlier
    // campaign re-planned mid-day keeps clear of it. It does not enter the hash: once it has
    // ended it no longer matters, and it must not make the day re-plan again.
    const running = order.slice(i + 1).map((o) => ({
      campaign: o.campaign,
      items: (o.previous ?? [])
        .filter((p: DayPlan) => p.date === today)
        .flatMap((p) => p.items)
        .filter(
          (it) => it.start <= now && it.end + Math.max(marginOf(o.campaign), marginOf(c.campaign)) > now,
        ),
    }));
    const cache = new Map<string, Busy | undefined>();
    const busy = (date: string): Busy | undefined => {
      if (!cache.has(date))
        cache.set(date, busyOfDay(date, zone, c.campaign, earlier, date === today ? running : []));
      return cache.get(date);
    };
    const horizon = planHorizon({
      ...c,
      screen,
      clock,
      from,
      days,
      ...(earlier.length > 0 || running.some((r) => r.items.length > 0) ? { busy } : {}),
    });
    out.push({ campaign: c.campaign, horizon });
  }
  return out;
}

/** Every pair of plays on one screen that overlap or come closer than their quiet margin. */
export function gapViolations(
  items: ReadonlyArray<{ campaignId: string; start: number; end: number }>,
  marginFor: (campaignId: string) => number,
): Array<{ a: (typeof items)[number]; b: (typeof items)[number]; overlap: boolean }> {
  const sorted = [...items].sort((x, y) => x.start - y.start || x.end - y.end);
  const out: Array<{ a: (typeof items)[number]; b: (typeof items)[number]; overlap: boolean }> = [];
  // The play that ends last so far: a long play can reach past several short ones.
  let a = sorted[0];
  for (let i = 1; i < sorted.length; i++) {
    const b = sorted[i]!;
    const need = Math.max(marginFor(a!.campaignId), marginFor(b.campaignId));
    if (b.start < a!.end) out.push({ a: a!, b, overlap: true });
    else if (b.start - a!.end < need) out.push({ a: a!, b, overlap: false });
    if (b.end >= a!.end) a = b;
  }
  return out;
}

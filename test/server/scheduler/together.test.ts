/**
 * Several campaigns on one screen (issue 14, part 3): planScreenTogether places every campaign's
 * plays together, with no overlap, the quiet margin held across campaigns, each campaign's own
 * target and peak share, and the priority order when the day is short. The checks below are
 * written out here (open hours from the zone data, gaps pair by pair), not the scheduler's own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import type { OpeningHours } from '../../../shared/schemas/domain.ts';
import { zonedToInstant } from '../../../shared/time.ts';
import {
  DEFAULT_MIN_GAP_MARGIN_MS,
  planDay,
  planHorizon,
  planScreenTogether,
  type DayPlan,
  type PlanCampaign,
  type PlanSite,
  type TogetherCampaign,
} from '../../../server/scheduler/index.ts';
import { campaign, expectedOpen, HCM, office, officeProfile, weightAt } from './fixtures.ts';

const DAY = '2024-09-10'; // a Tuesday
const BEFORE = zonedToInstant('2024-09-09', 20 * 60, HCM);

const second = (over: Partial<PlanCampaign> = {}): PlanCampaign =>
  campaign({
    id: 'giai-phong-thu-do-70',
    mediaSha256: 'cd'.repeat(32),
    mediaDurationMs: 20_000,
    priority: 2,
    ...over,
  });

function input(c: PlanCampaign, site: PlanSite, over: Partial<TogetherCampaign> = {}): TogetherCampaign {
  return { campaign: c, site, achieved: {}, accountableFrom: DAY, ...over };
}

interface Play {
  campaignId: string;
  start: number;
  end: number;
  margin: number;
}

function playsOf(results: ReturnType<typeof planScreenTogether>, date = DAY): Play[] {
  return results.flatMap((r) =>
    r.horizon.plans
      .filter((p) => p.date === date)
      .flatMap((p) =>
        p.items.map((i) => ({
          campaignId: r.campaign.id,
          start: i.start,
          end: i.end,
          margin: r.campaign.minGapMarginMs ?? DEFAULT_MIN_GAP_MARGIN_MS,
        })),
      ),
  );
}

/** Every pair of plays, not only neighbours: overlaps and quiet time shorter than either margin. */
function violations(plays: Play[]): { overlaps: number; gaps: number } {
  let overlaps = 0;
  let gaps = 0;
  for (let i = 0; i < plays.length; i++)
    for (let j = i + 1; j < plays.length; j++) {
      const [a, b] = plays[i]!.start <= plays[j]!.start ? [plays[i]!, plays[j]!] : [plays[j]!, plays[i]!];
      if (b.start < a.end) overlaps++;
      else if (b.start - a.end < Math.max(a.margin, b.margin)) gaps++;
    }
  return { overlaps, gaps };
}

function dayOf(results: ReturnType<typeof planScreenTogether>, id: string, date = DAY): DayPlan {
  return results.find((r) => r.campaign.id === id)!.horizon.plans.find((p) => p.date === date)!;
}

describe('planScreenTogether', () => {
  it('plans a screen with one campaign exactly as planHorizon does alone', () => {
    const clock = new VirtualClock(BEFORE);
    const c = campaign({ priority: 1 });
    const alone = planHorizon({ ...input(c, office()), screen: { id: 's/1' }, clock, from: DAY, days: 7 });
    const together = planScreenTogether({
      screen: { id: 's/1' },
      clock,
      from: DAY,
      days: 7,
      campaigns: [input(c, office())],
    });
    expect(together).toHaveLength(1);
    expect(together[0]!.horizon).toEqual(alone);
  });

  it('places two campaigns on one office screen: both on target, no overlap, the gap held across them, each its own peak share', () => {
    const clock = new VirtualClock(BEFORE);
    const site = office();
    const a = campaign({ priority: 1, targetPerDay: 30 });
    const b = second({ targetPerDay: 25 });
    const res = planScreenTogether({
      screen: { id: 's/1' },
      clock,
      from: DAY,
      days: 1,
      campaigns: [input(b, site), input(a, site)], // order given does not matter
    });
    expect(res.map((r) => r.campaign.id)).toEqual(['ihanoi-2024', 'giai-phong-thu-do-70']);
    const plays = playsOf(res);
    expect(plays.filter((p) => p.campaignId === 'ihanoi-2024')).toHaveLength(30);
    expect(plays.filter((p) => p.campaignId === 'giai-phong-thu-do-70')).toHaveLength(25);
    expect(violations(plays)).toEqual({ overlaps: 0, gaps: 0 });
    const open = expectedOpen(site.openingHours, DAY, HCM);
    expect(plays.filter((p) => !open.some(([s, e]) => p.start >= s && p.end <= e))).toEqual([]);
    for (const id of ['ihanoi-2024', 'giai-phong-thu-do-70']) {
      const d = dayOf(res, id);
      expect(d.shortfall).toBe(0);
      const peak = d.items.filter((i) => weightAt(officeProfile, i.start, HCM) > 1).length;
      expect(peak).toBeGreaterThanOrEqual(d.peakRequired);
      expect(d.peakRequired).toBeGreaterThan(0);
    }
  });

  it('when the day is short, the campaign with the lower priority number keeps its plays and the other falls short', () => {
    const clock = new VirtualClock(BEFORE);
    const site = office();
    // 7.5 open hours; 45 s videos with a 60 s margin: each campaign alone could take 150+.
    const a = campaign({ priority: 1, targetPerDay: 150 });
    const b = second({ targetPerDay: 150, mediaDurationMs: 45_000 });
    const plan = (ca: PlanCampaign, cb: PlanCampaign) =>
      planScreenTogether({
        screen: { id: 's/1' },
        clock,
        from: DAY,
        days: 1,
        campaigns: [input(ca, site), input(cb, site)],
      });
    const first = plan(a, b);
    expect(dayOf(first, 'ihanoi-2024').shortfall).toBe(0);
    expect(dayOf(first, 'ihanoi-2024').items).toHaveLength(150);
    expect(dayOf(first, 'giai-phong-thu-do-70').shortfall).toBeGreaterThan(100);
    expect(violations(playsOf(first))).toEqual({ overlaps: 0, gaps: 0 });
    // The first campaign's plan is exactly the one it would have alone.
    const alone = planDay({ campaign: a, site, screen: { id: 's/1' }, date: DAY, clock });
    expect(dayOf(first, 'ihanoi-2024').items).toEqual(alone.items);

    const swapped = plan({ ...a, priority: 3 }, b);
    expect(swapped.map((r) => r.campaign.id)).toEqual(['giai-phong-thu-do-70', 'ihanoi-2024']);
    expect(dayOf(swapped, 'giai-phong-thu-do-70').shortfall).toBe(0);
    expect(dayOf(swapped, 'ihanoi-2024').shortfall).toBeGreaterThan(100);
  });

  it('a mid-day re-plan of the first campaign keeps clear of the second campaign’s play on screen now', () => {
    const site = office();
    const a = campaign({ priority: 1, targetPerDay: 20 });
    const b = second({ targetPerDay: 20 });
    const morning = planScreenTogether({
      screen: { id: 's/1' },
      clock: new VirtualClock(BEFORE),
      from: DAY,
      days: 1,
      campaigns: [input(a, site), input(b, site)],
    });
    const bItems = dayOf(morning, 'giai-phong-thu-do-70').items;
    const onAir = bItems.find((i) => i.start > zonedToInstant(DAY, 14 * 60, HCM))!;
    // Raised (far past what fits, so the rest of the day is packed) at the second the later campaign's play starts: the first campaign re-plans the
    // rest of the day from now and must not cut into it.
    const now = onAir.start + 1_000;
    const clock = new VirtualClock(now);
    const prev = (id: string) => [dayOf(morning, id)];
    const after = planScreenTogether({
      screen: { id: 's/1' },
      clock,
      from: DAY,
      days: 1,
      campaigns: [
        input(a, site, {
          site: { ...site, overridePerDay: 300, overrideEffectiveFrom: now },
          previous: prev('ihanoi-2024'),
          alreadyPlayedToday: dayOf(morning, 'ihanoi-2024')
            .items.filter((i) => i.start < now)
            .map((i) => ({ startedAt: i.start })),
        }),
        input(b, site, {
          previous: prev('giai-phong-thu-do-70'),
          alreadyPlayedToday: bItems.filter((i) => i.start < now).map((i) => ({ startedAt: i.start })),
        }),
      ],
    });
    expect(dayOf(after, 'ihanoi-2024').items.length).toBeGreaterThan(20);
    expect(dayOf(after, 'giai-phong-thu-do-70').items).toContainEqual(onAir);
    expect(violations(playsOf(after))).toEqual({ overlaps: 0, gaps: 0 });
  });

  it('property: no overlap, every gap held, each campaign within hours, and priorities respected when short (fixed seed)', () => {
    const hours = (from: number, to: number): OpeningHours => {
      const t = (m: number) =>
        `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
      const day: Array<[string, string]> = [[t(from), t(to)]];
      return { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day, closedDates: [] };
    };
    const arbCampaign = fc.record({
      durationS: fc.integer({ min: 5, max: 90 }),
      marginS: fc.integer({ min: 0, max: 120 }),
      target: fc.integer({ min: 1, max: 60 }),
      priority: fc.integer({ min: 1, max: 5 }),
      peak: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(arbCampaign, { minLength: 2, maxLength: 3 }),
        fc.integer({ min: 6 * 60, max: 10 * 60 }),
        fc.integer({ min: 30, max: 6 * 60 }),
        (specs, openAt, openFor) => {
          const site = office({ openingHours: hours(openAt, Math.min(24 * 60, openAt + openFor)) });
          const list = specs.map((s, i) =>
            campaign({
              id: `c${i}`,
              mediaSha256: String(i).repeat(64),
              mediaDurationMs: s.durationS * 1000,
              minGapMarginMs: s.marginS * 1000,
              targetPerDay: s.target,
              priority: s.priority,
              ...(s.peak ? {} : { peakProfiles: {} }),
            }),
          );
          const clock = new VirtualClock(BEFORE);
          const res = planScreenTogether({
            screen: { id: 's/1' },
            clock,
            from: DAY,
            days: 1,
            campaigns: list.map((c) => input(c, site)),
          });
          const plays = playsOf(res);
          expect(violations(plays)).toEqual({ overlaps: 0, gaps: 0 });
          const open = expectedOpen(site.openingHours, DAY, HCM);
          expect(plays.every((p) => open.some(([s, e]) => p.start >= s && p.end <= e))).toBe(true);
          // Planning order is priority, then id.
          const order = res.map((r) => r.campaign);
          for (let i = 1; i < order.length; i++) {
            const x = order[i - 1]!;
            const y = order[i]!;
            expect(x.priority! < y.priority! || (x.priority === y.priority && x.id < y.id)).toBe(true);
          }
          // The first campaign loses nothing to the others: its plan is the one it has alone.
          const first = dayOf(res, order[0]!.id);
          const alone = planDay({ campaign: order[0]!, site, screen: { id: 's/1' }, date: DAY, clock });
          expect(first.items).toEqual(alone.items);
          expect(first.shortfall).toBe(alone.shortfall);
          // Each campaign: plays + shortfall = its target; and no campaign loses a play to one
          // after it in the order: planned with only the campaigns before it, it gets the same.
          order.forEach((c, i) => {
            const d = dayOf(res, c.id);
            expect(d.items.length + d.shortfall).toBe(d.target);
            const without = planScreenTogether({
              screen: { id: 's/1' },
              clock,
              from: DAY,
              days: 1,
              campaigns: order.slice(0, i + 1).map((x) => input(x, site)),
            });
            expect(dayOf(without, c.id).items).toEqual(d.items);
          });
        },
      ),
      { seed: 20241010, numRuns: 150 },
    );
  });
});

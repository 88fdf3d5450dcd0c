import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { zonedToInstant } from '../../../shared/time.ts';
import { planHorizon } from '../../../server/scheduler/index.ts';
import { campaignTargets, type PlanCampaign, type PlanSite } from '../../../server/scheduler/index.ts';
import { HCM, campaign, office, street } from './fixtures.ts';

/** Every day before `today` played exactly its target. */
function onTarget(c: PlanCampaign, site: PlanSite, today: string): Record<string, number> {
  return Object.fromEntries(
    campaignTargets(c, site)
      .filter((d) => d.date < today)
      .map((d) => [d.date, d.target]),
  );
}

const screen = { id: 'scr-1' };
const monday = new VirtualClock(zonedToInstant('2024-09-09', '00:00:05', HCM));

describe('planHorizon', () => {
  it('gives the next 7 days, with 0-play plans on closed days', () => {
    const { plans } = planHorizon({
      campaign: campaign(),
      site: office(),
      screen,
      clock: monday,
      achieved: onTarget(campaign(), office(), '2024-09-09'),
    });
    expect(plans.map((p) => p.date)).toEqual([
      '2024-09-09',
      '2024-09-10',
      '2024-09-11',
      '2024-09-12',
      '2024-09-13',
      '2024-09-14',
      '2024-09-15',
    ]);
    expect(plans.map((p) => p.items.length)).toEqual([10, 10, 10, 10, 10, 10, 0]);
  });

  it('stops at the campaign end', () => {
    const clock = new VirtualClock(zonedToInstant('2024-10-08', '09:00', HCM));
    const { plans } = planHorizon({
      campaign: campaign(),
      site: street(),
      screen,
      clock,
      achieved: onTarget(campaign(), street(), '2024-10-08'),
    });
    expect(plans.map((p) => p.date)).toEqual(['2024-10-08', '2024-10-09', '2024-10-10']);
  });

  it('returns the issued plan unchanged when nothing changed, and a new one when an input did', () => {
    const first = planHorizon({
      campaign: campaign(),
      site: office(),
      screen,
      clock: monday,
      achieved: onTarget(campaign(), office(), '2024-09-09'),
    }).plans;
    const later = new VirtualClock(zonedToInstant('2024-09-09', '15:00', HCM));
    const again = planHorizon({
      campaign: campaign(),
      site: office(),
      screen,
      clock: later,
      previous: first,
      achieved: onTarget(campaign(), office(), '2024-09-09'),
    }).plans;
    expect(again).toEqual(first);
    const media = planHorizon({
      campaign: campaign({ mediaSha256: 'ef'.repeat(32) }),
      site: office(),
      screen,
      clock: later,
      previous: first,
      achieved: onTarget(campaign(), office(), '2024-09-09'),
    }).plans;
    media.forEach((p, i) => expect(p.inputsHash).not.toBe(first[i]!.inputsHash));
    // A raise from Wednesday changes Wednesday onwards only.
    const raise = office({
      overridePerDay: 14,
      overrideEffectiveFrom: zonedToInstant('2024-09-11', '00:00', HCM),
    });
    const raised = planHorizon({
      campaign: campaign(),
      site: raise,
      screen,
      clock: later,
      previous: first,
      achieved: onTarget(campaign(), office(), '2024-09-09'),
    }).plans;
    expect(raised.slice(0, 2)).toEqual(first.slice(0, 2));
    expect(raised[2]!.items).toHaveLength(14);
    expect(raised[2]!.inputsHash).not.toBe(first[2]!.inputsHash);
  });

  it('re-plans today from now when an input changes mid-day', () => {
    const first = planHorizon({
      campaign: campaign(),
      site: office(),
      screen,
      clock: monday,
      achieved: onTarget(campaign(), office(), '2024-09-09'),
    }).plans;
    const at14 = zonedToInstant('2024-09-09', '14:00', HCM);
    const done = first[0]!.items.filter((i) => i.start < at14);
    const raise = office({ overridePerDay: 18, overrideEffectiveFrom: at14 });
    const { plans } = planHorizon({
      campaign: campaign(),
      site: raise,
      screen,
      achieved: onTarget(campaign(), office(), '2024-09-09'),
      clock: new VirtualClock(at14),
      previous: first,
      alreadyPlayedToday: done.map((i) => ({ startedAt: i.start })),
    });
    expect(plans[0]!.items.filter((i) => i.start < at14)).toEqual(done);
    expect(plans[0]!.items).toHaveLength(18);
  });

  it('adds make-goods for plays missed before today, within the cap', () => {
    const achieved = { '2024-09-04': 10, '2024-09-05': 0, '2024-09-06': 0, '2024-09-07': 10 };
    const c = campaign({ firstDay: '2024-09-04' });
    const { plans, makeGoods } = planHorizon({
      campaign: c,
      site: office(),
      screen,
      clock: monday,
      achieved,
    });
    expect(makeGoods.deficit).toBe(20);
    expect(Object.values(makeGoods.extra).reduce((s, n) => s + n, 0)).toBe(20);
    expect(makeGoods.unrecoverable).toBe(0);
    for (const p of plans) {
      expect(p.makeGood).toBe(makeGoods.extra[p.date] ?? 0);
      expect(p.makeGood).toBeLessThanOrEqual(5);
      expect(p.items).toHaveLength(p.baseTarget + p.makeGood);
    }
    // Spread over the following week of operating days, not dumped on Monday.
    expect(plans[0]!.makeGood).toBeLessThan(5);
    expect(plans.slice(0, 6).every((p) => p.makeGood > 0)).toBe(true);
    expect(plans.at(-1)!.items).toHaveLength(0);
  });
});

describe('planHorizon: a late rollover', () => {
  it('keeps the make-good share of a day that has already started', () => {
    const c = campaign({ firstDay: '2024-09-04' });
    const achievedBefore = { '2024-09-04': 10, '2024-09-05': 10, '2024-09-06': 10, '2024-09-07': 10 };
    const first = planHorizon({
      campaign: c,
      site: office(),
      screen,
      clock: monday,
      achieved: achievedBefore,
    }).plans;
    expect(first[0]!.makeGood).toBe(0);
    // At 09:00 the server learns that Saturday was missed: today keeps its plan, tomorrow gets extra.
    const at9 = new VirtualClock(zonedToInstant('2024-09-09', '09:00', HCM));
    const { plans } = planHorizon({
      campaign: c,
      site: office(),
      screen,
      clock: at9,
      achieved: { ...achievedBefore, '2024-09-07': 0 },
      previous: first,
    });
    expect(plans[0]).toEqual(first[0]);
    expect(plans[1]!.makeGood).toBeGreaterThan(0);
  });
});

/**
 * A failed play is made good the same day when the day still has room (issue 12): the rest of
 * today holds one more play per failed play, within the make-good cap; a failure too late to fit
 * stays owed and becomes a make-good of a later day, and one made good today is not owed again.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { zonedToInstant } from '../../../shared/time.ts';
import { minGapSeconds, planHorizon, type DayPlan, type PlanItem } from '../../../server/scheduler/index.ts';
import { HCM, campaign, office } from './fixtures.ts';

const screen = { id: 'scr-1' };
const MON = '2024-09-09';
const TUE = '2024-09-10';
const c = campaign({ firstDay: '2024-09-04' });
// Every day before Monday on target (Mon 02/09 and Tue 03/09 are closed).
const before = { '2024-09-04': 10, '2024-09-05': 10, '2024-09-06': 10, '2024-09-07': 10 };

function morning(): DayPlan[] {
  return planHorizon({
    campaign: c,
    site: office(),
    screen,
    clock: new VirtualClock(zonedToInstant(MON, '00:00:05', HCM)),
    achieved: before,
  }).plans;
}

/** Monday re-planned at `at`, the plays before it done, those in `failed` not completed. */
function replanAt(first: DayPlan[], at: number, failed: readonly PlanItem[], achievedMon?: number) {
  const started = first[0]!.items.filter((i) => i.start < at);
  return planHorizon({
    campaign: c,
    site: office(),
    screen,
    clock: new VirtualClock(at),
    achieved: achievedMon === undefined ? before : { ...before, [MON]: achievedMon },
    previous: first,
    alreadyPlayedToday: started.filter((i) => !failed.includes(i)).map((i) => ({ startedAt: i.start })),
    failedToday: failed.length,
  });
}

/** Gap, opening hours and the kept part of the day, checked on a re-planned Monday. */
function expectSound(day: DayPlan, first: DayPlan, at: number): void {
  const gapMs = minGapSeconds(c) * 1000;
  const starts = day.items.map((i) => i.start);
  expect([...starts].sort((a, b) => a - b)).toEqual(starts);
  for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(gapMs);
  const close = zonedToInstant(MON, '17:00', HCM);
  for (const it of day.items) expect(it.end).toBeLessThanOrEqual(close);
  expect(day.items.filter((i) => i.start < at)).toEqual(first.items.filter((i) => i.start < at));
}

describe('a failed play made good the same day', () => {
  it('adds one play to the rest of today per failed play, keeping what has started', () => {
    const first = morning();
    expect(first[0]!.items).toHaveLength(10);
    const at = zonedToInstant(MON, '10:00', HCM);
    const failed = first[0]!.items.filter((i) => i.end < at).slice(-1);
    expect(failed).toHaveLength(1);
    const ahead = first[0]!.items.filter((i) => i.start >= at).length;
    const { plans } = replanAt(first, at, failed);
    const mon = plans[0]!;
    expect(mon.items.filter((i) => i.start >= at)).toHaveLength(ahead + 1);
    expect(mon.items).toHaveLength(11);
    // The day still owes its 10 (nothing above it): the failure is played again, not added.
    expect({ target: mon.target, makeGood: mon.makeGood, shortfall: mon.shortfall }).toEqual({
      target: 10,
      makeGood: 0,
      shortfall: 0,
    });
    expect(mon.inputsHash).not.toBe(first[0]!.inputsHash);
    expectSound(mon, first[0]!, at);
    // The other days are untouched.
    expect(plans.slice(1)).toEqual(first.slice(1));

    // Made good the same day: Tuesday owes nothing more for it.
    const tue = planHorizon({
      campaign: c,
      site: office(),
      screen,
      clock: new VirtualClock(zonedToInstant(TUE, '00:00:05', HCM)),
      achieved: { ...before, [MON]: 10 },
      previous: plans.slice(1),
    });
    expect(tue.makeGoods.deficit).toBe(0);
    expect(tue.plans[0]).toEqual(plans[1]);
  });

  it('plays nothing more when the failure leaves no time before close; it stays owed', () => {
    const first = morning();
    const at = zonedToInstant(MON, '16:59:30', HCM);
    const failed = first[0]!.items.slice(-1);
    expect(failed[0]!.end).toBeLessThan(at);
    const { plans } = replanAt(first, at, failed);
    const mon = plans[0]!;
    expect(mon.items).toHaveLength(10);
    expect(mon.shortfall).toBe(1);
    expectSound(mon, first[0]!, at);
    // Monday ends one play short: Tuesday carries it as a make-good.
    const tue = planHorizon({
      campaign: c,
      site: office(),
      screen,
      clock: new VirtualClock(zonedToInstant(TUE, '00:00:05', HCM)),
      achieved: { ...before, [MON]: 9 },
      previous: plans.slice(1),
    });
    expect(tue.makeGoods.deficit).toBe(1);
    expect(tue.plans[0]!.makeGood).toBe(1);
  });

  it('plays failures again only up to the make-good cap', () => {
    const first = morning();
    // The first 7 plays all failed: the cap lets 5 back today (50% of the target of 10).
    const failed = first[0]!.items.slice(0, 7);
    const at = failed.at(-1)!.end + 1;
    const ahead = first[0]!.items.filter((i) => i.start >= at).length;
    const { plans } = replanAt(first, at, failed);
    const mon = plans[0]!;
    expect(mon.items.filter((i) => i.start >= at)).toHaveLength(ahead + 5);
    expect(mon.shortfall).toBe(0);
    // One more failure changes nothing: the cap is reached.
    const again = replanAt(plans, at + 1, [...failed, { ...failed[0]!, id: 'another' }]);
    expect(again.plans[0]).toEqual(mon);
    expectSound(mon, first[0]!, at);
  });
});

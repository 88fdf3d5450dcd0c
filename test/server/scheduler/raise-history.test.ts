import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { eachDate, zonedToInstant } from '../../../shared/time.ts';
import {
  baseTargetFor,
  campaignTargets,
  planHorizon,
  raiseSteps,
  type PlanSite,
} from '../../../server/scheduler/index.ts';
import { HCM, campaign, office } from './fixtures.ts';

const screen = { id: 'scr-1' };
const mon14 = zonedToInstant('2024-09-16', '14:00', HCM);
const thu10 = zonedToInstant('2024-09-19', '10:00', HCM);

/** The scenario: 15 from Mon 16/09 14:00, 20 from Thu 19/09 10:00. */
function raisedTwice(): PlanSite {
  return office({
    raises: raiseSteps([
      { plays_per_day: 15, effective_from_ms: mon14 },
      { plays_per_day: 20, effective_from_ms: thu10 },
    ]),
  });
}

describe('targets from the full raise history', () => {
  it('each day is owed at the rate in force that day, past days keep their earlier raise', () => {
    const site = raisedTwice();
    const c = campaign();
    expect(baseTargetFor(c, site, '2024-09-13')).toBe(10);
    expect(baseTargetFor(c, site, '2024-09-16')).toBe(15);
    expect(baseTargetFor(c, site, '2024-09-17')).toBe(15);
    expect(baseTargetFor(c, site, '2024-09-18')).toBe(15);
    expect(baseTargetFor(c, site, '2024-09-19')).toBe(20);
    expect(baseTargetFor(c, site, '2024-09-20')).toBe(20);
  });

  it('a lowering does not rewrite the days raised before it', () => {
    const site = office({
      raises: raiseSteps([
        { plays_per_day: 18, effective_from_ms: mon14 },
        { plays_per_day: 10, effective_from_ms: thu10 },
      ]),
    });
    const t = Object.fromEntries(campaignTargets(campaign(), site).map((d) => [d.date, d.target]));
    expect([t['2024-09-16'], t['2024-09-17'], t['2024-09-18'], t['2024-09-19']]).toEqual([18, 18, 18, 10]);
  });

  it('second raise: the site off on Tuesday gets make-goods for what its history says it owes', () => {
    const site = raisedTwice();
    const c = campaign();
    const achieved: Record<string, number> = {};
    for (const d of eachDate(c.firstDay, '2024-09-18')) achieved[d] = baseTargetFor(c, site, d);
    achieved['2024-09-17'] = 0; // off all Tuesday
    const { makeGoods, plans } = planHorizon({
      campaign: c,
      site,
      screen,
      clock: new VirtualClock(thu10),
      from: '2024-09-19',
      achieved,
    });
    expect(makeGoods.deficit).toBe(15);
    const extra = Object.values(makeGoods.extra).reduce((s, n) => s + n, 0);
    expect(extra + makeGoods.unrecoverable).toBe(15);
    expect(makeGoods.unrecoverable).toBe(0);
    for (const p of plans) expect(p.makeGood).toBe(makeGoods.extra[p.date] ?? 0);
    expect(plans[0]!.baseTarget).toBe(20);
  });
});

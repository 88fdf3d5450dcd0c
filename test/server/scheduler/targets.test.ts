import { describe, expect, it } from 'vitest';
import { zonedToInstant } from '../../../shared/time.ts';
import { baseTargetFor, campaignTargets, operatingDays } from '../../../server/scheduler/index.ts';
import { HCM, campaign, office } from './fixtures.ts';

describe('average basis', () => {
  it('operating_day: the target on every open day, 0 on closed days', () => {
    const t = campaignTargets(campaign(), office());
    expect(t).toHaveLength(55);
    const open = operatingDays(campaign(), office());
    // Sundays and 2-3/09 are closed: 55 days - 8 Sundays - 2 holidays.
    expect(open).toHaveLength(45);
    for (const { date, target } of t) expect(target).toBe(open.includes(date) ? 10 : 0);
  });

  it('calendar_day: 10 x 55 calendar days spread exactly over the open days', () => {
    const c = campaign({ averageBasis: 'calendar_day' });
    const t = campaignTargets(c, office());
    expect(t.reduce((s, d) => s + d.target, 0)).toBe(550);
    const open = t.filter((d) => d.target > 0);
    expect(open).toHaveLength(45);
    for (const d of open) expect([12, 13]).toContain(d.target);
    expect(t.find((d) => d.date === '2024-08-18')!.target).toBe(0);
  });

  it('both bases agree for a screen open every day', () => {
    const site = office({
      openingHours: { ...office().openingHours, sun: [['08:00', '17:00']], closedDates: [] },
    });
    const op = campaignTargets(campaign(), site).map((d) => d.target);
    const cal = campaignTargets(campaign({ averageBasis: 'calendar_day' }), site).map((d) => d.target);
    expect(cal).toEqual(op);
    expect(new Set(op)).toEqual(new Set([10]));
  });

  it('a raise applies from the local day it takes effect', () => {
    const site = office({
      overridePerDay: 16,
      overrideEffectiveFrom: zonedToInstant('2024-09-05', '14:00', HCM),
    });
    expect(baseTargetFor(campaign(), site, '2024-09-04')).toBe(10);
    expect(baseTargetFor(campaign(), site, '2024-09-05')).toBe(16);
    expect(baseTargetFor(campaign(), site, '2024-09-06')).toBe(16);
  });
});

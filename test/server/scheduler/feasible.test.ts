import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import {
  checkFeasible,
  dayCapacity,
  minGapSeconds,
  planDay,
  planScreenTogether,
} from '../../../server/scheduler/index.ts';
import { campaign, factsOf, office, officeProfile } from './fixtures.ts';

const clock = new VirtualClock(Date.parse('2024-08-01T00:00:00Z'));

describe('checkFeasible', () => {
  const c = campaign();
  const site = office();
  // Saturdays are open 08:00-11:30 only: the tightest day of the week.
  const saturdayCap = dayCapacity(c, site, '2024-08-17').maxPlays;

  it('finds the tightest day and bounds it by open time / (video + gap)', () => {
    const cap = dayCapacity(c, site, '2024-08-17');
    expect(cap.openMs).toBe(3.5 * 3_600_000);
    expect(cap.maxPlays).toBeLessThanOrEqual(Math.floor(cap.openMs / (minGapSeconds(c) * 1000)) + 1);
    expect(cap.maxPlays).toBeGreaterThan(50);
    expect(dayCapacity(c, site, '2024-09-05').maxPlays).toBeGreaterThan(cap.maxPlays);
  });

  it('accepts the campaign target and the maximum, refuses one more', () => {
    expect(checkFeasible(c, site, 10)).toMatchObject({
      ok: true,
      maxPerDay: saturdayCap,
      tightestDate: '2024-08-17',
    });
    expect(checkFeasible(c, site, saturdayCap).ok).toBe(true);
    const refused = checkFeasible(c, site, saturdayCap + 1);
    expect(refused.ok).toBe(false);
    expect(refused.maxPerDay).toBe(saturdayCap);
  });

  it('explains the refusal in Vietnamese and English with the number to choose', () => {
    const refused = checkFeasible(c, site, 500);
    if (refused.ok) throw new Error('500 plays a day on a 3.5-hour Saturday must be refused');
    expect(refused.code).toBe('plays_per_day_infeasible');
    expect(refused.messageVi).toContain(`tối đa ${saturdayCap} lượt/ngày`);
    expect(refused.messageVi).toContain('17/08/2024');
    expect(refused.messageVi).toContain('3 giờ 30 phút');
    expect(refused.messageEn).toContain(`at most ${saturdayCap} plays per day`);
  });

  it('the maximum it offers really plans on the tightest day, with gap and peak share', () => {
    const max = checkFeasible(c, site, 500).maxPerDay;
    const s = office({ overridePerDay: max });
    const plan = planDay({ campaign: c, site: s, screen: { id: 'x' }, date: '2024-08-17', clock });
    expect(plan.items).toHaveLength(max);
    expect(plan.shortfall).toBe(0);
    const facts = factsOf(plan, s, officeProfile);
    expect(facts.minGapMs).toBeGreaterThanOrEqual(minGapSeconds(c) * 1000);
    expect(facts.peakPlays).toBeGreaterThanOrEqual(plan.peakRequired);
  });

  it('counts only days from the change onwards', () => {
    // From Monday 19/08 the next Saturday is 24/08, still the bound; a site without Saturdays is looser.
    const noSat = office({ openingHours: { ...site.openingHours, sat: [] } });
    const loose = checkFeasible(c, noSat, saturdayCap + 1, '2024-08-19');
    expect(loose.ok).toBe(true);
  });

  it('takes a longer video into account', () => {
    const long = campaign({ mediaDurationMs: 5 * 60_000 });
    expect(checkFeasible(long, site, saturdayCap).ok).toBe(false);
    expect(checkFeasible(long, site, 20).ok).toBe(true);
    // 30 would fit in 3.5 h, but not with 80% of them inside the 2 peak hours.
    expect(checkFeasible(long, site, 30).ok).toBe(false);
  });

  it('under the calendar-day basis, refuses earlier (open days carry the closed days)', () => {
    const cal = campaign({ averageBasis: 'calendar_day' });
    const op = checkFeasible(c, site, 500).maxPerDay;
    const calMax = checkFeasible(cal, site, 500).maxPerDay;
    expect(calMax).toBeLessThan(op);
    expect(checkFeasible(cal, site, calMax).ok).toBe(true);
    expect(checkFeasible(cal, site, calMax + 1).ok).toBe(false);
  });
});

describe('checkFeasible with other campaigns on the screens', () => {
  const site = office();
  const city = campaign({ priority: 1 });
  // A second campaign on the same screens for the first three weeks, asking for a lot of the
  // Saturday (3.5 h): what is left for a raise of the city's campaign is much less than alone.
  const other = campaign({
    id: 'giai-phong-thu-do-70',
    mediaSha256: 'cd'.repeat(32),
    priority: 2,
    firstDay: '2024-08-17',
    lastDay: '2024-09-07',
    targetPerDay: 55,
  });
  const others = [{ campaign: other, site }];
  const aloneMax = checkFeasible(city, site, 500).maxPerDay;

  it('refuses a raise that fits alone but not with the other campaign, naming it and the number that still fits', () => {
    const perDay = Math.floor(aloneMax / 2);
    expect(checkFeasible(city, site, perDay).ok).toBe(true);
    const refused = checkFeasible(city, site, perDay, '2024-08-17', others);
    if (refused.ok) throw new Error(`${perDay} plays a day beside 55 of another campaign must be refused`);
    expect(refused.maxPerDay).toBeGreaterThanOrEqual(city.targetPerDay);
    expect(refused.maxPerDay).toBeLessThan(perDay);
    expect(refused.messageVi).toContain('"giai-phong-thu-do-70"');
    expect(refused.messageVi).toContain(`tối đa ${refused.maxPerDay} lượt/ngày`);
    expect(refused.messageEn).toContain(`at most ${refused.maxPerDay} plays per day`);
    // The Vietnamese comes first in the message the API gives (messageVi / messageEn).
    expect(refused.messageVi.startsWith('Không thể đặt')).toBe(true);
  });

  it('the number it offers plans both campaigns on target on the tightest day; one more does not', () => {
    const { maxPerDay, tightestDate } = checkFeasible(city, site, aloneMax, '2024-08-17', others);
    expect(checkFeasible(city, site, maxPerDay, '2024-08-17', others).ok).toBe(true);
    expect(checkFeasible(city, site, maxPerDay + 1, '2024-08-17', others).ok).toBe(false);
    const date = tightestDate!;
    const res = planScreenTogether({
      screen: { id: 's/1' },
      clock: new VirtualClock(Date.parse(`${date}T00:00:00+07:00`) - 3_600_000),
      from: date,
      days: 1,
      campaigns: [
        { campaign: city, site: office({ overridePerDay: maxPerDay }), achieved: {}, accountableFrom: date },
        { campaign: other, site, achieved: {}, accountableFrom: date },
      ],
    });
    for (const r of res) expect(r.horizon.plans[0]!.shortfall, r.campaign.id).toBe(0);
    expect(res[0]!.horizon.plans[0]!.items).toHaveLength(maxPerDay);
  });

  it('after the other campaign ends, only the days it shares count', () => {
    expect(checkFeasible(city, site, Math.floor(aloneMax / 2), '2024-09-09', others).ok).toBe(true);
  });
});

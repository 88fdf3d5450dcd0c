import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { eachDate } from '../../../shared/time.ts';
import { computeMakeGoods, planDay } from '../../../server/scheduler/index.ts';
import { campaign, factsOf, office, officeProfile } from './fixtures.ts';

const days = (first: string, last: string, target = 10) =>
  eachDate(first, last).map((date) => ({ date, target }));

describe('computeMakeGoods', () => {
  it('carries a 3-day outage forward, spread over the next days and capped at +50%', () => {
    const all = days('2024-08-17', '2024-10-10');
    const achieved: Record<string, number> = {};
    for (const d of eachDate('2024-08-17', '2024-08-26')) achieved[d] = 10;
    for (const d of ['2024-08-20', '2024-08-21', '2024-08-22']) achieved[d] = 0;
    const r = computeMakeGoods({ days: all, achieved, asOf: '2024-08-27', capPct: 50 });
    expect(r.deficit).toBe(30);
    const extra = Object.entries(r.extra);
    expect(extra.reduce((s, [, n]) => s + n, 0)).toBe(30);
    for (const [date, n] of extra) {
      expect(date >= '2024-08-27').toBe(true);
      expect(n).toBeLessThanOrEqual(5);
    }
    // Spread, not dumped on the first day back.
    expect(extra.length).toBeGreaterThanOrEqual(6);
    expect(r.unrecoverable).toBe(0);
  });

  it('reports what cannot be recovered before the end instead of hiding it', () => {
    const all = days('2024-10-01', '2024-10-10');
    const achieved: Record<string, number> = {};
    for (const d of eachDate('2024-10-01', '2024-10-07')) achieved[d] = 0; // 70 missed
    const r = computeMakeGoods({ days: all, achieved, asOf: '2024-10-08', capPct: 50 });
    expect(r.deficit).toBe(70);
    expect(r.extra).toEqual({ '2024-10-08': 5, '2024-10-09': 5, '2024-10-10': 5 });
    expect(r.unrecoverable).toBe(55);
  });

  it("respects a different cap and a day's capacity", () => {
    const all = [
      { date: '2024-09-05', target: 10, capacity: 12 },
      { date: '2024-09-06', target: 10 },
    ];
    const r = computeMakeGoods({
      days: [{ date: '2024-09-04', target: 10 }, ...all],
      achieved: { '2024-09-04': 0 },
      asOf: '2024-09-05',
      capPct: 100,
    });
    expect(r.extra).toEqual({ '2024-09-05': 2, '2024-09-06': 8 });
    expect(r.unrecoverable).toBe(0);
  });

  it('gives nothing to closed days and nothing when on target', () => {
    const all = [
      { date: '2024-09-01', target: 10 },
      { date: '2024-09-02', target: 0 },
      { date: '2024-09-03', target: 10 },
    ];
    const r = computeMakeGoods({ days: all, achieved: { '2024-09-01': 8 }, asOf: '2024-09-02' });
    expect(r.extra).toEqual({ '2024-09-03': 2 });
    expect(computeMakeGoods({ days: all, achieved: { '2024-09-01': 10 }, asOf: '2024-09-02' }).extra).toEqual(
      {},
    );
    // Extra plays earlier offset a later miss; a surplus never lowers a target.
    expect(computeMakeGoods({ days: all, achieved: { '2024-09-01': 14 }, asOf: '2024-09-02' })).toMatchObject(
      { deficit: 0, extra: {} },
    );
  });

  it('owes nothing for days before the screen was paired', () => {
    const all = days('2024-08-17', '2024-09-10');
    const r = computeMakeGoods({
      days: all,
      achieved: { '2024-09-01': 10, '2024-09-02': 4 },
      asOf: '2024-09-03',
      accountableFrom: '2024-09-01',
    });
    expect(r.deficit).toBe(6);
    expect(
      computeMakeGoods({ days: all, achieved: { '2024-09-01': 10, '2024-09-02': 4 }, asOf: '2024-09-03' })
        .deficit,
    ).toBe(156);
  });

  it('make-good plays are still peak-weighted when planned', () => {
    const site = office();
    const plan = planDay({
      campaign: campaign(),
      site,
      screen: { id: 's' },
      date: '2024-09-05',
      clock: new VirtualClock(0),
      makeGood: 5,
    });
    expect(plan.items).toHaveLength(15);
    expect(factsOf(plan, site, officeProfile).peakPlays).toBeGreaterThanOrEqual(plan.peakRequired);
    expect(plan.peakRequired).toBeGreaterThanOrEqual(Math.ceil(15 * 0.7));
  });
});

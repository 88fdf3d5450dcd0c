import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { localDateOf, startOfLocalDay, startOfNextLocalDay, zonedToInstant } from '../../../shared/time.ts';
import { dayCapacity, minGapSeconds, planDay, type PlanItem } from '../../../server/scheduler/index.ts';
import {
  BERLIN,
  HCM,
  alwaysOpen,
  campaign,
  expectedPeakShare,
  factsOf,
  office,
  officeProfile,
  profileWithPeaks,
  street,
  streetProfile,
} from './fixtures.ts';

const before = new VirtualClock(Date.parse('2024-08-01T00:00:00Z'));
const screen = { id: 'scr-bach-khoa-1' };
const THU = '2024-09-05';
const SAT = '2024-08-17';

describe('planDay: the count', () => {
  it('plans exactly the campaign target on an operating day', () => {
    const plan = planDay({ campaign: campaign(), site: office(), screen, date: THU, clock: before });
    expect(plan.target).toBe(10);
    expect(plan.items).toHaveLength(10);
    expect(plan.shortfall).toBe(0);
  });

  it('plans exactly a raised target, and target + make-good', () => {
    const raised = planDay({
      campaign: campaign(),
      site: office({ overridePerDay: 37 }),
      screen,
      date: THU,
      clock: before,
    });
    expect(raised.items).toHaveLength(37);
    const withMakeGood = planDay({
      campaign: campaign(),
      site: office(),
      screen,
      date: THU,
      clock: before,
      makeGood: 4,
    });
    expect(withMakeGood.target).toBe(14);
    expect(withMakeGood.items).toHaveLength(14);
  });

  it('ignores a "raise" below the campaign target: the city average is a floor', () => {
    const plan = planDay({
      campaign: campaign(),
      site: office({ overridePerDay: 3 }),
      screen,
      date: THU,
      clock: before,
    });
    expect(plan.items).toHaveLength(10);
  });

  it('plans nothing on a closed weekday or a listed holiday', () => {
    for (const date of ['2024-08-18', '2024-09-02']) {
      const plan = planDay({
        campaign: campaign(),
        site: office(),
        screen,
        date,
        clock: before,
        makeGood: 3,
      });
      expect(plan.items).toEqual([]);
      expect(plan.target).toBe(0);
    }
  });
});

describe('planDay: where plays fall', () => {
  const targets = [1, 2, 5, 10, 17, 40, 80];
  it.each(targets)(
    'target %i: every play starts and ends inside opening hours (lunch break respected)',
    (n) => {
      const site = office({ overridePerDay: n });
      const plan = planDay({ campaign: campaign(), site, screen, date: THU, clock: before });
      expect(plan.items).toHaveLength(Math.max(10, n));
      expect(factsOf(plan, site, officeProfile).outsideHours).toBe(0);
    },
  );

  it.each(targets)('target %i: peak share at least the profile share', (n) => {
    const site = office({ overridePerDay: n });
    const plan = planDay({ campaign: campaign(), site, screen, date: THU, clock: before });
    const share = expectedPeakShare(officeProfile, site.openingHours, THU, HCM);
    expect(share).toBeGreaterThan(0.7);
    const facts = factsOf(plan, site, officeProfile);
    expect(facts.peakPlays / plan.items.length).toBeGreaterThanOrEqual(share - 1e-9);
    expect(plan.items.filter((i) => i.peak).length).toBe(facts.peakPlays);
  });

  it('spreads plays over the open day instead of clumping them', () => {
    const site = street();
    const plan = planDay({ campaign: campaign(), site, screen, date: THU, clock: before });
    const hours = new Set(plan.items.map((i) => new Date(i.start).getUTCHours()));
    expect(hours.size).toBeGreaterThanOrEqual(6);
    expect(factsOf(plan, site, streetProfile).peakPlays / 10).toBeGreaterThanOrEqual(
      expectedPeakShare(streetProfile, alwaysOpen, THU, HCM),
    );
  });

  it('keeps the minimum gap (video + margin) with no overlap, even at full capacity', () => {
    const c = campaign();
    const cap = dayCapacity(c, office(), THU).maxPlays;
    expect(cap).toBeGreaterThan(100);
    for (const n of [10, 60, cap]) {
      const site = office({ overridePerDay: n });
      const plan = planDay({ campaign: c, site, screen, date: THU, clock: before });
      expect(plan.items).toHaveLength(n);
      const facts = factsOf(plan, site, officeProfile);
      expect(facts.minGapMs).toBeGreaterThanOrEqual(minGapSeconds(c) * 1000);
      expect(facts.minGapMs).toBeGreaterThanOrEqual(c.mediaDurationMs + 60_000);
      expect(facts.outsideHours).toBe(0);
    }
  });

  it('reports a shortfall rather than overlapping when asked for more than the day holds', () => {
    const c = campaign();
    const cap = dayCapacity(c, office(), THU).maxPlays;
    const plan = planDay({ campaign: c, site: office(), screen, date: THU, clock: before, makeGood: cap });
    expect(plan.items.length).toBe(cap);
    expect(plan.shortfall).toBe(10);
  });
});

describe('planDay: determinism and ids', () => {
  it('gives the same plan for the same inputs', () => {
    const a = planDay({ campaign: campaign(), site: office(), screen, date: THU, clock: before });
    const b = planDay({
      campaign: campaign(),
      site: office(),
      screen,
      date: THU,
      clock: new VirtualClock(Date.parse('2024-08-20T03:00:00Z')),
    });
    expect(b).toEqual(a);
  });

  it('gives unique ids per play, different per screen and per date', () => {
    const a = planDay({ campaign: campaign(), site: office(), screen, date: THU, clock: before });
    const b = planDay({
      campaign: campaign(),
      site: office(),
      screen: { id: 'other' },
      date: THU,
      clock: before,
    });
    const c = planDay({ campaign: campaign(), site: office(), screen, date: '2024-09-06', clock: before });
    const ids = [...a.items, ...b.items, ...c.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(30);
    expect(a.items.map((i) => i.start)).toEqual(b.items.map((i) => i.start));
  });

  it('changes the inputs hash when something that shapes the plan changes', () => {
    const base = planDay({
      campaign: campaign(),
      site: office(),
      screen,
      date: THU,
      clock: before,
    }).inputsHash;
    const variants = [
      planDay({
        campaign: campaign({ mediaSha256: 'cd'.repeat(32) }),
        site: office(),
        screen,
        date: THU,
        clock: before,
      }),
      planDay({
        campaign: campaign({ mediaDurationMs: 30_000 }),
        site: office(),
        screen,
        date: THU,
        clock: before,
      }),
      planDay({
        campaign: campaign(),
        site: office({ overridePerDay: 12 }),
        screen,
        date: THU,
        clock: before,
      }),
      planDay({
        campaign: campaign(),
        site: office({ peakProfile: profileWithPeaks([10]) }),
        screen,
        date: THU,
        clock: before,
      }),
      planDay({
        campaign: campaign(),
        site: office({ openingHours: { ...office().openingHours, thu: [['08:00', '12:00']] } }),
        screen,
        date: THU,
        clock: before,
      }),
      planDay({ campaign: campaign(), site: office(), screen, date: THU, clock: before, makeGood: 1 }),
    ];
    for (const v of variants) expect(v.inputsHash).not.toBe(base);
    expect(new Set(variants.map((v) => v.inputsHash)).size).toBe(variants.length);
  });
});

describe('planDay: the campaign window', () => {
  it('plans nothing before the first day or after the last day', () => {
    for (const date of ['2024-08-16', '2024-10-11']) {
      const plan = planDay({ campaign: campaign(), site: street(), screen, date, clock: before });
      expect(plan.items).toEqual([]);
    }
  });

  it('keeps the first and last day inside 00:00 .. 23:59:59 local for a 24-hour screen', () => {
    const first = planDay({ campaign: campaign(), site: street(), screen, date: SAT, clock: before });
    expect(first.items).toHaveLength(10);
    expect(first.items[0]!.start).toBeGreaterThanOrEqual(startOfLocalDay('2024-08-17', HCM));
    const last = planDay({
      campaign: campaign({ targetPerDay: 300 }),
      site: street(),
      screen,
      date: '2024-10-10',
      clock: before,
    });
    expect(last.items).toHaveLength(300);
    const endOfWindow = zonedToInstant('2024-10-10', '23:59:59', HCM) + 1000;
    for (const it of last.items) {
      expect(it.end).toBeLessThanOrEqual(endOfWindow);
      expect(localDateOf(it.start, HCM)).toBe('2024-10-10');
    }
  });

  it('reads the window in the site zone (a Berlin screen ends at Berlin midnight)', () => {
    const site = street({ timeZone: BERLIN });
    const plan = planDay({
      campaign: campaign({ targetPerDay: 200 }),
      site,
      screen,
      date: '2024-10-10',
      clock: before,
    });
    expect(plan.items).toHaveLength(200);
    expect(plan.items.at(-1)!.end).toBeLessThanOrEqual(startOfNextLocalDay('2024-10-10', BERLIN));
    expect(plan.items.at(-1)!.start).toBeGreaterThan(startOfNextLocalDay('2024-10-10', HCM));
  });
});

describe('planDay: DST days (Europe/Berlin)', () => {
  const dst = campaign({ firstDay: '2024-03-01', lastDay: '2024-11-30', targetPerDay: 48 });
  const before = new VirtualClock(Date.parse('2024-01-01T00:00:00Z'));
  it.each(['2024-03-31', '2024-10-27'])(
    '%s: exact count, inside the local day, peak share by local hour',
    (date) => {
      const site = street({ timeZone: BERLIN });
      const plan = planDay({ campaign: dst, site, screen, date, clock: before });
      expect(plan.items).toHaveLength(48);
      for (const it of plan.items) expect(localDateOf(it.start, BERLIN)).toBe(date);
      const facts = factsOf(plan, site, streetProfile);
      expect(facts.outsideHours).toBe(0);
      expect(facts.minGapMs).toBeGreaterThanOrEqual(minGapSeconds(dst) * 1000);
      expect(facts.peakPlays / 48).toBeGreaterThanOrEqual(
        expectedPeakShare(streetProfile, alwaysOpen, date, BERLIN) - 1e-9,
      );
    },
  );

  it('uses opening hours as wall time on a spring-forward day (02:00-03:00 does not exist)', () => {
    const hours = { ...alwaysOpen, sun: [['01:00', '04:00']] as Array<[string, string]> };
    const site = street({ timeZone: BERLIN, openingHours: hours });
    const plan = planDay({ campaign: dst, site, screen, date: '2024-03-31', clock: before });
    // 01:00 CET to 04:00 CEST is two real hours.
    expect(
      zonedToInstant('2024-03-31', '04:00', BERLIN) - zonedToInstant('2024-03-31', '01:00', BERLIN),
    ).toBe(2 * 3_600_000);
    expect(factsOf(plan, site, streetProfile).outsideHours).toBe(0);
    expect(plan.items).toHaveLength(48);
  });
});

describe('planDay: a raise at 14:00', () => {
  const c = campaign();
  const at14 = zonedToInstant(THU, '14:00', HCM);
  const morning = planDay({ campaign: c, site: office(), screen, date: THU, clock: before });
  const done = morning.items.filter((i) => i.start < at14);

  it('keeps the morning, counts plays done, and re-plans only the afternoon', () => {
    expect(done.length).toBeGreaterThan(0);
    const site = office({ overridePerDay: 20, overrideEffectiveFrom: at14 });
    const plan = planDay({
      campaign: c,
      site,
      screen,
      date: THU,
      clock: new VirtualClock(at14),
      fixedItems: morning.items,
      alreadyPlayed: done.map((i) => ({ startedAt: i.start })),
    });
    expect(plan.target).toBe(20);
    expect(plan.alreadyPlayed).toBe(done.length);
    const kept = plan.items.filter((i) => i.start < at14);
    expect(kept).toEqual(done);
    const fresh = plan.items.filter((i) => i.start >= at14);
    expect(done.length + fresh.length).toBe(20);
    expect(new Set(plan.items.map((i) => i.id)).size).toBe(plan.items.length);
    const facts = factsOf(plan, site, officeProfile);
    expect(facts.outsideHours).toBe(0);
    expect(facts.minGapMs).toBeGreaterThanOrEqual(minGapSeconds(c) * 1000);
    expect(facts.peakPlays).toBeGreaterThanOrEqual(plan.peakRequired);
  });

  it('makes up plays missed this morning in the rest of the day', () => {
    const played = done.slice(0, 1);
    const plan = planDay({
      campaign: c,
      site: office(),
      screen,
      date: THU,
      clock: new VirtualClock(at14),
      fixedItems: morning.items,
      alreadyPlayed: played.map((i) => ({ startedAt: i.start })),
    });
    const fresh = plan.items.filter((i: PlanItem) => i.start >= at14);
    expect(fresh).toHaveLength(10 - 1);
  });

  it('accepts a plain count of plays done', () => {
    const plan = planDay({
      campaign: c,
      site: office({ overridePerDay: 15 }),
      screen,
      date: THU,
      clock: new VirtualClock(at14),
      fixedItems: morning.items,
      alreadyPlayed: done.length,
    });
    expect(plan.items.filter((i) => i.start >= at14)).toHaveLength(15 - done.length);
  });
});

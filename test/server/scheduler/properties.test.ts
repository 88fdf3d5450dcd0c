/**
 * Property tests of the planner (fast-check, fixed seed, bounded runs): random zones including
 * DST zones and offsets that are not whole hours, random opening hours including overnight and
 * 24 h, random peak windows at minute precision, random closed dates, raises at random times and
 * outages. The checks recompute everything from the zone data (shared/time.ts), not through the
 * scheduler's helpers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { isPeakAtLocal } from '../../../shared/peak.ts';
import type { OpeningHours } from '../../../shared/schemas/domain.ts';
import { expandPeakProfile, PeakProfileSpec } from '../../../shared/schemas/playlist.ts';
import { addDays, eachDate, instantToZoned, zonedToInstant } from '../../../shared/time.ts';
import { hourSlices } from '../../../server/scheduler/day.ts';
import {
  baseTargetFor,
  campaignTargets,
  minGapSeconds,
  planDay,
  planHorizon,
  raiseSteps,
} from '../../../server/scheduler/index.ts';
import { campaign, expectedOpen, office } from './fixtures.ts';

const SEED = 20240902;
const ZONES = [
  'Asia/Ho_Chi_Minh',
  'Europe/Berlin',
  'America/New_York',
  'Pacific/Chatham', // +12:45/+13:45, changes at 02:45 local
  'Asia/Kathmandu', // +05:45, no DST
  'Australia/Lord_Howe', // +10:30/+11:00: a 30-minute change
  'America/St_Johns', // −03:30/−02:30
];
// Days of clock changes in 2024 for those zones, and ordinary days around them.
const DATES = [
  '2024-03-10',
  '2024-03-31',
  '2024-04-07',
  '2024-09-05',
  '2024-09-29',
  '2024-10-06',
  '2024-10-27',
  '2024-11-03',
  '2024-09-16',
  '2024-12-24',
];

const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** One day's ranges: closed, 24 h, one stretch, two stretches, or an overnight pair (to 24:00 and from 00:00). */
const dayRanges = fc.oneof(
  fc.constant([] as Array<[string, string]>),
  fc.constant([['00:00', '24:00']] as Array<[string, string]>),
  fc
    .tuple(fc.integer({ min: 0, max: 1380 }), fc.integer({ min: 30, max: 1440 }))
    .map(([a, len]) => [[hhmm(a), hhmm(Math.min(1440, a + len))]] as Array<[string, string]>)
    .filter((r) => r[0]![0] < r[0]![1]),
  fc
    .tuple(
      fc.integer({ min: 240, max: 600 }),
      fc.integer({ min: 60, max: 300 }),
      fc.integer({ min: 60, max: 400 }),
    )
    .map(
      ([a, l1, l2]) =>
        [
          [hhmm(a), hhmm(a + l1)],
          [hhmm(a + l1 + 60), hhmm(Math.min(1440, a + l1 + 60 + l2))],
        ] as Array<[string, string]>,
    ),
  fc.tuple(fc.integer({ min: 60, max: 420 }), fc.integer({ min: 1020, max: 1380 })).map(
    ([morningEnd, eveningStart]) =>
      [
        ['00:00', hhmm(morningEnd)],
        [hhmm(eveningStart), '24:00'],
      ] as Array<[string, string]>,
  ),
);

const hours = fc
  .tuple(fc.array(dayRanges, { minLength: 7, maxLength: 7 }), fc.subarray(DATES))
  .map(([d, closed]): OpeningHours => {
    const h = d;
    return {
      mon: h[0]!,
      tue: h[1]!,
      wed: h[2]!,
      thu: h[3]!,
      fri: h[4]!,
      sat: h[5]!,
      sun: h[6]!,
      closedDates: closed,
    };
  });

const peakSpec = fc
  .array(
    fc.record({
      days: fc.constantFrom(['weekdays'], ['weekend'], ['everyday'], ['mon', 'fri']),
      from: fc.integer({ min: 0, max: 1400 }),
      len: fc.integer({ min: 1, max: 240 }),
      weight: fc.constantFrom(1.5, 2, 3),
    }),
    { maxLength: 3 },
  )
  .map((ws) =>
    PeakProfileSpec.parse({
      base: 1,
      peaks: ws.map((w) => ({
        days: w.days,
        from: hhmm(w.from),
        to: hhmm(Math.min(1440, w.from + w.len)),
        weight: w.weight,
      })),
    }),
  );

describe('planner properties', () => {
  it('hour slices cover the day without gaps, each with one wall-clock hour, in every zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.constantFrom(...DATES), (zone, date) => {
        const slices = hourSlices(date, zone);
        expect(slices[0]!.start).toBe(zonedToInstant(date, 0, zone));
        expect(slices.at(-1)!.end).toBe(zonedToInstant(addDays(date, 1), 0, zone));
        for (let i = 0; i < slices.length; i++) {
          const s = slices[i]!;
          if (i > 0) expect(s.start).toBe(slices[i - 1]!.end);
          const a = instantToZoned(s.start, zone);
          const b = instantToZoned(s.end - 1, zone);
          expect([a.weekday * 24 + a.hour, b.weekday * 24 + b.hour]).toEqual([s.hourOfWeek, s.hourOfWeek]);
        }
      }),
      { seed: SEED, numRuns: 70 },
    );
  });

  it('a day plan stays inside the open hours, keeps the gap, flags peak by the windows, and counts every play', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(...DATES),
        hours,
        peakSpec,
        fc.integer({ min: 1, max: 40 }),
        (zone, date, openingHours, spec, perDay) => {
          const profile = expandPeakProfile(spec);
          const c = campaign({
            firstDay: '2024-01-01',
            lastDay: '2024-12-31',
            timeZone: zone,
            peakProfiles: { government_office: profile },
            mediaDurationMs: 30_000,
          });
          const site = office({ timeZone: zone, openingHours, overridePerDay: perDay });
          const plan = planDay({
            campaign: c,
            site,
            screen: { id: 's' },
            date,
            clock: new VirtualClock(zonedToInstant(date, 0, zone)),
          });
          const open = expectedOpen(openingHours, date, zone);
          if (openingHours.closedDates.includes(date)) expect(plan.items).toEqual([]);
          expect(plan.items.length + plan.shortfall).toBe(plan.target);
          expect(plan.target).toBe(baseTargetFor(c, site, date));
          const gapMs = minGapSeconds(c) * 1000;
          plan.items.forEach((it, i) => {
            expect(open.some(([s, e]) => it.start >= s && it.end <= e)).toBe(true);
            if (i > 0) expect(it.start - plan.items[i - 1]!.start).toBeGreaterThanOrEqual(gapMs);
            const z = instantToZoned(it.start, zone);
            expect(it.peak).toBe(isPeakAtLocal(profile, z.weekday, z.hour * 60 + z.minute));
          });
          if (plan.shortfall === 0)
            expect(plan.items.filter((i) => i.peak).length).toBeGreaterThanOrEqual(plan.peakRequired);
        },
      ),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('raises at random times and outages: make-goods carry exactly the deficit the raise history gives', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.array(
          fc.record({
            day: fc.integer({ min: 0, max: 40 }),
            minute: fc.integer({ min: 0, max: 1439 }),
            perDay: fc.integer({ min: 8, max: 16 }),
          }),
          { maxLength: 3 },
        ),
        fc.array(fc.integer({ min: 0, max: 44 }), { maxLength: 8 }),
        fc.integer({ min: 30, max: 45 }),
        (zone, raises, outages, todayIdx) => {
          const c = campaign({ timeZone: zone, makeGoodCapPct: 50 });
          const days = eachDate(c.firstDay, c.lastDay);
          const steps = raiseSteps(
            raises
              .map((r) => ({
                plays_per_day: r.perDay,
                effective_from_ms: zonedToInstant(days[r.day]!, r.minute, zone),
              }))
              .sort((a, b) => a.effective_from_ms - b.effective_from_ms),
          );
          const site = office({ timeZone: zone, raises: steps });
          const today = days[todayIdx]!;
          const targets = campaignTargets(c, site);
          const achieved: Record<string, number> = {};
          for (const t of targets)
            if (t.date < today) achieved[t.date] = outages.includes(days.indexOf(t.date)) ? 0 : t.target;
          const owed = targets
            .filter((t) => t.date < today)
            .reduce((s, t) => s + t.target - achieved[t.date]!, 0);
          const { makeGoods, plans } = planHorizon({
            campaign: c,
            site,
            screen: { id: 's' },
            clock: new VirtualClock(zonedToInstant(today, 0, zone)),
            achieved,
          });
          expect(makeGoods.deficit).toBe(owed);
          const extra = Object.values(makeGoods.extra).reduce((s, n) => s + n, 0);
          expect(extra + makeGoods.unrecoverable).toBe(owed);
          for (const p of plans) {
            expect(p.makeGood).toBe(makeGoods.extra[p.date] ?? 0);
            expect(p.makeGood).toBeLessThanOrEqual(Math.floor(p.baseTarget / 2));
          }
        },
      ),
      { seed: SEED, numRuns: 40 },
    );
  });
});

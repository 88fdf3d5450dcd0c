/**
 * Hour slices on every 2024 clock change of four zones (issue 12): Pacific/Chatham changes at
 * 02:45 local, not on the hour; Lord Howe by 30 minutes; St John's and Berlin on the hour by an
 * hour. The property test
 * in properties.test.ts draws zone and date at random and did not draw a Chatham change day, so
 * it passed on the code that labelled 02:00–02:45 and 03:45–04:00 as one hour; this one walks
 * every pair.
 */
import { describe, expect, it } from 'vitest';
import { addDays, instantToZoned, zonedToInstant } from '../../../shared/time.ts';
import { hourSlices } from '../../../server/scheduler/day.ts';

const CHANGES: Record<string, string[]> = {
  'Pacific/Chatham': ['2024-04-07', '2024-09-29'],
  'Australia/Lord_Howe': ['2024-04-07', '2024-10-06'],
  'America/St_Johns': ['2024-03-10', '2024-11-03'],
  'Europe/Berlin': ['2024-03-31', '2024-10-27'],
};

describe('hour slices across clock changes', () => {
  for (const [zone, dates] of Object.entries(CHANGES))
    for (const date of dates)
      it(`${zone} ${date}: the day is covered without gaps and each slice lies in one wall-clock hour`, () => {
        const slices = hourSlices(date, zone);
        expect(slices[0]!.start).toBe(zonedToInstant(date, 0, zone));
        expect(slices.at(-1)!.end).toBe(zonedToInstant(addDays(date, 1), 0, zone));
        for (let i = 1; i < slices.length; i++) expect(slices[i]!.start).toBe(slices[i - 1]!.end);
        const labels = slices.map((s) => {
          const a = instantToZoned(s.start, zone);
          const b = instantToZoned(s.end - 1, zone);
          return [a.weekday * 24 + a.hour, b.weekday * 24 + b.hour, s.hourOfWeek];
        });
        for (const [first, last, label] of labels) expect([first, last]).toEqual([label, label]);
      });

  it('Chatham, 29/09/2024: 02:00–02:45 is hour 2 and 03:45–04:00 is hour 3', () => {
    const zone = 'Pacific/Chatham';
    const slices = hourSlices('2024-09-29', zone);
    const at = (t: number) => slices.find((s) => s.start <= t && t < s.end)!;
    const before = at(zonedToInstant('2024-09-29', '02:30', zone));
    const after = at(zonedToInstant('2024-09-29', '03:50', zone));
    expect(before).not.toBe(after);
    expect(before.hourOfWeek % 24).toBe(2);
    expect(after.hourOfWeek % 24).toBe(3);
    expect(after.start).toBe(zonedToInstant('2024-09-29', '03:45', zone));
  });
});

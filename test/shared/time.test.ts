import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  eachDate,
  formatDate,
  formatDateTime,
  formatTime,
  instantToZoned,
  localDateOf,
  minutesOfDay,
  startOfLocalDay,
  startOfNextLocalDay,
  toIsoWithOffset,
  weekdayOf,
  zonedToInstant,
} from '../../shared/time.ts';

const HCM = 'Asia/Ho_Chi_Minh';
const BERLIN = 'Europe/Berlin';
const NY = 'America/New_York';
const H = 3_600_000;

describe('Asia/Ho_Chi_Minh', () => {
  it('reads an instant as local wall time at +07:00', () => {
    const ms = Date.parse('2024-09-05T00:55:00Z');
    expect(instantToZoned(ms, HCM)).toEqual({
      date: '2024-09-05',
      hour: 7,
      minute: 55,
      second: 0,
      weekday: 3, // Thursday
      offsetMinutes: 420,
    });
    expect(toIsoWithOffset(ms, HCM)).toBe('2024-09-05T07:55:00+07:00');
  });

  it('turns a local date and time into the instant, both ways round', () => {
    const ms = zonedToInstant('2024-10-10', '23:59:59', HCM);
    expect(new Date(ms).toISOString()).toBe('2024-10-10T16:59:59.000Z');
    expect(zonedToInstant('2024-10-10', 23 * 60 + 59, HCM)).toBe(Date.parse('2024-10-10T16:59:00Z'));
    expect(localDateOf(ms, HCM)).toBe('2024-10-10');
    expect(localDateOf(ms + 1000, HCM)).toBe('2024-10-11');
  });

  it('treats 24:00 as the start of the next local day', () => {
    expect(zonedToInstant('2024-08-31', '24:00', HCM)).toBe(startOfLocalDay('2024-09-01', HCM));
  });

  it('has 24-hour days and formats dates the Vietnamese way', () => {
    expect(startOfNextLocalDay('2024-08-17', HCM) - startOfLocalDay('2024-08-17', HCM)).toBe(24 * H);
    const ms = zonedToInstant('2024-08-17', '18:05', HCM);
    expect(formatDate(ms, HCM)).toBe('17/08/2024');
    expect(formatDate('2024-10-10', HCM)).toBe('10/10/2024');
    expect(formatTime(ms, HCM)).toBe('18:05');
    expect(formatDateTime(ms, HCM)).toBe('17/08/2024 18:05');
    // Just after midnight UTC+7 is still the previous day in UTC: the local date must win.
    expect(formatDate(zonedToInstant('2024-08-18', '00:30', HCM), HCM)).toBe('18/08/2024');
  });
});

describe('Europe/Berlin spring forward (31/03/2024, 02:00 -> 03:00)', () => {
  it('has a 23-hour day', () => {
    expect(startOfNextLocalDay('2024-03-31', BERLIN) - startOfLocalDay('2024-03-31', BERLIN)).toBe(23 * H);
  });

  it('moves a wall time inside the gap forward to the first valid instant', () => {
    const t = zonedToInstant('2024-03-31', '02:30', BERLIN);
    expect(new Date(t).toISOString()).toBe('2024-03-31T01:00:00.000Z');
    expect(toIsoWithOffset(t, BERLIN)).toBe('2024-03-31T03:00:00+02:00');
    expect(zonedToInstant('2024-03-31', '03:00', BERLIN)).toBe(t);
  });

  it('uses the right offset on either side', () => {
    expect(toIsoWithOffset(zonedToInstant('2024-03-31', '01:59', BERLIN), BERLIN)).toBe(
      '2024-03-31T01:59:00+01:00',
    );
    expect(toIsoWithOffset(zonedToInstant('2024-03-31', '03:01', BERLIN), BERLIN)).toBe(
      '2024-03-31T03:01:00+02:00',
    );
  });
});

describe('Europe/Berlin fall back (27/10/2024, 03:00 -> 02:00)', () => {
  it('has a 25-hour day', () => {
    expect(startOfNextLocalDay('2024-10-27', BERLIN) - startOfLocalDay('2024-10-27', BERLIN)).toBe(25 * H);
  });

  it('takes the earlier of two instants for a repeated wall time', () => {
    const t = zonedToInstant('2024-10-27', '02:30', BERLIN);
    expect(new Date(t).toISOString()).toBe('2024-10-27T00:30:00.000Z');
    expect(instantToZoned(t, BERLIN).offsetMinutes).toBe(120);
    // One hour later the wall clock shows 02:30 again, now at +01:00.
    expect(toIsoWithOffset(t + H, BERLIN)).toBe('2024-10-27T02:30:00+01:00');
  });
});

describe('America/New_York', () => {
  it('spring forward: 10/03/2024 is 23 h and 02:15 resolves to 03:00 EDT', () => {
    expect(startOfNextLocalDay('2024-03-10', NY) - startOfLocalDay('2024-03-10', NY)).toBe(23 * H);
    expect(toIsoWithOffset(zonedToInstant('2024-03-10', '02:15', NY), NY)).toBe('2024-03-10T03:00:00-04:00');
  });

  it('fall back: 03/11/2024 is 25 h, 01:30 takes EDT', () => {
    expect(startOfNextLocalDay('2024-11-03', NY) - startOfLocalDay('2024-11-03', NY)).toBe(25 * H);
    expect(toIsoWithOffset(zonedToInstant('2024-11-03', '01:30', NY), NY)).toBe('2024-11-03T01:30:00-04:00');
  });
});

describe('date arithmetic', () => {
  it('adds days across months and years', () => {
    expect(addDays('2024-08-31', 1)).toBe('2024-09-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('counts the campaign 17/08-10/10/2024 as 55 days', () => {
    expect(daysBetween('2024-08-17', '2024-10-10')).toBe(54);
    const all = eachDate('2024-08-17', '2024-10-10');
    expect(all).toHaveLength(55);
    expect(all[0]).toBe('2024-08-17');
    expect(all.at(-1)).toBe('2024-10-10');
    expect(eachDate('2024-08-18', '2024-08-17')).toEqual([]);
  });

  it('numbers weekdays from Monday = 0', () => {
    expect(weekdayOf('2024-08-17')).toBe(5); // Saturday
    expect(weekdayOf('2024-09-02')).toBe(0); // Monday, National Day
    expect(weekdayOf('2024-09-05')).toBe(3); // Thursday
    expect(weekdayOf('2024-09-08')).toBe(6); // Sunday
  });

  it('parses times of day and refuses nonsense', () => {
    expect(minutesOfDay('07:30')).toBe(450);
    expect(minutesOfDay('24:00')).toBe(1440);
    expect(minutesOfDay('00:00:30')).toBe(0.5);
    expect(() => minutesOfDay('25:00')).toThrow(RangeError);
    expect(() => zonedToInstant('17/08/2024', '07:00', HCM)).toThrow(/YYYY-MM-DD/);
  });
});

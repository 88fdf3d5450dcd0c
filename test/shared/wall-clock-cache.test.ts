/**
 * Local wall clocks come from an offset kept per zone and UTC hour (shared/time.ts). Checked
 * against Intl read directly, over zones with DST, half- and quarter-hour offsets, changes that
 * are not on the hour, a skipped day and a double change, at random instants and at every
 * second around each clock change. A wrong hour cache would show as a wrong date, hour or offset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantToZoned, localDateOf, offsetMinutesAt } from '#shared/time.ts';

const ZONES = [
  'Asia/Ho_Chi_Minh',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Asia/Kathmandu',
  'Asia/Tehran',
  'Europe/Berlin',
  'America/Sao_Paulo',
  'Africa/Casablanca',
  'Antarctica/Troll',
  'Pacific/Apia',
  'America/Godthab',
];

const formats = new Map<string, Intl.DateTimeFormat>();

/** What Intl says, read without shared/time.ts. */
function direct(ms: number, zone: string) {
  let format = formats.get(zone);
  if (!format)
    formats.set(
      zone,
      (format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })),
    );
  const parts = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value])) as Record<
    string,
    string
  >;
  const hour = Number(parts.hour) % 24;
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    hour,
    Number(parts.minute),
    Number(parts.second),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour,
    minute: Number(parts.minute),
    second: Number(parts.second),
    offsetMinutes: Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000),
  };
}

function check(ms: number, zone: string) {
  const want = direct(ms, zone);
  const got = instantToZoned(ms, zone);
  expect({ zone, ms, ...got, weekday: undefined }).toEqual({ zone, ms, ...want, weekday: undefined });
  expect(localDateOf(ms, zone)).toBe(want.date);
  expect(offsetMinutesAt(ms, zone)).toBe(want.offsetMinutes);
}

/** Instants where the zone's offset changes in 2024, found by bisection on Intl. */
function changes(zone: string): number[] {
  const out: number[] = [];
  const off = (ms: number) => direct(ms, zone).offsetMinutes;
  const step = 6 * 3_600_000;
  for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += step) {
    if (off(t) === off(t + step)) continue;
    let lo = t;
    let hi = t + step;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (off(mid) === off(lo)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  return out;
}

describe('wall clocks from the per-hour offset', () => {
  it('match Intl at random instants 1900–2100 in every zone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }),
        (zone, ms) => check(ms, zone),
      ),
      { seed: 20241010, numRuns: 2000 },
    );
  });

  it('match Intl at each second around every clock change of 2024', () => {
    let seen = 0;
    for (const zone of ZONES)
      for (const at of changes(zone)) {
        seen++;
        for (let d = -3_600_000; d <= 3_600_000; d += d > -5000 && d < 5000 ? 1000 : 60_000)
          check(at + d, zone);
      }
    // Chatham, Lord Howe, St John's, Berlin, São Paulo (none since 2019: 0), Casablanca, Troll…
    expect(seen).toBeGreaterThan(10);
  });
});

import { describe, expect, it } from 'vitest';
import { OpeningHours } from '#shared/schemas/domain.ts';
import { dayFrame, districtOf, type ReportContext, type SiteInfo } from '#server/reports/aggregate.ts';
import type { ReportRegionRow } from '#server/repositories/reports.ts';

const tree = (rows: ReportRegionRow[]) => new Map(rows.map((r) => [r.id, r]));

describe('districtOf', () => {
  it('finds the district above a ward, however the tree is nested', () => {
    const regions = tree([
      { id: 'hn', parent_id: null, name: 'Hà Nội', level: 'city' },
      { id: 'hn/hbt', parent_id: 'hn', name: 'Hai Bà Trưng', level: 'district' },
      { id: 'hn/hbt/bk', parent_id: 'hn/hbt', name: 'Bách Khoa', level: 'ward' },
      { id: 'hn/hbt/bk/to-1', parent_id: 'hn/hbt/bk', name: 'Tổ dân phố 1', level: 'neighbourhood' },
    ]);
    expect(districtOf(regions, 'hn/hbt/bk/to-1').district?.name).toBe('Hai Bà Trưng');
    expect(districtOf(regions, 'hn/hbt/bk/to-1').ward?.name).toBe('Bách Khoa');
    expect(districtOf(regions, 'hn/hbt').district?.name).toBe('Hai Bà Trưng');
    expect(districtOf(regions, null).district).toBeUndefined();
  });

  it('reports the nearest region when the tree has no district level (the 2025 two-level shape)', () => {
    const regions = tree([
      { id: 'hn', parent_id: null, name: 'Hà Nội', level: 'city' },
      { id: 'hn/bach-mai', parent_id: 'hn', name: 'Phường Bạch Mai', level: 'ward' },
    ]);
    const r = districtOf(regions, 'hn/bach-mai');
    expect(r.district?.name).toBe('Phường Bạch Mai');
  });
});

describe('dayFrame in a zone with daylight saving', () => {
  const allDay = {
    mon: [['00:00', '24:00']],
    tue: [['00:00', '24:00']],
    wed: [['00:00', '24:00']],
    thu: [['00:00', '24:00']],
    fri: [['00:00', '24:00']],
    sat: [['00:00', '24:00']],
    sun: [['00:00', '24:00']],
    closedDates: [],
  };
  const site = {
    row: {
      id: 's',
      name: 'Berlin Hbf',
      venue_type: 'train_station',
      region_id: null,
      time_zone: 'Europe/Berlin',
      opening_hours: JSON.stringify(allDay),
      peak_profile: null,
    },
    hours: OpeningHours.parse(allDay),
    districtId: '',
    districtName: '',
    wardName: '',
  } satisfies SiteInfo;
  const ctxAt = (nowMs: number) =>
    ({
      plan: {
        id: 'c',
        mediaSha256: '',
        mediaDurationMs: 15_000,
        firstDay: '2024-03-01',
        lastDay: '2024-11-30',
        timeZone: 'Europe/Berlin',
        targetPerDay: 10,
        averageBasis: 'operating_day',
        peakProfiles: {},
        makeGoodCapPct: 50,
      },
      overridesBySite: new Map(),
      operatingDays: new Map(),
      nowMs,
    }) as unknown as ReportContext;

  it('counts 25 open hours on the autumn day and 23 on the spring day', () => {
    const after = Date.parse('2024-12-01T00:00:00Z');
    const autumn = dayFrame(ctxAt(after), site, '2024-10-27');
    expect(autumn.openHours).toBe(25);
    expect(autumn.slices.filter((s) => s.hour === 2)).toHaveLength(2);
    expect(dayFrame(ctxAt(after), site, '2024-03-31').openHours).toBe(23);
    expect(autumn.due).toBe(10);
  });

  it('makes part of the day due by the instant, across the repeated hour', () => {
    // 03:00 local after the fall-back: 00:00–03:00 holds four wall-clock hours (02:00 twice).
    const f = dayFrame(ctxAt(Date.parse('2024-10-27T03:00:00+01:00')), site, '2024-10-27');
    expect(f.openHours).toBe(4);
    expect(f.due).toBe(Math.floor((10 * 4) / 25));
  });
});

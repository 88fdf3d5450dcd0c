import { describe, expect, it } from 'vitest';
import { districtOf } from '#server/reports/aggregate.ts';
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

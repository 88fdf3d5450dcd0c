/**
 * Cadence ("tối thiểu 03 ngày 01 tin"): for every sending office (the city, each district, each
 * ward of the region tree) the days since it last put an item on air, communications and urgent
 * warnings alike. More than 3 days, or never, is flagged; the weekly report lists the flags.
 */
import { CommLevel, type Cadence } from '#shared/schemas/comms.ts';
import { DEFAULT_TIME_ZONE } from '#shared/schemas/domain.ts';
import { daysBetween, localDateOf, toIsoWithOffset } from '#shared/time.ts';
import type { Repositories } from '../repositories/index.ts';

export const CADENCE_MAX_DAYS = 3;

export function cadence(repos: Repositories, now: number, zone = DEFAULT_TIME_ZONE): Cadence {
  const last = new Map(repos.communications.lastAiredByRegion().map((r) => [r.region_id, r]));
  const today = localDateOf(now, zone);
  const rows = repos.regions
    .list()
    .flatMap((region) => {
      const level = CommLevel.safeParse(region.level);
      if (!level.success) return [];
      const l = last.get(region.id);
      const daysSince = l ? daysBetween(localDateOf(l.at, zone), today) : null;
      return [
        {
          regionId: region.id,
          regionName: region.name,
          level: level.data,
          lastAiredAt: l ? toIsoWithOffset(l.at, zone) : null,
          lastItemId: l?.id ?? null,
          daysSince,
          flagged: daysSince === null || daysSince > CADENCE_MAX_DAYS,
        },
      ];
    })
    .sort((a, b) => a.regionId.localeCompare(b.regionId));
  return { asOf: toIsoWithOffset(now, zone), maxDays: CADENCE_MAX_DAYS, rows };
}

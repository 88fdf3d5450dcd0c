import type { Db } from '../db/database.ts';
import type { AuditRepository } from './audit.ts';
import type { Clock } from '#shared/clock.ts';
import { OpeningHours, PeakProfile } from '#shared/schemas/domain.ts';
import { jsonColumn } from './json-column.ts';

/** The sites table's JSON columns, each read through its one checked mapper. */
export const siteJson = {
  openingHours: jsonColumn('sites.opening_hours', OpeningHours),
  /** The site's own weekly profile; null means the campaign's profile for its venue type. */
  peakProfile: jsonColumn('sites.peak_profile', PeakProfile),
};

export interface SiteRow {
  id: string;
  name: string;
  venue_type: string;
  address: string;
  region_id: string | null;
  time_zone: string;
  opening_hours: string;
  peak_profile: string | null;
  source: string;
  created_at_ms: number;
  updated_at_ms: number;
  moving: number;
}

export interface SiteWithCount extends SiteRow {
  screen_count: number;
}

export type SiteFields = Pick<
  SiteRow,
  | 'id'
  | 'name'
  | 'venue_type'
  | 'address'
  | 'region_id'
  | 'time_zone'
  | 'opening_hours'
  | 'peak_profile'
  | 'moving'
  | 'source'
>;

export interface SitePatch {
  name?: string;
  address?: string;
  time_zone?: string;
  opening_hours?: string;
  peak_profile?: string | null;
}

export function sitesRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const select = `SELECT sites.*, (SELECT COUNT(*) FROM screens WHERE screens.site_id = sites.id AND screens.status <> 'revoked') AS screen_count FROM sites`;
  const all = db.prepare<[], SiteWithCount>(`${select} ORDER BY sites.name`);
  const inRegion = db.prepare<[string], SiteWithCount>(
    `WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT regions.id FROM regions JOIN t ON regions.parent_id = t.id)
     ${select} WHERE sites.region_id IN (SELECT id FROM t) ORDER BY sites.name`,
  );
  const byId = db.prepare<[string], SiteWithCount>(`${select} WHERE sites.id = ?`);
  const insert = db.prepare(
    `INSERT INTO sites (id, name, venue_type, address, region_id, time_zone, opening_hours, peak_profile, moving, source, created_at_ms, updated_at_ms)
     VALUES (@id, @name, @venue_type, @address, @region_id, @time_zone, @opening_hours, @peak_profile, @moving, @source, @now, @now)`,
  );
  const replace = db.prepare(
    `UPDATE sites SET name = @name, venue_type = @venue_type, address = @address, region_id = @region_id, time_zone = @time_zone,
       opening_hours = @opening_hours, peak_profile = @peak_profile, moving = @moving, source = @source, updated_at_ms = @now WHERE id = @id`,
  );
  const patchStmt = db.prepare(
    `UPDATE sites SET name = COALESCE(@name, name), address = COALESCE(@address, address), time_zone = COALESCE(@time_zone, time_zone),
       opening_hours = COALESCE(@opening_hours, opening_hours),
       peak_profile = CASE WHEN @set_peak = 1 THEN @peak_profile ELSE peak_profile END,
       updated_at_ms = @now WHERE id = @id`,
  );

  return {
    list: (filter: { regionId?: string | undefined; venueType?: string | undefined } = {}) => {
      const rows = filter.regionId ? inRegion.all(filter.regionId) : all.all();
      return filter.venueType ? rows.filter((r) => r.venue_type === filter.venueType) : rows;
    },
    get: (id: string) => byId.get(id),
    /** Insert or replace every field (the playlist loader). Audited by the caller's transaction. */
    put: (fields: SiteFields) => {
      const params = { ...fields, now: clock.now() };
      if (byId.get(fields.id)) replace.run(params);
      else insert.run(params);
    },
    update: db.transaction((id: string, patch: SitePatch, actor: string) => {
      const before = byId.get(id);
      if (!before) return undefined;
      patchStmt.run({
        id,
        name: patch.name ?? null,
        address: patch.address ?? null,
        time_zone: patch.time_zone ?? null,
        opening_hours: patch.opening_hours ?? null,
        set_peak: patch.peak_profile !== undefined ? 1 : 0,
        peak_profile: patch.peak_profile ?? null,
        now: clock.now(),
      });
      const after = byId.get(id)!;
      audit.record({
        actor,
        action: 'site.update',
        objectType: 'site',
        objectId: id,
        detail: diff(before, after, Object.keys(patch)),
      });
      return after;
    }),
  };
}
export type SitesRepository = ReturnType<typeof sitesRepository>;

/** Before/after of the columns a change touched, for the audit log. */
export function diff<T extends object>(
  before: T,
  after: T,
  keys: string[],
): Record<string, { before: unknown; after: unknown }> {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  for (const k of keys) {
    const b = (before as Record<string, unknown>)[k];
    const a = (after as Record<string, unknown>)[k];
    if (JSON.stringify(b) !== JSON.stringify(a)) out[k] = { before: b, after: a };
  }
  return out;
}

import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';
import { OpeningHours, Participants, PeakProfile, VenueType } from '#shared/schemas/domain.ts';
import type { AuditRepository } from './audit.ts';
import { jsonColumn } from './json-column.ts';
import { diff } from './sites.ts';

/** The campaigns table's JSON columns, each read through its one checked mapper. */
export const campaignJson = {
  /** The peak profile of each venue type. */
  peakProfiles: jsonColumn('campaigns.peak_profiles', z.partialRecord(VenueType, PeakProfile)),
  /** Each venue type's defaults from the playlist file (opening hours). */
  venueDefaults: jsonColumn(
    'campaigns.venue_defaults',
    z.partialRecord(VenueType, z.object({ openingHours: OpeningHours.optional() })),
  ),
  participants: jsonColumn('campaigns.participants', Participants),
};
export type PeakProfiles = ReturnType<typeof campaignJson.peakProfiles>;

/** The region ids up a site's region tree, as the participation query gathers them. */
const regionPath = jsonColumn('sites.region_path (query)', z.array(z.string()));

export interface CampaignRow {
  id: string;
  name: string;
  name_en: string | null;
  media_sha256: string | null;
  first_day: string;
  last_day: string;
  time_zone: string;
  target_per_day: number;
  average_basis: 'operating_day' | 'calendar_day';
  make_good_cap_pct: number;
  /** Planning order on a shared screen, lower first (migration 130). */
  priority: number;
  peak_profiles: string;
  venue_defaults: string;
  participants: string;
  status: 'active' | 'closed';
  version: number;
  source: string;
  created_at_ms: number;
  updated_at_ms: number;
  closed_at_ms: number | null;
}

export type CampaignFields = Omit<
  CampaignRow,
  'version' | 'created_at_ms' | 'updated_at_ms' | 'closed_at_ms' | 'status' | 'priority'
> & { priority?: number };

export type CampaignPatch = Partial<
  Pick<
    CampaignRow,
    | 'name'
    | 'name_en'
    | 'media_sha256'
    | 'first_day'
    | 'last_day'
    | 'target_per_day'
    | 'average_basis'
    | 'make_good_cap_pct'
    | 'priority'
    | 'peak_profiles'
    | 'participants'
    | 'status'
  >
>;

const PATCHABLE = [
  'name',
  'name_en',
  'media_sha256',
  'first_day',
  'last_day',
  'target_per_day',
  'average_basis',
  'make_good_cap_pct',
  'priority',
  'peak_profiles',
  'participants',
  'status',
] as const;

/**
 * Who takes part: a site listed by id always does; otherwise `regions` and `venueTypes` are
 * filters that must both pass (an empty list passes everything), so "every bus station in
 * Hà Nội" is regions ["ha-noi"] with venueTypes ["bus_station"]. With both lists empty only the
 * listed sites take part.
 */
export function siteTakesPart(
  p: Participants,
  site: { id: string; venue_type: string; regionPath: readonly string[] },
): boolean {
  if (p.sites.includes(site.id)) return true;
  if (p.regions.length === 0 && p.venueTypes.length === 0) return false;
  const regionOk = p.regions.length === 0 || site.regionPath.some((r) => p.regions.includes(r));
  const typeOk = p.venueTypes.length === 0 || p.venueTypes.includes(site.venue_type as never);
  return regionOk && typeOk;
}

/** A campaign's priority when none is given (the column's default, migration 130). */
const DEFAULT_PRIORITY = 100;

export function campaignsRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const all = db.prepare<[], CampaignRow>('SELECT * FROM campaigns ORDER BY first_day DESC, id');
  const byId = db.prepare<[string], CampaignRow>('SELECT * FROM campaigns WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO campaigns (id, name, name_en, media_sha256, first_day, last_day, time_zone, target_per_day, average_basis, make_good_cap_pct,
       priority, peak_profiles, venue_defaults, participants, source, created_at_ms, updated_at_ms)
     VALUES (@id, @name, @name_en, @media_sha256, @first_day, @last_day, @time_zone, @target_per_day, @average_basis, @make_good_cap_pct,
       @priority, @peak_profiles, @venue_defaults, @participants, @source, @now, @now)`,
  );
  const replace = db.prepare(
    `UPDATE campaigns SET name = @name, name_en = @name_en, media_sha256 = @media_sha256, first_day = @first_day, last_day = @last_day,
       time_zone = @time_zone, target_per_day = @target_per_day, average_basis = @average_basis, make_good_cap_pct = @make_good_cap_pct,
       priority = @priority, peak_profiles = @peak_profiles, venue_defaults = @venue_defaults, participants = @participants, source = @source,
       version = version + 1, updated_at_ms = @now WHERE id = @id`,
  );
  // Each site with the ids of its region and every region above it, for participation checks.
  const sitesWithRegionPath = db.prepare<[], { id: string; venue_type: string; region_path: string | null }>(
    `WITH RECURSIVE up(site_id, region_id) AS (
       SELECT id, region_id FROM sites WHERE region_id IS NOT NULL
       UNION SELECT up.site_id, regions.parent_id FROM up JOIN regions ON regions.id = up.region_id WHERE regions.parent_id IS NOT NULL
     )
     SELECT sites.id, sites.venue_type, (SELECT json_group_array(region_id) FROM up WHERE up.site_id = sites.id) AS region_path
     FROM sites ORDER BY sites.id`,
  );

  const siteIdsFor = (p: Participants): string[] =>
    sitesWithRegionPath
      .all()
      .filter((s) =>
        siteTakesPart(p, {
          id: s.id,
          venue_type: s.venue_type,
          regionPath: regionPath.nullable(s.region_path, s.id) ?? [],
        }),
      )
      .map((s) => s.id);

  const update = db.transaction((id: string, patch: CampaignPatch, actor: string) => {
    const before = byId.get(id);
    if (!before) return undefined;
    const keys = PATCHABLE.filter((k) => patch[k] !== undefined);
    const changed = keys.filter((k) => patch[k] !== before[k]);
    if (changed.length === 0) return before;
    const sets = changed.map((k) => `${k} = @${k}`).join(', ');
    const closed =
      patch.status === 'closed' && before.status !== 'closed'
        ? ', closed_at_ms = @now'
        : patch.status === 'active'
          ? ', closed_at_ms = NULL'
          : '';
    // Built from a fixed column list, never from request keys; cached per shape by SQLite.
    db.prepare(
      `UPDATE campaigns SET ${sets}, version = version + 1, updated_at_ms = @now${closed} WHERE id = @id`,
    ).run({
      ...Object.fromEntries(changed.map((k) => [k, patch[k]])),
      id,
      now: clock.now(),
    });
    const after = byId.get(id)!;
    audit.record({
      actor,
      action: 'campaign.update',
      objectType: 'campaign',
      objectId: id,
      detail: { version: after.version, ...diff(before, after, changed) },
    });
    return after;
  });

  return {
    list: () => all.all(),
    get: (id: string) => byId.get(id),
    /** Insert or replace every field (the playlist loader); a replace bumps the version. */
    put: (fields: CampaignFields) => {
      const params = { ...fields, priority: fields.priority ?? DEFAULT_PRIORITY, now: clock.now() };
      if (byId.get(fields.id)) replace.run(params);
      else insert.run(params);
      return byId.get(fields.id)!;
    },
    update,
    /** Ids of the sites taking part in the campaign. */
    participatingSiteIds: (id: string): string[] => {
      const c = byId.get(id);
      if (!c) return [];
      return siteIdsFor(campaignJson.participants(c.participants, c.id));
    },
    /** Ids of the sites a participants value would take in; the console's preview asks before saving. */
    siteIdsFor,
  };
}
export type CampaignsRepository = ReturnType<typeof campaignsRepository>;

/**
 * Read side of proof of play for reports and exports, plus the saved-report list. Every
 * query takes an optional JSON array of site ids (`sites`): null means "every site" (campaign
 * managers, auditors); an array limits rows to an office head's or venue staff's scope inside
 * SQL, so out-of-scope rows never leave the database.
 */
import type { Db } from '../db/database.ts';
import type { PlayRow } from './plays.ts';

export interface ReportCampaignRow {
  id: string;
  name: string;
  name_en: string | null;
  first_day: string;
  last_day: string;
  time_zone: string;
  target_per_day: number;
  average_basis: string;
  peak_profiles: string;
  venue_defaults: string;
  participants: string;
  status: string;
  media_sha256: string | null;
  media_duration_ms: number | null;
  make_good_cap_pct: number;
}

export interface ReportSiteRow {
  id: string;
  name: string;
  venue_type: string;
  region_id: string | null;
  time_zone: string;
  opening_hours: string;
  peak_profile: string | null;
}

export interface ReportRegionRow {
  id: string;
  parent_id: string | null;
  name: string;
  level: string;
}

export interface ScreenMoveRow {
  screen_id: string;
  from_site_id: string;
  to_site_id: string;
  moved_at_ms: number;
}

export interface ReportScreenRow {
  id: string;
  site_id: string;
  name: string;
  status: string;
  last_seen_ms: number | null;
  status_json: string | null;
  created_at_ms: number;
  paired_at_ms: number | null;
  revoked_at_ms: number | null;
}

export interface OverrideRow {
  site_id: string;
  plays_per_day: number;
  set_at_ms: number;
  effective_from_ms: number;
}

/** One screen's plays on one local day. */
export interface ScreenDayCounts {
  screen_id: string;
  site_id: string;
  /** Completed plays whose hash chain checked out at upload: the only ones counted as plays. */
  plays: number;
  peak_plays: number;
  /** Completed plays whose chain check failed at upload ("chưa xác minh / unverified"). */
  unverified: number;
  not_completed: number;
}

type ScreenDayTuple = [string, string, number, number, number, number];

export interface SiteHourCounts {
  site_id: string;
  local_date: string;
  local_hour: number;
  plays: number;
  peak_plays: number;
  unverified: number;
}

/** A stored play as the evidence export reads it: the plays row without the epoch columns. */
export type EvidenceRow = Omit<PlayRow, 'planned_ms' | 'started_ms' | 'ended_ms'>;

export interface ChainSummaryRow {
  screen_id: string;
  plays: number;
  not_ok: number;
  gaps: number;
  mismatches: number;
  first_seq: number;
  last_seq: number;
}

export interface SavedReportRow {
  id: number;
  kind: string;
  campaign_id: string;
  period_first: string;
  period_last: string;
  generated_at_ms: number;
  file_name: string;
  checksum: string;
}

/** A play as the bench and tests seed it: exactly a plays row. */
export type PlayInsert = PlayRow;

const SCOPE = `(@sites IS NULL OR site_id IN (SELECT value FROM json_each(@sites)))`;

export function reportsRepository(db: Db) {
  const campaignSql =
    'SELECT c.*, m.duration_ms AS media_duration_ms FROM campaigns c LEFT JOIN media m ON m.sha256 = c.media_sha256';
  const campaign = db.prepare<[string], ReportCampaignRow>(`${campaignSql} WHERE c.id = ?`);
  const campaigns = db.prepare<[], ReportCampaignRow>(
    `${campaignSql} ORDER BY c.status = 'active' DESC, c.first_day DESC`,
  );
  const sites = db.prepare<[], ReportSiteRow>(
    'SELECT id, name, venue_type, region_id, time_zone, opening_hours, peak_profile FROM sites ORDER BY id',
  );
  const regions = db.prepare<[], ReportRegionRow>('SELECT id, parent_id, name, level FROM regions');
  const moves = db.prepare<[], ScreenMoveRow>(
    'SELECT screen_id, from_site_id, to_site_id, moved_at_ms FROM screen_moves ORDER BY screen_id, moved_at_ms, id',
  );
  const screens = db.prepare<[], ReportScreenRow>(
    `SELECT id, site_id, name, status, last_seen_ms, status_json, created_at_ms, paired_at_ms, revoked_at_ms
     FROM screens ORDER BY site_id, name`,
  );
  const overrides = db.prepare<[string], OverrideRow>(
    'SELECT site_id, plays_per_day, set_at_ms, effective_from_ms FROM frequency_overrides WHERE campaign_id = ? ORDER BY set_at_ms, id',
  );
  // Both read the counters kept at ingest (migration 140), never the raw plays: one day of one
  // campaign is a range of the table's primary key, about one narrow row per screen (or per site
  // and hour), already in group order, so there is no temporary B-tree and the cost does not grow
  // with the number of plays. A screen moved during the day has a row at each site; it is
  // reported at the first, as the GROUP BY over plays did.
  // Rows come as arrays in key order (screen, then site), with no GROUP BY: building one object
  // per row in better-sqlite3 costs more than the read itself at 10,000 screens a day.
  const screenDayCols =
    'SELECT screen_id, site_id, plays, peak_plays, unverified, not_completed FROM play_day_counts';
  const screenDayAll = db
    .prepare<[string, string], ScreenDayTuple>(`${screenDayCols} WHERE campaign_id = ? AND local_date = ?`)
    .raw(true);
  const screenDayScoped = db
    .prepare<{ campaign: string; date: string; sites: string | null }, ScreenDayTuple>(
      `${screenDayCols} WHERE campaign_id = @campaign AND local_date = @date AND ${SCOPE}`,
    )
    .raw(true);
  const siteHourOfDay = db.prepare<{ campaign: string; date: string; sites: string | null }, SiteHourCounts>(
    `SELECT site_id, local_date, local_hour, plays, peak_plays, unverified
     FROM play_hour_counts WHERE campaign_id = @campaign AND local_date = @date AND ${SCOPE}
     ORDER BY site_id, local_hour`,
  );
  // Raw plays in screen and journal order straight off plays_evidence (migration 070), so the
  // cursor streams from the first row instead of sorting the whole period first.
  const evidence = db.prepare<
    { campaign: string; from: string; to: string; sites: string | null },
    EvidenceRow
  >(
    `SELECT play_id, screen_id, site_id, campaign_id, media_sha256, plan_item_id, planned_at, started_at, ended_at,
            seconds_shown, outcome, reason, player_version, seq, prev_hash, hash, chain_status, local_date, local_hour,
            in_peak, received_at_ms
     FROM plays INDEXED BY plays_evidence
     WHERE campaign_id = @campaign AND local_date BETWEEN @from AND @to AND ${SCOPE}
     ORDER BY screen_id, seq`,
  );
  const chainSummary = db.prepare<
    { campaign: string; from: string; to: string; sites: string | null },
    ChainSummaryRow
  >(
    `SELECT screen_id, COUNT(*) AS plays, SUM(chain_status <> 'ok') AS not_ok,
            SUM(chain_status = 'gap') AS gaps, SUM(chain_status = 'mismatch') AS mismatches,
            MIN(seq) AS first_seq, MAX(seq) AS last_seq
     FROM plays WHERE campaign_id = @campaign AND local_date BETWEEN @from AND @to AND ${SCOPE}
     GROUP BY screen_id`,
  );
  // The plan service stores { items, campaigns: [{ campaignId, target, … }] } per screen and day;
  // the day's planned count for a campaign is its target there (make-goods included).
  const hashAt = db.prepare<[string, number], { hash: string }>(
    'SELECT hash FROM plays WHERE screen_id = ? AND seq = ?',
  );
  const plannedOn = db.prepare<{ campaign: string; date: string }, { screen_id: string; planned: number }>(
    `SELECT screen_id,
            coalesce((SELECT SUM(json_extract(c.value, '$.target')) FROM json_each(plan, '$.campaigns') AS c
                      WHERE json_extract(c.value, '$.campaignId') = @campaign), 0) AS planned
     FROM screen_plans WHERE local_date = @date AND json_valid(plan)`,
  );
  // Starts of one screen's planned items for a campaign on a day. Items written by the plan
  // service name their campaign; older rows (a bare array of items) are matched by media.
  const plannedStarts = db.prepare<
    { screen: string; date: string; campaign: string; media: string },
    { start: number }
  >(
    `SELECT json_extract(i.value, '$.start') AS start
     FROM screen_plans p, json_each(p.plan, CASE json_type(p.plan) WHEN 'array' THEN '$' ELSE '$.items' END) AS i
     WHERE p.screen_id = @screen AND p.local_date = @date AND json_valid(p.plan)
       AND coalesce(json_extract(i.value, '$.campaignId') = @campaign,
                    json_extract(i.value, '$.mediaSha256') = @media)
     ORDER BY start`,
  );
  const plannedScreens = db.prepare<[string], { screen_id: string }>(
    'SELECT screen_id FROM screen_plans WHERE local_date = ?',
  );
  const insertSaved = db.prepare(
    `INSERT INTO reports (kind, campaign_id, period_first, period_last, generated_at_ms, file_name, checksum)
     VALUES (@kind, @campaign_id, @period_first, @period_last, @generated_at_ms, @file_name, @checksum)
     ON CONFLICT (kind, campaign_id, period_first) DO UPDATE SET
       period_last = excluded.period_last, generated_at_ms = excluded.generated_at_ms,
       file_name = excluded.file_name, checksum = excluded.checksum`,
  );
  const listSaved = db.prepare<[], SavedReportRow>(
    'SELECT * FROM reports ORDER BY period_first DESC, id DESC',
  );
  const getSaved = db.prepare<[number], SavedReportRow>('SELECT * FROM reports WHERE id = ?');
  const findSaved = db.prepare<[string, string, string], SavedReportRow>(
    'SELECT * FROM reports WHERE kind = ? AND campaign_id = ? AND period_first = ?',
  );
  const insertPlay = db.prepare(
    `INSERT OR IGNORE INTO plays (play_id, screen_id, site_id, campaign_id, media_sha256, plan_item_id, planned_at, planned_ms,
       started_at, started_ms, ended_at, ended_ms, seconds_shown, outcome, reason, player_version, seq, prev_hash, hash,
       chain_status, local_date, local_hour, in_peak, received_at_ms)
     VALUES (@play_id, @screen_id, @site_id, @campaign_id, @media_sha256, @plan_item_id, @planned_at, @planned_ms,
       @started_at, @started_ms, @ended_at, @ended_ms, @seconds_shown, @outcome, @reason, @player_version, @seq, @prev_hash, @hash,
       @chain_status, @local_date, @local_hour, @in_peak, @received_at_ms)`,
  );

  const sitesParam = (siteIds: ReadonlySet<string> | null) => (siteIds ? JSON.stringify([...siteIds]) : null);

  return {
    campaign: (id: string) => campaign.get(id),
    campaigns: () => campaigns.all(),
    sites: () => sites.all(),
    regions: () => regions.all(),
    screens: () => screens.all(),
    /** Every screen move, oldest first per screen (migration 150). */
    moves: () => moves.all(),
    overrides: (campaignId: string) => overrides.all(campaignId),
    /**
     * Each screen's counts on one local day, keyed by screen. A screen moved during the day has
     * a row at each site: its counts are summed and it is reported at the first site id, as a
     * GROUP BY screen_id with MIN(site_id) over the plays would.
     */
    screenDay: (
      campaignId: string,
      date: string,
      siteIds: ReadonlySet<string> | null,
    ): Map<string, ScreenDayCounts> => {
      const rows = siteIds
        ? screenDayScoped.all({ campaign: campaignId, date, sites: sitesParam(siteIds) })
        : screenDayAll.all(campaignId, date);
      const out = new Map<string, ScreenDayCounts>();
      for (const [screen_id, site_id, plays, peak_plays, unverified, not_completed] of rows) {
        const seen = out.get(screen_id);
        if (seen) {
          seen.plays += plays;
          seen.peak_plays += peak_plays;
          seen.unverified += unverified;
          seen.not_completed += not_completed;
        } else out.set(screen_id, { screen_id, site_id, plays, peak_plays, unverified, not_completed });
      }
      return out;
    },
    siteHoursOfDay: (campaignId: string, date: string, siteIds: ReadonlySet<string> | null) =>
      siteHourOfDay.all({ campaign: campaignId, date, sites: sitesParam(siteIds) }),
    /** A cursor over raw plays, ordered by screen then journal sequence. */
    iterateEvidence: (campaignId: string, from: string, to: string, siteIds: ReadonlySet<string> | null) =>
      evidence.iterate({ campaign: campaignId, from, to, sites: sitesParam(siteIds) }),
    chainSummary: (campaignId: string, from: string, to: string, siteIds: ReadonlySet<string> | null) =>
      chainSummary.all({ campaign: campaignId, from, to, sites: sitesParam(siteIds) }),
    /** The hash of a screen's play `seq`, to check the first link of a period against it. */
    hashAt: (screenId: string, seq: number) => hashAt.get(screenId, seq)?.hash,
    plannedOn: (date: string, campaignId: string) => plannedOn.all({ campaign: campaignId, date }),
    /** Screens with a stored plan for a local day (any campaign). */
    plannedScreens: (date: string) => new Set(plannedScreens.all(date).map((r) => r.screen_id)),
    /** Start instants of the plan items issued to a screen for a campaign on a local day. */
    plannedStarts: (screenId: string, date: string, campaignId: string, mediaSha256: string | null) =>
      plannedStarts
        .all({ screen: screenId, date, campaign: campaignId, media: mediaSha256 ?? '' })
        .map((r) => r.start),
    saveReport: (row: Omit<SavedReportRow, 'id'>) => {
      insertSaved.run(row);
      return findSaved.get(row.kind, row.campaign_id, row.period_first)!;
    },
    listReports: () => listSaved.all(),
    getReport: (id: number) => getSaved.get(id),
    /** Bulk insert for seeding benches and tests; the live path is the player ingest. */
    insertPlays: db.transaction((rows: Iterable<PlayInsert>) => {
      let n = 0;
      for (const r of rows) n += insertPlay.run(r).changes;
      return n;
    }),
  };
}
export type ReportsRepository = ReturnType<typeof reportsRepository>;

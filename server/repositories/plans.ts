/**
 * What the plan service and the cron jobs read and write: the plan inputs of each screen
 * (campaign, site, raise, achieved plays), the plans issued (screen_plans, with the per-screen
 * monotonic version), the cron_runs ledger, and the heartbeat sweep.
 */
import { z } from 'zod';
import { PlanLoop } from '#shared/schemas/protocol.ts';
import type { Db } from '../db/database.ts';
import type { CampaignRow } from './campaigns.ts';
import { jsonColumn } from './json-column.ts';
import type { SiteRow } from './sites.ts';

const StoredItem = z.object({
  id: z.string(),
  /** Absent only in plans stored before several campaigns could share a day. */
  campaignId: z.string().optional(),
  mediaSha256: z.string(),
  start: z.number(),
  end: z.number(),
  peak: z.boolean().default(false),
});

/** Each campaign's plan facts for the day (the scheduler's DayPlan without its items). */
const StoredFacts = z.object({
  campaignId: z.string(),
  target: z.number(),
  baseTarget: z.number(),
  makeGood: z.number(),
  alreadyPlayed: z.number(),
  shortfall: z.number(),
  peakRequired: z.number(),
  inputsHash: z.string(),
});

/**
 * screen_plans.plan: one day of one screen, the merged items plus each campaign's facts, and the
 * venue's loop with the site's open intervals when the screen has a loop or goes dark outside
 * hours (docs/decisions/012-venue-loops.md).
 */
const StoredDayObject = z.object({
  items: z.array(StoredItem).default([]),
  campaigns: z.array(StoredFacts).default([]),
  loop: PlanLoop.optional(),
  open: z.array(z.tuple([z.number(), z.number()])).optional(),
  /** The words of the day's text items (text communications), by the items' mediaSha256. */
  texts: z.record(z.string(), z.object({ title: z.string(), body: z.string() })).optional(),
});
const StoredDaySchema = z.union([
  StoredDayObject,
  // The first format: the day's items alone.
  z.array(StoredItem).transform((items): z.output<typeof StoredDayObject> => ({ items, campaigns: [] })),
]);
export type StoredDay = z.output<typeof StoredDaySchema>;
export type StoredLoop = PlanLoop;

/** The screen_plans table's JSON column, read through its one checked mapper. */
export const planJson = {
  /** `rowKey` names the row in the error if the text is corrupt ("screen/date"). */
  day: jsonColumn('screen_plans.plan', StoredDaySchema),
};

/** The campaign columns planning reads, with its video's duration joined in. */
export type PlanCampaignRow = Pick<
  CampaignRow,
  | 'id'
  | 'media_sha256'
  | 'first_day'
  | 'last_day'
  | 'time_zone'
  | 'target_per_day'
  | 'average_basis'
  | 'make_good_cap_pct'
  | 'priority'
  | 'peak_profiles'
  | 'status'
> & { media_duration_ms: number | null };

export type PlanSiteRow = Pick<SiteRow, 'id' | 'venue_type' | 'time_zone' | 'opening_hours' | 'peak_profile'>;

export interface PlanScreenRow {
  id: string;
  site_id: string;
  status: string;
  plan_version: number;
  paired_at_ms: number | null;
  /** Up to when the player has uploaded everything it played (its last report of no backlog). */
  settled_ms: number | null;
  /** The earliest past day the last re-plan presumed played as planned (not settled yet). */
  unsettled_from: string | null;
}

export interface StoredPlanRow {
  local_date: string;
  version: number;
  inputs_hash: string;
  plan: string;
}

export interface CampaignPlayRow {
  screen_id: string;
  site_id: string;
  started_ms: number;
  ended_ms: number;
  local_date: string;
  in_peak: number;
  outcome: string;
}

export function plansRepository(db: Db) {
  const campaigns = db.prepare<[], PlanCampaignRow>(
    `SELECT c.id, c.media_sha256, m.duration_ms AS media_duration_ms, c.first_day, c.last_day, c.time_zone, c.target_per_day,
            c.average_basis, c.make_good_cap_pct, c.priority, c.peak_profiles, c.status
     FROM campaigns c LEFT JOIN media m ON m.sha256 = c.media_sha256 ORDER BY c.priority, c.id`,
  );
  const site = db.prepare<[string], PlanSiteRow>(
    'SELECT id, venue_type, time_zone, opening_hours, peak_profile FROM sites WHERE id = ?',
  );
  const screens = db.prepare<[], PlanScreenRow>(
    `SELECT id, site_id, status, plan_version, paired_at_ms, settled_ms, unsettled_from FROM screens WHERE status != 'revoked' ORDER BY id`,
  );
  const screen = db.prepare<[string], PlanScreenRow>(
    `SELECT id, site_id, status, plan_version, paired_at_ms, settled_ms, unsettled_from FROM screens WHERE id = ? AND status != 'revoked'`,
  );
  // Completed plays per local date (verified or not), from the day counters kept at ingest
  // (migration 140): a few rows per screen through play_day_counts_screen, where the count over
  // plays read every play the screen ever made at each re-plan (the rollover re-plans them all).
  const achieved = db.prepare<[string, string], { local_date: string; n: number }>(
    `SELECT local_date, SUM(plays + unverified) AS n FROM play_day_counts
     WHERE screen_id = ? AND campaign_id = ? GROUP BY local_date HAVING n > 0`,
  );
  // One read for both: the index finds a screen's plays of a campaign, not of a date.
  const playsOn = db.prepare<[string, string, string], { started_ms: number; outcome: string }>(
    `SELECT started_ms, outcome FROM plays WHERE screen_id = ? AND campaign_id = ? AND local_date = ? ORDER BY started_ms`,
  );
  const plansFrom = db.prepare<[string, string], StoredPlanRow>(
    'SELECT local_date, version, inputs_hash, plan FROM screen_plans WHERE screen_id = ? AND local_date >= ? ORDER BY local_date',
  );
  const maxVersion = db.prepare<[string], { v: number | null }>(
    'SELECT MAX(version) AS v FROM screen_plans WHERE screen_id = ?',
  );
  const upsertPlan = db.prepare(
    `INSERT INTO screen_plans (screen_id, local_date, version, inputs_hash, plan, computed_at_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (screen_id, local_date) DO UPDATE SET version = excluded.version, inputs_hash = excluded.inputs_hash,
       plan = excluded.plan, computed_at_ms = excluded.computed_at_ms`,
  );
  const setPlanVersion = db.prepare('UPDATE screens SET plan_version = ? WHERE id = ?');
  const setUnsettled = db.prepare('UPDATE screens SET unsettled_from = ? WHERE id = ?');
  const settle = db.prepare<[number, string], { unsettled_from: string | null }>(
    'UPDATE screens SET settled_ms = MAX(COALESCE(settled_ms, 0), ?) WHERE id = ? RETURNING unsettled_from',
  );
  const hasRun = db.prepare<[string, string], { n: number }>(
    'SELECT COUNT(*) AS n FROM cron_runs WHERE job = ? AND period_key = ?',
  );
  const recordRun = db.prepare(
    'INSERT OR IGNORE INTO cron_runs (job, period_key, ran_at_ms) VALUES (?, ?, ?)',
  );
  const lastRun = db.prepare<[string], { period_key: string; ran_at_ms: number }>(
    'SELECT period_key, ran_at_ms FROM cron_runs WHERE job = ? ORDER BY ran_at_ms DESC, period_key DESC LIMIT 1',
  );
  const sweep = db.prepare<[number], { id: string }>(
    `UPDATE screens SET status = 'offline' WHERE status = 'online' AND (last_seen_ms IS NULL OR last_seen_ms < ?) RETURNING id`,
  );

  const playsOfCampaign = db.prepare<[string], CampaignPlayRow>(
    `SELECT p.screen_id, p.site_id, p.started_ms, p.ended_ms, p.local_date, p.in_peak, p.outcome
     FROM plays p WHERE p.campaign_id = ? ORDER BY p.screen_id, p.started_ms`,
  );

  const writePlans = (
    screenId: string,
    version: number,
    rows: ReadonlyArray<{ date: string; inputsHash: string; plan: string }>,
    now: number,
  ): void => {
    for (const r of rows) upsertPlan.run(screenId, r.date, version, r.inputsHash, r.plan, now);
    setPlanVersion.run(version, screenId);
  };

  return {
    /** Every play of a campaign, streamed (the simulator's and auditors' whole-campaign checks). */
    playsOfCampaign: (campaignId: string) => playsOfCampaign.iterate(campaignId),
    campaigns: () => campaigns.all(),
    site: (id: string) => site.get(id),
    screens: () => screens.all(),
    screen: (id: string) => screen.get(id),
    /** Completed plays per local date for one screen and campaign. */
    achieved: (screenId: string, campaignId: string): Record<string, number> =>
      Object.fromEntries(achieved.all(screenId, campaignId).map((r) => [r.local_date, r.n])),
    playedOn: (screenId: string, campaignId: string, date: string) =>
      playsOn
        .all(screenId, campaignId, date)
        .filter((r) => r.outcome === 'completed')
        .map((r) => ({ startedAt: r.started_ms })),
    /**
     * One screen's plays of a campaign on a local date: the completed ones' starts, and how many
     * were stored as failed or interrupted.
     */
    playsOn: (screenId: string, campaignId: string, date: string) => {
      const rows = playsOn.all(screenId, campaignId, date);
      const played = rows.filter((r) => r.outcome === 'completed').map((r) => ({ startedAt: r.started_ms }));
      return { played, failed: rows.length - played.length };
    },
    plansFrom: (screenId: string, fromDate: string) => plansFrom.all(screenId, fromDate),
    maxVersion: (screenId: string) => maxVersion.get(screenId)?.v ?? 0,
    /** Writes the changed days under one new version for the screen (one transaction). */
    savePlans: db.transaction(
      (
        screenId: string,
        version: number,
        rows: Array<{ date: string; inputsHash: string; plan: string }>,
        now: number,
      ) => writePlans(screenId, version, rows, now),
    ),
    /**
     * The same inside the caller's transaction (the plan service writes a whole slice of screens
     * in one): no savepoint per screen.
     */
    writePlans,
    /** The earliest day the plan presumed played as planned, or null when every day is settled. */
    setUnsettled: (screenId: string, from: string | null) => void setUnsettled.run(from, screenId),
    /**
     * The player has uploaded everything it played up to `at` (the gateway records this from a
     * status without backlog; the simulator's lightweight screens call it after an upload).
     * Returns the day the plans still presume played, if any.
     */
    settle: (screenId: string, at: number): string | null => settle.get(at, screenId)?.unsettled_from ?? null,
    hasRun: (job: string, periodKey: string) => hasRun.get(job, periodKey)!.n > 0,
    /** True if this call recorded the run (false: it was already recorded). */
    recordRun: (job: string, periodKey: string, now: number) =>
      recordRun.run(job, periodKey, now).changes === 1,
    lastRun: (job: string) => lastRun.get(job),
    /** Screens marked online whose last sign of life is older than `cutoff`; now offline. */
    sweepOffline: (cutoff: number) => sweep.all(cutoff).map((r) => r.id),
    /**
     * IMMEDIATE: a re-plan reads the screen's rows and then writes. Begun deferred, its read
     * snapshot cannot become a write once the ingest writer (another connection) has committed
     * meanwhile (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait out), and a whole
     * rollover failed at midnight whenever a player's status landed during a slice.
     */
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
  };
}
export type PlansRepository = ReturnType<typeof plansRepository>;

/** Third-party proof of play (migration 083): imported, de-duplicated by key, never chained. */
import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';
import type { AuditRepository } from './audit.ts';

export interface NewThirdPartyPlay {
  key: string;
  source: string;
  externalId: string | null;
  screenId: string;
  siteId: string;
  campaignId: string;
  mediaSha256: string | null;
  startedAt: string;
  startedMs: number;
  secondsShown: number;
  localDate: string;
  localHour: number;
}

export interface ThirdPartyDayRow {
  campaign_id: string;
  site_id: string;
  screen_id: string;
  local_date: string;
  source: string;
  plays: number;
  seconds: number;
}

export function thirdPartyPlaysRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const insert = db.prepare(
    `INSERT INTO third_party_plays (play_key, source, external_id, screen_id, site_id, campaign_id, media_sha256, started_at,
       started_ms, seconds_shown, local_date, local_hour, import_id, imported_by, imported_at_ms)
     VALUES (@key, @source, @externalId, @screenId, @siteId, @campaignId, @mediaSha256, @startedAt, @startedMs, @secondsShown,
       @localDate, @localHour, @importId, @actor, @now)
     ON CONFLICT (play_key) DO NOTHING`,
  );
  const byDay = db.prepare<[string, string, string], ThirdPartyDayRow>(
    `SELECT campaign_id, site_id, screen_id, local_date, source, COUNT(*) AS plays, SUM(seconds_shown) AS seconds
     FROM third_party_plays WHERE campaign_id = ? AND local_date BETWEEN ? AND ?
     GROUP BY campaign_id, site_id, screen_id, local_date, source ORDER BY local_date, site_id, screen_id`,
  );
  return {
    /** One transaction: every row or none. Returns how many were new. */
    importAll: db.transaction(
      (
        rows: readonly NewThirdPartyPlay[],
        importId: string,
        actor: string,
        file: { source: string; lines: number },
      ) => {
        const now = clock.now();
        let added = 0;
        for (const r of rows) added += insert.run({ ...r, importId, actor, now }).changes;
        audit.record({
          actor,
          action: 'plays.import_third_party',
          objectType: 'import',
          objectId: importId,
          detail: { source: file.source, rows: rows.length, added, duplicates: rows.length - added },
        });
        return added;
      },
    ),
    byDay: (campaignId: string, from: string, to: string) => byDay.all(campaignId, from, to),
  };
}
export type ThirdPartyPlaysRepository = ReturnType<typeof thirdPartyPlaysRepository>;

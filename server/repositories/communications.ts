/**
 * Communications and urgent warnings (migration 090): the items, their proof of display per
 * screen, and the region/site/screen look-ups the level and no-resend rules need.
 */
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { CommLevel, CommStatus, WarningDisplay, WarningStatus } from '#shared/schemas/comms.ts';
import { jsonColumn } from './json-column.ts';

/** The warnings table's JSON column, read through its one checked mapper. */
export const warningJson = {
  /** The regions a warning covers (a CAP alert may name several areas). */
  scopeRegionIds: jsonColumn('warnings.scope_region_ids', z.array(z.string())),
};

export interface CommunicationRow {
  id: string;
  title: string;
  body: string;
  media_sha256: string | null;
  source_doc: string | null;
  source_doc_key: string | null;
  level: CommLevel;
  author_region_id: string;
  scope_region_id: string;
  first_day: string;
  last_day: string;
  time_zone: string;
  plays_per_day: number;
  status: CommStatus;
  reject_reason: string | null;
  created_by: string;
  edited_by: string | null;
  approved_by: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  approved_at_ms: number | null;
  aired_at_ms: number | null;
  ended_at_ms: number | null;
}

export interface WarningRow {
  id: string;
  headline: string;
  body: string;
  display: WarningDisplay;
  level: CommLevel;
  author_region_id: string;
  scope_region_ids: string;
  source_doc: string | null;
  source_doc_key: string | null;
  expires_at_ms: number;
  status: WarningStatus;
  reject_reason: string | null;
  created_by: string;
  approved_by: string | null;
  cancelled_by: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  approved_at_ms: number | null;
  ended_at_ms: number | null;
  cap_identifier: string | null;
  cap_sender: string | null;
  cap_sent: string | null;
  cap_event: string | null;
  cap_severity: string | null;
  cap_urgency: string | null;
  cap_certainty: string | null;
  supersedes: string | null;
}

export interface ScreenInScope {
  id: string;
  site_id: string;
}

const SUBTREE = `WITH RECURSIVE t(id) AS (SELECT value FROM json_each(?) UNION SELECT regions.id FROM regions JOIN t ON regions.parent_id = t.id)`;

export function communicationsRepository(db: Db) {
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM communications');
  const insertC = db.prepare(
    `INSERT INTO communications (id, title, body, media_sha256, source_doc, source_doc_key, level, author_region_id,
       scope_region_id, first_day, last_day, time_zone, plays_per_day, status, created_by, created_at_ms, updated_at_ms)
     VALUES (@id, @title, @body, @media_sha256, @source_doc, @source_doc_key, @level, @author_region_id,
       @scope_region_id, @first_day, @last_day, @time_zone, @plays_per_day, @status, @created_by, @created_at_ms, @updated_at_ms)`,
  );
  const getC = db.prepare<[string], CommunicationRow>('SELECT * FROM communications WHERE id = ?');
  const listC = db.prepare<[], CommunicationRow>(
    'SELECT * FROM communications ORDER BY created_at_ms DESC, id DESC',
  );
  const liveByMediaOrDoc = db.prepare<[{ media: string | null; doc: string | null }], CommunicationRow>(
    `SELECT * FROM communications WHERE status IN ('approved', 'on_air')
       AND ((@media IS NOT NULL AND media_sha256 = @media) OR (@doc IS NOT NULL AND source_doc_key = @doc))`,
  );
  const live = db.prepare<[], CommunicationRow>(
    `SELECT * FROM communications WHERE status IN ('approved', 'on_air') ORDER BY id`,
  );
  const sitesIn = db.prepare<[string], { id: string; region_id: string | null }>(
    `${SUBTREE} SELECT id, region_id FROM sites WHERE region_id IN (SELECT id FROM t) ORDER BY id`,
  );
  const screensIn = db.prepare<[string], ScreenInScope>(
    `${SUBTREE} SELECT s.id, s.site_id FROM screens s JOIN sites ON sites.id = s.site_id
       WHERE sites.region_id IN (SELECT id FROM t) AND s.status != 'revoked' AND s.token_hash IS NOT NULL ORDER BY s.id`,
  );
  const playsBySite = db.prepare<[string], { site_id: string; n: number }>(
    `SELECT site_id, COUNT(*) AS n FROM plays WHERE campaign_id = ? AND outcome = 'completed' GROUP BY site_id`,
  );
  const screensBySite = db.prepare<[string], { site_id: string; n: number }>(
    `${SUBTREE} SELECT s.site_id, COUNT(*) AS n FROM screens s JOIN sites ON sites.id = s.site_id
       WHERE sites.region_id IN (SELECT id FROM t) AND s.status != 'revoked' GROUP BY s.site_id`,
  );
  const lastAired = db.prepare<[], { region_id: string; at: number; id: string }>(
    `SELECT region_id, MAX(at) AS at, id FROM (
       SELECT author_region_id AS region_id, aired_at_ms AS at, id FROM communications WHERE aired_at_ms IS NOT NULL
       UNION ALL
       SELECT author_region_id, approved_at_ms, id FROM warnings WHERE approved_at_ms IS NOT NULL AND status != 'rejected'
     ) GROUP BY region_id`,
  );

  const countW = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM warnings');
  const insertW = db.prepare(
    `INSERT INTO warnings (id, headline, body, display, level, author_region_id, scope_region_ids, source_doc, source_doc_key,
       expires_at_ms, status, created_by, created_at_ms, updated_at_ms, cap_identifier, cap_sender, cap_sent, cap_event,
       cap_severity, cap_urgency, cap_certainty, supersedes)
     VALUES (@id, @headline, @body, @display, @level, @author_region_id, @scope_region_ids, @source_doc, @source_doc_key,
       @expires_at_ms, @status, @created_by, @created_at_ms, @updated_at_ms, @cap_identifier, @cap_sender, @cap_sent, @cap_event,
       @cap_severity, @cap_urgency, @cap_certainty, @supersedes)`,
  );
  const getW = db.prepare<[string], WarningRow>('SELECT * FROM warnings WHERE id = ?');
  const listW = db.prepare<[], WarningRow>('SELECT * FROM warnings ORDER BY created_at_ms DESC, id DESC');
  const onAirW = db.prepare<[], WarningRow>(`SELECT * FROM warnings WHERE status = 'on_air' ORDER BY id`);
  const byCap = db.prepare<[string, string], WarningRow>(
    'SELECT * FROM warnings WHERE cap_sender = ? AND cap_identifier = ?',
  );
  const markSent = db.prepare(
    `INSERT INTO warning_deliveries (warning_id, screen_id, sent_at_ms) VALUES (?, ?, ?)
     ON CONFLICT(warning_id, screen_id) DO UPDATE SET sent_at_ms = COALESCE(sent_at_ms, excluded.sent_at_ms)`,
  );
  const markShown = db.prepare(
    `INSERT INTO warning_deliveries (warning_id, screen_id, shown_at_ms) VALUES (?, ?, ?)
     ON CONFLICT(warning_id, screen_id) DO UPDATE SET shown_at_ms = COALESCE(shown_at_ms, excluded.shown_at_ms)`,
  );
  const markCleared = db.prepare(
    `INSERT INTO warning_deliveries (warning_id, screen_id, cleared_at_ms, clear_reason) VALUES (?, ?, ?, ?)
     ON CONFLICT(warning_id, screen_id) DO UPDATE SET cleared_at_ms = COALESCE(cleared_at_ms, excluded.cleared_at_ms),
       clear_reason = COALESCE(clear_reason, excluded.clear_reason)`,
  );
  const deliveryCounts = db.prepare<[string], { sent: number; shown: number; cleared: number }>(
    `SELECT COUNT(sent_at_ms) AS sent, COUNT(shown_at_ms) AS shown, COUNT(cleared_at_ms) AS cleared
     FROM warning_deliveries WHERE warning_id = ?`,
  );
  const deliveries = db.prepare<
    [string],
    {
      screen_id: string;
      sent_at_ms: number | null;
      shown_at_ms: number | null;
      cleared_at_ms: number | null;
      clear_reason: string | null;
    }
  >(
    'SELECT screen_id, sent_at_ms, shown_at_ms, cleared_at_ms, clear_reason FROM warning_deliveries WHERE warning_id = ?',
  );
  const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM warnings WHERE id = ?');

  function update(table: 'communications' | 'warnings', id: string, fields: Record<string, unknown>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    // Column names come from this module's callers (fixed literals), never from a request.
    db.prepare(`UPDATE ${table} SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({
      ...fields,
      id,
    });
  }

  return {
    nextCommunicationId: () => `tt-${String(count.get()!.n + 1).padStart(4, '0')}`,
    insertCommunication: (
      row: Omit<
        CommunicationRow,
        'reject_reason' | 'edited_by' | 'approved_by' | 'approved_at_ms' | 'aired_at_ms' | 'ended_at_ms'
      >,
    ) => void insertC.run(row),
    getCommunication: (id: string) => getC.get(id),
    listCommunications: () => listC.all(),
    /** Approved or on-air items with this media or source document (any level, any scope). */
    liveMatching: (mediaSha256: string | null, docKey: string | null) =>
      liveByMediaOrDoc.all({ media: mediaSha256, doc: docKey }),
    liveCommunications: () => live.all(),
    updateCommunication: (id: string, fields: Partial<CommunicationRow>) =>
      update('communications', id, fields),
    sitesInRegions: (regionIds: string[]) => sitesIn.all(JSON.stringify(regionIds)),
    screensInRegions: (regionIds: string[]) => screensIn.all(JSON.stringify(regionIds)),
    playsBySite: (campaignId: string) => playsBySite.all(campaignId),
    screensBySite: (regionIds: string[]) => screensBySite.all(JSON.stringify(regionIds)),
    lastAiredByRegion: () => lastAired.all(),

    nextWarningId: () => `cb-${String(countW.get()!.n + 1).padStart(4, '0')}`,
    insertWarning: (
      row: Omit<
        WarningRow,
        'reject_reason' | 'approved_by' | 'cancelled_by' | 'approved_at_ms' | 'ended_at_ms'
      >,
    ) => void insertW.run(row),
    getWarning: (id: string) => getW.get(id),
    warningExists: (id: string) => exists.get(id) !== undefined,
    listWarnings: () => listW.all(),
    onAirWarnings: () => onAirW.all(),
    warningByCap: (sender: string, identifier: string) => byCap.get(sender, identifier),
    updateWarning: (id: string, fields: Partial<WarningRow>) => update('warnings', id, fields),
    markSent: db.transaction((warningId: string, screenIds: string[], at: number) => {
      for (const s of screenIds) markSent.run(warningId, s, at);
    }),
    /** Proof of display reports, many screens in one transaction. */
    recordDisplayReports: db.transaction(
      (
        reports: Array<{
          warningId: string;
          screenId: string;
          kind: 'shown' | 'cleared';
          at: number;
          reason?: string;
        }>,
      ) => {
        for (const r of reports) {
          if (r.kind === 'shown') markShown.run(r.warningId, r.screenId, r.at);
          else markCleared.run(r.warningId, r.screenId, r.at, r.reason ?? null);
        }
      },
    ),
    deliveryCounts: (warningId: string) => deliveryCounts.get(warningId)!,
    deliveries: (warningId: string) => deliveries.all(warningId),
  };
}
export type CommunicationsRepository = ReturnType<typeof communicationsRepository>;

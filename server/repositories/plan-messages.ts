/**
 * The `plan` message of each screen as serialised once (plan_messages, migration 071), and what
 * building it reads: the screen with its site, its stored plan days, the media they name.
 * Triggers delete a screen's row whenever its plan, version, site or media change, so a row
 * that exists is the screen's current message.
 */
import type { Db } from '../db/database.ts';
import type { MediaRow, ScreenPlanRow } from './pairing.ts';

export interface PlanMessageRow {
  version: number;
  message: string;
}

export interface PlanScreenInfo {
  id: string;
  site_id: string;
  site_name: string;
  time_zone: string;
  plan_version: number;
  /** MAX(screen_plans.version): rows written before the version column of screens was kept. */
  stored_version: number | null;
}

export function planMessagesRepository(db: Db) {
  const get = db.prepare<[string], PlanMessageRow>(
    'SELECT version, message FROM plan_messages WHERE screen_id = ?',
  );
  const put = db.prepare(
    `INSERT INTO plan_messages (screen_id, version, message, built_at_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (screen_id) DO UPDATE SET version = excluded.version, message = excluded.message,
       built_at_ms = excluded.built_at_ms`,
  );
  const screen = db.prepare<[string], PlanScreenInfo>(
    `SELECT s.id, s.site_id, si.name AS site_name, si.time_zone, s.plan_version,
            (SELECT MAX(version) FROM screen_plans p WHERE p.screen_id = s.id) AS stored_version
     FROM screens s JOIN sites si ON si.id = s.site_id WHERE s.id = ?`,
  );
  const plansFrom = db.prepare<[string, string], ScreenPlanRow>(
    'SELECT local_date, version, plan FROM screen_plans WHERE screen_id = ? AND local_date >= ? ORDER BY local_date',
  );
  const media = db.prepare<[string], MediaRow>(
    'SELECT sha256, mime_type, bytes, duration_ms FROM media WHERE sha256 = ?',
  );
  const campaignForMedia = db.prepare<[string], { id: string }>(
    `SELECT id FROM campaigns WHERE media_sha256 = ? ORDER BY (status = 'active') DESC, updated_at_ms DESC`,
  );
  return {
    /** The stored message of a screen, if it is current (one primary-key lookup). */
    get: (screenId: string) => get.get(screenId),
    put: (screenId: string, version: number, message: string, now: number) =>
      void put.run(screenId, version, message, now),
    screen: (screenId: string) => screen.get(screenId),
    plansFrom: (screenId: string, fromDate: string) => plansFrom.all(screenId, fromDate),
    media: (sha256: string) => media.get(sha256),
    campaignForMedia: (sha256: string) => campaignForMedia.get(sha256)?.id,
  };
}
export type PlanMessagesRepository = ReturnType<typeof planMessagesRepository>;

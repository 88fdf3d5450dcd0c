/**
 * The venue's own loop (danh sách phát của điểm đặt): one per site, optionally one per screen
 * that replaces the site's for that screen, and the site's choices around it (resume after a
 * spot at the next item or where it left off; idle page or dark outside opening hours).
 */
import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';
import type { AuditRepository } from './audit.ts';
import type { MediaRow } from './media.ts';

export type LoopResume = 'next' | 'resume';
export type OutsideHours = 'idle' | 'dark';

export interface LoopItemRow {
  position: number;
  media_sha256: string;
  duration_ms: number;
  kind: MediaRow['kind'];
  mime_type: string;
  name: string;
  bytes: number;
  media_duration_ms: number;
  thumbnail_sha256: string | null;
}

export interface LoopRow {
  id: number;
  site_id: string;
  screen_id: string | null;
  updated_by: string;
  updated_at_ms: number;
}

export interface Loop {
  row: LoopRow;
  items: LoopItemRow[];
}

export interface LoopSettings {
  resume: LoopResume;
  outsideHours: OutsideHours;
}

export function loopsRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const siteLoop = db.prepare<[string], LoopRow>(
    'SELECT * FROM loops WHERE site_id = ? AND screen_id IS NULL',
  );
  const screenLoop = db.prepare<[string], LoopRow>('SELECT * FROM loops WHERE screen_id = ?');
  const items = db.prepare<[number], LoopItemRow>(
    `SELECT li.position, li.media_sha256, li.duration_ms, m.kind, m.mime_type, COALESCE(m.name, m.original_name) AS name,
            m.bytes, m.duration_ms AS media_duration_ms, m.thumbnail_sha256
     FROM loop_items li JOIN media m ON m.sha256 = li.media_sha256 WHERE li.loop_id = ? ORDER BY li.position`,
  );
  const insertLoop = db.prepare<[string, string | null, string, number], { id: number }>(
    'INSERT INTO loops (site_id, screen_id, updated_by, updated_at_ms) VALUES (?, ?, ?, ?) RETURNING id',
  );
  const touchLoop = db.prepare<[string, number, number]>(
    'UPDATE loops SET updated_by = ?, updated_at_ms = ? WHERE id = ?',
  );
  const clearItems = db.prepare<[number]>('DELETE FROM loop_items WHERE loop_id = ?');
  const deleteLoop = db.prepare<[number]>('DELETE FROM loops WHERE id = ?');
  const insertItem = db.prepare<[number, number, string, number]>(
    'INSERT INTO loop_items (loop_id, position, media_sha256, duration_ms) VALUES (?, ?, ?, ?)',
  );
  const settings = db.prepare<[string], { loop_resume: LoopResume; outside_hours: OutsideHours }>(
    'SELECT loop_resume, outside_hours FROM sites WHERE id = ?',
  );
  const setSettings = db.prepare<[LoopResume, OutsideHours, string]>(
    'UPDATE sites SET loop_resume = ?, outside_hours = ? WHERE id = ?',
  );

  const load = (row: LoopRow | undefined): Loop | null => (row ? { row, items: items.all(row.id) } : null);

  return {
    forSite: (siteId: string) => load(siteLoop.get(siteId)),
    forScreen: (screenId: string) => load(screenLoop.get(screenId)),
    /** What a screen plays: its own loop if it has one, else its site's. */
    effective: (siteId: string, screenId: string): Loop | null =>
      load(screenLoop.get(screenId)) ?? load(siteLoop.get(siteId)),
    settings: (siteId: string): LoopSettings | undefined => {
      const r = settings.get(siteId);
      return r ? { resume: r.loop_resume, outsideHours: r.outside_hours } : undefined;
    },
    /** Replaces a loop's items (and the site's settings when given), audited as one change. */
    save: db.transaction(
      (
        target: { siteId: string; screenId: string | null },
        newItems: Array<{ mediaSha256: string; durationMs: number }>,
        newSettings: { [K in keyof LoopSettings]?: LoopSettings[K] | undefined },
        actor: string,
      ): Loop => {
        const existing = target.screenId ? screenLoop.get(target.screenId) : siteLoop.get(target.siteId);
        const before = load(existing);
        const now = clock.now();
        let id: number;
        if (existing) {
          id = existing.id;
          touchLoop.run(actor, now, id);
          clearItems.run(id);
        } else {
          id = insertLoop.get(target.siteId, target.screenId, actor, now)!.id;
        }
        newItems.forEach((it, i) => insertItem.run(id, i, it.mediaSha256, it.durationMs));
        const oldSettings = settings.get(target.siteId)!;
        const resume = newSettings.resume ?? oldSettings.loop_resume;
        const outside = newSettings.outsideHours ?? oldSettings.outside_hours;
        setSettings.run(resume, outside, target.siteId);
        audit.record({
          actor,
          action: 'loop.update',
          objectType: target.screenId ? 'screen' : 'site',
          objectId: target.screenId ?? target.siteId,
          detail: {
            before: before?.items.map((i) => ({ media: i.media_sha256, durationMs: i.duration_ms })) ?? [],
            after: newItems.map((i) => ({ media: i.mediaSha256, durationMs: i.durationMs })),
            settings: { resume, outsideHours: outside },
          },
        });
        return load(screenLoop.get(target.screenId ?? '') ?? siteLoop.get(target.siteId))!;
      },
    ),
    /** A screen goes back to its site's loop. True if it had one of its own. */
    removeScreenLoop: db.transaction((screenId: string, actor: string): boolean => {
      const row = screenLoop.get(screenId);
      if (!row) return false;
      deleteLoop.run(row.id);
      audit.record({ actor, action: 'loop.remove', objectType: 'screen', objectId: screenId, detail: {} });
      return true;
    }),
  };
}
export type LoopsRepository = ReturnType<typeof loopsRepository>;

import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';
import type { AuditRepository } from './audit.ts';

export interface MediaRow {
  sha256: string;
  mime_type: 'video/mp4' | 'video/webm';
  duration_ms: number;
  bytes: number;
  original_name: string;
  created_at_ms: number;
}

/** Media rows; the bytes live in the content-addressed store (server/media/store.ts). */
export function mediaRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const byId = db.prepare<[string], MediaRow>('SELECT * FROM media WHERE sha256 = ?');
  const all = db.prepare<[], MediaRow>('SELECT * FROM media ORDER BY created_at_ms DESC');
  const insert = db.prepare(
    `INSERT INTO media (sha256, mime_type, duration_ms, bytes, original_name, created_at_ms)
     VALUES (@sha256, @mime_type, @duration_ms, @bytes, @original_name, @now) ON CONFLICT(sha256) DO NOTHING`,
  );
  return {
    get: (sha256: string) => byId.get(sha256),
    list: () => all.all(),
    /** Returns true when the row is new. Uploading the same bytes twice is one media item. */
    add: db.transaction((row: Omit<MediaRow, 'created_at_ms'>, actor: string) => {
      const added = insert.run({ ...row, now: clock.now() }).changes > 0;
      if (added) {
        audit.record({
          actor,
          action: 'media.add',
          objectType: 'media',
          objectId: row.sha256,
          detail: {
            name: row.original_name,
            bytes: row.bytes,
            durationMs: row.duration_ms,
            mimeType: row.mime_type,
          },
        });
      }
      return added;
    }),
  };
}
export type MediaRepository = ReturnType<typeof mediaRepository>;

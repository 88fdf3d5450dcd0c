import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';
import type { AuditRepository } from './audit.ts';

export type MediaMime = 'video/mp4' | 'video/webm' | 'image/jpeg' | 'image/png' | 'image/webp';

export interface MediaRow {
  sha256: string;
  kind: 'video' | 'image';
  mime_type: MediaMime;
  /** A video's length; an image's default display time. */
  duration_ms: number;
  bytes: number;
  /** What people call it; the upload's file name until renamed. */
  name: string;
  original_name: string;
  width: number | null;
  height: number | null;
  /** A JPEG of a video's first frame, captured by the console; null for images and until captured. */
  thumbnail_sha256: string | null;
  uploaded_by: string | null;
  created_at_ms: number;
}

export type NewMedia = Pick<MediaRow, 'sha256' | 'mime_type' | 'duration_ms' | 'bytes' | 'original_name'> &
  Partial<Pick<MediaRow, 'kind' | 'name' | 'width' | 'height'>>;

/** Where one media item is used: a campaign's spot, or a site's or screen's loop. */
export type MediaUse =
  | { kind: 'campaign'; id: string; name: string }
  | { kind: 'loop'; siteId: string; siteName: string; screenId: string | null; screenName: string | null };

const COLUMNS = `sha256, kind, mime_type, duration_ms, bytes, COALESCE(name, original_name) AS name, original_name,
  width, height, thumbnail_sha256, uploaded_by, created_at_ms`;

/** Media rows; the bytes live in the content-addressed store (server/media/store.ts). */
export function mediaRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const byId = db.prepare<[string], MediaRow>(`SELECT ${COLUMNS} FROM media WHERE sha256 = ?`);
  const all = db.prepare<[], MediaRow>(`SELECT ${COLUMNS} FROM media ORDER BY created_at_ms DESC, sha256`);
  const insert = db.prepare(
    `INSERT INTO media (sha256, kind, mime_type, duration_ms, bytes, name, original_name, width, height, uploaded_by, created_at_ms)
     VALUES (@sha256, @kind, @mime_type, @duration_ms, @bytes, @name, @original_name, @width, @height, @uploaded_by, @now)
     ON CONFLICT(sha256) DO NOTHING`,
  );
  const update = db.prepare<{ sha256: string; name: string; duration_ms: number }>(
    'UPDATE media SET name = @name, duration_ms = @duration_ms WHERE sha256 = @sha256',
  );
  const setThumb = db.prepare<[string, string]>('UPDATE media SET thumbnail_sha256 = ? WHERE sha256 = ?');
  const campaignUses = db.prepare<[string], { id: string; name: string }>(
    'SELECT id, name FROM campaigns WHERE media_sha256 = ? ORDER BY id',
  );
  const allCampaignUses = db.prepare<[], { sha256: string; id: string; name: string }>(
    'SELECT media_sha256 AS sha256, id, name FROM campaigns WHERE media_sha256 IS NOT NULL ORDER BY id',
  );

  const loopUsesSql = `SELECT DISTINCT li.media_sha256 AS sha256, l.site_id, s.name AS site_name, l.screen_id, sc.name AS screen_name
     FROM loop_items li JOIN loops l ON l.id = li.loop_id JOIN sites s ON s.id = l.site_id
     LEFT JOIN screens sc ON sc.id = l.screen_id`;
  type LoopUseRow = {
    sha256: string;
    site_id: string;
    site_name: string;
    screen_id: string | null;
    screen_name: string | null;
  };
  const loopUses = db.prepare<[string], LoopUseRow>(
    `${loopUsesSql} WHERE li.media_sha256 = ? ORDER BY l.site_id, l.screen_id`,
  );
  const allLoopUses = db.prepare<[], LoopUseRow>(`${loopUsesSql} ORDER BY l.site_id, l.screen_id`);
  const loopUse = (r: LoopUseRow): MediaUse => ({
    kind: 'loop',
    siteId: r.site_id,
    siteName: r.site_name,
    screenId: r.screen_id,
    screenName: r.screen_name,
  });

  return {
    get: (sha256: string) => byId.get(sha256),
    list: () => all.all(),
    /** Where one item is used. */
    usage: (sha256: string): MediaUse[] => [
      ...campaignUses.all(sha256).map((c) => ({ kind: 'campaign' as const, id: c.id, name: c.name })),
      ...loopUses.all(sha256).map(loopUse),
    ],
    /** Where every item is used, by sha256 (the library page lists them all at once). */
    usageAll: (): Map<string, MediaUse[]> => {
      const out = new Map<string, MediaUse[]>();
      const push = (sha: string, u: MediaUse) => out.set(sha, [...(out.get(sha) ?? []), u]);
      for (const c of allCampaignUses.all()) push(c.sha256, { kind: 'campaign', id: c.id, name: c.name });
      for (const r of allLoopUses.all()) push(r.sha256, loopUse(r));
      return out;
    },
    /** Returns true when the row is new. Uploading the same bytes twice is one media item. */
    add: db.transaction((row: NewMedia, actor: string) => {
      const added =
        insert.run({
          kind: 'video',
          width: null,
          height: null,
          ...row,
          name: row.name ?? row.original_name,
          uploaded_by: actor.startsWith('playlist:') || actor === 'system' ? null : actor,
          now: clock.now(),
        }).changes > 0;
      if (added) {
        audit.record({
          actor,
          action: 'media.add',
          objectType: 'media',
          objectId: row.sha256,
          detail: {
            name: row.original_name,
            kind: row.kind ?? 'video',
            bytes: row.bytes,
            durationMs: row.duration_ms,
            mimeType: row.mime_type,
          },
        });
      }
      return added;
    }),
    /** Renames an item, or changes an image's default display time. */
    update: db.transaction(
      (
        sha256: string,
        change: { name?: string | undefined; durationMs?: number | undefined },
        actor: string,
      ): MediaRow | undefined => {
        const before = byId.get(sha256);
        if (!before) return undefined;
        const after = {
          sha256,
          name: change.name ?? before.name,
          duration_ms: change.durationMs ?? before.duration_ms,
        };
        update.run(after);
        audit.record({
          actor,
          action: 'media.update',
          objectType: 'media',
          objectId: sha256,
          detail: {
            before: { name: before.name, durationMs: before.duration_ms },
            after: { name: after.name, durationMs: after.duration_ms },
          },
        });
        return byId.get(sha256);
      },
    ),
    setThumbnail: db.transaction((sha256: string, thumbSha256: string, actor: string) => {
      setThumb.run(thumbSha256, sha256);
      audit.record({
        actor,
        action: 'media.thumbnail',
        objectType: 'media',
        objectId: sha256,
        detail: { thumbnailSha256: thumbSha256 },
      });
    }),
  };
}
export type MediaRepository = ReturnType<typeof mediaRepository>;

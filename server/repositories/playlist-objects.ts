import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';

export interface PlaylistObjectRow {
  object_type: string;
  object_id: string;
  file: string;
  content_hash: string;
  loaded_at_ms: number;
}

/** What each playlist file last said about each object (see migration 002). */
export function playlistObjectsRepository(db: Db, clock: Clock) {
  const get = db.prepare<[string, string], PlaylistObjectRow>(
    'SELECT * FROM playlist_objects WHERE object_type = ? AND object_id = ?',
  );
  const all = db.prepare<[], PlaylistObjectRow>(
    'SELECT * FROM playlist_objects ORDER BY object_type, object_id',
  );
  const put = db.prepare(
    `INSERT INTO playlist_objects (object_type, object_id, file, content_hash, loaded_at_ms) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(object_type, object_id) DO UPDATE SET file = excluded.file, content_hash = excluded.content_hash, loaded_at_ms = excluded.loaded_at_ms`,
  );
  return {
    get: (type: string, id: string) => get.get(type, id),
    list: () => all.all(),
    put: (type: string, id: string, file: string, hash: string) =>
      void put.run(type, id, file, hash, clock.now()),
  };
}
export type PlaylistObjectsRepository = ReturnType<typeof playlistObjectsRepository>;

import type { Db } from '../db/database.ts';

export interface RegionRow {
  id: string;
  parent_id: string | null;
  name: string;
  level: string;
  source: string;
}

/** The region tree (city → district → ward, any depth), stored as rows with a parent link. */
export function regionsRepository(db: Db) {
  const all = db.prepare<[], RegionRow>('SELECT * FROM regions ORDER BY id');
  const byId = db.prepare<[string], RegionRow>('SELECT * FROM regions WHERE id = ?');
  const children = db.prepare<[string], RegionRow>('SELECT * FROM regions WHERE parent_id = ? ORDER BY name');
  const subtree = db.prepare<[string], RegionRow>(
    `WITH RECURSIVE t(id) AS (SELECT ? UNION SELECT regions.id FROM regions JOIN t ON regions.parent_id = t.id)
     SELECT regions.* FROM regions JOIN t ON regions.id = t.id ORDER BY regions.id`,
  );
  const ancestors = db.prepare<[string], RegionRow>(
    `WITH RECURSIVE a(id, depth) AS (SELECT ?, 0 UNION SELECT regions.parent_id, a.depth + 1 FROM regions JOIN a ON regions.id = a.id WHERE regions.parent_id IS NOT NULL)
     SELECT regions.* FROM regions JOIN a ON regions.id = a.id ORDER BY a.depth DESC`,
  );
  const upsert = db.prepare(
    `INSERT INTO regions (id, parent_id, name, level, source) VALUES (@id, @parent_id, @name, @level, @source)
     ON CONFLICT(id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, level = excluded.level, source = excluded.source`,
  );
  return {
    list: () => all.all(),
    get: (id: string) => byId.get(id),
    children: (id: string) => children.all(id),
    /** The region and everything below it. */
    subtree: (id: string) => subtree.all(id),
    /** From the root down to the region itself. */
    ancestors: (id: string) => ancestors.all(id),
    /** Callers wrap this in a transaction together with its audit record. */
    upsert: (row: RegionRow) => void upsert.run(row),
  };
}
export type RegionsRepository = ReturnType<typeof regionsRepository>;

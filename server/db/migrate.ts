import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { AppError } from '../errors.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: number[];
  current: number;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(dir + file, 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/**
 * Applies every migration newer than the database, each in its own transaction, and records
 * it. Refuses to run when the database has a migration this build does not know (a newer
 * server wrote it) or when an applied file was edited afterwards.
 */
export function migrate(
  db: Database.Database,
  now: () => number,
  migrations = loadMigrations(),
): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at_ms INTEGER NOT NULL
  ) STRICT`);
  const applied = db
    .prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
    .all() as { version: number; name: string; checksum: string }[];
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m) {
      throw new AppError(
        'SCHEMA_TOO_NEW',
        `Cơ sở dữ liệu có migration ${row.name} mà phiên bản máy chủ này không biết. / The database was migrated by a newer server (${row.name}); run that version or restore a backup.`,
      );
    }
    if (m.checksum !== row.checksum) {
      throw new AppError(
        'SCHEMA_EDITED',
        `Migration ${row.name} đã bị sửa sau khi áp dụng. / Migration ${row.name} was edited after it was applied; add a new numbered migration instead.`,
      );
    }
  }
  const done = new Set(applied.map((r) => r.version));
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at_ms) VALUES (?, ?, ?, ?)',
  );
  const newlyApplied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, m.checksum, now());
    })();
    newlyApplied.push(m.version);
  }
  const current = migrations.length ? Math.max(...migrations.map((m) => m.version)) : 0;
  return { applied: newlyApplied, current };
}

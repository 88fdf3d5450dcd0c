import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import { openDatabase } from '#server/db/database.ts';
import { loadMigrations, migrate, type Migration } from '#server/db/migrate.ts';
import { AppError } from '#server/errors.ts';

const clock = new VirtualClock(Date.parse('2024-09-05T07:55:00+07:00'));
const tempDb = () => join(mkdtempSync(join(tmpdir(), 'ihanoi-mig-')), 'signage.db');
const m = (version: number, name: string, sql: string): Migration => ({
  version,
  name: `${String(version).padStart(3, '0')}_${name}`,
  sql,
  checksum: `c${version}-${sql.length}`,
});

describe('migrations', () => {
  it('creates STRICT tables in WAL mode with foreign keys on, and records each migration', () => {
    const file = tempDb();
    const { db, migrations } = openDatabase(file, clock);
    try {
      expect(migrations.applied).toEqual(loadMigrations().map((x) => x.version));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'sites'").get() as { sql: string })
        .sql;
      expect(sql).toMatch(/STRICT$/);
      const cols = (
        db.prepare("SELECT name FROM pragma_table_info('sites')").all() as { name: string }[]
      ).map((c) => c.name);
      expect(cols).toContain('moving');
      expect(
        db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'playlist_objects'").get(),
      ).toEqual({ n: 1 });
    } finally {
      db.close();
    }
    const again = openDatabase(file, clock);
    expect(again.migrations.applied).toEqual([]);
    again.db.close();
  });

  it('refuses a database migrated by a newer server', () => {
    const file = tempDb();
    openDatabase(file, clock).db.close();
    const raw = new Database(file);
    raw
      .prepare(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at_ms) VALUES (999, '999_from_the_future', 'x', 0)",
      )
      .run();
    raw.close();
    let err: unknown;
    try {
      openDatabase(file, clock);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('SCHEMA_TOO_NEW');
    expect((err as Error).message).toContain('999_from_the_future');
  });

  it('refuses a migration file edited after it was applied', () => {
    const db = new Database(':memory:');
    migrate(db, () => 0, [m(1, 'one', 'CREATE TABLE a (x INTEGER) STRICT;')]);
    expect(() =>
      migrate(db, () => 0, [{ ...m(1, 'one', 'CREATE TABLE a (x INTEGER) STRICT;'), checksum: 'changed' }]),
    ).toThrow(/edited after it was applied/);
    db.close();
  });

  it('applies each migration in its own transaction: a failing one leaves no trace, earlier ones stay', () => {
    const db = new Database(':memory:');
    const good = m(1, 'good', 'CREATE TABLE a (x INTEGER) STRICT;');
    const bad = m(2, 'bad', 'CREATE TABLE b (x INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);');
    expect(() => migrate(db, () => 0, [good, bad])).toThrow(/no_such_table/);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    ).map((t) => t.name);
    expect(tables).toContain('a');
    expect(tables).not.toContain('b');
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }]);
    db.close();
  });

  it('ships numbered migrations in order with unique versions', () => {
    const list = loadMigrations();
    expect(list[0]!.version).toBe(1);
    expect(new Set(list.map((x) => x.version)).size).toBe(list.length);
    expect(list.map((x) => x.version)).toEqual([...list.map((x) => x.version)].sort((a, b) => a - b));
  });
});

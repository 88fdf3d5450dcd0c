/**
 * Migration 130 (campaign priority) on a database that already holds campaigns: each keeps its
 * row and gets priority 100 (after every campaign that names one); the column takes 1 to 1000.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '#server/db/migrate.ts';
import { T0 } from './ws/fixtures.ts';

describe('migration 130: campaign priority', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('gives campaigns already stored priority 100 and refuses a priority outside 1–1000', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mig130-'));
    dirs.push(dir);
    const raw = new Database(join(dir, 'signage.db'));
    migrate(
      raw,
      () => T0,
      loadMigrations().filter((m) => m.version < 130),
    );
    const insert = (id: string, priority?: number) =>
      raw
        .prepare(
          `INSERT INTO campaigns (id, name, first_day, last_day, time_zone, target_per_day, peak_profiles, participants, created_at_ms, updated_at_ms${priority === undefined ? '' : ', priority'})
           VALUES (?, 'Chiến dịch', '2024-08-17', '2024-10-10', 'Asia/Ho_Chi_Minh', 10, '{}', '{}', 0, 0${priority === undefined ? '' : ', ?'})`,
        )
        .run(...(priority === undefined ? [id] : [id, priority]));
    insert('ihanoi-2024');
    migrate(raw, () => T0);
    expect(raw.prepare('SELECT id, priority, target_per_day FROM campaigns').all()).toEqual([
      { id: 'ihanoi-2024', priority: 100, target_per_day: 10 },
    ]);
    insert('first', 1);
    expect(() => insert('zero', 0)).toThrow(/CHECK/);
    expect(() => insert('too-late', 1001)).toThrow(/CHECK/);
    raw.close();
  });
});

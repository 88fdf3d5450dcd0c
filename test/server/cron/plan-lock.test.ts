/**
 * A re-plan reads, then writes, while the ingest writer commits from its own connection (its
 * thread). Begun deferred, the re-plan's first write failed with SQLITE_BUSY_SNAPSHOT whenever
 * the writer committed after the re-plan's first read: the midnight rollover failed and the day
 * stayed unplanned (seen in `simulate --faults`, a fleet connecting at midnight). The re-plan's
 * transaction now holds the write lock from its start, so the other connection waits instead.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '#shared/clock.ts';
import { openDatabase, type Db } from '#server/db/database.ts';
import { plansRepository } from '#server/repositories/plans.ts';

describe('the plan transaction against the ingest writer', () => {
  let dir: string;
  let db: Db;
  let other: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ihanoi-planlock-'));
    const file = join(dir, 'signage.db');
    db = openDatabase(file, new VirtualClock(Date.parse('2024-09-16T00:00:00+07:00'))).db;
    // The writer's own connection; it would rather fail at once than wait, to show who waits.
    other = new Database(file);
    other.pragma('busy_timeout = 0');
  });
  afterEach(() => {
    other.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a commit of another connection between its read and its write does not fail the re-plan', () => {
    const plans = plansRepository(db);
    let otherWrote: boolean | string = false;
    const result = plans.transaction(() => {
      const before = plans.hasRun('plans-rollover-zone', 'Asia/Ho_Chi_Minh 2024-09-16');
      try {
        other.prepare("INSERT INTO cron_runs (job, period_key, ran_at_ms) VALUES ('other', 'k', 1)").run();
        otherWrote = true;
      } catch (err) {
        otherWrote = (err as { code?: string }).code ?? 'error';
      }
      plans.recordRun('plans-rollover-zone', 'Asia/Ho_Chi_Minh 2024-09-16', 1);
      return before;
    });
    expect(result).toBe(false);
    // The writer found the database busy and retries (its groups do); the re-plan committed.
    expect(otherWrote).toBe('SQLITE_BUSY');
    expect(plans.hasRun('plans-rollover-zone', 'Asia/Ho_Chi_Minh 2024-09-16')).toBe(true);
  });
});

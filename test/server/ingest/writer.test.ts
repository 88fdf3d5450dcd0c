/**
 * The one writer of durable ingest (server/ingest/): batches from many screens share one
 * durable commit in the writer's own thread, a batch resolves only when its group is on disk,
 * and a bad batch or record is refused alone, never failing the group it shares.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { toIsoWithOffset } from '#shared/time.ts';
import { openDatabase, type Db } from '#server/db/database.ts';
import { hashPlayRecord } from '#server/proof/chain.ts';
import { startIngestWriter, type IngestWriter } from '#server/ingest/writer.ts';
import { seedCampaign, seedSite, T0, ZONE } from '../ws/fixtures.ts';

const MEDIA = 'b'.repeat(64);
let dir: string;
let file: string;
let db: Db;
let writer: IngestWriter | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ihanoi-writer-'));
  file = join(dir, 'signage.db');
  db = openDatabase(file, new VirtualClock(T0)).db;
  seedSite(db, 'site-1');
  db.prepare(
    `INSERT INTO media (sha256, mime_type, duration_ms, bytes, original_name, created_at_ms) VALUES (?, 'video/mp4', 10000, 10, 'x.mp4', ?)`,
  ).run(MEDIA, T0);
  seedCampaign(db, MEDIA, 'camp-1');
  const screen = db.prepare(
    `INSERT INTO screens (id, site_id, name, status, created_at_ms) VALUES (?, 'site-1', ?, 'offline', ?)`,
  );
  for (let i = 0; i < 60; i++) screen.run(`scr-${i}`, `scr-${i}`, T0);
});

afterEach(async () => {
  await writer?.close();
  writer = null;
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function batch(screenId: string, n: number): PlayRecord[] {
  const out: PlayRecord[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const start = T0 + seq * 600_000;
    const body: Omit<PlayRecord, 'hash'> = {
      playId: randomUUID(),
      screenId,
      campaignId: 'camp-1',
      mediaSha256: MEDIA,
      planItemId: null,
      plannedAt: null,
      startedAt: toIsoWithOffset(start, ZONE),
      endedAt: toIsoWithOffset(start + 10_000, ZONE),
      secondsShown: 10,
      outcome: 'completed',
      reason: null,
      playerVersion: 'test',
      seq,
      prevHash: prev,
    };
    prev = hashPlayRecord(body);
    out.push({ ...body, hash: prev });
  }
  return out;
}

const ctx = (screenId: string) => ({ screenId, siteId: 'site-1', timeZone: ZONE, now: T0 });

describe('ingest writer', () => {
  it('commits batches of many screens as one durable group, and resolves each only then', async () => {
    // The group closes on size alone here (600 records), never on time.
    writer = startIngestWriter(db, { gather: { gatherMs: 60_000, maxRecords: 600 } });
    await writer.ready();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        writer!.ingest({ ctx: ctx(`scr-${i}`), records: batch(`scr-${i}`, 10) }),
      ),
    );
    expect(results.every((r) => r.inserted === 10 && r.acked.length === 10 && r.lastSeq === 10)).toBe(true);
    expect(writer.stats()).toMatchObject({ commits: 1, records: 600, maxGroupRecords: 600, failedGroups: 0 });
    // Another connection sees every acked play: the group was committed before the promises resolved.
    const other = new Database(file, { readonly: true });
    expect(other.prepare('SELECT COUNT(*) FROM plays').pluck().get()).toBe(600);
    expect(other.prepare('SELECT SUM(plays + unverified) FROM play_day_counts').pluck().get()).toBe(600);
    other.close();
  });

  it('refuses a batch the database cannot store alone and commits the rest of its group', async () => {
    writer = startIngestWriter(db, { gather: { gatherMs: 60_000, maxRecords: 30 } });
    await writer.ready();
    const good = writer.ingest({ ctx: ctx('scr-1'), records: batch('scr-1', 10) });
    // A screen the database does not know: every record breaks a foreign key.
    const bad = writer.ingest({ ctx: ctx('scr-unknown'), records: batch('scr-unknown', 10) });
    const alsoGood = writer.ingest({ ctx: ctx('scr-2'), records: batch('scr-2', 10) });
    await expect(bad).rejects.toThrow(/FOREIGN KEY/);
    const [g, a] = await Promise.all([good, alsoGood]);
    expect(g.acked).toHaveLength(10);
    expect(a.acked).toHaveLength(10);
    expect(writer.stats()).toMatchObject({ commits: 1, failedGroups: 0 });
    expect(db.prepare('SELECT COUNT(*) FROM plays').pluck().get()).toBe(20);
  });

  it('writes connection status in order, and a barrier waits for the group that holds it', async () => {
    writer = startIngestWriter(db, { gather: { gatherMs: 5, maxRecords: 5000 } });
    await writer.ready();
    writer.status({ op: 'seen', screenId: 'scr-3', now: T0 + 1 });
    writer.status({ op: 'session_open', screenId: 'scr-3', now: T0 + 1 });
    writer.status({ op: 'offline', screenId: 'scr-3' });
    writer.status({ op: 'session_close', screenId: 'scr-3', now: T0 + 9, reason: 'closed' });
    writer.status({ op: 'seen', screenId: 'scr-4', now: T0 + 2 });
    await writer.barrier();
    expect(
      db
        .prepare('SELECT id, status, last_seen_ms FROM screens WHERE id IN (?, ?) ORDER BY id')
        .all('scr-3', 'scr-4'),
    ).toEqual([
      { id: 'scr-3', status: 'offline', last_seen_ms: T0 + 1 },
      { id: 'scr-4', status: 'online', last_seen_ms: T0 + 2 },
    ]);
    expect(
      db
        .prepare(
          'SELECT connected_at_ms, disconnected_at_ms, reason FROM screen_sessions WHERE screen_id = ?',
        )
        .all('scr-3'),
    ).toEqual([{ connected_at_ms: T0 + 1, disconnected_at_ms: T0 + 9, reason: 'closed' }]);
  });
});

/**
 * The report counters kept at ingest (play_day_counts and play_hour_counts, migration 140) must
 * always equal a fresh GROUP BY over the raw plays: after random batches from several screens,
 * batches sent twice, broken chains, re-verification, removals and server restarts on the same
 * file; and the migration must build them for plays stored before it existed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { toIsoWithOffset } from '#shared/time.ts';
import { openDatabase, type Db } from '#server/db/database.ts';
import { loadMigrations, migrate } from '#server/db/migrate.ts';
import { playsRepository } from '#server/repositories/plays.ts';
import { startIngestWriter, type IngestWriter } from '#server/ingest/writer.ts';
import { hashPlayRecord } from '#server/proof/chain.ts';
import Database from 'better-sqlite3';
import { seedCampaign, seedSite, T0, ZONE } from '../ws/fixtures.ts';

const MEDIA = 'a'.repeat(64);
const SCREENS = ['scr-a', 'scr-b', 'scr-c'] as const;
const SITE_OF: Record<string, string> = { 'scr-a': 'site-1', 'scr-b': 'site-1', 'scr-c': 'site-2' };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function seed(db: Db): void {
  seedSite(db, 'site-1');
  seedSite(db, 'site-2');
  db.prepare(
    `INSERT INTO media (sha256, mime_type, duration_ms, bytes, original_name, created_at_ms) VALUES (?, 'video/mp4', 10000, 10, 'x.mp4', ?)`,
  ).run(MEDIA, T0);
  seedCampaign(db, MEDIA, 'camp-1');
  seedCampaign(db, MEDIA, 'camp-2');
  const screen = db.prepare(
    `INSERT INTO screens (id, site_id, name, status, created_at_ms) VALUES (?, ?, ?, 'offline', ?)`,
  );
  for (const id of SCREENS) screen.run(id, SITE_OF[id], id, T0);
}

const COUNTS = `SUM(outcome = 'completed' AND chain_status = 'ok') AS plays,
    SUM(outcome = 'completed' AND chain_status = 'ok' AND in_peak <> 0) AS peak_plays,
    SUM(outcome = 'completed' AND chain_status <> 'ok') AS unverified, SUM(outcome <> 'completed') AS not_completed`;
const DAY_KEY = 'campaign_id, local_date, screen_id, site_id';
const HOUR_KEY = 'campaign_id, local_date, site_id, local_hour';
const groupBy = (key: string) => `SELECT ${key}, ${COUNTS} FROM plays GROUP BY ${key} ORDER BY ${key}`;
const counters = (table: string, key: string) =>
  `SELECT ${key}, plays, peak_plays, unverified, not_completed FROM ${table} ORDER BY ${key}`;

function expectCountersMatch(db: Db): void {
  expect(db.prepare(counters('play_day_counts', DAY_KEY)).all()).toEqual(db.prepare(groupBy(DAY_KEY)).all());
  expect(db.prepare(counters('play_hour_counts', HOUR_KEY)).all()).toEqual(
    db.prepare(groupBy(HOUR_KEY)).all(),
  );
}

/** One step a player or an operator can take. */
type Step =
  | { kind: 'batch'; screen: number; plays: PlaySpec[] }
  | { kind: 'resend' }
  | { kind: 'restart' }
  | { kind: 'reverify'; screen: number }
  | { kind: 'remove'; pick: number };

interface PlaySpec {
  campaign: 1 | 2;
  /** Minutes after T0 (spans three local days and every hour). */
  minute: number;
  outcome: PlayRecord['outcome'];
  /** Leave a hole in the chain before this record, or break its hash. */
  fault: 'none' | 'skip' | 'tamper';
}

const playSpec = fc.record({
  campaign: fc.constantFrom(1 as const, 2 as const),
  minute: fc.integer({ min: 0, max: 3 * 24 * 60 }),
  outcome: fc.constantFrom<PlayRecord['outcome']>(
    'completed',
    'completed',
    'completed',
    'interrupted',
    'failed',
  ),
  fault: fc.constantFrom<PlaySpec['fault']>('none', 'none', 'none', 'none', 'skip', 'tamper'),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      screen: fc.nat(2),
      plays: fc.array(playSpec, { minLength: 1, maxLength: 12 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resend' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverify' as const), screen: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
);

describe('report counters (play_day_counts, play_hour_counts)', () => {
  it('equal a fresh GROUP BY over plays after random ingest, duplicates, re-verification, removals and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), (steps) => runSteps(steps, 'inline')),
      { seed: 1307, numRuns: 25 },
    );
  });

  it('stay equal when the plays come through the ingest writer, restarts included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => runSteps(steps, 'writer')),
      { seed: 1313, numRuns: 4 },
    );
  }, 120_000);

  it('are built by the migration for plays stored before it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ihanoi-counts-mig-'));
    dirs.push(dir);
    const file = join(dir, 'signage.db');
    const before = loadMigrations().filter((m) => m.version < 140);
    const raw = new Database(file);
    migrate(raw, () => T0, before);
    seed(raw);
    const insert = raw.prepare(
      `INSERT INTO plays (play_id, screen_id, site_id, campaign_id, media_sha256, started_at, started_ms, ended_at, ended_ms,
         seconds_shown, outcome, player_version, seq, prev_hash, hash, chain_status, local_date, local_hour, in_peak, received_at_ms)
       VALUES (?, ?, ?, 'camp-1', ?, '-', 0, '-', 0, 10, ?, 't', ?, '', '', ?, ?, ?, ?, 0)`,
    );
    let n = 0;
    for (const screen of SCREENS)
      for (let i = 0; i < 40; i++)
        insert.run(
          `p-${n++}`,
          screen,
          SITE_OF[screen],
          MEDIA,
          i % 7 === 0 ? 'failed' : 'completed',
          i + 1,
          i % 11 === 0 ? 'gap' : 'ok',
          i < 20 ? '2024-09-05' : '2024-09-06',
          i % 24,
          i % 3 === 0 ? 1 : 0,
        );
    const tables = () =>
      raw
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'play_%counts' ORDER BY name`,
        )
        .pluck()
        .all();
    expect(tables()).toEqual(['play_counts']);
    migrate(raw, () => T0);
    expect(tables()).toEqual(['play_day_counts', 'play_hour_counts']);
    const counted = raw
      .prepare('SELECT SUM(plays + unverified + not_completed) FROM play_day_counts')
      .pluck()
      .get();
    expect(counted).toBe(n);
    expect(
      raw.prepare('SELECT SUM(plays + unverified + not_completed) FROM play_hour_counts').pluck().get(),
    ).toBe(n);
    expectCountersMatch(raw);
    raw.close();
  });
});

async function runSteps(steps: Step[], via: 'inline' | 'writer'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ihanoi-counts-'));
  dirs.push(dir);
  const file = join(dir, 'signage.db');
  const clock = new VirtualClock(T0);
  let db = openDatabase(file, clock).db;
  seed(db);
  let plays = playsRepository(db);
  let writer: IngestWriter | null =
    via === 'writer' ? startIngestWriter(db, { gather: { gatherMs: 1 } }) : null;
  const ingest = async (screenId: string, records: PlayRecord[]) => {
    if (writer) await writer.ingest({ ctx: ctx(screenId, clock.now()), records });
    else plays.ingest(ctx(screenId, clock.now()), records);
  };
  const heads = new Map<string, { seq: number; hash: string }>();
  let last: { screen: string; records: PlayRecord[] } | null = null;
  try {
    for (const s of steps) {
      if (s.kind === 'batch') {
        const screenId = SCREENS[s.screen]!;
        const records: PlayRecord[] = [];
        let head = heads.get(screenId) ?? { seq: 0, hash: GENESIS_HASH };
        for (const p of s.plays) {
          const seq = head.seq + (p.fault === 'skip' ? 2 : 1);
          const start = T0 + p.minute * 60_000;
          const body: Omit<PlayRecord, 'hash'> = {
            playId: randomUUID(),
            screenId,
            campaignId: `camp-${p.campaign}`,
            mediaSha256: MEDIA,
            planItemId: null,
            plannedAt: null,
            startedAt: toIsoWithOffset(start, ZONE),
            endedAt: toIsoWithOffset(start + 10_000, ZONE),
            secondsShown: p.outcome === 'failed' ? 0 : 10,
            outcome: p.outcome,
            reason: p.outcome === 'completed' ? null : 'test',
            playerVersion: 'test',
            seq,
            prevHash: head.hash,
          };
          const hash = hashPlayRecord(body);
          records.push({ ...body, hash: p.fault === 'tamper' ? 'f'.repeat(64) : hash });
          head = { seq, hash };
        }
        heads.set(screenId, head);
        last = { screen: screenId, records };
        await ingest(screenId, records);
      } else if (s.kind === 'resend' && last) {
        await ingest(last.screen, last.records);
      } else if (s.kind === 'restart') {
        await writer?.close();
        db.close();
        db = openDatabase(file, clock).db;
        plays = playsRepository(db);
        if (writer) writer = startIngestWriter(db, { gather: { gatherMs: 1 } });
      } else if (s.kind === 'reverify') {
        // What the auditor's verify route does: every play gets the status its link has now.
        const screenId = SCREENS[s.screen]!;
        const rows = plays.chain(screenId);
        for (const [i, r] of rows.entries())
          db.prepare('UPDATE plays SET chain_status = ? WHERE play_id = ?').run(
            i % 2 ? 'ok' : r.chain_status === 'ok' ? 'gap' : 'ok',
            r.play_id,
          );
      } else if (s.kind === 'remove') {
        const ids = db.prepare('SELECT play_id FROM plays ORDER BY play_id').pluck().all() as string[];
        if (ids.length) db.prepare('DELETE FROM plays WHERE play_id = ?').run(ids[s.pick % ids.length]);
      }
      clock.advance(1000);
      expectCountersMatch(db);
    }
  } finally {
    await writer?.close();
    db.close();
  }
}

function ctx(screenId: string, now: number) {
  return { screenId, siteId: SITE_OF[screenId]!, timeZone: ZONE, now };
}

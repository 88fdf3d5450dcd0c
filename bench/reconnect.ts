/**
 * Reconnect storm: every player comes back at once (say, after a server restart) with a
 * backlog of plays, says hello and uploads it; the clock stops when every play is acked, which
 * in our protocol means committed with synchronous=FULL (the gateway group-commits batches that
 * arrive together, up to 5,000 records per transaction). Beside it, a bare better-sqlite3
 * insert of the same number of rows into the same table in 5,000-row synchronous=FULL
 * transactions: what the disk and SQLite cost on their own, with no network or protocol.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '#shared/clock.ts';
import { openDatabase } from '#server/db/database.ts';
import {
  BENCH_T0,
  CAMPAIGN,
  Fleet,
  fmt,
  mb,
  median,
  ROUNDS,
  rssSampler,
  scaled,
  startBenchServer,
} from './player-setup.ts';
import { goal } from './goals.ts';

export interface ReconnectBenchResult {
  players: number;
  playsPerPlayer: number;
  oursMs: number;
  rawSqliteMs: number;
  retries: number;
  commitsPer1000: number;
  serverPeakRss: number;
}

/** The same cap on rows per transaction as the gateway's group commit. */
const RAW_BATCH_ROWS = 5000;

function rawInsert(players: number, plays: number, sha256: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'ihanoi-bench-raw-'));
  const { db } = openDatabase(join(dir, 'raw.db'), new VirtualClock(BENCH_T0));
  try {
    db.prepare(
      `INSERT INTO sites (id, name, venue_type, address, time_zone, opening_hours, created_at_ms, updated_at_ms) VALUES ('s', 's', 'government_office', '-', 'Asia/Ho_Chi_Minh', '{}', 0, 0)`,
    ).run();
    const screen = db.prepare(`INSERT INTO screens (id, site_id, name, created_at_ms) VALUES (?, 's', ?, 0)`);
    db.transaction(() => {
      for (let p = 0; p < players; p++) screen.run(`scr-${p}`, `n${p}`);
    })();
    const insert = db.prepare(
      `INSERT INTO plays (play_id, screen_id, site_id, campaign_id, media_sha256, plan_item_id, planned_at, planned_ms, started_at, started_ms,
         ended_at, ended_ms, seconds_shown, outcome, reason, player_version, seq, prev_hash, hash, chain_status, local_date, local_hour, in_peak, received_at_ms)
       VALUES (?, ?, 's', ?, ?, ?, ?, ?, ?, ?, ?, ?, 30, 'completed', NULL, 'bench', ?, ?, ?, 'ok', '2024-09-05', ?, 0, 0)
       ON CONFLICT (play_id) DO NOTHING`,
    );
    // Rows are built before the clock starts: only inserting and committing is measured.
    const rows = Array.from({ length: players * plays }, (_, k) => {
      const p = Math.floor(k / plays);
      const i = k % plays;
      const t = BENCH_T0 + (i + 1) * 3_600_000;
      const iso = new Date(t).toISOString();
      return [
        randomUUID(),
        `scr-${p}`,
        CAMPAIGN,
        sha256,
        `scr-${p}:${i}`,
        iso,
        t,
        iso,
        t,
        iso,
        t + 30_000,
        i + 1,
        '0'.repeat(64),
        'f'.repeat(64),
        i % 24,
      ] as const;
    });
    const batches: (typeof rows)[] = [];
    for (let k = 0; k < rows.length; k += RAW_BATCH_ROWS) batches.push(rows.slice(k, k + RAW_BATCH_ROWS));
    const tx = db.transaction((batch: (typeof batches)[number]) => {
      for (const r of batch) insert.run(...r);
    });
    const t0 = performance.now();
    for (const rows of batches) {
      db.pragma('synchronous = FULL');
      tx(rows);
      db.pragma('synchronous = NORMAL');
    }
    return performance.now() - t0;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(
  options: { screens?: number; plays?: number; log?: (line: string) => void } = {},
): Promise<ReconnectBenchResult> {
  const n = options.screens ?? scaled(10_000);
  const plays = options.plays ?? 30;
  const log = options.log ?? console.log;
  log(
    `reconnect: ${n.toLocaleString('en-US')} players × ${plays} backlog plays reconnecting at once; ${ROUNDS} rounds, ours and raw alternating`,
  );
  const ours: number[] = [];
  const raw: number[] = [];
  let retriesTotal = 0;
  let commits = 0;
  let records = 0;
  let maxGroup = 0;
  let peakRss = 0;
  const fleet = await Fleet.start();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh server and database each round: the storm is the first upload of these plays.
      // With the day's plan stored: the ingest rules accept a screen's plays only on days it has one.
      const server = await startBenchServer(n);
      const rss = rssSampler();
      try {
        fleet.send({
          cmd: 'storm-prepare',
          creds: server.creds,
          plays,
          campaignId: CAMPAIGN,
          sha256: server.sha256,
          // The backlog of the night before the bench's 07:55: one play every 15 min from 00:05.
          start: BENCH_T0 - (7 * 60 + 50) * 60_000,
          stepMs: 15 * 60_000,
        });
        await fleet.next('ready');
        const before = server.app.playerGateway.writer.stats();
        const done = fleet.next('done');
        const t0 = performance.now();
        fleet.send({ cmd: 'storm', url: server.url });
        const { retries = 0, why = {} } = await done;
        ours.push(performance.now() - t0);
        peakRss = Math.max(peakRss, rss.stop());
        const after = server.app.playerGateway.writer.stats();
        const stored = (server.db.prepare('SELECT COUNT(*) AS n FROM plays').get() as { n: number }).n;
        if (stored !== n * plays) throw new Error(`expected ${n * plays} plays stored, found ${stored}`);
        const groups = after.commits - before.commits;
        retriesTotal += retries;
        commits += groups;
        records += after.records - before.records;
        maxGroup = Math.max(maxGroup, after.maxGroupRecords);
        // The server's side of a retry: sessions it ended other than by the player's close.
        const ended = server.db
          .prepare(
            `SELECT reason, COUNT(*) AS n FROM screen_sessions WHERE reason IS NOT NULL AND reason != 'closed' GROUP BY reason`,
          )
          .all() as Array<{ reason: string; n: number }>;
        const causes = [
          ...Object.entries(why).map(([k, v]) => `${v}× closed ${k}`),
          ...ended.map((e) => `server ended ${e.n} session(s): ${e.reason}`),
        ].join(', ');
        log(
          `  round ${round + 1}: ours ${fmt(ours[round]! / 1000)} s (${stored.toLocaleString('en-US')} plays, ${retries} retries${causes ? ` (${causes})` : ''}, ${groups} durable commits incl. status-only ones)`,
        );
        fleet.send({ cmd: 'close' });
        await fleet.next('closed');
      } finally {
        rss.stop();
        await server.close();
      }
      raw.push(rawInsert(n, plays, 'a'.repeat(64)));
      log(`  round ${round + 1}: raw better-sqlite3 insert ${fmt(raw[round]! / 1000)} s`);
    }
  } finally {
    await fleet.stop();
  }
  const oursMs = median(ours);
  const rawSqliteMs = median(raw);
  log(
    `  median of ${ROUNDS}: ours (connect + hello + verify chain + insert + FULL group commit + ack) ${fmt(oursMs / 1000)} s; raw insert in ${RAW_BATCH_ROWS}-row synchronous=FULL transactions ${fmt(rawSqliteMs / 1000)} s`,
  );
  log(
    `  ratio ours / raw insert = ${fmt(oursMs / rawSqliteMs)}× (goal ≤ 3×); ${retriesTotal} connection retries in ${ROUNDS} storms (goal 0)`,
  );
  log(
    `  durable commits (one WAL fsync each): ${commits} for ${records.toLocaleString('en-US')} records = ${fmt((commits * 1000) / Math.max(1, records))} per 1,000 records, ${fmt(records / Math.max(1, commits), 0)} records per fsync on average (goal ≥ 1,000), largest group ${maxGroup.toLocaleString('en-US')}`,
  );
  log(`  server process peak RSS during the storms: ${mb(peakRss)}`);
  const path = `storm, ${n.toLocaleString('en-US')} players × ${plays} plays`;
  goal({
    path,
    figure: `ours ${fmt(oursMs / 1000)} s / raw batched insert ${fmt(rawSqliteMs / 1000)} s = ${fmt(oursMs / rawSqliteMs)}× (median of ${ROUNDS}, alternating)`,
    goal: '≤ 3× raw insert',
    pass: oursMs <= 3 * rawSqliteMs,
  });
  goal({
    path,
    figure: `${retriesTotal} connection retries in ${ROUNDS} storms`,
    goal: '0 retries',
    pass: retriesTotal === 0,
  });
  goal({
    path,
    figure: `${fmt(records / Math.max(1, commits), 0)} records per durable commit (fsync) on average, ${commits} commits incl. status-only ones, largest group ${maxGroup.toLocaleString('en-US')}`,
    goal: '≥ 1,000 records per fsync',
    pass: records / Math.max(1, commits) >= 1000,
  });
  return {
    players: n,
    playsPerPlayer: plays,
    oursMs,
    rawSqliteMs,
    retries: retriesTotal,
    commitsPer1000: (commits * 1000) / Math.max(1, records),
    serverPeakRss: peakRss,
  };
}

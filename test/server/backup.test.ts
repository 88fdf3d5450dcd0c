/**
 * `npm run backup` while players upload: a restore from the backup loses no play that was
 * acked before the backup started, and the copy is a checked, self-contained database that a
 * server starts on.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VirtualClock } from '#shared/clock.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { backupCli } from '#server/cli/backup.ts';
import { openDatabase } from '#server/db/database.ts';
import { hashRecord } from '#player/core/journal.ts';
import { RestartableServer, seedCampaign, seedMedia, seedSite, storePlan, T0 } from './ws/fixtures.ts';
import { frameText } from '#server/ws/frame-text.ts';

const ROOT = join(import.meta.dirname, '../..');
const SCREENS = 3;
const BATCHES = 12;
const PER_BATCH = 20;
const FROM = T0 - 6 * 3_600_000;

let server: RestartableServer;
let sha: string;
const tokens = new Map<string, string>();
const dirs: string[] = [];

beforeEach(async () => {
  server = new RestartableServer();
  await server.start();
  seedSite(server.db!);
  sha = seedMedia(server.db!, server.dataDir, 1024).sha256;
  seedCampaign(server.db!, sha);
  for (let i = 0; i < SCREENS; i++) {
    const id = `scr-${i}`;
    const token = randomToken();
    tokens.set(id, token);
    server
      .db!.prepare(
        `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES (?, 'ubnd-bach-khoa', ?, 'offline', ?, ?)`,
      )
      .run(id, id, hashToken(token), T0);
    storePlan(
      server.db!,
      id,
      '2024-09-05',
      1,
      Array.from({ length: BATCHES * PER_BATCH }, (_, k) => ({
        id: `${id}-${k}`,
        mediaSha256: sha,
        start: FROM + k * 60_000,
        end: FROM + k * 60_000 + 10_000,
        peak: false,
      })),
    );
  }
});

afterEach(async () => {
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A player that uploads its batches one after another and notes each ack. */
async function uploader(screenId: string, onAck: (ids: string[]) => void): Promise<void> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
  await new Promise((r) => ws.once('open', r));
  const answers: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (d) => {
    answers.push(JSON.parse(frameText(d)) as Record<string, unknown>);
    wake?.();
  });
  const next = async () => {
    while (!answers.length) await new Promise<void>((r) => (wake = r));
    return answers.shift()!;
  };
  ws.send(
    JSON.stringify({
      v: 1,
      type: 'hello',
      screenId,
      token: tokens.get(screenId),
      playerVersion: 't',
      cachedMedia: [],
      clock: T0,
    }),
  );
  expect(await next()).toMatchObject({ type: 'welcome' });
  let prev = GENESIS_HASH;
  let seq = 0;
  for (let b = 0; b < BATCHES; b++) {
    const records: PlayRecord[] = [];
    for (let k = 0; k < PER_BATCH; k++) {
      const i = b * PER_BATCH + k;
      const start = FROM + i * 60_000;
      const body = {
        playId: randomUUID(),
        screenId,
        campaignId: 'ihanoi-2024',
        mediaSha256: sha,
        planItemId: `${screenId}-${i}`,
        plannedAt: new Date(start).toISOString(),
        startedAt: new Date(start).toISOString(),
        endedAt: new Date(start + 10_000).toISOString(),
        secondsShown: 10,
        outcome: 'completed' as const,
        reason: null,
        playerVersion: 't',
        seq: ++seq,
        prevHash: prev,
      };
      prev = hashRecord(body);
      records.push({ ...body, hash: prev });
    }
    ws.send(JSON.stringify({ v: 1, type: 'plays', batchId: `b${b}`, records }));
    let ack = await next();
    while (ack.type !== 'plays_ack') ack = await next();
    expect(ack.rejected).toEqual([]);
    onAck(ack.acked as string[]);
  }
  ws.close();
}

it('a restore from a backup taken during uploads loses no acked play', async () => {
  const acked = new Set<string>();
  let ackedBeforeBackup: Set<string> | null = null;
  let backup: Promise<number> | null = null;
  const out = join(mkdtempSync(join(tmpdir(), 'ihanoi-backup-')), 'copy.db');
  dirs.push(join(out, '..'));
  const logs: string[] = [];
  const startBackup = () => {
    ackedBeforeBackup = new Set(acked);
    backup = backupCli(
      ['--data-dir', server.dataDir, '--out', out],
      {},
      {
        log: (s) => logs.push(s),
        error: (s) => logs.push(s),
      },
    );
  };
  await Promise.all(
    Array.from({ length: SCREENS }, (_, i) =>
      uploader(`scr-${i}`, (ids) => {
        for (const id of ids) acked.add(id);
        // Mid-upload: a third of the plays are in, the rest keep coming while the copy runs.
        if (!backup && acked.size >= (SCREENS * BATCHES * PER_BATCH) / 3) startBackup();
      }),
    ),
  );
  expect(await backup!).toBe(0);
  expect(logs.join('\n')).toMatch(/integrity ok/);
  expect(acked.size).toBe(SCREENS * BATCHES * PER_BATCH);
  expect(ackedBeforeBackup!.size).toBeGreaterThan(0);

  // Restore: the copy becomes a data directory's signage.db and a server opens it.
  const restoredDir = mkdtempSync(join(tmpdir(), 'ihanoi-restored-'));
  dirs.push(restoredDir);
  copyFileSync(out, join(restoredDir, 'signage.db'));
  expect(existsSync(`${out}-wal`)).toBe(false);
  const { db } = openDatabase(join(restoredDir, 'signage.db'), new VirtualClock(T0));
  try {
    const restored = new Set(
      (db.prepare('SELECT play_id FROM plays').all() as { play_id: string }[]).map((r) => r.play_id),
    );
    for (const id of ackedBeforeBackup!) expect(restored.has(id)).toBe(true);
    for (const id of restored) expect(acked.has(id)).toBe(true);
  } finally {
    db.close();
  }
}, 120_000);

it('npm run backup is the command that does it', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'ihanoi-backup-')), 'cli.db');
  dirs.push(join(out, '..'));
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'server/cli/backup.ts', '--data-dir', server.dataDir, '--out', out],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/Backed up: .*cli\.db .*integrity ok/);
  expect(existsSync(out)).toBe(true);
  // Refuses to overwrite a backup.
  const again = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'server/cli/backup.ts', '--data-dir', server.dataDir, '--out', out],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/exists/);
}, 60_000);

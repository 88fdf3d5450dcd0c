/**
 * Players recover by themselves: real player cores with a backlog upload while another process
 * holds the server's database lock. Every upload fails while it lasts; once it ends, every
 * backlog drains with nothing lost and nothing stored twice, with no restart of anything.
 * (The field case held the lock 15 s with 30 players; here the lock lasts until every player
 * has seen its upload refused at least once, which is the same shape at test size.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { FileCredentialStore, type PlayerCore } from '#player/core/index.ts';
import { Journal } from '#player/core/journal.ts';
import { DbLocker } from '../../helpers/db-locker.ts';
import {
  RestartableServer,
  seedCampaign,
  seedMedia,
  seedSite,
  startTestCore,
  storePlan,
  T0,
  waitFor,
  ZONE,
} from '../../server/ws/fixtures.ts';

const PLAYERS = 30;
const BACKLOG = 8;
const FROM = T0 - 3_600_000;

let server: RestartableServer;
let locker: DbLocker | null = null;
const cores: PlayerCore[] = [];
const dirs: string[] = [];

beforeEach(async () => {
  server = new RestartableServer();
  await server.start();
});

afterEach(async () => {
  locker?.kill();
  await Promise.all(cores.splice(0).map((c) => c.stop()));
  await server.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  rmSync(server.dataDir, { recursive: true, force: true });
});

it('30 players uploading through a database lock all drain afterwards, nothing lost or doubled', async () => {
  const db = server.db!;
  seedSite(db);
  const sha = seedMedia(db, server.dataDir, 1024).sha256;
  seedCampaign(db, sha);
  const sent = new Map<string, string[]>();
  const players: { dir: string; refused: number }[] = [];
  for (let p = 0; p < PLAYERS; p++) {
    const screenId = `scr-${p}`;
    const token = randomToken();
    db.prepare(
      `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms, paired_at_ms) VALUES (?, 'ubnd-bach-khoa', ?, 'offline', ?, ?, ?)`,
    ).run(screenId, screenId, hashToken(token), T0, T0);
    const items = Array.from({ length: BACKLOG }, (_, k) => ({
      id: `${screenId}-it-${k}`,
      mediaSha256: sha,
      start: FROM + k * 120_000,
      end: FROM + k * 120_000 + 10_000,
      peak: false,
    }));
    storePlan(db, screenId, '2024-09-05', 1, items);
    const dir = mkdtempSync(join(tmpdir(), 'ihanoi-recovery-'));
    dirs.push(dir);
    await new FileCredentialStore(dir).save({ screenId, token, serverUrl: server.url });
    // The backlog the player journaled while it was offline.
    const journal = new Journal(dir, 'test');
    for (const it of items) {
      const playId = randomUUID();
      journal.start({
        playId,
        screenId,
        campaignId: 'ihanoi-2024',
        mediaSha256: sha,
        planItemId: it.id,
        plannedAt: it.start,
        startedAt: it.start,
        zone: ZONE,
      });
      journal.finish(playId, it.end, 10, 'completed', null);
    }
    sent.set(
      screenId,
      journal.pending().map((r) => r.playId),
    );
    journal.close();
    players.push({ dir, refused: 0 });
  }

  locker = new DbLocker(join(server.dataDir, 'signage.db'));
  await locker.locked();
  for (const player of players) {
    cores.push(
      await startTestCore(server.url, player.dir, {
        tickMs: 200,
        backoff: { baseMs: 200, capMs: 1000 },
        log: (_level, msg) => {
          if (msg === 'upload will be retried') player.refused++;
        },
      }),
    );
  }
  // Every player has had an upload refused (and is still connected, not restarted).
  await waitFor('every player to see its upload refused', () => players.every((p) => p.refused > 0), 60_000);
  expect(cores.every((c) => c.snapshot().backlog === BACKLOG)).toBe(true);
  expect((db.prepare('SELECT COUNT(*) AS n FROM plays').get() as { n: number }).n).toBe(0);

  await locker.release();
  await waitFor('every backlog to drain', () => cores.every((c) => c.snapshot().backlog === 0), 30_000);

  const stored = db.prepare('SELECT screen_id, play_id, seq FROM plays ORDER BY screen_id, seq').all() as {
    screen_id: string;
    play_id: string;
    seq: number;
  }[];
  expect(stored).toHaveLength(PLAYERS * BACKLOG);
  for (const [screenId, ids] of sent) {
    const mine = stored.filter((r) => r.screen_id === screenId);
    expect(mine.map((r) => r.play_id)).toEqual(ids);
    expect(mine.map((r) => r.seq)).toEqual(Array.from({ length: BACKLOG }, (_, k) => k + 1));
  }
  expect((db.prepare('SELECT COUNT(*) AS n FROM plays_quarantine').get() as { n: number }).n).toBe(0);
}, 120_000);

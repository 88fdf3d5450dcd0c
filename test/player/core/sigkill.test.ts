/**
 * The headless player as a real child process, killed with SIGKILL in the middle of a play.
 * The play must not be lost: the next start turns it into an `interrupted` record and uploads it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  items,
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  stopServerAndRemoveDirs,
  storePlan,
  T0,
  waitFor,
  type RestartableServer,
} from '../../server/ws/fixtures.ts';
import { FakeDisplay } from './fake-display.ts';

const ROOT = join(import.meta.dirname, '../../..');
let server: RestartableServer;
let playerDir: string;
const children: ChildProcess[] = [];
const displays: FakeDisplay[] = [];

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
});

afterEach(async () => {
  for (const d of displays) d.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stopServerAndRemoveDirs(server, playerDir);
});

/** Starts `player/cli.ts` under node directly (not through npx) so SIGKILL hits the player itself. */
function spawnPlayer(extra: string[]): Promise<{ child: ChildProcess; displayUrl: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'player/cli.ts',
      '--server',
      server.url,
      '--data-dir',
      playerDir,
      '--clock',
      new Date(T0).toISOString(),
      '--tick-ms',
      '50',
      '--backoff-ms',
      '100',
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"displayUrl":"([^"]+)"/.exec(out);
      if (m) resolve({ child, displayUrl: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`player exited early (${code}): ${err || out}`)));
  });
}

function journalLines(): { k: string; playId?: string; r?: { outcome: string } }[] {
  const file = join(playerDir, 'journal.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

it('a player killed with SIGKILL mid-play records the play as interrupted on its next start and uploads it', async () => {
  const db = server.db!;
  seedSite(db);
  const media = seedMedia(db, server.dataDir, 64 * 1024);
  seedCampaign(db, media.sha256);
  const staff = seedUser(db, 'venue_staff', ['ubnd-bach-khoa']);
  const res = await fetch(`${server.url}/api/v1/screens/provision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ siteId: 'ubnd-bach-khoa' }),
  });
  const provisionFile = join(playerDir, '..', `provision-${randomUUID()}.json`);
  writeFileSync(provisionFile, await res.text());

  const first = await spawnPlayer(['--provision', provisionFile]);
  rmSync(provisionFile);
  const screen = await waitFor(
    'enrolled',
    () => db.prepare("SELECT id FROM screens WHERE status = 'online'").get() as { id: string } | undefined,
    20_000,
  );
  // One long spot whose slot is open now, so the player starts it as soon as the media is in.
  const [item] = items(media.sha256, [T0], 120_000);
  storePlan(db, screen.id, '2024-09-05', 1, [item!]);
  server.app!.events.emit('plans-updated', { screenIds: [screen.id] });

  const display = new FakeDisplay(first.displayUrl, { autoEnd: false });
  displays.push(display);
  await display.opened();
  await waitFor('play started in the journal', () => journalLines().some((l) => l.k === 'start'), 20_000);

  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  expect(first.child.signalCode).toBe('SIGKILL');
  const lines = journalLines();
  expect(lines.filter((l) => l.k === 'start')).toHaveLength(1);
  expect(lines.filter((l) => l.k === 'rec')).toHaveLength(0);
  expect(db.prepare('SELECT COUNT(*) AS n FROM plays').get()).toEqual({ n: 0 });

  // Forget the first run's status, so the status read below is the second run's.
  db.prepare('UPDATE screens SET status_json = NULL').run();
  const second = await spawnPlayer([]);
  const row = await waitFor(
    'interrupted play uploaded',
    () =>
      db.prepare('SELECT outcome, reason, plan_item_id, seq, chain_status FROM plays').get() as
        Record<string, unknown> | undefined,
    20_000,
  );
  expect(row).toMatchObject({ outcome: 'interrupted', plan_item_id: item!.id, seq: 1, chain_status: 'ok' });
  expect(String(row.reason)).toMatch(/recovered/);

  // The interrupted item is not shown a second time. The restarted core first verifies the
  // media on disk (its status says so); a display that connects after that is sent the
  // schedule as the core then sees it (a connect always brings one), which would hold the item
  // if the core meant to show it again.
  await waitFor(
    'the restarted player reports its media verified',
    () => {
      const r = db.prepare('SELECT status_json FROM screens WHERE id = ?').get(screen.id) as {
        status_json: string | null;
      };
      const cache = r.status_json
        ? (JSON.parse(r.status_json) as { cache?: { ready: number; needed: number } }).cache
        : undefined;
      return cache !== undefined && cache.needed > 0 && cache.ready === cache.needed;
    },
    20_000,
  );
  const display2 = new FakeDisplay(second.displayUrl, { autoEnd: false });
  displays.push(display2);
  await display2.opened();
  await waitFor('a schedule', () => display2.schedules > 0);
  expect(display2.schedule.map((s) => s.itemId)).not.toContain(item!.id);
  expect(display2.started.size).toBe(0);
}, 60_000);

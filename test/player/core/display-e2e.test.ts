/**
 * End to end, with nothing faked: the server, the player core, the real display page in
 * Debian's Chromium playing a real WebM from the core's cache. The play the page reports must
 * arrive at the server as a completed, chained record.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import type { PlayerCore } from '#player/core/index.ts';
import { launchDisplayBrowser, type TestBrowser } from '../display/browser.ts';
import {
  seedCampaign,
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  startTestCore,
  stopServerAndRemoveDirs,
  storePlan,
  T0,
  waitFor,
  type RestartableServer,
} from '../../server/ws/fixtures.ts';

const CLIP = join(import.meta.dirname, '../../../playlists/media/test-clip.webm');
let server: RestartableServer;
let core: PlayerCore | null = null;
let browser: TestBrowser | null = null;
let playerDir: string;

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
});

afterEach(async () => {
  await browser?.close();
  await core?.stop();
  await stopServerAndRemoveDirs(server, playerDir);
});

it('the display page plays the cached clip on time and the play reaches the server', async () => {
  const db = server.db!;
  seedSite(db);
  const bytes = readFileSync(CLIP);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(server.dataDir, 'media'), { recursive: true });
  copyFileSync(CLIP, join(server.dataDir, 'media', sha256));
  db.prepare(
    `INSERT INTO media (sha256, mime_type, duration_ms, bytes, original_name, created_at_ms) VALUES (?, 'video/webm', 5000, ?, 'test-clip.webm', ?)`,
  ).run(sha256, bytes.length, T0);
  seedCampaign(db, sha256);
  const staff = seedUser(db, 'venue_staff', ['ubnd-bach-khoa']);
  const provisioning = await (
    await fetch(`${server.url}/api/v1/screens/provision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ siteId: 'ubnd-bach-khoa' }),
    })
  ).json();

  // The page plays in real time, so the player's clock runs at real speed from T0.
  const clock = new VirtualClock(T0, 1);
  core = await startTestCore(server.url, playerDir, { clock, provisioning, tickMs: 100 });
  await waitFor('enrolled', () => core!.snapshot().connected);
  const screenId = core.snapshot().screenId!;
  browser = await launchDisplayBrowser();
  await browser.page.goto(core.displayUrl);

  const start = clock.now() + 4000;
  storePlan(db, screenId, '2024-09-05', 1, [
    { id: 'e2e-1', mediaSha256: sha256, start, end: start + 5000, peak: false },
  ]);
  server.app!.events.emit('plans-updated', { screenIds: [screenId] });

  const row = await waitFor(
    'the play stored on the server',
    () =>
      db.prepare('SELECT outcome, seconds_shown, started_ms, plan_item_id, chain_status FROM plays').get() as
        | {
            outcome: string;
            seconds_shown: number;
            started_ms: number;
            plan_item_id: string;
            chain_status: string;
          }
        | undefined,
    25_000,
    100,
  ).catch((err: unknown) => {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\npage logs:\n${browser!.logs.join('\n')}`,
    );
  });
  expect(row).toMatchObject({ outcome: 'completed', plan_item_id: 'e2e-1', chain_status: 'ok' });
  expect(row.seconds_shown).toBeGreaterThan(4);
  expect(row.seconds_shown).toBeLessThan(6.5);
  // On time: the first frame within a second of the planned start (core clock), with slack for
  // a loaded CI machine; the display suite measures the precise start lag itself.
  expect(Math.abs(row.started_ms - start)).toBeLessThan(1000);
}, 45_000);

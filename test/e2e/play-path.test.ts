/**
 * The whole play path in a real browser: the real server (playlists/ loaded, the real
 * planner), the real player core, and the display page in Debian's Chromium.
 *
 *  1. The page shows a pairing code; venue staff claim it through the REST API.
 *  2. The core gets the plan the server's planner made for the screen and caches the video.
 *  3. The shared virtual clock stands still and is stepped by the test; the core tells the
 *     page so (`clock` with rate 0), and the page's time steps with it. At the planned instant
 *     of the next play the video starts on the element that is on screen (reported at exactly
 *     that instant, currentTime advancing), then the next planned play on the other element,
 *     with no black frame whenever the video layer is up.
 *  4. The play record reaches the server and shows in the play counts (reports/summary).
 *
 * How close real playback comes to the plan in wall time (start lag, position drift) is a
 * figure of `npm run bench` (bench/display.ts), not an assertion here.
 *
 * The real planner keeps at least video length + 60 s between two starts, so consecutive
 * items of one campaign never abut; the abutting A/B hand-over is covered in
 * test/player/display/display-page.test.ts. Set UPDATE_SCREENSHOTS=1 to refresh the README's
 * screenshots in docs/screenshots/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Plan, type PlanItem } from '#shared/schemas/protocol.ts';
import { localDateOf } from '#shared/time.ts';
import { runStartup } from '#server/startup.ts';
import { FileCredentialStore, startPlayerCore, type PlayerCore } from '#player/core/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ADMIN_PASSWORD, PLAYLISTS_DIR, login, userClient, type Client } from '../helpers/api.ts';
import { launchDisplayBrowser, type TestBrowser } from '../player/display/browser.ts';

const T0 = Date.parse('2024-09-05T07:55:00+07:00');
const SITE = 'mot-cua-phuong-bach-khoa';
const ZONE = 'Asia/Ho_Chi_Minh';
const SCREENSHOTS = process.env['UPDATE_SCREENSHOTS'] === '1' ? resolve('docs/screenshots') : null;

let server: TestServer;
let core: PlayerCore;
let browser: TestBrowser;
let page: Page;
let staff: Client;
let admin: Client;
let playerDir: string;
let shotDir: string;

interface ProbeFrame {
  video: boolean;
  liveReady: number;
}
interface StartRecord {
  playId: string;
  itemId: string;
  slot: string;
  lagMs: number;
  at: number;
}

async function shot(name: string): Promise<void> {
  const buf = await page.screenshot({ path: join(SCREENSHOTS ?? shotDir, `${name}.png`) });
  expect(buf.length).toBeGreaterThan(10_000);
}

async function probeFrames(): Promise<ProbeFrame[]> {
  return (
    (await page.evaluate(() => (window as unknown as { __probe: unknown }).__probe)) as {
      frames: ProbeFrame[];
    }
  ).frames;
}

async function starts(): Promise<StartRecord[]> {
  return page.evaluate(
    () => (window as unknown as { __displayStats: { starts: StartRecord[] } }).__displayStats.starts,
  );
}

/** The page's time (it follows the core's clock, which is the server's virtual clock). */
async function pageNow(): Promise<number> {
  return page.evaluate(() => (window as unknown as { __displayStats: { now: number } }).__displayStats.now);
}

/** Steps the shared clock and waits until the page's time has followed it. */
async function setClock(instant: number): Promise<void> {
  server.clock.set(instant);
  await expect.poll(pageNow, { timeout: 10_000 }).toBe(instant);
}

function readPlan(): PlanItem[] {
  const plan = Plan.parse(JSON.parse(readFileSync(join(playerDir, 'plan.json'), 'utf8')));
  return plan.days.flatMap((d) => d.items).sort((a, b) => a.start - b.start);
}

beforeAll(async () => {
  server = await startTestServer({
    clockAt: T0,
    clockRate: 0,
    config: { playlistsDir: PLAYLISTS_DIR, adminPassword: ADMIN_PASSWORD, cron: 'on' },
  });
  await runStartup(server.app, () => undefined);
  admin = await login(server, 'admin', ADMIN_PASSWORD);
  staff = await userClient(server, 'nv-bach-khoa', 'venue_staff', [{ kind: 'site', id: SITE }]);
  playerDir = mkdtempSync(join(tmpdir(), 'ihanoi-e2e-player-'));
  shotDir = mkdtempSync(join(tmpdir(), 'ihanoi-e2e-shots-'));
  if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  core = await startPlayerCore({
    serverUrl: server.url,
    dataDir: playerDir,
    clock: server.clock,
    credentials: new FileCredentialStore(playerDir),
    tickMs: 100,
    backoff: { baseMs: 200, capMs: 2000 },
    log: () => undefined,
  });
  browser = await launchDisplayBrowser({ width: 1280, height: 720 });
  page = browser.page;
});

// `?.`: a failed beforeAll leaves these unassigned, and cleanup must not hide its error.
/* eslint-disable @typescript-eslint/no-unnecessary-condition */
afterAll(async () => {
  await browser?.close();
  await core?.stop();
  await server?.close();
  if (playerDir) rmSync(playerDir, { recursive: true, force: true });
  if (shotDir) rmSync(shotDir, { recursive: true, force: true });
});
/* eslint-enable @typescript-eslint/no-unnecessary-condition */

describe('end to end: server → player core → display page in Chromium', () => {
  it('pairs, plays the planned video on time, then the next one, and the play reaches the report', async () => {
    // 1. Pairing: the code the page shows is the one the server issued.
    await page.goto(core.displayUrl);
    await expect
      .poll(() => page.locator('#pairing-code').textContent(), { timeout: 15_000 })
      .toMatch(/^\S{4,}$/);
    const code = (await page.locator('#pairing-code').textContent()) ?? '';
    expect(core.snapshot().pairingCode).toBe(code);
    await expect.poll(() => page.locator('#pairing-qr svg').count()).toBe(1);
    await shot('pairing');

    const claim = await staff.post('/api/v1/pairing/claim', {
      code,
      siteId: SITE,
      screenName: 'Màn hình sảnh một cửa',
    });
    expect(claim.status, JSON.stringify(claim.body)).toBe(201);
    const screenId = claim.body.screenId as string;

    // 2. The screen is paired, has the planner's plan, and the video is cached.
    await expect.poll(() => core.snapshot().paired, { timeout: 15_000 }).toBe(true);
    // Nothing here asks the planner: claiming the code makes the server plan the new screen.
    expect(core.snapshot().screenId).toBe(screenId);
    await expect.poll(() => core.snapshot().planVersion, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect
      .poll(
        () => {
          const c = core.snapshot().cache;
          return c.total > 0 && c.done === c.total;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    const items = readPlan();
    const firstIdx = items.findIndex((i) => i.start > server.clock.now() + 3000);
    expect(firstIdx).toBeGreaterThanOrEqual(0);
    const first = items[firstIdx]!;
    const second = items[firstIdx + 1];
    expect(second).toBeDefined();
    // Real planner output: one play per item, never abutting (video + 60 s between starts).
    expect(second!.start - first.start).toBeGreaterThanOrEqual(first.end - first.start + 60_000);

    await page.evaluate(() => {
      const probe = { frames: [] as unknown[] };
      (window as unknown as { __probe: unknown }).__probe = probe;
      const sample = (): void => {
        const live = document.querySelector<HTMLVideoElement>('#stage video.live');
        probe.frames.push({
          video: document.body.classList.contains('video'),
          liveReady: live?.readyState ?? -1,
        });
        if (probe.frames.length < 20_000) requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });

    // 3. Idle just before the planned play: site name and the site's local time.
    await setClock(first.start - 4000);
    await expect.poll(() => page.locator('#screen-idle').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('#idle-site').textContent()).toContain('Bách Khoa');
    await expect
      .poll(() => page.locator('#idle-date').textContent())
      .toContain(localDateOf(first.start, ZONE).split('-').reverse().join('/'));
    await shot('idle');

    // At its planned instant: started then, on the element that is on screen, and playing.
    expect(core.snapshot().current).toBeNull();
    await setClock(first.start);
    await expect
      .poll(async () => (await starts()).find((s) => s.itemId === first.id), { timeout: 10_000 })
      .toBeDefined();
    const s1 = (await starts()).find((s) => s.itemId === first.id)!;
    expect(s1).toMatchObject({ at: first.start, lagMs: 0 });
    const live = () =>
      page.evaluate(() => {
        const v = document.querySelector<HTMLVideoElement>('#stage video.live');
        return {
          id: v?.id ?? '',
          playId: v?.dataset['playId'] ?? '',
          t: v?.currentTime ?? -1,
          paused: v?.paused ?? true,
        };
      });
    const on = await live();
    expect(on.playId).toBe(s1.playId);
    expect(on.id).toBe(`video-${s1.slot}`);
    expect(on.paused).toBe(false);
    // Moving on the element that is on screen.
    await expect.poll(async () => (await live()).t, { timeout: 10_000 }).toBeGreaterThan(on.t);
    await shot('playing');
    await expect.poll(() => core.snapshot().current?.itemId, { timeout: 10_000 }).toBe(first.id);

    // Its slot is over (past the page's 2 s grace for a video that runs long): it ends then.
    await setClock(first.end + 2000);
    // The play ends, goes to the journal, and is uploaded: it shows in the play counts.
    await expect.poll(() => core.snapshot().current, { timeout: 10_000 }).toBeNull();
    await expect.poll(() => core.snapshot().backlog, { timeout: 15_000 }).toBe(0);
    const date = localDateOf(first.start, ZONE);
    const report = await admin.get(
      `/api/v1/reports/summary?campaignId=ihanoi-2024&from=${date}&to=${date}&siteId=${SITE}&groupBy=screen`,
    );
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body.totals.plays).toBe(1);
    const row = (report.body.groups as Array<{ key: string; plays: number }>).find((g) => g.key === screenId);
    expect(row?.plays).toBe(1);

    // 4. The next planned play, on the other element, on time.
    await setClock(second!.start - 3000);
    expect((await starts()).find((s) => s.itemId === second!.id)).toBeUndefined();
    await setClock(second!.start);
    await expect
      .poll(async () => (await starts()).find((s) => s.itemId === second!.id), { timeout: 10_000 })
      .toBeDefined();
    const s2 = (await starts()).find((s) => s.itemId === second!.id)!;
    expect(s2).toMatchObject({ at: second!.start, lagMs: 0 });
    expect(s2.slot).not.toBe(s1.slot);
    await expect
      .poll(async () => (await probeFrames()).filter((f) => f.video).length, { timeout: 10_000 })
      .toBeGreaterThan(60);

    const frames = await probeFrames();
    // Whenever the video layer was up, the element on screen had a decoded frame.
    const videoFrames = frames.filter((f) => f.video);
    expect(videoFrames.length).toBeGreaterThan(60);
    expect(videoFrames.filter((f) => f.liveReady < 2)).toEqual([]);

    const counts = await page.evaluate(
      () => (window as unknown as { __displayStats: { mediaElements: number } }).__displayStats.mediaElements,
    );
    expect(counts).toBe(2);
  });
});

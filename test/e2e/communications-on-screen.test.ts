/**
 * Communications on screen, end to end with nothing faked: the real server (playlists/ loaded,
 * the real planner), the real player core and the display page in Debian's Chromium. A ward's
 * People's Committee approves an image communication and a text communication (decision 013);
 * each becomes plan items under its own id, the display shows the image, then the text full
 * screen (Vietnamese with diacritics, set as text, never as markup), and each play comes back
 * through proof of play into `GET /communications/:id/delivery`.
 *
 * The shared virtual clock stands still and is stepped by the test (as in play-path.test.ts).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Plan, type PlanItem } from '#shared/schemas/protocol.ts';
import { runStartup } from '#server/startup.ts';
import { FileCredentialStore, startPlayerCore, type PlayerCore } from '#player/core/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ADMIN_PASSWORD, PLAYLISTS_DIR, userClient, type Client } from '../helpers/api.ts';
import { launchDisplayBrowser, type TestBrowser } from '../player/display/browser.ts';

const T0 = Date.parse('2024-09-05T07:55:00+07:00');
const SITE = 'mot-cua-phuong-bach-khoa';
const BACH_KHOA = 'ha-noi/hai-ba-trung/bach-khoa';
const IMAGE_MS = 10_000;
const TITLE = 'Thông báo: <b>lịch tiếp công dân</b> tháng 9';
const BODY =
  'Ủy ban nhân dân phường Bách Khoa tiếp công dân vào sáng thứ Năm hằng tuần, từ 8 giờ đến 11 giờ 30.';

let server: TestServer;
let core: PlayerCore;
let browser: TestBrowser;
let page: Page;
let staff: Client;
let approver: Client;
let playerDir: string;

async function pageNow(): Promise<number> {
  return page.evaluate(() => (window as unknown as { __displayStats: { now: number } }).__displayStats.now);
}

async function setClock(instant: number): Promise<void> {
  server.clock.set(instant);
  await expect.poll(pageNow, { timeout: 10_000 }).toBe(instant);
}

function readPlan(): Plan {
  return Plan.parse(JSON.parse(readFileSync(join(playerDir, 'plan.json'), 'utf8')));
}

/** The first item of `campaignId` starting after `after` that overlaps no other item of the plan. */
function firstClear(plan: Plan, campaignId: string, after: number): PlanItem | undefined {
  const all = plan.days.flatMap((d) => [...d.items, ...(d.texts ?? [])]);
  return all
    .filter((i) => i.campaignId === campaignId && i.start > after)
    .sort((a, b) => a.start - b.start)
    .find((i) => all.every((o) => o === i || o.end <= i.start - 2000 || o.start >= i.end + 2000));
}

beforeAll(async () => {
  server = await startTestServer({
    clockAt: T0,
    clockRate: 0,
    config: { playlistsDir: PLAYLISTS_DIR, adminPassword: ADMIN_PASSWORD, cron: 'on' },
  });
  await runStartup(server.app, () => undefined);
  staff = await userClient(server, 'nv-bach-khoa', 'venue_staff', [{ kind: 'site', id: SITE }]);
  approver = await userClient(server, 'ubnd.bachkhoa', 'comms_approver', [{ kind: 'region', id: BACH_KHOA }]);
  playerDir = mkdtempSync(join(tmpdir(), 'ihanoi-comms-player-'));
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

/* eslint-disable @typescript-eslint/no-unnecessary-condition */
afterAll(async () => {
  await browser?.close();
  await core?.stop();
  await server?.close();
  if (playerDir) rmSync(playerDir, { recursive: true, force: true });
});
/* eslint-enable @typescript-eslint/no-unnecessary-condition */

it('an approved image and an approved text communication are planned, shown by the display page and counted in their delivery', async () => {
  // A paired screen at the ward's one-stop office.
  await page.goto(core.displayUrl);
  await expect
    .poll(() => page.locator('#pairing-code').textContent(), { timeout: 15_000 })
    .toMatch(/^\S{4,}$/);
  const code = (await page.locator('#pairing-code').textContent()) ?? '';
  const claim = await staff.post('/api/v1/pairing/claim', { code, siteId: SITE, screenName: 'Sảnh' });
  expect(claim.status, JSON.stringify(claim.body)).toBe(201);
  await expect.poll(() => core.snapshot().paired, { timeout: 15_000 }).toBe(true);

  // An image in the media store, shown for IMAGE_MS.
  const bytes = readFileSync(join(PLAYLISTS_DIR, 'media', 'loop-notice.jpg'));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(server.dataDir, 'media'), { recursive: true });
  copyFileSync(join(PLAYLISTS_DIR, 'media', 'loop-notice.jpg'), join(server.dataDir, 'media', sha256));
  server.db
    .prepare(
      `INSERT INTO media (sha256, kind, mime_type, duration_ms, bytes, name, original_name, created_at_ms)
       VALUES (?, 'image', 'image/jpeg', ?, ?, 'thong-bao.jpg', 'thong-bao.jpg', ?)`,
    )
    .run(sha256, IMAGE_MS, bytes.length, T0);

  const day = { firstDay: '2024-09-05', lastDay: '2024-09-06', playsPerDay: 8 };
  const img = await approver.post('/api/v1/communications', {
    title: 'Ảnh: cài đặt iHanoi',
    mediaSha256: sha256,
    ...day,
  });
  expect(img.status, JSON.stringify(img.body)).toBe(201);
  // Another target than the image's, so the two land in other slots.
  const txt = await approver.post('/api/v1/communications', {
    title: TITLE,
    body: BODY,
    ...day,
    playsPerDay: 5,
  });
  expect(txt.status, JSON.stringify(txt.body)).toBe(201);
  for (const id of [img.body.id as string, txt.body.id as string]) {
    const a = await approver.post(`/api/v1/communications/${id}/approve`);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.scheduled).toBe(true);
  }

  // The server has re-planned (both approvals queue a re-plan of the ward's screens) ...
  await server.app.plans.idle();
  // ... and the player holds the result: the image as a spot, the text among the day's texts.
  // (Generous bound: under a loaded CI machine the push and the image download can be slow.)
  await expect
    .poll(
      () => {
        try {
          const p = readPlan();
          return (
            p.days.some((d) => d.items.some((i) => i.campaignId === img.body.id)) &&
            p.days.some((d) => (d.texts ?? []).some((t) => t.campaignId === txt.body.id))
          );
        } catch {
          return false;
        }
      },
      {
        timeout: 30_000,
        message: 'the player holds both communications (see its planVersion in the snapshot)',
      },
    )
    .toBe(true);
  await expect
    .poll(
      () => {
        const c = core.snapshot().cache;
        return c.total > 0 && c.done === c.total;
      },
      { timeout: 20_000 },
    )
    .toBe(true);
  const plan = readPlan();
  expect(plan.media.find((m) => m.sha256 === sha256)?.mimeType).toBe('image/jpeg');
  const image = firstClear(plan, img.body.id as string, server.clock.now() + 3000)!;
  expect(image).toBeDefined();
  expect(image.end - image.start).toBe(IMAGE_MS);

  // The image, on screen at its planned start.
  await setClock(image.start);
  await expect
    .poll(() => page.locator('#stage img.live').getAttribute('data-play-id'), { timeout: 10_000 })
    .toBeTruthy();
  await expect.poll(() => core.snapshot().current?.itemId, { timeout: 10_000 }).toBe(image.id);
  await setClock(image.end + 2500);
  await expect.poll(() => core.snapshot().current, { timeout: 10_000 }).toBeNull();

  // The text, full screen, at its planned start.
  const text = firstClear(readPlan(), txt.body.id as string, server.clock.now() + 3000)!;
  expect(text).toBeDefined();
  expect(text.end - text.start).toBe(15_000);
  await setClock(text.start);
  const card = page.locator('#stage .text-card.live');
  await expect.poll(() => card.locator('h1').textContent(), { timeout: 10_000 }).toBe(TITLE);
  expect(await card.locator('p').textContent()).toBe(BODY);
  // Escaped: the markup in the title is shown as typed, no element made from it.
  expect(await card.locator('b').count()).toBe(0);
  const box = await card.boundingBox();
  expect(box).toMatchObject({ x: 0, y: 0, width: 1280, height: 720 });
  // Legible: the title at least 40 px high on a 720-line screen, light on dark.
  const style = await card.locator('h1').evaluate((el) => ({
    size: parseFloat(getComputedStyle(el).fontSize),
    color: getComputedStyle(el).color,
  }));
  expect(style.size).toBeGreaterThanOrEqual(40);
  expect(style.color).toBe('rgb(255, 255, 255)');
  await expect.poll(() => page.evaluate(() => document.body.classList.contains('video'))).toBe(true);
  await expect.poll(() => core.snapshot().current?.itemId, { timeout: 10_000 }).toBe(text.id);
  if (process.env['UPDATE_SCREENSHOTS'] === '1')
    await page.screenshot({ path: 'docs/screenshots/text-communication.png' });
  await setClock(text.end + 2500);
  await expect.poll(() => core.snapshot().current, { timeout: 10_000 }).toBeNull();
  await expect.poll(() => card.count(), { timeout: 10_000 }).toBe(0);

  // Both plays are uploaded and counted in each communication's delivery.
  await expect.poll(() => core.snapshot().backlog, { timeout: 15_000 }).toBe(0);
  for (const id of [img.body.id as string, txt.body.id as string]) {
    const d = await approver.get(`/api/v1/communications/${id}/delivery`);
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(d.body.total.plays, id).toBe(1);
  }
});

/**
 * The Sites page is live and honest: a real player core whose PC clock is two years off pairs,
 * and without any reload the page shows it online with a clock warning; when the player stops,
 * the same page (not reloaded) shows it offline since that moment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import { FileCredentialStore, startPlayerCore, type PlayerCore } from '#player/core/index.ts';
import type { TestServer } from '../helpers/server.ts';
import { SITES } from '../server/reports/seed.ts';
import { waitFor } from '../server/ws/fixtures.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;
let core: PlayerCore | null = null;
const playerDir = mkdtempSync(join(tmpdir(), 'ihanoi-live-player-'));
const SITE = SITES[1];
const WRONG_PC_CLOCK = Date.parse('2026-11-30T10:00:00Z');

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    user: {
      username: 'nhanvien',
      role: 'venue_staff',
      password: 'mat-khau-nhan-vien-1',
      displayName: 'Lê Nhân Viên',
      sites: [SITE.id],
    },
  }));
});
afterAll(async () => {
  await core?.stop();
  await closeConsoleWorld(b, t);
  rmSync(playerDir, { recursive: true, force: true });
});

/** Waits for the player core to get somewhere (an event), bounded so a stuck test ends. */
const until = <T>(what: string, fn: () => T | null | undefined | false, ms = 15_000): Promise<T> =>
  waitFor(what, fn, ms);

it('shows a paired screen online with a clock warning, then offline, live and without reload', async () => {
  core = await startPlayerCore({
    serverUrl: t.url,
    dataDir: playerDir,
    clock: new VirtualClock(WRONG_PC_CLOCK),
    credentials: new FileCredentialStore(playerDir),
    log: () => {},
    tickMs: 50,
    statusIntervalMs: 200,
    backoff: { baseMs: 50, capMs: 200 },
  });
  const code = await until('pairing code', () => core!.snapshot().pairingCode);

  const { page } = b;
  await logIn(page, t.url, 'nhanvien', 'mat-khau-nhan-vien-1');
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('#live-state[data-live="on"]');
  // Marks this very page: a reload or a re-render would lose it.
  await page.evaluate(() => {
    (window as unknown as { __sameLoad: number }).__sameLoad = 1;
    document.querySelector('#live-state')!.setAttribute('data-marker', 'kept');
  });

  // Pair through the API, as another member of staff would from their own browser.
  const pair = await page.evaluate(
    async ({ code, siteId }) => {
      const r = await fetch('/api/v1/pairing/claim', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, siteId, screenName: 'Màn hình sảnh chờ' }),
      });
      return (await r.json()) as { screenId: string };
    },
    { code, siteId: SITE.id },
  );
  await until('player connected', () => core!.snapshot().connected);
  const row = `tr[data-screen="${pair.screenId}"]`;
  await page.waitForSelector(`${row}[data-status="online"]`);
  const warning = await page.waitForSelector(`${row} li[data-warning="CLOCK_OFFSET"]`);
  await expect(warning.textContent()).resolves.toMatch(/^Đồng hồ máy phát nhanh \d+ ngày so với máy chủ/);
  await expect(page.textContent(`${row} td[data-label="Phiên bản"]`)).resolves.toBe('0.1.0');

  // A screenshot on request: the real display page (in Chromium) draws its current frame, and
  // the console shows it with the time it was taken, on the server's clock (05/09/2024).
  const display = await b.context.newPage();
  await display.goto(core.displayUrl);
  await until('display page connected', () => core!.snapshot().displayConnected);
  // One atomic click: the row may be redrawn by live news between finding and clicking.
  await page.waitForSelector(`button[data-screenshot="${pair.screenId}"]`);
  await page.evaluate((id) => {
    document.querySelector<HTMLButtonElement>(`button[data-screenshot="${CSS.escape(id)}"]`)!.click();
  }, pair.screenId);
  const shot = `figure.shot[data-shot-for="${pair.screenId}"]`;
  await page.waitForSelector(`${shot} img.shot-img`);
  await page.waitForFunction(
    (sel) => (document.querySelector<HTMLImageElement>(sel)?.naturalWidth ?? 0) > 0,
    `${shot} img.shot-img`,
  );
  const width = await page.evaluate(
    (sel) => (document.querySelector(sel) as HTMLImageElement).naturalWidth,
    `${shot} img.shot-img`,
  );
  expect(width).toBeGreaterThan(100);
  await expect(page.textContent(`${shot} figcaption`)).resolves.toMatch(
    /^Màn hình sảnh chờ · Bộ phận một cửa phường Bách Khoa: ảnh chụp lúc 05\/09\/2024 \d{2}:\d{2}:\d{2}$/,
  );
  await display.close();

  // The player goes away: the row turns offline, saying since when, on the same page.
  const stoppedAt = t.clock.now();
  await core.stop();
  core = null;
  await page.waitForSelector(`${row}[data-status="offline"]`);
  await expect(page.textContent(`${row} .status-cell`)).resolves.toContain('Mất kết nối');
  await expect(page.textContent(`${row} .status-cell .since`)).resolves.toBe(
    `từ ${new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(stoppedAt).replace(',', '')}`,
  );
  await expect(page.evaluate(() => (window as unknown as { __sameLoad?: number }).__sameLoad)).resolves.toBe(
    1,
  );
  await expect(page.getAttribute('#live-state', 'data-marker')).resolves.toBe('kept');
});

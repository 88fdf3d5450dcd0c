import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
const playerDir = mkdtempSync(join(tmpdir(), 'ihanoi-console-player-'));
const SITE = SITES[1];

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

it('venue staff pair a waiting screen by its code, and see it under their site', async () => {
  // A real player core, not yet paired, asks the server for a code over its WebSocket.
  core = await startPlayerCore({
    serverUrl: t.url,
    dataDir: playerDir,
    clock: new VirtualClock(t.clock.now()),
    credentials: new FileCredentialStore(playerDir),
    log: () => {},
    tickMs: 50,
    backoff: { baseMs: 50, capMs: 200 },
  });
  const code = await until('pairing code', () => core!.snapshot().pairingCode);

  const { page } = b;
  await logIn(page, t.url, 'nhanvien', 'mat-khau-nhan-vien-1');
  await expect(page.locator('nav a').allTextContents()).resolves.toEqual([
    'Tổng quan',
    'Điểm đặt & màn hình',
    'Thư viện nội dung',
    'Danh sách phát',
    'Thông báo',
  ]);
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('#pair-form');
  await expect(page.locator('#pair-site option').allTextContents()).resolves.toEqual([SITE.name]);

  // A blank name is refused beside the name field, in words, and the other fields stay clean.
  await page.fill('#pair-code', 'ZZZZZZ');
  await page.fill('#pair-name', '   ');
  await page.click('#pair-submit');
  const nameError = await page.waitForSelector('#pair-name + .field-error');
  await expect(nameError.textContent()).resolves.toBe(
    'Tên màn hình: chưa được nhập. / Screen name: must not be empty.',
  );
  await expect(page.getAttribute('#pair-name', 'aria-invalid')).resolves.toBe('true');
  await expect(page.locator('#pair-code + .field-error').count()).resolves.toBe(0);
  await expect(page.locator('#pair-status').textContent()).resolves.not.toMatch(/body\.|expected|errors/);

  // A wrong code is refused beside the code field with a message that says what to check,
  // and the name's old note is gone.
  await page.fill('#pair-name', 'Màn hình quầy 2');
  await page.click('#pair-submit');
  await expect((await page.waitForSelector('#pair-code + .field-error')).textContent()).resolves.toBe(
    'Mã ghép nối: mã không đúng; kiểm tra mã đang hiện trên màn hình. / Pairing code: wrong code; check the code shown on the screen.',
  );
  await expect(page.locator('#pair-name + .field-error').count()).resolves.toBe(0);

  // Staff may type it in lower case and with a dash: the server normalises it.
  await page.fill('#pair-code', `${code.slice(0, 3).toLowerCase()}-${code.slice(3)}`);
  await page.click('#pair-submit');
  await page.waitForSelector(`section.site[data-site="${SITE.id}"] tr:has-text("Màn hình quầy 2")`);
  const claimed = t.app.repos.pairing.code(code)!;
  expect(claimed.claimed_screen_id).toBeTruthy();
  expect(t.app.repos.screens.get(claimed.claimed_screen_id!)!.site_id).toBe(SITE.id);
  // The player collects its credential and connects as that screen.
  await until(
    'player connected',
    () => core!.snapshot().connected && core!.snapshot().screenId === claimed.claimed_screen_id,
  );

  // Revoking asks first, then the screen shows as revoked and its credential is gone.
  const screenId = claimed.claimed_screen_id!;
  page.once('dialog', (d) => void d.accept());
  await page.click(`button[data-revoke="${screenId}"]`);
  await page.waitForSelector(`tr[data-screen="${screenId}"] .badge.revoked`);
  expect(t.app.repos.screens.get(screenId)!.status).toBe('revoked');
  await expect(page.locator(`button[data-revoke="${screenId}"]`).count()).resolves.toBe(0);
});

it('the QR link on a waiting screen opens the pairing form with its code filled in', async () => {
  const { page } = b;
  await page.goto(`${t.url}/?pair=K57GWG`);
  await page.waitForSelector('#pair-form');
  expect(new URL(page.url()).pathname).toBe('/sites');
  await expect(page.inputValue('#pair-code')).resolves.toBe('K57GWG');
});

it('says plainly, with the dates, when the campaign is not running', async () => {
  const { page } = b;
  await page.goto(`${t.url}/`);
  await page.waitForSelector('#page[data-page="/"] h1');
  await expect(page.locator('#campaign-phase').count()).resolves.toBe(0);

  const saved = t.clock.now();
  t.clock.set(Date.parse('2026-11-23T10:00:00+07:00'));
  try {
    await logIn(page, t.url, 'nhanvien', 'mat-khau-nhan-vien-1');
    const banner = (await page.waitForSelector('#campaign-phase')).textContent();
    await expect(banner).resolves.toMatch(/đã kết thúc.*\d{2}\/\d{2}\/\d{4}–\d{2}\/\d{2}\/\d{4}/);
  } finally {
    t.clock.set(saved);
  }
});

it('says in words when the server cannot be reached, and comes back by itself', async () => {
  const { page } = b;
  await page.goto(`${t.url}/sites`);
  await page.waitForSelector('#pair-form');
  // The network drops: every API call fails without an answer.
  await page.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
  await page.fill('#pair-code', 'ABC234');
  await page.fill('#pair-name', 'Quầy 9');
  await page.click('#pair-submit');
  const status = await page.waitForSelector('#pair-status .msg-error');
  await expect(status.textContent()).resolves.toContain('Không kết nối được máy chủ');
  await expect(status.textContent()).resolves.not.toContain('Failed to fetch');
  await page.click('nav a[href="/"]');
  await page.waitForSelector('#unreachable');
  await expect(page.locator('#unreachable').textContent()).resolves.toContain('The server cannot be reached');
  // The network is back: the page retries by itself, without a click.
  await page.unroute('**/api/v1/**');
  await page.waitForSelector('#page[data-page="/"] h1', { timeout: 15_000 });
});

it('venue staff download a provisioning file for mass installs of their site', async () => {
  const { page } = b;
  await page.goto(`${t.url}/sites`);
  await page.waitForSelector('#provision-form');
  await page.fill('#provision-count', '3');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#provision-submit')]);
  expect(download.suggestedFilename()).toBe(`ihanoi-provision-${SITE.id.replace(/\//g, '_')}.json`);
  const path = await download.path();
  const file = JSON.parse(readFileSync(path, 'utf8'));
  expect(file).toMatchObject({
    kind: 'ihanoi-player-provisioning',
    siteId: SITE.id,
    uses: 3,
    serverUrl: t.url,
  });
  expect(file.enrolmentToken.length).toBeGreaterThanOrEqual(22);
  await page.waitForSelector('#provision-status .msg-ok');
});

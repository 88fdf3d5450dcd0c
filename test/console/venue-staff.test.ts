import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SITES, createUser, seedWorld } from '../server/reports/seed.ts';
import { ensureConsoleBuilt, logIn, openBrowser, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;
const SITE = SITES[1];

beforeAll(async () => {
  await ensureConsoleBuilt();
  t = await startTestServer();
  await seedWorld(t.app);
  await createUser(t.app, { username: 'nhanvien', role: 'venue_staff', password: 'mat-khau-nhan-vien-1', displayName: 'Lê Nhân Viên', sites: [SITE.id] });
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

it('venue staff pair a waiting screen by its code, and see it under their site', async () => {
  // A waiting player holds this code (what the gateway stores when a player asks to pair).
  const code = 'K7M2QX';
  const stored = t.app.playerGateway.repos.pairing.createCode(code, createHash('sha256').update('secret').digest('hex'), t.clock.now(), 10 * 60_000);
  expect(stored).toBe(true);

  const { page } = b;
  await logIn(page, t.url, 'nhanvien', 'mat-khau-nhan-vien-1');
  await expect(page.locator('nav a').allTextContents()).resolves.toEqual(['Tổng quan', 'Điểm đặt & màn hình']);
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('#pair-form');
  await expect(page.locator('#pair-site option').allTextContents()).resolves.toEqual([SITE.name]);

  // A wrong code is refused with a message that says what to check.
  await page.fill('#pair-code', 'ZZZZZZ');
  await page.fill('#pair-name', 'Màn hình quầy 2');
  await page.click('#pair-submit');
  await expect((await page.waitForSelector('#pair-status .msg-error')).textContent()).resolves.toContain('Mã không đúng');

  await page.fill('#pair-code', 'k7m-2qx');
  await page.click('#pair-submit');
  await page.waitForSelector(`section.site[data-site="${SITE.id}"] td:has-text("Màn hình quầy 2")`);
  const claimed = t.app.playerGateway.repos.pairing.code(code)!;
  expect(claimed.claimed_screen_id).toBeTruthy();
  expect(t.app.repos.screens.get(claimed.claimed_screen_id!)!.site_id).toBe(SITE.id);

  // Revoking asks first, then the screen shows as revoked and its credential is gone.
  const screenId = claimed.claimed_screen_id!;
  page.once('dialog', (d) => void d.accept());
  await page.click(`button[data-revoke="${screenId}"]`);
  await page.waitForSelector(`tr[data-screen="${screenId}"] .badge.revoked`);
  expect(t.app.repos.screens.get(screenId)!.status).toBe('revoked');
  await expect(page.locator(`button[data-revoke="${screenId}"]`).count()).resolves.toBe(0);
});

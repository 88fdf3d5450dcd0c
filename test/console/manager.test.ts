import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { CAMPAIGN, createUser } from '../server/reports/seed.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({ plays: true, user: { username: 'quanly', role: 'campaign_manager', password: 'mat-khau-quan-ly-1', displayName: 'Nguyễn Quản Lý' } }));
});
afterAll(() => closeConsoleWorld(b, t));

const barValue = (hour: number) => b.page.getAttribute(`#preview-chart rect.bar[data-label="${String(hour).padStart(2, '0')}"]`, 'data-value').then(Number);

it('campaign manager paints peak hours and the plan preview follows, then saves target and profile', async () => {
  const { page } = b;
  await logIn(page, t.url, 'quanly', 'mat-khau-quan-ly-1');
  // Every page of the role is in the navigation, Vietnamese first.
  await expect(page.locator('nav a').allTextContents()).resolves.toEqual(['Tổng quan', 'Chiến dịch', 'Điểm đặt & màn hình', 'Tần suất', 'Báo cáo', 'Nhật ký thao tác']);
  await page.click('nav a[href="/campaign"]');
  await page.waitForSelector('#preview-total');
  await expect(page.inputValue('#first-day')).resolves.toBe('02/09/2024');
  await page.selectOption('#venue-type', 'government_office');
  await page.waitForFunction(() => document.querySelector('#preview-chart')?.getAttribute('data-total') === '10');
  const before15 = await barValue(15);

  // Paint Thursday (05/09/2024, the preview day) 15:00–18:00 with weight 5 by dragging.
  await page.selectOption('#brush', '5');
  const first = page.locator('#peak-grid td[data-day="3"][data-hour="15"]');
  const last = page.locator('#peak-grid td[data-day="3"][data-hour="17"]');
  const a = (await first.boundingBox())!;
  const z = (await last.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(z.x + z.width / 2, z.y + z.height / 2, { steps: 6 });
  await page.mouse.up();
  await expect(page.getAttribute('#peak-grid td[data-day="3"][data-hour="16"]', 'data-w')).resolves.toBe('5');
  await page.waitForFunction(
    (prev) => Number(document.querySelector('#preview-chart rect.bar[data-label="15"]')?.getAttribute('data-value')) > prev,
    before15,
  );
  await expect(page.getAttribute('#preview-chart rect.bar[data-label="16"]', 'class')).resolves.toContain('peak');

  // Raising the target re-plans the preview with twenty plays.
  await page.fill('#target-per-day', '20');
  await page.waitForFunction(() => document.querySelector('#preview-chart')?.getAttribute('data-total') === '20');

  await page.click('#save-profile');
  await page.waitForSelector('.msg-ok');
  const saved = JSON.parse(t.app.repos.campaigns.get(CAMPAIGN)!.peak_profiles) as Record<string, number[]>;
  expect(saved.government_office![3 * 24 + 16]).toBe(5);
  expect(saved.government_office![3 * 24 + 14]).not.toBe(5);

  await page.click('#save-dates');
  await page.waitForSelector('form .msg-ok');
  expect(t.app.repos.campaigns.get(CAMPAIGN)!.target_per_day).toBe(20);
});

it('asks for a new password after a one-time password, before anything else', async () => {
  await createUser(t.app, { username: 'moi', role: 'campaign_manager', password: 'mot-lan-duy-nhat-1', mustChange: true });
  const { page } = b;
  await page.click('#logout');
  await page.waitForSelector('#login-submit');
  await page.fill('#username', 'moi');
  await page.fill('#password', 'mot-lan-duy-nhat-1');
  await page.click('#login-submit');
  await page.waitForSelector('#password-submit');
  expect(await page.locator('nav').count()).toBe(0);
  // A wrong current password is said on the form, which stays put.
  await page.fill('#current-password', 'khong-phai-mat-khau');
  await page.fill('#new-password', 'mat-khau-moi-cua-toi');
  await page.fill('#repeat-password', 'mat-khau-moi-cua-toi');
  await page.click('#password-submit');
  await expect(page.locator('.msg-error').textContent()).resolves.toContain('Mật khẩu hiện tại không đúng');
  await page.fill('#current-password', 'mot-lan-duy-nhat-1');
  await page.fill('#new-password', 'mat-khau-moi-cua-toi');
  await page.fill('#repeat-password', 'mat-khau-moi-cua-toi');
  await page.click('#password-submit');
  await page.waitForSelector('header.top nav');
  expect(t.app.repos.users.getByUsername('moi')!.must_change_password).toBe(0);
  // Back to the manager for the next test.
  await page.click('#logout');
  await logIn(page, t.url, 'quanly', 'mat-khau-quan-ly-1');
  await page.click('nav a[href="/campaign"]');
  await page.waitForSelector('#video-file');
});

it('uploads the campaign video with a progress bar and sets it on the campaign', async () => {
  const { page } = b;
  const mp4 = join(import.meta.dirname, '..', '..', 'playlists', 'media', 'ihanoi-promo.mp4');
  await page.setInputFiles('#video-file', mp4);
  await page.click('#upload-button');
  await page.waitForFunction(() => document.querySelector('#upload-pct')?.textContent === '100 %');
  await page.waitForSelector('#current-video:has-text("ihanoi-promo.mp4")');
  const sha = t.app.repos.campaigns.get(CAMPAIGN)!.media_sha256!;
  expect(t.app.repos.media.get(sha)!.bytes).toBe(readFileSync(mp4).length);
});

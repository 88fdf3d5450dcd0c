import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { localDateOf } from '#shared/time.ts';
import { CAMPAIGN, ZONE, createUser } from '../server/reports/seed.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    plays: true,
    user: {
      username: 'quanly',
      role: 'campaign_manager',
      password: 'mat-khau-quan-ly-1',
      displayName: 'Nguyễn Quản Lý',
    },
  }));
});
afterAll(() => closeConsoleWorld(b, t));

const barValue = (hour: number) =>
  b.page
    .getAttribute(`#preview-chart rect.bar[data-label="${String(hour).padStart(2, '0')}"]`, 'data-value')
    .then(Number);

it('campaign manager paints peak hours and the plan preview follows, then saves target and profile', async () => {
  const { page } = b;
  await logIn(page, t.url, 'quanly', 'mat-khau-quan-ly-1');
  // Every page of the role is in the navigation, Vietnamese first.
  await expect(page.locator('nav a').allTextContents()).resolves.toEqual([
    'Tổng quan',
    'Chiến dịch',
    'Điểm đặt & màn hình',
    'Thư viện nội dung',
    'Danh sách phát',
    'Tần suất',
    'Báo cáo',
    'Nhật ký thao tác',
    'Thông báo',
  ]);
  await page.click('nav a[href="/campaign"]');
  await page.waitForSelector('#preview-total');
  await expect(page.inputValue('#first-day')).resolves.toBe('02/09/2024');
  await page.selectOption('#venue-type', 'government_office');
  await page.waitForFunction(
    () => document.querySelector('#preview-chart')?.getAttribute('data-total') === '10',
  );
  const before15 = await barValue(15);

  // Paint Thursday (05/09/2024, the preview day) 15:00–18:00 with weight 5 by dragging.
  await page.selectOption('#brush', '5');
  const first = page.locator('#peak-grid td[data-day="3"][data-hour="15"]');
  const last = page.locator('#peak-grid td[data-day="3"][data-hour="17"]');
  // The campaign list sits above the editor: bring the whole painted range into view.
  await page.locator('#peak-grid td[data-day="4"][data-hour="17"]').scrollIntoViewIfNeeded();
  const a = (await first.boundingBox())!;
  const z = (await last.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(z.x + z.width / 2, z.y + z.height / 2, { steps: 6 });
  await page.mouse.up();
  await expect(page.getAttribute('#peak-grid td[data-day="3"][data-hour="16"]', 'data-w')).resolves.toBe('5');
  await page.waitForFunction(
    (prev) =>
      Number(document.querySelector('#preview-chart rect.bar[data-label="15"]')?.getAttribute('data-value')) >
      prev,
    before15,
  );
  await expect(page.getAttribute('#preview-chart rect.bar[data-label="16"]', 'class')).resolves.toContain(
    'peak',
  );

  // Raising the target re-plans the preview with twenty plays.
  await page.fill('#target-per-day', '20');
  await page.waitForFunction(
    () => document.querySelector('#preview-chart')?.getAttribute('data-total') === '20',
  );

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
  await createUser(t.app, {
    username: 'moi',
    role: 'campaign_manager',
    password: 'mot-lan-duy-nhat-1',
    mustChange: true,
  });
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

/** Per day from `date` on, the campaign's items in the newest plan issued to a screen. */
function planItems(screenId: string, date: string): Map<string, number> {
  const newest = new Map<string, { version: number; plan: string }>();
  for (const r of t.app.repos.plans.plansFrom(screenId, date)) {
    if ((newest.get(r.local_date)?.version ?? -1) < r.version) newest.set(r.local_date, r);
  }
  const out = new Map<string, number>();
  for (const [day, r] of newest)
    out.set(
      day,
      (JSON.parse(r.plan) as { items: Array<{ campaignId: string }> }).items.filter(
        (i) => i.campaignId === CAMPAIGN,
      ).length,
    );
  return out;
}
const daysWithItems = (m: Map<string, number>) => [...m].filter(([, n]) => n > 0).map(([d]) => d);

it('chooses who takes part: unticking a venue type drops the count, Save stores it and re-plans the excluded screens', async () => {
  const { page } = b;
  const today = localDateOf(t.clock.now(), ZONE);
  t.app.plans.replan();
  // Days still to play at the station (today's quota may already be met by the seeded plays).
  const stationDays = daysWithItems(planItems('scr-ga-1', today));
  expect(stationDays.length).toBeGreaterThan(0);
  const officeDays = daysWithItems(planItems('scr-bk-1', today));
  expect(officeDays.length).toBeGreaterThan(0);
  const versionBefore = t.app.repos.campaigns.get(CAMPAIGN)!.version;
  const events: unknown[] = [];
  const off = t.app.events.on('plan-inputs-changed', (e) => events.push(e));

  await page.goto(`${t.url}/campaign`);
  await page.waitForSelector('#pt-count[data-sites]');
  await expect(page.locator('#participants h2').textContent()).resolves.toBe('Phạm vi tham gia');
  // The seeded campaign takes in every site of Hà Nội: three sites, four screens; every venue type shows ticked.
  await expect(page.getAttribute('#pt-count', 'data-sites')).resolves.toBe('3');
  await expect(page.getAttribute('#pt-count', 'data-screens')).resolves.toBe('4');
  await expect(page.locator('#pt-count').textContent()).resolves.toBe('3 điểm đặt, 4 màn hình tham gia');
  await expect(page.isChecked('input.pt-venue[value="train_station"]')).resolves.toBe(true);
  await expect(
    page.locator('#participants label.check:has(input[value="train_station"])').textContent(),
  ).resolves.toBe('Ga đường sắt');
  // Hà Nội is ticked, so its districts show as covered.
  await expect(page.isChecked('input.pt-region[value="ha-noi/dong-da"]')).resolves.toBe(true);
  await expect(page.isDisabled('input.pt-region[value="ha-noi/dong-da"]')).resolves.toBe(true);

  // Without railway stations Ga Hà Nội and its two screens drop out.
  await page.uncheck('input.pt-venue[value="train_station"]');
  await page.waitForFunction(() => document.querySelector('#pt-count')?.getAttribute('data-sites') === '2');
  await expect(page.getAttribute('#pt-count', 'data-screens')).resolves.toBe('2');

  // Unticking every type while a region is ticked cannot be saved: the page says what to do.
  await page.click('#pt-venue-none');
  await page.waitForSelector('#participants .msg-error:has-text("Hãy chọn ít nhất một loại địa điểm")');
  await page.click('#pt-venue-all');
  await page.uncheck('input.pt-venue[value="train_station"]');
  await page.waitForFunction(() => document.querySelector('#pt-count')?.getAttribute('data-sites') === '2');

  await page.click('#save-participants');
  await page.waitForSelector('#participants .msg-ok');
  const stored = JSON.parse(t.app.repos.campaigns.get(CAMPAIGN)!.participants) as {
    regions: string[];
    venueTypes: string[];
    sites: string[];
  };
  expect(stored.regions).toEqual(['ha-noi']);
  expect(stored.sites).toEqual([]);
  expect(stored.venueTypes).toHaveLength(10);
  expect(stored.venueTypes).not.toContain('train_station');
  expect(stored.venueTypes).toContain('government_office');
  expect(t.app.repos.campaigns.get(CAMPAIGN)!.version).toBe(versionBefore + 1);
  expect(events).toContainEqual({ campaignId: CAMPAIGN, reason: 'campaign.update' });
  off();
  await t.app.plans.idle();
  const stationAfter = planItems('scr-ga-1', today);
  for (const d of stationDays) expect(stationAfter.get(d), d).toBe(0);
  expect(daysWithItems(planItems('scr-bk-1', today))).toEqual(officeDays);

  // Adding Ga Hà Nội by name brings it back whatever the venue filter says.
  await page.fill('#pt-site-input', 'Ga Hà Nội');
  await page.click('#pt-site-add');
  await page.waitForFunction(() => document.querySelector('#pt-count')?.getAttribute('data-sites') === '3');
  await expect(page.locator('#pt-sites li[data-site="ha-noi/dong-da/ga-ha-noi"]').count()).resolves.toBe(1);
  // A name that matches no site is refused on the page.
  await page.fill('#pt-site-input', 'Không có nơi này');
  await page.click('#pt-site-add');
  await page.waitForSelector('#participants .msg-error:has-text("Không tìm thấy điểm đặt")');
});

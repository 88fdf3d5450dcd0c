import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { CAMPAIGN, SITES } from '../server/reports/seed.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;
const OWN = SITES[2]; // Ga Hà Nội, open 06:00–22:00
const OTHER = SITES[0];

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    user: {
      username: 'truongga',
      role: 'office_head',
      password: 'mat-khau-truong-ga-1',
      displayName: 'Trần Trưởng Ga',
      sites: [OWN.id],
    },
  }));
});
afterAll(() => closeConsoleWorld(b, t));

it('office head raises their own site, is refused when lowering, and never sees another site', async () => {
  const { page } = b;
  await logIn(page, t.url, 'truongga', 'mat-khau-truong-ga-1');
  await expect(page.locator('nav a').allTextContents()).resolves.toEqual([
    'Tổng quan',
    'Điểm đặt & màn hình',
    'Thư viện nội dung',
    'Danh sách phát',
    'Tần suất',
    'Báo cáo',
    'Thông báo',
  ]);

  await page.click('nav a[href="/frequency"]');
  await page.waitForSelector('#freq-form');
  await expect(page.locator('#freq-site option').allTextContents()).resolves.toEqual([OWN.name]);
  await expect(page.textContent('#freq-in-force .stat-value')).resolves.toBe('10');

  await page.fill('#freq-value', '15');
  await page.fill('#freq-reason', 'Đông khách dịp Quốc khánh');
  await page.click('#freq-submit');
  await page.waitForSelector('#freq-status .msg-ok');
  await expect(page.textContent('#freq-in-force .stat-value')).resolves.toBe('15');
  // The raise's answer: plays added today and moved to later days, in the scheduler's count.
  await expect(page.textContent('#freq-effect')).resolves.toMatch(/phát thêm \d+ lượt; \d+ lượt/);
  await expect(page.textContent('#freq-history tbody')).resolves.toContain('Đông khách dịp Quốc khánh');
  // The raise was made at 07:55 Hà Nội time (the server's clock); the browser sits in New York,
  // where it was still 04/09 20:55, yet the history shows the site's own date and 24-hour time.
  await expect(page.textContent('#freq-history tbody tr td')).resolves.toBe('05/09/2024 07:55');
  // Who by name (not the login), and the value before the change (the city's 10).
  await expect(page.textContent('#freq-history tbody tr td:nth-child(2)')).resolves.toBe('Trần Trưởng Ga');
  await expect(page.textContent('#freq-history tbody tr td[data-col="previous"]')).resolves.toBe('10');
  expect(t.app.repos.overrides.current(CAMPAIGN, OWN.id)!.plays_per_day).toBe(15);

  // Lowering is refused, and the page shows the server's own explanation.
  await page.fill('#freq-value', '12');
  await page.fill('#freq-reason', 'Giảm bớt');
  await page.click('#freq-submit');
  const refusal = await page.waitForSelector('#freq-status .msg-error');
  expect(await refusal.textContent()).toContain('Chỉ được tăng tần suất');
  // …and beside the number itself, naming the field as the form does.
  await expect(page.textContent('#freq-value + .field-error')).resolves.toBe(
    'Số lượt phát/ngày: tối thiểu 15 (chỉ được tăng). / Plays per day: must be at least 15 (raise only).',
  );
  expect(t.app.repos.overrides.current(CAMPAIGN, OWN.id)!.plays_per_day).toBe(15);

  // Below the city's target is refused too.
  await page.fill('#freq-value', '5');
  await page.click('#freq-submit');
  await page.waitForSelector('#freq-status .msg-error');
  await expect(page.textContent('#freq-status')).resolves.toMatch(/tối thiểu 10|thấp hơn|Chỉ được tăng/);

  // Another site: not listed on the sites page, and the API refuses it even when called directly.
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('section.site');
  await expect(page.locator('section.site h2').allTextContents()).resolves.toEqual([OWN.name]);
  const attempt = await page.evaluate(async (siteId) => {
    const r = await fetch('/api/v1/overrides', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaignId: 'ihanoi-test', siteId, playsPerDay: 20, reason: 'thử' }),
    });
    return { status: r.status, body: (await r.json()) as { code: string } };
  }, OTHER.id);
  expect(attempt.status).toBe(403);
  expect(attempt.body.code).toBe('OUT_OF_SCOPE');
  expect(t.app.repos.overrides.current(CAMPAIGN, OTHER.id)).toBeUndefined();
  // Deep links to pages outside the role fall back to the overview.
  await page.goto(`${t.url}/audit`);
  await page.waitForSelector('main[data-page="/"]');
  // English on request, remembered across pages.
  await page.click('#lang-toggle');
  await page.waitForSelector('nav a:has-text("Frequency")');
  await page.click('nav a[href="/frequency"]');
  await page.waitForSelector('#freq-form');
  await expect(page.textContent('h1')).resolves.toBe('Raise the frequency at a site');
});

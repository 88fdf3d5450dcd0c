/**
 * An auditor reads the audit log as sentences (people and sites by name, dd/mm/yyyy HH:mm),
 * narrows it by person, action and site, and opens the raw record of one entry.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { CAMPAIGN, SITES, createUser, login } from '../server/reports/seed.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    user: {
      username: 'kiemtoan',
      role: 'auditor',
      password: 'mat-khau-kiem-toan-1',
      displayName: 'Đỗ Kiểm Toán',
    },
  }));
  await createUser(t.app, {
    username: 'lan.nt',
    role: 'office_head',
    password: 'mat-khau-truong-bk-1',
    displayName: 'Nguyễn Thị Lan',
    sites: [SITES[1].id],
  });
  const token = await login(t.app, 'lan.nt', 'mat-khau-truong-bk-1');
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/overrides',
    headers: { authorization: `Bearer ${token}` },
    payload: { campaignId: CAMPAIGN, siteId: SITES[1].id, playsPerDay: 12, reason: 'Đông người làm thủ tục' },
  });
  expect(r.statusCode).toBe(201);
});
afterAll(() => closeConsoleWorld(b, t));

it('reads the log in sentences, filters it, and opens the raw record', async () => {
  const { page } = b;
  await logIn(page, t.url, 'kiemtoan', 'mat-khau-kiem-toan-1');
  await page.click('nav a[href="/audit"]');
  await page.waitForSelector('#audit-table tbody tr[data-action]');
  const first = await page.textContent('#audit-table tbody tr:first-child .audit-text');
  expect(first).toBe(
    'Nguyễn Thị Lan nâng tần suất Bộ phận một cửa phường Bách Khoa từ 10 lên 12 lượt/ngày trong chiến dịch "Phát video iHanoi – Công dân Thủ đô số" (lý do: Đông người làm thủ tục) — 05/09/2024 07:55',
  );

  // The raw record is one click away.
  await expect(page.isVisible('#audit-table tbody tr:first-child details pre')).resolves.toBe(false);
  await page.click('#audit-table tbody tr:first-child details summary');
  await expect(page.textContent('#audit-table tbody tr:first-child details pre')).resolves.toContain(
    '"after": 12',
  );

  // By action: only screens added (the seeded four).
  await page.selectOption('#audit-action', 'screen.create');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#audit-table tbody tr[data-action]')].every(
      (tr) => tr.getAttribute('data-action') === 'screen.create',
    ),
  );
  await expect(page.locator('#audit-table tbody tr[data-action]').count()).resolves.toBe(4);
  await expect(page.locator('#audit-action option:checked').textContent()).resolves.toBe('thêm màn hình');

  // By site: the station's two screens.
  await page.selectOption('#audit-site', SITES[2].id);
  await page.waitForFunction(
    () => document.querySelectorAll('#audit-table tbody tr[data-action]').length === 2,
  );

  // By person: Lan has one entry, and no screen.create.
  await page.selectOption('#audit-action', '');
  await page.selectOption('#audit-site', '');
  await page.selectOption('#audit-actor', 'u-lan.nt');
  await page.waitForFunction(
    () => document.querySelectorAll('#audit-table tbody tr[data-action]').length === 1,
  );
  await expect(page.getAttribute('#audit-table tbody tr[data-action]', 'data-action')).resolves.toBe(
    'override.raise',
  );

  // By dates: the day before shows nothing; a wrong date says so.
  await page.fill('#audit-from', '01/09/2024');
  await page.fill('#audit-to', '04/09/2024');
  await page.click('#audit-show');
  await page.waitForSelector('#audit-table tbody tr:not([data-action])');
  await page.fill('#audit-to', '31/02/2024');
  await page.click('#audit-show');
  await page.waitForSelector('#audit-status .msg-error');
});

/**
 * Tables people can work with: search without diacritics, sort, column choice and a filter on
 * Sites and Reports; on a 390 px phone, cards with Revoke in reach (no sideways scrolling) and
 * chart text of at least 11 px.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { SCREENS, SITES } from '../server/reports/seed.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    user: {
      username: 'quanly',
      role: 'campaign_manager',
      password: 'mat-khau-quan-ly-1',
      displayName: 'Phạm Quản Lý',
    },
    plays: true,
  }));
});
afterAll(() => closeConsoleWorld(b, t));

const visibleSites = () => b.page.locator('#sites-list section.site:not([hidden]) h2').allTextContents();

it('Sites: search without diacritics, filter by status and sort problems first', async () => {
  const { page } = b;
  await page.setViewportSize({ width: 1366, height: 768 });
  await logIn(page, t.url, 'quanly', 'mat-khau-quan-ly-1');
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('#sites-search');
  await expect(visibleSites()).resolves.toHaveLength(SITES.length);

  await page.fill('#sites-search', 'bach khoa');
  await expect(visibleSites()).resolves.toEqual([SITES[1].name, SITES[0].name]);
  await page.fill('#sites-search', 'phong cho b');
  await expect(visibleSites()).resolves.toEqual([SITES[2].name]);
  await expect(
    page.locator('#sites-list tr[data-screen]:not([hidden]) th').allTextContents(),
  ).resolves.toEqual(['Phòng chờ B']);
  await page.fill('#sites-search', '');

  // Seeded screens are offline (no player ever connected): filtering "online" leaves none.
  await page.selectOption('#sites-filter', 'online');
  await expect(visibleSites()).resolves.toEqual([]);
  await page.selectOption('#sites-filter', 'offline');
  await expect(visibleSites()).resolves.toHaveLength(SITES.length);
  await page.selectOption('#sites-filter', 'all');

  // Problems first: the station has two offline screens, the others one each.
  await page.selectOption('#sites-sort', 'problems');
  await expect(visibleSites().then((s) => s[0])).resolves.toBe(SITES[2].name);
});

it('Reports: sort by a column, search a row, choose columns; the header row stays in view', async () => {
  const { page } = b;
  await page.click('nav a[href="/reports"]');
  await page.selectOption('#rep-group', 'screen');
  await page.click('#rep-show');
  await page.waitForSelector('#rep-table tbody tr[data-key]');
  const plays = () =>
    page
      .locator('#rep-table tbody td[data-col="plays"]')
      .allTextContents()
      .then((xs) => xs.map((x) => Number(x.replace(/\D/g, ''))));
  await page.click('#rep-table th[data-col="plays"] button.sort');
  const up = await plays();
  expect(up).toHaveLength(SCREENS.length);
  expect(up).toEqual([...up].sort((a, c) => a - c));
  await expect(page.getAttribute('#rep-table th[data-col="plays"]', 'aria-sort')).resolves.toBe('ascending');
  await page.click('#rep-table th[data-col="plays"] button.sort');
  const down = await plays();
  expect(down).toEqual([...up].reverse());
  expect(down[0]).toBeGreaterThan(down.at(-1)!);

  await page.fill('#rep-table-search', 'phong cho');
  await expect(page.locator('#rep-table tbody tr[data-key]').count()).resolves.toBe(2);
  await page.fill('#rep-table-search', '');

  await expect(page.locator('#rep-table th[data-col="offlineMinutes"]').count()).resolves.toBe(1);
  await page.click('#rep-result details.columns summary');
  await page.uncheck('#rep-result input[data-choose="offlineMinutes"]');
  await expect(page.locator('#rep-table [data-col="offlineMinutes"]').count()).resolves.toBe(0);
  await expect(page.locator('#rep-table tbody td[data-col="plays"]').count()).resolves.toBe(SCREENS.length);

  const sticky = await page.evaluate(
    () => getComputedStyle(document.querySelector('#rep-table thead th')!).position,
  );
  expect(sticky).toBe('sticky');
});

it('on a 390 px phone: screens are cards with Revoke in reach, and chart text is at least 11 px', async () => {
  const { page } = b;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('#sites-search');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(390);
  for (const s of SCREENS) {
    const box = await page.locator(`button[data-revoke="${s.id}"]`).boundingBox();
    expect(box, s.id).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  }

  await page.click('nav a[href="/reports"]');
  await page.waitForSelector('#chart-daily svg text');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const sizes = await page.evaluate(() =>
    [...document.querySelectorAll<SVGTextElement>('svg.chart text')].map((el) => {
      const svg = el.ownerSVGElement!;
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      return parseFloat(getComputedStyle(el).fontSize) * scale;
    }),
  );
  expect(sizes.length).toBeGreaterThan(10);
  expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
});

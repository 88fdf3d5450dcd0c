/**
 * An office head renames a screen and moves it to their other site from the Sites page: a name
 * the new site already has is refused beside the name field; then the move goes through and the
 * row shows under the new site without a reload.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { SITES } from '../server/reports/seed.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    user: {
      username: 'truongbk',
      role: 'office_head',
      password: 'mat-khau-truong-bk-1',
      displayName: 'Nguyễn Thị Lan',
      sites: [SITES[0].id, SITES[1].id],
    },
  }));
});
afterAll(() => closeConsoleWorld(b, t));

const siteOfRow = (id: string) =>
  b.page.evaluate(
    (screen) =>
      document
        .querySelector(`tr[data-screen="${screen}"]`)
        ?.closest('section.site')
        ?.getAttribute('data-site') ?? null,
    id,
  );

it('renames and moves a screen to another site of theirs; the row moves live', async () => {
  const { page } = b;
  await logIn(page, t.url, 'truongbk', 'mat-khau-truong-bk-1');
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('#live-state[data-live="on"]');
  await expect(siteOfRow('scr-bk-2')).resolves.toBe(SITES[1].id);
  // Only the sites in their scope are offered.
  await page.click('button[data-edit="scr-bk-2"]');
  await expect(
    page
      .locator('#edit-site option')
      .allTextContents()
      .then((x) => x.sort()),
  ).resolves.toEqual([SITES[0].name, SITES[1].name].sort());

  // The UBND already has "Sảnh chính": refused, and said beside the name.
  await page.fill('#edit-name', 'Sảnh chính');
  await page.selectOption('#edit-site', SITES[0].id);
  await page.click('#edit-submit');
  const note = await page.waitForSelector('#edit-name + .field-error');
  await expect(note.textContent()).resolves.toMatch(/đã có màn hình tên này/);
  await expect(page.getAttribute('#edit-name', 'aria-invalid')).resolves.toBe('true');
  expect(t.app.repos.screens.get('scr-bk-2')!.site_id).toBe(SITES[1].id);

  // Another name: saved; the same page (no reload) shows the row under the UBND.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
  await page.fill('#edit-name', 'Quầy tiếp dân');
  await page.click('#edit-submit');
  await page.waitForSelector('#edit-status .msg-ok');
  await page.waitForFunction(
    (site) =>
      document
        .querySelector('tr[data-screen="scr-bk-2"]')
        ?.closest('section.site')
        ?.getAttribute('data-site') === site,
    SITES[0].id,
  );
  await expect(page.textContent('tr[data-screen="scr-bk-2"] th')).resolves.toBe('Quầy tiếp dân');
  await expect(page.evaluate(() => (window as unknown as { marker?: number }).marker)).resolves.toBe(1);
  expect(t.app.repos.screens.get('scr-bk-2')).toMatchObject({ site_id: SITES[0].id, name: 'Quầy tiếp dân' });
});

/**
 * The peak painter in Chromium (issue 16, item 7): numbers and a legend, closed hours and
 * holidays shown and not paintable, painting by mouse and by keyboard alone, copying a day to
 * other days, a warning before unsaved edits are lost, and a refused save that keeps the edits,
 * says what to fix, and saves once fixed; saved weights survive a reload.
 *
 * The seeded ward office (UBND phường Bách Khoa) is the only government office: open 08:00–17:00
 * Monday to Friday, closed on 02/09/2024 (National Day). The test clock is Thursday 05/09/2024.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { CAMPAIGN, SITES } from '../server/reports/seed.ts';
import { seriousFindings } from './axe.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    user: {
      username: 'quanly',
      role: 'campaign_manager',
      password: 'mat-khau-quan-ly-1',
      displayName: 'Nguyễn Quản Lý',
    },
  }));
  await logIn(b.page, t.url, 'quanly', 'mat-khau-quan-ly-1');
});
afterAll(() => closeConsoleWorld(b, t));

const THU = 3;
const cell = (day: number, hour: number) => `#peak-grid td[data-day="${day}"][data-hour="${hour}"]`;
const weightAt = (day: number, hour: number) => b.page.getAttribute(cell(day, hour), 'data-w').then(Number);
const savedOffice = () =>
  (JSON.parse(t.app.repos.campaigns.get(CAMPAIGN)!.peak_profiles) as Record<string, number[]>)
    .government_office!;

async function openPainter(): Promise<void> {
  await b.page.goto(`${t.url}/campaign`);
  await b.page.waitForSelector('#peak-grid td[data-w]');
  await b.page.selectOption('#venue-type', 'government_office');
  await b.page.waitForSelector('#preview-total');
}

it('shows a legend, the weight in each cell, closed hours and the holidays; closed hours cannot be painted', async () => {
  const { page } = b;
  await openPainter();
  await expect(page.locator('#peak-legend li').count()).resolves.toBeGreaterThanOrEqual(6);
  await expect(page.locator('#peak-legend').textContent()).resolves.toContain('Đóng cửa (không tô được)');
  // The seed's weights: 3 from 08:00 to 11:00, 1 otherwise; the number is in the cell.
  await expect(page.textContent(cell(THU, 9))).resolves.toBe('3');
  await expect(page.textContent(cell(THU, 12))).resolves.toBe('1');
  // 07:00 and 17:00 on Thursday, and all of Saturday, are closed at the office.
  for (const [d, hr] of [
    [THU, 7],
    [THU, 17],
    [5, 10],
  ] as const) {
    await expect(page.getAttribute(cell(d, hr), 'data-closed')).resolves.toBe('1');
    await expect(page.getAttribute(cell(d, hr), 'aria-disabled')).resolves.toBe('true');
    await expect(page.getAttribute(cell(d, hr), 'aria-label')).resolves.toMatch(/đóng cửa/);
  }
  await expect(page.getAttribute(cell(THU, 8), 'data-closed')).resolves.toBe('0');
  // The preview plans the office's own day: nothing at 18:00, which is shaded closed as in the grid.
  await page.waitForFunction(() =>
    document.querySelector('#preview-chart rect.bar[data-label="18"]')?.classList.contains('closed'),
  );
  await expect(page.getAttribute('#preview-chart rect.bar[data-label="18"]', 'data-value')).resolves.toBe(
    '0',
  );
  await expect(page.getAttribute('#preview-chart rect.bar[data-label="08"]', 'class')).resolves.not.toContain(
    'closed',
  );
  await expect(page.locator('#peak-holidays li').allTextContents()).resolves.toEqual(['T2 02/09/2024']);
  await expect(page.locator('#peak-open-note').textContent()).resolves.toContain('Asia/Ho_Chi_Minh');

  // Neither the mouse nor the keyboard paints a closed hour.
  const before = await weightAt(5, 10);
  await page.selectOption('#brush', '5');
  await page.click(cell(5, 10), { force: true });
  await page.keyboard.press('Space');
  await page.keyboard.press('4');
  expect(await weightAt(5, 10)).toBe(before);
  await expect(page.locator('#peak-live').textContent()).resolves.toContain('không tô được');
  await expect(page.locator('#peak-dirty').textContent()).resolves.toBe('');
  expect(await seriousFindings(page)).toEqual([]);
});

it('paints by mouse and by keyboard alone, announces each value, and the saved weights survive a reload', async () => {
  const { page } = b;
  await openPainter();
  // Mouse: drag Thursday 13:00–15:00 with weight 5.
  await page.selectOption('#brush', '5');
  await page.locator(cell(THU + 1, 15)).scrollIntoViewIfNeeded();
  const a = (await page.locator(cell(THU, 13)).boundingBox())!;
  const z = (await page.locator(cell(THU, 15)).boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(z.x + z.width / 2, z.y + z.height / 2, { steps: 6 });
  await page.mouse.up();
  expect([await weightAt(THU, 13), await weightAt(THU, 14), await weightAt(THU, 15)]).toEqual([5, 5, 5]);
  await expect(page.textContent(cell(THU, 14))).resolves.toBe('5');

  // Keyboard: the grid is one tab stop after the brush and the date; arrows move, keys paint.
  await page.focus('#preview-date');
  await page.keyboard.press('Tab');
  const focusedCell = () => page.evaluate(() => (document.activeElement as HTMLElement).dataset['i']);
  await expect(focusedCell()).resolves.toBe(String(THU * 24 + 13)); // where the drag began
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown'); // Friday 15:00
  await page.keyboard.press('2');
  expect(await weightAt(4, 15)).toBe(2);
  await expect(page.locator('#peak-live').textContent()).resolves.toBe(
    'Thứ Sáu 15:00–16:00: trọng số 2, giờ cao điểm',
  );
  await expect(page.getAttribute(cell(4, 15), 'aria-label')).resolves.toBe(
    'Thứ Sáu 15:00–16:00: trọng số 2, giờ cao điểm',
  );
  // Shift+arrow paints with the brush (5) while moving; Delete goes back to 1; the focus shows.
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  expect([await weightAt(4, 16), await weightAt(4, 17)]).toEqual([5, 1]); // 17:00 is closed
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft'); // Friday 14:00
  await page.keyboard.press('Delete');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('0'); // Friday 13:00: no plays
  expect([await weightAt(4, 13), await weightAt(4, 14)]).toEqual([0, 1]);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  expect(outline).toBe('solid');
  await expect(page.locator('#peak-dirty').textContent()).resolves.toContain('Trụ sở cơ quan nhà nước');

  await page.click('#save-profile');
  await page.waitForSelector('#peak-status .msg-ok');
  const saved = savedOffice();
  expect([saved[THU * 24 + 14], saved[4 * 24 + 15], saved[4 * 24 + 16], saved[4 * 24 + 13]]).toEqual([
    5, 2, 5, 0,
  ]);

  await page.reload();
  await openPainter();
  expect([await weightAt(THU, 14), await weightAt(4, 15), await weightAt(4, 13)]).toEqual([5, 2, 0]);
  await expect(page.locator('#peak-dirty').textContent()).resolves.toBe('');
});

it('copies a day to other days, leaving their closed hours alone', async () => {
  const { page } = b;
  await openPainter();
  await page.selectOption('#copy-from', String(THU));
  await page.click('#copy-days');
  await expect(page.locator('#copy-error').textContent()).resolves.toContain('ít nhất một ngày');
  await page.check('#copy-to-0');
  await page.check('#copy-to-1');
  await page.check('#copy-to-5'); // Saturday: closed all day
  await page.click('#copy-days');
  for (const day of [0, 1])
    for (const hr of [8, 9, 13, 14, 16]) expect(await weightAt(day, hr)).toBe(await weightAt(THU, hr));
  expect(await weightAt(0, 14)).toBe(5);
  expect(await weightAt(2, 14)).toBe(1); // Wednesday was not ticked
  expect(await weightAt(5, 14)).toBe(1); // Saturday is closed: nothing copied
  await expect(page.locator('#peak-status').textContent()).resolves.toContain('Chưa lưu');
  await page.click('#save-profile');
  await page.waitForSelector('#peak-status .msg-ok');
  expect(savedOffice()[0 * 24 + 14]).toBe(5);
  expect(savedOffice()[5 * 24 + 14]).toBe(1);
});

it('warns before unsaved edits are lost: another page, a reload, and back', async () => {
  const { page } = b;
  // Reached from the overview inside the console, so "back" stays in the page.
  await page.goto(`${t.url}/`);
  await page.click('nav a[href="/campaign"]');
  await page.waitForSelector('#peak-grid td[data-w]');
  await page.selectOption('#venue-type', 'government_office');
  await page.selectOption('#brush', '3');
  await page.click(cell(2, 12));
  expect(await weightAt(2, 12)).toBe(3);

  // A reload or a closed tab: the page asks the browser to confirm.
  const asked = await page.evaluate(() => {
    const e = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  });
  expect(asked).toBe(true);

  // Another page of the console: a question; "stay" keeps the page and the edit.
  const messages: string[] = [];
  page.once('dialog', (d) => {
    messages.push(d.message());
    void d.dismiss();
  });
  await page.click('nav a[href="/"]');
  expect(messages).toEqual(['Trang này có thay đổi chưa lưu. Rời trang và bỏ các thay đổi đó?']);
  expect(new URL(page.url()).pathname).toBe('/campaign');
  expect(await weightAt(2, 12)).toBe(3);

  // Back: the same question; "stay" keeps the address and the edit.
  const back = page.waitForEvent('dialog');
  await page.evaluate(() => history.back());
  const dialog = await back;
  expect(dialog.message()).toBe(messages[0]);
  await dialog.dismiss();
  await page.waitForFunction(() => location.pathname === '/campaign');
  expect(await weightAt(2, 12)).toBe(3);

  // "Leave" goes; nothing was saved.
  page.once('dialog', (d) => void d.accept());
  await page.click('nav a[href="/"]');
  await page.waitForSelector('main[data-page="/"]');
  expect(savedOffice()[2 * 24 + 12]).toBe(1);
  // With nothing left unsaved, leaving asks nothing.
  const noUnload = await page.evaluate(() => {
    const e = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  });
  expect(noUnload).toBe(false);
});

it('a refused save keeps the edits and says what to fix; once fixed, save works and the weights stay', async () => {
  const { page } = b;
  // The office head raised the ward office to 60 plays a day.
  t.app.repos.overrides.add(
    { campaignId: CAMPAIGN, siteId: SITES[0].id, playsPerDay: 60, reason: 'Đông người', setBy: 'u-quanly' },
    10,
  );
  await openPainter();
  // Friday: only 09:00 is peak, every other open hour gets 0 (keyboard only).
  await page.selectOption('#brush', '0');
  await page.click(cell(4, 8));
  for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowRight'); // to 16:00
  for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowLeft'); // back to 09:00
  await page.keyboard.press('5');
  const fri = async () => Promise.all([8, 9, 10, 16].map((hr) => weightAt(4, hr)));
  expect(await fri()).toEqual([0, 5, 0, 0]);
  const before = savedOffice();

  await page.click('#save-profile');
  const error = page.locator('#peak-status .msg-error');
  await error.waitFor();
  await expect(error.textContent()).resolves.toMatch(
    /chỉ chứa được 47 lượt trong khi cần 60 lượt\/ngày.*Hãy tô giờ cao điểm rộng hơn/,
  );
  await expect(page.locator('#peak-error').textContent()).resolves.toContain('cần 60');
  await expect(page.isVisible('#peak-error')).resolves.toBe(true);
  // Nothing saved, nothing lost: the grid still holds what was painted.
  expect(savedOffice()).toEqual(before);
  expect(await fri()).toEqual([0, 5, 0, 0]);
  await expect(page.locator('#peak-dirty').textContent()).resolves.toContain('Trụ sở cơ quan nhà nước');
  expect(await seriousFindings(page)).toEqual([]);

  // Widen the peak to 09:00–12:00 and save again.
  await page.focus(cell(4, 10));
  await page.keyboard.press('5');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('5');
  await page.click('#save-profile');
  await page.waitForSelector('#peak-status .msg-ok');
  await expect(page.isVisible('#peak-error')).resolves.toBe(false);
  expect(savedOffice().slice(4 * 24 + 8, 4 * 24 + 12)).toEqual([0, 5, 5, 5]);

  await page.reload();
  await openPainter();
  expect(await Promise.all([8, 9, 10, 11, 12].map((hr) => weightAt(4, hr)))).toEqual([0, 5, 5, 5, 0]);
});

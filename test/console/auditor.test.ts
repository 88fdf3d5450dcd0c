import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eachDate } from '#shared/time.ts';
import type { TestServer } from '../helpers/server.ts';
import { readExportCsv } from '../server/reports/csv.ts';
import { FIRST, LAST, SCREENS, playsFor } from '../server/reports/seed.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    plays: true,
    user: {
      username: 'kiemtoan',
      role: 'auditor',
      password: 'mat-khau-kiem-toan-1',
      displayName: 'Phạm Kiểm Toán',
    },
  }));
});
afterAll(() => closeConsoleWorld(b, t));

const totalPlays = SCREENS.reduce(
  (n, s) => n + eachDate(FIRST, LAST).reduce((m, d) => m + playsFor(s.id, d), 0),
  0,
);

async function download(selector: string): Promise<Buffer> {
  const [dl] = await Promise.all([b.page.waitForEvent('download'), b.page.click(selector)]);
  const path = await dl.path();
  return readFileSync(path);
}

it('auditor exports CSV and XLSX from the reports page; both parse back with the right totals and diacritics', async () => {
  const { page } = b;
  await logIn(page, t.url, 'kiemtoan', 'mat-khau-kiem-toan-1');
  await expect(page.locator('nav a').allTextContents()).resolves.toEqual([
    'Tổng quan',
    'Thư viện nội dung',
    'Báo cáo',
    'Nhật ký thao tác',
    'Thông báo',
  ]);
  await page.click('nav a[href="/reports"]');
  await page.waitForSelector('#rep-table');
  // Period up to "today" (05/09/2024 on the test clock): set the whole seeded week.
  await page.fill('#rep-to', '08/09/2024');
  await page.click('#rep-show');
  await page.waitForFunction(
    (n) =>
      document.querySelector('#rep-table tfoot td[data-col="plays"]')?.textContent.replace(/\D/g, '') ===
      String(n),
    totalPlays,
  );
  await expect(page.locator('#chart-daily rect.bar[data-label]').count()).resolves.toBe(7);

  const csv = readExportCsv((await download('#export-daily-csv')).toString('utf8'));
  const playsCol = csv.header.indexOf('Lượt phát / Plays');
  expect(csv.data.reduce((n, r) => n + Number(r[playsCol]), 0)).toBe(totalPlays);
  expect(csv.data.some((r) => r.includes('UBND phường Bách Khoa') && r.includes('Hai Bà Trưng'))).toBe(true);
  expect(csv.meta.get('Kỳ báo cáo / Period')).toBe('02/09/2024 – 08/09/2024');

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await download('#export-daily-xlsx')) as unknown as ArrayBuffer);
  const sheet = wb.worksheets[0]!;
  let sum = 0;
  const names = new Set<string>();
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    sum += Number(row.getCell(playsCol + 1).value);
    names.add(row.getCell(5).text);
  });
  expect(sum).toBe(totalPlays);
  expect(names).toEqual(new Set(['UBND phường Bách Khoa', 'Bộ phận một cửa phường Bách Khoa', 'Ga Hà Nội']));
  const about = new Map<string, unknown>();
  wb.worksheets[1]!.eachRow((row) => about.set(row.getCell(1).text, row.getCell(2).value));
  expect(about.get('SHA-256')).toBe(csv.checksum);

  // The auditor reads but cannot change anything: the campaign page is not offered, and writes are refused.
  const write = await page.evaluate(
    async () =>
      (
        await fetch('/api/v1/campaigns/ihanoi-test', {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: '{"targetPerDay":5}',
        })
      ).status,
  );
  expect(write).toBe(403);

  // The audit log page lists changes and exports them too.
  await page.click('nav a[href="/audit"]');
  await page.waitForSelector('#audit-table');
  const audit = readExportCsv((await download('#audit-export-csv')).toString('utf8'));
  expect(audit.data.length).toBeGreaterThan(0);
  expect(audit.data.some((r) => r[2] === 'screen.create')).toBe(true);
});

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachDate, weekdayOf } from '#shared/time.ts';
import type { ReportResult } from '#shared/schemas/reports.ts';
import { generateWeeklyReport } from '#server/reports/weekly.ts';
import { COMPLIANCE_HEADER, UNVERIFIED_HEADER } from '#server/reports/exports.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { readExportCsv } from './csv.ts';
import {
  CAMPAIGN,
  FIRST,
  LAST,
  SCREENS,
  SITES,
  createUser,
  login,
  playsFor,
  seedPlays,
  seedSessions,
  seedWorld,
} from './seed.ts';

let t: TestServer;
let auditor: string;
let head: string;
let seeded = 0;

/** Days each site operates in the period, from the seed's opening hours (office: weekdays, 02/09 closed). */
function operatingDays(siteId: string): number {
  return eachDate(FIRST, LAST).filter((d) =>
    siteId === SITES[0].id ? weekdayOf(d) < 5 && d !== '2024-09-02' : true,
  ).length;
}

const expectedPlays = (screens: readonly (typeof SCREENS)[number][]) =>
  screens.reduce((n, s) => n + eachDate(FIRST, LAST).reduce((m, d) => m + playsFor(s.id, d), 0), 0);
/** The seed's broken link: one completed play of scr-ga-2 stored with chain status 'gap'. */
const UNVERIFIED = 1;
const expectedTarget = (screens: readonly (typeof SCREENS)[number][]) =>
  screens.reduce((n, s) => n + 10 * operatingDays(s.site), 0);

beforeAll(async () => {
  // The day after the seeded week: every day of it is due in full.
  t = await startTestServer({ clockAt: Date.parse('2024-09-09T10:00:00+07:00') });
  await seedWorld(t.app);
  seeded = seedPlays(t.app, { brokenScreen: 'scr-ga-2', tampered: { screen: 'scr-bk-2', seq: 20 } });
  seedSessions(t.app);
  await createUser(t.app, { username: 'kiemtoan', role: 'auditor', password: 'mat-khau-kiem-toan-1' });
  await createUser(t.app, {
    username: 'truongbk',
    role: 'office_head',
    password: 'mat-khau-truong-bk-1',
    sites: [SITES[0].id],
  });
  auditor = await login(t.app, 'kiemtoan', 'mat-khau-kiem-toan-1');
  head = await login(t.app, 'truongbk', 'mat-khau-truong-bk-1');
});
afterAll(async () => t.close());

const get = (url: string, token: string) =>
  t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const period = `campaignId=${CAMPAIGN}&from=${FIRST}&to=${LAST}`;

describe('report aggregation', () => {
  it('counts completed plays against targets, by district, with the hour-of-day spread', async () => {
    const res = await get(`/api/v1/reports/summary?${period}&groupBy=district`, auditor);
    expect(res.statusCode).toBe(200);
    const r = res.json<ReportResult>();
    // scr-ga-2's third play failed its chain check at upload: counted apart, not as a play.
    expect(r.totals.plays).toBe(expectedPlays(SCREENS) - UNVERIFIED);
    expect(r.totals.unverifiedPlays).toBe(UNVERIFIED);
    expect(r.complianceIncludesUnverified).toBe(false);
    expect(r.groups.find((g) => g.label === 'Đống Đa')!.unverifiedPlays).toBe(UNVERIFIED);
    expect(r.groups.find((g) => g.label === 'Hai Bà Trưng')!.unverifiedPlays).toBe(0);
    expect(r.totals.target).toBe(expectedTarget(SCREENS));
    expect(r.totals.due).toBe(r.totals.target);
    expect(r.totals.compliancePct).toBe(Math.round((r.totals.plays / r.totals.target) * 1000) / 10);
    const hbt = r.groups.find((g) => g.label === 'Hai Bà Trưng')!;
    expect(hbt.plays).toBe(expectedPlays(SCREENS.filter((s) => s.site.includes('hai-ba-trung'))));
    expect(r.groups.map((g) => g.label).sort()).toEqual(['Hai Bà Trưng', 'Đống Đa'].sort());
    // The hour-of-day distribution adds up to the same plays; failed plays are not plays.
    expect(r.hourly.reduce((n, h) => n + h.plays, 0)).toBe(r.totals.plays);
    expect(r.daily).toHaveLength(7);
    expect(r.daily.reduce((n, d) => n + d.plays, 0)).toBe(r.totals.plays);
    // Peak plays are those seeded in 08:00–11:00.
    expect(r.totals.peakPlays).toBe(
      r.hourly.filter((h) => h.hour >= 8 && h.hour < 11).reduce((n, h) => n + h.plays, 0),
    );
  });

  it('attributes a day without connection to offline time, and a short day while connected to other causes', async () => {
    const r = (await get(`/api/v1/reports/summary?${period}&groupBy=screen`, auditor)).json<ReportResult>();
    const dark = r.groups.find((g) => g.key === 'scr-ga-2')!;
    // No stored plans in this world: the whole day's target fell in offline time. Its play that
    // failed the chain check on 02/09 is not proof of play: one short there, while connected.
    expect(dark.unverifiedPlays).toBe(UNVERIFIED);
    expect(dark.shortfall).toBe(10 + UNVERIFIED);
    expect(dark.shortfallOffline).toBe(10);
    expect(dark.shortfallOther).toBe(UNVERIFIED);
    const office = r.groups.find((g) => g.key === 'scr-bk-1')!;
    // 9 plays on 03/09 and 06/09 (day % 3 == 0) while connected all day: short, for other causes.
    expect(office.shortfall).toBe(2);
    expect(office.shortfallOffline).toBe(0);
    expect(office.shortfallOther).toBe(2);
    expect(r.totals.shortfall).toBe(12 + UNVERIFIED);
    expect(r.totals.shortfallOffline + r.totals.shortfallOther).toBe(r.totals.shortfall);
  });

  it('counts today only as far as it has gone, and days ahead not at all', async () => {
    const saved = t.clock.now();
    // 05/09 at 12:00: the station (06:00–22:00) has had 6 of its 16 open hours.
    t.clock.set(Date.parse('2024-09-05T12:00:00+07:00'));
    try {
      const r = (await get(`/api/v1/reports/summary?${period}&groupBy=screen`, auditor)).json<ReportResult>();
      const today = r.daily.find((d) => d.date === '2024-09-05')!;
      expect(today.target).toBeGreaterThan(today.due);
      expect(r.daily.find((d) => d.date === '2024-09-06')!.due).toBe(0);
      const dark = r.groups.find((g) => g.key === 'scr-ga-2')!;
      expect(dark.due).toBe(3 * 10 + Math.floor((10 * 6) / 16));
      expect(dark.shortfall).toBe(Math.floor((10 * 6) / 16) + UNVERIFIED);
      expect(dark.shortfallOffline).toBe(Math.floor((10 * 6) / 16));

      // "Planned" is what the plan service issued for today: nothing until it runs, then the
      // day's targets (10 per screen, plus make-goods capped at 50 %).
      const before = (await get(`/api/v1/reports/overview?campaignId=${CAMPAIGN}`, auditor)).json<{
        today: { planned: number };
      }>();
      expect(before.today.planned).toBe(0);
      t.app.plans.replan({});
      const after = (await get(`/api/v1/reports/overview?campaignId=${CAMPAIGN}`, auditor)).json<{
        today: { planned: number; due: number };
      }>();
      expect(after.today.planned).toBeGreaterThanOrEqual(SCREENS.length * 10);
      expect(after.today.planned).toBeLessThanOrEqual(SCREENS.length * 15);
    } finally {
      t.clock.set(saved);
    }
  });

  it('measures offline open time from the sessions, not from gaps between plays', async () => {
    // scr-ga-2 (06:00–22:00) plays only in 06:00–15:59, but it was connected all evening:
    // only its dark day (16 open hours) is offline.
    const r = (await get(`/api/v1/reports/summary?${period}&groupBy=screen`, auditor)).json<ReportResult>();
    expect(r.groups.find((g) => g.key === 'scr-bk-2')!.silentHours).toBe(0);
    expect(r.groups.find((g) => g.key === 'scr-bk-2')!.offlineMinutes).toBe(0);
    expect(r.groups.find((g) => g.key === 'scr-ga-2')!.silentHours).toBe(16);
    expect(r.groups.find((g) => g.key === 'scr-ga-2')!.offlineMinutes).toBe(16 * 60);
  });

  it("limits an office head to their own site's rows and refuses another site", async () => {
    const r = (await get(`/api/v1/reports/summary?${period}&groupBy=site`, head)).json<ReportResult>();
    expect(r.groups.map((g) => g.key)).toEqual([SITES[0].id]);
    expect(r.totals.plays).toBe(expectedPlays(SCREENS.filter((s) => s.site === SITES[0].id)));
    const other = await get(
      `/api/v1/reports/summary?${period}&siteId=${encodeURIComponent(SITES[2].id)}`,
      head,
    );
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('OUT_OF_SCOPE');
    const csv = readExportCsv(
      (await get(`/api/v1/reports/export?kind=daily&format=csv&${period}`, head)).body,
    );
    expect(new Set(csv.data.map((row) => row[3]))).toEqual(new Set([SITES[0].id]));
    expect((await get(`/api/v1/reports/saved`, head)).statusCode).toBe(403);
  });
});

describe('exports', () => {
  it('writes CSV with BOM, period, zone, generation time, filters and a checksum of its data lines', async () => {
    const res = await get(`/api/v1/reports/export?kind=daily&format=csv&${period}`, auditor);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const csv = readExportCsv(res.body);
    expect(csv.meta.get('Kỳ báo cáo / Period')).toBe('02/09/2024 – 08/09/2024');
    expect(csv.meta.get('Múi giờ / Time zone')).toBe('Asia/Ho_Chi_Minh');
    expect(csv.meta.get('Thời điểm lập / Generated at')).toBe('09/09/2024 10:00');
    expect(csv.meta.get('Bộ lọc / Filters')).toMatch(/None/);
    expect(csv.data).toHaveLength(SCREENS.length * 7);
    expect(csv.rowCount).toBe(csv.data.length);
    expect(csv.checksum).toBe(createHash('sha256').update(csv.dataText, 'utf8').digest('hex'));
    const playsCol = csv.header.indexOf('Lượt phát / Plays');
    expect(csv.data.reduce((n, r) => n + Number(r[playsCol]), 0)).toBe(expectedPlays(SCREENS) - UNVERIFIED);
    const unverifiedCol = csv.header.indexOf(UNVERIFIED_HEADER);
    expect(unverifiedCol).toBeGreaterThan(playsCol);
    expect(csv.data.reduce((n, r) => n + Number(r[unverifiedCol]), 0)).toBe(UNVERIFIED);
    expect(csv.header).toContain(COMPLIANCE_HEADER);
    const hourly = readExportCsv(
      (await get(`/api/v1/reports/export?kind=hourly&format=csv&${period}`, auditor)).body,
    );
    const hourlyUnverified = hourly.header.indexOf(UNVERIFIED_HEADER);
    expect(hourly.data.reduce((n, r) => n + Number(r[hourlyUnverified]), 0)).toBe(UNVERIFIED);
    expect(csv.data.some((r) => r.includes('Ga Hà Nội') && r.includes('Đống Đa'))).toBe(true);
  });

  it('writes an XLSX that reads back with the same rows, diacritics and checksum', async () => {
    const csv = readExportCsv(
      (await get(`/api/v1/reports/export?kind=daily&format=csv&${period}`, auditor)).body,
    );
    const res = await get(`/api/v1/reports/export?kind=daily&format=xlsx&${period}`, auditor);
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const data = wb.worksheets[0]!;
    const about = wb.worksheets[1]!;
    expect(data.rowCount).toBe(csv.data.length + 1);
    const header = (data.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(csv.header);
    const playsCol = header.indexOf('Lượt phát / Plays') + 1;
    let sum = 0;
    data.eachRow((row, n) => {
      if (n > 1) sum += Number(row.getCell(playsCol).value);
    });
    expect(sum).toBe(expectedPlays(SCREENS) - UNVERIFIED);
    const aboutRows = new Map<string, unknown>();
    about.eachRow((row) => aboutRows.set(row.getCell(1).text, row.getCell(2).value));
    expect(aboutRows.get('SHA-256')).toBe(csv.checksum);
    expect(aboutRows.get('Chiến dịch / Campaign')).toBe(
      'Phát video iHanoi – Công dân Thủ đô số / iHanoi promo',
    );
  });

  it("exports every play as evidence with each screen's chain status", async () => {
    const csv = readExportCsv(
      (await get(`/api/v1/reports/export?kind=evidence&format=csv&${period}`, auditor)).body,
    );
    expect(csv.data).toHaveLength(seeded);
    const screenCol = csv.header.indexOf('Mã màn hình / Screen id');
    const chainCol = csv.header.indexOf('Chuỗi của màn hình khi nhận / Screen chain status at upload');
    const broken = csv.data.filter((r) => r[screenCol] === 'scr-ga-2');
    expect(broken.every((r) => r[chainCol]!.includes('1 gap'))).toBe(true);
    expect(
      csv.data.filter((r) => r[screenCol] === 'scr-ga-1').every((r) => r[chainCol]!.startsWith('ok')),
    ).toBe(true);
    // Checked again while exporting: the one play edited after upload, and only it, fails.
    const verdictCol = csv.header.indexOf('Kiểm tra lại khi xuất / Re-verified at export');
    const seqCol = csv.header.indexOf('Số thứ tự / Seq');
    const failing = csv.data.filter((r) => r[verdictCol] !== 'ok');
    expect(failing.map((r) => [r[screenCol], r[seqCol], r[verdictCol]])).toEqual([
      ['scr-bk-2', '20', 'mismatch'],
    ]);
  });

  it('checks the first play of a later period against the one before it, outside the period', async () => {
    const csv = readExportCsv(
      (
        await get(
          `/api/v1/reports/export?kind=evidence&format=csv&campaignId=${CAMPAIGN}&from=2024-09-05&to=${LAST}`,
          auditor,
        )
      ).body,
    );
    const verdictCol = csv.header.indexOf('Kiểm tra lại khi xuất / Re-verified at export');
    expect(csv.data.length).toBeGreaterThan(0);
    expect(csv.data.every((r) => r[verdictCol] === 'ok')).toBe(true);
  });

  it('saves the weekly report as files and lists it for download', async () => {
    const row = await generateWeeklyReport(t.app, CAMPAIGN, FIRST, LAST);
    expect(existsSync(join(t.dataDir, 'reports', row.file_name))).toBe(true);
    const list = (await get('/api/v1/reports/saved', auditor)).json<{
      items: { id: number; checksum: string }[];
    }>();
    expect(list.items.map((i) => i.id)).toContain(row.id);
    const dl = await get(`/api/v1/reports/saved/${row.id}/download?format=csv`, auditor);
    expect(dl.statusCode).toBe(200);
    const csv = readExportCsv(dl.body);
    expect(csv.checksum).toBe(row.checksum);
    // Generating again for the same week replaces the row instead of adding one.
    const again = await generateWeeklyReport(t.app, CAMPAIGN, FIRST, LAST);
    expect(again.id).toBe(row.id);
  });

  it('refuses the audit export to office heads', async () => {
    const res = await get(`/api/v1/reports/export?kind=audit&format=csv&from=${FIRST}&to=${LAST}`, head);
    expect(res.statusCode).toBe(403);
    const ok = await get(`/api/v1/reports/export?kind=audit&format=csv&from=2024-08-01&to=${LAST}`, auditor);
    expect(ok.statusCode).toBe(200);
    expect(readExportCsv(ok.body).data.some((r) => r[2] === 'screen.create')).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, login, startSeededServer, userClient } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';
import { sourceDocKey } from '#shared/schemas/comms.ts';
import { cadence } from '#server/comms/cadence.ts';
import { CADENCE_SHEET, generateWeeklyReport, reportsDir } from '#server/reports/weekly.ts';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CITY = 'ha-noi';
const HBT = 'ha-noi/hai-ba-trung';
const BACH_KHOA = 'ha-noi/hai-ba-trung/bach-khoa';
const item = (over: Record<string, unknown> = {}) => ({
  title: 'Cài đặt iHanoi để phản ánh hiện trường',
  body: 'Người dân tải ứng dụng iHanoi.',
  firstDay: '2024-09-05',
  lastDay: '2024-09-20',
  playsPerDay: 6,
  ...over,
});

describe('communications: levels, approval, no re-send, cadence, audit', () => {
  let s: TestServer;
  let admin: Client;
  let dept: Client; // a department's editor (city level)
  let cityOffice: Client; // the city office's approver
  let cityOffice2: Client;
  let district: Client; // Hai Bà Trưng People's Committee approver
  let wardEditor: Client;
  let wardApprover: Client;
  let video: string;

  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    dept = await userClient(s, 'so.ytd', 'comms_editor', [{ kind: 'region', id: CITY }]);
    cityOffice = await userClient(s, 'vp.ubnd', 'comms_approver', [{ kind: 'region', id: CITY }]);
    cityOffice2 = await userClient(s, 'vp.ubnd2', 'comms_approver', [{ kind: 'region', id: CITY }]);
    district = await userClient(s, 'ubnd.hbt', 'comms_approver', [{ kind: 'region', id: HBT }]);
    wardEditor = await userClient(s, 'bt.bachkhoa', 'comms_editor', [{ kind: 'region', id: BACH_KHOA }]);
    wardApprover = await userClient(s, 'ubnd.bachkhoa', 'comms_approver', [
      { kind: 'region', id: BACH_KHOA },
    ]);
    video = (s.db.prepare('SELECT sha256 FROM media LIMIT 1').get() as { sha256: string }).sha256;
  });
  afterAll(() => s.close());

  it('normalises source document numbers', () => {
    expect(sourceDocKey('2720/UBND-TTĐT')).toBe(sourceDocKey(' 2720 / ubnd – ttđt'.replace(/ \/ /, '/')));
    expect(sourceDocKey('')).toBeNull();
  });

  it('city level: a department drafts and submits, only a different city-office person approves', async () => {
    const draft = await dept.post(
      '/api/v1/communications',
      item({ mediaSha256: video, sourceDoc: '2720/UBND-TTĐT' }),
    );
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ id: 'tt-0001', status: 'draft', level: 'city', kind: 'video' });
    const id = draft.body.id as string;

    // Not yet submitted by its department.
    expect((await cityOffice.post(`/api/v1/communications/${id}/approve`)).status).toBe(409);
    // An editor cannot approve at all.
    expect((await dept.post(`/api/v1/communications/${id}/approve`)).status).toBe(403);

    const sub = await dept.post(`/api/v1/communications/${id}/submit`, { playsPerDay: 8 });
    expect(sub.body).toMatchObject({ status: 'edited', playsPerDay: 8 });

    const ok = await cityOffice.post(`/api/v1/communications/${id}/approve`);
    expect(ok.status).toBe(200);
    // Its first day is today (05/09/2024): approval puts it on air at once.
    expect(ok.body).toMatchObject({ status: 'on_air', approvedByName: 'vp.ubnd', scheduled: true });

    const actions = (await admin.get('/api/v1/audit?limit=20')).body.items
      .filter((a: { objectId: string }) => a.objectId === id)
      .map((a: { action: string; actorName: string | null }) => `${a.action}:${a.actorName ?? ''}`);
    expect(actions.reverse()).toEqual([
      'communication.create:so.ytd',
      'communication.submit:so.ytd',
      'communication.approve:vp.ubnd',
      'communication.air:vp.ubnd',
    ]);
  });

  it('city level: the author (or last editor) may not approve their own item', async () => {
    const mine = await cityOffice.post('/api/v1/communications', item({ title: 'Tin do văn phòng soạn' }));
    await cityOffice.post(`/api/v1/communications/${mine.body.id}/submit`, {});
    const r = await cityOffice.post(`/api/v1/communications/${mine.body.id}/approve`);
    expect(r.status).toBe(403);
    expect(r.body.detail).toMatch(/approver must not be the author/);
    expect((await cityOffice2.post(`/api/v1/communications/${mine.body.id}/approve`)).status).toBe(200);
  });

  it('the approved video is planned on the screens in scope, under its own id', async () => {
    await s.app.plans.idle();
    const rows = s.db.prepare(`SELECT plan FROM screen_plans WHERE local_date = '2024-09-06'`).all() as {
      plan: string;
    }[];
    const withComm = rows.filter((r) =>
      (JSON.parse(r.plan) as { items: { campaignId: string }[] }).items.some(
        (i) => i.campaignId === 'tt-0001',
      ),
    );
    expect(withComm.length).toBeGreaterThan(0);
  });

  it('each level sends only within its area', async () => {
    const r = await wardEditor.post(
      '/api/v1/communications',
      item({ scopeRegionId: HBT, title: 'Rộng hơn phường' }),
    );
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('OUT_OF_SCOPE');
  });

  it("a ward editor cannot re-send the city's item: refused by media and by document number, naming it", async () => {
    const byMedia = await wardEditor.post('/api/v1/communications', item({ mediaSha256: video }));
    expect(byMedia.status).toBe(409);
    expect(byMedia.body.code).toBe('RESEND_REFUSED');
    expect(byMedia.body.detail).toContain('tt-0001');
    expect(byMedia.body.detail).toContain('Cài đặt iHanoi');
    expect(byMedia.body.matched).toMatchObject({ id: 'tt-0001', level: 'city', by: 'media' });

    const byDoc = await wardEditor.post('/api/v1/communications', item({ sourceDoc: '2720/ubnd-ttđt' }));
    expect(byDoc.status).toBe(409);
    expect(byDoc.body.matched).toMatchObject({ id: 'tt-0001', by: 'sourceDoc' });

    const refusals = (await admin.get('/api/v1/audit?limit=5')).body.items.filter(
      (a: { action: string }) => a.action === 'communication.resend_refused',
    );
    expect(refusals.length).toBe(2);
    expect(refusals[0]).toMatchObject({ actorName: 'bt.bachkhoa' });
    expect(refusals[0].detail.matched.id).toBe('tt-0001');

    // Its own text passes, and an edit that sneaks the city's document number in is refused too.
    const own = await wardEditor.post('/api/v1/communications', item({ title: 'Lịch tiêm chủng phường' }));
    expect(own.status).toBe(201);
    const sneak = await wardEditor.patch(`/api/v1/communications/${own.body.id}`, {
      sourceDoc: '2720/UBND-TTĐT',
    });
    expect(sneak.status).toBe(409);
  });

  it('a city item scoped to another district does not block a ward elsewhere', async () => {
    const other = await dept.post(
      '/api/v1/communications',
      item({ title: 'Chỉ Cầu Giấy', sourceDoc: '99/SYT', scopeRegionId: 'ha-noi/cau-giay' }),
    );
    await dept.post(`/api/v1/communications/${other.body.id}/submit`, {});
    expect((await cityOffice.post(`/api/v1/communications/${other.body.id}/approve`)).status).toBe(200);
    const r = await wardEditor.post('/api/v1/communications', item({ sourceDoc: '99/SYT' }));
    expect(r.status).toBe(201);
  });

  it('district level: one person creates, edits and approves', async () => {
    const c = await district.post(
      '/api/v1/communications',
      item({ title: 'Lịch cắt điện quận', scopeRegionId: BACH_KHOA }),
    );
    expect(c.status).toBe(201);
    const a = await district.post(`/api/v1/communications/${c.body.id}/approve`);
    expect(a.body).toMatchObject({ status: 'on_air', level: 'district', scheduled: true, kind: 'text' });
  });

  it("approvers see the higher levels' items reaching their area", async () => {
    const above = (await wardApprover.get('/api/v1/communications/from-above')).body.items.map(
      (i: { id: string }) => i.id,
    );
    expect(above).toContain('tt-0001');
    expect(above).not.toContain(
      (await dept.get('/api/v1/communications')).body.items.find(
        (i: { title: string }) => i.title === 'Chỉ Cầu Giấy',
      ).id,
    );
    const dist = (await wardApprover.get('/api/v1/communications/from-above')).body.items.find(
      (i: { title: string }) => i.title === 'Lịch cắt điện quận',
    );
    expect(dist).toMatchObject({ level: 'district' });
  });

  it('rejects with a reason; an edit brings it back to draft', async () => {
    const c = await wardEditor.post('/api/v1/communications', item({ title: 'Sai chính tả' }));
    const r = await wardApprover.post(`/api/v1/communications/${c.body.id}/reject`, {
      reason: 'Sửa lỗi chính tả',
    });
    expect(r.body).toMatchObject({ status: 'rejected', rejectReason: 'Sửa lỗi chính tả' });
    const e = await wardEditor.patch(`/api/v1/communications/${c.body.id}`, { title: 'Đúng chính tả' });
    expect(e.body).toMatchObject({ status: 'draft', rejectReason: null });
    const audit = (await admin.get('/api/v1/audit?limit=3')).body.items.map(
      (a: { action: string }) => a.action,
    );
    expect(audit).toEqual(expect.arrayContaining(['communication.reject', 'communication.edit']));
  });

  it('delivery per region counts completed plays of the item against its target', async () => {
    const d = await cityOffice.get('/api/v1/communications/tt-0001/delivery');
    expect(d.status).toBe(200);
    expect(d.body.days).toBe(1);
    const hbt = d.body.rows.find((r: { regionId: string }) => r.regionId === HBT);
    expect(hbt.screens).toBeGreaterThan(0);
    expect(hbt.target).toBe(hbt.screens * 8);
    expect(d.body.total.plays).toBe(0);
  });

  it('cadence: offices that aired today are not flagged; after 4 days they are', async () => {
    const now = (await admin.get('/api/v1/communications/cadence')).body;
    const row = (id: string, b = now) => b.rows.find((r: { regionId: string }) => r.regionId === id);
    expect(row(CITY)).toMatchObject({ daysSince: 0, flagged: false });
    expect(row(HBT)).toMatchObject({ daysSince: 0, flagged: false });
    expect(row('ha-noi/hai-ba-trung/minh-khai')).toMatchObject({ daysSince: null, flagged: true });
    // Four days on (read straight from the service: sessions do not last four days).
    const later = cadence(s.app.repos, s.clock.now() + 4 * 86_400_000);
    expect(row(CITY, later)).toMatchObject({ daysSince: 4, flagged: true });
    // A ward approver sees only its own area.
    const ward = (await wardApprover.get('/api/v1/communications/cadence')).body.rows;
    expect(ward.map((r: { regionId: string }) => r.regionId)).toEqual([BACH_KHOA]);
  });

  it('the weekly report lists the flagged offices beside the plays export', async () => {
    const row = await generateWeeklyReport(
      { config: s.app.config, db: s.db, repos: s.app.repos, clock: s.clock },
      'ihanoi-2024',
      '2024-08-29',
      '2024-09-04',
    );
    const csv = readFileSync(
      join(reportsDir(s.app.config), row.file_name.replace(/\.xlsx$/, '-cadence.csv')),
      'utf8',
    );
    expect(csv).toContain('ha-noi/hai-ba-trung/minh-khai');
    expect(csv).toContain('chưa có tin / never');
    // The city aired today: not flagged.
    expect(csv).not.toMatch(/^Thành phố \/ city,ha-noi,/m);

    // The same flags are a sheet of the XLSX report people download from the Reports page.
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(reportsDir(s.app.config), row.file_name));
    const sheet = book.getWorksheet(CADENCE_SHEET);
    expect(sheet).toBeDefined();
    const rows = sheet!.getSheetValues().slice(1) as unknown[][];
    expect(rows[0]!.slice(1)).toEqual(
      expect.arrayContaining(['Địa bàn / Region id', 'Số ngày / Days since']),
    );
    const byRegion = new Map(rows.slice(1).map((r) => [r[2], r]));
    expect(byRegion.get('ha-noi/hai-ba-trung/minh-khai')?.[6]).toBe('chưa có tin / never');
    expect(byRegion.has('ha-noi')).toBe(false);
    // The sheet and the CSV list the same offices.
    const csvRegions = csv.split('\n').filter((l) => /(^|,)"?ha-noi[/,"]/.test(l)).length;
    expect(rows.length - 1).toBe(csvRegions);
    for (const r of rows.slice(1)) expect(csv).toContain(String(r[2]));
  });

  it('the cron job ends items after their last day', async () => {
    const at = s.clock.now();
    s.clock.set(Date.parse('2024-09-21T00:30:00+07:00'));
    await s.app.cron.runJob('communications-advance');
    s.clock.set(at);
    expect((await admin.get('/api/v1/communications/tt-0001')).body.status).toBe('ended');
    // Once ended, the ward may use the document again.
    expect(
      (await wardEditor.post('/api/v1/communications', item({ sourceDoc: '2720/UBND-TTĐT' }))).status,
    ).toBe(201);
  });

  it('other roles have no access', async () => {
    const head = await userClient(s, 'head', 'office_head', [{ kind: 'region', id: HBT }]);
    expect((await head.get('/api/v1/communications')).status).toBe(403);
    expect((await admin.post('/api/v1/communications', item())).status).toBe(403);
    expect((await admin.get('/api/v1/communications')).status).toBe(200);
  });
});

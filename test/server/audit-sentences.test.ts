/**
 * The audit log in sentences: people and sites by name, the time as dd/mm/yyyy HH:mm in the
 * site's zone, and filters by time, person, action and site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditFacets } from '#shared/schemas/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CAMPAIGN, SITES, createUser, login, seedWorld } from './reports/seed.ts';

let t: TestServer;
let auditor: string;
let lan: string;
let manager: string;

beforeAll(async () => {
  // 05/09/2024 14:02 in Hà Nội.
  t = await startTestServer({ clockAt: Date.parse('2024-09-05T14:02:00+07:00') });
  await seedWorld(t.app);
  await createUser(t.app, {
    username: 'kiemtoan',
    role: 'auditor',
    password: 'mat-khau-kiem-toan-1',
    displayName: 'Đỗ Kiểm Toán',
  });
  await createUser(t.app, {
    username: 'lan.nt',
    role: 'office_head',
    password: 'mat-khau-truong-bk-1',
    displayName: 'Nguyễn Thị Lan',
    sites: [SITES[0].id, SITES[1].id],
  });
  await createUser(t.app, {
    username: 'quanly',
    role: 'campaign_manager',
    password: 'mat-khau-quan-ly-1',
    displayName: 'Phạm Quản Lý',
  });
  auditor = await login(t.app, 'kiemtoan', 'mat-khau-kiem-toan-1');
  lan = await login(t.app, 'lan.nt', 'mat-khau-truong-bk-1');
  manager = await login(t.app, 'quanly', 'mat-khau-quan-ly-1');
});
afterAll(async () => t.close());

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: object) =>
  t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
const audit = async (q = '') =>
  (await call('GET', `/api/v1/audit${q}`, auditor)).json<{ items: AuditEntry[] }>().items;

describe('the audit log in sentences', () => {
  it('says who raised which site from what to what, why and when, in the site zone', async () => {
    const r = await call('POST', '/api/v1/overrides', lan, {
      campaignId: CAMPAIGN,
      siteId: SITES[1].id,
      playsPerDay: 12,
      reason: 'Đông người làm thủ tục',
    });
    expect(r.statusCode).toBe(201);
    const [entry] = await audit('?limit=1');
    expect(entry!.text.vi).toBe(
      'Nguyễn Thị Lan nâng tần suất Bộ phận một cửa phường Bách Khoa từ 10 lên 12 lượt/ngày trong chiến dịch "Phát video iHanoi – Công dân Thủ đô số" (lý do: Đông người làm thủ tục)',
    );
    expect(entry!.text.en).toBe(
      'Nguyễn Thị Lan raised the frequency at Bộ phận một cửa phường Bách Khoa from 10 to 12 plays a day in the campaign "Phát video iHanoi – Công dân Thủ đô số" (reason: Đông người làm thủ tục)',
    );
    expect(entry).toMatchObject({
      when: '05/09/2024 14:02',
      zone: 'Asia/Ho_Chi_Minh',
      siteId: SITES[1].id,
      siteName: SITES[1].name,
    });

    const again = await call('POST', '/api/v1/overrides', lan, {
      campaignId: CAMPAIGN,
      siteId: SITES[1].id,
      playsPerDay: 14,
      reason: 'Cuối tháng',
    });
    expect(again.statusCode).toBe(201);
    expect((await audit('?limit=1'))[0]!.text.vi).toMatch(
      /^Nguyễn Thị Lan nâng tần suất Bộ phận một cửa phường Bách Khoa từ 12 lên 14 lượt\/ngày/,
    );
  });

  it('tells a move and a revocation by names', async () => {
    expect((await call('PATCH', '/api/v1/screens/scr-bk-2', lan, { siteId: SITES[0].id })).statusCode).toBe(
      200,
    );
    expect((await audit('?limit=1'))[0]!.text.vi).toBe(
      'Nguyễn Thị Lan chuyển màn hình "Quầy một cửa" từ Bộ phận một cửa phường Bách Khoa sang UBND phường Bách Khoa',
    );
    expect((await call('POST', '/api/v1/screens/scr-ga-1/revoke', manager)).statusCode).toBe(200);
    expect((await audit('?limit=1'))[0]!.text.en).toBe(
      'Phạm Quản Lý revoked the screen "Phòng chờ A" at Ga Hà Nội',
    );
  });

  it('filters by person, action, site and time', async () => {
    const byLan = await audit(`?actor=u-lan.nt`);
    expect(byLan.length).toBe(3);
    expect(new Set(byLan.map((a) => a.actorDisplayName))).toEqual(new Set(['Nguyễn Thị Lan']));
    const raises = await audit('?action=override.raise');
    expect(raises.map((a) => a.detail)).toMatchObject([{ after: 14 }, { after: 12 }]);
    // The one-stop desk: its two raises and the screen moved away from it; not the station's revocation.
    const desk = await audit(`?siteId=${encodeURIComponent(SITES[1].id)}`);
    expect(desk.map((a) => a.action).filter((x) => x !== 'screen.create')).toEqual([
      'screen.move',
      'override.raise',
      'override.raise',
    ]);
    const station = await audit(`?siteId=${encodeURIComponent(SITES[2].id)}`);
    expect(station.map((a) => a.action)).toContain('screen.revoke');
    expect(station.map((a) => a.action)).not.toContain('override.raise');
    // Before the day: nothing of today.
    expect(
      await audit(`?to=${encodeURIComponent('2024-09-05T00:00:00+07:00')}&action=override.raise`),
    ).toEqual([]);

    const facets = (await call('GET', '/api/v1/audit/facets', auditor)).json<AuditFacets>();
    expect(facets.actors).toContainEqual({ id: 'u-lan.nt', name: 'Nguyễn Thị Lan' });
    expect(facets.actions).toContainEqual({
      id: 'override.raise',
      vi: 'nâng tần suất',
      en: 'raised the frequency',
    });
    expect((await call('GET', '/api/v1/audit/facets', lan)).statusCode).toBe(403);
  });
});

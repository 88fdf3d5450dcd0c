import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, enc, login, startSeededServer, userClient } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const SITE = 'mot-cua-phuong-bach-khoa'; // a ward one-stop desk in Hai Bà Trưng: office hours only
const raise = (playsPerDay: number, siteId = SITE, reason = 'Đông người làm thủ tục') => ({
  campaignId: 'ihanoi-2024',
  siteId,
  playsPerDay,
  reason,
});

describe('frequency overrides: raise only, in scope, feasible', () => {
  let s: TestServer;
  let admin: Client;
  let head: Client;
  let staff: Client;
  let auditor: Client;
  const changed: unknown[] = [];

  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    head = await userClient(s, 'head.hbt', 'office_head', [{ kind: 'region', id: 'ha-noi/hai-ba-trung' }]);
    staff = await userClient(s, 'staff', 'venue_staff', [{ kind: 'site', id: SITE }]);
    auditor = await userClient(s, 'auditor', 'auditor');
    s.app.events.on('plan-inputs-changed', (p) => changed.push(p));
  });
  afterAll(() => s.close());

  it('lets the office head raise their own site, recording who, when and why', async () => {
    const r = await head.post('/api/v1/overrides', raise(14));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      campaignId: 'ihanoi-2024',
      siteId: SITE,
      playsPerDay: 14,
      reason: 'Đông người làm thủ tục',
      setByName: 'head.hbt',
    });
    expect(r.body.setAt).toBe(new Date(s.clock.now()).toISOString());
    expect(changed).toContainEqual({ campaignId: 'ihanoi-2024', siteIds: [SITE], reason: 'override.raise' });
    const audit = (await admin.get('/api/v1/audit?limit=1')).body.items[0];
    expect(audit).toMatchObject({ action: 'override.raise', objectId: SITE, actorName: 'head.hbt' });
    expect(audit.detail).toMatchObject({ before: 10, after: 14 });
    const sites = (await head.get('/api/v1/campaigns/ihanoi-2024/sites')).body.items;
    expect(sites.find((x: { siteId: string }) => x.siteId === SITE)).toMatchObject({
      overridePerDay: 14,
      effectivePerDay: 14,
    });
  });

  it('refuses a value below the city target', async () => {
    const r = await head.post('/api/v1/overrides', raise(9));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('OVERRIDE_BELOW_TARGET');
    expect(r.body.minimum).toBe(10);
    expect(r.body.detail).toMatch(/10 plays per day/);
  });

  it('refuses an office head lowering an earlier raise', async () => {
    s.clock.advance(60_000);
    const r = await head.post('/api/v1/overrides', raise(12));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('OVERRIDE_BELOW_TARGET');
    expect(r.body.minimum).toBe(14);
    expect(r.body.errors).toEqual([
      {
        path: 'body.playsPerDay',
        field: 'playsPerDay',
        message:
          'Số lượt phát/ngày: tối thiểu 14 (chỉ được tăng). / Plays per day: must be at least 14 (raise only).',
      },
    ]);
  });

  it('refuses another site, and roles that may not raise', async () => {
    const other = await head.post('/api/v1/overrides', raise(20, 'noi-bai-t1'));
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('OUT_OF_SCOPE');
    expect((await staff.post('/api/v1/overrides', raise(20))).status).toBe(403);
    const a = await auditor.post('/api/v1/overrides', raise(20));
    expect(a.status).toBe(403);
    expect(a.body.code).toBe('FORBIDDEN');
    expect((await head.get(`/api/v1/overrides?site=noi-bai-t1`)).status).toBe(403);
  });

  it('refuses a value the opening hours cannot hold, naming the largest feasible value', async () => {
    const r = await head.post('/api/v1/overrides', raise(900));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('OVERRIDE_INFEASIBLE');
    expect(r.body.maxFeasiblePerDay).toBeGreaterThanOrEqual(14);
    expect(r.body.maxFeasiblePerDay).toBeLessThan(900);
    expect(r.body.detail).toMatch(/Choose at most \d+ plays per day/);
    // The largest feasible value itself is accepted.
    const ok = await head.post('/api/v1/overrides', raise(r.body.maxFeasiblePerDay));
    expect(ok.status).toBe(201);
    const state = await head.get(`/api/v1/overrides/state?campaign=ihanoi-2024&site=${SITE}`);
    expect(state.body).toMatchObject({
      targetPerDay: 10,
      effectivePerDay: r.body.maxFeasiblePerDay,
      maxFeasiblePerDay: r.body.maxFeasiblePerDay,
    });
    expect(state.body.history.map((h: { playsPerDay: number }) => h.playsPerDay)).toEqual([
      r.body.maxFeasiblePerDay,
      14,
    ]);
  });

  it('lets a campaign manager bring a raise back down, but never below the target', async () => {
    s.clock.advance(60_000);
    expect((await admin.post('/api/v1/overrides', raise(9))).status).toBe(422);
    const r = await admin.post('/api/v1/overrides', raise(10, SITE, 'Trả về mức thành phố'));
    expect(r.status).toBe(201);
    const history = await auditor.get(`/api/v1/overrides?site=${SITE}`);
    expect(history.body.items.map((h: { playsPerDay: number }) => h.playsPerDay)[0]).toBe(10);
    expect(history.body.items).toHaveLength(3);
  });

  it('validates the body and refuses sites that do not take part or do not exist', async () => {
    const bad = await head.post('/api/v1/overrides', {
      campaignId: 'ihanoi-2024',
      siteId: SITE,
      playsPerDay: 12.5,
      reason: '',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['body.playsPerDay', 'body.reason']),
    );
    expect((await admin.post('/api/v1/overrides', { ...raise(12), campaignId: 'nope' })).status).toBe(404);
    expect((await admin.post('/api/v1/overrides', raise(12, 'no-such-site'))).status).toBe(404);
  });

  it('lists history in scope only', async () => {
    await admin.post('/api/v1/overrides', raise(11, 'noi-bai-t1', 'Mùa cao điểm'));
    const headView = await head.get('/api/v1/overrides?campaign=ihanoi-2024');
    expect(headView.body.items.every((h: { siteId: string }) => h.siteId === SITE)).toBe(true);
    const all = await auditor.get('/api/v1/overrides');
    expect(all.body.items.map((h: { siteId: string }) => h.siteId)).toContain('noi-bai-t1');
    expect(
      (await head.get(`/api/v1/overrides/state?campaign=ihanoi-2024&site=${enc('noi-bai-t1')}`)).status,
    ).toBe(403);
  });

  it('refuses changes once the campaign is over', async () => {
    s.clock.set(Date.parse('2024-10-11T08:00:00+07:00'));
    const c = await login(s, 'admin', ADMIN_PASSWORD);
    const r = await c.post('/api/v1/overrides', raise(12));
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/is over/);
  });
});

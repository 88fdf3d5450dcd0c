/**
 * Rename and move a screen to another site in scope: the screen keeps its id, so its plays,
 * plans and audit stay with it; plays already made stay counted where they were made; the new
 * site's plan applies from now on; nobody moves a screen into or out of a site outside their scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportResult } from '#shared/schemas/reports.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CAMPAIGN, FIRST, LAST, SITES, createUser, login, seedPlays, seedWorld } from './reports/seed.ts';

let t: TestServer;
let manager: string;
let head: string;
const events: unknown[] = [];
const SCREEN = 'scr-bk-2'; // Quầy một cửa, at SITES[1]

beforeAll(async () => {
  t = await startTestServer();
  await seedWorld(t.app);
  seedPlays(t.app);
  await createUser(t.app, {
    username: 'quanly',
    role: 'campaign_manager',
    password: 'mat-khau-quan-ly-1',
    displayName: 'Phạm Quản Lý',
  });
  await createUser(t.app, {
    username: 'truongbk',
    role: 'office_head',
    password: 'mat-khau-truong-bk-1',
    displayName: 'Nguyễn Thị Lan',
    sites: [SITES[0].id, SITES[1].id],
  });
  manager = await login(t.app, 'quanly', 'mat-khau-quan-ly-1');
  head = await login(t.app, 'truongbk', 'mat-khau-truong-bk-1');
  t.app.events.on('plan-inputs-changed', (e) => events.push(e));
});
afterAll(async () => t.close());

const call = (method: 'GET' | 'PATCH', url: string, token: string, payload?: object) =>
  t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
const period = `campaignId=${CAMPAIGN}&from=${FIRST}&to=${LAST}`;
// The days before the move (it happens on 05/09, the test clock's day).
const beforeMoveDay = `campaignId=${CAMPAIGN}&from=${FIRST}&to=2024-09-04`;
const bySite = async () => {
  const r = (
    await call('GET', `/api/v1/reports/summary?${beforeMoveDay}&groupBy=site`, manager)
  ).json<ReportResult>();
  return new Map(r.groups.map((g) => [g.key, g.plays]));
};

describe('rename and move a screen', () => {
  it('refuses a move out of the mover scope, and a name the new site already has', async () => {
    const out = await call('PATCH', `/api/v1/screens/${SCREEN}`, head, { siteId: SITES[2].id });
    expect(out.statusCode).toBe(403);
    const dup = await call('PATCH', `/api/v1/screens/scr-ga-1`, manager, {
      siteId: SITES[2].id,
      name: 'Phòng chờ B',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0]).toMatchObject({ field: 'name' });
    const nowhere = await call('PATCH', `/api/v1/screens/${SCREEN}`, manager, { siteId: 'khong-co' });
    expect(nowhere.statusCode).toBe(404);
    expect(t.app.repos.screens.get(SCREEN)!.site_id).toBe(SITES[1].id);
  });

  it('moves and renames in one step; the history stays with the screen and the plays where they were made', async () => {
    const before = await bySite();
    const screenPlays = (
      await call('GET', `/api/v1/reports/summary?${period}&groupBy=screen`, manager)
    ).json<ReportResult>();
    const mine = screenPlays.groups.find((g) => g.key === SCREEN)!.plays;
    expect(mine).toBeGreaterThan(0);
    const plansBefore = t.app.repos.plans.plansFrom(SCREEN, FIRST).length;

    const r = await call('PATCH', `/api/v1/screens/${SCREEN}`, head, {
      siteId: SITES[0].id,
      name: 'Quầy tiếp dân',
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: SCREEN, siteId: SITES[0].id, name: 'Quầy tiếp dân' });
    expect(events).toContainEqual({ screenIds: [SCREEN], reason: 'screen.move' });

    // The days before the move stay counted at the one-stop desk; the screen keeps all its plays.
    expect(before.get(SITES[1].id)).toBeGreaterThan(0);
    expect(await bySite()).toEqual(before);
    // From the day of the move on, it counts at its new site.
    const today = `campaignId=${CAMPAIGN}&from=2024-09-05&to=2024-09-05`;
    const moved = (
      await call('GET', `/api/v1/reports/summary?${today}&groupBy=screen`, manager)
    ).json<ReportResult>();
    expect(moved.groups.find((g) => g.key === SCREEN)).toBeDefined();
    const sitesToday = (
      await call('GET', `/api/v1/reports/summary?${today}&groupBy=site`, manager)
    ).json<ReportResult>();
    expect(sitesToday.groups.find((g) => g.key === SITES[1].id)?.screens ?? 0).toBe(0);
    expect(sitesToday.groups.find((g) => g.key === SITES[0].id)!.screens).toBe(2);
    const after = (
      await call('GET', `/api/v1/reports/summary?${period}&groupBy=screen`, manager)
    ).json<ReportResult>();
    expect(after.groups.find((g) => g.key === SCREEN)!.plays).toBe(mine);
    expect(t.app.repos.plans.plansFrom(SCREEN, FIRST).length).toBeGreaterThanOrEqual(plansBefore);

    // The audit says who moved what from where to where; the screen's earlier entries are still its own.
    const audit = (await call('GET', `/api/v1/audit?limit=50`, manager)).json<{
      items: {
        action: string;
        objectId: string;
        actorDisplayName: string;
        detail: Record<string, unknown>;
      }[];
    }>();
    const move = audit.items.find((a) => a.action === 'screen.move')!;
    expect(move).toMatchObject({ objectId: SCREEN, actorDisplayName: 'Nguyễn Thị Lan' });
    expect(move.detail).toMatchObject({
      site_id: { before: SITES[1].id, after: SITES[0].id },
      name: { before: 'Quầy một cửa', after: 'Quầy tiếp dân' },
    });
    expect(audit.items.some((a) => a.action === 'screen.create' && a.objectId === SCREEN)).toBe(true);
  });

  it('renames alone as an update, not a move', async () => {
    const r = await call('PATCH', `/api/v1/screens/${SCREEN}`, head, { name: 'Quầy tiếp dân 1' });
    expect(r.statusCode).toBe(200);
    const audit = (await call('GET', `/api/v1/audit?limit=1`, manager)).json<{
      items: { action: string; detail: Record<string, unknown> }[];
    }>();
    expect(audit.items[0]).toMatchObject({
      action: 'screen.update',
      detail: { name: { before: 'Quầy tiếp dân', after: 'Quầy tiếp dân 1' } },
    });
  });
});

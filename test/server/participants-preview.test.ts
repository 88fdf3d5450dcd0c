import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CAMPAIGN, SITES, createUser, login, seedWorld } from './reports/seed.ts';

let t: TestServer;
let manager: string;
let auditor: string;

beforeAll(async () => {
  t = await startTestServer({ listen: false });
  await seedWorld(t.app);
  await createUser(t.app, { username: 'quanly', role: 'campaign_manager', password: 'mat-khau-quan-ly-1' });
  await createUser(t.app, { username: 'kiemtoan', role: 'auditor', password: 'mat-khau-kiem-toan-1' });
  manager = await login(t.app, 'quanly', 'mat-khau-quan-ly-1');
  auditor = await login(t.app, 'kiemtoan', 'mat-khau-kiem-toan-1');
});
afterAll(() => t.close());

const preview = (body: unknown, token = manager, campaign = CAMPAIGN) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/campaigns/${campaign}/participants/preview`,
    headers: { authorization: `Bearer ${token}` },
    payload: body as object,
  });

const [ubnd, motCua, ga] = SITES.map((s) => s.id);

it('answers with the sites and screens the same rule as the planner takes in, and changes nothing', async () => {
  const before = t.app.repos.campaigns.get(CAMPAIGN)!;
  const cases: Array<[object, string[], number]> = [
    [{ regions: ['ha-noi'], venueTypes: [], sites: [] }, [ga!, motCua!, ubnd!], 4],
    [
      { regions: ['ha-noi'], venueTypes: ['government_office', 'citizen_reception'], sites: [] },
      [motCua!, ubnd!],
      2,
    ],
    [{ regions: ['ha-noi/dong-da'], venueTypes: [], sites: [] }, [ga!], 2],
    // A listed site takes part whatever the filters say.
    [{ regions: ['ha-noi/dong-da'], venueTypes: ['government_office'], sites: [motCua] }, [motCua!], 1],
    // Both filters empty: only the listed sites.
    [{ regions: [], venueTypes: [], sites: [] }, [], 0],
    [{ regions: [], venueTypes: ['train_station'], sites: [] }, [ga!], 2],
  ];
  for (const [body, siteIds, screenCount] of cases) {
    const r = await preview(body);
    expect(r.statusCode, JSON.stringify(body)).toBe(200);
    expect([...r.json().siteIds].sort(), JSON.stringify(body)).toEqual(siteIds);
    expect(r.json().screenCount, JSON.stringify(body)).toBe(screenCount);
  }
  const after = t.app.repos.campaigns.get(CAMPAIGN)!;
  expect(after.version).toBe(before.version);
  expect(after.participants).toBe(before.participants);
});

it('is for campaign managers, on a campaign that exists, with a valid value', async () => {
  expect((await preview({ regions: ['ha-noi'] }, auditor)).statusCode).toBe(403);
  expect((await preview({ regions: ['ha-noi'] }, manager, 'khong-co')).statusCode).toBe(404);
  const bad = await preview({ regions: ['ha-noi'], venueTypes: ['casino'] });
  expect(bad.statusCode).toBe(400);
});

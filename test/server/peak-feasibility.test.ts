/**
 * A peak profile the sites using it cannot play is refused when it is saved, saying which day
 * and site fall short and what to change; a profile that fits is saved as before.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CAMPAIGN, SITES, createUser, login, seedWorld } from './reports/seed.ts';

let t: TestServer;
let manager: string;

beforeAll(async () => {
  t = await startTestServer();
  await seedWorld(t.app);
  const id = await createUser(t.app, {
    username: 'quanly',
    role: 'campaign_manager',
    password: 'mat-khau-quan-ly-1',
  });
  manager = await login(t.app, 'quanly', 'mat-khau-quan-ly-1');
  // The ward office (08:00–17:00 on weekdays) was raised to 60 plays a day.
  t.app.repos.overrides.add(
    { campaignId: CAMPAIGN, siteId: SITES[0].id, playsPerDay: 60, reason: 'Đông người', setBy: id },
    10,
  );
});
afterAll(async () => t.close());

const save = (profile: number[]) =>
  t.app.inject({
    method: 'PATCH',
    url: `/api/v1/campaigns/${CAMPAIGN}`,
    headers: { authorization: `Bearer ${manager}` },
    payload: { peakProfiles: { government_office: profile } },
  });
const savedOffice = () =>
  (JSON.parse(t.app.repos.campaigns.get(CAMPAIGN)!.peak_profiles) as Record<string, number[]>)
    .government_office;

it('refuses a profile that crowds a raised site into one hour, naming the day and the fix', async () => {
  const before = savedOffice();
  // Everything in 09:00–10:00, nothing elsewhere: at most 47 plays of a 15 s video fit in it.
  const oneHour = Array.from({ length: 168 }, (_, i) => (i % 24 === 9 ? 5 : 0));
  const r = await save(oneHour);
  expect(r.statusCode).toBe(422);
  const body = r.json<{ code: string; detail: string; errors: { field: string; message: string }[] }>();
  expect(body.code).toBe('PEAK_PROFILE_INFEASIBLE');
  expect(body.detail).toContain('UBND phường Bách Khoa');
  expect(body.detail).toContain('05/09/2024');
  expect(body.detail).toMatch(/chỉ chứa được 47 lượt.*cần 60 lượt\/ngày.*\/ .*holds only 47 plays/);
  expect(body.errors[0]!.field).toBe('peakProfiles');
  expect(savedOffice()).toEqual(before);
});

it('saves a profile with a wider peak for the same site', async () => {
  const wide = Array.from({ length: 168 }, (_, i) => (i % 24 >= 9 && i % 24 < 12 ? 3 : 1));
  const r = await save(wide);
  expect(r.statusCode).toBe(200);
  expect(savedOffice()).toEqual(wide);
});

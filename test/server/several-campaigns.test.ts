/**
 * Several campaigns on one screen, through the API and the plan service (issue 14, part 3):
 * ubnd-quan-hai-ba-trung takes part in ihanoi-2024 and in giai-phong-thu-do-70 from 26/09/2024.
 * A raise counts the other campaign's plays, and refuses with the number that still fits; a
 * campaign edit does too; the screen gets one merged plan with no overlap and the gap held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFeasible } from '#server/scheduler/index.ts';
import { planJson } from '#server/repositories/plans.ts';
import { planCampaignOf, toPlanSite } from '#server/services/plan-inputs.ts';
import { ADMIN_PASSWORD, login, startSeededServer, type Client } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const SITE = 'ubnd-quan-hai-ba-trung';
const SCREEN = `${SITE}/1`;
const DATE = '2024-10-01'; // a Tuesday inside both campaigns
const MARGIN_MS = 60_000;

describe('several campaigns on one screen (API and plan service)', () => {
  let s: TestServer;
  let admin: Client;

  beforeAll(async () => {
    s = await startSeededServer({ clockAt: Date.parse(`${DATE}T06:00:00+07:00`) });
    admin = await login(s, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => s.close());

  const storedDay = () => {
    const row = s.app.repos.plans.plansFrom(SCREEN, DATE).find((r) => r.local_date === DATE)!;
    return planJson.day(row.plan, SCREEN);
  };

  it('plans both campaigns into one day for the shared screen: both on target, no overlap, the gap held', async () => {
    await s.app.plans.enqueue({ siteIds: [SITE] });
    const day = storedDay();
    const count = (id: string) => day.items.filter((i) => i.campaignId === id).length;
    expect(count('ihanoi-2024')).toBe(10);
    expect(count('giai-phong-thu-do-70')).toBe(6);
    expect(day.campaigns.map((c) => [c.campaignId, c.shortfall])).toEqual([
      ['ihanoi-2024', 0],
      ['giai-phong-thu-do-70', 0],
    ]);
    const sorted = [...day.items].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i]!.start - sorted[i - 1]!.end).toBeGreaterThanOrEqual(MARGIN_MS);
  });

  it('a raise counts the other campaign and is refused, Vietnamese first, with the number that still fits', async () => {
    const state = await admin.get(`/api/v1/overrides/state?campaign=ihanoi-2024&site=${SITE}`);
    expect(state.status).toBe(200);
    const max = state.body.maxFeasiblePerDay as number;
    // Alone, the same site could take more: the other campaign's plays and gaps are what is missing.
    const row = s.app.repos.campaigns.get('ihanoi-2024')!;
    const media = s.app.repos.media.get(row.media_sha256!)!;
    const alone = checkFeasible(
      planCampaignOf(row, { sha256: media.sha256, durationMs: media.duration_ms }),
      toPlanSite(s.app.repos.sites.get(SITE)!),
      max + 1,
      DATE,
    );
    expect(alone.ok).toBe(true);

    const refused = await admin.post('/api/v1/overrides', {
      campaignId: 'ihanoi-2024',
      siteId: SITE,
      playsPerDay: max + 1,
      reason: 'Tuần lễ kỷ niệm',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('OVERRIDE_INFEASIBLE');
    expect(refused.body.maxFeasiblePerDay).toBe(max);
    expect(refused.body.detail).toMatch(/^Không thể đặt/);
    expect(refused.body.detail).toContain('"giai-phong-thu-do-70"');
    expect(refused.body.detail).toContain(`tối đa ${max} lượt/ngày`);
    expect(refused.body.detail).toContain(`Choose at most ${max} plays per day`);

    const ok = await admin.post('/api/v1/overrides', {
      campaignId: 'ihanoi-2024',
      siteId: SITE,
      playsPerDay: max,
      reason: 'Tuần lễ kỷ niệm',
    });
    expect(ok.status).toBe(201);
    await s.app.plans.enqueue({ siteIds: [SITE] });
    s.clock.set(Date.parse(`2024-10-02T06:00:00+07:00`));
    await s.app.plans.enqueue({ siteIds: [SITE] });
    // The next whole day holds both, at the raised rate, without overlap.
    const row2 = s.app.repos.plans
      .plansFrom(SCREEN, '2024-10-02')
      .find((r) => r.local_date === '2024-10-02')!;
    const day = planJson.day(row2.plan, SCREEN);
    expect(day.items.filter((i) => i.campaignId === 'ihanoi-2024')).toHaveLength(max);
    expect(day.items.filter((i) => i.campaignId === 'giai-phong-thu-do-70')).toHaveLength(6);
    const sorted = [...day.items].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i]!.start - sorted[i - 1]!.end).toBeGreaterThanOrEqual(MARGIN_MS);
  });

  it('a campaign edit that no longer fits beside the other campaign is refused with the site and the number', async () => {
    admin = await login(s, 'admin', ADMIN_PASSWORD); // the clock moved a day on
    const r = await admin.patch('/api/v1/campaigns/giai-phong-thu-do-70', { targetPerDay: 200 });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('CAMPAIGN_INFEASIBLE');
    expect(r.body.detail).toMatch(/^Điểm đặt "/);
    expect(r.body.detail).toContain(`tối đa ${r.body.maxFeasiblePerDay} lượt/ngày`);
    expect(r.body.maxFeasiblePerDay).toBeLessThan(200);
    expect(s.app.repos.campaigns.get('giai-phong-thu-do-70')!.target_per_day).toBe(6);
    // One more play a day does not fit either: the raise above left the screen exactly 6.
    expect((await admin.patch('/api/v1/campaigns/giai-phong-thu-do-70', { targetPerDay: 7 })).status).toBe(
      422,
    );
    // A change that fits goes through.
    const ok = await admin.patch('/api/v1/campaigns/giai-phong-thu-do-70', { priority: 3 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ priority: 3, targetPerDay: 6 });
  });
});

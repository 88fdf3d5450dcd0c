/**
 * The issue's second-raise scenario on a real database: the plan service's make-goods and the
 * reports' targets come from the same raise history, so what the reports say a screen owes is
 * what the plans make good.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachDate, instantToZoned, toIsoWithOffset, zonedToInstant } from '#shared/time.ts';
import { planJson } from '#server/repositories/plans.ts';
import type { PlayInsert } from '#server/repositories/reports.ts';
import { loadContext, screenDayRows, sitesFor } from '#server/reports/aggregate.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { CAMPAIGN, MEDIA, SITES, ZONE, createUser, seedWorld } from '../reports/seed.ts';

const DESK = SITES[1].id; // one-stop desk, open 07:00–19:00 every day
const SCREEN = 'scr-bk-2';

function plays(date: string, n: number, from: number): PlayInsert[] {
  return Array.from({ length: n }, (_, i) => {
    const start = zonedToInstant(date, 7 * 60 + 5 + i * 40, ZONE);
    return {
      play_id: randomUUID(),
      screen_id: SCREEN,
      site_id: DESK,
      campaign_id: CAMPAIGN,
      media_sha256: MEDIA,
      plan_item_id: null,
      planned_at: null,
      planned_ms: null,
      started_at: toIsoWithOffset(start, ZONE),
      started_ms: start,
      ended_at: toIsoWithOffset(start + 15_000, ZONE),
      ended_ms: start + 15_000,
      seconds_shown: 15,
      outcome: 'completed',
      reason: null,
      player_version: '1.0.0',
      seq: from + i,
      prev_hash: 'x',
      hash: `h-${date}-${i}`,
      chain_status: 'ok',
      local_date: date,
      local_hour: instantToZoned(start, ZONE).hour,
      in_peak: 0,
      received_at_ms: start + 60_000,
    };
  });
}

describe('targets from the whole raise history (plan service and reports)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ listen: false });
    await seedWorld(srv.app);
    srv.app.repos.campaigns.update(CAMPAIGN, { last_day: '2024-09-30' }, 'test');
    await createUser(srv.app, { username: 'truong-mot-cua', role: 'office_head', password: 'x'.repeat(12) });
  });
  afterAll(async () => srv.close());

  it('raise Mon 14:00, off Tue, raise again Thu: Tue is owed at the first raise and made good', () => {
    const r = srv.app.repos;
    const raise = (date: string, time: string, perDay: number, before: number) => {
      srv.clock.set(zonedToInstant(date, time, ZONE));
      r.overrides.add(
        {
          campaignId: CAMPAIGN,
          siteId: DESK,
          playsPerDay: perDay,
          reason: 'đông',
          setBy: 'u-truong-mot-cua',
        },
        before,
      );
    };
    raise('2024-09-02', '14:00', 15, 10);
    // Monday played its raised target, Tuesday nothing (the desk's PC was off), Wednesday 15.
    r.reports.insertPlays([...plays('2024-09-02', 15, 1), ...plays('2024-09-04', 15, 16)]);
    raise('2024-09-05', '10:00', 20, 15);
    srv.app.plans.replan({ siteIds: [DESK] });

    const ctx = loadContext(r, CAMPAIGN, srv.clock.now());
    const sites = sitesFor(ctx, { siteId: DESK }, null);
    const owed = eachDate('2024-09-02', '2024-09-04').map((d) => {
      const row = screenDayRows(r, ctx, sites, d, false).find((x) => x.screenId === SCREEN)!;
      return { target: row.target, plays: row.plays };
    });
    expect(owed.map((o) => o.target)).toEqual([15, 15, 15]);
    const deficit = owed.reduce((s, o) => s + o.target - o.plays, 0);
    expect(deficit).toBe(15);

    const days = r.plans
      .plansFrom(SCREEN, '2024-09-05')
      .map((x) => planJson.day(x.plan, x.local_date).campaigns[0]!);
    expect(days[0]!.baseTarget).toBe(20);
    // Every missed play is planned again within the week (cap: half of 20 a day).
    expect(days.reduce((s, d) => s + d.makeGood, 0)).toBe(deficit);
  });
});

describe('a manager lowers a raise (plan service and reports)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ listen: false });
    await seedWorld(srv.app);
    srv.app.repos.campaigns.update(CAMPAIGN, { last_day: '2024-09-30' }, 'test');
    await createUser(srv.app, { username: 'quan-ly', role: 'campaign_manager', password: 'x'.repeat(12) });
  });
  afterAll(async () => srv.close());

  it('raise to 18 Mon 14:00, off Tue, lowered to 10 Thu: Mon–Wed stay owed at 18 and Tue is made good', () => {
    const r = srv.app.repos;
    const set = (date: string, time: string, perDay: number, before: number) => {
      srv.clock.set(zonedToInstant(date, time, ZONE));
      r.overrides.add(
        { campaignId: CAMPAIGN, siteId: DESK, playsPerDay: perDay, reason: 'đông', setBy: 'u-quan-ly' },
        before,
      );
    };
    set('2024-09-02', '14:00', 18, 10);
    r.reports.insertPlays([...plays('2024-09-02', 18, 1), ...plays('2024-09-04', 18, 19)]);
    set('2024-09-05', '10:00', 10, 18);
    srv.app.plans.replan({ siteIds: [DESK] });

    const ctx = loadContext(r, CAMPAIGN, srv.clock.now());
    const sites = sitesFor(ctx, { siteId: DESK }, null);
    const targets = eachDate('2024-09-02', '2024-09-04').map(
      (d) => screenDayRows(r, ctx, sites, d, false).find((x) => x.screenId === SCREEN)!.target,
    );
    expect(targets).toEqual([18, 18, 18]);

    const days = r.plans
      .plansFrom(SCREEN, '2024-09-05')
      .map((x) => planJson.day(x.plan, x.local_date).campaigns[0]!);
    expect(days[0]!.baseTarget).toBe(10);
    // Tuesday's 18 are planned again (at most half of 10 a day), not Tuesday's 10 at the new rate.
    expect(days.reduce((s, d) => s + d.makeGood, 0)).toBe(18);
  });
});

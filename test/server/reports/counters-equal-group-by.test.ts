/**
 * The report queries read the counters kept at ingest (migration 140) instead of aggregating the
 * raw plays. On a seeded database with every kind of play (verified and not, peak and not, failed,
 * a screen that played at two sites on one day), what they return must be exactly what the
 * GROUP BY over plays that reports ran before returned, for every day and every site scope; and
 * the plan service's completed plays per day (make-goods) must be what its count over plays was.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, eachDate } from '#shared/time.ts';
import type { PlayInsert } from '#server/repositories/reports.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { CAMPAIGN, FIRST, LAST, SCREENS, SITES, seedPlays, seedWorld } from './seed.ts';

// The queries of server/repositories/reports.ts before the counters, kept here as the reference.
const SCOPE = `(@sites IS NULL OR site_id IN (SELECT value FROM json_each(@sites)))`;
const SCREEN_DAY_OVER_PLAYS = `SELECT screen_id, MIN(site_id) AS site_id,
      SUM(outcome = 'completed' AND chain_status = 'ok') AS plays,
      SUM(outcome = 'completed' AND chain_status = 'ok' AND in_peak) AS peak_plays,
      SUM(outcome = 'completed' AND chain_status <> 'ok') AS unverified,
      SUM(outcome <> 'completed') AS not_completed
   FROM plays INDEXED BY plays_campaign_day WHERE campaign_id = @campaign AND local_date = @date AND ${SCOPE}
   GROUP BY screen_id`;
const SITE_HOURS_OVER_PLAYS = `SELECT site_id, local_date, local_hour,
      SUM(outcome = 'completed' AND chain_status = 'ok') AS plays,
      SUM(outcome = 'completed' AND chain_status = 'ok' AND in_peak) AS peak_plays,
      SUM(outcome = 'completed' AND chain_status <> 'ok') AS unverified
   FROM plays INDEXED BY plays_campaign_day WHERE campaign_id = @campaign AND local_date = @date AND ${SCOPE}
   GROUP BY site_id, local_hour ORDER BY site_id, local_hour`;

const ACHIEVED_OVER_PLAYS = `SELECT local_date, COUNT(*) AS n FROM plays
   WHERE screen_id = ? AND +campaign_id = ? AND outcome = 'completed' GROUP BY local_date`;

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clockAt: Date.parse('2024-09-09T10:00:00+07:00') });
  await seedWorld(t.app);
  seedPlays(t.app, { brokenScreen: 'scr-ga-2' });
  // What the seed does not have: unverified plays in peak hours, interrupted plays, and a screen
  // whose plays on one day were stored at two sites (moved during the day).
  const base = t.db.prepare('SELECT * FROM plays ORDER BY started_ms LIMIT 1').get() as PlayInsert;
  const extra: PlayInsert[] = [];
  let seq = 10_000;
  for (const [i, date] of eachDate(FIRST, LAST).entries()) {
    for (const hour of [8, 9, 15]) {
      extra.push({
        ...base,
        play_id: randomUUID(),
        screen_id: 'scr-ga-1',
        site_id: SITES[2].id,
        seq: seq++,
        chain_status: i % 2 ? 'mismatch' : 'gap',
        outcome: 'completed',
        local_date: date,
        local_hour: hour,
        in_peak: hour < 11 ? 1 : 0,
      });
      extra.push({
        ...base,
        play_id: randomUUID(),
        screen_id: 'scr-bk-2',
        site_id: SITES[1].id,
        seq: seq++,
        outcome: 'interrupted',
        reason: 'power',
        local_date: date,
        local_hour: hour,
        in_peak: hour < 11 ? 1 : 0,
      });
    }
  }
  extra.push({
    ...base,
    play_id: randomUUID(),
    screen_id: 'scr-bk-2',
    site_id: SITES[0].id,
    seq: seq++,
    outcome: 'completed',
    chain_status: 'ok',
    local_date: '2024-09-04',
    local_hour: 9,
    in_peak: 1,
  });
  t.app.repos.reports.insertPlays(extra);
  // Re-verification rewrites chain status in place: the counters follow it.
  t.db.prepare(`UPDATE plays SET chain_status = 'gap' WHERE screen_id = 'scr-bk-1' AND local_hour = 9`).run();
});

afterAll(async () => {
  await t.close();
});

const byScreen = (rows: unknown[]) =>
  [...(rows as { screen_id: string }[])].sort((a, b) => a.screen_id.localeCompare(b.screen_id));

describe('report counters against the GROUP BY over plays', () => {
  const scopes: (ReadonlySet<string> | null)[] = [
    null,
    new Set([SITES[0].id]),
    new Set([SITES[1].id, SITES[2].id]),
    new Set<string>(),
  ];

  it('per screen and day: the same rows and counts, for every day and scope', () => {
    const slow = t.db.prepare(SCREEN_DAY_OVER_PLAYS);
    let compared = 0;
    for (const date of eachDate(addDays(FIRST, -1), addDays(LAST, 1)))
      for (const scope of scopes) {
        const sites = scope ? JSON.stringify([...scope]) : null;
        const expected = byScreen(slow.all({ campaign: CAMPAIGN, date, sites }));
        expect(byScreen([...t.app.repos.reports.screenDay(CAMPAIGN, date, scope).values()])).toEqual(
          expected,
        );
        compared += expected.length;
      }
    // The comparison covered real rows, not only empty days.
    expect(compared).toBeGreaterThan(50);
  });

  it('per site and hour: the same rows, counts and order, for every day and scope', () => {
    const slow = t.db.prepare(SITE_HOURS_OVER_PLAYS);
    let compared = 0;
    for (const date of eachDate(addDays(FIRST, -1), addDays(LAST, 1)))
      for (const scope of scopes) {
        const sites = scope ? JSON.stringify([...scope]) : null;
        const expected = slow.all({ campaign: CAMPAIGN, date, sites });
        expect(t.app.repos.reports.siteHoursOfDay(CAMPAIGN, date, scope)).toEqual(expected);
        compared += expected.length;
      }
    expect(compared).toBeGreaterThan(50);
  });

  it('completed plays per screen and day for make-goods: the same as the count over plays', () => {
    const slow = t.db.prepare<[string, string], { local_date: string; n: number }>(ACHIEVED_OVER_PLAYS);
    for (const screen of SCREENS) {
      const expected = Object.fromEntries(slow.all(screen.id, CAMPAIGN).map((r) => [r.local_date, r.n]));
      expect(Object.keys(expected).length).toBeGreaterThan(3);
      expect(t.app.repos.plans.achieved(screen.id, CAMPAIGN)).toEqual(expected);
    }
    expect(t.app.repos.plans.achieved('scr-bk-1', 'no-such-campaign')).toEqual({});
  });
});

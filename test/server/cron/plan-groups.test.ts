/**
 * The plan service plans once per group of screens with equal inputs and stamps each screen's
 * copy (issue 13, item 5). Its answer must be the one planning every screen alone gives: the
 * same stored days, versions, unsettled days and plan messages, byte for byte. Random fleets
 * (fixed seed, a few cases): screens paired at different times or not at all, settled or not,
 * with plays of their own on some days, re-planned at the first plans, at the next midnight and
 * mid-day after more plays.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantToZoned, toIsoWithOffset, zonedToInstant } from '#shared/time.ts';
import { createPlanService } from '#server/cron/plan-service.ts';
import { planJson } from '#server/repositories/plans.ts';
import type { PlayInsert } from '#server/repositories/reports.ts';
import { screenTag } from '#server/scheduler/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { CAMPAIGN, MEDIA, SCREENS, SITES, ZONE, seedWorld } from '../reports/seed.ts';

interface FleetScreen {
  site: number;
  /** 0: not paired, 1: paired before the campaign, 2: paired on 03/09 at `pairHour`. */
  paired: 0 | 1 | 2;
  pairHour: number;
  /** Settled (no backlog) up to this hour of 04/09, or never. */
  settledHour: number | null;
  /** Completed plays on 03/09 and 04/09 (null: the same as every other screen: none). */
  plays: [number, number] | null;
}

// Few values each, so that many screens share a site and a history (and get grouped) and many
// differ from another in one input only (and must not be).
const fleetScreen = fc.record({
  site: fc.integer({ min: 0, max: SITES.length - 1 }),
  paired: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
  pairHour: fc.constantFrom(3, 9, 15),
  settledHour: fc.constantFrom(null, 12, 23),
  plays: fc.constantFrom<[number, number] | null>(null, [10, 10], [3, 0], [10, 4]),
});

/** A screen at the station, open 06:00–22:00 every day, paired before the campaign. */
const same: FleetScreen = { site: 2, paired: 1, pairHour: 9, settledHour: null, plays: null };

function plays(screenId: string, siteId: string, date: string, n: number, seq: number): PlayInsert[] {
  return Array.from({ length: n }, (_, i) => {
    const start = zonedToInstant(date, 7 * 60 + 5 + i * 40, ZONE);
    return {
      play_id: randomUUID(),
      screen_id: screenId,
      site_id: siteId,
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
      seq: seq + i,
      prev_hash: 'x',
      hash: `h-${screenId}-${date}-${i}`,
      chain_status: 'ok',
      local_date: date,
      local_hour: instantToZoned(start, ZONE).hour,
      in_peak: 0,
      received_at_ms: start + 60_000,
    };
  });
}

async function world(fleet: FleetScreen[]): Promise<TestServer> {
  const srv = await startTestServer({ listen: false, clockAt: zonedToInstant('2024-09-04', '07:30', ZONE) });
  await seedWorld(srv.app);
  const r = srv.app.repos;
  const set = srv.db.prepare('UPDATE screens SET paired_at_ms = ?, settled_ms = ? WHERE id = ?');
  fleet.forEach((s, i) => {
    const id = `grp-${i}`;
    const siteId = SITES[s.site]!.id;
    r.screens.create({ id, siteId, name: `Màn hình ${i}` }, 'test');
    const pairedAt =
      s.paired === 0
        ? null
        : s.paired === 1
          ? zonedToInstant('2024-09-01', '12:00', ZONE)
          : zonedToInstant('2024-09-03', `${String(s.pairHour).padStart(2, '0')}:17`, ZONE);
    const settled =
      s.settledHour === null
        ? null
        : zonedToInstant('2024-09-04', `${String(s.settledHour).padStart(2, '0')}:00`, ZONE);
    set.run(pairedAt, settled, id);
    if (s.plays)
      r.reports.insertPlays([
        ...plays(id, siteId, '2024-09-03', s.plays[0], 1),
        ...plays(id, siteId, '2024-09-04', s.plays[1], 100),
      ]);
  });
  await srv.app.plans.idle();
  return srv;
}

/** Everything a re-plan writes, in a fixed order. */
function written(srv: TestServer) {
  return {
    plans: srv.db
      .prepare('SELECT screen_id, local_date, version, inputs_hash, plan FROM screen_plans ORDER BY 1, 2')
      .all(),
    messages: srv.db.prepare('SELECT screen_id, version, message FROM plan_messages ORDER BY 1').all(),
    screens: srv.db.prepare('SELECT id, plan_version, unsettled_from FROM screens ORDER BY 1').all(),
  };
}

/** Item ids per screen and date, from the stored days. */
function itemIds(srv: TestServer): Map<string, Map<string, { hash: string; ids: string[] }>> {
  const out = new Map<string, Map<string, { hash: string; ids: string[] }>>();
  const rows = srv.db
    .prepare('SELECT screen_id, local_date, inputs_hash, plan FROM screen_plans')
    .all() as Array<{ screen_id: string; local_date: string; inputs_hash: string; plan: string }>;
  for (const r of rows) {
    const days = out.get(r.screen_id) ?? new Map();
    days.set(r.local_date, {
      hash: r.inputs_hash,
      ids: planJson.day(r.plan, r.local_date).items.map((i) => i.id),
    });
    out.set(r.screen_id, days);
  }
  return out;
}

describe('the plan service plans once per group of equal inputs', () => {
  it('writes exactly what planning each screen alone writes, with ids unique per screen and stable', async () => {
    let groupedAtLeastOnce = false;
    await fc.assert(
      fc.asyncProperty(fc.array(fleetScreen, { minLength: 8, maxLength: 24 }), async (fleet) => {
        const grouped = await world(fleet);
        const alone = await world(fleet);
        try {
          expect(written(grouped)).toEqual(written(alone));
          const a = createPlanService({ repos: grouped.app.repos, clock: grouped.clock });
          const b = createPlanService({ repos: alone.app.repos, clock: alone.clock, planEachScreen: true });
          const steps: Array<{ at: number; more?: boolean }> = [
            // First plans, mid-day (today is re-planned from now on).
            { at: zonedToInstant('2024-09-04', '07:30', ZONE) },
            // The midnight rollover.
            { at: zonedToInstant('2024-09-05', '00:00:05', ZONE) },
            // Mid-day after every screen played a little more, and now settled and paired alike:
            // screens whose stored days differ come to have equal inputs otherwise.
            { at: zonedToInstant('2024-09-05', '10:00', ZONE), more: true },
          ];
          let before = new Map<string, Map<string, { hash: string; ids: string[] }>>();
          for (const step of steps) {
            for (const srv of [grouped, alone]) {
              srv.clock.set(step.at);
              if (step.more) {
                for (const s of [
                  ...SCREENS.map((x) => ({ id: x.id, site: x.site })),
                  ...fleet.map((f, i) => ({ id: `grp-${i}`, site: SITES[f.site]!.id })),
                ])
                  srv.app.repos.reports.insertPlays(plays(s.id, s.site, '2024-09-05', 2, 500));
                srv.db
                  .prepare(
                    'UPDATE screens SET settled_ms = ?, paired_at_ms = CASE WHEN paired_at_ms IS NULL THEN NULL ELSE ? END',
                  )
                  .run(
                    zonedToInstant('2024-09-05', '09:00', ZONE),
                    zonedToInstant('2024-09-01', '12:00', ZONE),
                  );
              }
            }
            const { scheduled, ...ra } = a.replan();
            const { scheduled: each, ...rb } = b.replan();
            expect(ra).toEqual(rb);
            expect(each).toBe(rb.screens);
            if (scheduled < ra.screens) groupedAtLeastOnce = true;
            expect(written(grouped)).toEqual(written(alone));

            const ids = itemIds(grouped);
            for (const [screenId, days] of ids) {
              const all = [...days.values()].flatMap((d) => d.ids);
              expect(new Set(all).size).toBe(all.length);
              // Each id names its screen.
              for (const id of all) expect(id.endsWith(`-${screenTag(screenId)}`)).toBe(true);
              // A day with the same inputs keeps its ids across re-plans.
              for (const [date, d] of days) {
                const prev = before.get(screenId)?.get(date);
                if (prev && prev.hash === d.hash) expect(d.ids).toEqual(prev.ids);
              }
            }
            before = ids;
          }
        } finally {
          await grouped.close();
          await alone.close();
        }
      }),
      {
        seed: 13,
        numRuns: 4,
        endOnFailure: true,
        // Pairs of screens at one site that differ in one input only, beside copies of each.
        examples: [
          [
            [
              same,
              same,
              { ...same, settledHour: 23 },
              { ...same, plays: [3, 0] },
              { ...same, paired: 2 },
              { ...same, paired: 2, pairHour: 15 },
              { ...same, paired: 0 },
              { ...same, settledHour: 23, plays: [10, 4] },
              { ...same, plays: [10, 4] },
            ],
          ],
        ],
      },
    );
    // The cases did exercise the grouped path, not only screens planned alone.
    expect(groupedAtLeastOnce).toBe(true);
  }, 240_000);
});

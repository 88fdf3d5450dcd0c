import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localDateOf, zonedToInstant } from '#shared/time.ts';
import { CAMPAIGN_INSTANT, startTestServer, type TestServer } from '../../helpers/server.ts';
import { loadPlaylists } from '#server/playlists/load.ts';
import {
  createCronRunner,
  JOBS,
  ROLLOVER_JOB,
  rolloverDueZones,
  rolloverKey,
  weeklyPeriods,
} from '#server/cron/jobs.ts';
import { latestDue, parseCron } from '#server/cron/schedule.ts';
import { planJson } from '#server/repositories/plans.ts';

const parseStoredDay = (plan: string) => planJson.day(plan, 'test');

const HCM = 'Asia/Ho_Chi_Minh';
const PLAYLISTS = fileURLToPath(new URL('../../../playlists/', import.meta.url));

describe('latestDue (cron expressions on a Clock)', () => {
  it('finds the latest Thursday 14:00 in Hà Nội', () => {
    const weekly = parseCron('0 14 * * 4');
    const thu = zonedToInstant('2024-09-05', '14:00', HCM);
    expect(latestDue(weekly, HCM, thu)).toBe(thu);
    expect(latestDue(weekly, HCM, thu - 1)).toBe(zonedToInstant('2024-08-29', '14:00', HCM));
    expect(latestDue(weekly, HCM, zonedToInstant('2024-09-09', '09:00', HCM))).toBe(thu);
  });

  it('handles seconds fields and local midnight in a DST zone', () => {
    expect(latestDue(parseCron('*/30 * * * * *'), 'UTC', Date.parse('2024-09-05T01:02:47Z'))).toBe(
      Date.parse('2024-09-05T01:02:30Z'),
    );
    const berlin = 'Europe/Berlin';
    const midnight = parseCron('0 0 * * *');
    // The day after spring-forward, and the fall-back day itself.
    expect(latestDue(midnight, berlin, Date.parse('2024-03-31T12:00:00Z'))).toBe(
      Date.parse('2024-03-30T23:00:00Z'),
    );
    expect(latestDue(midnight, berlin, Date.parse('2024-10-27T12:00:00Z'))).toBe(
      Date.parse('2024-10-26T22:00:00Z'),
    );
  });

  it('every job in the table has a valid expression and an IANA zone', () => {
    for (const job of JOBS) {
      expect(() => parseCron(job.cron)).not.toThrow();
      expect(() => new Intl.DateTimeFormat('en', { timeZone: job.timezone })).not.toThrow();
    }
    expect(new Set(JOBS.map((j) => j.name)).size).toBe(JOBS.length);
  });
});

describe('weeklyPeriods', () => {
  it('covers the campaign in Thursday-to-Wednesday weeks, the last one after 10/10', () => {
    const all = weeklyPeriods('2024-08-17', '2024-10-10', HCM, zonedToInstant('2024-10-31', '00:00', HCM));
    expect(all[0]).toEqual({ first: '2024-08-17', last: '2024-08-21', thursday: '2024-08-22' });
    expect(all.at(-1)).toEqual({ first: '2024-10-10', last: '2024-10-10', thursday: '2024-10-17' });
    const days = all.reduce((n, p) => n + (Date.parse(p.last) - Date.parse(p.first)) / 86_400_000 + 1, 0);
    expect(days).toBe(55);
  });
});

describe('plan service and cron jobs on a real database', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ listen: false });
    await loadPlaylists({
      db: srv.db,
      repos: srv.app.repos,
      clock: srv.clock,
      playlistsDir: PLAYLISTS,
      dataDir: srv.dataDir,
    });
  });
  afterAll(async () => srv.close());

  const daysOf = (screenId: string) => srv.app.repos.plans.plansFrom(screenId, '2000-01-01');

  it('plans every screen for 7 days with exact counts, and re-planning unchanged inputs changes nothing', () => {
    const first = srv.app.plans.replan();
    expect(first.screens).toBeGreaterThan(40);
    expect(first.changedScreens.length).toBe(first.screens);
    const screen = srv.app.repos.plans.screens()[0]!;
    const rows = daysOf(screen.id);
    expect(rows).toHaveLength(7);
    expect(rows[0]!.local_date).toBe('2024-09-05');
    for (const r of rows) {
      const day = parseStoredDay(r.plan);
      const facts = day.campaigns[0]!;
      expect(day.items).toHaveLength(facts.target);
      expect(day.items.every((i) => i.campaignId === 'ihanoi-2024')).toBe(true);
    }
    const versionBefore = srv.app.repos.plans.maxVersion(screen.id);
    const again = srv.app.plans.replan();
    expect(again.changedScreens).toEqual([]);
    expect(srv.app.repos.plans.maxVersion(screen.id)).toBe(versionBefore);
  });

  it('a raise at one site re-plans only its screens, keeps the morning, and bumps the version', () => {
    const site = srv.app.repos.plans.site(srv.app.repos.plans.screens()[0]!.site_id)!;
    const screens = srv.app.repos.plans.screens().filter((s) => s.site_id === site.id);
    const other = srv.app.repos.plans.screens().find((s) => s.site_id !== site.id)!;
    const otherVersion = srv.app.repos.plans.maxVersion(other.id);
    srv.clock.set(zonedToInstant('2024-09-05', '14:00', HCM));
    const today = localDateOf(srv.clock.now(), site.time_zone);
    const before = parseStoredDay(daysOf(screens[0]!.id).find((r) => r.local_date === today)!.plan);
    const versionBefore = srv.app.repos.plans.maxVersion(screens[0]!.id);

    srv.app.repos.users.insert({
      id: 'u-head',
      username: 'truong-don-vi',
      display_name: 'Trưởng đơn vị',
      role: 'office_head',
      password_hash: 'x',
      must_change_password: 0,
      created_at_ms: srv.clock.now(),
    });
    srv.app.repos.overrides.add(
      { campaignId: 'ihanoi-2024', siteId: site.id, playsPerDay: 30, reason: 'đông khách', setBy: 'u-head' },
      10,
    );
    const r = srv.app.plans.replan({ siteIds: [site.id] });
    expect(new Set(r.changedScreens)).toEqual(new Set(screens.map((s) => s.id)));

    const after = parseStoredDay(daysOf(screens[0]!.id).find((x) => x.local_date === today)!.plan);
    const now = srv.clock.now();
    // No plays were reported this morning, so all 30 are still to come after 14:00; the
    // morning's planned items stay in the plan unchanged (same ids) for the player's journal.
    expect(after.campaigns[0]).toMatchObject({ target: 30, alreadyPlayed: 0 });
    expect(after.items.filter((i) => i.start >= now)).toHaveLength(30);
    expect(after.items.filter((i) => i.start < now)).toEqual(before.items.filter((i) => i.start < now));
    expect(srv.app.repos.plans.maxVersion(screens[0]!.id)).toBe(versionBefore + 1);
    expect(srv.app.repos.plans.maxVersion(other.id)).toBe(otherVersion);
  });

  it('runs due jobs once per period, catching up the weekly reports missed before start', async () => {
    const ran = await srv.app.cron.runDue();
    expect(ran).toEqual(expect.arrayContaining(['plans-rollover', 'weekly-report', 'campaign-close']));
    const reports = srv.app.repos.reports.listReports().filter((x) => x.kind === 'weekly');
    // Thursdays 22/08 and 29/08 were due by 05/09 08:00; 05/09 14:00 itself is due now.
    expect(reports.map((x) => `${x.period_first}..${x.period_last}`).sort()).toEqual([
      '2024-08-17..2024-08-21',
      '2024-08-22..2024-08-28',
      '2024-08-29..2024-09-04',
    ]);
    for (const x of reports) expect(existsSync(join(srv.dataDir, 'reports', x.file_name))).toBe(true);
    const second = await srv.app.cron.runDue();
    expect(second).not.toContain('weekly-report');
    expect(second).not.toContain('plans-rollover');
  });

  it('marks screens left online by a previous process offline after two missed heartbeats', async () => {
    const [a, b, c] = srv.app.repos.plans.screens();
    const now = srv.clock.now();
    const set = (id: string, seen: number) =>
      srv.db.prepare(`UPDATE screens SET status = 'online', last_seen_ms = ? WHERE id = ?`).run(seen, id);
    // Last seen before this server started: nobody is watching its socket any more.
    set(a!.id, CAMPAIGN_INSTANT - 61_000);
    // Seen 20 s ago: fine.
    set(b!.id, now - 20_000);
    // Seen since start but long ago on the (virtual) clock: the gateway's pong count decides.
    set(c!.id, now - 3_600_000);
    srv.clock.advance(30_000);
    expect(await srv.app.cron.runJob('screens-offline')).toBe(true);
    expect(srv.app.repos.screens.get(a!.id)!.status).toBe('offline');
    expect(srv.app.repos.screens.get(b!.id)!.status).toBe('online');
    expect(srv.app.repos.screens.get(c!.id)!.status).toBe('online');
  });

  it('rolls over at local midnight and closes the campaign at the end of 10/10/2024', async () => {
    srv.clock.set(zonedToInstant('2024-09-06', '00:00:10', HCM));
    expect(await srv.app.cron.runDue()).toContain('plans-rollover');
    const screen = srv.app.repos.plans.screens()[0]!;
    expect(daysOf(screen.id).at(-1)!.local_date).toBe('2024-09-12');

    srv.clock.set(zonedToInstant('2024-10-10', '23:59:59', HCM));
    await srv.app.cron.runDue();
    expect(srv.app.repos.campaigns.get('ihanoi-2024')!.status).toBe('active');
    srv.clock.set(zonedToInstant('2024-10-11', '00:00:01', HCM));
    expect(await srv.app.cron.runDue()).toContain('campaign-close');
    expect(srv.app.repos.campaigns.get('ihanoi-2024')!.status).toBe('closed');
    srv.app.plans.replan();
    for (const r of srv.app.repos.plans.plansFrom(screen.id, '2024-10-11'))
      expect(parseStoredDay(r.plan).items).toEqual([]);
  });
});

describe('the cron plugin', () => {
  // Driven by hand: cron off, so no real-time tick can start a rollover in the middle of the
  // test (the old version raced one about 1 run in 15).
  it('re-plans when plan inputs change, through one queue that the rollover also waits in', async () => {
    const srv = await startTestServer({ listen: false });
    try {
      await loadPlaylists({
        db: srv.db,
        repos: srv.app.repos,
        clock: srv.clock,
        playlistsDir: PLAYLISTS,
        dataDir: srv.dataDir,
      });
      const updated: string[] = [];
      srv.app.events.on('plans-updated', (e) => updated.push(...e.screenIds));
      srv.app.events.emit('plan-inputs-changed', { campaignId: 'ihanoi-2024', reason: 'test' });
      await srv.app.plans.idle();
      const screens = srv.app.repos.plans.screens();
      expect(new Set(updated)).toEqual(new Set(screens.map((s) => s.id)));
      expect(srv.app.repos.plans.plansFrom(screens[0]!.id, '2024-09-05')).toHaveLength(7);

      // The next midnight: a re-plan in slices of 10 is queued, then the rollover job runs. The
      // rollover waits for the queued re-plan instead of interleaving with it, so every slice of
      // 10 is announced before the rollover's own batch.
      srv.clock.set(zonedToInstant('2024-09-06', '00:00:05', HCM));
      const batches: string[][] = [];
      srv.app.events.on('plans-updated', (e) => batches.push(e.screenIds));
      const sliced = srv.app.plans.enqueue({}, 10);
      const rolled = rolloverDueZones({
        repos: srv.app.repos,
        plans: srv.app.plans,
        log: srv.app.log,
        clock: srv.clock,
        dueAt: srv.clock.now(),
      });
      const r = await sliced;
      expect(r.changedScreens.length).toBe(screens.length);
      expect(batches.length).toBe(Math.ceil(screens.length / 10));
      expect(batches.every((b) => b.length <= 10)).toBe(true);
      const zones = await rolled;
      expect(zones.map((z) => z.date)).toEqual(['2024-09-06']);
      // Everything was already planned for 06/09 by the queued re-plan: nothing left to change.
      expect(zones[0]!.changed).toBe(0);
      expect(batches.length).toBe(Math.ceil(screens.length / 10));
    } finally {
      await srv.close();
    }
  });

  it('with cron on, registers its tasks on ready and stops them on close', async () => {
    const cron = (await import('node-cron')).default;
    const names = () => [...cron.getTasks().values()].map((t) => t.name);
    const srv = await startTestServer({ listen: false, config: { cron: 'on' } });
    try {
      for (const job of JOBS) expect(names()).toContain(job.name);
    } finally {
      await srv.close();
    }
    for (const job of JOBS) expect(names()).not.toContain(job.name);
  });
});

describe("plans rollover at each site zone's own midnight", () => {
  const BERLIN = 'Europe/Berlin';
  let srv: TestServer;
  let berlinSite: string;
  let berlinScreens: Set<string>;
  let hanoiScreens: Set<string>;
  const updated: string[] = [];
  beforeAll(async () => {
    srv = await startTestServer({ listen: false });
    await loadPlaylists({
      db: srv.db,
      repos: srv.app.repos,
      clock: srv.clock,
      playlistsDir: PLAYLISTS,
      dataDir: srv.dataDir,
    });
    const screens = srv.app.repos.plans.screens();
    berlinSite = screens[0]!.site_id;
    srv.db.prepare('UPDATE sites SET time_zone = ? WHERE id = ?').run(BERLIN, berlinSite);
    // Run the campaign on past Berlin's autumn DST change so rolled-over days still hold plays.
    srv.db.prepare(`UPDATE campaigns SET last_day = '2024-11-30' WHERE id = 'ihanoi-2024'`).run();
    berlinScreens = new Set(screens.filter((s) => s.site_id === berlinSite).map((s) => s.id));
    hanoiScreens = new Set(screens.filter((s) => s.site_id !== berlinSite).map((s) => s.id));
    srv.app.events.on('plans-updated', (e) => updated.push(...e.screenIds));
  });
  afterAll(async () => srv.close());

  /** Runs the due jobs at `at` and returns the screens whose plans changed. */
  async function rollAt(at: number, runner = srv.app.cron): Promise<Set<string>> {
    srv.clock.set(at);
    updated.length = 0;
    await runner.runDue();
    await srv.app.plans.idle();
    return new Set(updated);
  }
  const ledger = () =>
    (
      srv.db
        .prepare('SELECT period_key FROM cron_runs WHERE job = ? ORDER BY period_key')
        .all(ROLLOVER_JOB) as Array<{ period_key: string }>
    ).map((r) => r.period_key);

  it('rolls the Hà Nội sites at Hà Nội midnight and the Berlin site at Berlin midnight, once each', async () => {
    // First run: no zone has a rollover for its local date yet.
    const first = await rollAt(zonedToInstant('2024-09-05', '12:00', HCM));
    expect(first).toEqual(new Set([...berlinScreens, ...hanoiScreens]));
    expect(ledger()).toEqual([rolloverKey(HCM, '2024-09-05'), rolloverKey(BERLIN, '2024-09-05')].sort());

    // 00:00:10 in Hà Nội is 19:00:10 the evening before in Berlin.
    const hanoi = await rollAt(zonedToInstant('2024-09-06', '00:00:10', HCM));
    expect(hanoi).toEqual(hanoiScreens);
    const berlinRows = srv.app.repos.plans.plansFrom([...berlinScreens][0]!, '2000-01-01');
    expect(berlinRows.at(-1)!.local_date).toBe('2024-09-11');

    // A later tick of the same local day changes nothing, in either zone.
    expect(await rollAt(zonedToInstant('2024-09-06', '00:15:00', HCM))).toEqual(new Set());
    expect(await rollAt(zonedToInstant('2024-09-05', '23:59:59', BERLIN))).toEqual(new Set());

    const berlin = await rollAt(zonedToInstant('2024-09-06', '00:00:10', BERLIN));
    expect(berlin).toEqual(berlinScreens);
    expect(srv.app.repos.plans.plansFrom([...berlinScreens][0]!, '2000-01-01').at(-1)!.local_date).toBe(
      '2024-09-12',
    );
    // Running the job again for the same local midnight changes nothing.
    await srv.app.cron.runJob('plans-rollover');
    const again = {
      repos: srv.app.repos,
      plans: srv.app.plans,
      log: srv.app.log,
      clock: srv.clock,
      dueAt: srv.clock.now(),
    };
    expect(await rolloverDueZones(again)).toEqual([]);
    expect(await rollAt(zonedToInstant('2024-09-06', '00:30:00', BERLIN))).toEqual(new Set());
    expect(ledger().filter((k) => k.endsWith('2024-09-06'))).toEqual(
      [rolloverKey(HCM, '2024-09-06'), rolloverKey(BERLIN, '2024-09-06')].sort(),
    );
  });

  it('rolls Berlin over at its midnights across the 25-hour DST change day 27/10/2024', async () => {
    // Hà Nội rolls over on its own midnights meanwhile; only Berlin's screens matter here.
    const berlinOf = async (at: number) =>
      [...(await rollAt(at))].filter((id) => berlinScreens.has(id)).sort();
    const all = [...berlinScreens].sort();
    expect(await berlinOf(zonedToInstant('2024-10-26', '12:00', BERLIN))).toEqual(all);
    expect(await berlinOf(zonedToInstant('2024-10-26', '23:59:00', BERLIN))).toEqual([]);
    const midnight27 = zonedToInstant('2024-10-27', '00:00', BERLIN);
    expect(midnight27).toBe(Date.parse('2024-10-26T22:00:00Z'));
    expect(await berlinOf(midnight27 + 5_000)).toEqual(all);
    expect(ledger()).toContain(rolloverKey(BERLIN, '2024-10-27'));
    // 27/10 has 25 hours: 24 h after its midnight it is still 23:00 on 27/10 in Berlin.
    expect(await berlinOf(midnight27 + 24 * 3_600_000)).toEqual([]);
    const midnight28 = zonedToInstant('2024-10-28', '00:00', BERLIN);
    expect(midnight28 - midnight27).toBe(25 * 3_600_000);
    expect(await berlinOf(midnight28 - 60_000)).toEqual([]);
    expect(await berlinOf(midnight28 + 60_000)).toEqual(all);
    expect(ledger()).toContain(rolloverKey(BERLIN, '2024-10-28'));
  });

  it('a server started after a missed midnight catches up on start', async () => {
    // This "process" stopped before Hà Nội midnight on 29/10 and starts again at 03:20.
    const restarted = createCronRunner({
      config: srv.app.config,
      db: srv.db,
      repos: srv.app.repos,
      clock: srv.clock,
      events: srv.app.events,
      plans: srv.app.plans,
      log: srv.app.log,
    });
    expect(ledger()).not.toContain(rolloverKey(HCM, '2024-10-29'));
    const caught = await rollAt(zonedToInstant('2024-10-29', '03:20', HCM), restarted);
    expect(caught).toEqual(hanoiScreens);
    expect(ledger()).toContain(rolloverKey(HCM, '2024-10-29'));
    expect(ledger()).not.toContain(rolloverKey(BERLIN, '2024-10-29'));
  });
});

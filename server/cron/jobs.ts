/**
 * The scheduled jobs, in ONE table: { name, cron, timezone, run }. A fastify plugin starts them
 * when the app is ready and stops them when it closes.
 *
 * node-cron keeps no state and fires by the system time, while this server may run on a
 * virtual clock (`--clock 2024-09-05T07:55:00+07:00 --clock-rate 60`). So each job's period
 * is decided by the Clock: `runDue` finds the latest instant at or before clock.now() that the
 * job's expression names in its zone, and runs the job for that period unless the cron_runs
 * ledger already has it. The node-cron task per job (exact under the real clock) and a short
 * clock tick (virtual clocks, and catching up after downtime) both just call `runDue`, so a
 * period runs once however it is reached. Every job is also safe to run twice.
 */
import fp from 'fastify-plugin';
import cron, { type ScheduledTask } from 'node-cron';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Clock } from '#shared/clock.ts';
import { DEFAULT_TIME_ZONE } from '#shared/schemas/domain.ts';
import {
  addDays,
  eachDate,
  localDateOf,
  startOfNextLocalDay,
  toIsoWithOffset,
  weekdayOf,
} from '#shared/time.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { DomainEventBus } from '../events.ts';
import type { Repositories } from '../repositories/index.ts';
import { generateWeeklyReport } from '../reports/weekly.ts';
import { communicationsService } from '../comms/communications.ts';
import { checkAlerts, dailyDigest } from '../alerts/alerts.ts';
import { warningsService } from '../comms/warnings.ts';
import { importCap, loadGeocodes } from '../comms/cap.ts';
import { createPlanService, type PlanService } from './plan-service.ts';
import { latestDue, parseCron, type CronFields } from './schedule.ts';

/** A screen is offline after two missed 30-second heartbeats. */
export const HEARTBEAT_MS = 30_000;
export const OFFLINE_AFTER_MS = 2 * HEARTBEAT_MS;

export interface JobContext {
  config: Pick<Config, 'dataDir'> &
    Partial<Pick<Config, 'smtpUrl' | 'mailFrom' | 'alertOfflineMinutes' | 'capUrl' | 'playlistsDir'>>;
  db: Db;
  repos: Repositories;
  clock: Clock;
  events: DomainEventBus;
  plans: PlanService;
  log: FastifyBaseLogger;
  /** The scheduled instant this run is for (<= now). */
  dueAt: number;
  /** When this server process started its jobs (clock time). */
  startedAt: number;
}

export interface CronJob {
  name: string;
  cron: string;
  timezone: string;
  /** Record each period in cron_runs (skip for jobs that run every few seconds). */
  ledger: boolean;
  run(ctx: JobContext): unknown;
}

/** The Thursdays whose report period [Thu−7, Wed] overlaps the campaign, due by `now`. */
export function weeklyPeriods(
  firstDay: string,
  lastDay: string,
  zone: string,
  now: number,
): Array<{ first: string; last: string; thursday: string }> {
  const out: Array<{ first: string; last: string; thursday: string }> = [];
  const today = localDateOf(now, zone);
  for (const thursday of eachDate(addDays(firstDay, 1), addDays(lastDay, 7))) {
    if (weekdayOf(thursday) !== 3) continue;
    if (thursday > today) break;
    const first = addDays(thursday, -7) < firstDay ? firstDay : addDays(thursday, -7);
    const last = addDays(thursday, -1) > lastDay ? lastDay : addDays(thursday, -1);
    if (first <= last) out.push({ first, last, thursday });
  }
  return out;
}

/** cron_runs job name of the per-zone rollover ledger; period_key is `<zone> <local date>`. */
export const ROLLOVER_JOB = 'plans-rollover-zone';

export const rolloverKey = (zone: string, localDate: string): string => `${zone} ${localDate}`;

/**
 * Re-plans the sites of every zone whose local date at `ctx.dueAt` is not yet in the ledger.
 * A zone is recorded only after its sites are planned, so a failure is retried on the next tick,
 * and a midnight missed while the server was down is caught up on start.
 */
export async function rolloverDueZones(
  ctx: Pick<JobContext, 'repos' | 'plans' | 'log' | 'clock' | 'dueAt'>,
): Promise<Array<{ zone: string; date: string; sites: number; changed: number }>> {
  const byZone = new Map<string, string[]>();
  for (const s of ctx.repos.sites.list()) {
    const ids = byZone.get(s.time_zone) ?? [];
    ids.push(s.id);
    byZone.set(s.time_zone, ids);
  }
  const done: Array<{ zone: string; date: string; sites: number; changed: number }> = [];
  for (const [zone, siteIds] of [...byZone].sort(([a], [b]) => a.localeCompare(b))) {
    const date = localDateOf(ctx.dueAt, zone);
    const key = rolloverKey(zone, date);
    if (ctx.repos.plans.hasRun(ROLLOVER_JOB, key)) continue;
    // Through the plan service's one queue, after any re-plan an event asked for.
    const r = await ctx.plans.enqueue({ siteIds });
    ctx.repos.plans.recordRun(ROLLOVER_JOB, key, ctx.clock.now());
    done.push({ zone, date, sites: siteIds.length, changed: r.changedScreens.length });
  }
  if (done.length > 0) ctx.log.info({ job: 'plans-rollover', zones: done }, 'plans rolled over');
  return done;
}

export const JOBS: CronJob[] = [
  {
    // Players hold 7 days; at each site's local midnight the horizon moves on a day and
    // yesterday's misses become make-goods. Sites carry their own IANA zone, so the job ticks every
    // 15 minutes (which also meets :30/:45 offsets) and rolls over each zone whose local date has
    // no ledger entry yet; the per-zone ledger lives in cron_runs under ROLLOVER_JOB.
    name: 'plans-rollover',
    cron: '*/15 * * * *',
    timezone: 'UTC',
    ledger: false,
    run: rolloverDueZones,
  },
  {
    // While this process runs, the player gateway owns liveness: it counts missed pongs on each
    // socket (in real time, so a fast virtual clock cannot fake a timeout) and marks a screen
    // offline when its socket goes. What it cannot see are rows left 'online' by a previous
    // process (a crash, a restart): those are swept here once two heartbeats have passed.
    name: 'screens-offline',
    cron: '*/30 * * * * *',
    timezone: 'UTC',
    ledger: false,
    run: ({ repos, clock, log, startedAt }) => {
      const ids = repos.plans.sweepOffline(Math.min(clock.now() - OFFLINE_AFTER_MS, startedAt));
      if (ids.length > 0)
        log.info(
          { job: 'screens-offline', screens: ids },
          'Mất kết nối / screens marked offline (missed heartbeats)',
        );
      return ids;
    },
  },
  {
    // Gia Lâm wants the status report every Thursday before 15:00; made at 14:00. Every missing
    // week of every campaign is made, so a report missed while the server was down appears on
    // the next start.
    name: 'weekly-report',
    cron: '0 14 * * 4',
    timezone: DEFAULT_TIME_ZONE,
    ledger: true,
    run: async (ctx) => {
      const made: string[] = [];
      const saved = new Set(
        ctx.repos.reports
          .listReports()
          .filter((r) => r.kind === 'weekly')
          .map((r) => `${r.campaign_id}|${r.period_first}`),
      );
      for (const c of ctx.repos.campaigns.list()) {
        for (const p of weeklyPeriods(c.first_day, c.last_day, c.time_zone, ctx.dueAt)) {
          if (saved.has(`${c.id}|${p.first}`)) continue;
          await generateWeeklyReport(ctx, c.id, p.first, p.last);
          made.push(`${c.id} ${p.first}..${p.last}`);
        }
      }
      if (made.length > 0)
        ctx.log.info({ job: 'weekly-report', made }, 'Đã lập báo cáo tuần / weekly reports written');
      return made;
    },
  },
  {
    // A campaign ends at 24:00 of its last day in its own zone, which need not be Hà Nội's, so
    // this checks every 15 minutes (it only closes active campaigns whose end has passed);
    // closing one empties the future days of every plan.
    name: 'campaign-close',
    cron: '*/15 * * * *',
    timezone: 'UTC',
    ledger: false,
    run: ({ repos, clock, events, log }) => {
      const closed: string[] = [];
      for (const c of repos.campaigns.list()) {
        if (c.status !== 'active' || clock.now() < startOfNextLocalDay(c.last_day, c.time_zone)) continue;
        repos.campaigns.update(c.id, { status: 'closed' }, 'cron:campaign-close');
        closed.push(c.id);
        events.emit('plan-inputs-changed', { campaignId: c.id, reason: 'campaign.close' });
      }
      if (closed.length > 0)
        log.info(
          { job: 'campaign-close', closed },
          'Chiến dịch đã kết thúc và được đóng / campaigns closed at their end',
        );
      return closed;
    },
  },
];

JOBS.push({
  // Communications go on air on their first day and end after their last, in Hà Nội's zone;
  // urgent warnings end at their expiry (players also clear them on their own at that instant).
  name: 'communications-advance',
  cron: '* * * * *',
  timezone: 'UTC',
  ledger: false,
  run: (ctx) => {
    const r = { ...communicationsService(ctx).advance(), expired: warningsService(ctx).expireDue() };
    if (r.aired.length || r.ended.length || r.expired.length)
      ctx.log.info(
        { job: 'communications-advance', ...r },
        'Tin truyền thông lên sóng/kết thúc / communications aired or ended',
      );
    return r;
  },
});

JOBS.push(
  {
    // Screens offline longer than the threshold or behind the day's plan: told to the people
    // responsible for the site (each event once per person).
    name: 'alerts',
    cron: '*/5 * * * *',
    timezone: 'UTC',
    ledger: false,
    run: (ctx) => checkAlerts(ctx),
  },
  {
    name: 'daily-digest',
    cron: '30 7 * * *',
    timezone: DEFAULT_TIME_ZONE,
    ledger: true,
    run: (ctx) => dailyDigest(ctx),
  },
);

JOBS.push({
  // A configured CAP feed is read every minute; each new alert waits for an approver, an
  // Update or Cancel acts on the alerts it references (server/comms/cap.ts).
  name: 'cap-poll',
  cron: '* * * * *',
  timezone: 'UTC',
  ledger: false,
  run: async (ctx) => {
    const url = ctx.config.capUrl;
    if (!url) return null;
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
    if (!res.ok) throw new Error(`CAP feed ${url} answered ${res.status}`);
    const xml = await res.text();
    const result = importCap(
      {
        repos: ctx.repos,
        warnings: warningsService(ctx),
        now: ctx.clock.now(),
        geocodes: loadGeocodes(ctx.config.playlistsDir ?? 'playlists'),
      },
      xml,
    );
    if (result.action !== 'ignored' || !/already imported/.test(result.message))
      ctx.log.info({ job: 'cap-poll', url, ...result }, 'CAP feed read');
    return result;
  },
});

export interface CronRunner {
  /** Runs every job whose latest period is not done yet; returns the names that ran. */
  runDue(): Promise<string[]>;
  runJob(name: string): Promise<boolean>;
  start(): void;
  stop(): Promise<void>;
}

export function createCronRunner(
  deps: Omit<JobContext, 'dueAt' | 'startedAt'>,
  jobs: CronJob[] = JOBS,
  tickMs = 5_000,
): CronRunner {
  const startedAt = deps.clock.now();
  const parsed = new Map<string, CronFields>(jobs.map((j) => [j.name, parseCron(j.cron)]));
  const handled = new Map<string, number>();
  const running = new Set<string>();
  const tasks: ScheduledTask[] = [];
  let ticker: ScheduledTask | null = null;

  async function runOne(job: CronJob): Promise<boolean> {
    if (running.has(job.name)) return false;
    const now = deps.clock.now();
    const due = latestDue(parsed.get(job.name)!, job.timezone, now);
    if (due === null || handled.get(job.name) === due) return false;
    const key = toIsoWithOffset(due, job.timezone);
    if (job.ledger && deps.repos.plans.hasRun(job.name, key)) {
      handled.set(job.name, due);
      return false;
    }
    running.add(job.name);
    try {
      await job.run({ ...deps, dueAt: due, startedAt });
      if (job.ledger) deps.repos.plans.recordRun(job.name, key, deps.clock.now());
      handled.set(job.name, due);
      return true;
    } catch (err) {
      // Not recorded: the next tick tries the same period again.
      deps.log.error({ err, job: job.name, period: key }, `cron job ${job.name} failed; it will be retried`);
      return false;
    } finally {
      running.delete(job.name);
    }
  }

  async function runDue(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of jobs) if (await runOne(job)) ran.push(job.name);
    return ran;
  }

  return {
    runDue,
    runJob: async (name) => {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no cron job named ${name}`);
      return runOne(job);
    },
    start() {
      for (const job of jobs) {
        tasks.push(
          cron.schedule(job.cron, () => void runOne(job), {
            timezone: job.timezone,
            name: job.name,
            noOverlap: true,
          }),
        );
      }
      const every = Math.max(1, Math.round(tickMs / 1000));
      ticker = cron.schedule(`*/${every} * * * * *`, () => void runDue(), {
        name: 'clock-tick',
        noOverlap: true,
      });
    },
    async stop() {
      for (const t of tasks.splice(0)) await t.destroy();
      if (ticker) await ticker.destroy();
      ticker = null;
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    plans: PlanService;
    cron: CronRunner;
  }
}

/**
 * Decorates `app.plans` (the plan service) and `app.cron`. The plan service always re-plans on
 * 'plan-inputs-changed' and when a code is claimed (a newly paired screen gets its plans at
 * once, not at midnight). With config.cron 'on' the timed jobs start on ready (after catching
 * up) and stop on close; with 'off' (tests) they run only when called.
 */
export default fp(
  async (app: FastifyInstance) => {
    const plans = createPlanService({ repos: app.repos, clock: app.clock, events: app.events });
    const runner = createCronRunner({
      config: app.config,
      db: app.db,
      repos: app.repos,
      clock: app.clock,
      events: app.events,
      plans,
      log: app.log,
    });
    app.decorate('plans', plans);
    app.decorate('cron', runner);

    const replanAfter = (filter: Parameters<PlanService['replanSoon']>[0], reason: string) =>
      plans.replanSoon(
        filter,
        (r) => app.log.info({ reason, changed: r.changedScreens.length }, 'plans updated after a change'),
        (err) => app.log.error({ err, reason }, 'could not re-plan after a change; the next rollover will'),
      );
    const offInputs = app.events.on('plan-inputs-changed', (e) =>
      replanAfter(
        e.siteIds ? { siteIds: e.siteIds } : e.screenIds ? { screenIds: e.screenIds } : {},
        e.reason,
      ),
    );
    const offClaimed = app.events.on('pairing-claimed', ({ screenId }) =>
      replanAfter({ screenIds: [screenId] }, 'screen paired'),
    );
    // A failed play of today is played again later today when the day has room (coalesced per
    // screen in the plan service's queue; see planHorizon's failedToday).
    const offFailed = app.events.on('play-failed-today', ({ screenId }) => {
      void plans.replanAfterFailure(screenId).then(
        (r) =>
          app.log.debug({ screenId, changed: r.changedScreens.length }, 'plans updated after a failed play'),
        (err: unknown) =>
          app.log.error({ err, screenId }, 'could not re-plan after a failed play; the next rollover will'),
      );
    });
    app.addHook('onClose', async () => {
      offInputs();
      offClaimed();
      offFailed();
      await runner.stop();
      await plans.idle();
    });
    if (app.config.cron !== 'on') return;
    app.addHook('onReady', async () => {
      await runner.runDue();
      runner.start();
    });
  },
  { name: 'cron', dependencies: ['context'] },
);

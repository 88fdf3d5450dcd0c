/**
 * The plan service: reads each screen's plan inputs from the database, runs the pure scheduler
 * (server/scheduler/) for the horizon, and stores the days whose plan changed under a new
 * per-screen version (screen_plans). Unchanged days keep their plan, items and ids.
 *
 * It re-plans when plan inputs change (domain event 'plan-inputs-changed') and when the cron
 * job rolls plans over at local midnight, then emits 'plans-updated' so the player gateway
 * tells connected players to pull.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '#shared/clock.ts';
import type { OpeningHours, PeakProfile, VenueType } from '#shared/schemas/domain.ts';
import { addDays, localDateOf } from '#shared/time.ts';
import type { DomainEventBus } from '../events.ts';
import type { Repositories } from '../repositories/index.ts';
import type { PlanCampaignRow, PlanSiteRow } from '../repositories/plans.ts';
import {
  DEFAULT_HORIZON_DAYS,
  planHorizon,
  siteFacts,
  withRaises,
  type DayPlan,
  type PlanCampaign,
  type PlanSite,
  type SiteFacts,
} from '../scheduler/index.ts';
import { stableHash } from '../scheduler/hash.ts';
import { communicationCampaigns } from '../comms/schedule.ts';
import { storePlanMessage } from '../ws/plan.ts';

/** One day of one screen as stored: the merged items plus each campaign's plan facts. */
export interface StoredDay {
  items: Array<{
    id: string;
    campaignId: string;
    mediaSha256: string;
    start: number;
    end: number;
    peak: boolean;
  }>;
  campaigns: Array<Omit<DayPlan, 'items' | 'screenId' | 'date' | 'timeZone'> & { campaignId: string }>;
}

/** Longest stretch the plan service holds the event loop when it re-plans in slices. */
const SLICE_MS = 20;

export interface PlanServiceDeps {
  repos: Repositories;
  clock: Clock;
  events?: DomainEventBus;
  horizonDays?: number;
}

export interface ReplanFilter {
  screenIds?: readonly string[];
  siteIds?: readonly string[];
}

export interface ReplanResult {
  screens: number;
  changedScreens: string[];
  days: number;
}

/**
 * The scheduler's view of a campaign row, given its video: the plan service reads the duration
 * in the same query, the raise form from the media row it has already loaded.
 */
export function planCampaignOf(
  c: Omit<PlanCampaignRow, 'media_sha256' | 'media_duration_ms' | 'status'>,
  mediaSha256: string,
  mediaDurationMs: number,
): PlanCampaign {
  return {
    id: c.id,
    mediaSha256,
    mediaDurationMs,
    firstDay: c.first_day,
    lastDay: c.last_day,
    timeZone: c.time_zone,
    targetPerDay: c.target_per_day,
    averageBasis: c.average_basis,
    peakProfiles: JSON.parse(c.peak_profiles) as Partial<Record<VenueType, PeakProfile>>,
    makeGoodCapPct: c.make_good_cap_pct,
  };
}

/** A campaign without a video (or one whose duration is unknown) cannot be planned yet. */
export function toPlanCampaign(c: PlanCampaignRow): PlanCampaign | null {
  if (!c.media_sha256 || !c.media_duration_ms) return null;
  return planCampaignOf(c, c.media_sha256, c.media_duration_ms);
}

export function toPlanSite(s: PlanSiteRow): PlanSite {
  return {
    id: s.id,
    venueType: s.venue_type as VenueType,
    timeZone: s.time_zone,
    openingHours: JSON.parse(s.opening_hours) as OpeningHours,
    peakProfile: s.peak_profile ? (JSON.parse(s.peak_profile) as PeakProfile) : null,
  };
}

export function parseStoredDay(json: string): StoredDay {
  const v = JSON.parse(json) as Partial<StoredDay> | StoredDay['items'];
  if (Array.isArray(v)) return { items: v, campaigns: [] };
  return { items: v.items ?? [], campaigns: v.campaigns ?? [] };
}

export function createPlanService(deps: PlanServiceDeps) {
  const { repos, clock } = deps;
  const horizon = deps.horizonDays ?? DEFAULT_HORIZON_DAYS;

  /** Active campaigns with a video, and the sites taking part in each. */
  function activeCampaigns(): Array<{ campaign: PlanCampaign; sites: Set<string> }> {
    const out: Array<{ campaign: PlanCampaign; sites: Set<string> }> = [];
    for (const row of repos.plans.campaigns()) {
      if (row.status !== 'active') continue;
      const campaign = toPlanCampaign(row);
      if (!campaign) continue;
      out.push({ campaign, sites: new Set(repos.campaigns.participatingSiteIds(row.id)) });
    }
    out.push(...communicationCampaigns(repos, out[0]?.campaign.peakProfiles ?? {}));
    return out;
  }

  function planScreen(
    screenId: string,
    siteId: string,
    pairedAt: number | null,
    campaigns: Array<{ campaign: PlanCampaign; sites: Set<string> }>,
    siteCache: Map<string, PlanSite | null>,
    factsCache: Map<string, { site: PlanSite; facts: SiteFacts }>,
  ): { changed: boolean; days: number } {
    let base = siteCache.get(siteId);
    if (base === undefined) {
      const row = repos.plans.site(siteId);
      base = row ? toPlanSite(row) : null;
      siteCache.set(siteId, base);
    }
    if (!base) return { changed: false, days: 0 };
    const now = clock.now();
    const today = localDateOf(now, base.timeZone);
    const last = addDays(today, horizon - 1);
    const stored = new Map(repos.plans.plansFrom(screenId, today).map((r) => [r.local_date, r]));

    // Per date: the merged day of every campaign this site takes part in.
    const fresh = new Map<string, StoredDay>();
    for (const { campaign, sites } of campaigns) {
      if (!sites.has(siteId)) continue;
      // The same for every screen of the site: worked out once per re-plan.
      const key = `${campaign.id}|${siteId}`;
      let shared = factsCache.get(key);
      if (!shared) {
        // The whole raise history: each past day keeps the rate it was owed at, so a second
        // raise (or a lowering) never rewrites the make-goods of the days before it.
        const site = withRaises(base, repos.overrides.history({ campaignId: campaign.id, siteId }));
        shared = { site, facts: siteFacts(campaign, site) };
        factsCache.set(key, shared);
      }
      const { site } = shared;
      const previous: DayPlan[] = [];
      for (const [date, row] of stored) {
        const day = parseStoredDay(row.plan);
        const meta = day.campaigns.find((c) => c.campaignId === campaign.id);
        if (!meta) continue;
        const { campaignId: _c, ...facts } = meta;
        previous.push({
          ...facts,
          screenId,
          date,
          timeZone: site.timeZone,
          items: day.items.filter((i) => i.campaignId === campaign.id).map(({ campaignId: _x, ...it }) => it),
        });
      }
      const { plans } = planHorizon({
        campaign,
        site,
        screen: { id: screenId },
        clock,
        from: today,
        days: horizon,
        achieved: repos.plans.achieved(screenId, campaign.id),
        // A screen owes plays from the day it was paired; one not yet paired owes none.
        accountableFrom: pairedAt === null ? today : localDateOf(pairedAt, site.timeZone),
        pairedAt,
        alreadyPlayedToday: repos.plans.playedOn(screenId, campaign.id, today),
        previous,
        siteFacts: shared.facts,
      });
      for (const p of plans) {
        const day = fresh.get(p.date) ?? { items: [], campaigns: [] };
        day.items.push(...p.items.map((it) => ({ ...it, campaignId: campaign.id })));
        const { items: _i, screenId: _s, date: _d, timeZone: _z, ...facts } = p;
        day.campaigns.push({ ...facts, campaignId: campaign.id });
        fresh.set(p.date, day);
      }
    }

    const rows: Array<{ date: string; inputsHash: string; plan: string }> = [];
    for (let d = today; d <= last; d = addDays(d, 1)) {
      const day = fresh.get(d) ?? { items: [], campaigns: [] };
      day.items.sort((a, b) => a.start - b.start);
      const hash =
        day.campaigns.length === 0
          ? 'none'
          : day.campaigns.length === 1
            ? day.campaigns[0]!.inputsHash
            : stableHash(day.campaigns.map((c) => c.inputsHash).join('|'), 16);
      const json = JSON.stringify(day);
      const before = stored.get(d);
      // Nothing stored and nothing to play: no row at all, so a screen outside every campaign
      // does not collect empty days.
      if (before ? before.inputs_hash === hash && before.plan === json : day.campaigns.length === 0) continue;
      rows.push({ date: d, inputsHash: hash, plan: json });
    }
    if (rows.length === 0) return { changed: false, days: 0 };
    const screen = repos.plans.screen(screenId);
    const version = Math.max(screen?.plan_version ?? 0, repos.plans.maxVersion(screenId)) + 1;
    // The message the players get is serialised here, once, with the rows it is built from.
    repos.plans.transaction(() => {
      repos.plans.savePlans(screenId, version, rows, now);
      storePlanMessage(repos.planMessages, screenId, now);
    });
    return { changed: true, days: rows.length };
  }

  function* work(
    filter: ReplanFilter,
    chunk: number,
    sliceMs = Infinity,
  ): Generator<ReplanResult, ReplanResult> {
    const campaigns = activeCampaigns();
    const siteCache = new Map<string, PlanSite | null>();
    const factsCache = new Map<string, { site: PlanSite; facts: SiteFacts }>();
    const wantScreens = filter.screenIds ? new Set(filter.screenIds) : null;
    const wantSites = filter.siteIds ? new Set(filter.siteIds) : null;
    const total: ReplanResult = { screens: 0, changedScreens: [], days: 0 };
    let batch: string[] = [];
    let inBatch = 0;
    // CPU time of the slice, not domain time: how long the event loop has been held.
    let sliceStart = performance.now();
    const flush = () => {
      // Players of this batch can pull while the next batch is planned.
      if (batch.length > 0) deps.events?.emit('plans-updated', { screenIds: batch });
      batch = [];
      inBatch = 0;
    };
    for (const s of repos.plans.screens()) {
      if (wantScreens && !wantScreens.has(s.id)) continue;
      if (wantSites && !wantSites.has(s.site_id)) continue;
      total.screens++;
      const r = planScreen(s.id, s.site_id, s.paired_at_ms, campaigns, siteCache, factsCache);
      if (r.changed) {
        total.changedScreens.push(s.id);
        total.days += r.days;
        batch.push(s.id);
      }
      if (++inBatch >= chunk || performance.now() - sliceStart >= sliceMs) {
        flush();
        yield total;
        sliceStart = performance.now();
      }
    }
    flush();
    return total;
  }

  /** Re-plans the given screens (default: every screen) at once, storing only what changed. */
  function replan(filter: ReplanFilter = {}): ReplanResult {
    const it = work(filter, Infinity);
    for (;;) {
      const step = it.next();
      if (step.done) return step.value;
    }
  }

  /**
   * The same in slices, yielding to the event loop between slices, so a campaign edit or the
   * midnight rollover over 10,000 screens does not stall pushes, acks and heartbeats: by default
   * a slice ends after SLICE_MS of work (or 200 screens); with `chunk`, after exactly that many
   * screens.
   */
  async function replanInSlices(filter: ReplanFilter = {}, chunk?: number): Promise<ReplanResult> {
    const it = chunk === undefined ? work(filter, 200, SLICE_MS) : work(filter, chunk);
    for (;;) {
      const step = it.next();
      if (step.done) return step.value;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  // THE re-plan queue: rollover, domain events and pairing all re-plan through it, one after
  // another. Two sliced re-plans interleaving would read each other's half-written versions
  // (and a rollover tick could race an event's re-plan of the same screens).
  let tail: Promise<unknown> = Promise.resolve();
  function enqueue(filter: ReplanFilter = {}, chunk?: number): Promise<ReplanResult> {
    const run = tail.then(() => replanInSlices(filter, chunk));
    // A failed re-plan must not stop the ones queued after it.
    tail = run.catch(() => undefined);
    return run;
  }
  function replanSoon(
    filter: ReplanFilter,
    onDone?: (r: ReplanResult) => void,
    onError?: (err: unknown) => void,
  ): void {
    void enqueue(filter).then(onDone, onError);
  }

  return {
    replan,
    replanInSlices,
    enqueue,
    replanSoon,
    /** Resolves when every re-plan requested so far has finished (tests, shutdown). */
    idle: () => tail.then(() => undefined),
  };
}
export type PlanService = ReturnType<typeof createPlanService>;

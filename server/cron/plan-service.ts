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
import { addDays, localDateOf } from '#shared/time.ts';
import type { DomainEventBus, PlanBytes } from '../events.ts';
import type { Repositories } from '../repositories/index.ts';
import type { PlanMessageRow } from '../repositories/plan-messages.ts';
import { planJson, type PlanScreenRow, type StoredDay, type StoredLoop } from '../repositories/plans.ts';
import { toPlanCampaign, toPlanSite } from '../services/plan-inputs.ts';
import {
  DEFAULT_HORIZON_DAYS,
  planScreenTogether,
  siteFacts,
  withRaises,
  type DayPlan,
  type PlanCampaign,
  type PlanSite,
  type SiteFacts,
  type TogetherCampaign,
} from '../scheduler/index.ts';
import { stableHash } from '../scheduler/hash.ts';
import { communicationCampaigns, type PlanTextWords } from '../comms/schedule.ts';
import { storePlanMessage } from '../ws/plan.ts';
import { openIntervals } from '../scheduler/day.ts';

/**
 * A past day counts for make-goods at what the player uploaded once the player has settled it
 * (reported no backlog after the day's last planned play), or once it is this many days old.
 * Before that it is presumed played as planned, so plays made offline and not uploaded yet (a
 * server restart, a network cut) never turn into make-goods the screen does not owe.
 */
export const SETTLE_AFTER_DAYS = 2;

/** A campaign or communication to plan, the sites taking part, and a text item's words. */
type PlanInput = { campaign: PlanCampaign; sites: Set<string>; text?: PlanTextWords };

/** Longest stretch the plan service holds the event loop when it re-plans in slices. */
const SLICE_MS = 10;

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

export function createPlanService(deps: PlanServiceDeps) {
  const { repos, clock } = deps;
  const horizon = deps.horizonDays ?? DEFAULT_HORIZON_DAYS;

  /** Active campaigns with a video, and the sites taking part in each. */
  function activeCampaigns(): PlanInput[] {
    const out: PlanInput[] = [];
    for (const row of repos.plans.campaigns()) {
      if (row.status !== 'active') continue;
      const campaign = toPlanCampaign(row);
      if (!campaign) continue;
      out.push({ campaign, sites: new Set(repos.campaigns.participatingSiteIds(row.id)) });
    }
    out.push(...communicationCampaigns(repos, out[0]?.campaign.peakProfiles ?? {}));
    return out;
  }

  /** The loop a screen plays (its own, else its site's), or null when it has none and stays lit. */
  function loopOf(
    siteId: string,
    screenId: string,
    cache: Map<string, StoredLoop | null>,
  ): StoredLoop | null {
    const own = repos.loops.forScreen(screenId);
    const key = own ? `screen:${screenId}` : `site:${siteId}`;
    if (cache.has(key)) return cache.get(key)!;
    const loop = own ?? repos.loops.forSite(siteId);
    const settings = repos.loops.settings(siteId);
    const items = (loop?.items ?? []).map((i) => ({
      mediaSha256: i.media_sha256,
      durationMs: i.duration_ms,
    }));
    const out: StoredLoop | null =
      settings && (items.length > 0 || settings.outsideHours === 'dark')
        ? { items, resume: settings.resume, outsideHours: settings.outsideHours }
        : null;
    cache.set(key, out);
    return out;
  }

  function planScreen(
    screen: Pick<PlanScreenRow, 'id' | 'site_id' | 'paired_at_ms' | 'settled_ms' | 'unsettled_from'>,
    campaigns: PlanInput[],
    siteCache: Map<string, PlanSite | null>,
    factsCache: Map<string, { site: PlanSite; facts: SiteFacts }>,
    loopCache: Map<string, StoredLoop | null>,
  ): { changed: boolean; days: number; message?: PlanMessageRow } {
    const { id: screenId, site_id: siteId, paired_at_ms: pairedAt, settled_ms: settledMs } = screen;
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
    const rows = repos.plans.plansFrom(screenId, addDays(today, -SETTLE_AFTER_DAYS));
    const stored = new Map(rows.filter((r) => r.local_date >= today).map((r) => [r.local_date, r]));
    // Each stored day read once, whichever campaigns it holds.
    const storedDays = new Map<string, StoredDay>();
    // Every day parsed here, by its stored text: the message built at the end reuses them.
    const known = new Map<string, StoredDay>();
    const storedDay = (date: string, plan: string): StoredDay => {
      let day = storedDays.get(date);
      if (!day) {
        storedDays.set(date, (day = planJson.day(plan, `${screenId}/${date}`)));
        known.set(plan, day);
      }
      return day;
    };
    // The recent past days as the player was told to play them (older days are settled by age).
    const recent = rows
      .filter((r) => r.local_date < today)
      .map((r) => ({ date: r.local_date, day: storedDay(r.local_date, r.plan) }));
    let unsettledFrom: string | null = null;

    // Every campaign this site takes part in, planned together (server/scheduler/together.ts):
    // in priority order, each in the time the ones before it leave free.
    const inputs: TogetherCampaign[] = [];
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
        const day = storedDay(date, row.plan);
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
      const achieved = repos.plans.achieved(screenId, campaign.id);
      const todays = repos.plans.playsOn(screenId, campaign.id, today);
      for (const { date, day } of recent) {
        const items = day.items.filter((i) => i.campaignId === campaign.id);
        // Played as planned is the day's target: a day that played failed plays again holds more
        // items than it owes, and a presumed surplus must not offset a real miss.
        const target = day.campaigns.find((c) => c.campaignId === campaign.id)?.target ?? items.length;
        const presumed = Math.min(items.length, target);
        if (presumed === 0 || (achieved[date] ?? 0) >= presumed) continue;
        if (settledMs !== null && items.every((i) => i.end <= settledMs)) continue;
        // Not settled: presumed played as planned until the player reports its backlog empty.
        achieved[date] = presumed;
        if (unsettledFrom === null || date < unsettledFrom) unsettledFrom = date;
      }
      inputs.push({
        campaign,
        site,
        achieved,
        settledAt: settledMs,
        // A screen owes plays from the day it was paired; one not yet paired owes none.
        accountableFrom: pairedAt === null ? today : localDateOf(pairedAt, site.timeZone),
        pairedAt,
        alreadyPlayedToday: todays.played,
        failedToday: todays.failed,
        previous,
        siteFacts: shared.facts,
      });
    }

    // Per date: the merged day of every campaign this site takes part in.
    const fresh = new Map<string, StoredDay>();
    // A text communication's words, stored with the day beside its items.
    const textOf = new Map(campaigns.flatMap((c) => (c.text ? [[c.campaign.id, c.text] as const] : [])));
    for (const { campaign, horizon: h } of planScreenTogether({
      screen: { id: screenId },
      clock,
      from: today,
      days: horizon,
      campaigns: inputs,
    })) {
      for (const p of h.plans) {
        const day = fresh.get(p.date) ?? { items: [], campaigns: [] };
        day.items.push(...p.items.map((it) => ({ ...it, campaignId: campaign.id })));
        const text = textOf.get(campaign.id);
        if (text && p.items.length > 0) day.texts = { ...day.texts, [campaign.mediaSha256]: text };
        const { items: _i, screenId: _s, date: _d, timeZone: _z, ...facts } = p;
        day.campaigns.push({ ...facts, campaignId: campaign.id });
        fresh.set(p.date, day);
      }
    }

    const loop = loopOf(siteId, screenId, loopCache);
    // The gateway re-plans the screen when the player next reports no backlog.
    if (unsettledFrom !== screen.unsettled_from) repos.plans.setUnsettled(screenId, unsettledFrom);

    const changes: Array<{ date: string; inputsHash: string; plan: string }> = [];
    for (let d = today; d <= last; d = addDays(d, 1)) {
      const day = fresh.get(d) ?? { items: [], campaigns: [] };
      day.items.sort((a, b) => a.start - b.start);
      if (loop) {
        day.loop = loop;
        day.open = openIntervals(base.openingHours, d, base.timeZone).map(([a, b]) => [a, b]);
      }
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
      if (
        before ? before.inputs_hash === hash && before.plan === json : day.campaigns.length === 0 && !day.loop
      )
        continue;
      changes.push({ date: d, inputsHash: hash, plan: json });
      known.set(json, day);
    }
    if (changes.length === 0) return { changed: false, days: 0 };
    const current = repos.plans.screen(screenId);
    const version = Math.max(current?.plan_version ?? 0, repos.plans.maxVersion(screenId)) + 1;
    // The message the players get is serialised here, once, with the rows it is built from.
    const message = repos.plans.transaction(() => {
      repos.plans.savePlans(screenId, version, changes, now);
      return storePlanMessage(repos.planMessages, screenId, now, known);
    });
    return message
      ? { changed: true, days: changes.length, message }
      : { changed: true, days: changes.length };
  }

  function* work(
    filter: ReplanFilter,
    chunk: number,
    sliceMs = Infinity,
  ): Generator<ReplanResult, ReplanResult> {
    const campaigns = activeCampaigns();
    const siteCache = new Map<string, PlanSite | null>();
    const factsCache = new Map<string, { site: PlanSite; facts: SiteFacts }>();
    const loopCache = new Map<string, StoredLoop | null>();
    const wantScreens = filter.screenIds ? new Set(filter.screenIds) : null;
    const wantSites = filter.siteIds ? new Set(filter.siteIds) : null;
    const total: ReplanResult = { screens: 0, changedScreens: [], days: 0 };
    let batch: string[] = [];
    // The slice's new messages, encoded once here: the gateway pushes these bytes as they are.
    let messages = new Map<string, PlanBytes>();
    const list = repos.plans
      .screens()
      .filter((s) => (!wantScreens || wantScreens.has(s.id)) && (!wantSites || wantSites.has(s.site_id)));
    let next = 0;
    // One transaction per slice, not per screen: a commit rewrites the pages it touched in the
    // WAL, so 200 screens in one commit write the shared B-tree pages once instead of 200 times.
    // The players of a slice hear of it only once it is committed.
    const slice = () => {
      // CPU time of the slice, not domain time: how long the event loop is held.
      const sliceStart = performance.now();
      for (let inSlice = 0; next < list.length;) {
        const s = list[next++]!;
        total.screens++;
        const r = planScreen(s, campaigns, siteCache, factsCache, loopCache);
        if (r.changed) {
          total.changedScreens.push(s.id);
          total.days += r.days;
          batch.push(s.id);
          if (r.message)
            messages.set(s.id, { version: r.message.version, bytes: Buffer.from(r.message.message) });
        }
        if (++inSlice >= chunk || performance.now() - sliceStart >= sliceMs) return;
      }
    };
    while (next < list.length) {
      repos.plans.transaction(slice);
      // Players of this slice can pull while the next one is planned.
      if (batch.length > 0) deps.events?.emit('plans-updated', { screenIds: batch, messages });
      batch = [];
      messages = new Map();
      if (next < list.length) yield total;
    }
    return total;
  }

  /** Re-plans the given screens (default: every screen) at once, storing only what changed. */
  function replan(filter: ReplanFilter = {}): ReplanResult {
    // Committed every 500 screens: the ingest writer's thread waits at most one such commit.
    const it = work(filter, 500);
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
  /** `filter` may be a function: it is read when the re-plan's turn comes, not when it is queued. */
  function enqueue(filter: ReplanFilter | (() => ReplanFilter) = {}, chunk?: number): Promise<ReplanResult> {
    const run = tail.then(() => replanInSlices(typeof filter === 'function' ? filter() : filter, chunk));
    // A failed re-plan must not stop the ones queued after it.
    tail = run.catch(() => undefined);
    return run;
  }

  // Screens that stored a failed play of today and wait for their re-plan. Coalesced: a failure
  // that arrives while the re-plan is still waiting its turn in the queue joins it, so a backlog
  // of failed records (or many screens failing at once) costs one re-plan, not one each.
  const failedWaiting = new Set<string>();
  let failedRun: Promise<ReplanResult> | null = null;
  function replanAfterFailure(screenId: string): Promise<ReplanResult> {
    failedWaiting.add(screenId);
    failedRun ??= enqueue(() => {
      const screenIds = [...failedWaiting];
      failedWaiting.clear();
      failedRun = null;
      return { screenIds };
    });
    return failedRun;
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
    /**
     * A play of today that did not complete was stored for this screen: the rest of its day is
     * re-planned (through the one queue) to play it again if the day has room.
     */
    replanAfterFailure,
    /** Resolves when every re-plan requested so far has finished (tests, shutdown). */
    idle: () => tail.then(() => undefined),
  };
}
export type PlanService = ReturnType<typeof createPlanService>;

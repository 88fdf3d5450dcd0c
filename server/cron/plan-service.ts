/**
 * The plan service: reads each screen's plan inputs from the database, runs the pure scheduler
 * (server/scheduler/) for the horizon, and stores the days whose plan changed under a new
 * per-screen version (screen_plans). Unchanged days keep their plan, items and ids.
 *
 * It re-plans when plan inputs change (domain event 'plan-inputs-changed') and when the cron
 * job rolls plans over at local midnight, then emits 'plans-updated' so the player gateway
 * tells connected players to pull.
 *
 * Screens of a site mostly have the same inputs: the same campaigns, no history of their own,
 * the same stored days. The scheduler runs for the first of them only; every other screen
 * whose inputs read the same (groupKey) gets that screen's days and plan message with its own
 * screen tag in the item ids, by string, and its own version (stamp). The result is the one
 * planning it alone gives, byte for byte (test/server/cron/plan-groups.test.ts).
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '#shared/clock.ts';
import { addDays, localDateOf } from '#shared/time.ts';
import type { DomainEventBus, PlanBytes } from '../events.ts';
import type { Repositories } from '../repositories/index.ts';
import type { PlanMessageRow } from '../repositories/plan-messages.ts';
import type { Plan } from '#shared/schemas/protocol.ts';
import {
  planJson,
  type PlanScreenRow,
  type StoredDay,
  type StoredLoop,
  type StoredPlanRow,
} from '../repositories/plans.ts';
import { toPlanCampaign, toPlanSite } from '../services/plan-inputs.ts';
import {
  DEFAULT_HORIZON_DAYS,
  pairingDayTarget,
  planScreenTogether,
  screenTag,
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

/**
 * What follows an item id in a stored day's JSON and in the `plan` message: item ids end with
 * `-<screen tag>` (server/scheduler/plan.ts planItemId), and a JSON string cannot hold a bare
 * `"`, so these only match where an item id ends.
 */
const ID_THEN_MEDIA = '","mediaSha256"';
const ID_THEN_CAMPAIGN = '","campaignId"';

/**
 * A screen's planned result as the screens with the same inputs take it: each day's JSON and
 * the stored message cut where the planned screen's tag stood (see stamp in createPlanService).
 */
interface Planned {
  days: Array<{ date: string; inputsHash: string; chunks: string[]; skipIfNew: boolean }>;
  /** The dates whose stored row changed, joined by commas. */
  changed: string;
  unsettledFrom: string | null;
  /** The message after its version field, cut at the tag; null when no row changed. */
  message: { v: number; chunks: string[] } | null;
}

/** The stored message cut at the screen's tag, or null when a cut could fall outside an item id. */
function cutMessage(row: { message: string; plan: Plan }, tag: string): Planned['message'] {
  const { plan, message } = row;
  const head = `{"type":"plan","v":${plan.v},"version":${plan.version},`;
  if (!message.startsWith(head)) return null;
  const chunks = message.slice(head.length).split(`-${tag}${ID_THEN_CAMPAIGN}`);
  const ids = plan.days.reduce(
    (n, d) =>
      n +
      d.items.filter((i) => i.id.endsWith(`-${tag}`)).length +
      (d.texts ?? []).filter((t) => t.id.endsWith(`-${tag}`)).length,
    0,
  );
  return chunks.length - 1 === ids ? { v: plan.v, chunks } : null;
}

/** What one re-plan shares between its screens. */
interface PlanContext {
  campaigns: PlanInput[];
  siteCache: Map<string, PlanSite | null>;
  factsCache: Map<string, { site: PlanSite; facts: SiteFacts }>;
  loopCache: Map<string, StoredLoop | null>;
  /** The instant the slice plans at (one per slice, so screens planned together agree). */
  clock: Clock;
  /** Planned results by group key (see groupKey), at `clock`'s instant; null: every screen alone. */
  groups: Map<string, Planned> | null;
  /** Screens the scheduler ran for so far. */
  scheduled: number;
  /** The slice's local date by time zone. */
  todayIn: Map<string, string>;
}

export interface PlanServiceDeps {
  repos: Repositories;
  clock: Clock;
  events?: DomainEventBus;
  horizonDays?: number;
  /**
   * Run the scheduler for every screen, even when another screen of the re-plan had the same
   * inputs (the reference the grouped planning is tested against). Default false.
   */
  planEachScreen?: boolean;
}

export interface ReplanFilter {
  screenIds?: readonly string[];
  siteIds?: readonly string[];
}

export interface ReplanResult {
  screens: number;
  /** Screens the scheduler ran for; the others took the plan of one with the same inputs. */
  scheduled: number;
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
  ): { key: string; loop: StoredLoop | null } {
    const own = repos.loops.forScreen(screenId);
    const key = own ? `screen:${screenId}` : `site:${siteId}`;
    if (cache.has(key)) return { key, loop: cache.get(key)! };
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
    return { key, loop: out };
  }

  /** One campaign of a screen's site, with what the screen's own history says about it. */
  interface ScreenCampaign {
    campaign: PlanCampaign;
    site: PlanSite;
    facts: SiteFacts;
    achieved: Record<string, number>;
    played: Array<{ startedAt: number }>;
    /** Today's plays stored as failed or interrupted: each may be played again today. */
    failed: number;
  }

  /**
   * Everything planning a screen reads except what names the screen, as one string: screens with
   * equal keys get equal plans but for their item ids' screen tag (and their versions). Only
   * reads it takes whole or whose effect is plain: the stored days with the screen's tag cut
   * out of their item ids (so their hashes, items and loops), the raw achieved counts, plays
   * done today and settled time, and the pairing instant only through what it changes (the
   * first day the screen owes, when that falls in the campaign, and its pairing day's target).
   * So screens with a history of their own (make-goods, an unsettled day) plan alone.
   */
  function groupKey(
    screen: Pick<PlanScreenRow, 'site_id' | 'paired_at_ms' | 'settled_ms'>,
    loopKey: string,
    tag: string,
    today: string,
    mine: readonly ScreenCampaign[],
    rows: readonly StoredPlanRow[],
  ): string {
    const { paired_at_ms: pairedAt } = screen;
    const parts: string[] = [screen.site_id, loopKey, String(screen.settled_ms)];
    for (const m of mine) {
      const from = pairedAt === null ? today : localDateOf(pairedAt, m.site.timeZone);
      const first = m.facts.targets[0]?.date;
      // computeMakeGoods skips days before accountableFrom: from the campaign's first day on,
      // every value skips none.
      parts.push(m.campaign.id, first !== undefined && from <= first ? '' : from);
      const day = pairedAt === null ? undefined : m.facts.targets.find((t) => t.date === from);
      parts.push(day ? String(pairingDayTarget(m.site, day.date, day.target, pairedAt)) : '');
      parts.push(JSON.stringify(m.achieved), m.played.map((p) => p.startedAt).join(','), String(m.failed));
    }
    const cut = `-${tag}${ID_THEN_MEDIA}`;
    for (const r of rows) parts.push(r.local_date, r.inputs_hash, r.plan.replaceAll(cut, ID_THEN_MEDIA));
    return parts.join('\u001e');
  }

  /**
   * Another screen's result with this screen's tag: each day's JSON and the stored message are
   * the planned screen's, cut at its tag and joined with this one's. Null when this screen's
   * stored days would change on other dates than the planned screen's (then it plans alone).
   */
  function stamp(
    screen: Pick<PlanScreenRow, 'id' | 'unsettled_from'>,
    planned: Planned,
    rows: readonly StoredPlanRow[],
    today: string,
    now: number,
  ): { changed: boolean; days: number; message?: PlanMessageRow } | null {
    const { id: screenId } = screen;
    const tag = screenTag(screenId);
    const stored = new Map(rows.filter((r) => r.local_date >= today).map((r) => [r.local_date, r]));
    const changes: Array<{ date: string; inputsHash: string; plan: string }> = [];
    const dayCut = `-${tag}${ID_THEN_MEDIA}`;
    for (const d of planned.days) {
      const json = d.chunks.join(dayCut);
      const before = stored.get(d.date);
      if (before ? before.inputs_hash === d.inputsHash && before.plan === json : d.skipIfNew) continue;
      changes.push({ date: d.date, inputsHash: d.inputsHash, plan: json });
    }
    if (changes.map((c) => c.date).join(',') !== planned.changed) return null;
    if (planned.unsettledFrom !== screen.unsettled_from)
      repos.plans.setUnsettled(screenId, planned.unsettledFrom);
    if (changes.length === 0) return { changed: false, days: 0 };
    const version = nextVersion(screenId);
    repos.plans.writePlans(screenId, version, changes, now);
    let message: PlanMessageRow | undefined;
    if (planned.message) {
      const { v, chunks } = planned.message;
      message = {
        version,
        message: `{"type":"plan","v":${v},"version":${version},${chunks.join(`-${tag}${ID_THEN_CAMPAIGN}`)}`,
      };
      repos.planMessages.put(screenId, version, message.message, now);
    } else message = storePlanMessage(repos.planMessages, screenId, now);
    return message
      ? { changed: true, days: changes.length, message }
      : { changed: true, days: changes.length };
  }

  function nextVersion(screenId: string): number {
    const current = repos.plans.screen(screenId);
    return Math.max(current?.plan_version ?? 0, repos.plans.maxVersion(screenId)) + 1;
  }

  function planScreen(
    screen: Pick<PlanScreenRow, 'id' | 'site_id' | 'paired_at_ms' | 'settled_ms' | 'unsettled_from'>,
    ctx: PlanContext,
  ): { changed: boolean; days: number; message?: PlanMessageRow } {
    const { campaigns, siteCache, factsCache, loopCache, clock: at } = ctx;
    const { id: screenId, site_id: siteId, paired_at_ms: pairedAt, settled_ms: settledMs } = screen;
    let base = siteCache.get(siteId);
    if (base === undefined) {
      const row = repos.plans.site(siteId);
      base = row ? toPlanSite(row) : null;
      siteCache.set(siteId, base);
    }
    if (!base) return { changed: false, days: 0 };
    const now = at.now();
    // Every screen of the slice plans at the same instant: its date per zone is worked out once.
    let today = ctx.todayIn.get(base.timeZone);
    if (today === undefined) ctx.todayIn.set(base.timeZone, (today = localDateOf(now, base.timeZone)));
    const last = addDays(today, horizon - 1);
    const rows = repos.plans.plansFrom(screenId, addDays(today, -SETTLE_AFTER_DAYS));
    const { key: loopKey, loop } = loopOf(siteId, screenId, loopCache);

    // Every campaign this site takes part in, with this screen's counts.
    const mine: ScreenCampaign[] = [];
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
      const todays = repos.plans.playsOn(screenId, campaign.id, today);
      mine.push({
        campaign,
        site: shared.site,
        facts: shared.facts,
        achieved: repos.plans.achieved(screenId, campaign.id),
        played: todays.played,
        failed: todays.failed,
      });
    }

    const tag = screenTag(screenId);
    const group = ctx.groups ? groupKey(screen, loopKey, tag, today, mine, rows) : null;
    if (group !== null) {
      const planned = ctx.groups!.get(group);
      if (planned) {
        const done = stamp(screen, planned, rows, today, now);
        if (done) return done;
      }
    }

    ctx.scheduled++;
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
    for (const { campaign, site, facts: siteFactsOf, played, failed, achieved: counted } of mine) {
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
      const achieved = { ...counted };
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
        alreadyPlayedToday: played,
        failedToday: failed,
        previous,
        siteFacts: siteFactsOf,
      });
    }

    // Per date: the merged day of every campaign this site takes part in.
    const fresh = new Map<string, StoredDay>();
    // A text communication's words, stored with the day beside its items.
    const textOf = new Map(campaigns.flatMap((c) => (c.text ? [[c.campaign.id, c.text] as const] : [])));
    for (const { campaign, horizon: h } of planScreenTogether({
      screen: { id: screenId },
      clock: at,
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

    // The gateway re-plans the screen when the player next reports no backlog.
    if (unsettledFrom !== screen.unsettled_from) repos.plans.setUnsettled(screenId, unsettledFrom);

    const changes: Array<{ date: string; inputsHash: string; plan: string }> = [];
    // What the screens with the same key take from this one (see stamp).
    const days: Planned['days'] = [];
    const dayCut = `-${tag}${ID_THEN_MEDIA}`;
    let stampable = group !== null;
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
      const skipIfNew = day.campaigns.length === 0 && !day.loop;
      if (stampable) {
        const chunks = json.split(dayCut);
        // Every cut must be an item id of this screen, or the copies would not be exact.
        if (chunks.length - 1 === day.items.filter((i) => i.id.endsWith(`-${tag}`)).length)
          days.push({ date: d, inputsHash: hash, chunks, skipIfNew });
        else stampable = false;
      }
      const before = stored.get(d);
      // Nothing stored and nothing to play: no row at all, so a screen outside every campaign
      // does not collect empty days.
      if (before ? before.inputs_hash === hash && before.plan === json : skipIfNew) continue;
      changes.push({ date: d, inputsHash: hash, plan: json });
      known.set(json, day);
    }
    let message: Planned['message'] = null;
    let row: PlanMessageRow | undefined;
    if (changes.length > 0) {
      const version = nextVersion(screenId);
      // The message the players get is serialised here, once, with the rows it is built from.
      repos.plans.writePlans(screenId, version, changes, now);
      const stored = storePlanMessage(repos.planMessages, screenId, now, known);
      message = stored ? cutMessage(stored, tag) : null;
      if (!message) stampable = false;
      if (stored) row = { version: stored.version, message: stored.message };
    }
    if (stampable && !ctx.groups!.has(group!))
      ctx.groups!.set(group!, {
        days,
        changed: changes.map((c) => c.date).join(','),
        unsettledFrom,
        message,
      });
    if (changes.length === 0) return { changed: false, days: 0 };
    return row
      ? { changed: true, days: changes.length, message: row }
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
    const groups = deps.planEachScreen ? null : new Map<string, Planned>();
    let groupsAt: number | null = null;
    const wantScreens = filter.screenIds ? new Set(filter.screenIds) : null;
    const wantSites = filter.siteIds ? new Set(filter.siteIds) : null;
    const total: ReplanResult = { screens: 0, scheduled: 0, changedScreens: [], days: 0 };
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
      // One instant per slice: a result planned at another instant is not another screen's.
      const at = clock.now();
      if (groups && at !== groupsAt) {
        groups.clear();
        groupsAt = at;
      }
      const ctx: PlanContext = {
        campaigns,
        siteCache,
        factsCache,
        loopCache,
        clock: { now: () => at },
        groups,
        scheduled: 0,
        todayIn: new Map(),
      };
      for (let inSlice = 0; next < list.length;) {
        const s = list[next++]!;
        total.screens++;
        const r = planScreen(s, ctx);
        total.scheduled += ctx.scheduled;
        ctx.scheduled = 0;
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

/**
 * Play counts per screen and day, measured against each screen's target, and rolled up by
 * site, district and venue type. Reports walk the period one local day at a time: each day is
 * one indexed query (plays_campaign_day), so an export can send its first rows while later days
 * are still unread, and memory holds one day at a time.
 *
 * Definitions (also in the README's Console section):
 * - play: a play row with outcome 'completed' whose hash chain checked out when it was uploaded;
 *   a completed play whose chain check failed (gap or mismatch) is counted apart as unverified
 *   ("chưa xác minh") and is not in plays, compliance or the peak share;
 * - target of a screen on a day: the scheduler's base target for the site and day (the
 *   campaign's plays/day or the site's raise, under the campaign's average basis; 0 on days the
 *   site does not operate); screens count from the day they were paired until revoked;
 * - offline time: the part of the day (up to now) that no connection session of the screen
 *   covers (screen_sessions, written by the player gateway), counted from when sessions were
 *   first recorded; before that it is unknown and nothing is attributed to it;
 * - planned while offline: the screen's plan items for the campaign (screen_plans) whose start
 *   lies in its offline time; for a day without a stored plan, round(target × offline open time
 *   / open time), i.e. the target spread evenly over the open hours;
 * - shortfall = max(0, due − plays); of it, offline = min(shortfall, planned while offline), and
 *   the rest is "other" (failed or interrupted plays, a player that ran but fell behind, …).
 *   A player journals while disconnected and uploads later, so a play made offline still counts
 *   as achieved and leaves no shortfall to attribute.
 */
import { venueTypeLabel, type OpeningHours, type VenueType } from '#shared/schemas/domain.ts';
import type { ReportGroup, ReportGroupRow, ReportQuery, ReportResult } from '#shared/schemas/reports.ts';
import { eachDate } from '#shared/time.ts';
import { openIntervals, dayEnd, dayStart, hourSlices } from '../scheduler/day.ts';
import { baseTargetFor, operatingDays, pairingDayTarget, withRaises } from '../scheduler/targets.ts';
import type { PlanCampaign, PlanSite } from '../scheduler/types.ts';
import { notFound } from '../errors.ts';
import { countInside, offlineIntervals, overlapMs, type Span } from './offline.ts';
import type { Repositories } from '../repositories/index.ts';
import { siteJson } from '../repositories/sites.ts';
import { planCampaignOf } from '../services/plan-inputs.ts';
import type {
  ReportCampaignRow,
  ReportRegionRow,
  ReportScreenRow,
  ReportSiteRow,
  OverrideRow,
} from '../repositories/reports.ts';

export interface SiteInfo {
  row: ReportSiteRow;
  hours: OpeningHours;
  districtId: string;
  districtName: string;
  wardName: string;
}

export interface ReportContext {
  campaign: ReportCampaignRow;
  sites: Map<string, SiteInfo>;
  regions: Map<string, ReportRegionRow>;
  /** Each site's screens, including screens moved away from it (see `atSiteWhenDayEnds`). */
  screensBySite: Map<string, ReportScreenRow[]>;
  /** Moved screens only: the sites they were at, each from a time until a time (ms). */
  siteSpans: Map<string, { siteId: string; fromMs: number; untilMs: number }[]>;
  screens: Map<string, ReportScreenRow>;
  overridesBySite: Map<string, OverrideRow[]>;
  plan: PlanCampaign;
  /** Sites that take part, as the campaigns repository decides it. */
  participating: ReadonlySet<string>;
  /** The report's "now": days after it are not due yet, today only in part. */
  nowMs: number;
  /** Operating days per site, cached for the calendar-day average basis. */
  operatingDays: Map<string, string[]>;
  /** From when connection sessions exist (null: never); offline time before it is unknown. */
  trackingSince: number | null;
}

/** What the caller may see: null = everything, else these site ids. */
export type SiteScope = ReadonlySet<string> | null;

export function loadContext(repos: Repositories, campaignId: string, nowMs: number): ReportContext {
  const campaign = repos.reports.campaign(campaignId);
  if (!campaign) throw notFound('chiến dịch / campaign', campaignId);
  const regions = new Map(repos.reports.regions().map((r) => [r.id, r]));
  const sites = new Map<string, SiteInfo>();
  for (const row of repos.reports.sites()) {
    const hours = siteJson.openingHours(row.opening_hours, row.id);
    const { district, ward } = districtOf(regions, row.region_id);
    sites.set(row.id, {
      row,
      hours,
      districtId: district?.id ?? '',
      districtName: district?.name ?? 'Không thuộc quận/huyện / No district',
      wardName: ward?.name ?? '',
    });
  }
  const screensBySite = new Map<string, ReportScreenRow[]>();
  const screens = new Map<string, ReportScreenRow>();
  for (const s of repos.reports.screens()) {
    screens.set(s.id, s);
    const list = screensBySite.get(s.site_id) ?? [];
    list.push(s);
    screensBySite.set(s.site_id, list);
  }
  // A moved screen is listed under every site it was at; which one a day counts at is decided
  // per day by its spans.
  const siteSpans = new Map<string, { siteId: string; fromMs: number; untilMs: number }[]>();
  for (const m of repos.reports.moves()) {
    const spans = siteSpans.get(m.screen_id) ?? [];
    const last = spans.at(-1);
    if (last) last.untilMs = m.moved_at_ms;
    else spans.push({ siteId: m.from_site_id, fromMs: -Infinity, untilMs: m.moved_at_ms });
    spans.push({ siteId: m.to_site_id, fromMs: m.moved_at_ms, untilMs: Infinity });
    siteSpans.set(m.screen_id, spans);
    const screen = screens.get(m.screen_id);
    const list = screensBySite.get(m.from_site_id) ?? [];
    if (screen && !list.includes(screen)) {
      list.push(screen);
      screensBySite.set(m.from_site_id, list);
    }
  }
  const overridesBySite = new Map<string, OverrideRow[]>();
  for (const o of repos.reports.overrides(campaignId)) {
    const list = overridesBySite.get(o.site_id) ?? [];
    list.push(o);
    overridesBySite.set(o.site_id, list);
  }
  return {
    campaign,
    sites,
    regions,
    screensBySite,
    siteSpans,
    screens,
    overridesBySite,
    // Reports count targets, which do not depend on the video; a campaign without one still has them.
    plan: planCampaignOf(campaign, {
      sha256: campaign.media_sha256 ?? '',
      durationMs: campaign.media_duration_ms ?? 30_000,
    }),
    operatingDays: new Map(),
    participating: new Set(repos.campaigns.participatingSiteIds(campaignId)),
    nowMs,
    trackingSince: repos.screenSessions.trackingSince(),
  };
}

/** Walks up the region tree to the district-level ancestor; the tree's depth is data. */
export function districtOf(
  regions: Map<string, ReportRegionRow>,
  regionId: string | null,
): { district: ReportRegionRow | undefined; ward: ReportRegionRow | undefined } {
  let ward: ReportRegionRow | undefined;
  let cur = regionId ? regions.get(regionId) : undefined;
  const first = cur;
  for (let guard = 0; cur && guard < 32; guard++) {
    // The ward column names the ward-level region; below a district without one, the site's own region.
    if (cur.level === 'district') return { district: cur, ward: ward ?? (first !== cur ? first : undefined) };
    if (cur.level === 'ward') ward = cur;
    cur = cur.parent_id ? regions.get(cur.parent_id) : undefined;
  }
  // No district level above (e.g. the 2025 two-level shape): report the nearest region.
  return { district: first, ward };
}

function inSubtree(regions: Map<string, ReportRegionRow>, regionId: string | null, root: string): boolean {
  let cur = regionId ? regions.get(regionId) : undefined;
  for (let guard = 0; cur && guard < 32; guard++) {
    if (cur.id === root) return true;
    cur = cur.parent_id ? regions.get(cur.parent_id) : undefined;
  }
  return false;
}

/** The sites a query covers: participation ∩ filters ∩ the caller's scope. */
export function sitesFor(
  ctx: ReportContext,
  q: Pick<ReportQuery, 'siteId' | 'regionId' | 'venueType'>,
  scope: SiteScope,
): SiteInfo[] {
  const out: SiteInfo[] = [];
  for (const site of ctx.sites.values()) {
    if (scope && !scope.has(site.row.id)) continue;
    if (q.siteId && site.row.id !== q.siteId) continue;
    if (q.venueType && site.row.venue_type !== q.venueType) continue;
    if (q.regionId && !inSubtree(ctx.regions, site.row.region_id, q.regionId)) continue;
    if (!ctx.participating.has(site.row.id)) continue;
    out.push(site);
  }
  return out;
}

/** The site as the plan service sees it: the same raise history, read by the same function. */
function planSiteOf(ctx: ReportContext, site: SiteInfo): PlanSite {
  return withRaises(
    {
      id: site.row.id,
      venueType: site.row.venue_type as VenueType,
      timeZone: site.row.time_zone,
      openingHours: site.hours,
      peakProfile: null,
    },
    ctx.overridesBySite.get(site.row.id) ?? [],
  );
}

/** An open stretch of one local hour: [start, end) in ms and its hour of day. */
interface OpenSlice {
  start: number;
  end: number;
  hour: number;
}

export interface DayFrame {
  /** The day's base target per screen (scheduler's count). */
  target: number;
  /** The part of it due by `now`: all of it for a past day, a share of open time for today, 0 ahead. */
  due: number;
  /** Open hours of the day that have passed by `now`. */
  openHours: number;
  /** All open time of the day in ms, passed or not. */
  totalOpenMs: number;
  /** Open time by `now`, cut at local hour boundaries. */
  slices: OpenSlice[];
  /** The local day as instants [start, end). */
  start: number;
  end: number;
}

export function dayFrame(ctx: ReportContext, site: SiteInfo, date: string): DayFrame {
  const zone = site.row.time_zone;
  const open = openIntervals(site.hours, date, zone);
  const planSite = planSiteOf(ctx, site);
  let days: string[] | undefined;
  if (ctx.plan.averageBasis === 'calendar_day') {
    days = ctx.operatingDays.get(site.row.id);
    if (!days) ctx.operatingDays.set(site.row.id, (days = operatingDays(ctx.plan, planSite)));
  }
  const target = baseTargetFor(ctx.plan, planSite, date, days);
  const slices: OpenSlice[] = [];
  let totalOpen = 0;
  for (const sl of hourSlices(date, zone)) {
    for (const [a, b] of open) {
      const s0 = Math.max(a, sl.start);
      const e0 = Math.min(b, sl.end);
      if (e0 <= s0) continue;
      totalOpen += e0 - s0;
      const e1 = Math.min(e0, ctx.nowMs);
      if (e1 > s0) slices.push({ start: s0, end: e1, hour: sl.hourOfWeek % 24 });
    }
  }
  const passed = slices.reduce((n, x) => n + (x.end - x.start), 0);
  const due =
    totalOpen > 0
      ? passed >= totalOpen
        ? target
        : Math.floor((target * passed) / totalOpen)
      : dayEnd(date, zone) <= ctx.nowMs
        ? target
        : 0;
  const openHours = passed / 3_600_000;
  return {
    target,
    due,
    openHours,
    totalOpenMs: totalOpen,
    slices,
    start: dayStart(date, zone),
    end: dayEnd(date, zone),
  };
}

export interface OfflineShare {
  /** Offline time within the day's open hours, by now. */
  offlineOpenMs: number;
  /** Planned plays whose start fell in offline time (see the header for days without a plan). */
  plannedOffline: number;
  /** Whether `plannedOffline` came from stored plan items (else from the target). */
  fromPlan: boolean;
}

/**
 * A screen's offline time on a day and the plays planned in it. `sessions` are the screen's
 * sessions overlapping the day; `planned` loads its plan item starts only when needed (most
 * screens are never offline, and their plans need not be read).
 */
export function offlineShare(
  ctx: ReportContext,
  frame: DayFrame,
  sessions: readonly Span[],
  planned: () => number[],
): OfflineShare {
  const none = { offlineOpenMs: 0, plannedOffline: 0, fromPlan: false };
  if (ctx.trackingSince === null) return none;
  const from = Math.max(frame.start, ctx.trackingSince);
  const to = Math.min(frame.end, ctx.nowMs);
  const offline = offlineIntervals(from, to, sessions, ctx.nowMs);
  if (offline.length === 0) return none;
  const offlineOpenMs = overlapMs(offline, frame.slices);
  const starts = planned();
  if (starts.length > 0)
    return { offlineOpenMs, plannedOffline: countInside(starts, offline), fromPlan: true };
  const plannedOffline =
    frame.totalOpenMs > 0 ? Math.round((frame.target * offlineOpenMs) / frame.totalOpenMs) : 0;
  return { offlineOpenMs, plannedOffline, fromPlan: false };
}

/** Screens that count toward a site's target on a day: paired by its end, not revoked before it began. */
/**
 * Whether a screen counts at `siteId` for the day ending at `dayEndMs`: the site it was at when
 * the day ended. Screens never moved count at their one site.
 */
export function atSiteWhenDayEnds(
  ctx: ReportContext,
  screenId: string,
  siteId: string,
  dayEndMs: number,
): boolean {
  const spans = ctx.siteSpans.get(screenId);
  if (!spans) return true;
  return spans.some((s) => s.siteId === siteId && s.fromMs < dayEndMs && dayEndMs <= s.untilMs);
}

export function screensOn(
  ctx: ReportContext,
  site: SiteInfo,
  date: string,
  day: { start: number; end: number } = {
    start: dayStart(date, site.row.time_zone),
    end: dayEnd(date, site.row.time_zone),
  },
): ReportScreenRow[] {
  const { start, end } = day;
  return (ctx.screensBySite.get(site.row.id) ?? []).filter(
    (s) =>
      atSiteWhenDayEnds(ctx, s.id, site.row.id, end) &&
      s.paired_at_ms !== null &&
      s.paired_at_ms < end &&
      (s.revoked_at_ms === null || s.revoked_at_ms > start),
  );
}

export interface ScreenDayRow {
  date: string;
  site: SiteInfo;
  screenId: string;
  screenName: string;
  plays: number;
  peakPlays: number;
  /** Completed plays whose chain check failed: counted apart, never in `plays`. */
  unverified: number;
  notCompleted: number;
  target: number;
  /** The part of the target due by now (see DayFrame). */
  due: number;
  openHours: number;
  /** Open hours (by now) in which the screen was offline: offlineMinutes / 60, two decimals. */
  silentHours: number;
  /** Minutes of the day's open hours (by now) in which the screen had no connection. */
  offlineMinutes: number;
  /** Planned plays that fell in offline time (see the header). */
  plannedOffline: number;
  shortfall: number;
  shortfallOffline: number;
  /** shortfall − shortfallOffline. */
  shortfallOther: number;
}

const NOT_COUNTED: OfflineShare = { offlineOpenMs: 0, plannedOffline: 0, fromPlan: false };

/** One local day's rows for every screen in the covered sites, in site then screen order. */
export function screenDayRows(
  repos: Repositories,
  ctx: ReportContext,
  sites: SiteInfo[],
  date: string,
  allSites: boolean,
): ScreenDayRow[] {
  const ids = allSites ? null : new Set(sites.map((s) => s.row.id));
  const counts = repos.reports.screenDay(ctx.campaign.id, date, ids);
  const rows: ScreenDayRow[] = [];
  // A day's frame depends only on the site's zone, opening hours and raises: sites without a
  // raise of their own that share hours and zone (most of a fleet) share one frame, worked out
  // once per day instead of once per site.
  const shared = new Map<string, DayFrame>();
  const frames = new Map<string, DayFrame>();
  for (const site of sites) {
    if (ctx.overridesBySite.has(site.row.id)) {
      frames.set(site.row.id, dayFrame(ctx, site, date));
      continue;
    }
    const key = `${site.row.time_zone}\n${site.row.opening_hours}`;
    let frame = shared.get(key);
    if (!frame) shared.set(key, (frame = dayFrame(ctx, site, date)));
    frames.set(site.row.id, frame);
  }
  // One query for the day's sessions: the widest window over the sites' zones.
  const sessionsByScreen = new Map<string, Span[]>();
  if (frames.size && ctx.trackingSince !== null) {
    let from = Infinity;
    let to = -Infinity;
    for (const f of frames.values()) {
      from = Math.min(from, f.start);
      to = Math.max(to, f.end);
    }
    for (const sp of repos.screenSessions.overlapping(from, to)) {
      const list = sessionsByScreen.get(sp.screen_id) ?? [];
      list.push(sp);
      sessionsByScreen.set(sp.screen_id, list);
    }
  }
  // Most screens are never offline; the plans of those that were are read one by one, and only
  // when the screen has a stored plan that day.
  let withPlan: ReadonlySet<string> | undefined;
  const plannedStarts = (screenId: string) => {
    withPlan ??= repos.reports.plannedScreens(date);
    return withPlan.has(screenId)
      ? repos.reports.plannedStarts(screenId, date, ctx.campaign.id, ctx.campaign.media_sha256)
      : [];
  };
  // A screen with no session that day and no stored plan has the same offline share as every
  // other such screen under the same frame (offline all day, the target spread over its open
  // time): worked out once per frame, not once per screen.
  const silentShare = new Map<DayFrame, OfflineShare>();
  const noSessions: Span[] = [];
  const offlineOf = (frame: DayFrame, screenId: string): OfflineShare => {
    if (ctx.trackingSince === null) return NOT_COUNTED;
    const sessions = sessionsByScreen.get(screenId);
    if (sessions) return offlineShare(ctx, frame, sessions, () => plannedStarts(screenId));
    withPlan ??= repos.reports.plannedScreens(date);
    if (withPlan.has(screenId)) return offlineShare(ctx, frame, noSessions, () => plannedStarts(screenId));
    let share = silentShare.get(frame);
    if (!share) silentShare.set(frame, (share = offlineShare(ctx, frame, noSessions, () => [])));
    return share;
  };
  const listed: ReportScreenRow[] = [];
  const extra: ReportScreenRow[] = [];
  for (const site of sites) {
    const frame = frames.get(site.row.id)!;
    // The screens that count (as screensOn decides), then those that no longer count but still
    // uploaded plays for this day: a screen revoked earlier counts its plays too.
    listed.length = 0;
    extra.length = 0;
    for (const s of ctx.screensBySite.get(site.row.id) ?? []) {
      if (!atSiteWhenDayEnds(ctx, s.id, site.row.id, frame.end)) continue;
      if (
        s.paired_at_ms !== null &&
        s.paired_at_ms < frame.end &&
        (s.revoked_at_ms === null || s.revoked_at_ms > frame.start)
      )
        listed.push(s);
      else if (counts.has(s.id)) extra.push(s);
    }
    const nListed = listed.length;
    for (let k = 0; k < nListed + extra.length; k++) {
      const screen = k < nListed ? listed[k]! : extra[k - nListed]!;
      const c = counts.get(screen.id);
      const plays = c?.plays ?? 0;
      const counted = k < nListed;
      let target = counted ? frame.target : 0;
      let due = counted ? frame.due : 0;
      const paired = screen.paired_at_ms;
      if (counted && paired !== null && paired > frame.start && paired < frame.end) {
        // The pairing day owes only the open time left after pairing, as the plan service plans it.
        target = pairingDayTarget(planSiteOf(ctx, site), date, frame.target, paired);
        const open = openIntervals(site.hours, date, site.row.time_zone);
        const left = open.reduce((n, [a, b]) => n + Math.max(0, b - Math.max(a, paired)), 0);
        const passed = open.reduce(
          (n, [a, b]) => n + Math.max(0, Math.min(b, ctx.nowMs) - Math.max(a, paired)),
          0,
        );
        due =
          ctx.nowMs <= paired
            ? 0
            : left <= 0 || passed >= left
              ? target
              : Math.floor((target * passed) / left);
      }
      const shortfall = Math.max(0, due - plays);
      // A screen that no longer counts (revoked before the day) owes nothing, offline or not.
      const off = counted ? offlineOf(frame, screen.id) : NOT_COUNTED;
      const offlineMinutes = Math.round(off.offlineOpenMs / 60_000);
      const shortfallOffline = Math.min(shortfall, off.plannedOffline);
      rows.push({
        date,
        site,
        screenId: screen.id,
        screenName: screen.name,
        plays,
        peakPlays: c?.peak_plays ?? 0,
        unverified: c?.unverified ?? 0,
        notCompleted: c?.not_completed ?? 0,
        target,
        due,
        openHours: frame.openHours,
        silentHours: Math.round((off.offlineOpenMs / 3_600_000) * 100) / 100,
        offlineMinutes,
        plannedOffline: off.plannedOffline,
        shortfall,
        shortfallOffline,
        shortfallOther: shortfall - shortfallOffline,
      });
    }
  }
  return rows;
}

interface Acc {
  key: string;
  label: string;
  screens: Set<string>;
  plays: number;
  unverified: number;
  target: number;
  due: number;
  peakPlays: number;
  shortfall: number;
  shortfallOffline: number;
  shortfallOther: number;
  offlineMinutes: number;
  silentHours: number;
}

function newAcc(key: string, label: string): Acc {
  return {
    key,
    label,
    screens: new Set(),
    plays: 0,
    unverified: 0,
    target: 0,
    due: 0,
    peakPlays: 0,
    shortfall: 0,
    shortfallOffline: 0,
    shortfallOther: 0,
    offlineMinutes: 0,
    silentHours: 0,
  };
}

function add(acc: Acc, r: ScreenDayRow): void {
  acc.screens.add(r.screenId);
  acc.plays += r.plays;
  acc.unverified += r.unverified;
  acc.target += r.target;
  acc.due += r.due;
  acc.peakPlays += r.peakPlays;
  acc.shortfall += r.shortfall;
  acc.shortfallOffline += r.shortfallOffline;
  acc.shortfallOther += r.shortfallOther;
  acc.offlineMinutes += r.offlineMinutes;
  acc.silentHours += r.silentHours;
}

const pct = (num: number, den: number) => (den > 0 ? Math.round((num / den) * 1000) / 10 : null);

function finish(acc: Acc): ReportGroupRow {
  return {
    key: acc.key,
    label: acc.label,
    screens: acc.screens.size,
    plays: acc.plays,
    unverifiedPlays: acc.unverified,
    target: acc.target,
    due: acc.due,
    compliancePct: pct(acc.plays, acc.due),
    peakPlays: acc.peakPlays,
    peakSharePct: pct(acc.peakPlays, acc.plays),
    shortfall: acc.shortfall,
    shortfallOffline: acc.shortfallOffline,
    shortfallOther: acc.shortfallOther,
    offlineMinutes: acc.offlineMinutes,
    silentHours: Math.round(acc.silentHours * 10) / 10,
  };
}

export function groupKey(r: ScreenDayRow, by: ReportGroup): [string, string] {
  switch (by) {
    case 'screen':
      return [r.screenId, `${r.screenName} — ${r.site.row.name}`];
    case 'site':
      return [r.site.row.id, r.site.row.name];
    case 'district':
      return [r.site.districtId, r.site.districtName];
    case 'venue_type': {
      const t = r.site.row.venue_type as VenueType;
      return [t, venueTypeLabel(t)];
    }
  }
}

export function groupRows(
  rows: Iterable<ScreenDayRow>,
  by: ReportGroup,
): { groups: ReportGroupRow[]; totals: ReportGroupRow } {
  const groups = new Map<string, Acc>();
  const total = newAcc('total', 'Tổng / Total');
  for (const r of rows) {
    const [key, label] = groupKey(r, by);
    let acc = groups.get(key);
    if (!acc) groups.set(key, (acc = newAcc(key, label)));
    add(acc, r);
    add(total, r);
  }
  return {
    groups: [...groups.values()].map(finish).sort((a, b) => a.label.localeCompare(b.label, 'vi')),
    totals: finish(total),
  };
}

/** The JSON report the console draws: groups, a daily series against target, and hour of day. */
export function buildReport(
  repos: Repositories,
  q: ReportQuery,
  scope: SiteScope,
  nowMs: number,
): ReportResult {
  const ctx = loadContext(repos, q.campaignId, nowMs);
  const sites = sitesFor(ctx, q, scope);
  const allSites =
    scope === null && !q.siteId && !q.regionId && !q.venueType && sites.length === ctx.sites.size;
  const ids = allSites ? null : new Set(sites.map((s) => s.row.id));
  const groups = new Map<string, Acc>();
  const total = newAcc('total', 'Tổng / Total');
  const daily: ReportResult['daily'] = [];
  const hourly = Array.from({ length: 24 }, (_, hour) => ({ hour, plays: 0, peakPlays: 0 }));
  for (const date of eachDate(q.from, q.to)) {
    let plays = 0;
    let target = 0;
    let due = 0;
    for (const r of screenDayRows(repos, ctx, sites, date, allSites)) {
      const [key, label] = groupKey(r, q.groupBy);
      let acc = groups.get(key);
      if (!acc) groups.set(key, (acc = newAcc(key, label)));
      add(acc, r);
      add(total, r);
      plays += r.plays;
      target += r.target;
      due += r.due;
    }
    daily.push({ date, plays, target, due });
    for (const h of repos.reports.siteHoursOfDay(ctx.campaign.id, date, ids)) {
      const slot = hourly[h.local_hour];
      if (slot) {
        slot.plays += h.plays;
        slot.peakPlays += h.peak_plays;
      }
    }
  }
  return {
    campaignId: ctx.campaign.id,
    from: q.from,
    to: q.to,
    timeZone: ctx.campaign.time_zone,
    groupBy: q.groupBy,
    totals: finish(total),
    groups: [...groups.values()].map(finish).sort((a, b) => a.label.localeCompare(b.label, 'vi')),
    complianceIncludesUnverified: false as const,
    daily,
    hourly,
  };
}

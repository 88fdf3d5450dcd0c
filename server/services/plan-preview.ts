/**
 * The campaign editor's plan preview: what one screen of a venue type would play on a date with
 * the given target and weights. It is the scheduler's own planDay, run as if the day had not
 * started, then counted per local hour.
 */
import { VirtualClock, type Clock } from '#shared/clock.ts';
import { DEFAULT_TIME_ZONE, OpeningHours } from '#shared/schemas/domain.ts';
import type { PlanPreviewRequest, PlanPreviewResult } from '#shared/schemas/reports.ts';
import { instantToZoned } from '#shared/time.ts';
import { campaignJson } from '../repositories/campaigns.ts';
import { siteJson } from '../repositories/sites.ts';
import type { Repositories } from '../repositories/index.ts';
import { FLAT_PROFILE, hourSlices, isPeakWeight, openIntervals, profileSlices } from '../scheduler/day.ts';
import { planDay } from '../scheduler/plan.ts';
import type { PlanCampaign, PlanSite } from '../scheduler/types.ts';
import { planCampaignOf } from './plan-inputs.ts';

/** Opening hours for a venue type the campaign has no defaults for. */
const DEFAULT_HOURS = OpeningHours.parse({
  mon: [['07:00', '22:00']],
  tue: [['07:00', '22:00']],
  wed: [['07:00', '22:00']],
  thu: [['07:00', '22:00']],
  fri: [['07:00', '22:00']],
  sat: [['07:00', '22:00']],
  sun: [['07:00', '22:00']],
});

/**
 * The opening hours most of the sites share that take part and follow the venue type's profile
 * (the hours the console's painter shows as open), so the preview plans a real site's day;
 * null when no such site exists.
 */
function typicalHours(repos: Repositories, campaignId: string, venueType: string): OpeningHours | null {
  const counts = new Map<string, { n: number; siteId: string }>();
  for (const id of repos.campaigns.participatingSiteIds(campaignId)) {
    const s = repos.sites.get(id);
    if (!s || s.venue_type !== venueType || s.peak_profile !== null) continue;
    const c = counts.get(s.opening_hours);
    if (c) c.n++;
    else counts.set(s.opening_hours, { n: 1, siteId: s.id });
  }
  let best: [string, { n: number; siteId: string }] | undefined;
  for (const e of counts) if (!best || e[1].n > best[1].n) best = e;
  return best ? siteJson.openingHours(best[0], best[1].siteId) : null;
}

/** The request's campaign, or the first one; null when there is none at all. */
export function planPreview(repos: Repositories, clock: Clock, b: PlanPreviewRequest): PlanPreviewResult {
  const row = b.campaignId ? repos.reports.campaign(b.campaignId) : repos.reports.campaigns()[0];
  const zone = row?.time_zone ?? DEFAULT_TIME_ZONE;
  let hours = DEFAULT_HOURS;
  let saved: PlanCampaign['peakProfiles'][keyof PlanCampaign['peakProfiles']];
  let base: PlanCampaign | null = null;
  if (row) {
    const defaults = campaignJson.venueDefaults(row.venue_defaults, row.id)[b.venueType];
    hours = typicalHours(repos, row.id, b.venueType) ?? defaults?.openingHours ?? DEFAULT_HOURS;
    // The same campaign as the reports see it; only the previewed target and weights differ.
    base = planCampaignOf(row, {
      sha256: row.media_sha256 ?? '',
      durationMs: row.media_duration_ms ?? 30_000,
    });
    saved = base.peakProfiles[b.venueType];
  }
  const profile = b.profile ?? saved ?? FLAT_PROFILE;
  const campaign: PlanCampaign = {
    ...(base ?? {
      id: 'preview',
      mediaSha256: '',
      mediaDurationMs: 30_000,
      timeZone: zone,
      makeGoodCapPct: 50,
    }),
    firstDay: b.date,
    lastDay: b.date,
    targetPerDay: b.targetPerDay,
    averageBasis: 'operating_day',
    peakProfiles: { [b.venueType]: profile },
  };
  const site: PlanSite = {
    id: 'preview',
    venueType: b.venueType,
    timeZone: zone,
    openingHours: hours,
    peakProfile: null,
  };
  const open = openIntervals(hours, b.date, zone);
  const slices = hourSlices(b.date, zone);
  const out = Array.from({ length: 24 }, (_, hour) => ({ hour, plays: 0, peak: false, open: false }));
  for (const s of slices) {
    const z = instantToZoned(s.start, zone);
    const slot = out[z.hour]!;
    slot.open = slot.open || open.some(([a, e]) => a < s.end && e > s.start);
  }
  // An hour is drawn as peak when any part of it is (a 06:45–07:30 window marks 06 and 07).
  for (const w of profileSlices(b.date, zone, profile)) {
    if (!isPeakWeight(w.weight)) continue;
    for (let t = w.start; t < w.end; t += 60_000) out[instantToZoned(t, zone).hour]!.peak = true;
  }
  // Planned as if the day had not started: from its first local hour.
  const planClock = new VirtualClock(slices[0]?.start ?? clock.now());
  const plan = planDay({ campaign, site, screen: { id: 'preview' }, date: b.date, clock: planClock });
  let peak = 0;
  for (const item of plan.items) {
    const z = instantToZoned(item.start, zone);
    out[z.hour]!.plays++;
    if (item.peak) peak++;
  }
  const total = plan.items.length;
  return {
    date: b.date,
    venueType: b.venueType,
    hours: out,
    total,
    peakShare: total ? Math.round((peak / total) * 1000) / 10 : 0,
    source: 'scheduler',
  };
}

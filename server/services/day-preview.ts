/**
 * The loop editor's day preview: one screen's stored plan for a date (the plan the server
 * issued, so the spots are at the seconds the player will cut them in) with the loop laid
 * around them exactly as the player works it out (player/core/loop-timeline.ts, pure).
 */
import type { DayPreview } from '#shared/schemas/api.ts';
import type { PlanDay } from '#shared/schemas/protocol.ts';
import { startOfLocalDay, startOfNextLocalDay } from '#shared/time.ts';
import { loopShowings } from '#player/core/loop-timeline.ts';
import { planJson } from '../repositories/plans.ts';
import type { Repositories } from '../repositories/index.ts';
import type { SiteRow } from '../repositories/sites.ts';

/**
 * The preview for `date` at `site`, on `screenId` or, without one, on the first screen of the
 * site that has a plan stored for the day. Null when `screenId` is not a screen of the site.
 */
export function dayPreview(
  repos: Repositories,
  site: SiteRow,
  date: string,
  screenId?: string,
): DayPreview | null {
  const screens = repos.screens.listBySite(site.id).filter((s) => s.status !== 'revoked');
  const stored = (id: string) => repos.plans.plansFrom(id, date).find((r) => r.local_date === date);
  let screen = screenId ? screens.find((s) => s.id === screenId) : undefined;
  if (screenId && !screen) return null;
  screen ??= screens.find((s) => stored(s.id)) ?? screens[0];
  const settings = repos.loops.settings(site.id) ?? {
    resume: 'next' as const,
    outsideHours: 'idle' as const,
  };
  const row = screen ? stored(screen.id) : undefined;
  const base = {
    siteId: site.id,
    date,
    timeZone: site.time_zone,
    screenId: screen?.id ?? null,
    screenName: screen?.name ?? null,
  };
  if (!screen || !row) {
    return { ...base, planned: false, ...settings, open: [], spots: [], loop: [] };
  }
  const plan = planJson.day(row.plan, `${screen.id}/${date}`);
  const media = new Map<string, { name: string; kind: 'video' | 'image' }>();
  const mediaOf = (sha: string) => {
    let m = media.get(sha);
    if (!m) {
      const r = repos.media.get(sha);
      m = { name: r?.name ?? sha.slice(0, 12), kind: r?.kind ?? 'video' };
      media.set(sha, m);
    }
    return m;
  };
  const campaignNames = new Map<string, string>();
  const campaignName = (id: string) => {
    let n = campaignNames.get(id);
    if (n === undefined) {
      n = repos.campaigns.get(id)?.name ?? id;
      campaignNames.set(id, n);
    }
    return n;
  };
  const items = plan.items
    .map((i) => ({ ...i, campaignId: i.campaignId ?? '' }))
    .sort((a, b) => a.start - b.start);
  const day: PlanDay = {
    date,
    items,
    ...(plan.open ? { open: plan.open } : {}),
    ...(plan.loop ? { loop: plan.loop } : {}),
  };
  const showings = loopShowings(
    [day],
    () => true,
    startOfLocalDay(date, site.time_zone),
    startOfNextLocalDay(date, site.time_zone),
  );
  const loop = showings.map((s) => ({
    mediaSha256: s.mediaSha256,
    name: mediaOf(s.mediaSha256).name,
    kind: mediaOf(s.mediaSha256).kind,
    start: s.start,
    end: s.end,
    offsetMs: s.offsetMs,
  }));
  const endingAt = new Map(loop.map((s) => [s.end, s]));
  const startingAt = new Map(loop.map((s) => [s.start, s]));
  return {
    ...base,
    planned: true,
    resume: plan.loop?.resume ?? settings.resume,
    outsideHours: plan.loop?.outsideHours ?? settings.outsideHours,
    open: plan.open ?? [],
    spots: items.map((i) => {
      const cut = endingAt.get(i.start);
      const next = startingAt.get(i.end);
      return {
        id: i.id,
        campaignId: i.campaignId,
        campaignName: campaignName(i.campaignId),
        mediaName: mediaOf(i.mediaSha256).name,
        start: i.start,
        end: i.end,
        peak: i.peak,
        cuts: cut ? cut.name : null,
        resumesWith: next ? { name: next.name, offsetMs: next.offsetMs } : null,
      };
    }),
    loop,
  };
}

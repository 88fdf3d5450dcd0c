/**
 * The `plan` message of one screen, serialised once. It is built from the stored per-screen
 * plans (screen_plans, written by the plan service): yesterday, today and later in the site's
 * own zone, with the media list. The plan service stores the bytes when it writes a screen's
 * plan (plan_messages); the gateway pushes those bytes on a change and answers `pull` with
 * them, building and storing them only when no current row exists.
 */
import {
  PROTOCOL_VERSION,
  type Plan,
  type PlanDay,
  type PlanItem,
  type PlanMedia,
  type PlanText,
  type ProtocolVersion,
} from '#shared/schemas/protocol.ts';
import { addDays, localDateOf } from '#shared/time.ts';
import type { PlanMessageRow, PlanMessagesRepository } from '../repositories/plan-messages.ts';
import { planJson, type StoredDay } from '../repositories/plans.ts';

export const PLAYER_MEDIA_PREFIX = '/player/v1/media/';

/**
 * The plan for a player speaking `version`: v2 adds each day's loop and open intervals (and the
 * loop's media) and still images as spots (image communications); a v1 player gets exactly the
 * v1 plan, video spots only. Without `version`, the
 * message is in the lowest version that carries it: v1 while no day has a loop or an image spot
 * (byte for byte what v1 players always got, and v2 players take v1 plans), v2 once one does. Undefined for a
 * screen (or site) that does not exist.
 */
export function buildPlan(
  repo: PlanMessagesRepository,
  screenId: string,
  now: number,
  version?: ProtocolVersion,
  known?: ReadonlyMap<string, StoredDay>,
): Plan | undefined {
  const screen = repo.screen(screenId);
  if (!screen) return undefined;
  // Yesterday too: an item planned just before midnight may still be running after it.
  const from = addDays(localDateOf(now, screen.time_zone), -1);
  const rows = repo.plansFrom(screen.id, from);
  const campaignOf = new Map<string, string | undefined>();
  const media = new Map<string, PlanMedia>();
  const addMedia = (sha256: string): boolean => {
    if (media.has(sha256)) return true;
    const m = repo.media(sha256);
    if (!m) return false;
    media.set(sha256, {
      sha256: m.sha256,
      url: `${PLAYER_MEDIA_PREFIX}${m.sha256}`,
      bytes: m.bytes,
      mimeType: m.mime_type,
    });
    return true;
  };
  const days = rows.map((row): PlanDay => {
    const items: PlanItem[] = [];
    const texts: PlanText[] = [];
    // The plan service hands over the days it has just read or written, already checked.
    const stored = known?.get(row.plan) ?? planJson.day(row.plan, `${screen.id}/${row.local_date}`);
    for (const it of stored.items) {
      // A text item has no media: its words travel in the day's `texts`.
      const words = it.campaignId ? stored.texts?.[it.mediaSha256] : undefined;
      if (words) {
        const { id, campaignId, mediaSha256, start, end, peak } = it;
        texts.push({ id, campaignId: campaignId!, mediaSha256, start, end, peak, ...words });
        continue;
      }
      let campaignId = it.campaignId;
      if (!campaignId) {
        if (!campaignOf.has(it.mediaSha256))
          campaignOf.set(it.mediaSha256, repo.campaignForMedia(it.mediaSha256));
        campaignId = campaignOf.get(it.mediaSha256);
      }
      if (!campaignId) continue;
      // A still image as a spot (an image communication) is v2: a v1 player only plays videos.
      if (version === 1 && repo.media(it.mediaSha256)?.mime_type.startsWith('image/')) continue;
      if (!addMedia(it.mediaSha256)) continue;
      items.push({
        id: it.id,
        campaignId,
        mediaSha256: it.mediaSha256,
        start: it.start,
        end: it.end,
        peak: it.peak,
      });
    }
    const withTexts = texts.length > 0 ? { texts } : {};
    if (version === 1 || !stored.loop) return { date: row.local_date, items, ...withTexts };
    const loop = { ...stored.loop, items: stored.loop.items.filter((i) => addMedia(i.mediaSha256)) };
    return { date: row.local_date, items, ...withTexts, open: stored.open ?? [], loop };
  });
  const hasLoop = days.some((d) => d.loop);
  const imageSpots = days.some((d) =>
    d.items.some((i) => media.get(i.mediaSha256)?.mimeType.startsWith('image/')),
  );
  return {
    type: 'plan',
    v: version ?? (hasLoop || imageSpots ? PROTOCOL_VERSION : 1),
    version: Math.max(screen.plan_version, screen.stored_version ?? 0),
    serverTime: now,
    site: { id: screen.site_id, name: screen.site_name, timeZone: screen.time_zone },
    days,
    media: [...media.values()],
  };
}

/**
 * Builds the screen's message and stores it as its current bytes. The plan service calls this
 * in the same transaction that writes the plan rows, with `known`: the days it holds parsed,
 * by their stored text, so they are not parsed and checked a second time.
 */
export function storePlanMessage(
  repo: PlanMessagesRepository,
  screenId: string,
  now: number,
  known?: ReadonlyMap<string, StoredDay>,
): (PlanMessageRow & { plan: Plan }) | undefined {
  const plan = buildPlan(repo, screenId, now, undefined, known);
  if (!plan) return undefined;
  const row = { version: plan.version, message: JSON.stringify(plan) };
  repo.put(screenId, row.version, row.message, now);
  return { ...row, plan };
}

/** How a stored message that only a v2 player may take begins. */
export const V2_PLAN_PREFIX = '{"type":"plan","v":2,';

/**
 * The screen's current message for a player speaking `version`: the stored bytes (one lookup),
 * else built and stored now. The stored message is v1 while the screen has no loop or image spot, so every
 * player takes it; once it carries a loop (v2), a v1 player gets its own v1 message, built for
 * it each time (and never stored over the current one).
 */
export function planMessage(
  repo: PlanMessagesRepository,
  screenId: string,
  now: number,
  version: ProtocolVersion = PROTOCOL_VERSION,
): PlanMessageRow | undefined {
  const row = repo.get(screenId) ?? storePlanMessage(repo, screenId, now);
  if (!row || version >= 2 || !row.message.startsWith(V2_PLAN_PREFIX)) return row;
  const plan = buildPlan(repo, screenId, now, version);
  return plan && { version: plan.version, message: JSON.stringify(plan) };
}

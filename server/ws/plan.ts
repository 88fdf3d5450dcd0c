/**
 * The `plan` message of one screen, serialised once. It is built from the stored per-screen
 * plans (screen_plans, written by the plan service): yesterday, today and later in the site's
 * own zone, with the media list. The plan service stores the bytes when it writes a screen's
 * plan (plan_messages); the gateway pushes those bytes on a change and answers `pull` with
 * them, building and storing them only when no current row exists.
 */
import { PROTOCOL_VERSION, type Plan, type PlanItem, type PlanMedia } from '#shared/schemas/protocol.ts';
import { addDays, localDateOf } from '#shared/time.ts';
import type { PlanMessageRow, PlanMessagesRepository } from '../repositories/plan-messages.ts';

export const PLAYER_MEDIA_PREFIX = '/player/v1/media/';

interface StoredItem {
  id: string;
  mediaSha256: string;
  start: number;
  end: number;
  peak?: boolean;
  campaignId?: string;
}

function storedItems(json: string): StoredItem[] {
  const parsed = JSON.parse(json) as unknown;
  if (Array.isArray(parsed)) return parsed as StoredItem[];
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { items?: unknown }).items)) {
    return (parsed as { items: StoredItem[] }).items;
  }
  return [];
}

/** The screen's plan as a message object; undefined for a screen (or site) that does not exist. */
export function buildPlan(repo: PlanMessagesRepository, screenId: string, now: number): Plan | undefined {
  const screen = repo.screen(screenId);
  if (!screen) return undefined;
  // Yesterday too: an item planned just before midnight may still be running after it.
  const from = addDays(localDateOf(now, screen.time_zone), -1);
  const rows = repo.plansFrom(screen.id, from);
  const campaignOf = new Map<string, string | undefined>();
  const media = new Map<string, PlanMedia>();
  const days = rows.map((row) => {
    const items: PlanItem[] = [];
    for (const it of storedItems(row.plan)) {
      let campaignId = it.campaignId;
      if (!campaignId) {
        if (!campaignOf.has(it.mediaSha256))
          campaignOf.set(it.mediaSha256, repo.campaignForMedia(it.mediaSha256));
        campaignId = campaignOf.get(it.mediaSha256);
      }
      if (!campaignId) continue;
      if (!media.has(it.mediaSha256)) {
        const m = repo.media(it.mediaSha256);
        if (!m) continue;
        media.set(it.mediaSha256, {
          sha256: m.sha256,
          url: `${PLAYER_MEDIA_PREFIX}${m.sha256}`,
          bytes: m.bytes,
          mimeType: m.mime_type,
        });
      }
      items.push({
        id: it.id,
        campaignId,
        mediaSha256: it.mediaSha256,
        start: it.start,
        end: it.end,
        peak: it.peak ?? false,
      });
    }
    return { date: row.local_date, items };
  });
  return {
    type: 'plan',
    v: PROTOCOL_VERSION,
    version: Math.max(screen.plan_version, screen.stored_version ?? 0),
    serverTime: now,
    site: { id: screen.site_id, name: screen.site_name, timeZone: screen.time_zone },
    days,
    media: [...media.values()],
  };
}

/**
 * Builds the screen's message and stores it as its current bytes. The plan service calls this
 * in the same transaction that writes the plan rows.
 */
export function storePlanMessage(
  repo: PlanMessagesRepository,
  screenId: string,
  now: number,
): PlanMessageRow | undefined {
  const plan = buildPlan(repo, screenId, now);
  if (!plan) return undefined;
  const row = { version: plan.version, message: JSON.stringify(plan) };
  repo.put(screenId, row.version, row.message, now);
  return row;
}

/** The screen's current message: the stored bytes (one lookup), else built and stored now. */
export function planMessage(
  repo: PlanMessagesRepository,
  screenId: string,
  now: number,
): PlanMessageRow | undefined {
  return repo.get(screenId) ?? storePlanMessage(repo, screenId, now);
}

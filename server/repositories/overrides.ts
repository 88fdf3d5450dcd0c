import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';
import type { AuditRepository } from './audit.ts';

export interface OverrideRow {
  id: number;
  campaign_id: string;
  site_id: string;
  plays_per_day: number;
  reason: string;
  set_by: string;
  set_by_name: string;
  set_at_ms: number;
  effective_from_ms: number;
}

/** Frequency raises, kept as history: the site's current value is its newest row. */
export function overridesRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const select =
    'SELECT o.*, u.display_name AS set_by_name FROM frequency_overrides o JOIN users u ON u.id = o.set_by';
  const history = db.prepare<[{ c: string | null; s: string | null }], OverrideRow>(
    `${select} WHERE (@c IS NULL OR o.campaign_id = @c) AND (@s IS NULL OR o.site_id = @s) ORDER BY o.set_at_ms DESC, o.id DESC`,
  );
  const current = db.prepare<[string, string], OverrideRow>(
    `${select} WHERE o.campaign_id = ? AND o.site_id = ? ORDER BY o.set_at_ms DESC, o.id DESC LIMIT 1`,
  );
  const currentForCampaign = db.prepare<[string], OverrideRow>(
    `${select} WHERE o.id IN (SELECT id FROM frequency_overrides f WHERE f.campaign_id = ?
       AND f.id = (SELECT g.id FROM frequency_overrides g WHERE g.campaign_id = f.campaign_id AND g.site_id = f.site_id ORDER BY g.set_at_ms DESC, g.id DESC LIMIT 1))`,
  );
  const byId = db.prepare<[number], OverrideRow>(`${select} WHERE o.id = ?`);
  const insert = db.prepare(
    `INSERT INTO frequency_overrides (campaign_id, site_id, plays_per_day, reason, set_by, set_at_ms, effective_from_ms)
     VALUES (@campaign_id, @site_id, @plays_per_day, @reason, @set_by, @now, @now)`,
  );
  return {
    history: (filter: { campaignId?: string | undefined; siteId?: string | undefined }) =>
      history.all({ c: filter.campaignId ?? null, s: filter.siteId ?? null }),
    current: (campaignId: string, siteId: string) => current.get(campaignId, siteId),
    /** The value in force at every site of a campaign that has one. */
    currentForCampaign: (campaignId: string) => currentForCampaign.all(campaignId),
    /** Takes effect at once; the scheduler re-plans the rest of the day. */
    add: db.transaction(
      (
        o: { campaignId: string; siteId: string; playsPerDay: number; reason: string; setBy: string },
        previous: number,
      ) => {
        const info = insert.run({
          campaign_id: o.campaignId,
          site_id: o.siteId,
          plays_per_day: o.playsPerDay,
          reason: o.reason,
          set_by: o.setBy,
          now: clock.now(),
        });
        const id = Number(info.lastInsertRowid);
        audit.record({
          actor: o.setBy,
          action: 'override.raise',
          objectType: 'site',
          objectId: o.siteId,
          detail: {
            campaignId: o.campaignId,
            overrideId: id,
            before: previous,
            after: o.playsPerDay,
            reason: o.reason,
          },
        });
        return byId.get(id)!;
      },
    ),
  };
}
export type OverridesRepository = ReturnType<typeof overridesRepository>;

/**
 * Rows to API shapes (shared/schemas/api.ts). Kept in one place so every route that returns a
 * site, screen or campaign returns the same thing.
 */
import type { z } from 'zod';
import type { Campaign, Media, MediaEntry, Override, Screen, Site, User } from '#shared/schemas/api.ts';
import type { VenueType } from '#shared/schemas/domain.ts';
import { formatDate } from '#shared/time.ts';
import { campaignJson, type CampaignRow } from '../repositories/campaigns.ts';
import type { MediaRow, MediaUse } from '../repositories/media.ts';
import type { OverrideRow } from '../repositories/overrides.ts';
import { screenJson, type ScreenRow } from '../repositories/screens.ts';
import { siteJson, type SiteWithCount } from '../repositories/sites.ts';
import type { UserRow, UserScope } from '../repositories/users.ts';
import { campaignPhase } from '../services/campaign-phase.ts';

export { campaignPhase, type CampaignPhase } from '../services/campaign-phase.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function siteView(r: SiteWithCount): z.infer<typeof Site> {
  return {
    id: r.id,
    name: r.name,
    venueType: r.venue_type as VenueType,
    address: r.address,
    regionId: r.region_id,
    timeZone: r.time_zone,
    moving: r.moving === 1,
    openingHours: siteJson.openingHours(r.opening_hours, r.id),
    peakProfile: siteJson.peakProfile.nullable(r.peak_profile, r.id),
    screenCount: r.screen_count,
    source: r.source,
    updatedAt: iso(r.updated_at_ms),
  };
}

export function screenView(r: ScreenRow): z.infer<typeof Screen> {
  const lastStatus = screenJson.status.nullable(r.status_json, r.id);
  return {
    id: r.id,
    siteId: r.site_id,
    name: r.name,
    resolution: r.resolution,
    orientation: r.orientation as 'landscape' | 'portrait',
    status: r.status,
    lastSeenAt: isoOrNull(r.last_seen_ms),
    playerVersion: r.player_version,
    lastStatus,
    planVersion: r.plan_version,
    pairedAt: isoOrNull(r.paired_at_ms),
    revokedAt: isoOrNull(r.revoked_at_ms),
    source: r.source,
  };
}

export function mediaView(r: MediaRow): z.infer<typeof Media> {
  return {
    sha256: r.sha256,
    kind: r.kind,
    mimeType: r.mime_type,
    durationMs: r.duration_ms,
    bytes: r.bytes,
    name: r.name,
    originalName: r.original_name,
    width: r.width,
    height: r.height,
    createdAt: iso(r.created_at_ms),
    url: `/api/v1/media/${r.sha256}`,
    thumbnailUrl: r.kind === 'image' || r.thumbnail_sha256 ? `/api/v1/media/${r.sha256}/thumbnail` : null,
  };
}

export function mediaEntryView(r: MediaRow, usedBy: MediaUse[]): z.infer<typeof MediaEntry> {
  return { ...mediaView(r), usedBy };
}

export function campaignWindowText(c: Pick<CampaignRow, 'first_day' | 'last_day' | 'time_zone'>): string {
  return `${formatDate(c.first_day, c.time_zone)}–${formatDate(c.last_day, c.time_zone)}`;
}

export function campaignPhaseText(
  c: Pick<CampaignRow, 'id' | 'status' | 'first_day' | 'last_day' | 'time_zone'>,
  now: number,
): string {
  const w = campaignWindowText(c);
  switch (campaignPhase(c, now)) {
    case 'upcoming':
      return `Chiến dịch ${c.id} chưa bắt đầu (${w}). / Campaign ${c.id} has not started yet.`;
    case 'running':
      return `Chiến dịch ${c.id} đang chạy (${w}). / Campaign ${c.id} is running.`;
    case 'ended':
      return `Chiến dịch ${c.id} đã kết thúc (${w}). / Campaign ${c.id} has ended.`;
    case 'closed':
      return `Chiến dịch ${c.id} đã đóng (${w}). / Campaign ${c.id} was closed.`;
  }
}

export function campaignView(
  r: CampaignRow,
  media: MediaRow | undefined,
  now: number,
  siteCount: number,
): z.infer<typeof Campaign> {
  const phase = campaignPhase(r, now);
  return {
    id: r.id,
    name: r.name,
    nameEn: r.name_en,
    mediaSha256: r.media_sha256,
    media: media ? mediaView(media) : null,
    firstDay: r.first_day,
    lastDay: r.last_day,
    windowText: campaignWindowText(r),
    timeZone: r.time_zone,
    targetPerDay: r.target_per_day,
    averageBasis: r.average_basis,
    makeGoodCapPct: r.make_good_cap_pct,
    priority: r.priority,
    peakProfiles: campaignJson.peakProfiles(r.peak_profiles, r.id),
    participants: campaignJson.participants(r.participants, r.id),
    siteCount,
    status: r.status,
    phase,
    runningNow: phase === 'running',
    phaseText: campaignPhaseText(r, now),
    version: r.version,
    source: r.source,
    updatedAt: iso(r.updated_at_ms),
  };
}

export function overrideView(r: OverrideRow): z.infer<typeof Override> {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    siteId: r.site_id,
    playsPerDay: r.plays_per_day,
    reason: r.reason,
    setBy: r.set_by,
    setByName: r.set_by_name,
    setAt: iso(r.set_at_ms),
    effectiveFrom: iso(r.effective_from_ms),
  };
}

export function userView(r: UserRow, scopes: UserScope[]): z.infer<typeof User> {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    mustChangePassword: r.must_change_password === 1,
    disabled: r.disabled_at_ms !== null,
    createdAt: iso(r.created_at_ms),
    scopes: scopes.map((s) => ({ kind: s.kind, id: s.ref_id })),
  };
}

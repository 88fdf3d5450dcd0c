/** Maps a parsed playlist campaign (shared/schemas/playlist.ts) into the scheduler's inputs. */
import type { VenueType, PeakProfile } from '../../shared/schemas/domain.ts';
import type { PlaylistCampaign } from '../../shared/schemas/playlist.ts';
import type { PlanCampaign, PlanSite } from './types.ts';

export function planCampaignFromPlaylist(c: PlaylistCampaign): PlanCampaign {
  const peakProfiles: Partial<Record<VenueType, PeakProfile>> = {};
  for (const [type, defaults] of Object.entries(c.venueTypes) as Array<
    [VenueType, { peakProfile: PeakProfile }]
  >) {
    peakProfiles[type] = defaults.peakProfile;
  }
  return {
    id: c.id,
    mediaSha256: c.media.sha256,
    mediaDurationMs: Math.round(c.media.durationSeconds * 1000),
    firstDay: c.firstDay,
    lastDay: c.lastDay,
    timeZone: c.timeZone,
    targetPerDay: c.targetPerDay,
    averageBasis: c.averageBasis,
    peakProfiles,
    makeGoodCapPct: c.makeGoodCapPct,
  };
}

export function planSitesFromPlaylist(c: PlaylistCampaign): Array<PlanSite & { screens: string[] }> {
  return c.sites.map((s) => ({
    id: s.id,
    venueType: s.venueType,
    timeZone: s.timeZone,
    openingHours: s.openingHours,
    peakProfile: s.peakProfile,
    screens: s.screens.map((x) => x.id),
  }));
}

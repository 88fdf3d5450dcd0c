import { localDateOf } from '#shared/time.ts';
import type { CampaignRow } from '../repositories/campaigns.ts';

export type CampaignPhase = 'upcoming' | 'running' | 'ended' | 'closed';

/** Where the campaign stands at `now`, judged by the calendar date in the campaign's zone. */
export function campaignPhase(
  c: Pick<CampaignRow, 'status' | 'first_day' | 'last_day' | 'time_zone'>,
  now: number,
): CampaignPhase {
  if (c.status === 'closed') return 'closed';
  const today = localDateOf(now, c.time_zone);
  if (today < c.first_day) return 'upcoming';
  if (today > c.last_day) return 'ended';
  return 'running';
}

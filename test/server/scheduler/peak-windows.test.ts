/**
 * Peak windows at minute precision: the school window 06:45–07:30 is peak from 06:45 to 07:30,
 * not for the whole of 06:00–08:00, in the planner and in the profile the playlists produce.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { expandPeakProfile, PeakProfileSpec } from '../../../shared/schemas/playlist.ts';
import { PeakProfile } from '../../../shared/schemas/domain.ts';
import { instantToZoned, zonedToInstant } from '../../../shared/time.ts';
import { isPeakAtLocal } from '../../../shared/peak.ts';
import { dayCapacity, planDay } from '../../../server/scheduler/index.ts';
import { HCM, campaign, office } from './fixtures.ts';

const schoolSpec = PeakProfileSpec.parse({
  base: 1,
  peaks: [
    { days: ['weekdays'], from: '06:45', to: '07:30', weight: 3 },
    { days: ['weekdays'], from: '16:30', to: '17:15', weight: 3 },
  ],
});
const schoolProfile = expandPeakProfile(schoolSpec);
const schoolHours = {
  mon: [['06:30', '17:30']],
  tue: [['06:30', '17:30']],
  wed: [['06:30', '17:30']],
  thu: [['06:30', '17:30']],
  fri: [['06:30', '17:30']],
  sat: [],
  sun: [],
  closedDates: [],
} as unknown as ReturnType<typeof office>['openingHours'];

const inWindow = (t: number, durationMs: number) => {
  const z = instantToZoned(t, HCM);
  const m = z.hour * 60 + z.minute;
  const e = instantToZoned(t + durationMs - 1, HCM);
  const me = e.hour * 60 + e.minute;
  return (m >= 6 * 60 + 45 && me < 7 * 60 + 30) || (m >= 16 * 60 + 30 && me < 17 * 60 + 15);
};

describe('peak windows at minute precision', () => {
  it('the profile marks exactly the declared minutes as peak', () => {
    expect(PeakProfile.safeParse(schoolProfile).success).toBe(true);
    // Tuesday (weekday 1): 06:44 ordinary, 06:45 peak, 07:29 peak, 07:30 ordinary.
    expect(isPeakAtLocal(schoolProfile, 1, 6 * 60 + 44)).toBe(false);
    expect(isPeakAtLocal(schoolProfile, 1, 6 * 60 + 45)).toBe(true);
    expect(isPeakAtLocal(schoolProfile, 1, 7 * 60 + 29)).toBe(true);
    expect(isPeakAtLocal(schoolProfile, 1, 7 * 60 + 30)).toBe(false);
    expect(isPeakAtLocal(schoolProfile, 1, 6 * 60 + 10)).toBe(false);
    expect(isPeakAtLocal(schoolProfile, 5, 7 * 60)).toBe(false);
    // Odd minutes need minute steps, and still read right.
    const odd = expandPeakProfile(
      PeakProfileSpec.parse({ peaks: [{ days: ['mon'], from: '10:07', to: '10:08', weight: 2 }] }),
    );
    expect(odd).toHaveLength(168 * 60);
    expect(isPeakAtLocal(odd, 0, 10 * 60 + 6)).toBe(false);
    expect(isPeakAtLocal(odd, 0, 10 * 60 + 7)).toBe(true);
    expect(isPeakAtLocal(odd, 0, 10 * 60 + 8)).toBe(false);
  });

  it('the planner puts peak plays inside the windows themselves, and only those are flagged peak', () => {
    const c = campaign({ peakProfiles: { school: schoolProfile }, mediaDurationMs: 30_000 });
    const site = office({ venueType: 'school', openingHours: schoolHours, id: 'truong' });
    const date = '2024-09-10';
    const plan = planDay({
      campaign: c,
      site,
      screen: { id: 's' },
      date,
      clock: new VirtualClock(zonedToInstant(date, '00:00', HCM)),
    });
    expect(plan.items).toHaveLength(10);
    // 90 peak minutes of 660 open, at weight 3: share = 270 / (270 + 570).
    expect(plan.peakRequired).toBe(Math.ceil((10 * 270) / 840));
    const peak = plan.items.filter((i) => i.peak);
    expect(peak.length).toBeGreaterThanOrEqual(plan.peakRequired);
    for (const it of plan.items) expect(it.peak).toBe(inWindow(it.start, 1));
    for (const it of peak) expect(inWindow(it.start, 1)).toBe(true);
    const cap = dayCapacity(c, site, date);
    expect(cap.peakShare).toBeCloseTo(270 / 840, 6);
  });
});

describe('the peak flag at ingest reads the same windows', () => {
  it('a play at 06:10 or 07:40 is not peak, one at 06:50 is', async () => {
    const { startTestServer } = await import('../../helpers/server.ts');
    const { hashPlayRecord } = await import('../../../server/proof/chain.ts');
    const { GENESIS_HASH } = await import('../../../shared/schemas/protocol.ts');
    const { toIsoWithOffset } = await import('../../../shared/time.ts');
    const { playsRepository } = await import('../../../server/repositories/plays.ts');
    const srv = await startTestServer({ listen: false });
    try {
      const r = srv.app.repos;
      r.sites.put({
        id: 'truong-thcs',
        name: 'Trường THCS',
        venue_type: 'school',
        address: 'Hà Nội',
        region_id: null,
        time_zone: HCM,
        opening_hours: JSON.stringify(schoolHours),
        peak_profile: JSON.stringify(schoolProfile),
        moving: 0,
        source: 'test',
      });
      r.screens.create({ id: 'scr-truong', siteId: 'truong-thcs', name: 'Sảnh' }, 'test');
      let prev = GENESIS_HASH;
      const records = ['06:10', '06:50', '07:40'].map((time, i) => {
        const start = zonedToInstant('2024-09-10', time, HCM);
        const rec = {
          playId: `p-${i}`,
          screenId: 'scr-truong',
          campaignId: 'c',
          mediaSha256: 'ab'.repeat(32),
          planItemId: null,
          plannedAt: null,
          startedAt: toIsoWithOffset(start, HCM),
          endedAt: toIsoWithOffset(start + 30_000, HCM),
          secondsShown: 30,
          outcome: 'completed' as const,
          reason: null,
          playerVersion: '1.0.0',
          seq: i + 1,
          prevHash: prev,
          hash: '',
        };
        rec.hash = hashPlayRecord(rec);
        prev = rec.hash;
        return rec;
      });
      const plays = playsRepository(srv.db);
      plays.ingest(
        { screenId: 'scr-truong', siteId: 'truong-thcs', timeZone: HCM, now: srv.clock.now() },
        records,
      );
      expect(plays.chain('scr-truong').map((p) => [p.local_hour, p.in_peak])).toEqual([
        [6, 0],
        [6, 1],
        [7, 0],
      ]);
    } finally {
      await srv.close();
    }
  });
});

/**
 * Two campaigns on the same screens (issue 14, part 3), through the whole simulation: the real
 * server, its plan service and cron, real player cores over the WebSocket, from 26/09/2024 (the
 * first day of giai-phong-thu-do-70) for four days, at four of the playlist's sites that both
 * campaigns share and one that only ihanoi-2024 has. No faults, so every day must be on target.
 * The overlaps, the cross-campaign gaps and the plays outside opening hours are counted from the
 * stored play rows of every campaign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, simulate, type SimSummary } from '#server/simulate/engine.ts';

const PLAYLISTS = fileURLToPath(new URL('../../../playlists/', import.meta.url));
const SHARED = ['ubnd-quan-hai-ba-trung', 'ga-ha-noi', 'xe-buyt-tuyen-86', 'mot-cua-quan-hai-ba-trung'];
const CITY_ONLY = 'benh-vien-thanh-nhan';

describe('simulate two campaigns on shared screens (real player cores)', () => {
  let dir: string;
  let summary: SimSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ihanoi-sim2-'));
    const playlists = join(dir, 'playlists');
    mkdirSync(join(playlists, 'media'), { recursive: true });
    for (const f of ['regions-hanoi-2024.json', 'media/ihanoi-promo.mp4', 'media/giai-phong-thu-do-70.mp4'])
      copyFileSync(join(PLAYLISTS, f), join(playlists, f));
    const city = JSON.parse(readFileSync(join(PLAYLISTS, 'ihanoi-2024.json'), 'utf8')) as {
      sites: Array<{ id: string }>;
    };
    city.sites = city.sites.filter((s) => SHARED.includes(s.id) || s.id === CITY_ONLY);
    writeFileSync(join(playlists, 'ihanoi-2024.json'), JSON.stringify(city));
    const second = JSON.parse(readFileSync(join(PLAYLISTS, 'giai-phong-thu-do-70.json'), 'utf8')) as {
      participants: { sites: string[] };
    };
    second.participants.sites = second.participants.sites.filter((id) => SHARED.includes(id));
    expect(second.participants.sites).toHaveLength(SHARED.length);
    writeFileSync(join(playlists, 'giai-phong-thu-do-70.json'), JSON.stringify(second));
    summary = await simulate({
      playlistsDir: playlists,
      from: '2024-09-26',
      until: '2024-09-29',
      seed: 11,
      outageRate: 0,
      failRate: 0,
      faults: [],
      log: () => {},
    });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs both campaigns, the city’s first, on the screens they share', () => {
    expect(summary.campaigns.map((c) => [c.campaignId, c.priority])).toEqual([
      ['ihanoi-2024', 1],
      ['giai-phong-thu-do-70', 2],
    ]);
    const [city, second] = summary.campaigns;
    expect(city!.screens).toBe(summary.overall.screens);
    // Every screen of the shared sites (ga-ha-noi and the one-stop desk have two each).
    expect(second!.screens).toBe(summary.overall.screens - 1);
    expect(summary.coreScreens).toBe(summary.overall.screens);
  });

  it('delivers both campaigns on target every screen-day', () => {
    for (const c of summary.campaigns) {
      expect(c.screenDays, c.campaignId).toBeGreaterThan(0);
      expect(c.onTarget, c.campaignId).toBe(c.screenDays);
      expect(c.delivered, c.campaignId).toBe(c.planned);
      expect(c.planned, c.campaignId).toBeGreaterThanOrEqual(c.owed);
    }
    // 6 plays a day for 4 days at each shared screen (the one-stop desk and the office close Sunday).
    expect(summary.campaigns[1]!.delivered).toBeGreaterThan(60);
  });

  it('counts 0 overlaps, 0 cross-campaign gaps under the margin and 0 plays outside opening hours', () => {
    const text = formatSummary(summary).join('\n');
    expect(summary.checks.plays).toBe(summary.campaigns.reduce((n, c) => n + c.delivered, 0));
    expect(summary.checks).toMatchObject({ overlaps: 0, crossCampaignGapViolations: 0, outsideHours: 0 });
    expect(text).toContain('chồng nhau / overlaps 0');
    expect(text).toContain('giai-phong-thu-do-70');
    expect(summary.chainBroken).toBe(0);
  });
});

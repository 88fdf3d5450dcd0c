/**
 * A shortened simulation (17/08–28/09/2024, a handful of the playlist's sites) in which every
 * screen runs the real player core over the real /ws/player WebSocket, and that still goes
 * through every injected fault: random outages (the core is stopped and started again), the
 * 3 days off (09–11/09), the 14:00 raise (16/09) and the server restart across the Thursday
 * report (19–20/09). A second, tiny run covers the lightweight `--screens N` path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, simulate, type SimSummary } from '#server/simulate/engine.ts';

const PLAYLISTS = fileURLToPath(new URL('../../../playlists/', import.meta.url));
const KEEP = new Set(['ubnd-quan-hai-ba-trung', 'noi-bai-t1', 'xe-buyt-tuyen-86']);

function readCsv(file: string): Array<Record<string, string>> {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

describe('simulate (short run, every screen a real player core)', () => {
  let dir: string;
  let summary: SimSummary;
  let rows: Array<Record<string, string>>;
  let light: SimSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ihanoi-simtest-'));
    const playlists = join(dir, 'playlists');
    mkdirSync(join(playlists, 'media'), { recursive: true });
    copyFileSync(join(PLAYLISTS, 'regions-hanoi-2024.json'), join(playlists, 'regions-hanoi-2024.json'));
    copyFileSync(join(PLAYLISTS, 'media', 'ihanoi-promo.mp4'), join(playlists, 'media', 'ihanoi-promo.mp4'));
    const campaign = JSON.parse(readFileSync(join(PLAYLISTS, 'ihanoi-2024.json'), 'utf8')) as {
      sites: Array<{ id: string; venueType: string }>;
    };
    // The whole campaign file, with fewer sites: one citizen reception desk for the 3 days off.
    const reception = campaign.sites.find((s) => s.venueType === 'citizen_reception')!;
    campaign.sites = campaign.sites.filter((s) => KEEP.has(s.id) || s === reception);
    writeFileSync(join(playlists, 'ihanoi-2024.json'), JSON.stringify(campaign));
    const csv = join(dir, 'sim.csv');
    // A higher outage rate than the default so a short run stops and restarts cores often.
    summary = await simulate({
      playlistsDir: playlists,
      until: '2024-09-28',
      seed: 7,
      outageRate: 0.08,
      csv,
      players: 1,
      log: () => {},
    });
    rows = readCsv(csv);
    light = await simulate({
      playlistsDir: playlists,
      screens: 3,
      until: '2024-08-19',
      seed: 3,
      log: () => {},
    });
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every screen through a real player core (one of them enrolled with a provisioning file)', () => {
    expect(summary.overall.screens).toBeGreaterThanOrEqual(5);
    expect(summary.coreScreens).toBe(summary.overall.screens);
    expect(summary.byVenueType['~ player core']!.screens).toBe(summary.overall.screens);
    expect(summary.byVenueType['~ player core']!.plays).toBe(summary.overall.plays);
    // What the server stored came from the cores' journals (their player version), not the loop.
    expect(summary.storedByLightweight).toBe(0);
    expect(summary.storedByCore).toBeGreaterThanOrEqual(summary.overall.plays);
    expect(summary.chainBroken).toBe(0);
  });

  it('plays nothing outside the window or opening hours, and every fault-free day exactly on target', () => {
    const o = summary.overall;
    expect(o.plays).toBeGreaterThan(1500);
    expect(o.outsideHours).toBe(0);
    expect(o.outsideWindow).toBe(0);
    expect(o.onlineScreenDays).toBeGreaterThan(100);
    expect(o.onlineOnTarget).toBe(o.onlineScreenDays);
  });

  it('stops and restarts cores for the outages, and their misses come back as make-goods', () => {
    const outageDays = rows.filter((r) => r.fault === 'outage');
    expect(outageDays.length).toBeGreaterThan(3);
    // Each outage stretch and the 3 days off is one stop and one start from the data dir.
    expect(summary.coreRestarts).toBeGreaterThanOrEqual(outageDays.length);
    expect(outageDays.some((r) => Number(r.played) < Number(r.target))).toBe(true);
    expect(summary.overall.unexpectedDeficitScreens).toBe(0);
  });

  it("records the display's decoder errors as failed plays, played again the same day when they fit", () => {
    const failed = rows.filter((r) => r.fault === 'failed-play');
    expect(failed.length).toBeGreaterThan(0);
    // The server re-plans the rest of the day at each stored failure: the day ends on target.
    expect(failed.filter((r) => r.played === r.target).length).toBeGreaterThan(0);
    for (const r of failed) expect(Number(r.played)).toBeLessThanOrEqual(Number(r.target));
    // Owed and delivered reconcile in the summary, whatever was not delivered named.
    expect(formatSummary(summary).join('\n')).toContain(
      `nợ / owed ${summary.totals.owed} = đã phát / delivered ${summary.totals.delivered}`,
    );
  });

  it("reaches at least the profiles' peak share", () => {
    for (const g of [summary.overall, ...Object.values(summary.byVenueType)]) {
      expect(g.peakPlays / g.plays).toBeGreaterThanOrEqual(g.peakShareRequired);
    }
  });

  it('makes good the 3 days off within the cap, so no screen ends below its average', () => {
    const off = rows.filter((r) => r.fault === 'off-3-days');
    expect(off.length).toBe(3);
    expect(off.every((r) => r.played === '0')).toBe(true);
    const screen = off[0]!.screen_id!;
    const mine = rows.filter((r) => r.screen_id === screen);
    // The server does not know the screen is dark, so make-goods start the next day already.
    const extra = mine.filter((r) => r.date! > off[0]!.date!).map((r) => Number(r.make_good));
    expect(Math.max(...extra)).toBeLessThanOrEqual(5);
    expect(extra.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(30);
    // Whatever it still lacks comes from outages after the 3 days, not from them.
    const later = mine
      .filter((r) => r.date! > off[2]!.date! && r.fault)
      .reduce((n, r) => n + Number(r.target) - Number(r.played), 0);
    const owed = mine.reduce((n, r) => n + Number(r.base_target), 0);
    const played = mine.reduce((n, r) => n + Number(r.played), 0);
    expect(played + later).toBeGreaterThanOrEqual(owed);
  });

  it('applies the 14:00 raise the same day: 15 plays on 16/09 at the raised site', () => {
    const raised = rows.filter((r) => r.site_id === 'ubnd-quan-hai-ba-trung' && r.date === '2024-09-16');
    expect(raised.length).toBeGreaterThan(0);
    for (const r of raised) {
      expect(r.target).toBe('15');
      if (!r.fault) expect(r.played).toBe('15');
    }
  });

  it('keeps playing while the server is down and uploads the backlog after its restart', () => {
    expect(summary.weeklyReports).toContain('12/09/2024–18/09/2024');
    expect(summary.faults.some((f) => f.includes('server restart'))).toBe(true);
    // 19/09 afternoon and 20/09 morning were played with the server down; they still count.
    for (const date of ['2024-09-19', '2024-09-20']) {
      const clean = rows.filter((r) => r.date === date && !r.fault && Number(r.target) > 0);
      expect(clean.length).toBeGreaterThan(0);
      for (const r of clean) expect(r.played).toBe(r.target);
    }
  });

  it('keeps generated screens (--screens N) on the lightweight path, still on target', () => {
    expect(light.overall.screens).toBe(3);
    expect(light.coreScreens).toBe(0);
    expect(light.storedByCore).toBe(0);
    expect(light.storedByLightweight).toBeGreaterThanOrEqual(light.overall.plays);
    expect(light.byVenueType['~ player core']).toBeUndefined();
    expect(light.overall.onlineOnTarget).toBe(light.overall.onlineScreenDays);
    expect(light.overall.outsideHours + light.overall.outsideWindow).toBe(0);
  });
});

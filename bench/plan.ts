/**
 * Plan throughput: 10,000 screens × 1 day, and the same screens over the whole campaign
 * (17/08–10/10/2024), with the sites and profiles of playlists/. Figures come from here, not from
 * timed tests. `run()` is called by bench/main.ts; `tsx bench/plan.ts` runs it alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../shared/clock.ts';
import { parsePlaylistFiles } from '../shared/playlist-parse.ts';
import { eachDate, zonedToInstant } from '../shared/time.ts';
import { campaignTargets, planDay, type PlanCampaign, type PlanSite } from '../server/scheduler/index.ts';
import { planCampaignFromPlaylist, planSitesFromPlaylist } from '../server/scheduler/from-playlist.ts';

const PLAYLISTS = fileURLToPath(new URL('../playlists/', import.meta.url));

export function loadPlaylistCampaign(dir = PLAYLISTS): { campaign: PlanCampaign; sites: Array<PlanSite & { screens: string[] }> } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: `playlists/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
  const parsed = parsePlaylistFiles(files);
  if (!parsed.ok) throw new Error(`playlists/ does not parse:\n${parsed.errors.map((e) => e.message).join('\n')}`);
  const c = parsed.campaigns[0];
  if (!c) throw new Error('playlists/ holds no campaign file');
  return { campaign: planCampaignFromPlaylist(c), sites: planSitesFromPlaylist(c) };
}

export interface PlanBenchResult {
  name: string;
  plans: number;
  plays: number;
  totalMs: number;
  plansPerSecond: number;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export async function run(options: { screens?: number; log?: (line: string) => void } = {}): Promise<PlanBenchResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const screens = options.screens ?? 10_000;
  const { campaign, sites } = loadPlaylistCampaign();
  // Screens are spread over the playlist's sites, so every venue type and profile is exercised.
  const fleet = Array.from({ length: screens }, (_, i) => ({ site: sites[i % sites.length]!, screen: { id: `bench-${i}` } }));
  const clock = new VirtualClock(zonedToInstant('2024-08-16', '12:00', campaign.timeZone));
  const results: PlanBenchResult[] = [];

  // Warm-up on another date: a long-running server plans with a hot JIT and warm zone caches.
  for (const { site, screen } of fleet.slice(0, 2_000)) planDay({ campaign, site, screen, date: '2024-09-04', clock });

  {
    let plays = 0;
    const t0 = performance.now();
    for (const { site, screen } of fleet) plays += planDay({ campaign, site, screen, date: '2024-09-05', clock }).items.length;
    const totalMs = performance.now() - t0;
    results.push({ name: `plan ${fmt(screens)} screens × 1 day (05/09/2024)`, plans: screens, plays, totalMs, plansPerSecond: (screens * 1000) / totalMs });
  }

  {
    const dates = eachDate(campaign.firstDay, campaign.lastDay);
    const targets = new Map(sites.map((s) => [s.id, campaignTargets(campaign, s)]));
    let plays = 0;
    let plans = 0;
    const t0 = performance.now();
    let lastReport = t0;
    for (let i = 0; i < fleet.length; i++) {
      const { site, screen } = fleet[i]!;
      const t = targets.get(site.id)!;
      for (let d = 0; d < dates.length; d++) {
        plays += planDay({ campaign, site, screen, date: dates[d]!, clock, baseTarget: t[d]!.target }).items.length;
        plans++;
      }
      const now = performance.now();
      if (now - lastReport > 2000) {
        log(`  … ${fmt(i + 1)}/${fmt(fleet.length)} screens`);
        lastReport = now;
      }
    }
    const totalMs = performance.now() - t0;
    results.push({
      name: `plan ${fmt(screens)} screens × ${dates.length} days (17/08–10/10/2024)`,
      plans,
      plays,
      totalMs,
      plansPerSecond: (plans * 1000) / totalMs,
    });
  }

  for (const r of results) {
    log(`${r.name}: ${fmt(r.plans)} plans, ${fmt(r.plays)} plays, ${fmt(r.totalMs)} ms total, ${fmt(r.plansPerSecond)} plans/s`);
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = process.argv.indexOf('--screens');
  await run(arg > 0 ? { screens: Number(process.argv[arg + 1]) } : {});
}

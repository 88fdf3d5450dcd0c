/**
 * Screenshots of the console for the README: `npx tsx test/console/screenshots.ts`.
 * Loads the real playlists/ (40 Hà Nội sites), pairs two screens per site, plays each
 * screen's planned day from 17/08 to 04/09/2024 (most plays happen; a few screens go dark for
 * a day), then photographs each page at 05/09/2024 14:30 Hà Nội time.
 * Writes docs/screenshots/console-*.png.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpeningHours, type VenueType } from '#shared/schemas/domain.ts';
import { addDays, eachDate, localDateOf, toIsoWithOffset, zonedToInstant } from '#shared/time.ts';
import { VirtualClock } from '#shared/clock.ts';
import { loadPlaylists } from '#server/playlists/load.ts';
import { planCampaignOf } from '#server/services/plan-inputs.ts';
import { generateWeeklyReport } from '#server/reports/weekly.ts';
import type { PlayInsert } from '#server/repositories/reports.ts';
import { planDay } from '#server/scheduler/plan.ts';
import { startTestServer } from '../helpers/server.ts';
import { createUser } from '../server/reports/seed.ts';
import { ensureConsoleBuilt, logIn, openBrowser } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'docs', 'screenshots');
const NOW = Date.parse('2024-09-05T14:30:00+07:00');

/** A small deterministic generator, so the screenshots are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function main(): Promise<void> {
  await ensureConsoleBuilt();
  mkdirSync(OUT, { recursive: true });
  const t = await startTestServer({ clockAt: Date.parse('2024-08-16T09:00:00+07:00') });
  try {
    await loadPlaylists({
      db: t.db,
      repos: t.app.repos,
      clock: t.clock,
      playlistsDir: join(ROOT, 'playlists'),
      dataDir: t.dataDir,
    });
    const repos = t.app.repos;
    const campaignRow = repos.reports.campaigns()[0]!;
    const plan = planCampaignOf(campaignRow, {
      sha256: campaignRow.media_sha256 ?? '',
      durationMs: campaignRow.media_duration_ms ?? 30_000,
    });
    const rand = prng(2024);
    const sites = repos.reports.sites();
    const screens: { id: string; site: (typeof sites)[number] }[] = [];
    for (const site of sites) {
      const existing = repos.reports.screens().filter((s) => s.site_id === site.id);
      const names = existing.length ? existing.map((s) => s.id) : [];
      for (let k = names.length; k < 2; k++) {
        const id = `scr-${createHash('sha256').update(`${site.id}/${k}`).digest('hex').slice(0, 10)}`;
        repos.screens.create({ id, siteId: site.id, name: `Màn hình ${k + 1}` }, 'u-quanly');
        names.push(id);
      }
      for (const id of names) {
        repos.screens.setTokenHash(id, createHash('sha256').update(id).digest('hex'));
        screens.push({ id, site });
      }
    }
    const last = addDays(localDateOf(NOW, plan.timeZone), 0);
    const rows: PlayInsert[] = [];
    // Connection sessions match the plays: a screen is connected all campaign except its dark
    // days, so the reports' offline attribution tells the same story as the plays.
    const wentDarkToday = new Set(screens.filter((_, i) => i % 13 === 5).map((s) => s.id));
    const sessions: {
      screen_id: string;
      connected_at_ms: number;
      disconnected_at_ms: number;
      reason: 'closed' | 'heartbeat_missed';
    }[] = [];
    for (const s of screens) {
      let from: number | null = zonedToInstant(plan.firstDay, 0, s.site.time_zone);
      const hours = OpeningHours.parse(JSON.parse(s.site.opening_hours));
      const planSite = {
        id: s.site.id,
        venueType: s.site.venue_type as VenueType,
        timeZone: s.site.time_zone,
        openingHours: hours,
        peakProfile: s.site.peak_profile ? (JSON.parse(s.site.peak_profile) as number[]) : null,
      };
      let seq = 0;
      for (const date of eachDate(plan.firstDay, last)) {
        const dark = rand() < 0.03;
        if (dark && from !== null) {
          sessions.push({
            screen_id: s.id,
            connected_at_ms: from,
            disconnected_at_ms: zonedToInstant(date, 0, s.site.time_zone),
            reason: 'heartbeat_missed',
          });
          from = null;
        } else if (!dark && from === null) {
          from = zonedToInstant(date, 0, s.site.time_zone);
        }
        const dayPlan = planDay({
          campaign: plan,
          site: planSite,
          screen: { id: s.id },
          date,
          clock: new VirtualClock(zonedToInstant(date, 0, s.site.time_zone)),
        });
        for (const item of dayPlan.items) {
          if (dark || rand() < 0.04) continue;
          if (date === last && item.start > NOW) continue;
          if (
            date === last &&
            wentDarkToday.has(s.id) &&
            item.start > zonedToInstant(date, '11:00', s.site.time_zone)
          )
            continue;
          seq++;
          const z = toIsoWithOffset(item.start, s.site.time_zone);
          rows.push({
            play_id: `${s.id}-${seq}`,
            screen_id: s.id,
            site_id: s.site.id,
            campaign_id: campaignRow.id,
            media_sha256: item.mediaSha256,
            plan_item_id: item.id,
            planned_at: z,
            planned_ms: item.start,
            started_at: z,
            started_ms: item.start,
            ended_at: toIsoWithOffset(item.end, s.site.time_zone),
            ended_ms: item.end,
            seconds_shown: (item.end - item.start) / 1000,
            outcome: rand() < 0.01 ? 'interrupted' : 'completed',
            reason: null,
            player_version: '1.0.0',
            seq,
            prev_hash: '',
            hash: createHash('sha256').update(`${s.id}:${seq}`).digest('hex'),
            chain_status: 'ok',
            local_date: date,
            local_hour: Number(z.slice(11, 13)),
            in_peak: item.peak ? 1 : 0,
            received_at_ms: item.end + 5_000,
          });
        }
      }
      if (from !== null)
        sessions.push({ screen_id: s.id, connected_at_ms: from, disconnected_at_ms: NOW, reason: 'closed' });
    }
    repos.reports.insertPlays(rows);
    // Today's plans, as the plan service issued them to the players ahead of the day.
    t.clock.set(zonedToInstant(last, 0, plan.timeZone) - 60_000);
    t.app.plans.replan({});
    t.clock.set(NOW);
    for (const s of screens) {
      repos.screens.touchSeen(s.id, { playerVersion: '1.0.0' });
      if (wentDarkToday.has(s.id)) {
        repos.screens.setStatus(s.id, 'offline');
        // These went dark at 11:00 today: their last session ends there.
        const last = sessions.findLast((x) => x.screen_id === s.id);
        if (last && last.disconnected_at_ms === NOW)
          last.disconnected_at_ms = zonedToInstant(
            localDateOf(NOW, s.site.time_zone),
            '11:00',
            s.site.time_zone,
          );
      }
    }
    repos.screenSessions.insertClosed(sessions);
    await createUser(t.app, {
      username: 'quanly',
      role: 'campaign_manager',
      password: 'mat-khau-quan-ly-1',
      displayName: 'Nguyễn Văn Quản',
    });
    await generateWeeklyReport(t.app, campaignRow.id, '2024-08-22', '2024-08-28');
    await generateWeeklyReport(t.app, campaignRow.id, '2024-08-29', '2024-09-04');

    const b = await openBrowser();
    try {
      const { page } = b;
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.goto(`${t.url}/`);
      await page.waitForSelector('#login-submit');
      await page.screenshot({ path: join(OUT, 'console-login.png') });
      await logIn(page, t.url, 'quanly', 'mat-khau-quan-ly-1');
      await page.waitForSelector('#by-district');
      await page.screenshot({ path: join(OUT, 'console-overview.png'), fullPage: true });
      await page.click('nav a[href="/campaign"]');
      await page.waitForSelector('#preview-chart svg');
      await page.selectOption('#venue-type', 'citizen_reception');
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(OUT, 'console-campaign.png'), fullPage: true });
      await page.click('nav a[href="/sites"]');
      await page.waitForSelector('section.site');
      await page.screenshot({ path: join(OUT, 'console-sites.png') });
      await page.click('nav a[href="/frequency"]');
      await page.waitForSelector('#freq-form');
      await page.fill('#freq-value', '14');
      await page.fill('#freq-reason', 'Cao điểm làm thủ tục đầu năm học');
      await page.click('#freq-submit');
      await page.waitForSelector('#freq-status .msg-ok');
      await page.fill('#freq-value', '9');
      await page.fill('#freq-reason', 'Thử giảm');
      await page.click('#freq-submit');
      await page.waitForSelector('#freq-status .msg-error');
      await page.screenshot({ path: join(OUT, 'console-frequency.png') });
      await page.click('nav a[href="/reports"]');
      await page.selectOption('#rep-group', 'district');
      await page.click('#rep-show');
      await page.waitForSelector('#chart-hourly svg');
      await page.screenshot({ path: join(OUT, 'console-reports.png'), fullPage: true });
      await page.click('nav a[href="/audit"]');
      await page.waitForSelector('#audit-table');
      await page.screenshot({ path: join(OUT, 'console-audit.png') });
      await page.click('#lang-toggle');
      await page.waitForSelector('nav a:has-text("Overview")');
      await page.click('nav a[href="/"]');
      await page.waitForSelector('#by-district');
      await page.screenshot({ path: join(OUT, 'console-overview-en.png') });
    } finally {
      await b.close();
    }
    console.log(`screenshots written to ${OUT}`);
  } finally {
    await t.close();
  }
}

await main();

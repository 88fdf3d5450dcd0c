/**
 * A screen's status as people need it on the Sites page: online or offline since when, the name
 * of what it shows now, today's plays against plan, cache and disk, the player version, and the
 * warnings that need someone (a wrong clock, a full disk, missing media, an outdated player).
 * Built from the screen row, the player's last status message and today's report rows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScreenHealth, ScreenWarning } from '#shared/schemas/api.ts';
import { localDateOf } from '#shared/time.ts';
import type { Repositories } from '../repositories/index.ts';
import { screenJson, type ScreenRow } from '../repositories/screens.ts';
import { loadContext, screenDayRows, sitesFor } from '../reports/aggregate.ts';

/** Beyond this the PC's clock is called wrong (docs/protocol.md). */
export const CLOCK_WARN_MS = 30_000;
/** Below this much free disk a week of cached media and the journal may not fit. */
export const LOW_DISK_BYTES = 1024 ** 3;

/** Compares dotted versions numerically: 0.10.0 is newer than 0.9.3. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/**
 * The newest player version: the one the update feed offers (`latest*.yml` in
 * <data-dir>/updates/), else the newest any screen runs.
 */
export function newestPlayerVersion(dataDir: string, screens: ScreenRow[]): string | null {
  let newest: string | null = null;
  for (const file of ['latest.yml', 'latest-linux.yml']) {
    try {
      const m = /^version:\s*['"]?([\w.+-]+)/m.exec(readFileSync(join(dataDir, 'updates', file), 'utf8'));
      if (m && (!newest || compareVersions(m[1]!, newest) > 0)) newest = m[1]!;
    } catch {
      // no feed file
    }
  }
  if (newest) return newest;
  for (const s of screens)
    if (s.player_version && (!newest || compareVersions(s.player_version, newest) > 0))
      newest = s.player_version;
  return newest;
}

const gb = (bytes: number) => (bytes / 1024 ** 3).toFixed(1).replace('.', ',');
const duration = (ms: number): [string, string] => {
  const abs = Math.abs(ms);
  const ahead = ms < 0; // offset = server - PC: negative when the PC is ahead
  const [n, vi, en] =
    abs >= 86_400_000
      ? [Math.round(abs / 86_400_000), 'ngày', 'days']
      : abs >= 3_600_000
        ? [Math.round(abs / 3_600_000), 'giờ', 'hours']
        : abs >= 60_000
          ? [Math.round(abs / 60_000), 'phút', 'minutes']
          : [Math.round(abs / 1000), 'giây', 'seconds'];
  return [`${ahead ? 'nhanh' : 'chậm'} ${n} ${vi}`, `${n} ${en} ${ahead ? 'ahead' : 'behind'}`];
};

export interface HealthContext {
  repos: Repositories;
  now: number;
  newestVersion: string | null;
  /** Today's plays and plan per screen, for the campaign in force. */
  today: Map<string, { plays: number; planned: number; target: number }>;
}

/** Today's plays, plan and target of these screens (the default campaign, its zone). */
export function todayRows(
  repos: Repositories,
  now: number,
  siteIds: ReadonlySet<string> | null,
): Map<string, { plays: number; planned: number; target: number }> {
  const out = new Map<string, { plays: number; planned: number; target: number }>();
  const campaign = repos.reports.campaigns()[0];
  if (!campaign) return out;
  const date = localDateOf(now, campaign.time_zone);
  const ctx = loadContext(repos, campaign.id, now);
  const sites = sitesFor(ctx, {}, siteIds);
  const planned = new Map(repos.reports.plannedOn(date, campaign.id).map((p) => [p.screen_id, p.planned]));
  for (const r of screenDayRows(repos, ctx, sites, date, false))
    out.set(r.screenId, { plays: r.plays, planned: planned.get(r.screenId) ?? 0, target: r.target });
  return out;
}

export function screenHealth(row: ScreenRow, hc: HealthContext): ScreenHealth {
  const st = screenJson.status.nullable(row.status_json, row.id) ?? {};
  const online = row.status === 'online';
  const warnings: ScreenWarning[] = [];
  const fresh = row.status === 'online' || row.status === 'offline';
  if (fresh && typeof st.clockOffsetMs === 'number' && Math.abs(st.clockOffsetMs) > CLOCK_WARN_MS) {
    const [vi, en] = duration(st.clockOffsetMs);
    warnings.push({
      code: 'CLOCK_OFFSET',
      message: `Đồng hồ máy phát ${vi} so với máy chủ; hãy chỉnh giờ máy tính (máy vẫn phát theo giờ máy chủ). / The player PC's clock is ${en} the server's; set the PC's time (it still plays on the server's time).`,
    });
  }
  if (fresh && typeof st.freeDiskBytes === 'number' && st.freeDiskBytes < LOW_DISK_BYTES) {
    warnings.push({
      code: 'LOW_DISK',
      message: `Ổ đĩa máy phát sắp đầy: còn ${gb(st.freeDiskBytes)} GB; hãy xoá bớt tệp. / The player's disk is nearly full: ${gb(st.freeDiskBytes)} GB free; free some space.`,
    });
  }
  if (fresh && st.cache && (st.cache.ready < st.cache.needed || st.cache.error)) {
    warnings.push({
      code: 'MISSING_MEDIA',
      message: `Thiếu video: mới có ${st.cache.ready}/${st.cache.needed} tệp${st.cache.error ? ` (${st.cache.error})` : ''}. / Media missing: ${st.cache.ready} of ${st.cache.needed} files on the player${st.cache.error ? ` (${st.cache.error})` : ''}.`,
    });
  }
  const version = st.playerVersion ?? row.player_version;
  if (fresh && version && hc.newestVersion && compareVersions(version, hc.newestVersion) < 0) {
    warnings.push({
      code: 'OUTDATED_PLAYER',
      message: `Trình phát cũ (${version}); bản mới nhất là ${hc.newestVersion}: khởi động lại máy để cập nhật. / Outdated player ${version}; the newest is ${hc.newestVersion}: restart the PC to update.`,
    });
  }
  let nowPlaying: ScreenHealth['nowPlaying'] = null;
  if (online && st.currentItem) {
    const campaign = st.currentItem.campaignId
      ? hc.repos.campaigns.get(st.currentItem.campaignId)
      : undefined;
    const media = st.currentItem.mediaSha256 ? hc.repos.media.get(st.currentItem.mediaSha256) : undefined;
    const label = [campaign?.name, media?.original_name].filter(Boolean).join(' — ');
    nowPlaying = {
      label: label || 'Video theo lịch / Scheduled video',
      startedAt: new Date(st.currentItem.startedAt).toISOString(),
    };
  }
  const today = hc.today.get(row.id) ?? null;
  return {
    screenId: row.id,
    siteId: row.site_id,
    name: row.name,
    status: row.status,
    lastSeenAt: row.last_seen_ms === null ? null : new Date(row.last_seen_ms).toISOString(),
    offlineSince:
      row.status === 'offline' && row.last_seen_ms !== null ? new Date(row.last_seen_ms).toISOString() : null,
    nowPlaying,
    today,
    cache: st.cache
      ? {
          ready: st.cache.ready,
          needed: st.cache.needed,
          bytesDone: st.cache.bytesDone,
          bytesTotal: st.cache.bytesTotal,
        }
      : null,
    // To 100 MB: the exact figure moves with every write on the PC, which is not news.
    freeDiskBytes: typeof st.freeDiskBytes === 'number' ? Math.round(st.freeDiskBytes / 1e8) * 1e8 : null,
    playerVersion: version ?? null,
    clockOffsetMs: typeof st.clockOffsetMs === 'number' ? st.clockOffsetMs : null,
    warnings,
  };
}

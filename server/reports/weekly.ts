/**
 * The weekly status report (Gia Lâm asks for one every Thursday before 15:00). The cron job
 * calls `generateWeeklyReport`; it writes the daily per-screen export for the period as XLSX
 * and CSV into <dataDir>/reports/, records it in `reports`, and returns the row. Running it
 * again for the same period replaces the files and the row, so a retried job is harmless.
 */
import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Clock } from '#shared/clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Repositories } from '../repositories/index.ts';
import type { SavedReportRow } from '../repositories/reports.ts';
import { prepareExport } from './exports.ts';
import { writeCsv, writeXlsx, type Cell, type ExportResult } from './writers.ts';
import { cadence } from '../comms/cadence.ts';
import { addDays, formatDate, formatDateTime, zonedToInstant } from '#shared/time.ts';
import { offlineIntervals } from './offline.ts';
import { DEFAULT_TIME_ZONE } from '#shared/schemas/domain.ts';

export interface WeeklyReportDeps {
  config: Pick<Config, 'dataDir'>;
  db: Db;
  repos: Repositories;
  clock: Clock;
}

export function reportsDir(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'reports');
}

async function writeFileAtomically(
  path: string,
  write: (out: Writable) => Promise<ExportResult>,
): Promise<ExportResult> {
  const tmp = `${path}.partial`;
  const out = createWriteStream(tmp);
  const closed = new Promise<void>((resolve, reject) => {
    out.once('close', resolve);
    out.once('error', reject);
  });
  const result = await write(out);
  await closed;
  renameSync(tmp, path);
  return result;
}

/**
 * Writes the weekly report for [periodFirst, periodLast] (local dates of the campaign's zone).
 * Everyone's rows: the saved report is the city's, and the download route scopes by role.
 */
export async function generateWeeklyReport(
  deps: WeeklyReportDeps,
  campaignId: string,
  periodFirst: string,
  periodLast: string,
): Promise<SavedReportRow> {
  const dir = reportsDir(deps.config);
  mkdirSync(dir, { recursive: true });
  const base = `ihanoi-weekly-${campaignId}-${periodFirst}_${periodLast}`;
  const query = { campaignId, from: periodFirst, to: periodLast };
  const flags = cadenceFlags(deps);
  const xlsx = prepareExport(deps, 'daily', query, null);
  let result: ExportResult;
  try {
    // The cadence flags are a sheet of the report people open, and a CSV beside it.
    result = await writeFileAtomically(join(dir, `${base}.xlsx`), (out) =>
      writeXlsx(xlsx.table, out, {
        extraSheets: [{ name: CADENCE_SHEET, rows: [flags.columns.map((c) => c.header), ...flags.rows] }],
      }),
    );
  } finally {
    xlsx.close();
  }
  const csv = prepareExport(deps, 'daily', query, null);
  try {
    await writeFileAtomically(join(dir, `${base}.csv`), (out) => writeCsv(csv.table, out));
  } finally {
    csv.close();
  }
  await writeCadenceFlags(deps, flags, join(dir, `${base}-cadence.csv`), periodFirst, periodLast);
  await writeOfflineList(deps, join(dir, `${base}-offline.csv`), campaignId, periodFirst, periodLast);
  return deps.repos.reports.saveReport({
    kind: 'weekly',
    campaign_id: campaignId,
    period_first: periodFirst,
    period_last: periodLast,
    generated_at_ms: deps.clock.now(),
    file_name: `${base}.xlsx`,
    checksum: result.checksum,
  });
}

const DAY_MS = 86_400_000;

export interface LongOffline {
  screenId: string;
  screenName: string;
  siteId: string;
  siteName: string;
  zone: string;
  fromMs: number;
  /** null: still offline when the report was made. */
  untilMs: number | null;
  hours: number;
}

/**
 * Every screen that was offline for more than a day at a stretch within the period (up to now),
 * from the connection sessions: the screen, its site, from when until when, and how long. A
 * stretch that began before the period counts from its real start when the sessions show it.
 */
export function longOfflineStretches(
  deps: Pick<WeeklyReportDeps, 'repos' | 'clock'>,
  zone: string,
  periodFirst: string,
  periodLast: string,
): LongOffline[] {
  const now = deps.clock.now();
  const tracking = deps.repos.screenSessions.trackingSince();
  if (tracking === null) return [];
  const periodStart = zonedToInstant(periodFirst, '00:00', zone);
  const periodEnd = Math.min(zonedToInstant(addDays(periodLast, 1), '00:00', zone), now);
  // Look back a day before the period, so a stretch already a day old at its start is seen whole.
  const lookFrom = Math.max(tracking, periodStart - DAY_MS);
  const sessions = new Map<string, { connected_at_ms: number; disconnected_at_ms: number | null }[]>();
  for (const s of deps.repos.screenSessions.overlapping(lookFrom, periodEnd)) {
    const list = sessions.get(s.screen_id) ?? [];
    list.push(s);
    sessions.set(s.screen_id, list);
  }
  const out: LongOffline[] = [];
  for (const screen of deps.repos.screens.list()) {
    if (screen.paired_at_ms === null || screen.paired_at_ms >= periodEnd) continue;
    const until = screen.revoked_at_ms === null ? periodEnd : Math.min(periodEnd, screen.revoked_at_ms);
    const from = Math.max(lookFrom, screen.paired_at_ms);
    for (const [a, b] of offlineIntervals(from, until, sessions.get(screen.id) ?? [], now)) {
      if (b - a <= DAY_MS || b <= periodStart) continue;
      const site = deps.repos.sites.get(screen.site_id);
      out.push({
        screenId: screen.id,
        screenName: screen.name,
        siteId: screen.site_id,
        siteName: site?.name ?? screen.site_id,
        zone: site?.time_zone ?? zone,
        fromMs: a,
        untilMs: b >= now ? null : b,
        hours: Math.round(((b - a) / 3_600_000) * 10) / 10,
      });
    }
  }
  return out.sort((x, y) => x.siteName.localeCompare(y.siteName, 'vi') || x.fromMs - y.fromMs);
}

/** The weekly report's list of screens offline more than a day (CSV beside the plays). */
async function writeOfflineList(
  deps: WeeklyReportDeps,
  path: string,
  campaignId: string,
  periodFirst: string,
  periodLast: string,
): Promise<ExportResult> {
  const zone = deps.repos.campaigns.get(campaignId)?.time_zone ?? DEFAULT_TIME_ZONE;
  const rows = longOfflineStretches(deps, zone, periodFirst, periodLast);
  return writeFileAtomically(path, (out) =>
    writeCsv(
      {
        meta: {
          title: 'Màn hình mất kết nối quá 1 ngày / Screens offline for more than a day',
          campaign: campaignId,
          period: `${formatDate(periodFirst, zone)} – ${formatDate(periodLast, zone)}`,
          timeZone: zone,
          generatedAt: formatDateTime(deps.clock.now(), zone),
          filters: 'mất kết nối liên tục > 24 giờ / offline > 24 h at a stretch',
        },
        columns: [
          { header: 'Mã điểm đặt / Site id' },
          { header: 'Điểm đặt / Site' },
          { header: 'Mã màn hình / Screen id' },
          { header: 'Màn hình / Screen' },
          { header: 'Mất kết nối từ / Offline from', type: 'datetime' },
          { header: 'Đến / Until', type: 'datetime' },
          { header: 'Số giờ / Hours' },
        ],
        batches: [
          rows.map((r) => [
            r.siteId,
            r.siteName,
            r.screenId,
            r.screenName,
            formatDateTime(r.fromMs, r.zone),
            r.untilMs === null ? 'vẫn mất kết nối / still offline' : formatDateTime(r.untilMs, r.zone),
            r.hours,
          ]),
        ],
      },
      out,
    ),
  );
}

/** The name of the weekly report's sheet listing the offices past 3 days without an item. */
export const CADENCE_SHEET = 'Nhịp đăng tin - Cadence';

const CADENCE_COLUMNS = [
  { header: 'Cấp / Level' },
  { header: 'Địa bàn / Region id' },
  { header: 'Tên / Name' },
  { header: 'Tin gần nhất / Last item' },
  { header: 'Phát lúc / Aired at' },
  { header: 'Số ngày / Days since' },
];

/**
 * The communications cadence as of the report: every office (city, district, ward) that has
 * gone more than 3 days without airing an item ("tối thiểu 03 ngày 01 tin").
 */
function cadenceFlags(deps: WeeklyReportDeps): { columns: typeof CADENCE_COLUMNS; rows: Cell[][] } {
  const flagged = cadence(deps.repos, deps.clock.now(), DEFAULT_TIME_ZONE).rows.filter((r) => r.flagged);
  const level = { city: 'Thành phố / city', district: 'Quận, huyện / district', ward: 'Phường, xã / ward' };
  return {
    columns: CADENCE_COLUMNS,
    rows: flagged.map((r) => [
      level[r.level],
      r.regionId,
      r.regionName,
      r.lastItemId,
      r.lastAiredAt,
      r.daysSince === null ? 'chưa có tin / never' : r.daysSince,
    ]),
  };
}

/** The cadence flags beside the plays export, as CSV. */
async function writeCadenceFlags(
  deps: WeeklyReportDeps,
  flags: ReturnType<typeof cadenceFlags>,
  path: string,
  periodFirst: string,
  periodLast: string,
): Promise<ExportResult> {
  const zone = DEFAULT_TIME_ZONE;
  const now = deps.clock.now();
  return writeFileAtomically(path, (out) =>
    writeCsv(
      {
        meta: {
          title: 'Đơn vị quá 3 ngày chưa có tin / Offices with no item aired for more than 3 days',
          campaign: 'Tin truyền thông và cảnh báo / Communications and warnings',
          period: `${formatDate(periodFirst, zone)} – ${formatDate(periodLast, zone)}`,
          timeZone: zone,
          generatedAt: formatDateTime(now, zone),
          filters: 'flagged only',
        },
        columns: flags.columns,
        batches: [flags.rows],
      },
      out,
    ),
  );
}

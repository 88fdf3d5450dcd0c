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
import { writeCsv, writeXlsx, type ExportResult } from './writers.ts';
import { cadence } from '../comms/cadence.ts';
import { formatDate, formatDateTime } from '#shared/time.ts';
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
  const xlsx = prepareExport(deps, 'daily', query, null);
  let result: ExportResult;
  try {
    result = await writeFileAtomically(join(dir, `${base}.xlsx`), (out) => writeXlsx(xlsx.table, out));
  } finally {
    xlsx.close();
  }
  const csv = prepareExport(deps, 'daily', query, null);
  try {
    await writeFileAtomically(join(dir, `${base}.csv`), (out) => writeCsv(csv.table, out));
  } finally {
    csv.close();
  }
  await writeCadenceFlags(deps, join(dir, `${base}-cadence.csv`), periodFirst, periodLast);
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

/**
 * The communications cadence beside the plays: every office (city, district, ward) that has
 * gone more than 3 days without airing an item ("tối thiểu 03 ngày 01 tin"), as of the report.
 */
async function writeCadenceFlags(
  deps: WeeklyReportDeps,
  path: string,
  periodFirst: string,
  periodLast: string,
): Promise<ExportResult> {
  const zone = DEFAULT_TIME_ZONE;
  const now = deps.clock.now();
  const flagged = cadence(deps.repos, now, zone).rows.filter((r) => r.flagged);
  const level = { city: 'Thành phố / city', district: 'Quận, huyện / district', ward: 'Phường, xã / ward' };
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
        columns: [
          { header: 'Cấp / Level' },
          { header: 'Địa bàn / Region id' },
          { header: 'Tên / Name' },
          { header: 'Tin gần nhất / Last item' },
          { header: 'Phát lúc / Aired at' },
          { header: 'Số ngày / Days since' },
        ],
        batches: [
          flagged.map((r) => [
            level[r.level],
            r.regionId,
            r.regionName,
            r.lastItemId,
            r.lastAiredAt,
            r.daysSince === null ? 'chưa có tin / never' : r.daysSince,
          ]),
        ],
      },
      out,
    ),
  );
}

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

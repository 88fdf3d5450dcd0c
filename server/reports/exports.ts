/**
 * The export tables: what each kind of export contains, row by row, drawn from the database in
 * batches. Raw-play and audit exports read through a cursor on a separate read-only connection
 * (WAL lets it run beside ingest): better-sqlite3 keeps a connection busy while a cursor is
 * open, and an export that waits on a slow client must not block the server's own connection.
 */
import Database from 'better-sqlite3';
import type { Clock } from '#shared/clock.ts';
import { DEFAULT_TIME_ZONE, venueTypeLabel, type VenueType } from '#shared/schemas/domain.ts';
import type { ExportKind } from '#shared/schemas/reports.ts';
import { eachDate, formatDate, formatDateTime, startOfLocalDay, startOfNextLocalDay } from '#shared/time.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { auditRepository } from '../repositories/audit.ts';
import { rowToRecord, type PlayRow } from '../repositories/plays.ts';
import { linkStatus } from '../proof/chain.ts';
import type { Repositories } from '../repositories/index.ts';
import { reportsRepository } from '../repositories/reports.ts';
import {
  loadContext,
  screenDayRows,
  sitesFor,
  type ReportContext,
  type SiteInfo,
  type SiteScope,
} from './aggregate.ts';
import {
  CellRun,
  type Cell,
  type ExportColumn,
  type ExportMeta,
  type ExportTable,
  type Row,
} from './writers.ts';

export interface ExportQuery {
  campaignId?: string | undefined;
  from: string;
  to: string;
  siteId?: string | undefined;
  regionId?: string | undefined;
  venueType?: VenueType | undefined;
}

export interface ExportDeps {
  db: Db;
  repos: Repositories;
  clock: Clock;
}

export interface PreparedExport {
  table: ExportTable;
  fileBase: string;
  /** Releases the read connection; call when the stream has ended or failed. */
  close(): void;
}

const BATCH = 2000;

export const TITLES: Record<ExportKind, string> = {
  daily: 'Lượt phát theo màn hình và ngày / Plays per screen per day',
  hourly: 'Lượt phát theo điểm đặt, ngày và giờ / Plays per site, day and hour',
  evidence:
    'Bằng chứng phát: từng lượt phát và chuỗi băm / Proof-of-play evidence: every play and its hash chain',
  audit: 'Nhật ký thao tác / Audit log',
};

const pct = (num: number, den: number): Cell => (den > 0 ? Math.round((num / den) * 1000) / 10 : null);
const venueLabel = venueTypeLabel;

function filtersText(ctx: ReportContext | null, q: ExportQuery, scope: SiteScope): string {
  const parts: string[] = [];
  if (q.siteId)
    parts.push(`Điểm đặt / Site: ${ctx?.sites.get(q.siteId)?.row.name ?? q.siteId} (${q.siteId})`);
  if (q.regionId)
    parts.push(`Khu vực / Region: ${ctx?.regions.get(q.regionId)?.name ?? q.regionId} (${q.regionId})`);
  if (q.venueType) parts.push(`Loại địa điểm / Venue type: ${venueLabel(q.venueType)} (${q.venueType})`);
  if (scope) parts.push(`Phạm vi người dùng / User scope: ${scope.size} điểm đặt / sites`);
  return parts.length ? parts.join('; ') : 'Không lọc: toàn bộ / None: everything';
}

function openReader(db: Db): { db: Db; close(): void } {
  if (db.memory || db.name === '' || db.name === ':memory:') return { db, close: () => undefined };
  const reader = new Database(db.name, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  return { db: reader, close: () => reader.close() };
}

/** Whether no filter narrows the export, so the per-day and evidence queries may skip the site list. */
function coversAllSites(
  ctx: ReportContext,
  q: ExportQuery,
  scope: SiteScope,
  sites: readonly unknown[],
): boolean {
  return scope === null && !q.siteId && !q.regionId && !q.venueType && sites.length === ctx.sites.size;
}

/**
 * Groups a cursor's rows into batches of BATCH. The cursor is released however the export ends,
 * including a client that disconnects mid-stream, because an open cursor keeps its connection busy.
 */
async function* cursorBatches<T>(
  cursor: IterableIterator<T>,
  toRow: (item: T) => Cell[],
): AsyncGenerator<Cell[][]> {
  try {
    let batch: Cell[][] = [];
    for (const item of cursor) {
      batch.push(toRow(item));
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    cursor.return?.();
  }
}

function exportMeta(
  title: string,
  campaign: string,
  q: ExportQuery,
  zone: string,
  generatedMs: number,
  filters: string,
): ExportMeta {
  return {
    title,
    campaign,
    period: `${formatDate(q.from, zone)} – ${formatDate(q.to, zone)}`,
    timeZone: zone,
    generatedAt: formatDateTime(generatedMs, zone),
    filters,
  };
}

/** Plays whose chain check failed are a column of their own in every export that counts plays. */
export const UNVERIFIED_HEADER = 'Chưa xác minh (chuỗi băm lỗi) / Unverified (chain check failed)';
/** The header says what compliance counts, so a reader of the file alone knows. */
export const COMPLIANCE_HEADER =
  'Tỷ lệ đạt % (không tính lượt chưa xác minh) / Compliance % (unverified plays excluded)';

const DAILY_COLUMNS: ExportColumn[] = [
  { header: 'Ngày / Date', width: 12, type: 'date' },
  { header: 'Quận/huyện / District', width: 18 },
  { header: 'Phường/xã / Ward', width: 18 },
  { header: 'Mã điểm đặt / Site id', width: 28 },
  { header: 'Điểm đặt / Site', width: 36 },
  { header: 'Loại địa điểm / Venue type', width: 26 },
  { header: 'Mã màn hình / Screen id', width: 28 },
  { header: 'Màn hình / Screen', width: 20 },
  { header: 'Lượt phát / Plays', width: 10 },
  { header: UNVERIFIED_HEADER, width: 14 },
  { header: 'Chỉ tiêu / Target', width: 10 },
  { header: 'Chỉ tiêu đến thời điểm lập / Due by generation time', width: 12 },
  { header: COMPLIANCE_HEADER, width: 12 },
  { header: 'Lượt giờ cao điểm / Peak-hour plays', width: 12 },
  { header: 'Tỷ trọng cao điểm % / Peak share %', width: 12 },
  { header: 'Không hoàn thành / Not completed', width: 12 },
  { header: 'Giờ mở cửa / Open hours', width: 10 },
  { header: 'Giờ không hoạt động / Silent hours', width: 12 },
  { header: 'Thiếu / Shortfall', width: 10 },
  { header: 'Thiếu do mất kết nối / Shortfall while offline', width: 14 },
  { header: 'Thiếu do lý do khác / Shortfall, other causes', width: 14 },
  { header: 'Phút mất kết nối trong giờ mở cửa / Offline minutes in open hours', width: 14 },
  { header: 'Lượt theo lịch rơi vào lúc mất kết nối / Planned plays while offline', width: 14 },
];

async function* dailyBatches(
  repos: Repositories,
  ctx: ReportContext,
  q: ExportQuery,
  scope: SiteScope,
): AsyncGenerator<Row[]> {
  const sites = sitesFor(ctx, q, scope);
  const allSites = coversAllSites(ctx, q, scope, sites);
  // The text that repeats from row to row, as runs the writers encode once: a site's five
  // columns, a screen's two, a day's date.
  const siteCells = new Map<SiteInfo, CellRun>();
  for (const s of sites)
    siteCells.set(
      s,
      new CellRun([s.districtName, s.wardName, s.row.id, s.row.name, venueLabel(s.row.venue_type)]),
    );
  const screenCells = new Map<string, CellRun>();
  for (const date of eachDate(q.from, q.to)) {
    const rows = screenDayRows(repos, ctx, sites, date, allSites);
    const day = new CellRun([formatDate(date, ctx.campaign.time_zone)]);
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch: Row[] = [];
      for (let k = i; k < rows.length && k < i + BATCH; k++) {
        const r = rows[k]!;
        let screen = screenCells.get(r.screenId);
        if (!screen || screen.cells[1] !== r.screenName)
          screenCells.set(r.screenId, (screen = new CellRun([r.screenId, r.screenName])));
        batch.push([
          day,
          siteCells.get(r.site)!,
          screen,
          r.plays,
          r.unverified,
          r.target,
          r.due,
          pct(r.plays, r.due),
          r.peakPlays,
          pct(r.peakPlays, r.plays),
          r.notCompleted,
          Math.round(r.openHours * 100) / 100,
          r.silentHours,
          r.shortfall,
          r.shortfallOffline,
          r.shortfallOther,
          r.offlineMinutes,
          r.plannedOffline,
        ]);
      }
      yield batch;
    }
  }
}

const HOURLY_COLUMNS: ExportColumn[] = [
  { header: 'Ngày / Date', width: 12, type: 'date' },
  { header: 'Giờ / Hour', width: 8 },
  { header: 'Quận/huyện / District', width: 18 },
  { header: 'Mã điểm đặt / Site id', width: 28 },
  { header: 'Điểm đặt / Site', width: 36 },
  { header: 'Loại địa điểm / Venue type', width: 26 },
  { header: 'Lượt phát / Plays', width: 10 },
  { header: 'Lượt giờ cao điểm / Peak-hour plays', width: 12 },
  { header: UNVERIFIED_HEADER, width: 14 },
];

async function* hourlyBatches(
  repos: Repositories,
  ctx: ReportContext,
  q: ExportQuery,
  scope: SiteScope,
): AsyncGenerator<Cell[][]> {
  const sites = sitesFor(ctx, q, scope);
  const ids = new Set(sites.map((s) => s.row.id));
  for (const date of eachDate(q.from, q.to)) {
    const day = formatDate(date, ctx.campaign.time_zone);
    const batch: Cell[][] = [];
    for (const h of repos.reports.siteHoursOfDay(ctx.campaign.id, date, ids)) {
      const site = ctx.sites.get(h.site_id);
      batch.push([
        day,
        `${String(h.local_hour).padStart(2, '0')}:00`,
        site?.districtName ?? '',
        h.site_id,
        site?.row.name ?? '',
        site ? venueLabel(site.row.venue_type) : '',
        h.plays,
        h.peak_plays,
        h.unverified,
      ]);
    }
    if (batch.length) yield batch;
  }
}

const EVIDENCE_COLUMNS: ExportColumn[] = [
  { header: 'Mã lượt phát / Play id', width: 38 },
  { header: 'Mã màn hình / Screen id', width: 28 },
  { header: 'Màn hình / Screen', width: 20 },
  { header: 'Mã điểm đặt / Site id', width: 28 },
  { header: 'Điểm đặt / Site', width: 36 },
  { header: 'Ngày / Date', width: 12, type: 'date' },
  { header: 'Giờ / Hour', width: 8 },
  { header: 'Bắt đầu / Started at', width: 26 },
  { header: 'Kết thúc / Ended at', width: 26 },
  { header: 'Số giây hiển thị / Seconds shown', width: 10 },
  { header: 'Kết quả / Outcome', width: 12 },
  { header: 'Lý do / Reason', width: 20 },
  { header: 'Giờ cao điểm / Peak hour', width: 8 },
  { header: 'Mục lịch / Plan item', width: 30 },
  { header: 'Dự kiến / Planned at', width: 26 },
  { header: 'Tệp video (sha256) / Media sha256', width: 66 },
  { header: 'Phiên bản trình phát / Player version', width: 12 },
  { header: 'Số thứ tự / Seq', width: 10 },
  { header: 'Băm trước / Previous hash', width: 66 },
  { header: 'Băm / Hash', width: 66 },
  { header: 'Chuỗi của lượt khi nhận / Play chain status at upload', width: 12 },
  { header: 'Chuỗi của màn hình khi nhận / Screen chain status at upload', width: 36 },
  { header: 'Kiểm tra lại khi xuất / Re-verified at export', width: 14 },
];

function chainText(s: { not_ok: number; gaps: number; mismatches: number } | undefined): string {
  if (!s || s.not_ok === 0) return 'ok: chuỗi liền mạch / chain verified';
  const bits: string[] = [];
  if (s.gaps) bits.push(`${s.gaps} gap`);
  if (s.mismatches) bits.push(`${s.mismatches} mismatch`);
  return `lỗi / broken: ${bits.join(', ') || `${s.not_ok} not ok`}`;
}

/**
 * Raw plays with two verdicts: the chain status recorded when each play was uploaded, and a
 * fresh check made now (the record's hash recomputed from its content, and its link to the
 * previous record), so an edit made in the database after upload shows up in the file.
 */
async function* evidenceBatches(
  reader: Db,
  ctx: ReportContext,
  q: ExportQuery,
  scope: SiteScope,
): AsyncGenerator<Cell[][]> {
  const repo = reportsRepository(reader);
  const sites = sitesFor(ctx, q, scope);
  const ids = coversAllSites(ctx, q, scope, sites) ? null : new Set(sites.map((s) => s.row.id));
  const summary = repo.chainSummary(ctx.campaign.id, q.from, q.to, ids);
  const chain = new Map(summary.map((c) => [c.screen_id, c]));
  // The link into each screen's first play of the period is checked against the play before
  // it; fetched now, because a connection running a cursor cannot answer other queries.
  const before = new Map<string, { seq: number; hash: string }>();
  for (const c of summary) {
    const hash = c.first_seq > 1 ? repo.hashAt(c.screen_id, c.first_seq - 1) : undefined;
    if (hash) before.set(c.screen_id, { seq: c.first_seq - 1, hash });
  }
  let screen = '';
  let previous: { seq: number; hash: string } | undefined;
  yield* cursorBatches(repo.iterateEvidence(ctx.campaign.id, q.from, q.to, ids), (p) => {
    if (p.screen_id !== screen) {
      screen = p.screen_id;
      previous = before.get(screen);
    }
    const verdict = linkStatus(rowToRecord(p as PlayRow), previous);
    previous = { seq: p.seq, hash: p.hash };
    return [
      p.play_id,
      p.screen_id,
      ctx.screens.get(p.screen_id)?.name ?? '',
      p.site_id,
      ctx.sites.get(p.site_id)?.row.name ?? '',
      formatDate(p.local_date, ctx.campaign.time_zone),
      p.local_hour,
      p.started_at,
      p.ended_at,
      p.seconds_shown,
      p.outcome,
      p.reason,
      p.in_peak ? 1 : 0,
      p.plan_item_id,
      p.planned_at,
      p.media_sha256,
      p.player_version,
      p.seq,
      p.prev_hash,
      p.hash,
      p.chain_status,
      chainText(chain.get(p.screen_id)),
      verdict,
    ];
  });
}

const AUDIT_COLUMNS: ExportColumn[] = [
  { header: 'Thời điểm / Time', width: 18, type: 'datetime' },
  { header: 'Người thực hiện / Actor', width: 28 },
  { header: 'Thao tác / Action', width: 22 },
  { header: 'Loại đối tượng / Object type', width: 16 },
  { header: 'Mã đối tượng / Object id', width: 30 },
  { header: 'Chi tiết / Detail', width: 80 },
];

async function* auditBatches(
  reader: Db,
  clock: Clock,
  zone: string,
  fromMs: number,
  toMs: number,
  names: Map<string, string>,
): AsyncGenerator<Cell[][]> {
  yield* cursorBatches(auditRepository(reader, clock).iterate(fromMs, toMs), (a) => {
    const who = names.get(a.actor);
    return [
      formatDateTime(a.at_ms, zone),
      who ? `${who} (${a.actor})` : a.actor,
      a.action,
      a.object_type,
      a.object_id,
      a.detail,
    ];
  });
}

export function prepareExport(
  deps: ExportDeps,
  kind: ExportKind,
  q: ExportQuery,
  scope: SiteScope,
): PreparedExport {
  const generatedMs = deps.clock.now();
  if (kind === 'audit') {
    const ctx = q.campaignId ? loadContext(deps.repos, q.campaignId, generatedMs) : null;
    const zone = ctx?.campaign.time_zone ?? DEFAULT_TIME_ZONE;
    const reader = openReader(deps.db);
    const names = new Map(deps.repos.users.list().map((u) => [u.id, u.display_name]));
    return {
      fileBase: `ihanoi-audit-${q.from}_${q.to}`,
      table: {
        meta: exportMeta(
          TITLES.audit,
          ctx ? ctx.campaign.name : '—',
          q,
          zone,
          generatedMs,
          'Không lọc: toàn bộ / None: everything',
        ),
        columns: AUDIT_COLUMNS,
        batches: auditBatches(
          reader.db,
          deps.clock,
          zone,
          startOfLocalDay(q.from, zone),
          startOfNextLocalDay(q.to, zone),
          names,
        ),
      },
      close: () => reader.close(),
    };
  }
  if (!q.campaignId)
    throw new AppError('BAD_REQUEST', 'Hãy chọn chiến dịch. / Choose a campaign (campaignId).');
  const ctx = loadContext(deps.repos, q.campaignId, generatedMs);
  const zone = ctx.campaign.time_zone;
  const campaign = ctx.campaign.name_en
    ? `${ctx.campaign.name} / ${ctx.campaign.name_en}`
    : ctx.campaign.name;
  const meta = exportMeta(TITLES[kind], campaign, q, zone, generatedMs, filtersText(ctx, q, scope));
  const fileBase = `ihanoi-${kind}-${ctx.campaign.id}-${q.from}_${q.to}`;
  if (kind === 'evidence') {
    const reader = openReader(deps.db);
    return {
      fileBase,
      table: { meta, columns: EVIDENCE_COLUMNS, batches: evidenceBatches(reader.db, ctx, q, scope) },
      close: () => reader.close(),
    };
  }
  return {
    fileBase,
    table: {
      meta,
      columns: kind === 'daily' ? DAILY_COLUMNS : HOURLY_COLUMNS,
      batches:
        kind === 'daily' ? dailyBatches(deps.repos, ctx, q, scope) : hourlyBatches(deps.repos, ctx, q, scope),
    },
    close: () => undefined,
  };
}

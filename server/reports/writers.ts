/**
 * CSV and XLSX writers for exports. Both take rows in batches from an async source and write to
 * a Node Writable, waiting for 'drain' whenever the destination is full, so a slow client or
 * disk slows the database cursor instead of filling memory.
 *
 * The row checksum: sha256 (hex) over the UTF-8 bytes of the data rows serialized as CSV
 * (RFC 4180 quoting, fields joined by ',', every line ending in CRLF, text that starts with
 * = + - @ tab or CR prefixed with an apostrophe), header and metadata lines excluded. The CSV file carries exactly those lines, so `sha256` of them can be recomputed by
 * anyone; the XLSX of the same query states the same checksum.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ZipWriter } from './zip.ts';

export type Cell = string | number | null;

/**
 * Cells that stand side by side in many rows (a site's district, ward, id, name and venue type;
 * a screen's id and name; a day's date). A row may hold the run in place of those cells: the
 * file is the same as with the cells written out, but each writer encodes a run once per export
 * (its CSV bytes, its sheet XML) instead of once per row.
 */
export class CellRun {
  constructor(readonly cells: readonly Cell[]) {
    if (cells.length === 0) throw new Error('a cell run needs at least one cell');
  }
}

/** A row: cells, and runs standing for the cells they hold. */
export type Row = ReadonlyArray<Cell | CellRun>;

/** The row as plain cells, each run replaced by its cells. */
export function flattenRow(row: Row): Cell[] {
  const out: Cell[] = [];
  for (const v of row) {
    if (v instanceof CellRun) out.push(...v.cells);
    else out.push(v);
  }
  return out;
}

export interface ExportMeta {
  /** What the file is, e.g. "Lượt phát theo màn hình và ngày / Plays per screen per day". */
  title: string;
  campaign: string;
  /** dd/mm/yyyy – dd/mm/yyyy */
  period: string;
  timeZone: string;
  /** dd/mm/yyyy HH:mm in the time zone above. */
  generatedAt: string;
  filters: string;
}

export interface ExportColumn {
  header: string;
  /** Column width in characters for XLSX. */
  width?: number;
  /**
   * The cells hold 'dd/mm/yyyy' (date) or 'dd/mm/yyyy HH:mm' (datetime, the wall time already
   * in the report's zone). The CSV keeps that text; the XLSX writes a real date cell (a serial
   * day number in a dd/mm/yyyy style), so Excel sorts and filters it as a date.
   */
  type?: 'date' | 'datetime';
}

export interface ExportTable {
  meta: ExportMeta;
  columns: ExportColumn[];
  batches: AsyncIterable<Row[]> | Iterable<Row[]>;
}

export interface ExportResult {
  rows: number;
  checksum: string;
}

export const CHECKSUM_DEFINITION =
  'sha256 của các dòng dữ liệu CSV (UTF-8, mỗi dòng kết thúc CRLF, không gồm tiêu đề) / sha256 of the CSV data lines (UTF-8, CRLF-terminated, header excluded)';

/** Text Excel would run as a formula (or DDE) when it opens a CSV. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text that needs more than itself: a formula start, a quote, a separator or edge spaces. */
const SPECIAL = /^[=+\-@\s]|[",\r\n]|\s$/;

export function csvField(v: Cell): string {
  if (v === null) return '';
  // A number's text never needs quoting, and a negative number is not a formula.
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  // Most text (ids, names, dates) needs nothing: one test decides it.
  if (!SPECIAL.test(v)) return v;
  // People type reasons and names; an apostrophe keeps "=HYPERLINK(…)" as text in Excel.
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(row: Cell[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++)
    line += i === 0 ? csvField(row[i] ?? null) : `,${csvField(row[i] ?? null)}`;
  return `${line}\r\n`;
}

/** Bytes gathered into chunks of about CHUNK, so that a batch leaves in a few large writes. */
const CHUNK = 64 * 1024;

/**
 * A batch's output, written straight into buffers. Joining a batch's lines into one string and
 * encoding that cost more than making the lines (V8 flattens every line's pieces on the way):
 * writing each piece into a buffer as it is made does not.
 */
class ByteChunks {
  private buf = Buffer.allocUnsafe(CHUNK);
  private n = 0;
  private readonly done: Buffer[] = [];

  text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.n + s.length * 3 > this.buf.length) this.roll(s.length * 3);
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  /**
   * Text the caller knows is ASCII (markup, digits), copied byte by byte: for the short pieces a
   * row is made of, cheaper than a call into the encoder.
   */
  ascii(s: string): void {
    const len = s.length;
    if (this.n + len > this.buf.length) this.roll(len);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Text of code points below 256 only (the caller knows), one byte each. */
  latin1(s: string): void {
    if (this.n + s.length > this.buf.length) this.roll(s.length);
    this.n += this.buf.write(s, this.n, 'latin1');
  }

  comma(): void {
    if (this.n + 1 > this.buf.length) this.roll(1);
    this.buf[this.n++] = 0x2c;
  }

  bytes(b: Buffer): void {
    if (this.n + b.length > this.buf.length) this.roll(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  /** The chunks gathered so far, in order; the next bytes start a new chunk. */
  take(): Buffer[] {
    if (this.n > 0) this.roll(0);
    return this.done.splice(0);
  }

  private roll(need: number): void {
    if (this.n > 0) this.done.push(this.buf.subarray(0, this.n));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, need));
    this.n = 0;
  }
}

/**
 * Appends the row's CSV line: the bytes of csvLine for the flattened row. A run's fields are
 * encoded the first time it is met and copied after that.
 */
function csvRowInto(row: Row, out: ByteChunks, runs: Map<CellRun, Buffer>): void {
  let text = '';
  // Whether `text` holds only separators and numbers (ASCII), as it does between a row's runs.
  let ascii = true;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (i > 0) text += ',';
    if (v instanceof CellRun) {
      let b = runs.get(v);
      if (!b) runs.set(v, (b = Buffer.from(v.cells.map((c) => csvField(c ?? null)).join(','), 'utf8')));
      if (text === ',') out.comma();
      else if (text) flush(out, text, ascii);
      text = '';
      ascii = true;
      out.bytes(b);
    } else if (typeof v === 'number') text += Number.isFinite(v) ? String(v) : '';
    else {
      text += csvField(v ?? null);
      ascii = false;
    }
  }
  flush(out, `${text}\r\n`, ascii);
}

const flush = (out: ByteChunks, text: string, ascii: boolean) => (ascii ? out.ascii(text) : out.text(text));

/** sha256 over data lines, as defined above; for tests and anyone re-checking a file. */
export function checksumOfRows(rows: Iterable<Cell[]>): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(csvLine(r), 'utf8');
  return h.digest('hex');
}

export class DestinationClosed extends Error {
  constructor() {
    super('the export destination closed before the export ended (client went away?)');
  }
}

/** Resolves on 'drain'; rejects if the destination closes first, so the cursor is released. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      out.off('drain', onDrain);
      reject(new DestinationClosed());
    };
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}

async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new DestinationClosed();
  if (!(typeof chunk === 'string' ? out.write(chunk, 'utf8') : out.write(chunk))) await drained(out);
}

function metaRows(meta: ExportMeta): Cell[][] {
  return [
    ['Báo cáo / Report', meta.title],
    ['Chiến dịch / Campaign', meta.campaign],
    ['Kỳ báo cáo / Period', meta.period],
    ['Múi giờ / Time zone', meta.timeZone],
    ['Thời điểm lập / Generated at', meta.generatedAt],
    ['Bộ lọc / Filters', meta.filters],
    ['Tổng kiểm / Checksum', CHECKSUM_DEFINITION],
  ];
}

/**
 * UTF-8 with a BOM so Excel reads the diacritics; metadata lines, a blank line, the header row,
 * the data rows, a blank line, then the row count and the checksum (known only at the end).
 */
export async function writeCsv(table: ExportTable, out: Writable): Promise<ExportResult> {
  const hash = createHash('sha256');
  let rows = 0;
  let head = '\uFEFF';
  for (const m of metaRows(table.meta)) head += csvLine(m);
  head += '\r\n' + csvLine(table.columns.map((c) => c.header));
  await write(out, head);
  // Let the metadata leave before the first day is read: the client sees the export start.
  await nextTurn();
  const runs = new Map<CellRun, Buffer>();
  const lines = new ByteChunks();
  for await (const batch of table.batches) {
    for (const r of batch) csvRowInto(r, lines, runs);
    rows += batch.length;
    // Encoded once: the checksum runs over the same bytes that are sent (a hash over the
    // concatenated lines equals one fed line by line).
    for (const bytes of lines.take()) {
      hash.update(bytes);
      await write(out, bytes);
    }
    // Give the event loop a turn between batches: bytes leave as they are made, and other
    // requests (ingest, the console) are served while a long export runs.
    await nextTurn();
  }
  const checksum = hash.digest('hex');
  await write(out, '\r\n' + csvLine(['Số dòng dữ liệu / Data rows', rows]) + csvLine(['SHA-256', checksum]));
  out.end();
  return { rows, checksum };
}

// XML 1.0 forbids these characters outright, so the pattern has to name control characters.
// eslint-disable-next-line no-control-regex
const XML_BAD = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
function xmlText(s: string): string {
  return s
    .replace(XML_BAD, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function colName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Style ids in styles.xml below. */
const STYLE_BOLD = 1;
const STYLE_DATE = 2;
const STYLE_DATETIME = 3;

/**
 * Excel's serial day number for 'dd/mm/yyyy' or 'dd/mm/yyyy HH:mm' (days since 30/12/1899,
 * the time of day as the fraction), or null when the text is not a real date. Pure calendar
 * arithmetic: the text is already the wall time in the report's zone.
 */
export function excelSerial(text: string, withTime: boolean): number | null {
  const m = withTime
    ? /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(text)
    : /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hh = withTime ? Number(m[4]) : 0;
  const mi = withTime ? Number(m[5]) : 0;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  if (hh > 23 || mi > 59) return null;
  return ms / 86_400_000 + 25_569 + (hh * 60 + mi) / 1440;
}

/** Column letters, worked out once: A, B, …, Z, AA, … */
const COLUMN_NAMES = Array.from({ length: 64 }, (_, i) => colName(i));
const columnName = (i: number) => COLUMN_NAMES[i] ?? colName(i);

/**
 * A row's text cells repeat from row to row (a site's name and district, a day's date), so
 * their escaped XML and serial day numbers are kept for the rows after. Bounded: cleared when full.
 */
const cellMemo = new Map<string, string>();
const CELL_MEMO_LIMIT = 50_000;
function memo(key: string, make: () => string): string {
  let v = cellMemo.get(key);
  if (v === undefined) {
    if (cellMemo.size >= CELL_MEMO_LIMIT) cellMemo.clear();
    v = make();
    cellMemo.set(key, v);
  }
  return v;
}

/** One cell's XML at column `i` of row `r` ('' for an empty cell). */
function xlsxCell(i: number, r: string, v: Cell | undefined, s: string, type: ExportColumn['type']): string {
  if (v === undefined || v === null || v === '') return '';
  const ref = `${columnName(i)}${r}`;
  if (typeof v === 'number') return Number.isFinite(v) ? `<c r="${ref}"${s}><v>${v}</v></c>` : '';
  // The cell after its reference: a date's serial with its style, or the escaped inline text.
  const body = memo(`${type ?? ''}${s}\u0000${v}`, () => {
    if (type) {
      const serial = excelSerial(v, type === 'datetime');
      if (serial !== null)
        return ` s="${type === 'date' ? STYLE_DATE : STYLE_DATETIME}"><v>${serial}</v></c>`;
    }
    return ` t="inlineStr"${s}><is><t xml:space="preserve">${xmlText(v)}</t></is></c>`;
  });
  return `<c r="${ref}"${body}`;
}

function xlsxRow(r: number, cells: Cell[], style?: number, types?: ExportColumn['type'][]): string {
  let x = `<row r="${r}">`;
  const s = style ? ` s="${style}"` : '';
  const rs = String(r);
  for (let i = 0; i < cells.length; i++) x += xlsxCell(i, rs, cells[i], s, types?.[i]);
  return `${x}</row>`;
}

/**
 * The workbook's shared-string table, for the text of cell runs: a site's name stands in every
 * row of its screens and days, and a short index in its place keeps the sheet XML (and the time
 * to deflate it) much smaller. Other text stays inline, so nothing unbounded accumulates here.
 */
class SharedStrings {
  private readonly index = new Map<string, number>();
  readonly list: string[] = [];
  of(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(s, i);
      this.list.push(s);
    }
    return i;
  }
}

/**
 * A run's cells as sheet XML from column `col`, split where the row number goes: the parts
 * joined with a row's number are its cells in that row.
 */
interface RunXml {
  col: number;
  parts: string[];
}

function runXml(run: CellRun, col: number, types: ExportColumn['type'][], strings: SharedStrings): RunXml {
  const parts: string[] = [];
  let part = '';
  run.cells.forEach((v, k) => {
    if (v === null || v === '' || (typeof v === 'number' && !Number.isFinite(v))) return;
    const i = col + k;
    let body: string;
    if (typeof v === 'number') body = `><v>${v}</v></c>`;
    else {
      const type = types[i];
      const serial = type ? excelSerial(v, type === 'datetime') : null;
      body =
        serial !== null
          ? ` s="${type === 'date' ? STYLE_DATE : STYLE_DATETIME}"><v>${serial}</v></c>`
          : ` t="s"><v>${strings.of(v)}</v></c>`;
    }
    parts.push(`${part}<c r="${columnName(i)}`);
    part = `"${body}`;
  });
  parts.push(part);
  return { col, parts };
}

/** `<c r="A`, `<c r="B`, …: a cell's opening up to its row number. */
const CELL_OPEN = COLUMN_NAMES.map((name) => `<c r="${name}`);

/**
 * Appends a data row's XML: what xlsxRow writes for the flattened row, run text through shared
 * strings. The row is made as one string and copied in one call: ASCII (markup, digits, shared
 * string indexes) unless a plain text cell adds more.
 */
function xlsxRowInto(
  out: ByteChunks,
  r: number,
  row: Row,
  types: ExportColumn['type'][],
  runs: Map<CellRun, RunXml>,
  strings: SharedStrings,
): void {
  const rs = String(r);
  let x = `<row r="${rs}">`;
  let ascii = true;
  let col = 0;
  for (let k = 0; k < row.length; k++) {
    const v = row[k];
    if (v instanceof CellRun) {
      let xml = runs.get(v);
      if (!xml || xml.col !== col) runs.set(v, (xml = runXml(v, col, types, strings)));
      x += xml.parts.join(rs);
      col += v.cells.length;
      continue;
    }
    if (typeof v === 'number') {
      if (Number.isFinite(v)) x += `${CELL_OPEN[col] ?? `<c r="${columnName(col)}`}${rs}"><v>${v}</v></c>`;
    } else if (v !== null && v !== undefined && v !== '') {
      x += xlsxCell(col, rs, v, '', types[col]);
      ascii = false;
    }
    col++;
  }
  x += '</row>';
  if (ascii) out.latin1(x);
  else out.text(x);
}

const SHEET_HEAD =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';

/** Excel's limit is 1,048,576 rows per sheet; one of them is the header. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;

const REL_WS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet';
const CT_WS = 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml';
const REL_SST = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings';
const CT_SST = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml';

/**
 * A minimal SpreadsheetML package written as a zip stream. Data rows go to "Dữ liệu - Data"
 * (plain text cells as inline strings, so nothing unbounded accumulates in memory; the text of
 * cell runs, a bounded set, through the shared-string table), continuing on
 * "Dữ liệu - Data (2)", … past Excel's row limit; the last sheet, "Thông tin - About", holds
 * the metadata, row count and checksum. The workbook parts that list the sheets are written
 * after the data, when the number of sheets is known (a zip is read from its central
 * directory, so entry order does not matter).
 */
export async function writeXlsx(
  table: ExportTable,
  out: Writable,
  opts: {
    maxRowsPerSheet?: number;
    /** Small tables of their own, each on a sheet after the data (not in the checksum). */
    extraSheets?: ReadonlyArray<{ name: string; rows: Cell[][] }>;
  } = {},
): Promise<ExportResult> {
  const perSheet = Math.min(opts.maxRowsPerSheet ?? XLSX_MAX_DATA_ROWS, XLSX_MAX_DATA_ROWS);
  // The fastest deflate: an export is read once and its repetitive XML still shrinks many times;
  // level 6 cost a third more time for the whole export (bench/report.ts) on the 2-core machine.
  const zip = new ZipWriter((bytes) => write(out, bytes), 1);
  const hash = createHash('sha256');
  let rows = 0;

  const cols = table.columns
    .map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width ?? 16}" customWidth="1"/>`)
    .join('');
  const headerRow = xlsxRow(
    1,
    table.columns.map((c) => c.header),
    STYLE_BOLD,
  );
  const types = table.columns.map((c) => c.type);
  const lastCol = colName(Math.max(0, table.columns.length - 1));
  /** Data rows per sheet, for each sheet's autofilter range. */
  const sheetRows: number[] = [];
  const sheetNames: string[] = [];
  let inSheet = 0;
  const openSheet = async () => {
    sheetNames.push(sheetNames.length === 0 ? 'Dữ liệu - Data' : `Dữ liệu - Data (${sheetNames.length + 1})`);
    await zip.begin(`xl/worksheets/sheet${sheetNames.length}.xml`);
    inSheet = 0;
    await zip.write(
      Buffer.from(
        `${SHEET_HEAD}<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>${cols}</cols><sheetData>${headerRow}`,
      ),
    );
  };
  // The autofilter covers the header and every data row of the sheet (Excel's filter arrows).
  const closeSheet = async () => {
    sheetRows.push(inSheet);
    await zip.write(Buffer.from(`</sheetData><autoFilter ref="A1:${lastCol}${inSheet + 1}"/></worksheet>`));
    await zip.end();
  };

  const runs = new Map<CellRun, RunXml>();
  const strings = new SharedStrings();
  const csvRuns = new Map<CellRun, Buffer>();
  const lines = new ByteChunks();
  const xml = new ByteChunks();
  const flush = async () => {
    for (const bytes of xml.take()) await zip.write(bytes);
  };
  await openSheet();
  for await (const batch of table.batches) {
    for (const r of batch) {
      if (inSheet === perSheet) {
        await flush();
        await closeSheet();
        await openSheet();
      }
      csvRowInto(r, lines, csvRuns);
      rows++;
      inSheet++;
      xlsxRowInto(xml, inSheet + 1, r, types, runs, strings);
    }
    for (const bytes of lines.take()) hash.update(bytes);
    // Each write waits while the destination is full: that bounds memory when the client reads
    // slowly.
    await flush();
    await nextTurn();
  }
  await closeSheet();
  const checksum = hash.digest('hex');

  for (const extra of opts.extraSheets ?? []) {
    sheetNames.push(extra.name);
    await zip.file(
      `xl/worksheets/sheet${sheetNames.length}.xml`,
      `${SHEET_HEAD}<sheetData>` +
        extra.rows.map((r, i) => xlsxRow(i + 1, r, i === 0 ? 1 : undefined)).join('') +
        '</sheetData></worksheet>',
    );
  }

  const about = [...metaRows(table.meta), ['Số dòng dữ liệu / Data rows', rows], ['SHA-256', checksum]];
  sheetNames.push('Thông tin - About');
  const n = sheetNames.length;
  await zip.file(
    `xl/worksheets/sheet${n}.xml`,
    `${SHEET_HEAD}<cols><col min="1" max="1" width="30" customWidth="1"/><col min="2" max="2" width="90" customWidth="1"/></cols><sheetData>` +
      about.map((r, i) => xlsxRow(i + 1, r)).join('') +
      '</sheetData></worksheet>',
  );
  const part = (name: string, body: string) =>
    zip.file(name, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${body}`);
  const shared = strings.list.length > 0;
  if (shared)
    await part(
      'xl/sharedStrings.xml',
      `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="${strings.list.length}">` +
        strings.list.map((t) => `<si><t xml:space="preserve">${xmlText(t)}</t></si>`).join('') +
        '</sst>',
    );
  const ids = sheetNames.map((_, i) => i + 1);
  await part(
    '[Content_Types].xml',
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
      ids.map((i) => `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="${CT_WS}"/>`).join('') +
      (shared ? `<Override PartName="/xl/sharedStrings.xml" ContentType="${CT_SST}"/>` : '') +
      '</Types>',
  );
  await part(
    '_rels/.rels',
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
      '</Relationships>',
  );
  await part(
    'xl/workbook.xml',
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>' +
      sheetNames
        .map((name, i) => `<sheet name="${xmlText(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
        .join('') +
      '</sheets><definedNames>' +
      // Excel keeps each sheet's filter range under this hidden name.
      sheetRows
        .map(
          (count, i) =>
            `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">'${xmlText(sheetNames[i]!).replace(/'/g, "''")}'!$A$1:$${lastCol}$${count + 1}</definedName>`,
        )
        .join('') +
      '</definedNames></workbook>',
  );
  await part(
    'xl/_rels/workbook.xml.rels',
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      ids
        .map((i) => `<Relationship Id="rId${i}" Type="${REL_WS}" Target="worksheets/sheet${i}.xml"/>`)
        .join('') +
      `<Relationship Id="rId${n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
      (shared ? `<Relationship Id="rId${n + 2}" Type="${REL_SST}" Target="sharedStrings.xml"/>` : '') +
      '</Relationships>',
  );
  // Style 1 = bold, for header rows; 2 = a date, 3 = a date and time, written the Vietnamese way.
  await part(
    'xl/styles.xml',
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
      '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>' +
      '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
      '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
      '</styleSheet>',
  );
  const done = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('close', resolve);
    out.once('error', reject);
  });
  await zip.finish();
  out.end();
  await done;
  return { rows, checksum };
}

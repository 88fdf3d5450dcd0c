import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  DestinationClosed,
  checksumOfRows,
  csvLine,
  writeCsv,
  writeXlsx,
  type Cell,
  type ExportTable,
} from '#server/reports/writers.ts';
import { readExportCsv } from './csv.ts';
import { unzipEntries } from './unzip.ts';

const META = {
  title: 'Thử / Test',
  campaign: 'Chiến dịch thử',
  period: '01/09/2024 – 02/09/2024',
  timeZone: 'Asia/Ho_Chi_Minh',
  generatedAt: '05/09/2024 07:55',
  filters: 'Không lọc',
};

/** A source that counts how many batches the writer has pulled, and whether it was closed. */
function source(batches: number, rowsPerBatch: number) {
  const state = { pulled: 0, finished: false };
  async function* gen(): AsyncGenerator<Cell[][]> {
    try {
      for (let b = 0; b < batches; b++) {
        state.pulled++;
        // Random padding: compressed XLSX output must be as large as the rows for the test to
        // measure buffering, not zlib's ratio on repeated text.
        yield Array.from({ length: rowsPerBatch }, (_, i) => [
          `Hà Nội, "phường" ${b}`,
          b * rowsPerBatch + i,
          randomBytes(100).toString('hex'),
        ]);
      }
    } finally {
      state.finished = true;
    }
  }
  return { state, gen };
}

/** A destination that accepts writes only when told to, like a client that stopped reading. */
/** Polls a condition on timer ticks until it holds; bounded, so a writer that never fills fails. */
async function until(cond: () => boolean, ticks = 2000): Promise<void> {
  for (let i = 0; i < ticks && !cond(); i++) await sleep(5);
  expect(cond()).toBe(true);
}

/** The value once it has stayed the same over 10 timer ticks in a row (at most `ticks` in all). */
async function settled(read: () => number, ticks = 2000): Promise<number> {
  let last = read();
  for (let still = 0, i = 0; still < 10 && i < ticks; i++) {
    await sleep(10);
    const now = read();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

class Gate extends Writable {
  chunks: Buffer[] = [];
  private waiting: (() => void)[] = [];
  open = false;
  constructor() {
    super({ highWaterMark: 16 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.open) cb();
    else this.waiting.push(() => cb());
  }
  release(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) w();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

describe('export writers', () => {
  it('CSV: quotes fields, and its trailer checksum is the sha256 of its data lines', async () => {
    const rows: Cell[][] = [
      ['Ga Hà Nội', 12, null],
      ['a,b', 'say "hi"', 1.5],
    ];
    const out = new Gate();
    out.release();
    const r = await writeCsv(
      { meta: META, columns: [{ header: 'A' }, { header: 'B' }, { header: 'C' }], batches: [rows] },
      out,
    );
    expect(csvLine(rows[1]!)).toBe('"a,b","say ""hi""",1.5\r\n');
    // Typed text that Excel would run as a formula stays text; negative numbers stay numbers.
    expect(csvLine(['=HYPERLINK("http://x")', '@SUM(A1)', -3, '-5 lượt'])).toBe(
      `"'=HYPERLINK(""http://x"")",'@SUM(A1),-3,'-5 lượt\r\n`,
    );
    const csv = readExportCsv(out.text());
    expect(csv.data).toEqual([
      ['Ga Hà Nội', '12', ''],
      ['a,b', 'say "hi"', '1.5'],
    ]);
    expect(r.checksum).toBe(createHash('sha256').update(csv.dataText, 'utf8').digest('hex'));
    expect(r.checksum).toBe(checksumOfRows(rows));
    expect(csv.checksum).toBe(r.checksum);
  });

  for (const [name, write] of [
    ['CSV', writeCsv],
    ['XLSX', writeXlsx],
  ] as const) {
    it(`${name}: stops pulling rows while the client does not read, then finishes when it does`, async () => {
      const { state, gen } = source(400, 100); // ~8 MB of rows in all
      const out = new Gate();
      const table: ExportTable = {
        meta: META,
        columns: [{ header: 'Tên' }, { header: 'Số' }, { header: 'Đệm' }],
        batches: gen(),
      };
      const done = write(table, out);
      // Wait for the destination to fill (zlib compresses off the main thread, so under load this
      // takes a while), then for the writer to stop pulling: the count stays the same across
      // several timer ticks. A writer that ignored backpressure would read all 400 batches by then.
      await until(() => out.writableNeedDrain);
      const last = await settled(() => state.pulled);
      // Stalled: only the batches that fit the buffers (a few hundred kB of 8 MB) were read, and
      // the destination is full: the writer is waiting for it to drain, not still working.
      expect(last).toBeLessThan(20);
      expect(out.writableNeedDrain).toBe(true);
      for (let i = 0; i < 30; i++) await nextTurn();
      expect(state.pulled).toBe(last);
      out.release();
      const r = await done;
      expect(state.pulled).toBe(400);
      expect(r.rows).toBe(40_000);
      if (name === 'XLSX') {
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(Buffer.concat(out.chunks) as unknown as ArrayBuffer);
        expect(wb.worksheets[0]!.rowCount).toBe(40_001);
        expect(wb.worksheets[0]!.getRow(2).getCell(1).value).toBe('Hà Nội, "phường" 0');
      }
    });
  }

  it("XLSX: continues on further sheets past a sheet's row limit, and the About sheet comes last", async () => {
    const { gen } = source(25, 100);
    const out = new Gate();
    out.release();
    const r = await writeXlsx(
      { meta: META, columns: [{ header: 'Tên' }, { header: 'Số' }, { header: 'Đệm' }], batches: gen() },
      out,
      { maxRowsPerSheet: 1000 },
    );
    expect(r.rows).toBe(2500);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.concat(out.chunks) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Dữ liệu - Data',
      'Dữ liệu - Data (2)',
      'Dữ liệu - Data (3)',
      'Thông tin - About',
    ]);
    expect(wb.worksheets.slice(0, 3).map((w) => w.rowCount)).toEqual([1001, 1001, 501]);
    // Each data sheet starts with the header; numbering carries on across sheets.
    expect(wb.worksheets[1]!.getRow(1).getCell(1).value).toBe('Tên');
    expect(wb.worksheets[1]!.getRow(2).getCell(2).value).toBe(1000);
    const about = new Map<string, unknown>();
    wb.worksheets[3]!.eachRow((row) => about.set(row.getCell(1).text, row.getCell(2).value));
    expect(about.get('Số dòng dữ liệu / Data rows')).toBe(2500);
    expect(about.get('SHA-256')).toBe(r.checksum);
  });

  it('CSV: a client that goes away ends the export and releases the source', async () => {
    const { state, gen } = source(400, 100);
    const out = new Gate();
    const done = writeCsv({ meta: META, columns: [{ header: 'A' }], batches: gen() }, out);
    for (let i = 0; i < 20; i++) await nextTurn();
    out.destroy();
    await expect(done).rejects.toBeInstanceOf(DestinationClosed);
    expect(state.finished).toBe(true);
    expect(state.pulled).toBeLessThan(40);
  });
});

describe('XLSX for Excel', () => {
  it('writes real date cells formatted dd/mm/yyyy, a frozen header row, an autofilter and column widths; the CSV keeps the text', async () => {
    const rows: Cell[][] = [
      ['05/09/2024', '05/09/2024 14:02', 'Ga Hà Nội', 12],
      ['29/02/2024', '31/12/2024 23:59', 'UBND phường Bách Khoa', 9],
    ];
    const table = (): ExportTable => ({
      meta: META,
      columns: [
        { header: 'Ngày / Date', width: 12, type: 'date' },
        { header: 'Thời điểm / Time', width: 18, type: 'datetime' },
        { header: 'Điểm đặt / Site', width: 36 },
        { header: 'Lượt phát / Plays', width: 10 },
      ],
      batches: [rows],
    });
    const out = new Gate();
    out.release();
    const x = await writeXlsx(table(), out);
    const files = unzipEntries(Buffer.concat(out.chunks));
    const sheet = files.get('xl/worksheets/sheet1.xml')!.toString('utf8');
    const styles = files.get('xl/styles.xml')!.toString('utf8');
    const workbook = files.get('xl/workbook.xml')!.toString('utf8');
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
    const ws = xml.parse(sheet).worksheet;

    // Frozen first row, autofilter over header and data, the widths asked for.
    expect(ws.sheetViews.sheetView.pane).toMatchObject({ ySplit: '1', state: 'frozen', topLeftCell: 'A2' });
    expect(ws.autoFilter.ref).toBe('A1:D3');
    expect(workbook).toContain('_xlnm._FilterDatabase');
    expect([ws.cols.col].flat().map((c: { width: string }) => Number(c.width))).toEqual([12, 18, 36, 10]);

    // Dates are numbers (days since 30/12/1899) in a dd/mm/yyyy style, not text.
    const cells = new Map<string, { s?: string; t?: string; v?: string | number }>();
    for (const r of [ws.sheetData.row].flat())
      for (const c of [r.c].flat()) cells.set(c.r, c as { s?: string; t?: string; v?: string | number });
    expect(cells.get('A2')!.t).toBeUndefined();
    expect(Number(cells.get('A2')!.v)).toBe(45540); // 05/09/2024
    expect(Number(cells.get('A3')!.v)).toBe(45351); // 29/02/2024
    expect(Number(cells.get('B2')!.v)).toBeCloseTo(45540 + (14 * 60 + 2) / 1440, 9);
    expect(Number(cells.get('B3')!.v)).toBeCloseTo(45657 + (23 * 60 + 59) / 1440, 9);
    expect(cells.get('C2')!.t).toBe('inlineStr');
    const st = xml.parse(styles).styleSheet;
    const fmts = new Map(
      [st.numFmts.numFmt]
        .flat()
        .map((f: { numFmtId: string; formatCode: string }) => [f.numFmtId, f.formatCode]),
    );
    const xfs = [st.cellXfs.xf].flat() as { numFmtId: string; applyNumberFormat?: string }[];
    expect(fmts.get(xfs[Number(cells.get('A2')!.s)]!.numFmtId)).toBe('dd/mm/yyyy');
    expect(fmts.get(xfs[Number(cells.get('B2')!.s)]!.numFmtId)).toBe('dd/mm/yyyy hh:mm');

    // ExcelJS (as a spreadsheet program) reads them as dates.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.concat(out.chunks) as unknown as ArrayBuffer);
    const a2 = wb.worksheets[0]!.getCell('A2').value;
    expect(a2).toBeInstanceOf(Date);
    expect((a2 as Date).toISOString()).toBe('2024-09-05T00:00:00.000Z');

    // The CSV of the same table is unchanged: the text dates, and the same checksum.
    const csvOut = new Gate();
    csvOut.release();
    const c = await writeCsv(table(), csvOut);
    expect(csvOut.text()).toContain('05/09/2024,05/09/2024 14:02,Ga Hà Nội,12\r\n');
    expect(c.checksum).toBe(x.checksum);
    expect(c.checksum).toBe(checksumOfRows(rows));
  });

  it('leaves a date column cell that is not a date as text', async () => {
    const out = new Gate();
    out.release();
    await writeXlsx(
      { meta: META, columns: [{ header: 'Ngày / Date', type: 'date' }], batches: [[['31/02/2024'], ['—']]] },
      out,
    );
    const sheet = unzipEntries(Buffer.concat(out.chunks)).get('xl/worksheets/sheet1.xml')!.toString('utf8');
    expect(sheet).toContain('31/02/2024');
    expect(sheet).toContain('—');
  });
});

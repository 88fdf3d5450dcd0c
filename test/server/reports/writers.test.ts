import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import ExcelJS from 'exceljs';
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
      // Wait until the writer stops pulling (zlib works off the main thread, so give it turns).
      let last = -1;
      for (let still = 0, i = 0; still < 30 && i < 2000; i++) {
        await nextTurn();
        still = state.pulled === last ? still + 1 : 0;
        last = state.pulled;
      }
      // Stalled: only the batches that fit the buffers (a few hundred kB of 8 MB) were read.
      expect(state.pulled).toBeLessThan(20);
      await new Promise((r) => setTimeout(r, 50));
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
    wb.worksheets[3]!.eachRow((row) => about.set(String(row.getCell(1).value), row.getCell(2).value));
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

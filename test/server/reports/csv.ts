/** Reads back an export CSV: metadata block, header, data rows and the trailer, per the writer's layout. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface ExportCsv {
  meta: Map<string, string>;
  header: string[];
  data: string[][];
  /** The raw data lines, exactly as written, for recomputing the checksum. */
  dataText: string;
  rowCount: number;
  checksum: string;
}

export function readExportCsv(text: string): ExportCsv {
  if (!text.startsWith('\uFEFF')) throw new Error('CSV has no UTF-8 BOM');
  const body = text.slice(1);
  const blocks = body.split('\r\n\r\n');
  if (blocks.length !== 3)
    throw new Error(`expected metadata, table and trailer blocks, got ${blocks.length}`);
  const meta = new Map(parseCsv(blocks[0]! + '\r\n').map((r) => [r[0]!, r[1]!]));
  const tableLines = blocks[1]!;
  const firstBreak = tableLines.indexOf('\r\n');
  const header = parseCsv(firstBreak >= 0 ? tableLines.slice(0, firstBreak) : tableLines)[0]!;
  const dataText = firstBreak >= 0 ? `${tableLines.slice(firstBreak + 2)}\r\n` : '';
  const data = dataText ? parseCsv(dataText) : [];
  const trailer = parseCsv(blocks[2]!);
  return { meta, header, data, dataText, rowCount: Number(trailer[0]![1]), checksum: trailer[1]![1]! };
}

/**
 * Proof of play reported by systems we do not run (an LED wall's controller, the airport's own
 * player), imported from CSV. Parsing is pure and all-or-nothing: any bad cell refuses the
 * whole file with its line and column, and nothing is stored.
 *
 * Column mapping (header row required, names case-insensitive, any order, extra columns ignored):
 *
 * | column       | required | meaning |
 * | ---          | ---      | --- |
 * | `screen_id`  | yes      | the screen's id here (Sites & screens) |
 * | `campaign_id`| yes      | the campaign the spot belongs to |
 * | `started_at` | yes      | ISO 8601 with an offset (2024-09-05T08:00:30+07:00), or `YYYY-MM-DD HH:MM[:SS]` in the site's zone |
 * | `duration_s` | yes      | seconds on screen, > 0 |
 * | `media_sha256` | no     | the file played; default the campaign's |
 * | `play_id`    | no       | the reporting system's own id for the play |
 *
 * The stable key of a row is `<source>:<play_id>` when the system gives its own id, else the
 * sha256 of screen, campaign, start instant and duration: importing the same report again, or an
 * overlapping one, adds nothing twice.
 */
import { createHash } from 'node:crypto';
import { LocalDate } from '#shared/schemas/domain.ts';
import { zonedToInstant } from '#shared/time.ts';

export interface CsvProblem {
  line: number;
  column: number;
  field: string;
  message: string;
}

export class ThirdPartyCsvError extends Error {
  constructor(readonly problems: CsvProblem[]) {
    super(problems.map((p) => `line ${p.line}, column ${p.column} (${p.field}): ${p.message}`).join('; '));
  }
}

interface Cell {
  value: string;
  line: number;
  column: number;
}

/** RFC 4180 CSV with the line and column where each cell starts (1-based). */
export function parseCsvCells(text: string): Cell[][] {
  const src = text.replace(/^\uFEFF/, '');
  const rows: Cell[][] = [];
  let row: Cell[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  const atEnd = () => i >= src.length;
  while (!atEnd()) {
    const startLine = line;
    const startCol = col;
    let value = '';
    if (src[i] === '"') {
      i++;
      col++;
      for (;;) {
        if (atEnd())
          throw new ThirdPartyCsvError([
            { line: startLine, column: startCol, field: '', message: 'a quoted cell is never closed' },
          ]);
        const ch = src[i]!;
        if (ch === '"') {
          if (src[i + 1] === '"') {
            value += '"';
            i += 2;
            col += 2;
            continue;
          }
          i++;
          col++;
          break;
        }
        if (ch === '\n') {
          line++;
          col = 1;
        } else col++;
        value += ch;
        i++;
      }
      if (!atEnd() && src[i] !== ',' && src[i] !== '\r' && src[i] !== '\n')
        throw new ThirdPartyCsvError([
          { line, column: col, field: '', message: 'text after a closing quote; quote the whole cell' },
        ]);
    } else {
      while (!atEnd() && src[i] !== ',' && src[i] !== '\r' && src[i] !== '\n') {
        value += src.charAt(i);
        i++;
        col++;
      }
    }
    row.push({ value, line: startLine, column: startCol });
    if (atEnd()) break;
    if (src[i] === ',') {
      i++;
      col++;
      continue;
    }
    if (src[i] === '\r') i++;
    if (src[i] === '\n') i++;
    rows.push(row);
    row = [];
    line++;
    col = 1;
  }
  if (row.length > 0) rows.push(row);
  // Blank lines are not rows.
  return rows.filter((r) => !(r.length === 1 && r[0]!.value.trim() === ''));
}

export interface ThirdPartyPlay {
  key: string;
  line: number;
  screenId: string;
  campaignId: string;
  mediaSha256: string | null;
  externalId: string | null;
  startedMs: number;
  durationMs: number;
}

export interface ImportContext {
  source: string;
  /** The screen's site zone, or undefined when there is no such screen. */
  zoneOf(screenId: string): string | undefined;
  campaignExists(campaignId: string): boolean;
}

const REQUIRED = ['screen_id', 'campaign_id', 'started_at', 'duration_s'] as const;
const OPTIONAL = ['media_sha256', 'play_id'] as const;

export function parseThirdPartyCsv(text: string, ctx: ImportContext): ThirdPartyPlay[] {
  const rows = parseCsvCells(text);
  if (rows.length === 0)
    throw new ThirdPartyCsvError([{ line: 1, column: 1, field: '', message: 'the file is empty' }]);
  const header = rows[0]!;
  const index = new Map(header.map((c, i) => [c.value.trim().toLowerCase(), i]));
  const missing = REQUIRED.filter((name) => !index.has(name));
  if (missing.length > 0)
    throw new ThirdPartyCsvError(
      missing.map((name) => ({
        line: 1,
        column: 1,
        field: name,
        message: `the header has no "${name}" column (required: ${REQUIRED.join(', ')}; optional: ${OPTIONAL.join(', ')})`,
      })),
    );
  const problems: CsvProblem[] = [];
  const out: ThirdPartyPlay[] = [];
  const seen = new Set<string>();
  for (const row of rows.slice(1)) {
    const lineNo = row[0]!.line;
    const cell = (name: string): Cell => {
      const i = index.get(name);
      const c = i === undefined ? undefined : row[i];
      // A short row: point at where the missing cell would start.
      return (
        c ?? {
          value: '',
          line: lineNo,
          column: (row.at(-1)?.column ?? 1) + (row.at(-1)?.value.length ?? 0) + 1,
        }
      );
    };
    const bad = (name: string, message: string) => {
      const c = cell(name);
      problems.push({ line: c.line, column: c.column, field: name, message });
    };
    const screenId = cell('screen_id').value.trim();
    const zone = screenId ? ctx.zoneOf(screenId) : undefined;
    if (!screenId) bad('screen_id', 'empty');
    else if (!zone) bad('screen_id', `no screen "${screenId}" here`);
    const campaignId = cell('campaign_id').value.trim();
    if (!campaignId) bad('campaign_id', 'empty');
    else if (!ctx.campaignExists(campaignId)) bad('campaign_id', `no campaign "${campaignId}"`);
    const startedText = cell('started_at').value.trim();
    let startedMs = NaN;
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/.exec(
      startedText,
    );
    const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)$/.exec(startedText);
    if (iso) startedMs = Date.parse(startedText);
    else if (local && zone && LocalDate.safeParse(local[1]).success) {
      try {
        startedMs = zonedToInstant(local[1]!, local[2]!, zone);
      } catch {
        startedMs = NaN;
      }
    }
    if (!Number.isFinite(startedMs))
      bad(
        'started_at',
        `"${startedText}" is not a time like 2024-09-05T08:00:30+07:00 or 2024-09-05 08:00:30`,
      );
    const durationText = cell('duration_s').value.trim();
    const duration = Number(durationText);
    if (!durationText || !Number.isFinite(duration) || duration <= 0 || duration > 86_400)
      bad('duration_s', `"${durationText}" is not a number of seconds above 0`);
    const media = index.has('media_sha256') ? cell('media_sha256').value.trim().toLowerCase() : '';
    if (media && !/^[0-9a-f]{64}$/.test(media)) bad('media_sha256', 'not a sha256 (64 hex characters)');
    const externalId = index.has('play_id') ? cell('play_id').value.trim() : '';
    if (problems.length > 0) continue;
    const durationMs = Math.round(duration * 1000);
    const key = externalId
      ? `${ctx.source}:${externalId}`
      : createHash('sha256').update(`${screenId}|${campaignId}|${startedMs}|${durationMs}`).digest('hex');
    if (seen.has(key)) continue; // the same play twice in one file
    seen.add(key);
    out.push({
      key,
      line: lineNo,
      screenId,
      campaignId,
      mediaSha256: media || null,
      externalId: externalId || null,
      startedMs,
      durationMs,
    });
  }
  if (problems.length > 0) throw new ThirdPartyCsvError(problems.slice(0, 50));
  return out;
}

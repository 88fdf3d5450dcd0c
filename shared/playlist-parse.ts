/**
 * Reads the `playlists/` files (already read into memory by the caller) into the normalised
 * regions and campaigns the server loads, or into a list of errors that each say which file,
 * where in it (JSON path, line and column) and what is expected there.
 *
 * Pure: no file system. The loader reads the files and, to check the promo video, passes the
 * sha256 of each media file it finds under playlists/ in `options.media`.
 */
import type { z } from 'zod';
import type { VenueType } from './schemas/domain.ts';
import {
  CampaignFile,
  type ClosureFile,
  PLAYLIST_FILE_KINDS,
  RegionsFile,
  type PlaylistCampaign,
  type PlaylistRegion,
  type PlaylistSite,
  type RegionNodeFile,
} from './schemas/playlist.ts';

export interface PlaylistFileText {
  /** Shown in errors as is, e.g. "playlists/ihanoi-2024.json". */
  name: string;
  text: string;
}

export interface PlaylistError {
  file: string;
  /** JSON path of the offending value, e.g. "$.sites[3].openingHours.mon[0]"; "$" is the whole file. */
  path: string;
  /** 1-based position of the value (or of the syntax error) in the file, when known. */
  line?: number;
  column?: number;
  /** What should be there, in words, e.g. 'a date as YYYY-MM-DD, e.g. 2024-08-17'. */
  expected: string;
  /** What is there instead, e.g. '"2024-02-30"' or 'nothing (the field is missing)'. */
  found?: string;
  /** The whole problem in one sentence, including what was found. */
  message: string;
}

/** What the loader found on disk for one media file, keyed by its path relative to playlists/. */
export interface MediaFacts {
  sha256: string;
  bytes?: number;
}

export interface ParsePlaylistOptions {
  /**
   * Media files under playlists/ by relative path ("media/ihanoi-promo.mp4"). When given, each
   * campaign's media file must be listed here with the digest (and size) the campaign records.
   * When left out the media checks are skipped (e.g. in a browser preview).
   */
  media?: Record<string, MediaFacts>;
}

export type PlaylistParseResult =
  | { ok: true; regions: PlaylistRegion[]; campaigns: PlaylistCampaign[] }
  | { ok: false; errors: PlaylistError[] };

// ---------------------------------------------------------------------------------------------
// JSON with positions. JSON.parse reports positions differently across engines (and not at all
// for some errors), and validation errors are far easier to fix with a line number, so the
// files are read by this small strict parser that remembers where each value starts.

type PathPart = string | number;

interface Located {
  line: number;
  column: number;
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly expected: string,
    message: string,
  ) {
    super(message);
  }
}

export function formatJsonPath(path: readonly PathPart[]): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

class LocatingJsonParser {
  private pos = 0;
  readonly starts = new Map<string, number>();
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  locate(offset: number): Located {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  parseDocument(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    const value = this.value([]);
    this.ws();
    if (this.pos < this.text.length)
      this.fail('the end of the file', `unexpected ${this.what()} after the JSON value`);
    return value;
  }

  private what(): string {
    if (this.pos >= this.text.length) return 'end of file';
    return `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private fail(expected: string, message?: string): never {
    throw new JsonSyntaxError(this.pos, expected, message ?? `expected ${expected} but found ${this.what()}`);
  }

  private ws(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  private value(path: PathPart[]): unknown {
    this.ws();
    this.starts.set(formatJsonPath(path), this.pos);
    const c = this.text[this.pos];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    if (c === "'") this.fail('a JSON value', 'JSON strings take double quotes ("), not single quotes (\')');
    return this.fail('a JSON value (object, list, "text", number, true, false or null)');
  }

  private object(path: PathPart[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') {
        this.fail(
          'a double-quoted property name',
          this.text[this.pos] === '}'
            ? 'a comma before "}" is not allowed in JSON (trailing comma)'
            : undefined,
        );
      }
      const keyAt = this.pos;
      const key = this.string();
      if (Object.hasOwn(out, key)) {
        this.pos = keyAt;
        this.fail(
          'each property name once per object',
          `the property "${key}" appears twice in the same object`,
        );
      }
      this.ws();
      if (this.text[this.pos] !== ':') this.fail('":" after the property name');
      this.pos++;
      // defineProperty so that a "__proto__" key is plain data, as JSON.parse treats it.
      Object.defineProperty(out, key, {
        value: this.value([...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return out;
      }
      this.fail('"," or "}" after a property value');
    }
  }

  private array(path: PathPart[]): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] === ']')
        this.fail('a value', 'a comma before "]" is not allowed in JSON (trailing comma)');
      out.push(this.value([...path, out.length]));
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return out;
      }
      this.fail('"," or "]" after a list item');
    }
  }

  private string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('a closing double quote (")');
      const c = this.text[this.pos]!;
      const code = c.charCodeAt(0);
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (code < 0x20)
        this.fail(
          'a closing double quote (") on the same line',
          'a line break or control character inside a string; strings must close on the same line',
        );
      if (c === '\\') {
        const e = this.text[this.pos + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && Object.hasOwn(simple, e)) {
          out += simple[e]!;
          this.pos += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          this.pos++;
          this.fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)');
        }
        continue;
      }
      out += c;
      this.pos++;
    }
  }

  private number(): number {
    const re = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) this.fail('a number such as 10 or 2.5');
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

type ScanResult =
  | { ok: true; value: unknown; locate: (path: readonly PathPart[]) => Located | undefined }
  | { ok: false; error: JsonSyntaxError; at: Located };

function scanJson(text: string): ScanResult {
  const parser = new LocatingJsonParser(text);
  try {
    const value = parser.parseDocument();
    return {
      ok: true,
      value,
      // The longest prefix of the path that exists: a missing field is reported where its
      // object starts.
      locate(path) {
        for (let n = path.length; n >= 0; n--) {
          const start = parser.starts.get(formatJsonPath(path.slice(0, n)));
          if (start !== undefined) return parser.locate(start);
        }
        return undefined;
      },
    };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { ok: false, error: e, at: parser.locate(e.offset) };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// zod issues → errors a person can act on

function valueAt(doc: unknown, path: readonly PathPart[]): { found: boolean; value?: unknown } {
  let cur: unknown = doc;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return { found: false };
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return { found: true, value: cur };
}

function describeFound(doc: unknown, path: readonly PathPart[]): string {
  const at = valueAt(doc, path);
  if (!at.found) return 'nothing (the field is missing)';
  const v = at.value;
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list []' : `a list of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'an object {…}';
  const shown = JSON.stringify(v);
  return shown.length > 60 ? `${shown.slice(0, 57)}…` : shown;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a text string in double quotes',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list [ … ]',
  object: 'an object { … }',
};

/** Schema messages are written as "expected …" (or "not …" in domain.ts); the field holds the rest. */
function withoutExpectedPrefix(message: string): string | null {
  if (message.startsWith('expected ')) return message.slice('expected '.length);
  if (message.startsWith('not ')) return message.slice('not '.length);
  return null;
}

function expectationOf(issue: z.core.$ZodIssue): string {
  const own = withoutExpectedPrefix(issue.message);
  switch (issue.code) {
    case 'invalid_type':
      return own ?? TYPE_WORDS[issue.expected] ?? `a value of type ${issue.expected}`;
    case 'invalid_value':
      if (issue.values.length === 1) return own ?? `exactly ${JSON.stringify(issue.values[0])}`;
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `only the fields this format defines; remove or rename ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      if (own) return own;
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const words =
        issue.code === 'too_small'
          ? issue.inclusive
            ? 'at least'
            : 'more than'
          : issue.inclusive
            ? 'at most'
            : 'less than';
      if (issue.origin === 'array') return `a list with ${words} ${String(bound)} item(s)`;
      if (issue.origin === 'string') return `a text with ${words} ${String(bound)} character(s)`;
      return `a value ${words} ${String(bound)}`;
    }
    default:
      return own ?? issue.message;
  }
}

function issuesToErrors(
  file: string,
  doc: unknown,
  locate: (p: readonly PathPart[]) => Located | undefined,
  issues: readonly z.core.$ZodIssue[],
): PlaylistError[] {
  const out: PlaylistError[] = [];
  // A refinement on a value whose parts are already wrong (e.g. "from < to" when "from" is not a
  // time) only repeats the problem; the part's own error is the one to fix.
  const shadowed = (i: z.core.$ZodIssue) =>
    i.code === 'custom' &&
    issues.some((o) => o !== i && o.path.length > i.path.length && i.path.every((p, n) => o.path[n] === p));
  for (const issue of issues) {
    if (shadowed(issue)) continue;
    // A union's own issue says little; its branches' first issues say what went wrong.
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branch = issue.errors[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
      out.push(...issuesToErrors(file, doc, locate, branch));
      continue;
    }
    const path = issue.path.filter((p): p is PathPart => typeof p !== 'symbol');
    // Point at the unknown field itself, so the line number lands on it.
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(
          makeError(
            file,
            [...path, key],
            expectationOf({ ...issue, keys: [key] }),
            'a field this format does not define',
            locate,
          ),
        );
      }
      continue;
    }
    out.push(makeError(file, path, expectationOf(issue), describeFound(doc, path), locate));
  }
  return out;
}

function makeError(
  file: string,
  path: readonly PathPart[],
  expected: string,
  found: string,
  locate?: (p: readonly PathPart[]) => Located | undefined,
): PlaylistError {
  const jsonPath = formatJsonPath(path);
  const at = locate?.(path);
  return {
    file,
    path: jsonPath,
    ...(at ? { line: at.line, column: at.column } : {}),
    expected,
    found,
    message: `${file}${at ? `:${at.line}:${at.column}` : ''} ${jsonPath}: expected ${expected}; found ${found}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Cross-file checks and normalisation

interface ParsedFile<T> {
  name: string;
  data: T;
  doc: unknown;
  locate: (p: readonly PathPart[]) => Located | undefined;
}

function flattenRegions(
  nodes: RegionNodeFile[],
  parentId: string | null,
  file: string,
  out: PlaylistRegion[],
): void {
  for (const n of nodes) {
    out.push({ id: n.id, name: n.name, level: n.level, parentId, file });
    if (n.children) flattenRegions(n.children, n.id, file, out);
  }
}

function regionSuggestion(id: string, known: Map<string, PlaylistRegion>): string {
  const last = id.split('/').pop()!;
  const near = [...known.keys()].filter((k) => k === last || k.endsWith(`/${last}`)).slice(0, 3);
  return near.length > 0 ? ` (did you mean ${near.map((k) => `"${k}"`).join(' or ')}?)` : '';
}

/**
 * Checks a campaign's media against what the loader found on disk. Exposed for the loader's
 * own use too (e.g. to re-check after copying media into the content store).
 */
export function checkCampaignMedia(
  campaign: { file: string; media: { file: string; sha256: string; bytes: number } },
  media: Record<string, MediaFacts>,
  locate?: (p: readonly PathPart[]) => Located | undefined,
): PlaylistError[] {
  const facts = Object.hasOwn(media, campaign.media.file) ? media[campaign.media.file] : undefined;
  if (!facts) {
    const known = Object.keys(media);
    return [
      makeError(
        campaign.file,
        ['media', 'file'],
        `the path of a video file under playlists/${known.length > 0 ? ` (found: ${known.slice(0, 5).join(', ')})` : ''}`,
        `${JSON.stringify(campaign.media.file)}, which does not exist`,
        locate,
      ),
    ];
  }
  const errors: PlaylistError[] = [];
  if (facts.sha256 !== campaign.media.sha256) {
    errors.push(
      makeError(
        campaign.file,
        ['media', 'sha256'],
        `the sha256 of ${campaign.media.file}, which is ${facts.sha256} (update it if the video was replaced on purpose)`,
        JSON.stringify(campaign.media.sha256),
        locate,
      ),
    );
  }
  if (facts.bytes !== undefined && facts.bytes !== campaign.media.bytes) {
    errors.push(
      makeError(
        campaign.file,
        ['media', 'bytes'],
        `the size of ${campaign.media.file}, which is ${facts.bytes} bytes`,
        String(campaign.media.bytes),
        locate,
      ),
    );
  }
  return errors;
}

/**
 * Parses and checks every playlist file together. Files of kind "regions" build the region
 * tree; files of kind "campaign" describe a campaign with its venue types and sites. Either
 * everything is valid and normalised, or nothing is returned but the errors.
 */
/** The dates a campaign's closures close one site on, each with the closure's name, in date order. */
function closedDatesOf(
  closures: readonly ClosureFile[],
  site: { id: string; venueType: VenueType; region: string },
  regions: ReadonlyMap<string, PlaylistRegion>,
): Array<{ date: string; name: { vi: string; en: string } }> {
  const ancestors = new Set<string>();
  for (let r = regions.get(site.region), guard = 0; r && guard < 32; guard++) {
    ancestors.add(r.id);
    r = r.parentId ? regions.get(r.parentId) : undefined;
  }
  ancestors.add(site.region);
  const out = new Map<string, { date: string; name: { vi: string; en: string } }>();
  for (const c of closures) {
    const everyone = c.venueTypes.length === 0 && c.regions.length === 0 && c.sites.length === 0;
    const names =
      everyone ||
      c.venueTypes.includes(site.venueType) ||
      c.sites.includes(site.id) ||
      c.regions.some((r) => ancestors.has(r));
    if (!names) continue;
    for (let d = c.from; d <= c.to; d = nextDate(d)) if (!out.has(d)) out.set(d, { date: d, name: c.name });
  }
  return [...out.values()].sort((a, b) => a.date.localeCompare(b.date));
}

/** The calendar date after `d` (YYYY-MM-DD), by UTC arithmetic on the date alone. */
function nextDate(d: string): string {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, day + 1)).toISOString().slice(0, 10);
}

export function parsePlaylistFiles(
  files: readonly PlaylistFileText[],
  options: ParsePlaylistOptions = {},
): PlaylistParseResult {
  const errors: PlaylistError[] = [];
  const regionFiles: ParsedFile<RegionsFile>[] = [];
  const campaignFiles: ParsedFile<CampaignFile>[] = [];
  let regionFileFailed = false;

  for (const f of files) {
    const scanned = scanJson(f.text);
    if (!scanned.ok) {
      errors.push({
        file: f.name,
        path: '$',
        line: scanned.at.line,
        column: scanned.at.column,
        expected: `valid JSON: ${scanned.error.expected}`,
        found: scanned.error.message,
        message: `${f.name}:${scanned.at.line}:${scanned.at.column} JSON syntax error: ${scanned.error.message}`,
      });
      continue;
    }
    const doc = scanned.value;
    const kind =
      doc !== null && typeof doc === 'object' && !Array.isArray(doc)
        ? (doc as Record<string, unknown>).kind
        : undefined;
    if (kind === 'regions') {
      const r = RegionsFile.safeParse(doc);
      if (r.success) regionFiles.push({ name: f.name, data: r.data, doc, locate: scanned.locate });
      else {
        regionFileFailed = true;
        errors.push(...issuesToErrors(f.name, doc, scanned.locate, r.error.issues));
      }
    } else if (kind === 'campaign') {
      const r = CampaignFile.safeParse(doc);
      if (r.success) campaignFiles.push({ name: f.name, data: r.data, doc, locate: scanned.locate });
      else errors.push(...issuesToErrors(f.name, doc, scanned.locate, r.error.issues));
    } else {
      regionFileFailed = true; // it may have been meant as the regions file
      const path = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? ['kind'] : [];
      errors.push(
        makeError(
          f.name,
          path,
          path.length
            ? `"kind" set to one of ${PLAYLIST_FILE_KINDS.map((k) => `"${k}"`).join(', ')}`
            : 'a JSON object { "kind": …, "schemaVersion": 1, … }',
          describeFound(doc, path),
          scanned.locate,
        ),
      );
    }
  }

  // The region tree across all regions files.
  const regions: PlaylistRegion[] = [];
  const regionById = new Map<string, PlaylistRegion>();
  for (const rf of regionFiles) {
    const flat: PlaylistRegion[] = [];
    flattenRegions(rf.data.regions, null, rf.name, flat);
    for (const region of flat) {
      const other = regionById.get(region.id);
      if (other) {
        errors.push(
          makeError(
            rf.name,
            ['id'],
            `region ids unique across files; "${region.id}" is also defined in ${other.file}`,
            JSON.stringify(region.id),
          ),
        );
        continue;
      }
      regionById.set(region.id, region);
      regions.push(region);
    }
  }

  // Ids that must be unique across campaign files, so the database can match rows by id.
  const campaignIds = new Map<string, string>();
  const siteOwner = new Map<string, string>();
  const screenOwner = new Map<string, string>();
  const campaigns: PlaylistCampaign[] = [];
  const participantChecks: Array<() => void> = [];

  for (const cf of campaignFiles) {
    const c = cf.data;
    const err = (path: PathPart[], expected: string) =>
      errors.push(makeError(cf.name, path, expected, describeFound(cf.doc, path), cf.locate));

    const otherCampaign = campaignIds.get(c.id);
    if (otherCampaign)
      err(['id'], `a campaign id not used by another file; "${c.id}" is also in ${otherCampaign}`);
    campaignIds.set(c.id, cf.name);

    if (options.media)
      errors.push(...checkCampaignMedia({ file: cf.name, media: c.media }, options.media, cf.locate));

    const sites: PlaylistSite[] = [];
    c.sites.forEach((s, i) => {
      const owner = siteOwner.get(s.id);
      if (owner && owner !== cf.name)
        err(['sites', i, 'id'], `a site id not used by another file; "${s.id}" is also a site in ${owner}`);
      siteOwner.set(s.id, cf.name);
      s.screens.forEach((screen, j) => {
        const so = screenOwner.get(screen.id);
        if (so && so !== cf.name)
          err(
            ['sites', i, 'screens', j, 'id'],
            `a screen id not used by another file; "${screen.id}" is also a screen in ${so}`,
          );
        screenOwner.set(screen.id, cf.name);
      });

      const moving = s.moving ?? s.venueType === 'bus';
      const region = regionById.get(s.region);
      if (!regionFileFailed) {
        if (!region)
          err(
            ['sites', i, 'region'],
            `the id of a region in a regions file${regionSuggestion(s.region, regionById)}`,
          );
        else if (moving && region.level === 'ward') {
          err(
            ['sites', i, 'region'],
            `a city or district for a moving site (it has no fixed ward), e.g. "${region.parentId ?? region.id}"`,
          );
        }
      }

      const defaults = c.venueTypes[s.venueType];
      if (!defaults) return; // already reported by the campaign schema
      const hours = s.openingHours ?? defaults.openingHours;
      const closed = closedDatesOf(c.closures, s, regionById);
      sites.push({
        id: s.id,
        name: s.name,
        venueType: s.venueType,
        address: s.address,
        regionId: s.region,
        timeZone: s.timeZone ?? c.timeZone,
        moving,
        openingHours:
          closed.length === 0
            ? hours
            : {
                ...hours,
                closedDates: [...new Set([...hours.closedDates, ...closed.map((x) => x.date)])].sort(),
              },
        closures: closed,
        peakProfile: s.peakProfile ?? defaults.peakProfile,
        ownOpeningHours: s.openingHours ?? null,
        ownPeakProfile: s.peakProfile ?? null,
        screens: s.screens.map((x) => ({
          id: x.id,
          name: x.name,
          resolution: x.resolution,
          orientation: x.orientation,
        })),
      });
    });

    if (!regionFileFailed) {
      c.participants.regions.forEach((id, i) => {
        if (!regionById.has(id))
          err(
            ['participants', 'regions', i],
            `the id of a region in a regions file${regionSuggestion(id, regionById)}`,
          );
      });
    }
    const localSites = new Set(c.sites.map((s) => s.id));
    c.closures.forEach((cl, i) => {
      cl.regions.forEach((id, j) => {
        if (!regionFileFailed && !regionById.has(id))
          err(
            ['closures', i, 'regions', j],
            `the id of a region in a regions file${regionSuggestion(id, regionById)}`,
          );
      });
      cl.sites.forEach((id, j) => {
        if (!localSites.has(id))
          err(['closures', i, 'sites', j], 'the id of a site listed in this campaign\'s "sites"');
      });
    });
    // A campaign may take part at sites another campaign file lists (several campaigns share a
    // screen): checked once every file's sites are known.
    participantChecks.push(() =>
      c.participants.sites.forEach((id, i) => {
        if (!localSites.has(id) && !siteOwner.has(id))
          err(['participants', 'sites', i], 'the id of a site listed in this or another campaign\'s "sites"');
      }),
    );

    campaigns.push({
      file: cf.name,
      id: c.id,
      name: c.name,
      media: c.media,
      firstDay: c.firstDay,
      lastDay: c.lastDay,
      timeZone: c.timeZone,
      targetPerDay: c.targetPerDay,
      averageBasis: c.averageBasis,
      makeGoodCapPct: c.makeGoodCapPct,
      priority: c.priority,
      participants: c.participants,
      venueTypes: c.venueTypes,
      closures: c.closures,
      sites,
    });
  }

  for (const check of participantChecks) check();
  if (errors.length > 0) {
    errors.sort(
      (a, b) =>
        a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
    return { ok: false, errors };
  }
  return { ok: true, regions, campaigns };
}

/**
 * The text the server prints before refusing to start: one block per error with the file,
 * line:column, JSON path, what is expected and what was found. Vietnamese first.
 */
export function formatPlaylistErrors(errors: readonly PlaylistError[]): string {
  const n = errors.length;
  const lines = [
    `Không thể nạp thư mục playlists/: ${n} lỗi. / Cannot load playlists/: ${n} error${n === 1 ? '' : 's'}.`,
  ];
  for (const e of errors) {
    const where = e.line !== undefined ? `${e.file}:${e.line}:${e.column ?? 1}` : e.file;
    lines.push('');
    lines.push(`  ${where}  ${e.path}`);
    lines.push(`    cần có / expected: ${e.expected}`);
    lines.push(`    thấy / found: ${e.found ?? e.message}`);
  }
  lines.push('');
  lines.push(
    'Sửa các tệp trên rồi khởi động lại; máy chủ không nạp gì khi còn lỗi. / Fix the files above and start again; nothing is loaded while errors remain.',
  );
  return lines.join('\n');
}

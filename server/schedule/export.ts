/**
 * A screen's plan in the formats of systems we do not run (docs/decisions/012-venue-loops.md):
 * SMIL 3.0 for signage players that read it (an LED wall's controller, the airport's system),
 * CSV and iCalendar for people who schedule by hand. Pure: the rows in, text out.
 */
import { toIsoWithOffset } from '#shared/time.ts';

export interface ExportSpot {
  id: string;
  campaignId: string;
  mediaSha256: string;
  mediaName: string;
  mimeType: string;
  start: number;
  end: number;
  peak: boolean;
  date: string;
}

export interface ExportLoopItem {
  mediaSha256: string;
  mediaName: string;
  mimeType: string;
  durationMs: number;
}

export interface ExportInput {
  screenId: string;
  screenName: string;
  siteName: string;
  timeZone: string;
  from: string;
  to: string;
  spots: ExportSpot[];
  loop: ExportLoopItem[];
  /** How a media file is addressed in the export (e.g. an absolute URL on this server). */
  mediaUrl(sha256: string): string;
  generatedAt: number;
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const element = (mimeType: string) => (mimeType.startsWith('image/') ? 'img' : 'video');
const seconds = (ms: number) => `${Math.round(ms) / 1000}s`;

/**
 * SMIL 3.0 (Language profile). Every file is prefetched first; then, in parallel, the venue's
 * loop repeats in a low-priority class and each spot begins at its wall-clock instant (with the
 * site's offset) in a higher one, pausing the loop while it plays.
 */
export function toSmil(input: ExportInput): string {
  const media = new Map<string, string>();
  for (const s of input.spots) media.set(s.mediaSha256, s.mimeType);
  for (const l of input.loop) media.set(l.mediaSha256, l.mimeType);
  const lines: string[] = [];
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push('<smil xmlns="http://www.w3.org/ns/SMIL" version="3.0" baseProfile="Language">');
  lines.push('  <head>');
  lines.push(`    <meta name="title" content="${xml(`${input.siteName} – ${input.screenName}`)}"/>`);
  lines.push(`    <meta name="screen" content="${xml(input.screenId)}"/>`);
  lines.push(`    <meta name="period" content="${input.from}/${input.to}"/>`);
  lines.push(`    <meta name="timeZone" content="${xml(input.timeZone)}"/>`);
  lines.push(`    <meta name="generated" content="${toIsoWithOffset(input.generatedAt, input.timeZone)}"/>`);
  lines.push('  </head>');
  lines.push('  <body>');
  lines.push('    <par>');
  lines.push('      <seq>');
  for (const sha of media.keys())
    lines.push(`        <prefetch src="${xml(input.mediaUrl(sha))}" mediaSize="100%"/>`);
  lines.push('      </seq>');
  lines.push('      <excl>');
  lines.push('        <priorityClass id="spots" peers="stop" higher="stop" lower="defer">');
  for (const s of input.spots) {
    lines.push(
      `          <${element(s.mimeType)} xml:id="${xml(safeId(s.id))}" src="${xml(input.mediaUrl(s.mediaSha256))}" begin="wallclock(${toIsoWithOffset(s.start, input.timeZone)})" dur="${seconds(s.end - s.start)}" title="${xml(`${s.campaignId}: ${s.mediaName}`)}"/>`,
    );
  }
  lines.push('        </priorityClass>');
  if (input.loop.length > 0) {
    lines.push('        <priorityClass id="loop" peers="stop" higher="pause">');
    lines.push('          <seq begin="0s" repeatCount="indefinite">');
    for (const l of input.loop)
      lines.push(
        `            <${element(l.mimeType)} src="${xml(input.mediaUrl(l.mediaSha256))}" dur="${seconds(l.durationMs)}" title="${xml(l.mediaName)}"/>`,
      );
    lines.push('          </seq>');
    lines.push('        </priorityClass>');
  }
  lines.push('      </excl>');
  lines.push('    </par>');
  lines.push('  </body>');
  lines.push('</smil>');
  return lines.join('\n') + '\n';
}

/** xml:id must be an XML name: plan item ids carry ':' and may start with a digit. */
function safeId(id: string): string {
  return `spot-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

const csvCell = (v: string | number | boolean) => {
  const s = String(v);
  const guarded = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
};

/** One line per spot, times with the site's offset; UTF-8 with BOM so Excel reads the diacritics. */
export function toCsv(input: ExportInput): string {
  const header = [
    'screen_id',
    'date',
    'start',
    'end',
    'duration_s',
    'campaign_id',
    'media_name',
    'media_sha256',
    'peak',
    'item_id',
  ];
  const rows = input.spots.map((s) =>
    [
      input.screenId,
      s.date,
      toIsoWithOffset(s.start, input.timeZone),
      toIsoWithOffset(s.end, input.timeZone),
      (s.end - s.start) / 1000,
      s.campaignId,
      s.mediaName,
      s.mediaSha256,
      s.peak ? 1 : 0,
      s.id,
    ]
      .map(csvCell)
      .join(','),
  );
  return '\uFEFF' + [header.join(','), ...rows].map((l) => l + '\r\n').join('');
}

const icsText = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');
const icsTime = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Lines longer than 75 octets are folded (RFC 5545 §3.1). */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  for (const ch of line) {
    if (Buffer.byteLength(current + ch, 'utf8') > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
    }
    current += ch;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** iCalendar (RFC 5545): one event per spot, in UTC, with the campaign and media as the summary. */
export function toIcs(input: ExportInput): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//iHanoi signage//plan export//VI',
    'CALSCALE:GREGORIAN',
    `X-WR-CALNAME:${icsText(`${input.siteName} – ${input.screenName}`)}`,
    `X-WR-TIMEZONE:${input.timeZone}`,
  ];
  for (const s of input.spots) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${icsText(s.id)}@ihanoi-signage`,
      `DTSTAMP:${icsTime(input.generatedAt)}`,
      `DTSTART:${icsTime(s.start)}`,
      `DTEND:${icsTime(s.end)}`,
      `SUMMARY:${icsText(`${s.campaignId}: ${s.mediaName}`)}`,
      `DESCRIPTION:${icsText(`${input.screenId} · ${s.mediaSha256}${s.peak ? ' · giờ cao điểm / peak' : ''}`)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}

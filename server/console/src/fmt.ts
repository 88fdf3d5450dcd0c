/**
 * Dates and numbers as people in Viet Nam write them: dd/mm/yyyy, 24-hour clock, in the
 * site's (or campaign's) IANA time zone. The arithmetic lives in shared/time.ts.
 */
import { formatDate, formatDateTime, localDateOf } from '#shared/time.ts';
import { currentLang } from './i18n.ts';

export const fmtDate = (isoDate: string, zone: string) => formatDate(isoDate, zone);
export const fmtDateTime = (instant: string | number | null | undefined, zone: string) =>
  instant === null || instant === undefined
    ? '—'
    : formatDateTime(typeof instant === 'number' ? instant : Date.parse(instant), zone);
export const todayIn = (zone: string, nowMs: number) => localDateOf(nowMs, zone);

/** 'dd/mm/yyyy' → 'YYYY-MM-DD', or null when it is not a real date. */
export function parseDmy(text: string): string | null {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const d = Number(m[1]);
  const mo = Number(m[2]);
  const y = Number(m[3]);
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function fmtNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(currentLang() === 'vi' ? 'vi-VN' : 'en-GB', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  }).format(n);
}

export const fmtPct = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : `${fmtNumber(n, 1)} %`;

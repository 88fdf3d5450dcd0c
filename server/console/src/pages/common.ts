import { VENUE_TYPES, type VenueType } from '#shared/schemas/domain.ts';
import type { ReportGroupRow } from '#shared/schemas/reports.ts';
import { complianceBar } from '../charts.ts';
import { h } from '../dom.ts';
import { fmtNumber, fmtPct } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';

const labelOf = (r: ReportGroupRow) => {
  const v = VENUE_TYPES[r.key as VenueType];
  return v ? (currentLang() === 'vi' ? v.vi : v.en) : r.label;
};

/** The achieved-vs-target table used by the overview and the reports page. */
export function groupTable(
  rows: ReportGroupRow[],
  firstHeader: string,
  totals?: ReportGroupRow,
  id?: string,
): HTMLTableElement {
  const row = (r: ReportGroupRow, cls = '') =>
    h(
      'tr',
      { class: cls, 'data-key': r.key },
      h('td', null, cls === 'total' ? r.label : labelOf(r)),
      h('td', { class: 'num' }, fmtNumber(r.screens)),
      h('td', { class: 'num', 'data-col': 'plays' }, fmtNumber(r.plays)),
      h('td', { class: 'num', 'data-col': 'unverified' }, fmtNumber(r.unverifiedPlays)),
      h('td', { class: 'num', 'data-col': 'target' }, fmtNumber(r.target)),
      h('td', { class: 'num', 'data-col': 'due' }, fmtNumber(r.due)),
      h('td', { class: 'num' }, complianceBar(r.compliancePct), ' ', fmtPct(r.compliancePct)),
      h('td', { class: 'num' }, fmtPct(r.peakSharePct)),
      h('td', { class: 'num' }, fmtNumber(r.shortfall)),
      h('td', { class: 'num', 'data-col': 'shortfallOffline' }, fmtNumber(r.shortfallOffline)),
      h('td', { class: 'num', 'data-col': 'shortfallOther' }, fmtNumber(r.shortfallOther)),
      h('td', { class: 'num', 'data-col': 'offlineMinutes' }, fmtNumber(r.offlineMinutes)),
    );
  return h(
    'table',
    { class: 'data', id: id ?? null },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, firstHeader),
        h('th', { class: 'num' }, t('screensTitle')),
        h('th', { class: 'num' }, t('plays')),
        h('th', { class: 'num', title: t('unverifiedHelp') }, t('unverified')),
        h('th', { class: 'num' }, t('target')),
        h('th', { class: 'num' }, t('due')),
        h('th', { class: 'num' }, t('compliance')),
        h('th', { class: 'num' }, t('peakShare')),
        h('th', { class: 'num' }, t('shortfall')),
        h('th', { class: 'num' }, t('shortfallOffline')),
        h('th', { class: 'num' }, t('shortfallOther')),
        h('th', { class: 'num' }, t('offlineMinutes')),
      ),
    ),
    h(
      'tbody',
      null,
      rows.length ? rows.map((r) => row(r)) : h('tr', null, h('td', { colspan: 12 }, t('noData'))),
    ),
    totals ? h('tfoot', null, row({ ...totals, label: t('total') }, 'total')) : null,
  );
}

export function stat(label: string, value: string, id: string, cls = ''): HTMLElement {
  return h(
    'div',
    { class: `stat ${cls}`.trim(), id },
    h('div', { class: 'stat-value' }, value),
    h('div', { class: 'stat-label' }, label),
  );
}

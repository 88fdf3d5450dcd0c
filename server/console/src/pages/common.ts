import { VENUE_TYPES, type VenueType } from '#shared/schemas/domain.ts';
import type { ReportGroupRow } from '#shared/schemas/reports.ts';
import { complianceBar } from '../charts.ts';
import { h } from '../dom.ts';
import { dataTable, type Column } from '../table.ts';
import { fmtNumber, fmtPct } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';

const labelOf = (r: ReportGroupRow) => {
  const v = (VENUE_TYPES as Partial<Record<string, (typeof VENUE_TYPES)[VenueType]>>)[r.key];
  return v ? (currentLang() === 'vi' ? v.vi : v.en) : r.label;
};

/** The achieved-vs-target table used by the overview and the reports page: searchable, sortable, columns to choose. */
type NumericKey = {
  [K in keyof ReportGroupRow]: ReportGroupRow[K] extends number | null ? K : never;
}[keyof ReportGroupRow];

export function groupTable(
  rows: ReportGroupRow[],
  firstHeader: string,
  totals?: ReportGroupRow,
  id?: string,
): HTMLElement {
  const n = (key: NumericKey, label: string, optional = true, title?: string): Column<ReportGroupRow> => ({
    key,
    label,
    num: true,
    optional,
    title,
    cell: (r) => fmtNumber(r[key]),
    sort: (r) => r[key],
  });
  const footer = totals ? { ...totals, label: t('total') } : undefined;
  return dataTable<ReportGroupRow>({
    id: id ?? 'group-table',
    label: firstHeader,
    rows,
    footer,
    rowAttrs: (r) => ({ 'data-key': r.key }),
    columns: [
      {
        key: 'label',
        label: firstHeader,
        rowHeader: true,
        cell: (r) => (r === footer ? r.label : labelOf(r)),
        sort: labelOf,
      },
      n('screens', t('screensTitle')),
      n('plays', t('plays'), false),
      n('unverifiedPlays', t('unverified'), true, t('unverifiedHelp')),
      n('target', t('target'), false),
      n('due', t('due')),
      {
        key: 'compliance',
        label: t('compliance'),
        num: true,
        cell: (r) => [complianceBar(r.compliancePct), ' ', fmtPct(r.compliancePct)],
        sort: (r) => r.compliancePct,
      },
      { ...n('peakSharePct', t('peakShare')), cell: (r) => fmtPct(r.peakSharePct) },
      n('shortfall', t('shortfall')),
      n('shortfallOffline', t('shortfallOffline'), true),
      n('shortfallOther', t('shortfallOther'), true),
      n('offlineMinutes', t('offlineMinutes'), true),
    ],
  });
}

export function stat(label: string, value: string, id: string, cls = ''): HTMLElement {
  return h(
    'div',
    { class: `stat ${cls}`.trim(), id },
    h('div', { class: 'stat-value' }, value),
    h('div', { class: 'stat-label' }, label),
  );
}

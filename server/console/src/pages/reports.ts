import type { RegionNode, Site } from '#shared/schemas/api.ts';
import { VENUE_TYPES, type VenueType } from '#shared/schemas/domain.ts';
import type { ReportResult, SavedReport } from '#shared/schemas/reports.ts';
import { ApiError, get, query } from '../api.ts';
import { barChart } from '../charts.ts';
import { clear, h, message } from '../dom.ts';
import { fmtDate, fmtDateTime, parseDmy, todayIn } from '../fmt.ts';
import { currentLang, t, tk } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { dataTable } from '../table.ts';
import { groupTable } from './common.ts';

const GROUPS = ['site', 'district', 'venue_type', 'screen'] as const;
const EXPORTS = ['daily', 'hourly', 'evidence'] as const;

function districts(nodes: RegionNode[], out: RegionNode[] = []): RegionNode[] {
  for (const n of nodes) {
    if (n.level === 'district') out.push(n);
    districts(n.children, out);
  }
  return out;
}

export async function reportsPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  root.appendChild(h('h1', null, t('navReports')));
  const campaign = ctx.campaign;
  if (!campaign) {
    root.appendChild(message('info', t('noCampaign')));
    return;
  }
  const everything = ctx.me.role === 'campaign_manager' || ctx.me.role === 'auditor';
  const [sites, regions, saved] = await Promise.all([
    get<{ items: Site[] }>('/sites'),
    get<{ items: RegionNode[] }>('/regions'),
    everything
      ? get<{ items: SavedReport[] }>('/reports/saved')
      : Promise.resolve({ items: [] as SavedReport[] }),
  ]);
  const today = todayIn(campaign.timeZone, ctx.nowMs);
  const lastShown =
    today < campaign.lastDay ? (today < campaign.firstDay ? campaign.firstDay : today) : campaign.lastDay;
  const zone = campaign.timeZone;

  const from = h('input', {
    id: 'rep-from',
    name: 'from',
    value: fmtDate(campaign.firstDay, zone),
    size: 10,
  });
  const to = h('input', { id: 'rep-to', name: 'to', value: fmtDate(lastShown, zone), size: 10 });
  const group = h(
    'select',
    { id: 'rep-group' },
    GROUPS.map((g) => h('option', { value: g }, tk(`group_${g}`))),
  );
  const district = h(
    'select',
    { id: 'rep-district' },
    h('option', { value: '' }, t('all')),
    districts(regions.items).map((d) => h('option', { value: d.id }, d.name)),
  );
  const venue = h(
    'select',
    { id: 'rep-venue' },
    h('option', { value: '' }, t('all')),
    (Object.keys(VENUE_TYPES) as VenueType[]).map((v) =>
      h('option', { value: v }, currentLang() === 'vi' ? VENUE_TYPES[v].vi : VENUE_TYPES[v].en),
    ),
  );
  const site = h(
    'select',
    { id: 'rep-site' },
    h('option', { value: '' }, t('all')),
    sites.items.map((s) => h('option', { value: s.id }, s.name)),
  );
  const status = h('div');
  const result = h('div', { id: 'rep-result' });
  const exportBox = h('div', { id: 'rep-exports', class: 'row' });

  const filters = () => {
    const a = parseDmy(from.value);
    const b = parseDmy(to.value);
    if (!a || !b) return null;
    return {
      campaignId: campaign.id,
      from: a,
      to: b,
      regionId: district.value || undefined,
      venueType: venue.value || undefined,
      siteId: site.value || undefined,
    };
  };

  async function show(): Promise<void> {
    clear(status);
    const f = filters();
    if (!f) {
      status.appendChild(message('error', t('badDate')));
      return;
    }
    clear(exportBox);
    for (const kind of EXPORTS) {
      for (const format of ['csv', 'xlsx'] as const) {
        exportBox.appendChild(
          h(
            'a',
            {
              class: 'button secondary',
              id: `export-${kind}-${format}`,
              href: `/api/v1/reports/export${query({ kind, format, ...f })}`,
              download: '',
            },
            `${tk(`export_${kind}`)} · ${format.toUpperCase()}`,
          ),
        );
      }
    }
    try {
      const r = await get<ReportResult>(`/reports/summary${query({ ...f, groupBy: group.value })}`);
      clear(result);
      result.append(
        h(
          'p',
          { class: 'muted' },
          `${t('period')}: ${fmtDate(r.from, zone)} – ${fmtDate(r.to, zone)} · ${t('timeZone')}: ${r.timeZone}`,
        ),
        groupTable(r.groups, tk(`group_${r.groupBy}`), r.totals, 'rep-table'),
        h('h2', null, t('dailyChart')),
        h(
          'div',
          { class: 'chart-box', id: 'chart-daily' },
          barChart(
            r.daily.map((d) => ({
              label: fmtDate(d.date, zone).slice(0, 5),
              value: d.plays,
              target: d.target,
              kind: d.plays < d.target ? 'short' : '',
              title: `${fmtDate(d.date, zone)}: ${d.plays} / ${d.target}`,
            })),
            {
              title: t('dailyChart'),
              valueLabel: t('plays'),
              targetLabel: t('target'),
              kindLabels: [{ kind: 'short', label: t('belowTarget') }],
            },
          ),
        ),
        h('h2', null, t('hourlyChart')),
        h(
          'div',
          { class: 'chart-box', id: 'chart-hourly' },
          barChart(
            r.hourly.map((x) => ({
              label: String(x.hour).padStart(2, '0'),
              value: x.plays,
              kind: x.peakPlays > x.plays / 2 ? 'peak' : '',
              title: `${String(x.hour).padStart(2, '0')}:00 — ${x.plays} (${x.peakPlays} ${t('peakShare').toLowerCase()})`,
            })),
            {
              title: t('hourlyChart'),
              valueLabel: t('plays'),
              labelEvery: 2,
              kindLabels: [{ kind: 'peak', label: t('mostlyPeak') }],
            },
          ),
        ),
      );
    } catch (err) {
      status.appendChild(message('error', err instanceof ApiError ? err.message : String(err)));
    }
  }

  root.append(
    h(
      'form',
      {
        class: 'card',
        id: 'rep-form',
        onsubmit: ((e: Event) => {
          e.preventDefault();
          void show();
        }) as EventListener,
      },
      h(
        'div',
        { class: 'row' },
        h('label', null, t('from'), from),
        h('label', null, t('to'), to),
        h('label', null, t('groupBy'), group),
        h('label', null, t('district'), district),
        h('label', null, t('venueType'), venue),
        h('label', null, t('site'), site),
      ),
      h('button', { type: 'submit', id: 'rep-show' }, t('show')),
      status,
    ),
    h('section', { class: 'card' }, h('h2', null, t('exports')), exportBox),
    result,
  );
  if (everything) {
    root.appendChild(
      h(
        'section',
        { class: 'card', id: 'saved-reports' },
        h('h2', null, t('savedReports')),
        dataTable<SavedReport>({
          id: 'saved-table',
          label: t('savedReports'),
          rows: saved.items,
          sortBy: { key: 'generated', dir: 'desc' },
          columns: [
            {
              key: 'period',
              label: t('period'),
              rowHeader: true,
              cell: (r) => `${fmtDate(r.periodFirst, zone)} – ${fmtDate(r.periodLast, zone)}`,
              sort: (r) => r.periodFirst,
            },
            {
              key: 'generated',
              label: t('generatedAt'),
              cell: (r) => fmtDateTime(r.generatedAt, zone),
              sort: (r) => r.generatedAt,
            },
            {
              key: 'checksum',
              label: t('checksum'),
              optional: true,
              cell: (r) => h('code', { class: 'hash' }, r.checksum.slice(0, 16), '…'),
            },
            {
              key: 'download',
              label: t('download'),
              cell: (r) => [
                h('a', { href: `/api/v1/reports/saved/${r.id}/download?format=xlsx`, download: '' }, 'XLSX'),
                ' · ',
                h('a', { href: `/api/v1/reports/saved/${r.id}/download?format=csv`, download: '' }, 'CSV'),
              ],
            },
          ],
        }),
      ),
    );
  }
  await show();
}

import type { OverviewResult } from '#shared/schemas/reports.ts';
import { get, query } from '../api.ts';
import { h } from '../dom.ts';
import { fmtDate, fmtNumber } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';
import type { PageContext } from '../main.ts';
import { groupTable, stat } from './common.ts';

export async function overviewPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const o = await get<OverviewResult>(`/reports/overview${query({ campaignId: ctx.campaign?.id })}`);
  root.append(
    h('h1', null, t('navOverview')),
    h(
      'p',
      { class: 'muted' },
      `${t('asOf')} ${fmtDate(o.date, o.timeZone)} · ${t('timeZone')}: ${o.timeZone}`,
      ctx.campaign
        ? ` · ${currentLang() === 'en' && ctx.campaign.nameEn ? ctx.campaign.nameEn : ctx.campaign.name}`
        : '',
    ),
    h(
      'section',
      { class: 'stats' },
      stat(t('online'), fmtNumber(o.screens.online), 'stat-online', 'ok'),
      stat(t('offline'), fmtNumber(o.screens.offline), 'stat-offline', o.screens.offline ? 'bad' : ''),
      stat(t('unpaired'), fmtNumber(o.screens.unpaired), 'stat-unpaired'),
      stat(`${t('todayPlays')}: ${t('achieved')}`, fmtNumber(o.today.plays), 'stat-today-plays'),
      stat(`${t('todayPlays')}: ${t('planned')}`, fmtNumber(o.today.planned), 'stat-today-planned'),
      stat(`${t('todayPlays')}: ${t('due')}`, fmtNumber(o.today.due), 'stat-today-due'),
      stat(`${t('todayPlays')}: ${t('targetFullDay')}`, fmtNumber(o.today.target), 'stat-today-target'),
    ),
    h(
      'section',
      null,
      h('h2', null, t('byDistrict')),
      groupTable(o.byDistrict, t('district'), undefined, 'by-district'),
    ),
    h(
      'section',
      null,
      h('h2', null, t('byVenueType')),
      groupTable(o.byVenueType, t('venueType'), undefined, 'by-venue'),
    ),
  );
}

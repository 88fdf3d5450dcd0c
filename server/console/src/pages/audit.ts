import type { AuditEntry } from '#shared/schemas/api.ts';
import { addDays } from '#shared/time.ts';
import { get, query } from '../api.ts';
import { clear, h } from '../dom.ts';
import { fmtDateTime, todayIn } from '../fmt.ts';
import { t } from '../i18n.ts';
import type { PageContext } from '../main.ts';

const PAGE = 50;

export async function auditPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const today = todayIn(ctx.zone, ctx.nowMs);
  const from = ctx.campaign
    ? ctx.campaign.firstDay < addDays(today, -365)
      ? addDays(today, -365)
      : addDays(ctx.campaign.firstDay, -30)
    : addDays(today, -90);
  root.append(
    h('h1', null, t('navAudit')),
    h(
      'section',
      { class: 'card row' },
      h('strong', null, t('exports'), ':'),
      (['csv', 'xlsx'] as const).map((format) =>
        h(
          'a',
          {
            class: 'button secondary',
            id: `audit-export-${format}`,
            href: `/api/v1/reports/export${query({ kind: 'audit', format, from, to: today, campaignId: ctx.campaign?.id })}`,
            download: '',
          },
          `${t('export_audit')} · ${format.toUpperCase()}`,
        ),
      ),
    ),
  );
  const box = h('div');
  root.appendChild(box);
  let offset = 0;
  async function show(): Promise<void> {
    const page = await get<{ items: AuditEntry[] }>(`/audit${query({ limit: PAGE, offset })}`);
    clear(box);
    box.append(
      h(
        'table',
        { class: 'data', id: 'audit-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t('when')),
            h('th', null, t('who')),
            h('th', null, t('action')),
            h('th', null, t('object')),
            h('th', null, t('detail')),
          ),
        ),
        h(
          'tbody',
          null,
          page.items.length
            ? page.items.map((a) =>
                h(
                  'tr',
                  null,
                  h('td', null, fmtDateTime(a.at, ctx.zone)),
                  h('td', null, a.actorName ?? a.actor),
                  h('td', null, h('code', null, a.action)),
                  h('td', null, `${a.objectType}: ${a.objectId}`),
                  h('td', { class: 'detail' }, JSON.stringify(a.detail)),
                ),
              )
            : h('tr', null, h('td', { colspan: 5 }, t('noData'))),
        ),
      ),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: offset === 0,
            onclick: (() => ((offset = Math.max(0, offset - PAGE)), void show())) as EventListener,
          },
          t('newer'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: page.items.length < PAGE,
            onclick: (() => ((offset += PAGE), void show())) as EventListener,
          },
          t('older'),
        ),
      ),
    );
  }
  await show();
}

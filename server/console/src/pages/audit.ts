/**
 * The audit log in sentences: "Nguyễn Thị Lan nâng tần suất … — 05/09/2024 14:02", newest
 * first, filtered by dates, person, action and site, with the raw record one click away.
 */
import type { AuditEntry, AuditFacets, Site } from '#shared/schemas/api.ts';
import { addDays, zonedToInstant } from '#shared/time.ts';
import { get, query } from '../api.ts';
import { clear, h, message } from '../dom.ts';
import { fmtDate, parseDmy, todayIn } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';
import type { PageContext } from '../main.ts';

const PAGE = 50;

export async function auditPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const today = todayIn(ctx.zone, ctx.nowMs);
  const exportFrom = ctx.campaign
    ? ctx.campaign.firstDay < addDays(today, -365)
      ? addDays(today, -365)
      : addDays(ctx.campaign.firstDay, -30)
    : addDays(today, -90);
  const [facets, sites] = await Promise.all([
    get<AuditFacets>('/audit/facets'),
    get<{ items: Site[] }>('/sites'),
  ]);
  const vi = currentLang() === 'vi';
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
            href: `/api/v1/reports/export${query({ kind: 'audit', format, from: exportFrom, to: today, campaignId: ctx.campaign?.id })}`,
            download: '',
          },
          `${t('export_audit')} · ${format.toUpperCase()}`,
        ),
      ),
    ),
  );

  const from = h('input', { id: 'audit-from', name: 'from', size: 10, placeholder: 'dd/mm/yyyy' });
  const to = h('input', { id: 'audit-to', name: 'to', size: 10, placeholder: 'dd/mm/yyyy' });
  const person = h(
    'select',
    { id: 'audit-actor', name: 'actor' },
    h('option', { value: '' }, t('everyone')),
    facets.actors
      .slice()
      .sort((a, b) => a.name.localeCompare(b.name, 'vi'))
      .map((a) => h('option', { value: a.id }, a.name)),
  );
  const action = h(
    'select',
    { id: 'audit-action', name: 'action' },
    h('option', { value: '' }, t('all')),
    facets.actions.map((a) => h('option', { value: a.id }, vi ? a.vi : a.en)),
  );
  const site = h(
    'select',
    { id: 'audit-site', name: 'siteId' },
    h('option', { value: '' }, t('all')),
    sites.items
      .slice()
      .sort((a, b) => a.name.localeCompare(b.name, 'vi'))
      .map((s) => h('option', { value: s.id }, s.name)),
  );
  const status = h('div', { id: 'audit-status' });
  const box = h('div', { id: 'audit-result' });
  let offset = 0;

  /** dd/mm/yyyy → the instant the day starts (or the next day starts, for "to") in the zone. */
  const bound = (input: HTMLInputElement, next: boolean): string | null | undefined => {
    if (!input.value.trim()) return undefined;
    const d = parseDmy(input.value);
    if (!d) return null;
    return new Date(zonedToInstant(next ? addDays(d, 1) : d, '00:00', ctx.zone)).toISOString();
  };

  async function show(): Promise<void> {
    clear(status);
    const a = bound(from, false);
    const b = bound(to, true);
    if (a === null || b === null) {
      status.appendChild(message('error', t('badDate')));
      return;
    }
    const page = await get<{ items: AuditEntry[] }>(
      `/audit${query({ limit: PAGE, offset, from: a, to: b, actor: person.value, action: action.value, siteId: site.value })}`,
    );
    clear(box);
    box.append(
      h(
        'div',
        { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('navAudit') },
        h(
          'table',
          { class: 'data cards audit', id: 'audit-table' },
          h(
            'thead',
            null,
            h('tr', null, h('th', { scope: 'col' }, t('when')), h('th', { scope: 'col' }, t('whatHappened'))),
          ),
          h(
            'tbody',
            null,
            page.items.length
              ? page.items.map((e) =>
                  h(
                    'tr',
                    { 'data-id': e.id, 'data-action': e.action },
                    h(
                      'td',
                      { class: 'when', 'data-label': t('when') },
                      h('time', { datetime: e.at }, e.when),
                    ),
                    h(
                      'td',
                      { 'data-label': t('whatHappened') },
                      h('p', { class: 'audit-text' }, `${vi ? e.text.vi : e.text.en} — ${e.when}`),
                      h(
                        'details',
                        { class: 'raw' },
                        h('summary', null, t('rawDetail')),
                        h(
                          'pre',
                          null,
                          JSON.stringify(
                            {
                              action: e.action,
                              actor: e.actor,
                              object: `${e.objectType}:${e.objectId}`,
                              at: e.at,
                              zone: e.zone,
                              detail: e.detail,
                            },
                            null,
                            2,
                          ),
                        ),
                      ),
                    ),
                  ),
                )
              : h('tr', null, h('td', { colspan: 2 }, t('noData'))),
          ),
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
            id: 'audit-newer',
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
            id: 'audit-older',
            disabled: page.items.length < PAGE,
            onclick: (() => ((offset += PAGE), void show())) as EventListener,
          },
          t('older'),
        ),
      ),
    );
  }

  root.append(
    h(
      'form',
      {
        class: 'card',
        id: 'audit-filters',
        onsubmit: ((e: Event) => {
          e.preventDefault();
          offset = 0;
          void show();
        }) as EventListener,
      },
      h(
        'div',
        { class: 'row' },
        h('label', null, t('from'), from),
        h('label', null, t('to'), to),
        h('label', null, t('who'), person),
        h('label', null, t('action'), action),
        h('label', null, t('site'), site),
        h('button', { type: 'submit', id: 'audit-show' }, t('show')),
      ),
      h('p', { class: 'muted' }, `${t('timesIn')} ${ctx.zone} · ${t('example')} ${fmtDate(today, ctx.zone)}`),
      status,
    ),
    box,
  );
  // Changing a list applies at once; dates apply with the button (or Enter).
  for (const el of [person, action, site])
    el.addEventListener('change', () => {
      offset = 0;
      void show();
    });
  await show();
}

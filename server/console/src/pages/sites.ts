import type { Screen, Site } from '#shared/schemas/api.ts';
import { VENUE_TYPES } from '#shared/schemas/domain.ts';
import { errorText, get, post, query } from '../api.ts';
import { clear, h, message, submitInto } from '../dom.ts';
import { fmtDateTime, fmtNumber } from '../fmt.ts';
import { currentLang, t, tk } from '../i18n.ts';
import type { PageContext } from '../main.ts';

interface Today {
  date: string;
  items: { screenId: string; plays: number; planned: number; target: number }[];
}

export async function sitesPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const [sites, screens, today] = await Promise.all([
    get<{ items: Site[] }>('/sites'),
    get<{ items: Screen[] }>('/screens'),
    get<Today>(`/reports/screens-today${query({ campaignId: ctx.campaign?.id })}`),
  ]);
  const todayBy = new Map(today.items.map((i) => [i.screenId, i]));
  const canWrite = ctx.me.role !== 'auditor';
  root.append(h('h1', null, t('navSites')));
  if (canWrite) root.appendChild(pairForm(sites.items, screens.items, ctx));
  if (canWrite) root.appendChild(provisionForm(sites.items));

  for (const site of sites.items) {
    const list = screens.items.filter((s) => s.siteId === site.id);
    const venue = VENUE_TYPES[site.venueType];
    root.appendChild(
      h(
        'section',
        { class: 'card site', 'data-site': site.id },
        h('h2', null, site.name),
        h(
          'p',
          { class: 'muted' },
          currentLang() === 'vi' ? venue.vi : venue.en,
          ' · ',
          site.address,
          ' · ',
          site.timeZone,
        ),
        list.length
          ? h(
              'table',
              { class: 'data' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', null, t('screen')),
                  h('th', null, t('status')),
                  h('th', null, t('lastSeen')),
                  h('th', null, t('currentItem')),
                  h('th', { class: 'num' }, `${t('todayPlan')} (${t('achieved')} / ${t('planned')})`),
                  h('th', null, ''),
                ),
              ),
              h(
                'tbody',
                null,
                list.map((s) => screenRow(s, site, todayBy.get(s.id), canWrite, ctx)),
              ),
            )
          : h('p', { class: 'muted' }, t('noScreens')),
      ),
    );
  }
}

function screenRow(
  s: Screen,
  site: Site,
  today: Today['items'][number] | undefined,
  canWrite: boolean,
  ctx: PageContext,
): HTMLElement {
  const status = (s.lastStatus ?? null) as {
    currentItem?: { itemId: string; startedAt: number } | null;
  } | null;
  const current = status?.currentItem
    ? `${status.currentItem.itemId.slice(0, 18)} · ${fmtDateTime(status.currentItem.startedAt, site.timeZone)}`
    : '—';
  const cell = h('td', null);
  if (canWrite && s.status !== 'revoked') {
    cell.appendChild(
      h(
        'button',
        {
          type: 'button',
          class: 'danger small',
          'data-revoke': s.id,
          onclick: (async () => {
            if (!confirm(t('confirmRevoke'))) return;
            try {
              await post(`/screens/${encodeURIComponent(s.id)}/revoke`);
              ctx.navigate('/sites');
            } catch (err) {
              cell.appendChild(message('error', errorText(err)));
            }
          }) as EventListener,
        },
        t('revoke'),
      ),
    );
  }
  return h(
    'tr',
    { 'data-screen': s.id },
    h('td', null, s.name),
    h('td', null, h('span', { class: `badge ${s.status}` }, tk(s.status))),
    h('td', null, fmtDateTime(s.lastSeenAt, site.timeZone)),
    h('td', null, current),
    h(
      'td',
      { class: 'num' },
      today ? `${fmtNumber(today.plays)} / ${fmtNumber(today.planned || today.target)}` : '—',
    ),
    cell,
  );
}

function pairForm(sites: Site[], screens: Screen[], ctx: PageContext): HTMLElement {
  const status = h('div', { id: 'pair-status' });
  const code = h('input', {
    id: 'pair-code',
    name: 'code',
    maxlength: 9,
    autocomplete: 'off',
    placeholder: 'ABC234',
    // A class, not a style attribute: the console's CSP allows no inline styles.
    class: 'upper',
  });
  code.value = new URLSearchParams(location.search).get('pair') ?? '';
  // Screens listed for the site but never paired are offered by name: claiming under that
  // name attaches the player to the listed screen instead of adding another.
  const waiting = h('datalist', { id: 'pair-waiting' });
  const site = h(
    'select',
    { id: 'pair-site', name: 'siteId' },
    sites.map((s) => h('option', { value: s.id }, s.name)),
  );
  const offer = () => {
    clear(waiting);
    for (const s of screens)
      if (s.siteId === site.value && s.status === 'unpaired')
        waiting.appendChild(h('option', { value: s.name }));
  };
  site.addEventListener('change', offer);
  offer();
  const name = h('input', { id: 'pair-name', name: 'screenName', maxlength: 100, list: 'pair-waiting' });
  return h(
    'form',
    {
      class: 'card',
      id: 'pair-form',
      onsubmit: submitInto(status, async () => {
        const r = await post<{ screenId: string; name: string }>('/pairing/claim', {
          code: code.value,
          siteId: site.value,
          screenName: name.value,
        });
        status.appendChild(message('ok', `${t('paired')}: ${r.name}`));
        setTimeout(() => ctx.navigate('/sites'), 600);
      }),
    },
    h('h2', null, t('pairTitle')),
    h('p', { class: 'muted' }, t('pairHelp')),
    h(
      'div',
      { class: 'row' },
      h('label', null, t('pairCode'), code),
      h('label', null, t('site'), site),
      h('label', null, t('screenName'), name),
    ),
    waiting,
    h('button', { type: 'submit', id: 'pair-submit' }, t('pair')),
    status,
  );
}

/** Mass installs: one file per site lets many players enrol without typing codes. */
function provisionForm(sites: Site[]): HTMLElement {
  const status = h('div', { id: 'provision-status' });
  const site = h(
    'select',
    { id: 'provision-site', name: 'siteId' },
    sites.map((s) => h('option', { value: s.id }, s.name)),
  );
  const count = h('input', {
    id: 'provision-count',
    name: 'count',
    type: 'number',
    min: 1,
    max: 500,
    value: '5',
  });
  return h(
    'form',
    {
      class: 'card',
      id: 'provision-form',
      onsubmit: submitInto(status, async () => {
        const file = await post<{ siteId: string; expiresAt: string }>('/screens/provision', {
          siteId: site.value,
          count: Number(count.value),
        });
        const a = h('a', {
          href: URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' })),
          download: `ihanoi-provision-${file.siteId.replace(/[^a-z0-9-]+/gi, '_')}.json`,
        });
        a.click();
        status.appendChild(
          message(
            'ok',
            `${t('provisionMade')} ${file.expiresAt.slice(0, 10).split('-').reverse().join('/')}`,
          ),
        );
      }),
    },
    h('h2', null, t('provisionTitle')),
    h('p', { class: 'muted' }, t('provisionHelp')),
    h(
      'div',
      { class: 'row' },
      h('label', null, t('site'), site),
      h('label', null, t('provisionCount'), count),
    ),
    h('button', { type: 'submit', id: 'provision-submit' }, t('provisionDownload')),
    status,
  );
}

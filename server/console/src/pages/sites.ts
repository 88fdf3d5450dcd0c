import type { Screen, ScreenHealth, Site } from '#shared/schemas/api.ts';
import { VENUE_TYPES } from '#shared/schemas/domain.ts';
import { errorText, get, patch, post } from '../api.ts';
import { clear, clearFieldErrors, h, message, submitInto } from '../dom.ts';
import { fmtDateTime, fmtNumber } from '../fmt.ts';
import { currentLang, t, tk } from '../i18n.ts';
import { fold } from '../table.ts';
import type { PageContext } from '../main.ts';

interface StatusList {
  serverTime: string;
  items: ScreenHealth[];
}

export async function sitesPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  const [sites, screens, status] = await Promise.all([
    get<{ items: Site[] }>('/sites'),
    get<{ items: Screen[] }>('/screens'),
    get<StatusList>('/screens/status'),
  ]);
  const healthBy = new Map(status.items.map((i) => [i.screenId, i]));
  const canWrite = ctx.me.role !== 'auditor';
  const siteById = new Map(sites.items.map((s) => [s.id, s]));
  root.append(h('h1', null, t('navSites')));
  const live = h('p', { class: 'muted live-note', id: 'live-state', role: 'status' }, t('liveConnecting'));
  root.appendChild(live);
  // Screenshots asked for on this page, by request id: filled when the screen answers.
  const shotsPanel = h('div', { id: 'screenshots', 'aria-live': 'polite' });
  root.appendChild(shotsPanel);
  const waitingShots = new Map<string, { figure: HTMLElement; screenId: string; zone: string }>();
  const askScreenshot = async (s: ScreenHealth, site: Site, button: HTMLButtonElement) => {
    const figure = h(
      'figure',
      { class: 'card shot', 'data-shot-for': s.screenId },
      h('figcaption', null, `${s.name} · ${site.name}: ${t('shotWaiting')}`),
    );
    for (const old of shotsPanel.querySelectorAll(`[data-shot-for="${CSS.escape(s.screenId)}"]`))
      old.remove();
    shotsPanel.prepend(figure);
    button.disabled = true;
    try {
      const r = await post<{ requestId: string }>(`/screens/${encodeURIComponent(s.screenId)}/screenshot`);
      waitingShots.set(r.requestId, { figure, screenId: s.screenId, zone: site.timeZone });
    } catch (err) {
      figure.appendChild(message('error', errorText(err)));
    } finally {
      button.disabled = false;
    }
  };
  if (canWrite) root.appendChild(pairForm(sites.items, screens.items, ctx));
  if (canWrite) root.appendChild(provisionForm(sites.items));
  // Rename or move a screen: one form, filled from the row's "Edit" button.
  const edit = canWrite ? editForm(sites.items) : null;
  if (edit) root.appendChild(edit.form);

  const rowOf = (health: ScreenHealth) => {
    const site = siteById.get(health.siteId);
    return site ? screenRow(health, site, canWrite, ctx, askScreenshot, edit?.open) : null;
  };
  for (const s of screens.items) if (!healthBy.has(s.id)) healthBy.set(s.id, blankHealth(s));
  // Search, filter and sort (the toolbar above the sites); applied again after each live change.
  const search = h('input', {
    type: 'search',
    id: 'sites-search',
    placeholder: t('searchPlaceholder'),
    autocomplete: 'off',
  });
  const filter = h(
    'select',
    { id: 'sites-filter' },
    (['all', 'online', 'offline', 'warning', 'unpaired'] as const).map((f) =>
      h('option', { value: f }, tk(`filter_${f}`)),
    ),
  );
  const order = h(
    'select',
    { id: 'sites-sort' },
    (['name', 'problems'] as const).map((f) => h('option', { value: f }, tk(`sort_${f}`))),
  );
  const shownCount = h('span', { class: 'muted table-count', id: 'sites-count', 'aria-live': 'polite' });
  const trouble = (x: ScreenHealth) => (x.status === 'offline' ? 2 : 0) + (x.warnings.length ? 1 : 0);
  const screensOf = (siteId: string) =>
    [...healthBy.values()]
      .filter((x) => x.siteId === siteId)
      .sort(
        (a, b) =>
          (order.value === 'problems' ? trouble(b) - trouble(a) : 0) || a.name.localeCompare(b.name, 'vi'),
      );
  const matches = (x: ScreenHealth, site: Site): boolean => {
    const q = fold(search.value.trim());
    if (q && !q.split(/\s+/).every((w) => fold(`${x.name} ${site.name} ${site.address}`).includes(w)))
      return false;
    switch (filter.value) {
      case 'online':
      case 'offline':
      case 'unpaired':
        return x.status === filter.value;
      case 'warning':
        return x.warnings.length > 0;
      default:
        return true;
    }
  };
  const table = (site: Site) => {
    const list = screensOf(site.id);
    return list.length
      ? h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': site.name },
          h(
            'table',
            { class: 'data screens' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { scope: 'col' }, t('screen')),
                h('th', { scope: 'col' }, t('status')),
                h('th', { scope: 'col' }, t('currentItem')),
                h(
                  'th',
                  { scope: 'col', class: 'num' },
                  `${t('todayPlan')} (${t('achieved')} / ${t('planned')})`,
                ),
                h('th', { scope: 'col' }, t('cacheDisk')),
                h('th', { scope: 'col' }, t('playerVersion')),
                h('th', { scope: 'col' }, t('warnings')),
                h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('actions'))),
              ),
            ),
            h('tbody', null, list.map(rowOf)),
          ),
        )
      : h('p', { class: 'muted' }, t('noScreens'));
  };
  const holders = new Map<string, HTMLElement>();
  const sections = new Map<string, HTMLElement>();
  const applyView = () => {
    const filtering = search.value.trim() !== '' || filter.value !== 'all';
    let shown = 0;
    for (const site of sites.items) {
      const section = sections.get(site.id)!;
      let visible = 0;
      for (const tr of section.querySelectorAll<HTMLElement>('tr[data-screen]')) {
        const x = healthBy.get(tr.dataset['screen']!);
        const ok = !x || matches(x, site);
        tr.hidden = !ok;
        if (ok) visible++;
      }
      // A site whose own name matches stays, even with no screen yet.
      const siteMatches =
        !filtering || (filter.value === 'all' && fold(site.name).includes(fold(search.value.trim())));
      section.hidden = filtering && visible === 0 && !siteMatches;
      if (!section.hidden) shown++;
    }
    shownCount.textContent = filtering ? `${shown} / ${sites.items.length} ${t('sitesShown')}` : '';
  };
  const sortSites = () => {
    const list = sites.items.slice().sort((a, b) => {
      if (order.value === 'problems') {
        const score = (site: Site) => screensOf(site.id).reduce((n, x) => n + trouble(x), 0);
        const d = score(b) - score(a);
        if (d) return d;
      }
      return a.name.localeCompare(b.name, 'vi');
    });
    for (const site of list) {
      holders.get(site.id)!.replaceChildren(table(site));
      sitesBox.appendChild(sections.get(site.id)!);
    }
    applyView();
  };
  search.addEventListener('input', applyView);
  filter.addEventListener('change', applyView);
  order.addEventListener('change', sortSites);
  root.appendChild(
    h(
      'div',
      { class: 'table-tools card', id: 'sites-tools' },
      h('label', { class: 'search' }, t('search'), search),
      h('label', null, t('filterLabel'), filter),
      h('label', null, t('sortBy'), order),
      shownCount,
    ),
  );
  const sitesBox = h('div', { id: 'sites-list' });
  root.appendChild(sitesBox);
  for (const site of sites.items) {
    const venue = VENUE_TYPES[site.venueType];
    const holder = h('div', { class: 'site-screens' }, table(site));
    holders.set(site.id, holder);
    sections.set(
      site.id,
      h(
        'section',
        { class: 'card site', 'data-site': site.id, 'aria-labelledby': `site-h-${cssId(site.id)}` },
        h('h2', { id: `site-h-${cssId(site.id)}` }, site.name),
        h(
          'p',
          { class: 'muted' },
          currentLang() === 'vi' ? venue.vi : venue.en,
          ' · ',
          site.address,
          ' · ',
          site.timeZone,
        ),
        holder,
      ),
    );
  }
  sortSites();

  // Live: each change of a screen in scope replaces its row; no reload.
  const stream = new EventSource('/api/v1/screens/status/stream', { withCredentials: true });
  ctx.onLeave(() => stream.close());
  stream.addEventListener('ready', () => {
    live.textContent = t('liveOn');
    live.dataset.live = 'on';
  });
  stream.addEventListener('screen', (e) => {
    const health = JSON.parse((e as MessageEvent<string>).data) as ScreenHealth;
    const known = healthBy.get(health.screenId);
    // Unchanged news leaves the row alone (a button being clicked stays where it is).
    if (known && JSON.stringify(known) === JSON.stringify(health)) return;
    healthBy.set(health.screenId, health);
    const old = root.querySelector(`tr[data-screen="${CSS.escape(health.screenId)}"]`);
    const row = rowOf(health);
    if (old && row && known?.siteId === health.siteId) old.replaceWith(row);
    else {
      // A new screen, or one moved between sites: redraw the sites concerned.
      for (const id of new Set([health.siteId, known?.siteId]))
        if (id && holders.has(id) && siteById.has(id))
          holders.get(id)!.replaceChildren(table(siteById.get(id)!));
    }
    applyView();
  });
  stream.addEventListener('screenshot', (e) => {
    const shot = JSON.parse((e as MessageEvent<string>).data) as {
      screenId: string;
      requestId: string;
      takenAt: string;
      error?: string;
    };
    const waiting = waitingShots.get(shot.requestId);
    if (!waiting) return;
    waitingShots.delete(shot.requestId);
    const caption = waiting.figure.querySelector('figcaption')!;
    const name = caption.textContent.split(':')[0];
    if (shot.error) {
      caption.textContent = `${name}: ${t('shotFailed')}`;
      waiting.figure.appendChild(message('error', shot.error));
      return;
    }
    const when = fmtDateTimeSeconds(shot.takenAt, waiting.zone);
    caption.textContent = `${name}: ${t('shotTaken')} ${when}`;
    waiting.figure.dataset.takenAt = shot.takenAt;
    waiting.figure.prepend(
      h('img', {
        src: `/api/v1/screens/${encodeURIComponent(shot.screenId)}/screenshot?r=${encodeURIComponent(shot.requestId)}`,
        alt: `${t('shotAlt')} ${name}, ${when}`,
        class: 'shot-img',
      }),
    );
  });
  stream.addEventListener('error', () => {
    // EventSource reconnects by itself; say so meanwhile.
    live.textContent = t('liveLost');
    live.dataset.live = 'off';
  });
}

const cssId = (id: string) => id.replace(/[^a-zA-Z0-9_-]/g, '_');

function blankHealth(s: Screen): ScreenHealth {
  return {
    screenId: s.id,
    siteId: s.siteId,
    name: s.name,
    status: s.status,
    lastSeenAt: s.lastSeenAt,
    offlineSince: null,
    nowPlaying: null,
    today: null,
    cache: null,
    freeDiskBytes: null,
    playerVersion: s.playerVersion,
    clockOffsetMs: null,
    warnings: [],
  };
}

const gb = (bytes: number) => `${fmtNumber(bytes / 1024 ** 3, 1)} GB`;

function fmtDateTimeSeconds(iso: string, zone: string): string {
  const ms = Date.parse(iso);
  const sec = String(Math.floor(ms / 1000) % 60).padStart(2, '0');
  return `${fmtDateTime(ms, zone)}:${sec}`;
}

function screenRow(
  s: ScreenHealth,
  site: Site,
  canWrite: boolean,
  ctx: PageContext,
  askScreenshot: (s: ScreenHealth, site: Site, button: HTMLButtonElement) => Promise<void>,
  openEdit?: (s: ScreenHealth) => void,
): HTMLElement {
  const zone = site.timeZone;
  const cell = h('td', { class: 'actions' });
  if (canWrite && openEdit && s.status !== 'revoked')
    cell.appendChild(
      h(
        'button',
        {
          type: 'button',
          class: 'small secondary',
          'data-edit': s.screenId,
          onclick: (() => openEdit(s)) as EventListener,
        },
        t('edit'),
        h('span', { class: 'sr-only' }, ` ${s.name}`),
      ),
    );
  if (canWrite && s.status === 'online') {
    const button: HTMLButtonElement = h(
      'button',
      {
        type: 'button',
        class: 'small',
        'data-screenshot': s.screenId,
        onclick: (() => void askScreenshot(s, site, button)) as EventListener,
      },
      t('screenshot'),
    );
    cell.appendChild(button);
  }
  if (canWrite && s.status !== 'revoked') {
    cell.appendChild(
      h(
        'button',
        {
          type: 'button',
          class: 'danger small',
          'data-revoke': s.screenId,
          onclick: (async () => {
            if (!confirm(t('confirmRevoke'))) return;
            try {
              await post(`/screens/${encodeURIComponent(s.screenId)}/revoke`);
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
  const since =
    s.status === 'offline' && s.offlineSince
      ? `${t('offlineSince')} ${fmtDateTime(s.offlineSince, zone)}`
      : s.lastSeenAt
        ? `${t('lastSeen')}: ${fmtDateTime(s.lastSeenAt, zone)}`
        : '';
  return h(
    'tr',
    { 'data-screen': s.screenId, 'data-status': s.status, class: s.warnings.length ? 'has-warning' : '' },
    h('th', { scope: 'row', 'data-label': t('screen') }, s.name),
    h(
      'td',
      { 'data-label': t('status'), class: 'status-cell' },
      h('span', { class: `badge ${s.status}` }, tk(s.status)),
      since ? h('span', { class: 'since' }, since) : null,
    ),
    h(
      'td',
      { 'data-label': t('currentItem'), class: 'now-playing' },
      s.nowPlaying
        ? [
            s.nowPlaying.label,
            h('span', { class: 'since' }, `${t('since')} ${fmtDateTime(s.nowPlaying.startedAt, zone)}`),
          ]
        : '—',
    ),
    h(
      'td',
      { class: 'num', 'data-label': t('todayPlan'), 'data-col': 'today' },
      s.today ? `${fmtNumber(s.today.plays)} / ${fmtNumber(s.today.planned || s.today.target)}` : '—',
    ),
    h(
      'td',
      { 'data-label': t('cacheDisk') },
      s.cache ? `${t('cacheShort')} ${s.cache.ready}/${s.cache.needed}` : '—',
      s.freeDiskBytes !== null
        ? h('span', { class: 'since' }, `${t('diskFree')} ${gb(s.freeDiskBytes)}`)
        : null,
    ),
    h('td', { 'data-label': t('playerVersion') }, s.playerVersion ?? '—'),
    h(
      'td',
      { 'data-label': t('warnings'), class: 'warnings' },
      s.warnings.length
        ? h(
            'ul',
            { class: 'warning-list' },
            s.warnings.map((w) => h('li', { class: 'warning', 'data-warning': w.code }, w.message)),
          )
        : '—',
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

/**
 * Rename a screen or move it to another site in scope. The screen keeps its id, so its plays,
 * plans and audit stay with it; the new site's plan applies from today.
 */
function editForm(sites: Site[]): { form: HTMLElement; open: (s: ScreenHealth) => void } {
  const status = h('div', { id: 'edit-status' });
  const title = h('h2', { id: 'edit-title' }, t('editScreen'));
  const name = h('input', { id: 'edit-name', name: 'name', maxlength: 200, required: true });
  const site = h(
    'select',
    { id: 'edit-site', name: 'siteId' },
    sites.map((x) => h('option', { value: x.id }, x.name)),
  );
  let screenId = '';
  let before: { name: string; siteId: string } = { name: '', siteId: '' };
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'card',
      id: 'edit-form',
      hidden: true,
      'aria-labelledby': 'edit-title',
      onsubmit: submitInto(status, async () => {
        const body: { name?: string; siteId?: string } = {};
        if (name.value !== before.name) body.name = name.value;
        if (site.value !== before.siteId) body.siteId = site.value;
        if (!body.name && !body.siteId) {
          status.appendChild(message('info', t('nothingChanged')));
          return;
        }
        const r = await patch<Screen>(`/screens/${encodeURIComponent(screenId)}`, body);
        before = { name: r.name, siteId: r.siteId };
        const where = sites.find((x) => x.id === r.siteId)?.name ?? r.siteId;
        status.appendChild(message('ok', `${t('saved')}: ${r.name} · ${where}`));
      }),
    },
    title,
    h('p', { class: 'muted' }, t('editHelp')),
    h('div', { class: 'row' }, h('label', null, t('screenName'), name), h('label', null, t('site'), site)),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', id: 'edit-submit' }, t('save')),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: (() => {
            form.hidden = true;
          }) as EventListener,
        },
        t('close'),
      ),
    ),
    status,
  );
  const open = (s: ScreenHealth) => {
    screenId = s.screenId;
    before = { name: s.name, siteId: s.siteId };
    name.value = s.name;
    site.value = s.siteId;
    clear(status);
    clearFieldErrors(form);
    title.textContent = `${t('editScreen')}: ${s.name}`;
    form.hidden = false;
    form.scrollIntoView({ block: 'nearest' });
    name.focus();
  };
  return { form, open };
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

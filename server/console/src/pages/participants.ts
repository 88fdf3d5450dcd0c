import type { Campaign, ParticipantsPreview, RegionNode, Site } from '#shared/schemas/api.ts';
import { VENUE_TYPES, type Participants, type VenueType } from '#shared/schemas/domain.ts';
import { errorText, get, patch, post } from '../api.ts';
import { clear, h, message } from '../dom.ts';
import { fmtNumber } from '../fmt.ts';
import { currentLang, t } from '../i18n.ts';

const VENUES = Object.keys(VENUE_TYPES) as VenueType[];

/**
 * "Phạm vi tham gia": venue types, regions and extra sites of a campaign. The count comes from
 * the server's own participation rule (a preview endpoint), so the page never disagrees with
 * what the planner will do after Save.
 */
export async function participantsSection(
  getCampaign: () => Campaign,
  setCampaign: (c: Campaign) => void,
): Promise<HTMLElement> {
  const [regions, sites] = await Promise.all([
    get<{ items: RegionNode[] }>('/regions'),
    get<{ items: Site[] }>('/sites'),
  ]);
  const start = getCampaign().participants;
  const status = h('div');
  const problem = h('div');
  const count = h('p', { id: 'pt-count', class: 'pt-count' });

  // Venue types. An empty list on the server means "every type", which the boxes show as all ticked,
  // except when the region list is empty too: then only the listed sites take part and no box is ticked.
  const everyType = start.venueTypes.length === 0 && start.regions.length > 0;
  const venueBoxes = VENUES.map((v) =>
    h('input', {
      type: 'checkbox',
      class: 'pt-venue',
      value: v,
      checked: everyType || start.venueTypes.includes(v),
      onchange: (() => schedule()) as EventListener,
    }),
  );
  const venueList = h(
    'div',
    { class: 'pt-venues' },
    VENUES.map((v, i) =>
      h(
        'label',
        { class: 'check' },
        venueBoxes[i],
        currentLang() === 'vi' ? VENUE_TYPES[v].vi : VENUE_TYPES[v].en,
      ),
    ),
  );
  const setAllVenues = (on: boolean) => {
    venueBoxes.forEach((b) => (b.checked = on));
    schedule();
  };

  // Regions: ticking a region covers everything under it, so its descendants show ticked and locked.
  const regionBoxes = new Map<string, { box: HTMLInputElement; node: RegionNode }>();
  const regionItem = (node: RegionNode): HTMLElement => {
    const box = h('input', {
      type: 'checkbox',
      class: 'pt-region',
      value: node.id,
      checked: start.regions.includes(node.id),
      onchange: () => {
        syncRegions();
        schedule();
      },
    });
    regionBoxes.set(node.id, { box, node });
    const label = h('label', { class: 'check' }, box, node.name);
    if (node.children.length === 0) return h('li', null, label);
    // Wards fold away under their district; a city's districts are always shown.
    const children = h('ul', { class: 'pt-tree' }, node.children.map(regionItem));
    if (node.level === 'city' || node.parentId === null) return h('li', null, label, children);
    const openAtStart = node.children.some((c) => start.regions.includes(c.id));
    return h(
      'li',
      null,
      h(
        'details',
        { open: openAtStart },
        h('summary', null, label, h('span', { class: 'muted' }, ` (${node.children.length})`)),
        children,
      ),
    );
  };
  const tree = h('ul', { class: 'pt-tree pt-root', id: 'pt-regions' }, regions.items.map(regionItem));
  const chosenRegions = (): string[] => {
    const out: string[] = [];
    const walk = (node: RegionNode) => {
      const e = regionBoxes.get(node.id)!;
      if (e.box.checked && !e.box.disabled) out.push(node.id);
      else node.children.forEach(walk);
    };
    regions.items.forEach(walk);
    return out;
  };
  const syncRegions = () => {
    const walk = (node: RegionNode, covered: boolean) => {
      const e = regionBoxes.get(node.id)!;
      if (covered) {
        e.box.checked = true;
        e.box.disabled = true;
      } else if (e.box.disabled) {
        e.box.disabled = false;
        e.box.checked = false;
      }
      node.children.forEach((c) => walk(c, covered || e.box.checked));
    };
    regions.items.forEach((n) => walk(n, false));
  };
  syncRegions();

  // Extra sites always take part, whatever the filters say.
  const siteLabel = (s: Site) => `${s.name} (${s.id})`;
  const byId = new Map(sites.items.map((s) => [s.id, s]));
  const extra = new Set(start.sites);
  const siteInput = h('input', {
    id: 'pt-site-input',
    list: 'pt-site-options',
    size: 40,
    placeholder: t('ptSiteHint'),
  });
  const options = h(
    'datalist',
    { id: 'pt-site-options' },
    sites.items.map((s) => h('option', { value: siteLabel(s) })),
  );
  const chips = h('ul', { class: 'pt-sites', id: 'pt-sites' });
  const showChips = () => {
    clear(chips);
    for (const id of extra) {
      chips.appendChild(
        h(
          'li',
          { 'data-site': id },
          byId.get(id)?.name ?? id,
          ' ',
          h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              title: t('remove'),
              onclick: () => {
                extra.delete(id);
                showChips();
                schedule();
              },
            },
            '×',
          ),
        ),
      );
    }
    if (extra.size === 0) chips.appendChild(h('li', { class: 'muted' }, t('ptNoExtraSites')));
  };
  const addSite = () => {
    clear(status);
    const typed = siteInput.value.trim();
    const site =
      sites.items.find((s) => siteLabel(s) === typed || s.id === typed) ??
      sites.items.filter((s) => s.name.toLowerCase() === typed.toLowerCase()).at(0);
    if (!site) {
      status.appendChild(message('error', t('ptUnknownSite')));
      return;
    }
    extra.add(site.id);
    siteInput.value = '';
    showChips();
    schedule();
  };
  siteInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addSite();
    }
  });
  showChips();

  /** The value the server would store, or a sentence saying what to fix. */
  const proposed = (): Participants | string => {
    const ticked = VENUES.filter((_, i) => venueBoxes[i]!.checked);
    const regionIds = chosenRegions();
    if (ticked.length === 0 && regionIds.length > 0) return t('ptPickVenue');
    // Both lists empty means "only the listed sites", so "every type" is spelt out when no region is ticked.
    const venueTypes = ticked.length === VENUES.length && regionIds.length > 0 ? [] : ticked;
    return { regions: regionIds, venueTypes, sites: [...extra] };
  };

  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    const my = ++seq;
    clear(problem);
    const p = proposed();
    if (typeof p === 'string') {
      clear(count);
      problem.appendChild(message('error', p));
      return;
    }
    try {
      const r = await post<ParticipantsPreview>(
        `/campaigns/${encodeURIComponent(getCampaign().id)}/participants/preview`,
        p,
      );
      if (my !== seq) return;
      clear(count);
      count.dataset.sites = String(r.siteIds.length);
      count.dataset.screens = String(r.screenCount);
      count.append(
        h('strong', null, fmtNumber(r.siteIds.length, 0)),
        ` ${t('ptSites')}, `,
        h('strong', null, fmtNumber(r.screenCount, 0)),
        ` ${t('ptScreens')}`,
      );
    } catch (err) {
      if (my === seq) problem.appendChild(message('error', errorText(err)));
    }
  };
  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 100);
  }
  void refresh();

  const save = h(
    'button',
    {
      type: 'button',
      id: 'save-participants',
      onclick: (async () => {
        clear(status);
        const p = proposed();
        if (typeof p === 'string') {
          status.appendChild(message('error', p));
          return;
        }
        save.setAttribute('disabled', '');
        try {
          setCampaign(
            await patch<Campaign>(`/campaigns/${encodeURIComponent(getCampaign().id)}`, { participants: p }),
          );
          status.appendChild(message('ok', t('ptSaved')));
        } catch (err) {
          status.appendChild(message('error', errorText(err)));
        } finally {
          save.removeAttribute('disabled');
        }
      }) as EventListener,
    },
    t('ptSave'),
  );

  return h(
    'section',
    { class: 'card', id: 'participants' },
    h('h2', null, t('ptTitle')),
    h('p', { class: 'muted' }, t('ptHelp')),
    h('h3', null, t('venueType')),
    h(
      'div',
      { class: 'row' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          id: 'pt-venue-all',
          onclick: (() => setAllVenues(true)) as EventListener,
        },
        t('ptAll'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          id: 'pt-venue-none',
          onclick: (() => setAllVenues(false)) as EventListener,
        },
        t('ptNone'),
      ),
    ),
    venueList,
    h('h3', null, t('ptRegions')),
    h('p', { class: 'muted' }, t('ptRegionHelp')),
    tree,
    h('h3', null, t('ptExtraSites')),
    h(
      'div',
      { class: 'row' },
      h('label', null, t('ptFindSite'), siteInput),
      options,
      h(
        'button',
        { type: 'button', class: 'secondary', id: 'pt-site-add', onclick: addSite as EventListener },
        t('ptAdd'),
      ),
    ),
    chips,
    count,
    problem,
    h('div', { class: 'row' }, save),
    status,
  );
}

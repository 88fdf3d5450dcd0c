/**
 * The console shell: login, the header with the language toggle, the role's navigation and a
 * History-API router. Pages are plain functions that fill a container. The server checks every
 * call again; hiding pages only spares people links they cannot use.
 */
// First: the page's CSP allows no eval (see the module).
import '#shared/zod-jitless.ts';
import type { Campaign, Me } from '#shared/schemas/api.ts';
import type { Role } from '#shared/schemas/domain.ts';
import './style.css';
import { currentUser, errorText, get, isUnreachable, post, whenLoggedOut } from './api.ts';
import { clear, h, message, submitInto } from './dom.ts';
import { currentLang, setLang, t, tk, type StringKey } from './i18n.ts';
import { auditPage } from './pages/audit.ts';
import { communicationsPage, warningsPage } from './pages/communications.ts';
import { campaignPage } from './pages/campaign.ts';
import { frequencyPage } from './pages/frequency.ts';
import { loopsPage } from './pages/loops.ts';
import { mediaPage } from './pages/media.ts';
import { notificationsPage } from './pages/notifications.ts';
import { overviewPage } from './pages/overview.ts';
import { reportsPage } from './pages/reports.ts';
import { sitesPage } from './pages/sites.ts';

export interface PageContext {
  me: Me;
  campaign: Campaign | null;
  /** The campaign's zone; dates and times are shown in it unless a site has its own. */
  zone: string;
  /** The server's "now" (a virtual clock when replaying 2024), epoch ms. */
  nowMs: number;
  navigate(path: string): void;
  /** Runs when the page is left or redrawn (closing live streams, timers). */
  onLeave(fn: () => void): void;
  /**
   * `unsaved` says whether the page holds edits not yet saved; while it does, leaving the page
   * (another page, the language switch, logging out, back, reload or closing the tab) asks first.
   */
  guardLeave(unsaved: () => boolean): void;
}

let leaving: (() => void)[] = [];
let guards: (() => boolean)[] = [];
function leavePage(): void {
  const fns = leaving;
  leaving = [];
  guards = [];
  for (const fn of fns) fn();
}

const hasUnsaved = () => guards.some((g) => g());

/** True when the page may be left: nothing unsaved, or the person agreed to drop it. */
function mayLeave(): boolean {
  return !hasUnsaved() || window.confirm(t('unsavedLeave'));
}

// A reload or a closed tab: the browser asks in its own words (it shows no page text).
window.addEventListener('beforeunload', (e) => {
  if (hasUnsaved()) e.preventDefault();
});

type Page = (root: HTMLElement, ctx: PageContext) => Promise<void>;

interface Route {
  path: string;
  label: StringKey;
  roles: Role[];
  page: Page;
}

const ROUTES: Route[] = [
  {
    path: '/',
    label: 'navOverview',
    roles: ['campaign_manager', 'office_head', 'venue_staff', 'auditor'],
    page: overviewPage,
  },
  { path: '/campaign', label: 'navCampaign', roles: ['campaign_manager'], page: campaignPage },
  {
    path: '/sites',
    label: 'navSites',
    roles: ['campaign_manager', 'office_head', 'venue_staff'],
    page: sitesPage,
  },
  {
    path: '/media',
    label: 'navMedia',
    roles: ['campaign_manager', 'office_head', 'venue_staff', 'auditor'],
    page: mediaPage,
  },
  {
    path: '/loops',
    label: 'navLoops',
    roles: ['campaign_manager', 'office_head', 'venue_staff'],
    page: loopsPage,
  },
  {
    path: '/frequency',
    label: 'navFrequency',
    roles: ['campaign_manager', 'office_head'],
    page: frequencyPage,
  },
  {
    path: '/reports',
    label: 'navReports',
    roles: ['campaign_manager', 'office_head', 'auditor'],
    page: reportsPage,
  },
  {
    path: '/communications',
    label: 'navCommunications',
    roles: ['comms_editor', 'comms_approver'],
    page: communicationsPage,
  },
  {
    path: '/warnings',
    label: 'navWarnings',
    roles: ['comms_editor', 'comms_approver'],
    page: warningsPage,
  },
  { path: '/audit', label: 'navAudit', roles: ['campaign_manager', 'auditor'], page: auditPage },
  {
    path: '/notifications',
    label: 'navNotifications',
    roles: ['campaign_manager', 'office_head', 'venue_staff', 'auditor'],
    page: notificationsPage,
  },
];

const app = document.getElementById('app')!;
let me: Me | null = null;

function navigate(path: string): void {
  if (!mayLeave()) return;
  if (location.pathname !== path) history.pushState(null, '', path);
  void render();
}

/** The address of the page on screen, to go back to when "back" is refused. */
let shownPath = location.pathname + location.search;
window.addEventListener('popstate', () => {
  if (!mayLeave()) {
    history.pushState(null, '', shownPath);
    return;
  }
  void render();
});
whenLoggedOut(() => {
  me = null;
  void render();
});

let retryTimer: ReturnType<typeof setTimeout> | null = null;
const RETRY_MS = 5000;

/**
 * The server did not answer: say so in words and try again by itself every few seconds (and at
 * once on the button), so a page left open comes back when the server does.
 */
function unreachableView(into: HTMLElement, err: unknown): void {
  clear(into);
  into.appendChild(
    h(
      'div',
      { class: 'msg msg-error unreachable', role: 'alert', id: 'unreachable' },
      h('p', null, errorText(err)),
      h(
        'button',
        { type: 'button', id: 'retry-now', onclick: (() => void render()) as EventListener },
        t('retry'),
      ),
    ),
  );
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = setTimeout(() => void render(), RETRY_MS);
}

async function render(): Promise<void> {
  leavePage();
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  document.documentElement.lang = currentLang();
  document.title = t('appTitle');
  if (!me) {
    try {
      me = await currentUser();
    } catch (err) {
      if (isUnreachable(err)) {
        const main = h('main', { id: 'page' });
        clear(app);
        app.appendChild(main);
        unreachableView(main, err);
        return;
      }
      me = null;
    }
  }
  clear(app);
  if (!me) {
    app.appendChild(loginView());
    return;
  }
  if (me.mustChangePassword) {
    app.appendChild(changePasswordView());
    return;
  }
  const allowed = ROUTES.filter((r) => r.roles.includes(me!.role));
  // The QR on a waiting screen points at /?pair=CODE: open the pairing form with the code filled in.
  const pairCode = new URLSearchParams(location.search).get('pair');
  if (pairCode && location.pathname === '/' && allowed.some((r) => r.path === '/sites')) {
    history.replaceState(null, '', `/sites?pair=${encodeURIComponent(pairCode)}`);
  }
  const route = allowed.find((r) => r.path === location.pathname) ?? allowed[0]!;
  if (route.path !== location.pathname) history.replaceState(null, '', route.path);
  shownPath = location.pathname + location.search;

  const main = h('main', { id: 'page', 'data-page': route.path });
  app.append(header(me, allowed, route), main);
  main.appendChild(h('p', { class: 'loading' }, t('loading')));
  try {
    const [campaigns, now] = await Promise.all([
      get<{ items: Campaign[] }>('/campaigns'),
      get<{ iso: string; timeZone: string }>('/reports/now'),
    ]);
    const campaign =
      campaigns.items.find((c) => c.runningNow) ??
      campaigns.items.find((c) => c.status === 'active') ??
      campaigns.items[0] ??
      null;
    const ctx: PageContext = {
      me,
      campaign,
      zone: campaign?.timeZone ?? now.timeZone,
      nowMs: Date.parse(now.iso),
      navigate,
      onLeave: (fn) => leaving.push(fn),
      guardLeave: (unsaved) => guards.push(unsaved),
    };
    const body = h('div');
    // Outside the campaign window nothing plays; every page says so plainly, with the dates.
    if (!campaign) body.appendChild(h('p', { class: 'banner', id: 'campaign-phase' }, t('noCampaign')));
    else if (!campaign.runningNow)
      body.appendChild(
        h('p', { class: 'banner', id: 'campaign-phase' }, `${campaign.name}: ${campaign.phaseText}`),
      );
    await route.page(body, ctx);
    clear(main);
    main.appendChild(body);
  } catch (err) {
    if (isUnreachable(err)) unreachableView(main, err);
    else {
      clear(main);
      main.appendChild(message('error', errorText(err)));
    }
  }
}

function header(user: Me, routes: Route[], current: Route): HTMLElement {
  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand' }, h('strong', null, 'iHanoi'), ' ', t('appTitle')),
    h(
      'nav',
      { 'aria-label': 'main' },
      routes.map((r) =>
        h(
          'a',
          {
            href: r.path,
            class: r === current ? 'active' : '',
            'aria-current': r === current ? 'page' : null,
            onclick: ((e: Event) => {
              e.preventDefault();
              navigate(r.path);
            }) as EventListener,
          },
          t(r.label),
        ),
      ),
    ),
    h(
      'div',
      { class: 'user' },
      h('span', { class: 'who' }, user.displayName, ' · ', tk(`role_${user.role}`)),
      languageToggle('lang-toggle'),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          id: 'logout',
          onclick: (async () => {
            if (!mayLeave()) return;
            await post('/auth/logout').catch(() => undefined);
            me = null;
            history.replaceState(null, '', '/');
            void render();
          }) as EventListener,
        },
        t('logout'),
      ),
    ),
  );
}

/** The vi/en switch, in the header and under the login form; the page redraws in the other language. */
function languageToggle(id?: string): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'link',
      id: id ?? null,
      onclick: (() => {
        if (!mayLeave()) return;
        setLang(currentLang() === 'vi' ? 'en' : 'vi');
        void render();
      }) as EventListener,
    },
    t('language'),
  );
}

/** After a one-time password, nothing else until a new password is chosen. */
function changePasswordView(): HTMLElement {
  const status = h('div');
  const current = h('input', {
    id: 'current-password',
    name: 'currentPassword',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const next = h('input', {
    id: 'new-password',
    name: 'newPassword',
    type: 'password',
    autocomplete: 'new-password',
    minlength: 12,
    required: true,
  });
  const again = h('input', {
    id: 'repeat-password',
    type: 'password',
    autocomplete: 'new-password',
    minlength: 12,
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'login card',
      onsubmit: submitInto(status, async () => {
        if (next.value !== again.value) {
          status.appendChild(message('error', t('passwordsDiffer')));
          return;
        }
        await post('/auth/password', { currentPassword: current.value, newPassword: next.value });
        me = await currentUser();
        void render();
      }),
    },
    h('h1', null, t('changePassword')),
    h('p', { class: 'muted' }, t('changePasswordHelp')),
    h('label', null, t('currentPassword'), current),
    h('label', null, t('newPassword'), next),
    h('label', null, t('repeatPassword'), again),
    h('button', { type: 'submit', id: 'password-submit' }, t('save')),
    status,
  );
  return h('main', { class: 'login-wrap', id: 'page' }, form);
}

function loginView(): HTMLElement {
  const status = h('div');
  const user = h('input', { name: 'username', id: 'username', autocomplete: 'username', required: true });
  const pass = h('input', {
    name: 'password',
    id: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'login card',
      onsubmit: submitInto(
        status,
        async () => {
          const res = await post<{ user: Me }>('/auth/login', { username: user.value, password: pass.value });
          me = res.user;
          void render();
        },
        (text) => `${t('loginFailed')}: ${text}`,
      ),
    },
    h('h1', null, t('appTitle')),
    h('label', null, t('username'), user),
    h('label', null, t('password'), pass),
    h('button', { type: 'submit', id: 'login-submit' }, t('login')),
    status,
    languageToggle(),
  );
  return h('main', { class: 'login-wrap', id: 'page' }, form);
}

void render();

import { describe, expect, it } from 'vitest';
import {
  contentSecurityPolicy,
  hardenSession,
  hardenWebContents,
  isAllowedNavigation,
  isAllowedPermission,
  isAllowedRequest,
  type HardenableSession,
  type HardenableWebContents,
  type NavigationEvent,
} from '../../../player/electron/security.ts';

const ORIGIN = 'http://127.0.0.1:47321';

describe('isAllowedNavigation', () => {
  it.each([
    `${ORIGIN}/`,
    `${ORIGIN}/index.html?screen=1#playing`,
    'HTTP://127.0.0.1:47321/upper-case-scheme',
    'http://127.0.0.1:47321/../../etc/passwd', // dot segments resolve inside our own origin
    'http://127.0.0.1:47321\\@evil.com', // a backslash is a path separator for http: URLs
    'http://0x7f.0.0.1:47321/', // hex IPv4 is the same address
    'http://2130706433:47321/', // 127.0.0.1 as one number
    'http://１２７.０.０.１:47321/', // full-width digits normalise to ASCII
    ' \t http://127.0.0.1:47321/', // leading whitespace is stripped by the URL parser
  ])('allows our own origin: %s', (url) => {
    expect(isAllowedNavigation(url, ORIGIN)).toBe(true);
  });

  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(document.cookie)',
    'java\nscript:alert(1)',
    'javascript://127.0.0.1:47321/%0aalert(1)',
    'file:///etc/passwd',
    'FILE:///C:/Windows/win.ini',
    'file://127.0.0.1:47321/etc/passwd',
    'http://127.0.0.1.evil.com:47321/',
    'http://127.0.0.1%2eevil.com:47321/',
    'http://127.0.0.1。evil.com:47321/', // ideographic full stop is a dot
    'http://127.0.0.1@evil.com/',
    'http://127.0.0.1:47321@evil.com/',
    'http://user:pass@evil.com:47321/',
    'http://evil.com/?http://127.0.0.1:47321/',
    'http://127.0.0.1:47322/', // another port
    'http://127.0.0.1/', // port 80
    'http://127.0.0.1:80/',
    'https://127.0.0.1:47321/', // another scheme
    'ws://127.0.0.1:47321/',
    'http://localhost:47321/', // same machine, different origin
    'http://[::1]:47321/',
    'http://127.0.0.2:47321/',
    'http://0.0.0.0:47321/',
    'http://xn--127-0-0-1-evil.com:47321/', // punycode look-alike
    'http://127.0.0.1.xn--e1afmkfd.xn--p1ai:47321/',
    'data:text/html,<script>alert(1)</script>',
    'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'blob:http://evil.com/8a2f4c1e-0000-4000-8000-000000000000',
    'blob:http://127.0.0.1:47321/8a2f4c1e-0000-4000-8000-000000000000', // ours, but never a navigation
    'about:blank',
    'about:srcdoc',
    'view-source:http://127.0.0.1:47321/',
    'chrome://gpu',
    'devtools://devtools/bundled/inspector.html',
    'filesystem:http://127.0.0.1:47321/temporary/x',
    '//evil.com/',
    '/relative/path',
    '',
    'not a url',
  ])('refuses %s', (url) => {
    expect(isAllowedNavigation(url, ORIGIN)).toBe(false);
  });

  it('refuses everything when the allowed origin itself is not an http(s) origin', () => {
    expect(isAllowedNavigation('file:///etc/passwd', 'file:///')).toBe(false);
    expect(isAllowedNavigation('data:,x', 'data:,x')).toBe(false);
    expect(isAllowedNavigation(`${ORIGIN}/`, 'garbage')).toBe(false);
  });
});

describe('isAllowedRequest', () => {
  it.each([
    `${ORIGIN}/media/ihanoi.mp4`,
    'ws://127.0.0.1:47321/ws',
    'data:image/png;base64,iVBORw0KGgo=',
    'blob:http://127.0.0.1:47321/8a2f4c1e-0000-4000-8000-000000000000',
  ])('lets the page load %s', (url) => {
    expect(isAllowedRequest(url, ORIGIN)).toBe(true);
  });

  it.each([
    'https://cdn.evil.com/tracker.js',
    'ws://127.0.0.1:47322/ws',
    'wss://127.0.0.1:47321/ws',
    'ws://evil.com:47321/ws',
    'blob:http://evil.com/8a2f4c1e-0000-4000-8000-000000000000',
    'file:///home/kiosk/.config/ihanoi-player/credentials.bin',
    'http://169.254.169.254/latest/meta-data/',
    'ftp://127.0.0.1:47321/',
  ])('cancels %s', (url) => {
    expect(isAllowedRequest(url, ORIGIN)).toBe(false);
  });
});

describe('isAllowedPermission', () => {
  it('grants full screen to our own origin only', () => {
    expect(isAllowedPermission('fullscreen', `${ORIGIN}/`, ORIGIN)).toBe(true);
    expect(isAllowedPermission('fullscreen', ORIGIN, ORIGIN)).toBe(true);
    expect(isAllowedPermission('fullscreen', 'http://evil.com/', ORIGIN)).toBe(false);
    expect(isAllowedPermission('fullscreen', 'http://127.0.0.1:1/', ORIGIN)).toBe(false);
    expect(isAllowedPermission('fullscreen', '', ORIGIN)).toBe(false);
    expect(isAllowedPermission('fullscreen', 'null', ORIGIN)).toBe(false);
  });

  it.each([
    'media',
    'geolocation',
    'notifications',
    'midiSysex',
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'openExternal',
    'hid',
    'serial',
    'usb',
    'screen-wake-lock',
    'pointerLock',
    'keyboardLock',
    'fileSystem',
    'unknown',
    'FULLSCREEN',
    '',
  ])('denies "%s" even to our own origin', (permission) => {
    expect(isAllowedPermission(permission, `${ORIGIN}/`, ORIGIN)).toBe(false);
  });
});

describe('contentSecurityPolicy', () => {
  it('locks scripts to self, allows the WebSocket twin and forbids framing and plugins', () => {
    const csp = contentSecurityPolicy(ORIGIN);
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:47321']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-eval');
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
    expect(directives.get('style-src')).toEqual(["'self'"]);
  });

  it('uses wss: for an https origin', () => {
    expect(contentSecurityPolicy('https://127.0.0.1:8443')).toContain(
      "connect-src 'self' wss://127.0.0.1:8443",
    );
  });
});

// A small in-memory stand-in for Electron's Session/WebContents event plumbing: the handlers
// under test are ours, so only the registration surface is faked.
function fakeSession() {
  const s = {
    requestHandler: undefined as Parameters<HardenableSession['setPermissionRequestHandler']>[0] | undefined,
    checkHandler: undefined as Parameters<HardenableSession['setPermissionCheckHandler']>[0] | undefined,
    headers: undefined as Parameters<HardenableSession['webRequest']['onHeadersReceived']>[0] | undefined,
    before: undefined as Parameters<HardenableSession['webRequest']['onBeforeRequest']>[0] | undefined,
  };
  const session: HardenableSession = {
    setPermissionRequestHandler: (h) => (s.requestHandler = h),
    setPermissionCheckHandler: (h) => (s.checkHandler = h),
    webRequest: {
      onHeadersReceived: (l) => (s.headers = l),
      onBeforeRequest: (l) => (s.before = l),
    },
  };
  return { s, session };
}

describe('hardenSession', () => {
  it('answers permission requests and checks through isAllowedPermission', () => {
    const { s, session } = fakeSession();
    const logged: string[] = [];
    hardenSession(session, ORIGIN, (m) => logged.push(m));
    const answers: boolean[] = [];
    s.requestHandler!(null, 'media', (g) => answers.push(g), { requestingUrl: `${ORIGIN}/` });
    s.requestHandler!(null, 'fullscreen', (g) => answers.push(g), { requestingUrl: `${ORIGIN}/` });
    s.requestHandler!(null, 'fullscreen', (g) => answers.push(g), {});
    expect(answers).toEqual([false, true, false]);
    expect(logged.some((m) => m.includes('"media"'))).toBe(true);
    expect(s.checkHandler!(null, 'geolocation', ORIGIN)).toBe(false);
    expect(s.checkHandler!(null, 'fullscreen', ORIGIN)).toBe(true);
  });

  it('replaces any CSP the server sent with ours, whatever its header case', () => {
    const { s, session } = fakeSession();
    hardenSession(session, ORIGIN);
    let out: Record<string, string | string[]> | undefined;
    s.headers!(
      {
        url: `${ORIGIN}/`,
        responseHeaders: { 'content-type': ['text/html'], 'content-security-policy': ['script-src *'] },
      },
      (r) => (out = r.responseHeaders),
    );
    expect(out).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': [contentSecurityPolicy(ORIGIN)],
    });
  });

  it('cancels requests that leave our origin', () => {
    const { s, session } = fakeSession();
    hardenSession(session, ORIGIN);
    const verdicts: Array<boolean | undefined> = [];
    s.before!({ url: `${ORIGIN}/media/a.mp4` }, (r) => verdicts.push(r.cancel));
    s.before!({ url: 'https://evil.com/x.js' }, (r) => verdicts.push(r.cancel));
    expect(verdicts).toEqual([false, true]);
  });
});

describe('hardenWebContents', () => {
  function fakeContents() {
    const listeners = new Map<string, (...args: never[]) => unknown>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
    let devToolsClosed = 0;
    const contents: HardenableWebContents = {
      on: (event: string, listener: (...args: never[]) => unknown) => {
        listeners.set(event, listener);
        return contents;
      },
      setWindowOpenHandler: (h) => (openHandler = h),
      closeDevTools: () => {
        devToolsClosed++;
      },
    };
    const emit = (event: string, ...args: unknown[]) =>
      (listeners.get(event) as ((...a: unknown[]) => unknown) | undefined)?.(...args);
    return {
      contents,
      emit,
      open: (url: string) => openHandler!({ url }),
      devToolsClosed: () => devToolsClosed,
    };
  }

  function navEvent(url: string | undefined) {
    const e: NavigationEvent & { prevented: boolean } = {
      url,
      prevented: false,
      preventDefault() {
        e.prevented = true;
      },
    };
    return e;
  }

  it('cancels off-origin navigations and redirects, reading the URL from the event or the legacy argument', () => {
    const { contents, emit } = fakeContents();
    hardenWebContents(contents, ORIGIN);
    const ok = navEvent(`${ORIGIN}/next`);
    const evil = navEvent('http://127.0.0.1@evil.com/');
    const legacy = navEvent(undefined);
    const redirect = navEvent('file:///etc/passwd');
    emit('will-navigate', ok, '');
    emit('will-navigate', evil, '');
    emit('will-navigate', legacy, 'javascript:alert(1)');
    emit('will-redirect', redirect, '');
    expect([ok.prevented, evil.prevented, legacy.prevented, redirect.prevented]).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it('denies new windows, blocks webviews and closes DevTools', () => {
    const { contents, emit, open, devToolsClosed } = fakeContents();
    hardenWebContents(contents, ORIGIN);
    expect(open(`${ORIGIN}/popup`)).toEqual({ action: 'deny' });
    const webview = navEvent(undefined);
    emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    emit('devtools-opened');
    expect(devToolsClosed()).toBe(1);
  });

  it('leaves DevTools open when allowed (development)', () => {
    const { contents, emit, devToolsClosed } = fakeContents();
    hardenWebContents(contents, ORIGIN, { allowDevTools: true });
    emit('devtools-opened');
    expect(devToolsClosed()).toBe(0);
  });
});

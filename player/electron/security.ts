/**
 * Window security for the kiosk. The window shows exactly one thing: the display page served by
 * the player core on http://127.0.0.1:<port>/. Everything else (other origins, file:, data: and
 * javascript: navigations, pop-ups, webviews, device permissions) is refused.
 *
 * The decisions are pure functions over strings so that they can be tested against hostile
 * input under plain Node; `hardenSession`/`hardenWebContents` only attach them to Electron's
 * hooks. Electron objects come in as narrow structural types, never through `import 'electron'`.
 */

/** The origin ("scheme://host:port") of an absolute URL, or null for anything unparseable. */
function originOf(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when a top-level navigation to `url` stays on the display page's own origin.
 * Comparison is on the WHATWG-parsed origin (scheme, host and port after normalisation), so
 * "HTTP://127.0.0.1:PORT" is ours while "http://127.0.0.1@evil.com", "http://127.0.0.1.evil.com"
 * and "http://localhost:PORT" are not. blob:, data:, file:, javascript: and about: never pass,
 * even when their embedded origin matches: the page has no reason to navigate to them.
 */
export function isAllowedNavigation(url: string, allowedOrigin: string): boolean {
  const allowed = originOf(allowedOrigin);
  const target = originOf(url);
  if (!allowed || !target) return false;
  if (allowed.protocol !== 'http:' && allowed.protocol !== 'https:') return false;
  return target.protocol === allowed.protocol && target.origin === allowed.origin;
}

/**
 * True when the page may load `url` as a subresource or connect to it: our own origin over
 * http(s), its WebSocket twin (ws/wss on the same host and port), data: images such as a QR
 * code, and blob: URLs minted by our own origin. A request anywhere else is cancelled even if a
 * CSP gap let it through.
 */
export function isAllowedRequest(url: string, allowedOrigin: string): boolean {
  const allowed = originOf(allowedOrigin);
  const target = originOf(url);
  if (!allowed || !target) return false;
  if (target.protocol === 'data:') return true;
  if (target.protocol === 'blob:') return target.origin === allowed.origin;
  if (isAllowedNavigation(url, allowedOrigin)) return true;
  const wsTwin = allowed.protocol === 'https:' ? 'wss:' : 'ws:';
  return target.protocol === wsTwin && target.host === allowed.host;
}

/** The only permission the display page can hold. */
const GRANTABLE_PERMISSIONS: ReadonlySet<string> = new Set(['fullscreen']);

/**
 * Permission requests and checks: everything is refused except full screen for our own origin
 * (the page may ask for it to recover after a display reconnect). Camera, microphone,
 * geolocation, notifications, USB/serial/HID, clipboard, wake locks and the rest are denied:
 * a signage page needs none of them, and staying awake is the main process's job.
 */
export function isAllowedPermission(
  permission: string,
  requestingUrl: string,
  allowedOrigin: string,
): boolean {
  if (!GRANTABLE_PERMISSIONS.has(permission)) return false;
  const allowed = originOf(allowedOrigin);
  const requesting = originOf(requestingUrl);
  if (!allowed || !requesting) return false;
  return requesting.origin === allowed.origin;
}

/**
 * The Content-Security-Policy added to every response shown in the kiosk window, whatever
 * the page itself declares. No inline script or style (the display page sets styles through
 * the CSSOM, which CSP allows). Media and images may be blob:/data: (preloaded videos, QR
 * codes). Nothing may be framed, posted or used as a base URL.
 */
export function contentSecurityPolicy(origin: string): string {
  const allowed = new URL(origin);
  const ws = `${allowed.protocol === 'https:' ? 'wss:' : 'ws:'}//${allowed.host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

// ---- wiring: narrow views of Electron's Session and WebContents ----

export interface HardenableSession {
  setPermissionRequestHandler(
    handler: (
      webContents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { requestingUrl?: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string | string[]> },
        callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void,
      ) => void,
    ): void;
    onBeforeRequest(
      listener: (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void,
    ): void;
  };
}

export interface NavigationEvent {
  url?: string | undefined;
  preventDefault(): void;
}

export interface HardenableWebContents {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: NavigationEvent, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'devtools-opened', listener: () => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  closeDevTools(): void;
}

export type SecurityLog = (message: string) => void;

/**
 * Attaches the permission handlers, the CSP and the request filter to the kiosk window's own
 * session partition. The partition is private to the window, so electron-updater's requests
 * (which use their own session) are not filtered here.
 */
export function hardenSession(session: HardenableSession, origin: string, log: SecurityLog = () => {}): void {
  const csp = contentSecurityPolicy(origin);
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const granted = isAllowedPermission(permission, details.requestingUrl ?? '', origin);
    if (!granted) log(`refused permission request "${permission}" from ${details.requestingUrl ?? '?'}`);
    callback(granted);
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isAllowedPermission(permission, requestingOrigin, origin),
  );
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url, origin);
    if (!allowed) log(`blocked request to ${details.url}`);
    callback({ cancel: !allowed });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    // Header names arrive in the server's own case; drop any CSP it sent so ours is the one
    // in force rather than being intersected with a looser or stricter copy.
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    );
    headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
}

/**
 * Keeps the window on the display page: off-origin navigations and redirects are cancelled,
 * window.open and target=_blank are denied, <webview> never attaches, and DevTools close as
 * soon as they open unless `allowDevTools` (development only).
 */
export function hardenWebContents(
  contents: HardenableWebContents,
  origin: string,
  opts: { allowDevTools?: boolean; log?: SecurityLog } = {},
): void {
  const log = opts.log ?? (() => {});
  const guard = (kind: string) => (event: NavigationEvent, legacyUrl: string) => {
    const url = event.url ?? legacyUrl;
    if (!isAllowedNavigation(url, origin)) {
      event.preventDefault();
      log(`blocked ${kind} to ${url}`);
    }
  };
  contents.on('will-navigate', guard('navigation'));
  contents.on('will-redirect', guard('redirect'));
  contents.setWindowOpenHandler((details) => {
    log(`blocked new window for ${details.url}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
  if (!opts.allowDevTools) {
    contents.on('devtools-opened', () => contents.closeDevTools());
  }
}

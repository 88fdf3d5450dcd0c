/**
 * The console, /docs and the display page still work under their Content Security Policy: every
 * page renders, and Chromium reports no violation (a blocked inline style or script would).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DisplayServer } from '#player/core/display-server.ts';
import { closeConsoleWorld, logIn, openConsoleWorld, type Browser } from './browser.ts';
import type { TestServer } from '../helpers/server.ts';

let t: TestServer;
let b: Browser;

beforeAll(async () => {
  ({ t, b } = await openConsoleWorld({
    plays: true,
    user: {
      username: 'quanly',
      role: 'campaign_manager',
      password: 'mat-khau-quan-ly-1',
      displayName: 'Nguyễn Quản Lý',
    },
  }));
  // Injected by the browser driver, outside the page's policy: it only listens.
  await b.context.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
});
afterAll(() => closeConsoleWorld(b, t));

const violations = (page: Page) =>
  page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  return errors;
}

it('renders every console page of a campaign manager with no CSP violation', async () => {
  const { page } = b;
  const errors = consoleErrors(page);
  await logIn(page, t.url, 'quanly', 'mat-khau-quan-ly-1');
  const links = await page.locator('nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
  expect(links.length).toBeGreaterThanOrEqual(5);
  for (const href of links) {
    await page.click(`nav a[href="${href}"]`);
    await page.waitForSelector(`main#page[data-page="${href}"]`);
    await page.waitForFunction(() => !document.querySelector('main#page .loading'));
    await expect(page.locator('main#page h1').first().textContent()).resolves.toBeTruthy();
  }
  // The pairing form's code box is upper-cased by a class, not a blocked style attribute.
  await page.click('nav a[href="/sites"]');
  await page.waitForSelector('#pair-code');
  await page.fill('#pair-code', 'abc234');
  await expect(page.$eval('#pair-code', (el) => getComputedStyle(el).textTransform)).resolves.toBe(
    'uppercase',
  );
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

it('renders /docs (swagger-ui) with no CSP violation', async () => {
  const { page } = b;
  const errors = consoleErrors(page);
  await page.goto(t.url + '/docs');
  await page.waitForSelector('.swagger-ui .info .title');
  await expect(page.locator('.swagger-ui .info .title').textContent()).resolves.toContain(
    'iHanoi signage API',
  );
  await page.waitForSelector('.opblock-tag-section');
  expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
  expect(await violations(page)).toEqual([]);
  expect(errors).toEqual([]);
});

it('renders the display page from the player core under its CSP headers', async () => {
  const server = new DisplayServer({
    port: 0,
    log: () => undefined,
    mediaFile: () => undefined,
    mimeOf: () => 'video/mp4',
    onMessage: () => undefined,
    onConnect: () => undefined,
    onDisconnect: () => undefined,
  });
  const url = await server.start();
  try {
    const res = await fetch(url);
    await res.text();
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await b.context.newPage();
    const errors = consoleErrors(page);
    await page.goto(url);
    // The core's socket connects and the page leaves "connecting" only for a real core; here it
    // must at least render its first screen with its script and styles running.
    await page.waitForFunction(() => document.body.className.startsWith('screen-'));
    await expect(page.locator('#screen-connecting').isVisible()).resolves.toBe(true);
    expect(await violations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  } finally {
    await server.stop();
  }
});

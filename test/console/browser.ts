/**
 * Real Chromium (playwright-core, /usr/bin/chromium) against a real server. Each test file gets
 * a fresh profile directory, so no cookie or localStorage leaks between files.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CONSOLE_DIST } from '#server/routes/console.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createUser, seedPlays, seedWorld } from '../server/reports/seed.ts';

const CONSOLE_SRC = join(CONSOLE_DIST, '..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestSource(p) : st.mtimeMs);
  }
  return newest;
}

/**
 * `npm test` builds the console first (pretest); a direct `vitest run` builds it here when
 * dist/ is missing or older than the sources. A lock directory keeps parallel files from
 * building at once.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(CONSOLE_DIST, 'index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestSource(CONSOLE_SRC);
  if (fresh()) return;
  const lock = join(tmpdir(), 'ihanoi-console-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    const { build } = await import('vite');
    await build({ configFile: join(CONSOLE_SRC, 'vite.config.ts'), logLevel: 'error' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  downloads: string;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'ihanoi-chromium-'));
  const downloads = mkdtempSync(join(tmpdir(), 'ihanoi-downloads-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    downloadsPath: downloads,
    locale: 'vi-VN',
    // A browser far from Hà Nội: the console must still show times in the site's zone.
    timezoneId: 'America/New_York',
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  return {
    context,
    page,
    downloads,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(downloads, { recursive: true, force: true });
    },
  };
}

export async function logIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl + '/');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login-submit');
  await page.waitForSelector('header.top');
}

export interface ConsoleWorld {
  t: TestServer;
  b: Browser;
}

/**
 * The setup every role's console test shares: the built console, a server holding the seeded
 * world (and its week of plays when `plays` is set), one user of the role under test, Chromium.
 * A server already started is closed again when a later step fails, so no port is left open.
 */
export async function openConsoleWorld(opts: {
  user: Parameters<typeof createUser>[1];
  plays?: boolean;
}): Promise<ConsoleWorld> {
  await ensureConsoleBuilt();
  const t = await startTestServer();
  try {
    await seedWorld(t.app);
    if (opts.plays) seedPlays(t.app);
    await createUser(t.app, opts.user);
    return { t, b: await openBrowser() };
  } catch (err) {
    await t.close();
    throw err;
  }
}

/** Closes what `openConsoleWorld` opened; either may be missing when setup failed. */
export async function closeConsoleWorld(b: Browser | undefined, t: TestServer | undefined): Promise<void> {
  await b?.close();
  await t?.close();
}

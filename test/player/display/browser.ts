/**
 * Debian's Chromium driven by playwright-core, the same browser venue staff run in kiosk mode.
 * Each launch gets a fresh profile in a temp dir, removed on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors, for a test to show when it fails. */
  logs: string[];
  close(): Promise<void>;
}

export async function launchDisplayBrowser(
  opts: { width?: number; height?: number } = {},
): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'ihanoi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 720 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const logs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    logs,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium through the console and a real display page: the three flows of issue 15.
 * - a department editor drafts a communication and the city office approves it;
 * - a ward editor tries to re-send the city's item and is refused, with the item named;
 * - a district approver airs an urgent warning, a connected display (a real player core and its
 *   display page) shows it, and it is cancelled.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { VirtualClock } from '#shared/clock.ts';
import { hashToken } from '#server/auth/passwords.ts';
import { accountService } from '#server/auth/accounts.ts';
import { FileCredentialStore, startPlayerCore, type PlayerCore } from '#player/core/index.ts';
import { startSeededServer } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';
import { ensureConsoleBuilt, logIn, openBrowser, type Browser } from './browser.ts';

const PASSWORD = 'mat-khau-truyen-thong-1';
const DISPLAY_DIST = join(import.meta.dirname, '../../player/display/dist');

let t: TestServer;
let b: Browser;
let core: PlayerCore | undefined;
let playerDir = '';
let video = '';

async function as(page: Page, username: string, path: string): Promise<void> {
  await page.context().clearCookies();
  await logIn(page, t.url, username, PASSWORD);
  await page.click(`nav a[href="${path}"]`);
  await page.waitForSelector(path === '/warnings' ? '#warn-form' : '#comm-form');
}

beforeAll(async () => {
  if (!existsSync(join(DISPLAY_DIST, 'index.html')))
    throw new Error('player/display/dist is missing: run `npm run build:web` (npm test does it in pretest)');
  await ensureConsoleBuilt();
  t = await startSeededServer();
  const accounts = accountService(t.db, t.app.repos, t.clock);
  const users: Array<[string, 'comms_editor' | 'comms_approver', string]> = [
    ['so.ytd', 'comms_editor', 'ha-noi'],
    ['vp.ubnd', 'comms_approver', 'ha-noi'],
    ['bt.bachkhoa', 'comms_editor', 'ha-noi/hai-ba-trung/bach-khoa'],
    ['ubnd.hbt', 'comms_approver', 'ha-noi/hai-ba-trung'],
  ];
  for (const [username, role, region] of users)
    await accounts.create(
      { username, displayName: username, role, password: PASSWORD, scopes: [{ kind: 'region', id: region }] },
      'test',
    );
  video = (
    t.db.prepare("SELECT sha256 FROM media WHERE mime_type LIKE 'video/%' LIMIT 1").get() as {
      sha256: string;
    }
  ).sha256;
  b = await openBrowser();
});

afterAll(async () => {
  await core?.stop();
  await b.close();
  await t.close();
  if (playerDir) rmSync(playerDir, { recursive: true, force: true });
});

describe('communications and urgent warnings in the console', () => {
  it('a department editor drafts, the city office approves', async () => {
    const { page } = b;
    await as(page, 'so.ytd', '/communications');
    await page.fill('#comm-title', 'Cài iHanoi để gửi phản ánh');
    await page.fill('#comm-body', 'Tải ứng dụng Công dân Thủ đô số.');
    await page.selectOption('#comm-media', video);
    await page.fill('#comm-doc', '2720/UBND-TTĐT');
    await page.fill('#comm-last', '20/09/2024');
    await page.fill('#comm-per-day', '6');
    await page.click('#comm-save');
    await page.waitForSelector('#comm-form-status .msg-ok');
    await expect(page.textContent('#comm-form-status')).resolves.toContain('tt-0001');
    await page.click('#comm-table tr[data-id="tt-0001"] button.submit');
    await page.waitForSelector('#comm-table tr[data-id="tt-0001"] td.status-edited');
    // The department has no approve button.
    expect(await page.locator('#comm-table tr[data-id="tt-0001"] button.approve').count()).toBe(0);

    await as(page, 'vp.ubnd', '/communications');
    await page.click('#comm-table tr[data-id="tt-0001"] button.approve');
    await page.waitForSelector('#comm-table tr[data-id="tt-0001"] td.status-on_air');
    expect(t.app.repos.communications.getCommunication('tt-0001')).toMatchObject({
      status: 'on_air',
      level: 'city',
    });
  });

  it("a ward editor tries to re-send the city's item and is refused, with the item named", async () => {
    const { page } = b;
    await as(page, 'bt.bachkhoa', '/communications');
    // The city's item is listed as already reaching this ward.
    await page.waitForSelector('#comm-above-table tr[data-id="tt-0001"]');
    await page.fill('#comm-title', 'Cài iHanoi (phường Bách Khoa)');
    await page.selectOption('#comm-media', video);
    await page.click('#comm-save');
    const refusal = await page.waitForSelector('#comm-form-status .msg-error');
    const text = (await refusal.textContent()) ?? '';
    expect(text).toContain('tt-0001');
    expect(text).toContain('Cài iHanoi để gửi phản ánh');
    expect(t.app.repos.communications.listCommunications().length).toBe(1);
    const audit = t.app.repos.audit.page(0, Number.MAX_SAFE_INTEGER, 1, 0)[0]!;
    expect(audit).toMatchObject({ action: 'communication.resend_refused' });
  });

  it('a district approver airs an urgent warning, a connected display shows it, then it is cancelled', async () => {
    // A paired screen in a ward of the district, with a real player core and its display page.
    const screenId = (
      t.db
        .prepare("SELECT id FROM screens WHERE site_id = 'mot-cua-phuong-bach-khoa' ORDER BY id LIMIT 1")
        .get() as { id: string }
    ).id;
    const token = 'display-test-token-0123456789';
    t.db
      .prepare("UPDATE screens SET token_hash = ?, status = 'offline' WHERE id = ?")
      .run(hashToken(token), screenId);
    playerDir = mkdtempSync(join(tmpdir(), 'ihanoi-player-'));
    const creds = new FileCredentialStore(playerDir);
    await creds.save({ screenId, token, serverUrl: t.url });
    // Connected means the server has welcomed it (the core's own state, checked until true).
    const connected = new Promise<void>((resolve) => {
      const iv = setInterval(() => {
        if (core?.snapshot().connected) {
          clearInterval(iv);
          resolve();
        }
      }, 20);
    });
    core = await startPlayerCore({
      serverUrl: t.url,
      dataDir: playerDir,
      clock: new VirtualClock(t.clock.now()),
      credentials: creds,
      log: () => {},
      tickMs: 50,
      backoff: { baseMs: 50, capMs: 200 },
    });
    await connected;
    const display = await b.context.newPage();
    await display.goto(core.displayUrl);
    await display.waitForFunction(() => (window.__displayStats as { connected: boolean }).connected);

    const { page } = b;
    await as(page, 'ubnd.hbt', '/warnings');
    await page.fill('#warn-headline', 'Ngập sâu phố Bạch Mai');
    await page.fill('#warn-body', 'Tránh đi qua đoạn Bạch Mai – Minh Khai.');
    await page.selectOption('#warn-display', 'fullscreen');
    await page.click('#warn-save');
    await page.waitForSelector('#warn-table tr[data-id="cb-0001"] td.status-pending');

    const proof = (kind: 'shown' | 'cleared') =>
      new Promise<void>((resolve) => {
        const off = t.app.events.on('warning-proof', (e) => {
          if (e.warningId === 'cb-0001' && e[kind] > 0) {
            off();
            resolve();
          }
        });
      });
    const shown = proof('shown');
    await page.click('#warn-table tr[data-id="cb-0001"] button.approve');
    // The screen reports it shown (proof of display), and it is on the display page, full screen.
    await shown;
    const overlay = await display.waitForSelector('#overlay.urgent.fullscreen:not([hidden])');
    expect(await overlay.textContent()).toContain('Ngập sâu phố Bạch Mai');
    expect(await overlay.getAttribute('data-urgent-id')).toBe('cb-0001');
    // The console shows, live, how many screens in scope have shown it.
    const inScope = t.app.repos.communications.screensInRegions(['ha-noi/hai-ba-trung']).length;
    await page.waitForFunction(
      (want) => document.querySelector('#warn-table tr[data-id="cb-0001"] td.shown')?.textContent === want,
      `1/${inScope}`,
    );

    const cleared = proof('cleared');
    await page.click('#warn-table tr[data-id="cb-0001"] button.cancel');
    await cleared;
    await display.waitForSelector('#overlay', { state: 'hidden' });
    await page.waitForSelector('#warn-table tr[data-id="cb-0001"] td.status-cancelled');
    const actions = t.app.repos.audit
      .page(0, Number.MAX_SAFE_INTEGER, 10, 0)
      .filter((a) => a.object_id === 'cb-0001')
      .map((a) => a.action)
      .reverse();
    expect(actions).toEqual(['warning.create', 'warning.approve', 'warning.air', 'warning.cancel']);
    await display.close();
  });
});

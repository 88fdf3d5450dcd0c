/**
 * axe-core on every console page, for every role, in the real Chromium: 0 serious or critical
 * findings, at the desktop size and on a phone (390 px), plus the login page.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Role } from '#shared/schemas/domain.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createUser, MEDIA, seedPlays, seedWorld, SITES } from '../server/reports/seed.ts';
import { seriousFindings, type AxeFinding } from './axe.ts';
import { ensureConsoleBuilt, logIn, openBrowser, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;

const USERS: { username: string; role: Role; sites?: string[] }[] = [
  { username: 'quanly', role: 'campaign_manager' },
  { username: 'truong', role: 'office_head', sites: [SITES[2].id] },
  { username: 'nhanvien', role: 'venue_staff', sites: [SITES[1].id] },
  { username: 'kiemtoan', role: 'auditor' },
];
const PASSWORD = 'mat-khau-kiem-tra-axe-1';

beforeAll(async () => {
  await ensureConsoleBuilt();
  t = await startTestServer();
  await seedWorld(t.app);
  seedPlays(t.app);
  // A loop at two sites and the plans that follow, so the loop editor and its day preview have
  // items, spots and showings for axe to look at.
  const poster = 'a'.repeat(64);
  t.app.repos.media.add(
    {
      sha256: poster,
      kind: 'image',
      mime_type: 'image/png',
      duration_ms: 10_000,
      bytes: 1000,
      original_name: 'ap-phich.png',
      width: 640,
      height: 360,
    },
    'test',
  );
  for (const site of [SITES[1].id, SITES[2].id])
    t.app.repos.loops.save(
      { siteId: site, screenId: null },
      [
        { mediaSha256: poster, durationMs: 10_000 },
        { mediaSha256: MEDIA, durationMs: 15_000 },
      ],
      {},
      'test',
    );
  t.app.plans.replan();
  for (const u of USERS)
    await createUser(t.app, { ...u, password: PASSWORD, displayName: `Người dùng ${u.username}` });
  b = await openBrowser();
});
afterAll(async () => {
  await b.close();
  await t.close();
});

async function pageFindings(path: string): Promise<AxeFinding[]> {
  const { page } = b;
  await page.click(`nav a[href="${path}"]`);
  await page.waitForSelector(`main[data-page="${path}"] > div`);
  return seriousFindings(page);
}

it('the login page has no serious or critical axe finding', async () => {
  await b.page.goto(t.url + '/');
  await b.page.waitForSelector('#login-submit');
  await expect(seriousFindings(b.page)).resolves.toEqual([]);
});

for (const u of USERS) {
  it(`every page of a ${u.role} has no serious or critical axe finding, on a desktop and on a phone`, async () => {
    const { page } = b;
    await b.context.clearCookies();
    await page.setViewportSize({ width: 1366, height: 768 });
    await logIn(page, t.url, u.username, PASSWORD);
    const paths = await page.locator('nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(paths.length).toBeGreaterThan(2);
    const found: Record<string, AxeFinding[]> = {};
    for (const width of [1366, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 768 });
      for (const p of paths) {
        const f = await pageFindings(p);
        if (f.length) found[`${width} ${p}`] = f;
      }
    }
    expect(found).toEqual({});
  });
}

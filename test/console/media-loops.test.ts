/**
 * The media library, the loop editor and the campaign list in real Chromium (issue 14, part 6):
 * an upload whose progress bar reaches 100 % and whose row appears with its thumbnail; files
 * the library would refuse, refused before they are sent with what to fix; a loop reordered by
 * keyboard and by drag, saved, and still so after a reload; the day preview showing each spot
 * at the second the stored plan gives it, in the site's zone (the browser is in New York); and
 * every campaign on the campaign page.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatDate, formatTime, instantToZoned } from '#shared/time.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CAMPAIGN, createUser, SCREENS, SITES, seedWorld, ZONE } from '../server/reports/seed.ts';
import { closeConsoleWorld, ensureConsoleBuilt, logIn, openBrowser, type Browser } from './browser.ts';

const MEDIA_DIR = join(import.meta.dirname, '..', '..', 'playlists', 'media');
const FILES = {
  notice: join(MEDIA_DIR, 'loop-notice.jpg'),
  qr: join(MEDIA_DIR, 'loop-qr.png'),
  poster: join(MEDIA_DIR, 'loop-poster.webp'),
  clip: join(MEDIA_DIR, 'test-clip.webm'),
};
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const SITE = SITES[1]; // Bộ phận một cửa, open 07:00–19:00 every day; screen scr-bk-2
const PASSWORD = 'mat-khau-kiem-tra-thu-vien-1';

let t: TestServer;
let b: Browser;
let tmp: string;

beforeAll(async () => {
  await ensureConsoleBuilt();
  // 81.9 kB: the loop images and the test clip fit, a 100 kB file does not.
  t = await startTestServer({ config: { maxUploadMb: 0.08 } });
  await seedWorld(t.app);
  await createUser(t.app, {
    username: 'nhanvien',
    role: 'venue_staff',
    password: PASSWORD,
    sites: [SITE.id],
  });
  await createUser(t.app, { username: 'quanly', role: 'campaign_manager', password: PASSWORD });
  b = await openBrowser();
  tmp = mkdtempSync(join(tmpdir(), 'ihanoi-upload-'));
});
afterAll(async () => {
  await closeConsoleWorld(b, t);
  rmSync(tmp, { recursive: true, force: true });
});

/** Chooses `file` on the library page and uploads it; resolves when the row is in the table. */
async function upload(file: string, seconds?: number): Promise<void> {
  const { page } = b;
  await page.setInputFiles('#media-file', file);
  if (seconds !== undefined) await page.fill('#media-seconds', String(seconds));
  await page.click('#media-upload');
  await page.waitForSelector(`#media-table tr[data-sha="${sha(file)}"]`);
}

const loopOrder = () =>
  b.page.locator('#loop-items li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-sha')));

it('venue staff upload an image: the bar reaches 100 % and the row shows its thumbnail; refused files say what to fix', async () => {
  const { page } = b;
  await logIn(page, t.url, 'nhanvien', PASSWORD);
  await page.click('nav a[href="/media"]');
  await page.waitForSelector('#media-upload');

  // Record every value the progress bar takes, from the page itself.
  await page.evaluate(() => {
    const bar = document.querySelector<HTMLProgressElement>('#media-progress')!;
    const seen: number[] = [];
    (window as unknown as { seen: number[] }).seen = seen;
    new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true });
    const pct = document.querySelector('#media-pct')!;
    new MutationObserver(() => seen.push(Number(pct.textContent.replace(/\D/g, '')) / 100)).observe(pct, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await upload(FILES.notice, 12);
  await expect(page.textContent('#media-pct')).resolves.toBe('100 %');
  await expect(
    page.evaluate(() => document.querySelector<HTMLProgressElement>('#media-progress')!.value),
  ).resolves.toBe(1);
  const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
  expect(seen.at(-1)).toBe(1);
  expect(seen.every((v, i) => i === 0 || v >= seen[i - 1]! || v === 0)).toBe(true);

  const row = page.locator(`#media-table tr[data-sha="${sha(FILES.notice)}"]`);
  await expect(row.locator('td[data-col="kind"]').textContent()).resolves.toBe('Ảnh');
  await expect(row.locator('td[data-col="duration"]').textContent()).resolves.toBe('12 giây');
  await expect(row.locator('td[data-col="used"]').textContent()).resolves.toBe('Chưa dùng');
  // The thumbnail is a real, decoded image served by the server.
  const thumb = row.locator('img.thumb');
  await expect(thumb.getAttribute('src')).resolves.toBe(`/api/v1/media/${sha(FILES.notice)}/thumbnail`);
  await page.waitForFunction((s) => {
    const img = document.querySelector<HTMLImageElement>(`#media-table tr[data-sha="${s}"] img.thumb`);
    return img?.complete && img.naturalWidth > 0;
  }, sha(FILES.notice));
  await expect(page.textContent('#media-status')).resolves.toContain('loop-notice.jpg');
  expect(t.app.repos.media.get(sha(FILES.notice))).toMatchObject({ kind: 'image', duration_ms: 12_000 });

  // Wrong type: a GIF is refused before it is sent, naming the formats to export to.
  const gif = join(tmp, 'bang-tin.gif');
  writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'binary'));
  const before = t.app.repos.media.list().length;
  await page.setInputFiles('#media-file', gif);
  await page.click('#media-upload');
  const wrong = await page.locator('#media-status .msg-error').textContent();
  expect(wrong).toContain('bang-tin.gif');
  expect(wrong).toContain('image/gif');
  expect(wrong).toContain('MP4, WebM');
  expect(wrong).toContain('JPEG, PNG, WebP');
  // Too big: 100 kB against the limit, with both sizes and what to do.
  const huge = join(tmp, 'ap-phich.png');
  writeFileSync(huge, Buffer.alloc(100_000, 1));
  await page.setInputFiles('#media-file', huge);
  await page.click('#media-upload');
  const big = await page.locator('#media-status .msg-error').textContent();
  expect(big).toContain('ap-phich.png');
  expect(big).toMatch(/nặng 97[.,]7 kB, vượt giới hạn 81[.,]9 kB/);
  expect(big).toContain('nén lại');
  expect(t.app.repos.media.list().length).toBe(before);
});

it('the server refuses a file the browser cannot judge, and its words are shown', async () => {
  const { page } = b;
  // Named like a JPEG, but not one: only the server's sniffing can tell.
  const fake = join(tmp, 'thong-bao.jpg');
  writeFileSync(fake, 'không phải ảnh');
  await page.setInputFiles('#media-file', fake);
  await page.click('#media-upload');
  const text = await page.locator('#media-status .msg-error').textContent();
  expect(text).toContain('JPEG/PNG/WebP');
  await expect(page.isEnabled('#media-upload')).resolves.toBe(true);
});

it('venue staff build their loop, reorder it by keyboard and by drag, save, and find it so after a reload', async () => {
  const { page } = b;
  await upload(FILES.qr);
  await upload(FILES.poster, 8);
  const [A, B, C] = [sha(FILES.notice), sha(FILES.qr), sha(FILES.poster)];

  await page.click('nav a[href="/loops"]');
  await page.waitForSelector('#loop-editor');
  // Scope: only the staff member's own site is offered.
  await expect(page.locator('#loop-site option').allTextContents()).resolves.toEqual([SITE.name]);
  for (const m of [A, B, C]) {
    await page.selectOption('#loop-add-media', m);
    await page.click('#loop-add');
  }
  await expect(loopOrder()).resolves.toEqual([A, B, C]);

  // Keyboard: focus A's "Down" and press Enter twice; the focus follows the item.
  await page.locator(`#loop-items li[data-sha="${A}"] button[data-move="down"]`).focus();
  await page.keyboard.press('Enter');
  await expect(loopOrder()).resolves.toEqual([B, A, C]);
  await page.keyboard.press('Enter');
  await expect(loopOrder()).resolves.toEqual([B, C, A]);
  await expect(
    page.evaluate(() => document.activeElement?.closest('li')?.getAttribute('data-sha')),
  ).resolves.toBe(A);
  await expect(page.textContent('#loop-announce')).resolves.toContain('3/3');

  // Drag: C onto B's place at the top.
  await page.dragAndDrop(`#loop-items li[data-sha="${C}"]`, `#loop-items li[data-sha="${B}"]`);
  await expect(loopOrder()).resolves.toEqual([C, B, A]);

  // B's display time, then save.
  await page.fill(`#loop-items li[data-sha="${B}"] input.loop-seconds`, '7');
  await page.locator(`#loop-items li[data-sha="${B}"] input.loop-seconds`).dispatchEvent('change');
  await page.selectOption('#loop-resume', 'resume');
  await page.click('#loop-save');
  await page.waitForSelector('#loop-status .msg-ok');
  await expect(page.textContent('#loop-status')).resolves.toContain('3 mục, một vòng 27 giây');
  const stored = t.app.repos.loops.forSite(SITE.id)!;
  expect(stored.items.map((i) => [i.media_sha256, i.duration_ms])).toEqual([
    [C, 8000],
    [B, 7000],
    [A, 12_000],
  ]);
  expect(t.app.repos.loops.settings(SITE.id)!.resume).toBe('resume');

  await page.reload();
  await page.waitForSelector('#loop-items li');
  await expect(loopOrder()).resolves.toEqual([C, B, A]);
  await expect(page.locator(`#loop-items li[data-sha="${B}"] input.loop-seconds`).inputValue()).resolves.toBe(
    '7',
  );
  await expect(page.inputValue('#loop-resume')).resolves.toBe('resume');

  // The library now says where each image is used.
  await page.click('nav a[href="/media"]');
  await page.waitForSelector('#media-table');
  await expect(
    page.locator(`#media-table tr[data-sha="${A}"] td[data-col="used"]`).textContent(),
  ).resolves.toBe(`Danh sách phát: ${SITE.name}`);
});

it("the day preview shows each spot at its planned second, in the site's zone, cut into the loop", async () => {
  const { page } = b;
  await page.click('nav a[href="/loops"]');
  await page.waitForSelector('#loop-preview-summary');
  const screen = SCREENS[1].id;
  const row = t.app.repos.plans.plansFrom(screen, '2024-09-05').find((r) => r.local_date === '2024-09-05')!;
  const plan = JSON.parse(row.plan) as { items: { id: string; start: number; end: number }[] };
  const spots = plan.items.sort((a, b) => a.start - b.start);
  expect(spots.length).toBeGreaterThan(2);
  await expect(page.inputValue('#loop-preview-date')).resolves.toBe(formatDate('2024-09-05', ZONE));
  await expect(page.textContent('#loop-preview-spots-count')).resolves.toBe(String(spots.length));

  const hms = (ms: number) =>
    `${formatTime(ms, ZONE)}:${String(instantToZoned(ms, ZONE).second).padStart(2, '0')}`;
  const shown = await page
    .locator('#loop-preview-spots tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-spot'), tr.querySelector('th')!.textContent]),
    );
  expect(shown).toEqual(spots.map((s) => [s.id, `${hms(s.start)}–${hms(s.end)}`]));

  // The hour of the first spot, item by item: the spot sits between loop showings, the one
  // before it cut at the spot's start, the next one starting at its end.
  const first = spots[0]!;
  await expect(page.inputValue('#loop-preview-hour')).resolves.toBe(
    String(instantToZoned(first.start, ZONE).hour),
  );
  const seq = await page
    .locator('#loop-preview-sequence li')
    .evaluateAll((lis) =>
      lis.map((li) => [li.getAttribute('data-kind'), li.querySelector('.time')!.textContent]),
    );
  const at = seq.findIndex(([k, time]) => k === 'spot' && time === `${hms(first.start)}–${hms(first.end)}`);
  expect(at).toBeGreaterThan(0);
  expect(seq[at - 1]![0]).toBe('loop');
  expect(seq[at - 1]![1]!.endsWith(`–${hms(first.start)}`)).toBe(true);
  expect(seq[at + 1]![0]).toBe('loop');
  expect(seq[at + 1]![1]!.startsWith(`${hms(first.end)}–`)).toBe(true);
});

it('the campaign page lists every campaign with its dates, status and number of sites', async () => {
  const { page } = b;
  const base = t.app.repos.campaigns.get(CAMPAIGN)!;
  t.app.repos.campaigns.put({
    ...base,
    id: 'ga-ha-noi-2024',
    name: 'Ga Hà Nội mùa thu',
    name_en: null,
    first_day: '2024-10-01',
    last_day: '2024-10-31',
    participants: JSON.stringify({ regions: [], sites: [SITES[2].id], venueTypes: [] }),
  });
  await b.context.clearCookies();
  await logIn(page, t.url, 'quanly', PASSWORD);
  await page.click('nav a[href="/campaign"]');
  await page.waitForSelector('#campaigns-table tbody tr');
  const rows = await page
    .locator('#campaigns-table tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-campaign'),
        ...['name', 'dates', 'status', 'sites'].map(
          (c) => tr.querySelector(`[data-col="${c}"]`)!.textContent,
        ),
      ]),
    );
  expect(rows.length).toBe(t.app.repos.campaigns.list().length);
  expect(rows).toEqual([
    ['ga-ha-noi-2024', 'Ga Hà Nội mùa thu', '01/10/2024–31/10/2024', 'Sắp chạy', '1'],
    [CAMPAIGN, base.name, '02/09/2024–08/09/2024', 'Đang chạy', '3'],
  ]);
  // A name opens that campaign in the editor below.
  await page.click('#campaigns-table a[href="/campaign?id=ga-ha-noi-2024"]');
  await page.waitForFunction(
    () => document.querySelector<HTMLInputElement>('#first-day')?.value === '01/10/2024',
  );
  await expect(page.textContent('#campaign-editing')).resolves.toContain('Ga Hà Nội mùa thu');

  // A manager edits any site's loop: every site is offered, and the venue's loop is there.
  await page.click('nav a[href="/loops"]');
  await page.waitForSelector('#loop-editor');
  await expect(page.locator('#loop-site option').allTextContents()).resolves.toEqual(
    t.app.repos.sites.list().map((s) => s.name),
  );
  await page.selectOption('#loop-site', SITE.id);
  await page.waitForSelector(`#loop-editor h2:has-text("${SITE.name}")`);
  await expect(page.locator('#loop-items li').count()).resolves.toBe(3);
});

it("a video's thumbnail is its first frame, drawn by the console after the upload and kept by the server", async () => {
  const { page } = b;
  await page.click('nav a[href="/media"]');
  await page.waitForSelector('#media-upload');
  await upload(FILES.clip);
  const clip = sha(FILES.clip);
  const row = page.locator(`#media-table tr[data-sha="${clip}"]`);
  await expect(row.locator('td[data-col="kind"]').textContent()).resolves.toBe('Video');
  await page.waitForFunction((s) => {
    const img = document.querySelector<HTMLImageElement>(`#media-table tr[data-sha="${s}"] img.thumb`);
    return img?.complete && img.naturalWidth > 0;
  }, clip);
  const thumb = t.app.repos.media.get(clip)!.thumbnail_sha256;
  expect(thumb).toMatch(/^[0-9a-f]{64}$/);
  const res = await page.evaluate(async (s) => {
    const r = await fetch(`/api/v1/media/${s}/thumbnail`);
    return { status: r.status, type: r.headers.get('content-type') };
  }, clip);
  expect(res).toEqual({ status: 200, type: 'image/jpeg' });
});

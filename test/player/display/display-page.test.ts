/**
 * The display page in a real Chromium against a fake player core: the state screens, on-time
 * and gapless playback on the A/B elements, failed media reported while the page carries on,
 * and flat media-element/listener counts over many items and a reconnect.
 *
 * Times: the fake core's clock is the real clock here, and the page's own probe stamps events
 * with performance.timeOrigin + performance.now(), the same machine clock, so the test can
 * compare planned starts with what the browser really did without trusting the page's report.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { realClock } from '#shared/clock.ts';
import type {
  DisplayToCore,
  EndedMessage,
  ErrorMessage,
  HeartbeatMessage,
  ScheduleItem,
  StartedMessage,
} from '#shared/schemas/display.ts';
import { launchDisplayBrowser, type TestBrowser } from './browser.ts';
import { startFakeCore, type FakeCore } from './fake-core.ts';

let core: FakeCore;
let browser: TestBrowser;
let page: Page;
let clipSeconds = 0;

interface ProbeEvent {
  el: string;
  type: string;
  t: number;
  playId: string | null;
}
interface ProbeFrame {
  t: number;
  video: boolean;
  liveId: string | null;
  liveReady: number;
  livePlayId: string | null;
}
interface Stats {
  mediaElements: number;
  listeners: number;
  connected: boolean;
  reconnects: number;
  screen: string;
  videoVisible: boolean;
  rejectedMessages: number;
  live: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const isStarted = (playId: string) => (m: DisplayToCore): m is StartedMessage => m.type === 'started' && m.playId === playId;
const isEnded = (playId: string) => (m: DisplayToCore): m is EndedMessage => m.type === 'ended' && m.playId === playId;
const isError = (playId: string) => (m: DisplayToCore): m is ErrorMessage => m.type === 'error' && m.playId === playId;

async function stats(): Promise<Stats> {
  return (await page.evaluate(() => (window as unknown as { __displayStats: unknown }).__displayStats)) as Stats;
}

/** Fresh page, connected, on the core's clock, with the test's own event and frame probe. */
async function openPage(): Promise<void> {
  await page.goto(core.url);
  await expect.poll(() => core.clients(), { timeout: 10_000 }).toBe(1);
  core.send({ type: 'clock', v: 1, now: realClock.now() });
  await page.evaluate(() => {
    const now = (): number => performance.timeOrigin + performance.now();
    const probe = { events: [] as unknown[], frames: [] as unknown[] };
    (window as unknown as { __probe: unknown }).__probe = probe;
    for (const v of document.querySelectorAll<HTMLVideoElement>('#stage video')) {
      for (const type of ['playing', 'ended', 'pause', 'emptied']) {
        v.addEventListener(type, () => probe.events.push({ el: v.id, type, t: now(), playId: v.dataset['playId'] ?? null }));
      }
    }
    const sample = (): void => {
      const live = document.querySelector<HTMLVideoElement>('#stage video.live');
      probe.frames.push({
        t: now(),
        video: document.body.classList.contains('video'),
        liveId: live?.id ?? null,
        liveReady: live?.readyState ?? -1,
        livePlayId: live?.dataset['playId'] ?? null,
      });
      if (probe.frames.length < 20_000) requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

async function probe(): Promise<{ events: ProbeEvent[]; frames: ProbeFrame[] }> {
  return (await page.evaluate(() => (window as unknown as { __probe: unknown }).__probe)) as {
    events: ProbeEvent[];
    frames: ProbeFrame[];
  };
}

function item(playId: string, media: string, startAt: number, durationMs: number): ScheduleItem {
  return { itemId: `item-${playId}`, playId, mediaUrl: `/media/${media}`, startAt, durationMs };
}

beforeAll(async () => {
  core = await startFakeCore();
  browser = await launchDisplayBrowser();
  page = browser.page;
  // The clip's real length, read by the browser itself, so back-to-back items really abut.
  const probePage = await browser.context.newPage();
  await probePage.goto(`${core.url}media/test-clip.webm`);
  clipSeconds = await probePage.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const v = document.querySelector('video');
        if (!v) return resolve(NaN);
        if (v.readyState >= 1) resolve(v.duration);
        else v.addEventListener('loadedmetadata', () => resolve(v.duration));
      }),
  );
  await probePage.close();
  expect(clipSeconds).toBeGreaterThan(2);
});

afterAll(async () => {
  await browser?.close();
  await core?.close();
});

beforeEach(async () => {
  await openPage();
});

describe('display page: state screens', () => {
  it('shows the pairing code in large type with a QR code of the claim URL and Vietnamese instructions', async () => {
    const now = realClock.now();
    const claimUrl = 'http://127.0.0.1:3000/console/#/pair?code=482913';
    core.send({ type: 'state', v: 1, mode: 'pairing', offline: false, pairing: { code: '482913', expiresAt: now + 600_000, claimUrl } });
    await expect.poll(() => page.locator('#pairing-code').textContent()).toBe('482913');
    expect(await page.locator('#screen-pairing').isVisible()).toBe(true);
    expect(await page.locator('#screen-idle').isVisible()).toBe(false);
    await expect.poll(() => page.locator('#pairing-qr').getAttribute('data-qr')).toBe(claimUrl);
    expect(await page.locator('#pairing-qr svg').count()).toBe(1);
    const text = await page.locator('#screen-pairing').innerText();
    expect(text).toContain('Điểm đặt & màn hình → Ghép nối màn hình mới');
    expect(text).toContain('Sites & screens → Pair a new screen');
    const size = await page.locator('#pairing-code').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThan(60);

    // Expiry in the site's zone (none yet: Hà Nội), then the expired notice instead of a dead code.
    const at = Date.parse('2024-09-05T08:10:00+07:00');
    core.send({ type: 'clock', v: 1, now: at - 60_000 });
    core.send({ type: 'state', v: 1, mode: 'pairing', offline: false, pairing: { code: '482913', expiresAt: at } });
    await expect.poll(() => page.locator('#pairing-expiry').textContent()).toContain('đến 08:10');
    core.send({ type: 'clock', v: 1, now: at + 1000 });
    await expect.poll(() => page.locator('#pairing-expiry').textContent(), { timeout: 3000 }).toContain('Mã đã hết hạn');
  });

  it('shows download progress as a bar and a percentage', async () => {
    core.send({
      type: 'state',
      v: 1,
      mode: 'downloading',
      offline: false,
      download: { done: 1, total: 2, bytesDone: 45 * 1_048_576, bytesTotal: 100 * 1_048_576 },
    });
    await expect.poll(() => page.locator('#download-text').textContent()).toContain('45%');
    expect(await page.locator('#screen-downloading').isVisible()).toBe(true);
    const width = await page.locator('#download-bar').evaluate((el) => (el as HTMLElement).style.width);
    expect(width).toBe('45%');
  });

  it("idles with the iHanoi QR code, the site's name and a 24-hour clock in the site's own zone", async () => {
    // 19:05 on Thursday 05/09/2024 in Hà Nội; 08:05 the same morning in New York (EDT, DST).
    const instant = Date.parse('2024-09-05T19:05:30+07:00');
    core.send({ type: 'clock', v: 1, now: instant });
    core.send({ type: 'state', v: 1, mode: 'idle', offline: false, site: { name: 'Ga Hà Nội', timeZone: 'Asia/Ho_Chi_Minh' } });
    await expect.poll(() => page.locator('#idle-time').textContent()).toBe('19:05');
    expect(await page.locator('#idle-date').textContent()).toBe('Thứ Năm, 05/09/2024');
    expect(await page.locator('#idle-site').textContent()).toBe('Ga Hà Nội');
    expect(await page.locator('#screen-idle').innerText()).toContain('Quét mã QR để tải iHanoi');
    await expect.poll(() => page.locator('#idle-qr').getAttribute('data-qr')).toMatch(/^https:\/\//);

    core.send({ type: 'state', v: 1, mode: 'idle', offline: false, site: { name: 'Test site', timeZone: 'America/New_York' } });
    await expect.poll(() => page.locator('#idle-time').textContent()).toBe('08:05');
    expect(await page.locator('#idle-date').textContent()).toBe('Thứ Năm, 05/09/2024');
  });

  it('shows the offline mark and the urgent message over everything, and hides them again', async () => {
    core.send({ type: 'state', v: 1, mode: 'idle', offline: true, message: 'Sơ tán ngay khỏi tòa nhà / Evacuate now' });
    await expect.poll(() => page.locator('#offline').isVisible()).toBe(true);
    expect(await page.locator('#offline').innerText()).toContain('Mất kết nối');
    expect(await page.locator('#overlay-text').textContent()).toBe('Sơ tán ngay khỏi tòa nhà / Evacuate now');
    expect(await page.locator('#overlay').isVisible()).toBe(true);
    core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    await expect.poll(() => page.locator('#offline').isVisible()).toBe(false);
    expect(await page.locator('#overlay').isVisible()).toBe(false);
  });

  it('ignores messages of another protocol version instead of acting on them', async () => {
    core.send({ type: 'state', v: 1, mode: 'idle', offline: false, site: { name: 'Kept', timeZone: 'Asia/Ho_Chi_Minh' } });
    await expect.poll(() => page.locator('#idle-site').textContent()).toBe('Kept');
    core.send({ type: 'state', v: 2, mode: 'pairing', offline: false } as never);
    await expect.poll(async () => (await stats()).rejectedMessages).toBe(1);
    expect((await stats()).screen).toBe('idle');
  });
});

describe('display page: playback', () => {
  it('plays two back-to-back items on time, on alternating elements, with no gap and no black frame', async () => {
    const durationMs = Math.round(clipSeconds * 1000);
    const t1 = realClock.now() + 1500;
    const t2 = t1 + durationMs;
    core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    core.send({
      type: 'schedule',
      v: 1,
      items: [item('b2b-1', 'test-clip.webm', t1, durationMs), item('b2b-2', 'test-clip.webm', t2, durationMs)],
    });

    // Item 1: its element is on screen and its currentTime follows the planned start.
    const started1 = await core.waitFor(isStarted('b2b-1'));
    expect(Math.abs(started1.lagMs)).toBeLessThan(1000);
    await sleep(Math.max(0, t1 + 1500 - realClock.now()));
    const first = await page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('#stage video.live');
      return { id: v?.id, playId: v?.dataset['playId'], currentTime: v?.currentTime ?? -1, paused: v?.paused };
    });
    expect(first.playId).toBe('b2b-1');
    expect(first.paused).toBe(false);
    const expectedPos = (realClock.now() - t1) / 1000;
    expect(Math.abs(first.currentTime - expectedPos)).toBeLessThan(0.75);
    await sleep(400);
    const later = await page.evaluate((id) => (document.getElementById(id ?? '') as HTMLVideoElement | null)?.currentTime ?? -1, first.id);
    expect(later).toBeGreaterThan(first.currentTime + 0.2);

    // Item 2 on the other element.
    const started2 = await core.waitFor(isStarted('b2b-2'), durationMs + 5000);
    expect(Math.abs(started2.lagMs)).toBeLessThan(1000);
    const ended1 = await core.waitFor(isEnded('b2b-1'));
    expect(ended1.secondsShown).toBeGreaterThan(clipSeconds - 0.5);
    await sleep(1000);

    const { events, frames } = await probe();
    const playing1 = events.find((e) => e.type === 'playing' && e.playId === 'b2b-1');
    const playing2 = events.find((e) => e.type === 'playing' && e.playId === 'b2b-2');
    expect(playing1).toBeDefined();
    expect(playing2).toBeDefined();
    expect(playing2?.el).not.toBe(playing1?.el);
    // Planned vs. real start, measured by the test's own probe ('playing' on the element).
    expect(Math.abs((playing1?.t ?? 0) - t1)).toBeLessThan(1000);
    expect(Math.abs((playing2?.t ?? 0) - t2)).toBeLessThan(1000);

    // The gap: from the first element stopping (its natural 'ended', or the swap's 'pause'
    // or 'emptied' when item 2 cut the last frames, whichever comes first) to the second
    // element's 'playing'. Negative means overlap. ('emptied' counts because load() drops a
    // 'pause' event still queued, which happens when the first video runs a little late.)
    const stop1 = events.find(
      (e) => e.el === playing1?.el && ['ended', 'pause', 'emptied'].includes(e.type) && e.t > (playing1?.t ?? 0),
    );
    expect(stop1).toBeDefined();
    const gapMs = (playing2?.t ?? 0) - (stop1?.t ?? 0);
    expect(gapMs).toBeLessThan(100);

    // Every animation frame from item 1's first frame to a second into item 2 showed a video
    // element that had a decoded frame: the idle screen never flashed and nothing was black.
    const window = frames.filter((f) => f.t > (playing1?.t ?? 0) + 100 && f.t < (playing2?.t ?? 0) + 900);
    expect(window.length).toBeGreaterThan(30);
    const bad = window.filter((f) => !f.video || f.liveReady < 2);
    expect(bad).toEqual([]);
    expect(new Set(window.map((f) => f.livePlayId))).toEqual(new Set(['b2b-1', 'b2b-2']));
  });

  it('reports media that 404s or is corrupt as failed plays and still plays the next item', async () => {
    const now = realClock.now();
    core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    core.send({
      type: 'schedule',
      v: 1,
      items: [
        item('bad-404', 'missing.webm', now + 800, 1500),
        item('bad-corrupt', 'corrupt.webm', now + 2300, 1500),
        item('good-after-bad', 'test-clip.webm', now + 3800, 3000),
      ],
    });
    const e404 = await core.waitFor(isError('bad-404'));
    const eCorrupt = await core.waitFor(isError('bad-corrupt'));
    expect(e404.reason).toMatch(/media error/);
    expect(e404.reason).toContain('missing.webm');
    expect(eCorrupt.reason).toMatch(/media error/);
    const started = await core.waitFor(isStarted('good-after-bad'), 8000);
    expect(Math.abs(started.lagMs)).toBeLessThan(1000);
    expect(core.received.some((m) => m.type === 'started' && (m.playId === 'bad-404' || m.playId === 'bad-corrupt'))).toBe(false);
    const s = await stats();
    expect(s.live).toBe('good-after-bad');
    expect(s.videoVisible).toBe(true);
  });

  it('keeps media elements and listeners constant over many items and a dropped core connection', async () => {
    core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    const before = await stats();
    expect(before.mediaElements).toBe(2);
    expect(before.listeners).toBeGreaterThan(0);

    const count = 10;
    const step = 700;
    const t0 = realClock.now() + 1000;
    const items = Array.from({ length: count }, (_, i) => item(`many-${i}`, 'test-clip.webm', t0 + i * step, step));
    core.send({ type: 'schedule', v: 1, items });

    await core.waitFor(isStarted('many-3'), 8000);
    // The core goes away for a moment; the page keeps playing what it has and reconnects.
    core.dropClients();
    await expect.poll(() => core.clients(), { timeout: 10_000 }).toBe(1);
    core.send({ type: 'clock', v: 1, now: realClock.now() });

    await core.waitFor(isEnded(`many-${count - 1}`), count * step + 8000);
    for (const it of items) {
      expect(core.received.filter(isStarted(it.playId))).toHaveLength(1);
      expect(core.received.filter(isEnded(it.playId))).toHaveLength(1);
    }
    const after = await stats();
    expect(after.reconnects).toBeGreaterThanOrEqual(1);
    expect(after.mediaElements).toBe(before.mediaElements);
    expect(after.listeners).toBe(before.listeners);
    expect(await page.evaluate(() => document.querySelectorAll('video, audio').length)).toBe(2);
    expect(after.videoVisible).toBe(false);
    expect(after.screen).toBe('idle');

    const beat = await core.waitFor(
      (m): m is HeartbeatMessage => m.type === 'heartbeat' && m.at > t0 + count * step,
      8000,
    );
    expect(beat.mediaElements).toBe(2);
    expect(beat.listeners).toBe(before.listeners);
    expect(core.invalid).toEqual([]);
  });
});

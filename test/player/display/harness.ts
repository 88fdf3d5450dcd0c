/**
 * Shared set-up for the display page tests: a fake core, Chromium with a fresh profile, a
 * fresh page per test on the core's clock, and the test's own probe. The probe stamps video
 * events and animation frames with performance.timeOrigin + performance.now(), the same machine
 * clock as the fake core's realClock, so a test compares planned starts with what the browser
 * really did without trusting the page's own report.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { realClock } from '#shared/clock.ts';
import type {
  DisplayToCore,
  EndedMessage,
  ErrorMessage,
  ScheduleItem,
  StartedMessage,
} from '#shared/schemas/display.ts';
import { launchDisplayBrowser, type TestBrowser } from './browser.ts';
import { startFakeCore, type FakeCore } from './fake-core.ts';

export interface ProbeEvent {
  el: string;
  type: string;
  t: number;
  playId: string | null;
}
export interface ProbeFrame {
  t: number;
  video: boolean;
  liveId: string | null;
  liveReady: number;
  livePlayId: string | null;
}
export interface Stats {
  mediaElements: number;
  listeners: number;
  connected: boolean;
  reconnects: number;
  screen: string;
  videoVisible: boolean;
  rejectedMessages: number;
  live: string | null;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const isStarted =
  (playId: string) =>
  (m: DisplayToCore): m is StartedMessage =>
    m.type === 'started' && m.playId === playId;
export const isEnded =
  (playId: string) =>
  (m: DisplayToCore): m is EndedMessage =>
    m.type === 'ended' && m.playId === playId;
export const isError =
  (playId: string) =>
  (m: DisplayToCore): m is ErrorMessage =>
    m.type === 'error' && m.playId === playId;

export function item(playId: string, media: string, startAt: number, durationMs: number): ScheduleItem {
  return { itemId: `item-${playId}`, playId, mediaUrl: `/media/${media}`, startAt, durationMs };
}

export interface DisplayHarness {
  readonly core: FakeCore;
  readonly browser: TestBrowser;
  readonly page: Page;
  /** Length of playlists/media/test-clip.webm as the browser reads it. */
  readonly clipSeconds: number;
  stats(): Promise<Stats>;
  probe(): Promise<{ events: ProbeEvent[]; frames: ProbeFrame[] }>;
}

/** Registers the hooks of one test file and returns live accessors to what they set up. */
export function useDisplayHarness(): DisplayHarness {
  let core: FakeCore;
  let browser: TestBrowser;
  let clipSeconds = 0;

  beforeAll(async () => {
    core = await startFakeCore();
    browser = await launchDisplayBrowser();
    // The clip's real length, read by the browser itself, so back-to-back items really abut.
    const probePage = await browser.context.newPage();
    await probePage.goto(`${core.url}media/test-clip.webm`);
    clipSeconds = await probePage.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const v = document.querySelector('video');
          if (!v) {
            resolve(NaN);
            return;
          }
          if (v.readyState >= 1) resolve(v.duration);
          else v.addEventListener('loadedmetadata', () => resolve(v.duration));
        }),
    );
    await probePage.close();
    expect(clipSeconds).toBeGreaterThan(2);
  });

  // `?.`: a failed beforeAll leaves these unassigned, and cleanup must not hide its error.
  /* eslint-disable @typescript-eslint/no-unnecessary-condition */
  afterAll(async () => {
    await browser?.close();
    await core?.close();
  });
  /* eslint-enable @typescript-eslint/no-unnecessary-condition */

  // A fresh page per test, connected, on the core's clock, with the test's own probe.
  beforeEach(async () => {
    const page = browser.page;
    await page.goto(core.url);
    await expect.poll(() => core.clients(), { timeout: 10_000 }).toBe(1);
    core.send({ type: 'clock', v: 1, now: realClock.now() });
    await page.evaluate(() => {
      const now = (): number => performance.timeOrigin + performance.now();
      const probe = { events: [] as unknown[], frames: [] as unknown[] };
      (window as unknown as { __probe: unknown }).__probe = probe;
      for (const v of document.querySelectorAll<HTMLVideoElement>('#stage video')) {
        for (const type of ['playing', 'ended', 'pause', 'emptied']) {
          v.addEventListener(type, () =>
            probe.events.push({ el: v.id, type, t: now(), playId: v.dataset['playId'] ?? null }),
          );
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
  });

  afterEach(() => {
    const violations = browser.logs.filter((l) => /Content Security Policy/i.test(l));
    expect(violations).toEqual([]);
  });

  return {
    get core() {
      return core;
    },
    get browser() {
      return browser;
    },
    get page() {
      return browser.page;
    },
    get clipSeconds() {
      return clipSeconds;
    },
    async stats() {
      return (await browser.page.evaluate(
        () => (window as unknown as { __displayStats: unknown }).__displayStats,
      )) as Stats;
    },
    async probe() {
      return (await browser.page.evaluate(() => (window as unknown as { __probe: unknown }).__probe)) as {
        events: ProbeEvent[];
        frames: ProbeFrame[];
      };
    },
  };
}

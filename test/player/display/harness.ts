/**
 * Shared set-up for the display page tests: a fake core, Chromium with a fresh profile, a
 * fresh page per test on the core's clock, and the test's own probe.
 *
 * The core's clock stands still (`rate: 0`) at T0, and so does the page's: the page's time moves
 * only when a test sends `clock` (`h.setClock`). A test therefore asserts what is deterministic
 * (which item starts at which planned instant of the page's clock, the seek offset, the
 * hand-over between the two elements frame by frame) and never how close real time came to a
 * plan; those figures are measured by `npm run bench` (bench/display.ts). Media still decode
 * and play in real time: tests wait for their events, never for an amount of time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { Page } from 'playwright-core';
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
  playId: string | null;
  /** The element's currentTime when the event fired (s). */
  pos: number;
}
export interface ProbeFrame {
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
  now: number;
  slots: Array<{ name: string; playId: string | null; phase: string; live: boolean; still: boolean }>;
}

/** Where the page's clock stands when each test starts (a Thursday morning of the 2024 campaign). */
export const T0 = Date.parse('2024-09-05T08:00:00+07:00');

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
  /** Moves the page's (held) clock to `now` and waits until the page has acted on it. */
  setClock(now: number): Promise<void>;
  /** The phase of the element that holds `playId` ('none' when no element holds it). */
  phaseOf(playId: string): Promise<string>;
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

  async function setClock(now: number): Promise<void> {
    core.send({ type: 'clock', v: 1, now, rate: 0 });
    // The page handles `clock` in one task (sync, then re-plan), so once its time reads `now`
    // it has acted on everything due at `now`: a start begun (its report follows the first
    // frame), an item ended or given up.
    await expect
      .poll(
        () =>
          browser.page.evaluate(
            () => (window as unknown as { __displayStats: { now: number } }).__displayStats.now,
          ),
        { timeout: 10_000 },
      )
      .toBe(now);
  }

  // A fresh page per test, connected, on the core's held clock, with the test's own probe.
  beforeEach(async () => {
    const page = browser.page;
    await page.goto(core.url);
    await expect.poll(() => core.clients(), { timeout: 10_000 }).toBe(1);
    await setClock(T0);
    await page.evaluate(() => {
      const probe = { events: [] as unknown[], frames: [] as unknown[] };
      (window as unknown as { __probe: unknown }).__probe = probe;
      for (const v of document.querySelectorAll<HTMLVideoElement>('#stage video')) {
        for (const type of ['playing', 'ended', 'pause', 'emptied', 'seeking']) {
          v.addEventListener(type, () =>
            probe.events.push({ el: v.id, type, playId: v.dataset['playId'] ?? null, pos: v.currentTime }),
          );
        }
      }
      const sample = (): void => {
        const live = document.querySelector<HTMLVideoElement>('#stage video.live');
        probe.frames.push({
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
    setClock,
    async phaseOf(playId) {
      const s = (await browser.page.evaluate(
        () => (window as unknown as { __displayStats: unknown }).__displayStats,
      )) as Stats;
      return s.slots.find((x) => x.playId === playId)?.phase ?? 'none';
    },
    async probe() {
      return (await browser.page.evaluate(() => (window as unknown as { __probe: unknown }).__probe)) as {
        events: ProbeEvent[];
        frames: ProbeFrame[];
      };
    },
  };
}

/**
 * The display page in real time: Debian's Chromium against the display tests' fake core, on a
 * clock that runs at real speed (what a venue's screen does). The tests drive the page's clock
 * by hand and assert only what is deterministic; how close real playback comes to the plan is
 * measured here, with the figures the tests used to assert as goals:
 *
 * - start lag: the element's first `playing` event against the planned start (the test's own
 *   probe, stamped with the browser's performance clock, not the page's report);
 * - position drift: 1.5 s into each item, the element's currentTime against the time elapsed
 *   since the planned start;
 * - hand-over: from the outgoing element stopping (`ended`, or the swap's `pause`/`emptied`) to
 *   the incoming one's `playing`, and any animation frame in between with no decoded video.
 *
 * Items are the test clip back to back, ROUNDS pairs (fewer with --quick).
 */
import { realClock } from '#shared/clock.ts';
import { launchDisplayBrowser } from '../test/player/display/browser.ts';
import { startFakeCore } from '../test/player/display/fake-core.ts';
import { goal, SIZE } from './goals.ts';

const ROUNDS = Math.max(1, Math.round(3 * SIZE));

interface ProbeEvent {
  el: string;
  type: string;
  t: number;
  playId: string | null;
}
interface ProbeFrame {
  t: number;
  video: boolean;
  liveReady: number;
}

export interface DisplayBenchResult {
  starts: number;
  lagMedianMs: number;
  lagMaxMs: number;
  driftMaxMs: number;
  gapMaxMs: number;
  blackFrames: number;
}

/**
 * The probe, as source text: tsx keeps function names with a helper that does not exist in the
 * page, so a function literal passed to `page.evaluate` from a bench would not run there.
 */
const PROBE = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  const probe = { events: [], frames: [] };
  window.__probe = probe;
  for (const v of document.querySelectorAll('#stage video')) {
    for (const type of ['playing', 'ended', 'pause', 'emptied']) {
      v.addEventListener(type, () =>
        probe.events.push({ el: v.id, type, t: now(), playId: v.dataset.playId ?? null }),
      );
    }
  }
  const sample = () => {
    const live = document.querySelector('#stage video.live');
    probe.frames.push({
      t: now(),
      video: document.body.classList.contains('video'),
      liveReady: live ? live.readyState : -1,
    });
    if (probe.frames.length < 50000) requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
})()`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

export async function run(options: { log?: (line: string) => void } = {}): Promise<DisplayBenchResult> {
  const log = options.log ?? console.log;
  const core = await startFakeCore();
  const browser = await launchDisplayBrowser();
  try {
    const page = browser.page;
    await page.goto(`${core.url}media/test-clip.webm`);
    const clipSeconds = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const v = document.querySelector('video');
          if (!v) resolve(NaN);
          else if (v.readyState >= 1) resolve(v.duration);
          else v.addEventListener('loadedmetadata', () => resolve(v.duration));
        }),
    );
    const clipMs = Math.round(clipSeconds * 1000);
    await page.goto(core.url);
    await core.waitForClient();
    // No `rate`: the page's clock runs at real speed from the core's now, as on a screen.
    core.send({ type: 'clock', v: 1, now: realClock.now() });
    await page.evaluate(PROBE);

    const count = ROUNDS * 2;
    const t0 = realClock.now() + 2000;
    const items = Array.from({ length: count }, (_, i) => ({
      itemId: `item-bench-${i}`,
      playId: `bench-${i}`,
      mediaUrl: '/media/test-clip.webm',
      startAt: t0 + i * clipMs,
      durationMs: clipMs,
    }));
    log(`display: ${count} back-to-back items of ${clipSeconds.toFixed(2)} s in Chromium, real time`);
    core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    core.send({ type: 'schedule', v: 1, items });

    // Position drift, sampled 1.5 s into each item.
    const drifts: number[] = [];
    for (const it of items) {
      await sleep(it.startAt + 1500 - realClock.now());
      const pos = await page.evaluate((playId) => {
        const v = document.querySelector<HTMLVideoElement>('#stage video.live');
        return v?.dataset['playId'] === playId ? v.currentTime : null;
      }, it.playId);
      const expected = (realClock.now() - it.startAt) / 1000;
      drifts.push(pos === null ? Infinity : Math.abs(pos - expected) * 1000);
    }
    const last = items.at(-1)!;
    await core.waitFor(
      (m): m is Extract<typeof m, { type: 'ended' }> => m.type === 'ended' && m.playId === last.playId,
      clipMs + 10_000,
    );
    const probe = (await page.evaluate(() => (window as unknown as { __probe: unknown }).__probe)) as {
      events: ProbeEvent[];
      frames: ProbeFrame[];
    };

    const playing = items.map((it) =>
      probe.events.find((e) => e.type === 'playing' && e.playId === it.playId),
    );
    const lags = playing.map((p, i) => (p ? Math.abs(p.t - items[i]!.startAt) : Infinity));
    const gaps: number[] = [];
    for (let i = 1; i < count; i++) {
      const prev = playing[i - 1];
      const cur = playing[i];
      const stop = probe.events.find(
        (e) => prev && e.el === prev.el && ['ended', 'pause', 'emptied'].includes(e.type) && e.t > prev.t,
      );
      gaps.push(cur && stop ? cur.t - stop.t : Infinity);
    }
    const first = playing[0];
    const lastPlaying = playing.at(-1);
    const window = probe.frames.filter(
      (f) => first && lastPlaying && f.t > first.t + 100 && f.t < lastPlaying.t + 900,
    );
    const blackFrames = window.filter((f) => !f.video || f.liveReady < 2).length;

    const result: DisplayBenchResult = {
      starts: count,
      lagMedianMs: Math.round(median(lags)),
      lagMaxMs: Math.round(Math.max(...lags)),
      driftMaxMs: Math.round(Math.max(...drifts)),
      gapMaxMs: Math.round(Math.max(...gaps)),
      blackFrames,
    };
    log(
      `  start lag (first playing vs plan, absolute): median ${result.lagMedianMs} ms, max ${result.lagMaxMs} ms; ` +
        `position drift at 1.5 s: max ${result.driftMaxMs} ms; hand-over gap: max ${result.gapMaxMs} ms ` +
        `(negative: overlap); ${blackFrames} black frame(s) in ${window.length}`,
    );
    goal({
      path: 'display start',
      figure: `first playing vs plan: median ${result.lagMedianMs} ms, max ${result.lagMaxMs} ms (${count} starts)`,
      goal: 'every start within 1,000 ms of its plan',
      pass: result.lagMaxMs < 1000,
    });
    goal({
      path: 'display position',
      figure: `max drift ${result.driftMaxMs} ms, 1.5 s into each item`,
      goal: 'currentTime within 750 ms of the plan',
      pass: result.driftMaxMs < 750,
    });
    goal({
      path: 'display hand-over',
      figure: `max gap ${result.gapMaxMs} ms; ${blackFrames} black frame(s)`,
      goal: 'gap under 100 ms, no black frame',
      pass: result.gapMaxMs < 100 && blackFrames === 0,
    });
    return result;
  } finally {
    await browser.close();
    await core.close();
  }
}

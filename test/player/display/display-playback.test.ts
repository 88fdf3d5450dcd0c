/**
 * Playback in Chromium against a fake core: on-time, gapless A/B hand-over with no black frame,
 * and failed media reported while the page carries on.
 */
import { describe, expect, it } from 'vitest';
import { realClock } from '#shared/clock.ts';
import { isEnded, isError, isStarted, item, sleep, useDisplayHarness } from './harness.ts';

const h = useDisplayHarness();

describe('display page: playback', () => {
  it('plays two back-to-back items on time, on alternating elements, with no gap and no black frame', async () => {
    const durationMs = Math.round(h.clipSeconds * 1000);
    const t1 = realClock.now() + 1500;
    const t2 = t1 + durationMs;
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    h.core.send({
      type: 'schedule',
      v: 1,
      items: [
        item('b2b-1', 'test-clip.webm', t1, durationMs),
        item('b2b-2', 'test-clip.webm', t2, durationMs),
      ],
    });

    // Item 1: its element is on screen and its currentTime follows the planned start.
    const started1 = await h.core.waitFor(isStarted('b2b-1'));
    expect(Math.abs(started1.lagMs)).toBeLessThan(1000);
    await sleep(Math.max(0, t1 + 1500 - realClock.now()));
    const first = await h.page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('#stage video.live');
      return {
        id: v?.id,
        playId: v?.dataset['playId'],
        currentTime: v?.currentTime ?? -1,
        paused: v?.paused,
      };
    });
    expect(first.playId).toBe('b2b-1');
    expect(first.paused).toBe(false);
    const expectedPos = (realClock.now() - t1) / 1000;
    expect(Math.abs(first.currentTime - expectedPos)).toBeLessThan(0.75);
    await sleep(400);
    const later = await h.page.evaluate(
      (id) => (document.getElementById(id ?? '') as HTMLVideoElement | null)?.currentTime ?? -1,
      first.id,
    );
    expect(later).toBeGreaterThan(first.currentTime + 0.2);

    // Item 2 on the other element.
    const started2 = await h.core.waitFor(isStarted('b2b-2'), durationMs + 5000);
    expect(Math.abs(started2.lagMs)).toBeLessThan(1000);
    const ended1 = await h.core.waitFor(isEnded('b2b-1'));
    expect(ended1.secondsShown).toBeGreaterThan(h.clipSeconds - 0.5);
    await sleep(1000);

    const { events, frames } = await h.probe();
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
      (e) => e.el === playing1?.el && ['ended', 'pause', 'emptied'].includes(e.type) && e.t > playing1.t,
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
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    h.core.send({
      type: 'schedule',
      v: 1,
      items: [
        item('bad-404', 'missing.webm', now + 800, 1500),
        item('bad-corrupt', 'corrupt.webm', now + 2300, 1500),
        item('good-after-bad', 'test-clip.webm', now + 3800, 3000),
      ],
    });
    const e404 = await h.core.waitFor(isError('bad-404'));
    const eCorrupt = await h.core.waitFor(isError('bad-corrupt'));
    expect(e404.reason).toMatch(/media error/);
    expect(e404.reason).toContain('missing.webm');
    expect(eCorrupt.reason).toMatch(/media error/);
    const started = await h.core.waitFor(isStarted('good-after-bad'), 8000);
    expect(Math.abs(started.lagMs)).toBeLessThan(1000);
    expect(
      h.core.received.some(
        (m) => m.type === 'started' && (m.playId === 'bad-404' || m.playId === 'bad-corrupt'),
      ),
    ).toBe(false);
    const s = await h.stats();
    expect(s.live).toBe('good-after-bad');
    expect(s.videoVisible).toBe(true);
  });
});

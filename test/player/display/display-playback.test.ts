/**
 * Playback in Chromium against a fake core whose clock stands still: each item starts at its
 * planned instant of the page's clock, a late start seeks to where the item should be, the A/B
 * hand-over shows no black frame, and failed media are reported while the page carries on.
 * How close real playback comes to the plan in wall time (start lag, position drift, the gap
 * between two items) is measured by `npm run bench` (bench/display.ts), not here.
 */
import { describe, expect, it } from 'vitest';
import { isEnded, isError, isStarted, item, T0, useDisplayHarness } from './harness.ts';

const h = useDisplayHarness();

describe('display page: playback', () => {
  it('starts back-to-back items at their planned instants, on alternating elements, with no black frame', async () => {
    const t1 = T0 + 10_000;
    const t2 = t1 + 1000;
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    h.core.send({
      type: 'schedule',
      v: 1,
      items: [item('b2b-1', 'test-clip.webm', t1, 1000), item('b2b-2', 'test-clip.webm', t2, 1000)],
    });

    // Preloaded under the idle screen, and not started before its instant (the clock stands
    // at T0, then a millisecond before t1).
    await expect.poll(() => h.phaseOf('b2b-1'), { timeout: 10_000 }).toBe('ready');
    await h.setClock(t1 - 1);
    expect(await h.phaseOf('b2b-1')).toBe('ready');
    expect((await h.stats()).live).toBeNull();
    expect((await h.stats()).videoVisible).toBe(false);
    expect(h.core.received.some((m) => m.type === 'started')).toBe(false);

    // At t1 exactly: on screen, reported as started at t1 with no lag, from the first frame.
    await h.setClock(t1);
    const started1 = await h.core.waitFor(isStarted('b2b-1'));
    expect(started1).toMatchObject({ at: t1, lagMs: 0 });
    const first = await h.page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('#stage video.live');
      return { id: v?.id, playId: v?.dataset['playId'], paused: v?.paused };
    });
    expect(first).toMatchObject({ playId: 'b2b-1', paused: false });

    // Two elements ready: the live one, and the next item decoded underneath it.
    await expect.poll(() => h.phaseOf('b2b-2'), { timeout: 10_000 }).toBe('ready');
    const ready = await h.page.evaluate(() =>
      [...document.querySelectorAll<HTMLVideoElement>('#stage video')].map((v) => ({
        playId: v.dataset['playId'],
        readyState: v.readyState,
      })),
    );
    expect(ready.map((r) => r.playId).sort()).toEqual(['b2b-1', 'b2b-2']);
    expect(ready.every((r) => r.readyState >= 2)).toBe(true);

    // At t2 the other element takes over; the first ends at that same instant, shown 1 s.
    await h.setClock(t2);
    const started2 = await h.core.waitFor(isStarted('b2b-2'));
    expect(started2).toMatchObject({ at: t2, lagMs: 0 });
    const ended1 = await h.core.waitFor(isEnded('b2b-1'));
    expect(ended1).toMatchObject({ at: t2, secondsShown: 1 });
    const second = await h.page.evaluate(
      () => document.querySelector<HTMLVideoElement>('#stage video.live')?.id,
    );
    expect(second).toBeDefined();
    expect(second).not.toBe(first.id);

    // Every animation frame from item 1 on screen to well into item 2 showed a video element
    // with a decoded frame: the idle screen never flashed and nothing was black.
    await expect
      .poll(async () => (await h.probe()).frames.filter((f) => f.livePlayId === 'b2b-2').length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(10);
    const { frames, events } = await h.probe();
    const from = frames.findIndex((f) => f.livePlayId === 'b2b-1');
    const window = frames.slice(from);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(window.filter((f) => !f.video || f.liveReady < 2)).toEqual([]);
    expect(new Set(window.map((f) => f.livePlayId))).toEqual(new Set(['b2b-1', 'b2b-2']));
    expect(window.map((f) => f.liveId)).toContain(first.id);
    // Both started from the top of the clip: on time, nothing to seek to.
    expect(events.filter((e) => e.type === 'seeking')).toEqual([]);
  });

  it('joins an item already under way at the offset where it should be', async () => {
    const start = T0 + 1000;
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    h.core.send({
      type: 'schedule',
      v: 1,
      items: [item('late', 'test-clip.webm', start, Math.round(h.clipSeconds * 1000))],
    });
    await expect.poll(() => h.phaseOf('late'), { timeout: 10_000 }).toBe('ready');
    // The page learns the time only 1.5 s into the item (a reload, a core that was away).
    await h.setClock(start + 1500);
    const started = await h.core.waitFor(isStarted('late'));
    expect(started).toMatchObject({ at: start + 1500, lagMs: 1500 });
    const seeks = (await h.probe()).events.filter((e) => e.type === 'seeking' && e.playId === 'late');
    expect(seeks.map((e) => e.pos)).toEqual([1.5]);
  });

  it('reports media that 404s or is corrupt as failed plays and still plays the next item', async () => {
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    h.core.send({
      type: 'schedule',
      v: 1,
      items: [
        item('bad-404', 'missing.webm', T0 + 1000, 1500),
        item('bad-corrupt', 'corrupt.webm', T0 + 2500, 1500),
        item('good-after-bad', 'test-clip.webm', T0 + 4000, 2000),
      ],
    });
    // Found out while preloading, before their time: reported at the page's time then.
    const e404 = await h.core.waitFor(isError('bad-404'));
    const eCorrupt = await h.core.waitFor(isError('bad-corrupt'));
    expect(e404.reason).toMatch(/media error/);
    expect(e404.reason).toContain('missing.webm');
    expect(eCorrupt.reason).toMatch(/media error/);
    expect([e404.at, eCorrupt.at]).toEqual([T0, T0]);
    await h.setClock(T0 + 4000);
    const started = await h.core.waitFor(isStarted('good-after-bad'));
    expect(started).toMatchObject({ at: T0 + 4000, lagMs: 0 });
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

/**
 * What keeps a screen alive for weeks, in Chromium against a fake core: a video that never
 * shows a frame is given up after 5 s, and media elements and listeners stay constant over many
 * items and a core that goes away and refuses reconnects for a while.
 */
import { describe, expect, it } from 'vitest';
import { realClock } from '#shared/clock.ts';
import type { HeartbeatMessage } from '#shared/schemas/display.ts';
import { isEnded, isError, isStarted, item, sleep, useDisplayHarness } from './harness.ts';

const h = useDisplayHarness();

describe('display page: endurance', () => {
  it('reports a video that never shows a frame as failed after 5 s and carries on', async () => {
    const now = realClock.now();
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    h.core.send({
      type: 'schedule',
      v: 1,
      items: [
        item('hang', 'hang.webm', now + 500, 4000),
        item('after-hang', 'test-clip.webm', now + 7000, 2000),
      ],
    });
    const err = await h.core.waitFor(isError('hang'), 9000);
    expect(err.reason).toContain('did not start');
    expect(err.at - (now + 500)).toBeGreaterThanOrEqual(4500);
    expect(h.core.received.some((m) => m.type === 'started' && m.playId === 'hang')).toBe(false);
    // The idle screen stayed up: the stuck element was never raised.
    expect((await h.stats()).videoVisible).toBe(false);
    const started = await h.core.waitFor(isStarted('after-hang'), 8000);
    expect(Math.abs(started.lagMs)).toBeLessThan(1000);
  });

  it('keeps media elements and listeners constant over many items and a dropped core connection', async () => {
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    const before = await h.stats();
    expect(before.mediaElements).toBe(2);
    expect(before.listeners).toBeGreaterThan(0);

    const count = 10;
    // Shorter than the page's 500 ms "worth starting late" threshold, on purpose.
    const step = 400;
    const t0 = realClock.now() + 1000;
    const items = Array.from({ length: count }, (_, i) =>
      item(`many-${i}`, 'test-clip.webm', t0 + i * step, step),
    );
    h.core.send({ type: 'schedule', v: 1, items });

    await h.core.waitFor(isStarted('many-3'), 8000);
    // The core goes away for a moment; the page keeps playing what it has and reconnects.
    h.core.refuse();
    h.core.dropClients();
    await sleep(1500);
    h.core.acceptAgain();
    await expect.poll(() => h.core.clients(), { timeout: 10_000 }).toBe(1);
    h.core.send({ type: 'clock', v: 1, now: realClock.now() });

    await h.core.waitFor(isEnded(`many-${count - 1}`), count * step + 8000);
    for (const it of items) {
      expect(h.core.received.filter(isStarted(it.playId))).toHaveLength(1);
      expect(h.core.received.filter(isEnded(it.playId))).toHaveLength(1);
    }
    const after = await h.stats();
    // Refused attempts while the core was away, then one that got through.
    expect(after.reconnects).toBeGreaterThanOrEqual(2);
    expect(after.mediaElements).toBe(before.mediaElements);
    expect(after.listeners).toBe(before.listeners);
    expect(await h.page.evaluate(() => document.querySelectorAll('video, audio').length)).toBe(2);
    expect(after.videoVisible).toBe(false);
    expect(after.screen).toBe('idle');

    const beat = await h.core.waitFor(
      (m): m is HeartbeatMessage => m.type === 'heartbeat' && m.at > t0 + count * step,
      8000,
    );
    expect(beat.mediaElements).toBe(2);
    expect(beat.listeners).toBe(before.listeners);
    expect(h.core.invalid).toEqual([]);
  });
});

/**
 * What keeps a screen alive for weeks, in Chromium against a fake core whose clock stands still
 * (the page's time moves only when the test sends `clock`): a video that never shows a frame is
 * given up 5 s after its start on the page's clock, and media elements and listeners stay
 * constant over many items and a core that goes away and refuses reconnects for a while.
 */
import { describe, expect, it } from 'vitest';
import type { HeartbeatMessage } from '#shared/schemas/display.ts';
import { isEnded, isError, isStarted, item, T0, useDisplayHarness } from './harness.ts';

const h = useDisplayHarness();

describe('display page: endurance', () => {
  it('reports a video that never shows a frame as failed 5 s after its start and carries on', async () => {
    const start = T0 + 500;
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    h.core.send({
      type: 'schedule',
      v: 1,
      items: [item('hang', 'hang.webm', start, 4000), item('after-hang', 'test-clip.webm', T0 + 7000, 2000)],
    });
    await h.setClock(start);
    await expect.poll(() => h.phaseOf('hang'), { timeout: 10_000 }).toBe('starting');
    // 5 s on the page's clock is still within the grace: nothing reported, idle screen up.
    await h.setClock(start + 5000);
    expect(await h.phaseOf('hang')).toBe('starting');
    expect(h.core.received.some((m) => m.type === 'error' || m.type === 'started')).toBe(false);
    await h.setClock(start + 5001);
    const err = await h.core.waitFor(isError('hang'));
    expect(err.reason).toContain('did not start within 5 s');
    expect(err.at).toBe(start + 5001);
    expect(h.core.received.some((m) => m.type === 'started' && m.playId === 'hang')).toBe(false);
    // The idle screen stayed up: the stuck element was never raised.
    expect((await h.stats()).videoVisible).toBe(false);
    await h.setClock(T0 + 7000);
    const started = await h.core.waitFor(isStarted('after-hang'));
    expect(started).toMatchObject({ at: T0 + 7000, lagMs: 0 });
  });

  it('keeps media elements and listeners constant over many items and a dropped core connection', async () => {
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    const before = await h.stats();
    expect(before.mediaElements).toBe(2);
    expect(before.listeners).toBeGreaterThan(0);

    const count = 10;
    // Shorter than the page's 500 ms "worth starting late" threshold, on purpose.
    const step = 400;
    const t0 = T0 + 1000;
    const items = Array.from({ length: count }, (_, i) =>
      item(`many-${i}`, 'test-clip.webm', t0 + i * step, step),
    );
    h.core.send({ type: 'schedule', v: 1, items });

    for (let i = 0; i < count; i++) {
      await h.setClock(t0 + i * step);
      const started = await h.core.waitFor(isStarted(`many-${i}`));
      expect(started.lagMs).toBe(0);
      if (i === 3) {
        // The core goes away; the page keeps what it has and keeps trying to reconnect.
        h.core.refuse();
        h.core.dropClients();
        await expect
          .poll(async () => (await h.stats()).reconnects, { timeout: 10_000 })
          .toBeGreaterThanOrEqual(2);
        expect((await h.stats()).live).toBe('many-3');
        h.core.acceptAgain();
        await expect.poll(() => h.core.clients(), { timeout: 10_000 }).toBe(1);
      }
    }
    // The last item runs out (media done or past its grace) with nothing after it.
    const end = t0 + count * step + 2000;
    await h.setClock(end);
    await h.core.waitFor(isEnded(`many-${count - 1}`));
    for (const it of items) {
      expect(h.core.received.filter(isStarted(it.playId))).toHaveLength(1);
      expect(h.core.received.filter(isEnded(it.playId))).toHaveLength(1);
    }
    const after = await h.stats();
    expect(after.mediaElements).toBe(before.mediaElements);
    expect(after.listeners).toBe(before.listeners);
    expect(await h.page.evaluate(() => document.querySelectorAll('video, audio').length)).toBe(2);
    expect(after.videoVisible).toBe(false);
    expect(after.screen).toBe('idle');

    // The page's heartbeat (sent on every connect) says the same to the core.
    h.core.dropClients();
    const beat = await h.core.waitFor(
      (m): m is HeartbeatMessage => m.type === 'heartbeat' && m.at === end,
      10_000,
    );
    expect(beat.mediaElements).toBe(2);
    expect(beat.listeners).toBe(before.listeners);
    expect(h.core.invalid).toEqual([]);
  });
});

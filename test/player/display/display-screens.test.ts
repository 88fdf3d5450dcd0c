/**
 * The display page's state screens in Chromium against a fake core: pairing, downloading,
 * idle with the site's clock, offline mark and urgent overlay, protocol versions, and what it
 * tells Electron's shell when that is present.
 */
import { describe, expect, it } from 'vitest';
import { item, T0, useDisplayHarness } from './harness.ts';

const h = useDisplayHarness();

describe('display page: state screens', () => {
  it('shows the pairing code in large type with a QR code of the claim URL and Vietnamese instructions', async () => {
    const now = T0;
    const claimUrl = 'http://127.0.0.1:3000/console/#/pair?code=482913';
    h.core.send({
      type: 'state',
      v: 1,
      mode: 'pairing',
      offline: false,
      pairing: { code: '482913', expiresAt: now + 600_000, claimUrl },
    });
    await expect.poll(() => h.page.locator('#pairing-code').textContent()).toBe('482913');
    expect(await h.page.locator('#screen-pairing').isVisible()).toBe(true);
    expect(await h.page.locator('#screen-idle').isVisible()).toBe(false);
    await expect.poll(() => h.page.locator('#pairing-qr').getAttribute('data-qr')).toBe(claimUrl);
    expect(await h.page.locator('#pairing-qr svg').count()).toBe(1);
    const text = await h.page.locator('#screen-pairing').innerText();
    expect(text).toContain('Điểm đặt & màn hình → Ghép nối màn hình mới');
    expect(text).toContain('Sites & screens → Pair a new screen');
    const size = await h.page
      .locator('#pairing-code')
      .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThan(60);

    // Expiry in the site's zone (none yet: Hà Nội), then the expired notice instead of a dead code.
    const at = Date.parse('2024-09-05T08:10:00+07:00');
    h.core.send({ type: 'clock', v: 1, now: at - 60_000, rate: 0 });
    h.core.send({
      type: 'state',
      v: 1,
      mode: 'pairing',
      offline: false,
      pairing: { code: '482913', expiresAt: at },
    });
    await expect.poll(() => h.page.locator('#pairing-expiry').textContent()).toContain('đến 08:10');
    h.core.send({ type: 'clock', v: 1, now: at + 1000, rate: 0 });
    await expect
      .poll(() => h.page.locator('#pairing-expiry').textContent(), { timeout: 3000 })
      .toContain('Mã đã hết hạn');
  });

  it('shows download progress as a bar and a percentage', async () => {
    h.core.send({
      type: 'state',
      v: 1,
      mode: 'downloading',
      offline: false,
      download: { done: 1, total: 2, bytesDone: 45 * 1_048_576, bytesTotal: 100 * 1_048_576 },
    });
    await expect.poll(() => h.page.locator('#download-text').textContent()).toContain('45%');
    expect(await h.page.locator('#screen-downloading').isVisible()).toBe(true);
    const width = await h.page.locator('#download-bar').evaluate((el) => (el as HTMLElement).style.width);
    expect(width).toBe('45%');
  });

  it("idles with the iHanoi QR code, the site's name and a 24-hour clock in the site's own zone", async () => {
    // 19:05 on Thursday 05/09/2024 in Hà Nội; 08:05 the same morning in New York (EDT, DST).
    const instant = Date.parse('2024-09-05T19:05:30+07:00');
    h.core.send({ type: 'clock', v: 1, now: instant, rate: 0 });
    h.core.send({
      type: 'state',
      v: 1,
      mode: 'idle',
      offline: false,
      site: { name: 'Ga Hà Nội', timeZone: 'Asia/Ho_Chi_Minh' },
    });
    await expect.poll(() => h.page.locator('#idle-time').textContent()).toBe('19:05');
    expect(await h.page.locator('#idle-date').textContent()).toBe('Thứ Năm, 05/09/2024');
    expect(await h.page.locator('#idle-site').textContent()).toBe('Ga Hà Nội');
    expect(await h.page.locator('#screen-idle').innerText()).toContain('Quét mã QR để tải iHanoi');
    await expect.poll(() => h.page.locator('#idle-qr').getAttribute('data-qr')).toMatch(/^https:\/\//);

    h.core.send({
      type: 'state',
      v: 1,
      mode: 'idle',
      offline: false,
      site: { name: 'Test site', timeZone: 'America/New_York' },
    });
    await expect.poll(() => h.page.locator('#idle-time').textContent()).toBe('08:05');
    expect(await h.page.locator('#idle-date').textContent()).toBe('Thứ Năm, 05/09/2024');
  });

  it('shows the offline mark and the urgent message over everything, and hides them again', async () => {
    h.core.send({
      type: 'state',
      v: 1,
      mode: 'idle',
      offline: true,
      message: 'Sơ tán ngay khỏi tòa nhà / Evacuate now',
    });
    await expect.poll(() => h.page.locator('#offline').isVisible()).toBe(true);
    expect(await h.page.locator('#offline').innerText()).toContain('Mất kết nối');
    // Readable from a few metres: at least 3 % of the screen's short side (32 px at 1080p).
    const [size, short] = await h.page.evaluate(() => [
      parseFloat(getComputedStyle(document.getElementById('offline')!).fontSize),
      Math.min(innerWidth, innerHeight),
    ]);
    expect(size).toBeGreaterThanOrEqual(0.03 * short - 0.01);
    expect(await h.page.locator('#overlay-text').textContent()).toBe(
      'Sơ tán ngay khỏi tòa nhà / Evacuate now',
    );
    expect(await h.page.locator('#overlay').isVisible()).toBe(true);
    h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
    await expect.poll(() => h.page.locator('#offline').isVisible()).toBe(false);
    expect(await h.page.locator('#overlay').isVisible()).toBe(false);
  });

  it('ignores messages of another protocol version instead of acting on them', async () => {
    h.core.send({
      type: 'state',
      v: 1,
      mode: 'idle',
      offline: false,
      site: { name: 'Kept', timeZone: 'Asia/Ho_Chi_Minh' },
    });
    await expect.poll(() => h.page.locator('#idle-site').textContent()).toBe('Kept');
    h.core.send({ type: 'state', v: 2, mode: 'pairing', offline: false } as never);
    await expect.poll(async () => (await h.stats()).rejectedMessages).toBe(1);
    expect((await h.stats()).screen).toBe('idle');
  });
});

describe('display page: inside the Electron shell', () => {
  it("tells the shell's window.kiosk when it is ready, what it shows and what failed", async () => {
    const kioskPage = await h.browser.context.newPage();
    try {
      await kioskPage.addInitScript(() => {
        const events: unknown[] = [];
        (window as unknown as { __kioskEvents: unknown[] }).__kioskEvents = events;
        (window as unknown as { kiosk: unknown }).kiosk = {
          reportDisplayEvent: async (e: unknown) => {
            events.push(e);
          },
          onCommand: () => () => undefined,
          getInfo: async () => ({}),
          requestRestart: async () => 'wait',
        };
      });
      await kioskPage.goto(h.core.url);
      await expect.poll(() => h.core.clients(), { timeout: 10_000 }).toBe(2);
      const now = T0;
      h.core.send({ type: 'clock', v: 1, now, rate: 0 });
      h.core.send({ type: 'state', v: 1, mode: 'idle', offline: false });
      h.core.send({ type: 'schedule', v: 1, items: [item('kiosk-404', 'nope.webm', now + 300, 1000)] });
      const events = async (): Promise<unknown[]> =>
        kioskPage.evaluate(() => (window as unknown as { __kioskEvents: unknown[] }).__kioskEvents);
      await expect
        .poll(async () => (await events()).some((e) => (e as { type: string }).type === 'error'), {
          timeout: 5000,
        })
        .toBe(true);
      const seen = await events();
      expect(seen[0]).toEqual({ type: 'ready' });
      expect(seen).toContainEqual({ type: 'state', state: 'connecting' });
      expect(seen).toContainEqual({ type: 'state', state: 'idle' });
      expect(
        (seen.find((e) => (e as { type: string }).type === 'error') as { message: string }).message,
      ).toContain('nope.webm');
    } finally {
      await kioskPage.close();
    }
  });
});

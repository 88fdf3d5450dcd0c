import { describe, expect, it } from 'vitest';
import {
  HIDE_CURSOR_CSS,
  KIOSK_PARTITION,
  hideCursorOnEveryLoad,
  kioskWindowOptions,
  type CursorHidingContents,
} from '../../../player/electron/window-options.ts';

describe('kioskWindowOptions', () => {
  it('builds a frameless full-screen kiosk window with a locked-down renderer', () => {
    const o = kioskWindowOptions({
      preloadPath: '/opt/iHanoi Player/resources/app.asar/dist-electron/preload.cjs',
    });
    expect(o).toMatchObject({
      fullscreen: true,
      kiosk: true,
      frame: false,
      backgroundColor: '#000000',
      autoHideMenuBar: true,
      show: false,
    });
    expect(o.webPreferences).toMatchObject({
      preload: '/opt/iHanoi Player/resources/app.asar/dist-electron/preload.cjs',
      partition: KIOSK_PARTITION,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      backgroundThrottling: false,
      autoplayPolicy: 'no-user-gesture-required',
      devTools: false,
    });
    expect(KIOSK_PARTITION.startsWith('persist:')).toBe(true);
  });

  it('keeps the renderer locked down in windowed development mode too', () => {
    const o = kioskWindowOptions({ preloadPath: '/p.cjs', windowed: true });
    expect(o.kiosk).toBe(false);
    expect(o.fullscreen).toBe(false);
    expect(o.frame).toBe(true);
    expect(o.webPreferences?.sandbox).toBe(true);
    expect(o.webPreferences?.contextIsolation).toBe(true);
    expect(o.webPreferences?.nodeIntegration).toBe(false);
    expect(o.webPreferences?.devTools).toBe(true);
  });
});

describe('hideCursorOnEveryLoad', () => {
  it('inserts the cursor:none rule as user CSS after each load', async () => {
    let onLoad: (() => void) | undefined;
    const inserted: Array<{ css: string; origin: string | undefined }> = [];
    const contents: CursorHidingContents = {
      on: (_event, listener) => (onLoad = listener),
      insertCSS: async (css, options) => {
        inserted.push({ css, origin: options?.cssOrigin });
        return 'key';
      },
    };
    hideCursorOnEveryLoad(contents);
    expect(inserted).toHaveLength(0);
    onLoad!();
    onLoad!(); // a reload after a crash
    expect(inserted).toEqual([
      { css: HIDE_CURSOR_CSS, origin: 'user' },
      { css: HIDE_CURSOR_CSS, origin: 'user' },
    ]);
    expect(HIDE_CURSOR_CSS).toMatch(/cursor:\s*none\s*!important/);
  });

  it('logs instead of throwing when the page is gone before the CSS lands', async () => {
    let onLoad: (() => void) | undefined;
    const logged: string[] = [];
    hideCursorOnEveryLoad(
      {
        on: (_e, l) => (onLoad = l),
        insertCSS: () => Promise.reject(new Error('Render frame was disposed')),
      },
      (m) => logged.push(m),
    );
    onLoad!();
    await new Promise((r) => setImmediate(r));
    expect(logged).toEqual(['could not hide the cursor: Error: Render frame was disposed']);
  });
});

/**
 * The kiosk window: full screen, no frame, no menu, black behind the video, no cursor.
 * Pure data plus one tiny hook, so it is checked under plain Node without Electron.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** The window's own session partition: hardened separately from the default session. */
export const KIOSK_PARTITION = 'persist:kiosk';

export interface KioskWindowOptionsInput {
  /** Absolute path of the bundled preload script (dist-electron/preload.cjs). */
  preloadPath: string;
  /** Development only: a framed, windowed window that can be moved aside. */
  windowed?: boolean;
}

export function kioskWindowOptions(input: KioskWindowOptionsInput): BrowserWindowConstructorOptions {
  const kiosk = !input.windowed;
  return {
    show: false,
    fullscreen: kiosk,
    kiosk,
    frame: !kiosk,
    // Black, not white: a flash of white between a crash and the reload is what people notice.
    backgroundColor: '#000000',
    autoHideMenuBar: true,
    title: 'iHanoi Player',
    webPreferences: {
      preload: input.preloadPath,
      partition: KIOSK_PARTITION,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // The page keeps playing when the OS thinks the window is hidden (screen savers,
      // another window briefly on top): throttled timers would make plays start late.
      backgroundThrottling: false,
      // Nobody is there to click: videos must start with sound and without a gesture.
      autoplayPolicy: 'no-user-gesture-required',
      devTools: !kiosk,
    },
  };
}

/** Hides the pointer over the whole page, including elements that set their own cursor. */
export const HIDE_CURSOR_CSS = '*, *::before, *::after { cursor: none !important; }';

export interface CursorHidingContents {
  on(event: 'did-finish-load', listener: () => void): unknown;
  insertCSS(css: string, options?: { cssOrigin?: 'user' | 'author' }): Promise<string>;
}

/**
 * Inserts HIDE_CURSOR_CSS after every load (a reload after a crash starts from a fresh
 * document, so doing it once is not enough). User-origin CSS is not subject to the page's CSP.
 */
export function hideCursorOnEveryLoad(
  contents: CursorHidingContents,
  log: (m: string) => void = () => {},
): void {
  contents.on('did-finish-load', () => {
    contents.insertCSS(HIDE_CURSOR_CSS, { cssOrigin: 'user' }).catch((err: unknown) => {
      log(`could not hide the cursor: ${String(err)}`);
    });
  });
}

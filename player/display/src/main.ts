/**
 * The display page: connects to the player core's local WebSocket, shows the screen for the
 * core's state, and plays the schedule it is given. It works the same in Electron's window and
 * in a kiosk-mode Chromium pointed at http://127.0.0.1:<port>/.
 */
// First: the page's CSP allows no eval (see the module).
import '#shared/zod-jitless.ts';
import {
  DISPLAY_PROTOCOL_VERSION,
  DISPLAY_WS_PATH,
  type CoreToDisplay,
  type DisplayToCore,
} from '#shared/schemas/display.ts';
import type { KioskApi } from '../../electron/kiosk-api.ts';
import { captureFrame } from './capture.ts';
import { CoreConnection } from './connection.ts';
import { ListenerRegistry } from './listeners.ts';
import { PageClock } from './page-clock.ts';
import { Playback } from './playback.ts';
import { Screens } from './screens.ts';

const HEARTBEAT_MS = 5000;

declare global {
  interface Window {
    /** Present only in Electron's kiosk window (its preload); absent in browser mode. */
    kiosk?: KioskApi;
    __displayStats: unknown;
  }
}

// The shell logs what the page shows next to its own restarts and updates; in browser mode
// there is no shell and these calls are skipped.
const kiosk = window.kiosk;
function toShell(event: Parameters<KioskApi['reportDisplayEvent']>[0]): void {
  kiosk?.reportDisplayEvent(event).catch(() => undefined);
}
let shownState = '';
function reportShown(): void {
  const state = screens.showingVideo ? 'playing' : screens.current;
  if (state === shownState) return;
  shownState = state;
  toShell({ type: 'state', state });
}

const listeners = new ListenerRegistry();
const clock = new PageClock();
const screens = new Screens();
let serverOffline = false;

const stage = document.getElementById('stage');
if (!stage) throw new Error('display page: #stage is missing from index.html');

function wsUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${DISPLAY_WS_PATH}`;
}

const connection = new CoreConnection(wsUrl(), listeners, {
  onMessage: (message) => handle(message),
  onStatus: (connected) => {
    screens.setOffline(!connected || serverOffline);
    if (connected) heartbeat();
  },
});

function report(message: DisplayToCore): void {
  connection.send(message);
  if (message.type === 'error') toShell({ type: 'error', message: message.reason });
}

const playback = new Playback(stage, clock, listeners, {
  report,
  onVideoVisible: (visible) => {
    screens.setVideoVisible(visible);
    reportShown();
  },
});

function handle(message: CoreToDisplay): void {
  switch (message.type) {
    case 'clock':
      clock.sync(message.now, message.rate);
      playback.clockChanged();
      screens.tick(clock.now());
      break;
    case 'state':
      serverOffline = message.offline;
      screens.setOffline(serverOffline || !connection.connected);
      screens.apply(message, clock.now());
      reportShown();
      reportUrgent();
      break;
    case 'schedule':
      playback.setSchedule(message.items);
      break;
    case 'capture': {
      const at = Math.round(clock.now());
      try {
        const frame = captureFrame(screens.showingVideo, screens.current);
        connection.send({
          type: 'frame',
          v: DISPLAY_PROTOCOL_VERSION,
          requestId: message.requestId,
          at,
          ...frame,
        });
      } catch (err) {
        connection.send({
          type: 'frame',
          v: DISPLAY_PROTOCOL_VERSION,
          requestId: message.requestId,
          at,
          error: (err as Error).message.slice(0, 500),
        });
      }
      break;
    }
  }
}

/**
 * Proof of display for urgent warnings: once a warning is on screen (after the next frame is
 * drawn), the page tells the core, which tells the server. Reported once per warning id.
 */
let urgentReported: string | null = null;
function reportUrgent(): void {
  const id = screens.urgentId;
  if (id === urgentReported) return;
  urgentReported = id;
  if (id === null) return;
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      if (screens.urgentId !== id) return;
      connection.send({ type: 'urgent_shown', v: DISPLAY_PROTOCOL_VERSION, id, at: Math.round(clock.now()) });
    }),
  );
}

function countMedia(): number {
  return document.querySelectorAll('video, audio').length;
}

function heartbeat(): void {
  connection.send({
    type: 'heartbeat',
    v: DISPLAY_PROTOCOL_VERSION,
    at: Math.round(clock.now()),
    mediaElements: countMedia(),
    listeners: listeners.size,
  });
}

setInterval(() => screens.tick(clock.now()), 1000);
setInterval(heartbeat, HEARTBEAT_MS);

/** For tests and for anyone looking at a screen through DevTools. */
Object.defineProperty(window, '__displayStats', {
  get: () => ({
    mediaElements: countMedia(),
    listeners: listeners.size,
    connected: connection.connected,
    reconnects: connection.reconnects,
    queued: connection.queued,
    rejectedMessages: connection.rejected,
    screen: screens.current,
    urgent: screens.urgentId,
    videoVisible: screens.showingVideo,
    clockSynced: clock.isSynced,
    now: clock.now(),
    live: playback.livePlayId,
    slots: playback.describeSlots(),
    starts: playback.starts.slice(),
    errors: playback.errors,
  }),
});

kiosk?.onCommand((command) => {
  // Nothing to ask anyone at an unattended screen; the shell acts by itself.
  console.info('display: shell command', command.type);
});
connection.start();
toShell({ type: 'ready' });
reportShown();

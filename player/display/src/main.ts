/**
 * The display page: connects to the player core's local WebSocket, shows the screen for the
 * core's state, and plays the schedule it is given. It works the same in Electron's window and
 * in a kiosk-mode Chromium pointed at http://127.0.0.1:<port>/.
 */
import { DISPLAY_PROTOCOL_VERSION, DISPLAY_WS_PATH, type CoreToDisplay } from '#shared/schemas/display.ts';
import { CoreConnection } from './connection.ts';
import { ListenerRegistry } from './listeners.ts';
import { PageClock } from './page-clock.ts';
import { Playback } from './playback.ts';
import { Screens } from './screens.ts';

const HEARTBEAT_MS = 5000;

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

const playback = new Playback(stage, clock, listeners, {
  report: (message) => connection.send(message),
  onVideoVisible: (visible) => screens.setVideoVisible(visible),
});

function handle(message: CoreToDisplay): void {
  switch (message.type) {
    case 'clock':
      clock.sync(message.now);
      playback.clockChanged();
      screens.tick(clock.now());
      break;
    case 'state':
      serverOffline = message.offline;
      screens.setOffline(serverOffline || !connection.connected);
      screens.apply(message, clock.now());
      break;
    case 'schedule':
      playback.setSchedule(message.items);
      break;
  }
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
declare global {
  interface Window {
    __displayStats: unknown;
  }
}
Object.defineProperty(window, '__displayStats', {
  get: () => ({
    mediaElements: countMedia(),
    listeners: listeners.size,
    connected: connection.connected,
    reconnects: connection.reconnects,
    queued: connection.queued,
    rejectedMessages: connection.rejected,
    screen: screens.current,
    videoVisible: screens.showingVideo,
    clockSynced: clock.isSynced,
    now: clock.now(),
    live: playback.livePlayId,
    slots: playback.describeSlots(),
    starts: playback.starts.slice(),
    errors: playback.errors,
  }),
});

connection.start();

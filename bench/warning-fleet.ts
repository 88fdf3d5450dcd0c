/**
 * The players of bench/warning.ts, in a child process so they do not share the server's event
 * loop. Each is a bare protocol client that says hello, answers pings, and reports an urgent
 * warning as shown (and cleared) the moment it arrives: the display page's own drawing time is
 * not part of what this measures.
 */
import WebSocket from 'ws';
import { frameText } from '#server/ws/frame-text.ts';

type Cred = { screenId: string; token: string };
type Cmd = { cmd: 'players'; url: string; creds: Cred[] } | { cmd: 'close' };

const send = (m: object) => process.send!(m);
const sockets: WebSocket[] = [];

async function players(url: string, creds: Cred[]): Promise<void> {
  const wsUrl = url.replace(/^http/, 'ws') + '/ws/player';
  let next = 0;
  let ready = 0;
  const open = (c: Cred) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(wsUrl);
      sockets.push(ws);
      ws.on('open', () =>
        ws.send(
          JSON.stringify({
            type: 'hello',
            v: 1,
            screenId: c.screenId,
            token: c.token,
            playerVersion: 'bench',
            cachedMedia: [],
            clock: 0,
          }),
        ),
      );
      ws.on('error', reject);
      ws.on('message', (data) => {
        const text = frameText(data);
        const m = JSON.parse(text) as {
          type: string;
          serverTime?: number;
          warning?: { id: string };
          warningId?: string;
        };
        if (m.type === 'welcome') {
          ready++;
          resolve();
        } else if (m.type === 'ping') {
          ws.send(JSON.stringify({ type: 'pong', v: 1, serverTime: m.serverTime, clock: 0 }));
        } else if (m.type === 'warning') {
          ws.send(JSON.stringify({ type: 'warning_shown', v: 1, warningId: m.warning!.id, at: 0 }));
        } else if (m.type === 'warning_clear') {
          ws.send(
            JSON.stringify({
              type: 'warning_cleared',
              v: 1,
              warningId: m.warningId,
              at: 0,
              reason: 'cancelled',
            }),
          );
        }
      });
    });
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < creds.length) await open(creds[next++]!);
    }),
  );
  send({ ev: 'ready', ready });
}

if (process.send) {
  process.on('message', (c: Cmd) => {
    if (c.cmd === 'players')
      players(c.url, c.creds).catch((err: unknown) =>
        send({ ev: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
    else {
      for (const s of sockets) s.terminate();
      send({ ev: 'closed' });
    }
  });
  send({ ev: 'up' });
}

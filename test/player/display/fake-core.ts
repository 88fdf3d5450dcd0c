/**
 * A stand-in for the player core, for the display page's own tests: it serves the built page
 * (player/display/dist), sample media with Range support, and speaks the display protocol on
 * /display. It checks every message the page sends against the shared schema, so a page that
 * drifts from the contract fails here and not on a screen.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DisplayToCore, type CoreToDisplay } from '#shared/schemas/display.ts';
import { contentSecurityPolicy } from '#player/electron/security.ts';
import { frameText } from '#player/core/frame-text.ts';

const REPO = resolve(import.meta.dirname, '../../..');
export const DIST_DIR = join(REPO, 'player/display/dist');
export const MEDIA_DIR = join(REPO, 'playlists/media');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.svg': 'image/svg+xml',
};

export interface FakeCore {
  url: string;
  port: number;
  /** Every valid message the page sent, in order. */
  received: DisplayToCore[];
  /** Messages that failed the schema (must stay empty). */
  invalid: unknown[];
  clients(): number;
  send(message: CoreToDisplay): void;
  waitFor<T extends DisplayToCore>(pred: (m: DisplayToCore) => m is T, timeoutMs?: number): Promise<T>;
  waitForClient(timeoutMs?: number): Promise<void>;
  /** Drops every page connection (the page must reconnect by itself). */
  dropClients(): void;
  /** Stops accepting WebSocket upgrades (as if the core were down) until `acceptAgain`. */
  refuse(): void;
  acceptAgain(): void;
  close(): Promise<void>;
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string): void {
  const size = statSync(file).size;
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : size - Number(range[2]);
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-type': type,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${size}`,
      'accept-ranges': 'bytes',
    });
    createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { 'content-type': type, 'content-length': size, 'accept-ranges': 'bytes' });
  createReadStream(file).pipe(res);
}

/** Bytes that claim to be a WebM but are not: the decoder must give up with a media error. */
const CORRUPT = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(4096, 0x5a)]);

export async function startFakeCore(): Promise<FakeCore> {
  if (!existsSync(join(DIST_DIR, 'index.html'))) {
    throw new Error('player/display/dist is missing: run `npm run build:web` (npm test does it in pretest)');
  }
  const sockets = new Set<WebSocket>();
  const received: DisplayToCore[] = [];
  const invalid: unknown[] = [];
  const waiters = new Set<() => void>();
  let refusing = false;

  let origin = '';
  const server: Server = createServer((req, res) => {
    // The Electron shell adds this policy to everything its window loads; serving it here runs
    // every page test under it, so the page cannot drift into needing inline script or style.
    res.setHeader('content-security-policy', contentSecurityPolicy(origin));
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/media/hang.webm') {
      // Headers, then nothing: a video that never gets a frame (stuck disk, dying decoder).
      res.writeHead(200, { 'content-type': 'video/webm', 'content-length': 10_000_000 });
      res.flushHeaders();
      return;
    }
    if (path === '/media/corrupt.webm') {
      res.writeHead(200, { 'content-type': 'video/webm', 'content-length': CORRUPT.length }).end(CORRUPT);
      return;
    }
    const [base, rel] = path.startsWith('/media/')
      ? [MEDIA_DIR, path.slice(7)]
      : [DIST_DIR, path === '/' ? 'index.html' : path.slice(1)];
    const file = normalize(join(base, rel));
    if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    sendFile(req, res, file);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (refusing || new URL(req.url ?? '/', 'http://x').pathname !== '/display') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        let raw: unknown;
        try {
          raw = JSON.parse(frameText(data));
        } catch {
          invalid.push(frameText(data));
          return;
        }
        const parsed = DisplayToCore.safeParse(raw);
        if (parsed.success) received.push(parsed.data);
        else invalid.push(raw);
        for (const w of [...waiters]) w();
      });
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      if (check()) {
        resolvePromise();
        return;
      }
      const done = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        waiters.delete(done);
        resolvePromise();
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        reject(
          new Error(
            `fake core: timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(received.map((m) => m.type))}`,
          ),
        );
      }, timeoutMs);
      waiters.add(done);
    });
  }

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    received,
    invalid,
    clients: () => sockets.size,
    send(message) {
      const text = JSON.stringify(message);
      for (const ws of sockets) ws.send(text);
    },
    async waitFor<T extends DisplayToCore>(
      pred: (m: DisplayToCore) => m is T,
      timeoutMs = 10_000,
    ): Promise<T> {
      let found: T | undefined;
      await until(() => (found = received.find(pred)) !== undefined, timeoutMs, 'a matching message');
      return found as T;
    },
    waitForClient(timeoutMs = 10_000) {
      return until(() => sockets.size > 0, timeoutMs, 'the page to connect');
    },
    dropClients() {
      for (const ws of sockets) ws.terminate();
    },
    refuse() {
      refusing = true;
    },
    acceptAgain() {
      refusing = false;
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

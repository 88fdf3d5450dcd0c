/**
 * The core's local HTTP server on 127.0.0.1: the display page (player/display/dist), the cached
 * media (with Range, which <video> needs for seeking) and the /display WebSocket. It listens on
 * loopback only: nothing on the venue network can reach a screen's player.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseRange } from '#shared/http-range.ts';
import { DISPLAY_WS_PATH, DisplayToCore, type CoreToDisplay } from '#shared/schemas/display.ts';
import type { Log } from './cache.ts';
import { frameText } from './frame-text.ts';
import { contentSecurityPolicy as displayCsp } from '../electron/security.ts';

const DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '../display/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

const NO_BUILD_PAGE = `<!doctype html><meta charset="utf-8"><title>iHanoi player</title>
<body style="font:20px sans-serif;background:#000;color:#fff;padding:2em">
<p>Chưa có trang hiển thị: chạy <code>npm run build:web</code> rồi khởi động lại trình phát.</p>
<p>The display page is not built: run <code>npm run build:web</code> and restart the player.</p></body>`;

export interface DisplayServerOptions {
  port: number;
  log: Log;
  mediaFile(sha256: string): string | undefined;
  mimeOf(sha256: string): string;
  onMessage(msg: DisplayToCore): void;
  onConnect(): void;
  onDisconnect(): void;
  distDir?: string | undefined;
}

export class DisplayServer {
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<WebSocket>();
  url = '';

  constructor(private readonly o: DisplayServerOptions) {}

  connected(): boolean {
    return this.sockets.size > 0;
  }

  broadcast(msg: CoreToDisplay): void {
    const text = JSON.stringify(msg);
    for (const s of this.sockets) if (s.readyState === s.OPEN) s.send(text);
  }

  async start(): Promise<string> {
    const dist = this.o.distDir ?? DIST;
    const server = createServer((req, res) => this.handle(dist, req, res));
    const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * 1024 * 1024 });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Only pages served by this server may connect (a web page elsewhere could otherwise
      // drive the journal through a browser on the same PC).
      const origin = req.headers.origin;
      if (
        url.pathname !== DISPLAY_WS_PATH ||
        (origin && !/^(http:\/\/(127\.0\.0\.1|localhost)(:\d+)?|file:\/\/|null)$/.test(origin))
      ) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, '127.0.0.1', () => resolveListen());
    });
    const addr = server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : this.o.port}/`;
    return this.url;
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('message', (data) => {
      let parsed;
      try {
        parsed = DisplayToCore.safeParse(JSON.parse(frameText(data)));
      } catch {
        return;
      }
      if (!parsed.success) {
        this.o.log('warn', 'display sent an invalid message', { issue: parsed.error.issues[0]?.message });
        return;
      }
      this.o.onMessage(parsed.data);
    });
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.o.onDisconnect();
    });
    ws.on('error', () => ws.close());
    this.o.onConnect();
  }

  private handle(dist: string, req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The page's own <meta> policy cannot forbid framing; these headers can, on every answer.
    res.setHeader('content-security-policy', displayCsp(`http://${req.headers.host ?? '127.0.0.1'}`));
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    const media = /^\/media\/([0-9a-f]{64})$/.exec(url.pathname);
    if (media) {
      const file = this.o.mediaFile(media[1]!);
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      this.sendFile(req, res, file, this.o.mimeOf(media[1]!));
      return;
    }
    if (!existsSync(join(dist, 'index.html'))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(NO_BUILD_PAGE);
      return;
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = normalize(join(dist, rel));
    if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    this.sendFile(req, res, file, TYPES[extname(file)] ?? 'application/octet-stream');
  }

  private sendFile(req: IncomingMessage, res: ServerResponse, file: string, type: string): void {
    const size = statSync(file).size;
    const range = parseRange(req.headers.range, size);
    const headers = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' };
    if (range.kind === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    if (range.kind === 'range') {
      const { start, end } = range;
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': end - start + 1,
      });
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': size });
    createReadStream(file).pipe(res);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    this.wss?.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server?.closeAllConnections();
  }
}

/**
 * Push: a plan change reaching every connected player. Our path is the real one: the server
 * sends `plan_changed`, each player pulls, the server builds that screen's plan from SQLite and
 * sends it; the clock stops when every player holds the new version. Beside it, the same bytes
 * (one plan message) broadcast by a bare `ws` server, and by socket.io (what piSignage uses) —
 * both with no round trip and no database, so they are a floor, not a like-for-like rival.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { Server as SocketIoServer } from 'socket.io';
import { planMessage } from '#server/ws/plan.ts';
import { Fleet, fmt, startBenchServer } from './player-setup.ts';

export interface PushBenchResult {
  players: number;
  oursMs: number;
  rawWsMs: number;
  socketIoMs: number;
  planBytes: number;
}

export async function run(
  options: { screens?: number; log?: (line: string) => void } = {},
): Promise<PushBenchResult> {
  const n = options.screens ?? 10_000;
  const log = options.log ?? console.log;
  log(`push: ${n.toLocaleString('en-US')} players (server in this process, players in one child process)`);
  const server = await startBenchServer(n);
  const fleet = await Fleet.start();
  try {
    let t = performance.now();
    fleet.send({ cmd: 'players', url: server.url, creds: server.creds, version: 2 });
    await fleet.next('ready');
    log(`  ${n} players connected and said hello in ${fmt((performance.now() - t) / 1000)} s`);

    // The plan service's part (storing version 2) is not what is measured here.
    server.db.prepare('UPDATE screen_plans SET version = 2').run();
    const screenIds = server.creds.map((c) => c.screenId);
    const done = fleet.next('done');
    t = performance.now();
    server.app.events.emit('plans-updated', { screenIds });
    await done;
    const oursMs = performance.now() - t;
    log(`  ours (plan_changed → pull → plan from SQLite): ${fmt(oursMs, 0)} ms`);
    fleet.send({ cmd: 'close' });
    await fleet.next('closed');

    const payload = planMessage(
      server.app.repos.planMessages,
      screenIds[0]!,
      server.app.clock.now(),
    )!.message;

    // Bare ws broadcast of the same bytes.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const rawPort = (wss.address() as { port: number }).port;
    fleet.send({ cmd: 'raw', url: `ws://127.0.0.1:${rawPort}`, n });
    await fleet.next('ready');
    let rawDone = fleet.next('done');
    t = performance.now();
    for (const c of wss.clients) c.send(payload);
    await rawDone;
    const rawWsMs = performance.now() - t;
    log(`  raw ws broadcast of the same ${payload.length} bytes: ${fmt(rawWsMs, 0)} ms`);
    fleet.send({ cmd: 'close' });
    await fleet.next('closed');
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));

    // socket.io broadcast.
    const http = createServer();
    const io = new SocketIoServer(http, { transports: ['websocket'] });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const ioPort = (http.address() as { port: number }).port;
    fleet.send({ cmd: 'sio', url: `http://127.0.0.1:${ioPort}`, n });
    await fleet.next('ready');
    rawDone = fleet.next('done');
    t = performance.now();
    io.emit('plan', payload);
    await rawDone;
    const socketIoMs = performance.now() - t;
    log(`  socket.io broadcast of the same bytes: ${fmt(socketIoMs, 0)} ms`);
    fleet.send({ cmd: 'close' });
    await fleet.next('closed');
    await new Promise((r) => io.close(r));

    log(`  ratio ours / raw ws = ${fmt(oursMs / rawWsMs)}×; ours / socket.io = ${fmt(oursMs / socketIoMs)}×`);
    return { players: n, oursMs, rawWsMs, socketIoMs, planBytes: payload.length };
  } finally {
    await fleet.stop();
    await server.close();
  }
}

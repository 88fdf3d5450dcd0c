/**
 * Push: a plan change reaching every connected player. Ours is the real path: the plan service
 * has stored each screen's new plan message and hands the encoded bytes over with its
 * 'plans-updated' event (not timed), the gateway pushes those bytes to each screen's socket in
 * slices with no lookup, and the clock stops when every player has parsed a plan of the new
 * version. Beside it, the same plan bytes broadcast by a bare `ws` server and by socket.io (what
 * piSignage uses), each client parsing the JSON as ours does. All three fleets stay connected;
 * runs alternate ours, raw ws, socket.io, three times, and the medians are compared.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { Server as SocketIoServer } from 'socket.io';
import { planMessage, storePlanMessage } from '#server/ws/plan.ts';
import type { PlanBytes } from '#server/events.ts';
import { Fleet, fmt, mb, median, ROUNDS, rssSampler, scaled, startBenchServer } from './player-setup.ts';
import { goal } from './goals.ts';

export interface PushBenchResult {
  players: number;
  oursMs: number;
  rawWsMs: number;
  socketIoMs: number;
  planBytes: number;
  serverPeakRss: number;
}

export async function run(
  options: { screens?: number; log?: (line: string) => void } = {},
): Promise<PushBenchResult> {
  const n = options.screens ?? scaled(10_000);
  const log = options.log ?? console.log;
  log(
    `push: ${n.toLocaleString('en-US')} players per fleet (servers in this process, players in one child process)`,
  );
  const rss = rssSampler();
  const server = await startBenchServer(n);
  const fleet = await Fleet.start();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096 });
  const wssListening = new Promise((r) => wss.once('listening', r));
  const http = createServer();
  const io = new SocketIoServer(http, { transports: ['websocket'] });
  const screenIds = server.creds.map((c) => c.screenId);
  const repo = server.app.repos.planMessages;
  let version = 1;
  let serverRss = 0;
  // One fleet connected at a time: three fleets of 10,000 sockets on both ends would pass the
  // machine's limit on open files (20,000 here).
  const close = async () => {
    fleet.send({ cmd: 'close' });
    await fleet.next('closed');
  };
  try {
    const ours = async (first: boolean) => {
      const t = performance.now();
      fleet.send({ cmd: 'players', url: server.url, creds: server.creds });
      await fleet.next('ready');
      if (first) log(`  ${n} players connected and welcomed in ${fmt((performance.now() - t) / 1000)} s`);
      // The plan service's part, untimed: a new version stored with its message bytes.
      version++;
      server.db.prepare('UPDATE screen_plans SET version = ?').run(version);
      // As the plan service hands them over: each message encoded once, with its version.
      const messages = new Map<string, PlanBytes>();
      server.db.transaction(() => {
        for (const id of screenIds) {
          const row = storePlanMessage(repo, id, server.app.clock.now());
          if (row) messages.set(id, { version: row.version, bytes: Buffer.from(row.message) });
        }
      })();
      fleet.send({ cmd: 'arm', fleet: 'players', version });
      await fleet.next('armed');
      const done = fleet.next('done');
      const t0 = performance.now();
      server.app.events.emit('plans-updated', { screenIds, messages });
      await done;
      const ms = performance.now() - t0;
      serverRss = Math.max(serverRss, rss.peak());
      await close();
      return ms;
    };
    // One untimed round first: the first push ever also warms the JIT and the sockets' buffers.
    await ours(true);
    // The server's figure: its peak while only its own players were connected and pushed to.
    // The rounds after it also hold the raw ws and socket.io servers with their 10,000 sockets
    // in this process, and the heap they grow is not handed back to the system at once.
    const withPlayersRss = serverRss;
    log(
      `  server process peak RSS with ${n.toLocaleString('en-US')} players connected: ${mb(withPlayersRss)}`,
    );

    const payload = planMessage(repo, screenIds[0]!, server.app.clock.now())!.message;
    await wssListening;
    await new Promise<void>((r) => http.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));

    const broadcast = async (which: 'raw' | 'sio') => {
      if (which === 'raw')
        fleet.send({ cmd: 'raw', url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, n });
      else
        fleet.send({ cmd: 'sio', url: `http://127.0.0.1:${(http.address() as { port: number }).port}`, n });
      await fleet.next('ready');
      fleet.send({ cmd: 'arm', fleet: which });
      await fleet.next('armed');
      const done = fleet.next('done');
      const t0 = performance.now();
      if (which === 'raw') for (const c of wss.clients) c.send(payload);
      else io.emit('plan', payload);
      await done;
      const ms = performance.now() - t0;
      await close();
      if (which === 'raw') for (const c of wss.clients) c.terminate();
      else io.disconnectSockets(true);
      return ms;
    };

    const times = { ours: [] as number[], raw: [] as number[], sio: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      times.ours.push(await ours(false));
      times.raw.push(await broadcast('raw'));
      times.sio.push(await broadcast('sio'));
      log(
        `  round ${r + 1}: ours ${fmt(times.ours[r]!, 0)} ms, raw ws ${fmt(times.raw[r]!, 0)} ms, socket.io ${fmt(times.sio[r]!, 0)} ms`,
      );
    }
    const oursMs = median(times.ours);
    const rawWsMs = median(times.raw);
    const socketIoMs = median(times.sio);
    log(
      `  median of ${ROUNDS}, ${payload.length.toLocaleString('en-US')}-byte plans: ours ${fmt(oursMs, 0)} ms, raw ws ${fmt(rawWsMs, 0)} ms, socket.io ${fmt(socketIoMs, 0)} ms`,
    );
    log(
      `  ratio ours / raw ws = ${fmt(oursMs / rawWsMs)}× (goal ≤ 1.5×); ours / socket.io = ${fmt(oursMs / socketIoMs)}× (goal < 1×)`,
    );
    const players = n.toLocaleString('en-US');
    goal({
      path: `push, ${players} players`,
      figure: `ours ${fmt(oursMs, 0)} ms / raw ws (JSON-parsing client) ${fmt(rawWsMs, 0)} ms = ${fmt(oursMs / rawWsMs)}× (median of ${ROUNDS}, alternating)`,
      goal: '≤ 1.5× raw ws',
      pass: oursMs <= 1.5 * rawWsMs,
    });
    goal({
      path: `push, ${players} players`,
      figure: `ours ${fmt(oursMs, 0)} ms / socket.io ${fmt(socketIoMs, 0)} ms = ${fmt(oursMs / socketIoMs)}×`,
      goal: 'ahead of socket.io (< 1×)',
      pass: oursMs < socketIoMs,
    });
    goal({
      path: `server RSS, ${players} players`,
      figure: `${mb(withPlayersRss)} peak with our ${players} players connected and pushed to (server, its SQLite, its ingest thread); ${mb(serverRss)} for the whole bench process, baselines' sockets included`,
      goal: '≤ 512 MB',
      pass: withPlayersRss <= 512e6,
    });
    return { players: n, oursMs, rawWsMs, socketIoMs, planBytes: payload.length, serverPeakRss: serverRss };
  } finally {
    rss.stop();
    await fleet.stop();
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
    await io.close();
    await server.close();
  }
}

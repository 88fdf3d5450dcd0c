/**
 * The player gateway: one WebSocket per screen at /ws/player speaking protocol v1
 * (shared/schemas/protocol.ts, docs/protocol.md). It pairs new players, authenticates paired
 * ones, hands out plans, pushes `plan_changed` when the plan service stores a new version,
 * ingests proof-of-play batches and keeps each screen's liveness.
 */
import { randomInt } from 'node:crypto';
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_MISSES_OFFLINE,
  PAIRING_ALPHABET,
  PLAYER_WS_PATH,
  PROTOCOL_VERSION,
  PlayerMessage,
  PlaysBatch,
  MAX_PLAYS_PER_BATCH,
  type ProtocolErrorCode,
  type ServerMessage,
} from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '../auth/passwords.ts';
import { pairingRepository, type PairingRepository, type PlayerScreenRow } from '../repositories/pairing.ts';
import {
  playsRepository,
  type IngestJob as StoredJob,
  type IngestResult,
  type PlaysRepository,
} from '../repositories/plays.ts';
import { checkPlays } from '../proof/ingest-rules.ts';
import type { SessionEndReason } from '../repositories/screen-sessions.ts';
import { buildPlan, currentPlanVersion } from './plan.ts';
import { RateLimiter } from './rate-limit.ts';
import playerMediaRoutes from './media.ts';

export const PAIRING_TTL_MS = 15 * 60_000;
const PlaysEnvelope = PlaysBatch.pick({ type: true, batchId: true });
/** Upper bound of one group commit, so one transaction never holds the writer for long. */
const GROUP_COMMIT_MAX_RECORDS = 5000;
const GROUP_COMMIT_GATHER_MS = 3;

export interface GatewayOptions {
  heartbeatMs?: number;
}

type Out = {
  [K in ServerMessage['type']]: Omit<Extract<ServerMessage, { type: K }>, 'v'>;
}[ServerMessage['type']];

interface PlayerConnection {
  socket: WebSocket;
  ip: string;
  screenId: string | null;
  pairingCode: string | null;
  missed: number;
  /** Server clock minus player clock, from hello and then each status (0 until known). */
  clockOffsetMs: number;
  /** Why the server is ending this socket, for the screen's session row; unset = the socket closed. */
  endReason?: SessionEndReason;
}

export interface PlayerGateway {
  /** Screens with at least one authenticated socket. */
  connectedScreens(): number;
  repos: { pairing: PairingRepository; plays: PlaysRepository };
}

declare module 'fastify' {
  interface FastifyInstance {
    playerGateway: PlayerGateway;
  }
}

export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < 6; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return code;
}

async function gateway(app: FastifyInstance, opts: GatewayOptions) {
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  const pairing = pairingRepository(app.db);
  const plays = playsRepository(app.db);
  const sessions = app.repos.screenSessions;
  // Only one process serves a database, so any session still open was left by one that died.
  const dangling = sessions.closeDangling();
  if (dangling)
    app.log.info(
      { sessions: dangling },
      "closed connection sessions left open by the previous run at each screen's last contact",
    );
  const byScreen = new Map<string, Set<PlayerConnection>>();
  const waitingByCode = new Map<string, PlayerConnection>();
  const all = new Set<PlayerConnection>();
  const pairRequests = new RateLimiter(20, 60_000);
  let closing = false;

  app.decorate('playerGateway', {
    connectedScreens: () => byScreen.size,
    repos: { pairing, plays },
  } satisfies PlayerGateway);

  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload: 4 * 1024 * 1024 } });
  }
  await app.register(playerMediaRoutes, { pairing });

  function send(conn: PlayerConnection, msg: Out): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.socket.send(JSON.stringify({ ...msg, v: PROTOCOL_VERSION }));
  }

  function fail(conn: PlayerConnection, code: ProtocolErrorCode, message: string, fatal: boolean): void {
    send(conn, { type: 'error', code, message, fatal });
    if (fatal) conn.socket.close(4000 + (code === 'unauthenticated' ? 1 : 0), code);
  }

  function attach(conn: PlayerConnection, screenId: string): void {
    conn.screenId = screenId;
    let set = byScreen.get(screenId);
    if (!set) byScreen.set(screenId, (set = new Set()));
    set.add(conn);
  }

  function detach(conn: PlayerConnection): void {
    all.delete(conn);
    if (conn.pairingCode && waitingByCode.get(conn.pairingCode) === conn)
      waitingByCode.delete(conn.pairingCode);
    if (!conn.screenId) return;
    const set = byScreen.get(conn.screenId);
    set?.delete(conn);
    if (set && set.size === 0) {
      byScreen.delete(conn.screenId);
      // Sockets close after the database when the server shuts down; onClose marked them.
      if (!closing) {
        pairing.offline(conn.screenId);
        sessions.close(conn.screenId, app.clock.now(), conn.endReason ?? 'closed');
      }
    }
  }

  function deliverCredential(conn: PlayerConnection, code: string, screenId: string): void {
    const token = randomToken(32);
    if (!pairing.deliver(code, screenId, hashToken(token), app.clock.now())) {
      fail(conn, 'pairing_unknown', 'Màn hình này đã bị thu hồi. / This screen was revoked.', true);
      return;
    }
    const screen = pairing.screen(screenId)!;
    conn.pairingCode = null;
    waitingByCode.delete(code);
    send(conn, {
      type: 'paired',
      screenId,
      token,
      site: { id: screen.site_id, name: screen.site_name, timeZone: screen.time_zone },
    });
  }

  function issueCode(conn: PlayerConnection): void {
    const now = app.clock.now();
    const secret = randomToken(24);
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = newPairingCode();
      if (pairing.createCode(code, hashToken(secret), now, PAIRING_TTL_MS)) {
        conn.pairingCode = code;
        waitingByCode.set(code, conn);
        send(conn, { type: 'pairing', code, secret, expiresAt: now + PAIRING_TTL_MS, serverTime: now });
        return;
      }
    }
    fail(
      conn,
      'internal',
      'Không tạo được mã ghép nối, thử lại sau. / Could not draw a pairing code; try again.',
      true,
    );
  }

  function onHello(conn: PlayerConnection, msg: Extract<PlayerMessage, { type: 'hello' }>): void {
    const screen = pairing.screen(msg.screenId);
    if (screen?.status === 'revoked') {
      send(conn, { type: 'revoked', reason: 'Màn hình đã bị thu hồi. / This screen has been revoked.' });
      conn.socket.close(4003, 'revoked');
      return;
    }
    if (!screen || !screen.token_hash || screen.token_hash !== hashToken(msg.token)) {
      fail(
        conn,
        'unauthenticated',
        'Mã xác thực của màn hình không đúng; hãy ghép nối lại. / Screen credential rejected; pair the screen again.',
        true,
      );
      return;
    }
    attach(conn, screen.id);
    const now = app.clock.now();
    conn.clockOffsetMs = now - msg.clock;
    pairing.seen(screen.id, now, msg.playerVersion);
    sessions.open(screen.id, now);
    send(conn, {
      type: 'welcome',
      screenId: screen.id,
      serverTime: now,
      planVersion: currentPlanVersion(pairing, screen),
      heartbeatMs,
      lastSeq: plays.lastSeq(screen.id),
    });
  }

  function authedScreen(conn: PlayerConnection): PlayerScreenRow | undefined {
    if (!conn.screenId) {
      fail(conn, 'unauthenticated', 'Gửi "hello" trước. / Send "hello" first.', true);
      return undefined;
    }
    const screen = pairing.screen(conn.screenId);
    if (!screen || screen.status === 'revoked' || !screen.token_hash) {
      send(conn, { type: 'revoked', reason: 'Màn hình đã bị thu hồi. / This screen has been revoked.' });
      conn.endReason = 'revoked';
      conn.socket.close(4003, 'revoked');
      return undefined;
    }
    return screen;
  }

  function onMessage(conn: PlayerConnection, raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      fail(conn, 'bad_message', 'Not JSON', false);
      return;
    }
    if (json && typeof json === 'object' && 'v' in json && (json as { v: unknown }).v !== PROTOCOL_VERSION) {
      fail(conn, 'unsupported_version', `This server speaks protocol v${PROTOCOL_VERSION}`, true);
      return;
    }
    const parsed = PlayerMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const detail = `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
      // A batch with a batchId is always answered, so the player never waits on it.
      const batchId = PlaysEnvelope.safeParse(json);
      if (batchId.success && conn.screenId) {
        send(conn, {
          type: 'plays_ack',
          batchId: batchId.data.batchId,
          acked: [],
          rejected: [{ playId: '', code: 'invalid', reason: `Lô không hợp lệ / Invalid batch: ${detail}` }],
          lastSeq: plays.lastSeq(conn.screenId),
        });
        return;
      }
      fail(conn, 'bad_message', detail, false);
      return;
    }
    const msg = parsed.data;
    conn.missed = 0;
    switch (msg.type) {
      case 'hello':
        onHello(conn, msg);
        return;
      case 'pair_request': {
        if (!pairRequests.hit(conn.ip, app.clock.now())) {
          fail(
            conn,
            'rate_limited',
            'Quá nhiều yêu cầu ghép nối; chờ một phút. / Too many pairing requests; wait a minute.',
            true,
          );
          return;
        }
        if (msg.resume) {
          const row = pairing.code(msg.resume.code);
          if (row && row.secret_hash === hashToken(msg.resume.secret)) {
            if (row.claimed_screen_id && !row.delivered_at_ms) {
              deliverCredential(conn, row.code, row.claimed_screen_id);
              return;
            }
            if (!row.claimed_screen_id && row.expires_at_ms > app.clock.now()) {
              conn.pairingCode = row.code;
              waitingByCode.set(row.code, conn);
              send(conn, {
                type: 'pairing',
                code: row.code,
                secret: msg.resume.secret,
                expiresAt: row.expires_at_ms,
                serverTime: app.clock.now(),
              });
              return;
            }
          }
        }
        issueCode(conn);
        return;
      }
      case 'enrol': {
        if (!pairRequests.hit(conn.ip, app.clock.now())) {
          fail(
            conn,
            'rate_limited',
            'Quá nhiều yêu cầu; chờ một phút. / Too many requests; wait a minute.',
            true,
          );
          return;
        }
        const token = randomToken(32);
        const r = pairing.enrol(
          hashToken(msg.enrolmentToken),
          hashToken(token),
          msg.screenName,
          app.clock.now(),
        );
        if (!r.ok) {
          const why = {
            unknown: 'không hợp lệ / is not valid',
            expired: 'đã hết hạn / has expired',
            used_up: 'đã dùng hết lượt / has been used up',
          }[r.reason];
          fail(
            conn,
            'enrolment_invalid',
            `Tệp cài đặt ${why}; xin tệp mới từ quản trị. / The provisioning file ${why.split(' / ')[1]}; ask for a new one.`,
            true,
          );
          return;
        }
        const screen = pairing.screen(r.screenId)!;
        app.log.info({ screenId: r.screenId, siteId: r.siteId }, 'screen enrolled with a provisioning file');
        app.events.emit('plan-inputs-changed', { screenIds: [r.screenId], reason: 'screen enrolled' });
        send(conn, {
          type: 'paired',
          screenId: r.screenId,
          token,
          site: { id: screen.site_id, name: screen.site_name, timeZone: screen.time_zone },
        });
        return;
      }
      case 'pull': {
        const screen = authedScreen(conn);
        if (screen) send(conn, buildPlan(pairing, screen, app.clock.now()));
        return;
      }
      case 'pong': {
        if (conn.screenId) pairing.seen(conn.screenId, app.clock.now());
        return;
      }
      case 'status': {
        const screen = authedScreen(conn);
        if (!screen) return;
        const { type: _t, v: _v, ...status } = msg;
        conn.clockOffsetMs = msg.clockOffsetMs;
        pairing.status(screen.id, app.clock.now(), msg.playerVersion, JSON.stringify(status));
        return;
      }
      case 'plays': {
        const screen = authedScreen(conn);
        if (!screen) return;
        const now = app.clock.now();
        // Records past the limit are neither acked nor rejected: the player sends them again.
        const records = msg.records.slice(0, MAX_PLAYS_PER_BATCH);
        const checked = checkPlays(
          { screenId: screen.id, timeZone: screen.time_zone, now, clockOffsetMs: conn.clockOffsetMs },
          records,
          plays.lookup,
        );
        enqueueIngest({
          conn,
          batchId: msg.batchId,
          records: checked.accepted,
          rejected: checked.rejected,
          ctx: {
            screenId: screen.id,
            siteId: screen.site_id,
            timeZone: screen.time_zone,
            now,
            batchId: msg.batchId,
          },
        });
        return;
      }
    }
  }

  interface IngestJob extends StoredJob {
    conn: PlayerConnection;
    batchId: string;
  }
  const ingestQueue: IngestJob[] = [];
  let drainScheduled = false;

  function enqueueIngest(job: IngestJob): void {
    ingestQueue.push(job);
    if (!drainScheduled) {
      drainScheduled = true;
      // A few ms of gathering lets a reconnect storm share one fsync among many screens.
      setTimeout(drainIngest, GROUP_COMMIT_GATHER_MS);
    }
  }

  function ack(job: IngestJob, result: IngestResult): void {
    if (result.flagged.length)
      app.log.warn({ screenId: job.ctx.screenId, flagged: result.flagged }, 'proof-of-play chain broken');
    send(job.conn, {
      type: 'plays_ack',
      batchId: job.batchId,
      acked: result.acked,
      rejected: result.rejected,
      lastSeq: plays.lastSeq(job.ctx.screenId),
    });
    if (result.inserted)
      app.events.emit('plays-ingested', { screenId: job.ctx.screenId, count: result.inserted });
  }

  /** Everything that arrived since the last drain is committed together, then acked. */
  function drainIngest(): void {
    drainScheduled = false;
    if (closing) return;
    const jobs: IngestJob[] = [];
    let records = 0;
    while (ingestQueue.length && records < GROUP_COMMIT_MAX_RECORDS) {
      const job = ingestQueue.shift()!;
      jobs.push(job);
      records += job.records.length;
    }
    try {
      const results = plays.ingestMany(jobs);
      jobs.forEach((j, i) => ack(j, results[i]!));
    } catch (err) {
      // One bad batch must not hold back the others: retry them one by one.
      app.log.error({ err }, 'group commit of plays failed; retrying batch by batch');
      for (const j of jobs) {
        try {
          ack(j, plays.ingestMany([j])[0]!);
        } catch (e) {
          app.log.error({ err: e, screenId: j.ctx.screenId }, 'plays batch failed');
          send(j.conn, {
            type: 'error',
            code: 'internal',
            message:
              'Không lưu được lượt phát; sẽ gửi lại. / Could not store the plays; they will be sent again.',
            fatal: false,
          });
        }
      }
    }
    if (ingestQueue.length && !drainScheduled) {
      drainScheduled = true;
      setTimeout(drainIngest, GROUP_COMMIT_GATHER_MS);
    }
  }

  app.get(PLAYER_WS_PATH, { websocket: true }, (socket, request) => {
    const conn: PlayerConnection = {
      socket,
      ip: request.ip,
      screenId: null,
      pairingCode: null,
      missed: 0,
      clockOffsetMs: 0,
    };
    all.add(conn);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return fail(conn, 'bad_message', 'Text frames only', false);
      try {
        onMessage(conn, data.toString());
      } catch (err) {
        request.log.error({ err }, 'player message failed');
        fail(conn, 'internal', 'Lỗi máy chủ; sẽ thử lại. / Server error; the player will retry.', false);
      }
    });
    socket.on('close', () => detach(conn));
    socket.on('error', () => detach(conn));
  });

  const offPlans = app.events.on('plans-updated', ({ screenIds }) => {
    for (const id of screenIds) {
      const set = byScreen.get(id);
      if (!set) continue;
      const screen = pairing.screen(id);
      if (!screen) continue;
      const version = currentPlanVersion(pairing, screen);
      for (const conn of set) send(conn, { type: 'plan_changed', version });
    }
  });
  const offRevoked = app.events.on('screen-revoked', ({ screenId }) => {
    for (const conn of byScreen.get(screenId) ?? []) {
      send(conn, { type: 'revoked', reason: 'Màn hình đã bị thu hồi. / This screen has been revoked.' });
      conn.endReason = 'revoked';
      conn.socket.close(4003, 'revoked');
    }
  });
  const offClaimed = app.events.on('pairing-claimed', ({ code, screenId }) => {
    const conn = waitingByCode.get(code);
    if (conn) deliverCredential(conn, code, screenId);
  });

  // Counting missed pongs instead of comparing timestamps keeps liveness independent of the
  // (possibly virtual) domain clock.
  const heartbeat = setInterval(() => {
    const now = app.clock.now();
    for (const conn of all) {
      if (!conn.screenId) continue;
      if (conn.missed >= HEARTBEAT_MISSES_OFFLINE) {
        conn.endReason = 'heartbeat_missed';
        conn.socket.terminate();
        detach(conn);
        continue;
      }
      conn.missed++;
      send(conn, { type: 'ping', serverTime: now });
    }
  }, heartbeatMs);
  heartbeat.unref();

  app.addHook('onClose', async () => {
    closing = true;
    const now = app.clock.now();
    for (const id of byScreen.keys()) {
      pairing.offline(id);
      sessions.close(id, now, 'server_stopped');
    }
    clearInterval(heartbeat);
    offPlans();
    offRevoked();
    offClaimed();
  });
}

export default fp(gateway, { name: 'player-gateway', dependencies: ['context'] });

/**
 * The player gateway: one WebSocket per screen at /ws/player speaking protocol v1
 * (shared/schemas/protocol.ts, docs/protocol.md). It pairs new players, authenticates paired
 * ones, hands out plans, pushes `plan_changed` when the plan service stores a new version,
 * ingests proof-of-play batches and keeps each screen's liveness.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import {
  FEATURE_PLAN_PUSH,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_MISSES_OFFLINE,
  PAIRING_ALPHABET,
  PLAYER_WS_PATH,
  PROTOCOL_VERSION,
  PlayerMessage,
  type PlayRecord,
  type ProtocolErrorCode,
  type ServerMessage,
} from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '../auth/passwords.ts';
import { pairingRepository, type PairingRepository, type PlayerScreenRow } from '../repositories/pairing.ts';
import {
  playsRepository,
  type IngestContext,
  type IngestResult,
  type PlaysRepository,
} from '../repositories/plays.ts';
import { startIngestWriter, type IngestWriter } from '../ingest/writer.ts';
import type { SessionEndReason } from '../repositories/screen-sessions.ts';
import { planMessage } from './plan.ts';
import { RateLimiter } from './rate-limit.ts';
import playerMediaRoutes from './media.ts';

export const PAIRING_TTL_MS = 15 * 60_000;
/** Screens whose new plan is sent per turn of the event loop when a change fans out, at most. */
const PUSH_SLICE_SCREENS = 256;
/** …and the longest a turn of the fan-out holds the loop. */
const PUSH_SLICE_MS = 10;

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
  /** The player said `hello` with the `plan_push` feature: send it new plans, not `plan_changed`. */
  pushPlans: boolean;
  /** Why the server is ending this socket, for the screen's session row; unset = the socket closed. */
  endReason?: SessionEndReason;
}

export interface PlayerGateway {
  /** Screens with at least one authenticated socket. */
  connectedScreens(): number;
  repos: { pairing: PairingRepository; plays: PlaysRepository };
  /** The one writer of plays and connection status (group commits in its own thread). */
  writer: IngestWriter;
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
  const planMessages = app.repos.planMessages;
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

  const writer = startIngestWriter(app.db, {
    onError: (err) => app.log.error({ err }, 'ingest writer'),
  });
  // Start the thread now, not at the first hello; registration does not wait for it (loading
  // it can take seconds on a busy machine), the first group simply waits until it is up.
  writer.ready().catch((err: unknown) => app.log.error({ err }, 'ingest writer did not start'));

  app.decorate('playerGateway', {
    connectedScreens: () => byScreen.size,
    repos: { pairing, plays },
    writer,
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
        writer.status({ op: 'offline', screenId: conn.screenId });
        writer.status({
          op: 'session_close',
          screenId: conn.screenId,
          now: app.clock.now(),
          reason: conn.endReason ?? 'closed',
        });
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
    conn.pushPlans = msg.features?.includes(FEATURE_PLAN_PUSH) ?? false;
    const now = app.clock.now();
    writer.status({ op: 'seen', screenId: screen.id, now, playerVersion: msg.playerVersion });
    writer.status({ op: 'session_open', screenId: screen.id, now });
    const welcome = {
      type: 'welcome' as const,
      screenId: screen.id,
      serverTime: now,
      planVersion:
        planMessages.get(screen.id)?.version ?? Math.max(screen.plan_version, pairing.planVersion(screen.id)),
      heartbeatMs,
      lastSeq: plays.lastSeq(screen.id),
    };
    // Welcome once the session is on record: many hellos share the writer's next group.
    void writer.barrier().then(() => send(conn, welcome));
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
      fail(conn, 'bad_message', `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, false);
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
        if (!screen) return;
        const plan = planMessage(planMessages, screen.id, app.clock.now());
        if (plan && conn.socket.readyState === conn.socket.OPEN) conn.socket.send(plan.message);
        return;
      }
      case 'pong': {
        if (conn.screenId) writer.status({ op: 'seen', screenId: conn.screenId, now: app.clock.now() });
        return;
      }
      case 'status': {
        const screen = authedScreen(conn);
        if (!screen) return;
        const { type: _t, v: _v, ...status } = msg;
        writer.status({
          op: 'status',
          screenId: screen.id,
          now: app.clock.now(),
          playerVersion: msg.playerVersion,
          statusJson: JSON.stringify(status),
        });
        return;
      }
      case 'plays': {
        const screen = authedScreen(conn);
        if (!screen) return;
        const rejected: { playId: string; reason: string }[] = [];
        const mine = msg.records.filter((r) => {
          if (r.screenId === screen.id) return true;
          rejected.push({ playId: r.playId, reason: 'screenId does not match this connection' });
          return false;
        });
        enqueueIngest({
          conn,
          batchId: msg.batchId,
          rejected,
          records: mine,
          ctx: {
            screenId: screen.id,
            siteId: screen.site_id,
            timeZone: screen.time_zone,
            now: app.clock.now(),
          },
        });
        return;
      }
    }
  }

  interface IngestJob {
    conn: PlayerConnection;
    batchId: string;
    rejected: { playId: string; reason: string }[];
    records: PlayRecord[];
    ctx: IngestContext;
  }
  /**
   * The batch goes to the writer; the ack leaves when its group is durable. Records the
   * database refused one by one are listed in `rejected` with the ones refused before.
   */
  function enqueueIngest(job: IngestJob): void {
    if (job.records.length === 0) {
      ack(job, {
        inserted: 0,
        duplicates: 0,
        acked: [],
        flagged: [],
        rejected: [],
        lastSeq: plays.lastSeq(job.ctx.screenId),
      });
      return;
    }
    writer.ingest(job.ctx, job.records).then(
      (result) => ack(job, result),
      (err: unknown) => {
        app.log.error({ err, screenId: job.ctx.screenId }, 'plays batch failed');
        send(job.conn, {
          type: 'error',
          code: 'internal',
          message:
            'Không lưu được lượt phát; sẽ gửi lại. / Could not store the plays; they will be sent again.',
          fatal: false,
        });
      },
    );
  }

  function ack(job: IngestJob, result: IngestResult): void {
    if (result.flagged.length)
      app.log.warn({ screenId: job.ctx.screenId, flagged: result.flagged }, 'proof-of-play chain broken');
    send(job.conn, {
      type: 'plays_ack',
      batchId: job.batchId,
      acked: result.acked,
      rejected: [...job.rejected, ...result.rejected],
      lastSeq: result.lastSeq,
    });
    if (result.inserted)
      app.events.emit('plays-ingested', { screenId: job.ctx.screenId, count: result.inserted });
  }

  app.get(PLAYER_WS_PATH, { websocket: true }, (socket, request) => {
    const conn: PlayerConnection = {
      socket,
      ip: request.ip,
      screenId: null,
      pairingCode: null,
      missed: 0,
      pushPlans: false,
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

  /**
   * A change reaches each connected socket of the screens as the stored message bytes (or, for
   * a player without `plan_push`, as `plan_changed` with that version). The fan-out runs in
   * slices with a turn of the event loop between them, so acks, pulls and heartbeats are not
   * held up behind 10,000 sends.
   */
  let pushQueue: string[] = [];
  let pushHead = 0;
  let pushing = false;
  function pushSlice(): void {
    const now = app.clock.now();
    const started = performance.now();
    for (let n = 0; n < PUSH_SLICE_SCREENS && pushHead < pushQueue.length; n++) {
      if (n > 0 && performance.now() - started > PUSH_SLICE_MS) break;
      const id = pushQueue[pushHead++]!;
      const set = byScreen.get(id);
      if (!set) continue;
      try {
        const plan = planMessage(planMessages, id, now);
        if (!plan) continue;
        let changed: string | undefined;
        for (const conn of set) {
          if (conn.socket.readyState !== conn.socket.OPEN) continue;
          if (conn.pushPlans) conn.socket.send(plan.message);
          else
            conn.socket.send(
              (changed ??= JSON.stringify({
                type: 'plan_changed',
                version: plan.version,
                v: PROTOCOL_VERSION,
              })),
            );
        }
      } catch (err) {
        app.log.error(
          { err, screenId: id },
          'could not push the new plan; the player gets it on its next pull',
        );
      }
    }
    if (pushHead >= pushQueue.length) {
      pushQueue = [];
      pushHead = 0;
    }
    if (pushQueue.length && !closing) setImmediate(pushSlice);
    else pushing = false;
  }
  const offPlans = app.events.on('plans-updated', ({ screenIds }) => {
    for (const id of screenIds) if (byScreen.has(id)) pushQueue.push(id);
    if (!pushing && pushHead < pushQueue.length) {
      pushing = true;
      pushSlice();
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
      writer.status({ op: 'offline', screenId: id });
      writer.status({ op: 'session_close', screenId: id, now, reason: 'server_stopped' });
    }
    // Everything acked is durable already; this commits the last status writes.
    await writer.close();
    clearInterval(heartbeat);
    offPlans();
    offRevoked();
    offClaimed();
  });
}

export default fp(gateway, { name: 'player-gateway', dependencies: ['context'] });

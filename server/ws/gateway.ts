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
import type { WebSocket } from '@fastify/websocket';
import type { RawData } from 'ws';
import {
  FEATURE_PLAN_PUSH,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_MISSES_OFFLINE,
  PAIRING_ALPHABET,
  PLAYER_WS_PATH,
  PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type ProtocolVersion,
  PlayerMessage,
  PlaysBatch,
  MAX_PLAYS_PER_BATCH,
  type ProtocolErrorCode,
  type ServerMessage,
} from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '../auth/passwords.ts';
import { openWithSecret, sealWithSecret } from '../auth/seal.ts';
import { localDateOf, parseIsoInstant, startOfNextLocalDay } from '#shared/time.ts';
import type { PlayerScreenRow } from '../repositories/pairing.ts';
import type { IngestJob as StoredJob, IngestResult } from '../repositories/plays.ts';
import { checkPlays } from '../proof/ingest-rules.ts';
import type { SessionEndReason } from '../repositories/screen-sessions.ts';
import { planMessage, V2_PLAN_PREFIX } from './plan.ts';
import type { PlanMessageRow } from '../repositories/plan-messages.ts';
import type { PlanBytes } from '../events.ts';
import { startIngestWriter, type IngestWriter } from '../ingest/writer.ts';
import { RateLimiter } from './rate-limit.ts';
import { environmentReason, isEnvironmentError } from '../db/errors.ts';
import { jsonDepthExceeds } from './frame-guard.ts';
import playerMediaRoutes from './media.ts';
import { warningRelay } from './warnings.ts';
import { frameText } from './frame-text.ts';

export const PAIRING_TTL_MS = 15 * 60_000;
const PlaysEnvelope = PlaysBatch.pick({ type: true, batchId: true });
/** Screens whose new plan is sent per turn of the event loop when a change fans out, at most. */
const INBOX_SLICE_MS = 10;
const INBOX_PAUSE_FRAMES = 32;
const PUSH_SLICE_SCREENS = 256;
/** …and the longest a turn of the fan-out holds the loop. */
const PUSH_SLICE_MS = 10;

export interface GatewayOptions {
  /** 0: no heartbeat timer; the caller beats by hand with `playerGateway.heartbeat()` (tests). */
  heartbeatMs?: number;
  /**
   * Tests and the simulator only: buildApp's `hooks`, which main.ts never passes, so no config,
   * route or player message reaches it. Runs once a plays batch is durable and before its
   * `plays_ack` is sent, so a fault can fall in between (the player killed, the server stopped);
   * the ack leaves when it settles, if the socket is still open.
   */
  beforePlaysAck?: (batch: StoredPlaysBatch) => Promise<void>;
}

/** A plays batch the writer has made durable, as `beforePlaysAck` sees it. */
export interface StoredPlaysBatch {
  screenId: string;
  batchId: string;
  /** The records stored (or found stored already); the refused ones are not among them. */
  playIds: readonly string[];
}

/** Deepest nesting a frame may have; the protocol's own messages need 4. */
export const MAX_FRAME_DEPTH = 16;
/** Largest frame from a socket that is not authenticated yet (hello, pair_request, enrol are small). */
export const MAX_STRANGER_FRAME_BYTES = 64 * 1024;
/** Malformed frames an address may send per minute before its unauthenticated sockets are cut. */
const BAD_FRAMES_PER_MINUTE = 10;

type Out = {
  [K in ServerMessage['type']]: Omit<Extract<ServerMessage, { type: K }>, 'v'>;
}[ServerMessage['type']];

interface PlayerConnection {
  socket: WebSocket;
  ip: string;
  screenId: string | null;
  pairingCode: string | null;
  /** The secret of that code, in memory only: it seals the credential until hello confirms it. */
  pairingSecret: string | null;
  missed: number;
  /** Set when hello arrives; a socket that said hello but was never welcomed is closed. */
  helloSeen: boolean;
  /** Closes a stranger that does not introduce itself, or is not welcomed, in time. */
  deadline: NodeJS.Timeout | null;
  /** Counted among the unauthenticated sockets (per address and in total). */
  stranger: boolean;
  /** Server clock minus player clock, from hello and then each status (0 until known). */
  clockOffsetMs: number;
  /** The player said `hello` with the `plan_push` feature: send it new plans, not `plan_changed`. */
  pushPlans: boolean;
  /** The protocol version of the player's first message; every answer is in it. */
  version: ProtocolVersion;
  versionFixed: boolean;
  /** Its `welcome` has left: plan pushes reach it only from then on (the welcome comes first). */
  welcomed: boolean;
  /** Why the server is ending this socket, for the screen's session row; unset = the socket closed. */
  endReason?: SessionEndReason;
  /** Its frames waiting in the inbox; past INBOX_PAUSE_FRAMES the socket is not read. */
  queued: number;
}

export interface PlayerGateway {
  /** Screens with at least one authenticated socket. */
  connectedScreens(): number;
  /** Open player sockets, authenticated or not. */
  connectedSockets(): number;
  /** One heartbeat now: ping every socket, drop those that missed too many pongs. */
  heartbeat(): void;
  /** Pongs handled since start; a test beating by hand waits on it instead of on a timer. */
  pongsReceived(): number;
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
  for (let i = 0; i < 6; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)]!;
  return code;
}

async function gateway(app: FastifyInstance, opts: GatewayOptions) {
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_INTERVAL_MS;
  const { pairing, plays } = app.repos;
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
  const badFrames = new RateLimiter(BAD_FRAMES_PER_MINUTE, 60_000);
  const planMessages = app.repos.planMessages;
  const strangersByIp = new Map<string, number>();
  let strangers = 0;
  const cfg = app.config;
  let closing = false;
  let pongs = 0;

  function unstranger(conn: PlayerConnection): void {
    if (!conn.stranger) return;
    conn.stranger = false;
    strangers--;
    const n = (strangersByIp.get(conn.ip) ?? 1) - 1;
    if (n <= 0) strangersByIp.delete(conn.ip);
    else strangersByIp.set(conn.ip, n);
  }

  function clearDeadline(conn: PlayerConnection): void {
    if (conn.deadline) clearTimeout(conn.deadline);
    conn.deadline = null;
  }

  function setDeadline(conn: PlayerConnection, ms: number, code: number, why: string): void {
    clearDeadline(conn);
    conn.deadline = setTimeout(() => {
      conn.deadline = null;
      // Its frame is waiting in the inbox behind a backlog: that frame decides, not the clock.
      if (conn.queued > 0) {
        setDeadline(conn, ms, code, why);
        return;
      }
      app.log.debug(
        { ip: conn.ip, screenId: conn.screenId, why },
        'closing a player socket that was not authenticated or welcomed in time',
      );
      try {
        conn.socket.close(code, why);
      } catch {
        conn.socket.terminate();
      }
    }, ms);
    conn.deadline.unref();
  }

  /** Guards an event or timer handler: one failure is logged once and never ends the process. */
  function guarded(what: string, fn: () => void, context: Record<string, unknown> = {}): void {
    try {
      fn();
    } catch (err) {
      if (isEnvironmentError(err)) {
        app.dbHealth.failed(err);
        app.log.warn({ ...context, code: (err as { code?: string }).code }, `${what}: database unavailable`);
      } else {
        app.log.error({ ...context, err }, `${what} failed`);
      }
    }
  }

  const writer = startIngestWriter(app.db, {
    onError: (err) => app.log.error({ err }, 'ingest writer'),
  });
  // Start the thread now, not at the first hello; registration does not wait for it (loading
  // it can take seconds on a busy machine), the first group simply waits until it is up.
  writer.ready().catch((err: unknown) => app.log.error({ err }, 'ingest writer did not start'));

  app.decorate('playerGateway', {
    connectedScreens: () => byScreen.size,
    connectedSockets: () => all.size,
    heartbeat: () => beat(),
    pongsReceived: () => pongs,
    writer,
  } satisfies PlayerGateway);

  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload: 4 * 1024 * 1024 } });
  }
  await app.register(playerMediaRoutes, { pairing });

  const siteOfScreen = new Map<string, string>();
  const warnings = warningRelay(app, {
    sendText: (screenId, text) => {
      let sent = false;
      for (const conn of byScreen.get(screenId) ?? []) {
        if (conn.socket.readyState !== conn.socket.OPEN) continue;
        conn.socket.send(text);
        sent = true;
      }
      return sent;
    },
    connectedScreenIds: () => byScreen.keys(),
    siteOf: (screenId) => siteOfScreen.get(screenId),
  });

  function send(conn: PlayerConnection, msg: Out): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.socket.send(JSON.stringify({ ...msg, v: conn.version }));
  }

  function fail(conn: PlayerConnection, code: ProtocolErrorCode, message: string, fatal: boolean): void {
    send(conn, { type: 'error', code, message, fatal });
    if (fatal) conn.socket.close(4000 + (code === 'unauthenticated' ? 1 : 0), code);
  }

  /** The socket is the screen's from its hello on; its welcome deadline runs until the welcome leaves. */
  function attach(conn: PlayerConnection, screenId: string): void {
    unstranger(conn);
    conn.screenId = screenId;
    let set = byScreen.get(screenId);
    if (!set) byScreen.set(screenId, (set = new Set()));
    set.add(conn);
  }

  function detach(conn: PlayerConnection): void {
    if (!all.has(conn)) return;
    all.delete(conn);
    unstranger(conn);
    clearDeadline(conn);
    if (conn.pairingCode && waitingByCode.get(conn.pairingCode) === conn)
      waitingByCode.delete(conn.pairingCode);
    if (!conn.screenId) return;
    const set = byScreen.get(conn.screenId);
    set?.delete(conn);
    if (set && set.size === 0) {
      byScreen.delete(conn.screenId);
      siteOfScreen.delete(conn.screenId);
      // Sockets close after the database when the server shuts down; onClose marked them.
      if (!closing) {
        const id = conn.screenId;
        const at = app.clock.now();
        const reason = conn.endReason ?? 'closed';
        // Through the writer: a lock held by another process never reaches this handler, and
        // the writer keeps the offline mark for its next group if a commit fails.
        writer.status({ op: 'offline', screenId: id });
        writer.status({ op: 'session_close', screenId: id, now: at, reason });
        void writer.barrier().then(() => app.events.emit('screen-changed', { screenId: id }));
      }
    }
  }

  /**
   * Sends the claimed screen's credential to the waiting player. It is not delivered yet: the
   * screen takes it only when the player says hello with it (a socket can die silently with the
   * `paired` frame in it), and until then a resume with the code's secret gets the same one.
   */
  function deliverCredential(conn: PlayerConnection, code: string, screenId: string, secret: string): void {
    const revoked = () =>
      fail(conn, 'pairing_unknown', 'Màn hình này đã bị thu hồi. / This screen was revoked.', true);
    // A credential staged before the revoke (its `paired` died with the socket) is void too.
    const screen = pairing.screen(screenId);
    if (!screen || screen.status === 'revoked') {
      revoked();
      return;
    }
    const row = pairing.code(code);
    let token = row?.pending_token_box ? openWithSecret(row.pending_token_box, secret) : null;
    if (!token || hashToken(token) !== row?.pending_token_hash) {
      token = randomToken(32);
      if (!pairing.stage(code, hashToken(token), sealWithSecret(token, secret))) {
        revoked();
        return;
      }
    }
    conn.pairingCode = null;
    conn.pairingSecret = null;
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
        conn.pairingSecret = secret;
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
    // Only the revoked screen's own player, by its old token, is told so; any other token gets
    // the answer an unknown screen id gets, so the socket reveals no screen ids.
    if (screen?.status === 'revoked' && pairing.revokedTokenMatches(screen.id, hashToken(msg.token))) {
      send(conn, { type: 'revoked', reason: 'Màn hình đã bị thu hồi. / This screen has been revoked.' });
      conn.socket.close(4003, 'revoked');
      return;
    }
    const tokenHash = hashToken(msg.token);
    // The first hello with a credential sent at pairing is what delivers it.
    const firstHello =
      !!screen && screen.token_hash !== tokenHash && pairing.confirm(screen.id, tokenHash, app.clock.now());
    if (!screen || (!firstHello && screen.token_hash !== tokenHash)) {
      fail(
        conn,
        'unauthenticated',
        'Mã xác thực của màn hình không đúng; hãy ghép nối lại. / Screen credential rejected; pair the screen again.',
        true,
      );
      return;
    }
    const now = app.clock.now();
    attach(conn, screen.id);
    conn.pushPlans = msg.features?.includes(FEATURE_PLAN_PUSH) ?? false;
    conn.clockOffsetMs = now - msg.clock;
    // Reads answer under another process's write lock (WAL); the status writes go through the
    // writer, and the welcome leaves once the group that records the session is committed
    // (many hellos share one group).
    writer.status({ op: 'seen', screenId: screen.id, now, playerVersion: msg.playerVersion });
    writer.status({ op: 'session_open', screenId: screen.id, now });
    siteOfScreen.set(screen.id, screen.site_id);
    void writer.barrier().then(() => {
      // Closed meanwhile: by the player, or with 1013 because the writer took longer than
      // wsWelcomeTimeoutMs (a commit stuck on a stalled disk, a thread still starting).
      if (conn.socket.readyState !== conn.socket.OPEN) return;
      clearDeadline(conn);
      // Read when it leaves, not at hello: a plan stored while the group committed is in this
      // version (pushes skip a socket until it is welcomed, so the welcome is its first frame).
      send(conn, {
        type: 'welcome',
        screenId: screen.id,
        serverTime: app.clock.now(),
        planVersion:
          planMessages.get(screen.id)?.version ??
          Math.max(screen.plan_version, pairing.planVersion(screen.id)),
        // Beaten by hand (0): the player is told the usual interval.
        heartbeatMs: heartbeatMs || HEARTBEAT_INTERVAL_MS,
        lastSeq: plays.lastSeq(screen.id),
      });
      conn.welcomed = true;
      // Warnings in force for its site follow the welcome (a screen back online shows them).
      warnings.onHello(screen.id, screen.site_id);
      app.events.emit('screen-changed', { screenId: screen.id });
    });
    // Its pairing instant is now: the fair first day (pairingDayTarget) counts from it.
    if (firstHello)
      app.events.emit('plan-inputs-changed', { screenIds: [screen.id], reason: 'screen paired' });
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

  /** A malformed frame: cheap to refuse, logged at debug, and limited per address for strangers. */
  function badFrame(conn: PlayerConnection, message: string): void {
    app.log.debug({ ip: conn.ip, screenId: conn.screenId, message }, 'malformed player frame');
    if (!conn.screenId && !badFrames.hit(conn.ip, app.clock.now())) {
      fail(
        conn,
        'rate_limited',
        'Quá nhiều thông điệp sai; kết nối bị đóng. / Too many malformed messages; closing.',
        true,
      );
      return;
    }
    fail(conn, 'bad_message', message, false);
  }

  function onMessage(conn: PlayerConnection, raw: string): void {
    if (!conn.screenId && raw.length > MAX_STRANGER_FRAME_BYTES) {
      badFrame(conn, `A frame before hello may be at most ${MAX_STRANGER_FRAME_BYTES} bytes`);
      return;
    }
    // Deep nesting costs JSON.parse (and everything after it) far more than a scan does.
    if (jsonDepthExceeds(raw, MAX_FRAME_DEPTH)) {
      badFrame(conn, `Nested deeper than ${MAX_FRAME_DEPTH} levels`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      badFrame(conn, 'Not JSON');
      return;
    }
    if (json && typeof json === 'object' && 'v' in json) {
      const v = json.v;
      if (!SUPPORTED_PROTOCOL_VERSIONS.includes(v as ProtocolVersion)) {
        fail(
          conn,
          'unsupported_version',
          `This server speaks protocol v${SUPPORTED_PROTOCOL_VERSIONS.join(' and v')}`,
          true,
        );
        return;
      }
      // A socket keeps the version it started with; a player does not switch mid-connection.
      if (!conn.versionFixed) {
        conn.version = v as ProtocolVersion;
        conn.versionFixed = true;
      } else if (v !== conn.version) {
        fail(conn, 'unsupported_version', `This socket speaks protocol v${conn.version}`, true);
        return;
      }
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
      badFrame(conn, detail);
      return;
    }
    const msg = parsed.data;
    conn.missed = 0;
    switch (msg.type) {
      case 'hello':
        if (!conn.screenId) {
          conn.helloSeen = true;
          setDeadline(conn, cfg.wsWelcomeTimeoutMs, 1013, 'not welcomed');
        }
        onHello(conn, msg);
        return;
      case 'pair_request': {
        clearDeadline(conn);
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
              deliverCredential(conn, row.code, row.claimed_screen_id, msg.resume.secret);
              return;
            }
            if (!row.claimed_screen_id && row.expires_at_ms > app.clock.now()) {
              conn.pairingCode = row.code;
              conn.pairingSecret = msg.resume.secret;
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
        clearDeadline(conn);
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
        const plan = planMessage(planMessages, screen.id, app.clock.now(), conn.version);
        if (plan && conn.socket.readyState === conn.socket.OPEN) conn.socket.send(plan.message);
        return;
      }
      case 'pong': {
        pongs++;
        const id = conn.screenId;
        const at = app.clock.now();
        if (id) writer.status({ op: 'seen', screenId: id, now: at });
        return;
      }
      case 'status': {
        const screen = authedScreen(conn);
        if (!screen) return;
        const { type: _t, v: _v, ...status } = msg;
        conn.clockOffsetMs = msg.clockOffsetMs;
        const at = app.clock.now();
        const json = JSON.stringify(status);
        // No backlog: every play that ended before now (or before the one on screen) is stored,
        // so the days before it are settled for make-goods (docs/protocol.md, section 9).
        const settledAt = msg.backlog === 0 ? Math.min(at, msg.currentItem?.startedAt ?? at) : undefined;
        writer.status({
          op: 'status',
          screenId: screen.id,
          now: at,
          playerVersion: msg.playerVersion,
          statusJson: json,
          ...(settledAt !== undefined ? { settledAt } : {}),
        });
        // Its plans presumed a past day played as planned: now its real count is in.
        const presumed = screen.unsettled_from;
        const replan =
          settledAt !== undefined &&
          presumed !== null &&
          settledAt >= startOfNextLocalDay(presumed, screen.time_zone);
        void writer.barrier().then(() => {
          app.events.emit('screen-changed', { screenId: screen.id });
          if (replan)
            app.events.emit('plan-inputs-changed', { screenIds: [screen.id], reason: 'plays settled' });
        });
        return;
      }
      case 'screenshot': {
        const screen = authedScreen(conn);
        if (!screen) return;
        app.events.emit('screenshot-taken', {
          screenId: screen.id,
          requestId: msg.requestId,
          takenAt: msg.takenAt,
          bytes: msg.data ? Buffer.from(msg.data, 'base64') : null,
          ...(msg.width ? { width: msg.width } : {}),
          ...(msg.height ? { height: msg.height } : {}),
          ...(msg.what ? { what: msg.what } : {}),
          ...(msg.error || !msg.data ? { error: msg.error ?? 'no image' } : {}),
        });
        return;
      }
      case 'warning_shown':
      case 'warning_cleared': {
        if (!conn.screenId) return void authedScreen(conn);
        warnings.report({
          warningId: msg.warningId,
          screenId: conn.screenId,
          kind: msg.type === 'warning_shown' ? 'shown' : 'cleared',
          at: app.clock.now(),
          ...(msg.type === 'warning_cleared' ? { reason: msg.reason } : {}),
        });
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
  /**
   * The batch goes to the writer (rules already applied: the refused records travel with it to
   * the quarantine); the ack leaves when its group is durable.
   */
  function enqueueIngest(job: IngestJob): void {
    const stored = writer.ingest({ ctx: job.ctx, records: job.records, rejected: job.rejected });
    const hook = opts.beforePlaysAck;
    // The batch is stored whatever the hook does: a hook that fails is logged, and the ack goes.
    const acking = hook
      ? stored.then((result) =>
          hook({
            screenId: job.ctx.screenId,
            batchId: job.batchId,
            playIds: job.records.map((r) => r.playId),
          }).then(
            () => result,
            (err: unknown) => {
              app.log.error({ err, screenId: job.ctx.screenId }, 'beforePlaysAck hook failed');
              return result;
            },
          ),
        )
      : stored;
    acking.then(
      (result) => guarded('plays ack', () => ack(job, result), { screenId: job.ctx.screenId }),
      (err: unknown) =>
        guarded(
          'plays not stored',
          () => {
            const env = isEnvironmentError(err);
            if (env) {
              app.dbHealth.failed(err);
              app.log.warn(
                { code: (err as { code?: string }).code, screenId: job.ctx.screenId },
                'plays not stored: database unavailable; the player will resend',
              );
            } else app.log.error({ err, screenId: job.ctx.screenId }, 'plays batch failed');
            // Nothing of it was stored, so nothing is acked: the player sends the batch again.
            send(job.conn, {
              type: 'error',
              code: env ? 'not_ready' : 'internal',
              message: env
                ? `${environmentReason(err)}. Lượt phát chưa được lưu; hãy gửi lại sau. / The plays were not stored; send them again later.`
                : 'Không lưu được lượt phát; sẽ gửi lại. / Could not store the plays; they will be sent again.',
              fatal: false,
              batchId: job.batchId,
            });
          },
          { screenId: job.ctx.screenId },
        ),
    );
  }

  function ack(job: IngestJob, result: IngestResult): void {
    if (result.flagged.length)
      app.log.warn({ screenId: job.ctx.screenId, flagged: result.flagged }, 'proof-of-play chain broken');
    // Before the ack leaves: a player that sees its failed play acked finds the re-plan queued.
    if (result.inserted > 0 && failedToday(job))
      app.events.emit('play-failed-today', { screenId: job.ctx.screenId });
    send(job.conn, {
      type: 'plays_ack',
      batchId: job.batchId,
      acked: result.acked,
      rejected: result.rejected,
      lastSeq: result.lastSeq ?? plays.lastSeq(job.ctx.screenId),
    });
    if (result.inserted)
      app.events.emit('plays-ingested', { screenId: job.ctx.screenId, count: result.inserted });
  }

  /** The batch holds a campaign play of the site's today that did not complete. */
  function failedToday(job: IngestJob): boolean {
    const today = localDateOf(job.ctx.now, job.ctx.timeZone);
    return job.records.some((r) => {
      if (r.outcome === 'completed' || r.campaignId === null) return false;
      const started = parseIsoInstant(r.startedAt);
      return started !== null && localDateOf(started, job.ctx.timeZone) === today;
    });
  }

  // Strangers are capped before the upgrade: a refused socket costs one short HTTP answer.
  const overCap = (ip: string) =>
    strangers >= cfg.wsMaxStrangers || (strangersByIp.get(ip) ?? 0) >= cfg.wsMaxStrangersPerAddress;

  // Public at the HTTP level: an unpaired player must reach it to pair; each socket then
  // authenticates inside the protocol (hello with the screen's token, pair_request, enrol).
  app.get(
    PLAYER_WS_PATH,
    {
      websocket: true,
      config: { access: 'public' },
      preValidation: async (request, reply) => {
        if (!overCap(request.ip)) return;
        request.log.debug({ ip: request.ip, strangers }, 'player socket refused: too many unauthenticated');
        await reply.code(503).header('retry-after', '30').type('application/problem+json').send({
          type: 'https://ihanoi-signage.local/problems/rate-limited',
          title: 'RATE_LIMITED',
          status: 503,
          code: 'RATE_LIMITED',
          detail:
            'Quá nhiều kết nối chưa xác thực; thử lại sau. / Too many unauthenticated connections; try again later.',
        });
      },
    },
    (socket, request) => {
      const conn: PlayerConnection = {
        socket,
        ip: request.ip,
        screenId: null,
        pairingCode: null,
        pairingSecret: null,
        missed: 0,
        helloSeen: false,
        deadline: null,
        stranger: true,
        clockOffsetMs: 0,
        pushPlans: false,
        version: PROTOCOL_VERSION,
        versionFixed: false,
        welcomed: false,
        queued: 0,
      };
      all.add(conn);
      strangers++;
      strangersByIp.set(conn.ip, (strangersByIp.get(conn.ip) ?? 0) + 1);
      setDeadline(conn, cfg.wsHandshakeTimeoutMs, 4008, 'no hello');
      socket.on('message', (data, isBinary) => {
        conn.queued++;
        if (conn.queued >= INBOX_PAUSE_FRAMES && !socket.isPaused) socket.pause();
        inbox.push({ conn, handle: () => handleFrame(data, isBinary) });
        if (!draining) {
          draining = true;
          setImmediate(drainInbox);
        }
      });
      const handleFrame = (data: RawData, isBinary: boolean): void => {
        if (isBinary) {
          guarded('player frame', () => badFrame(conn, 'Text frames only'));
          return;
        }
        try {
          onMessage(conn, frameText(data));
        } catch (err) {
          const env = isEnvironmentError(err);
          if (env) app.dbHealth.failed(err);
          const context = { screenId: conn.screenId, ip: conn.ip, code: (err as { code?: string }).code };
          if (env) request.log.warn(context, 'player message: database unavailable');
          else if (conn.screenId) request.log.error({ ...context, err }, 'player message failed');
          else request.log.debug({ ...context, err }, 'player message from a stranger failed');
          // A hello that failed leaves no half-open session: close, and the player reconnects.
          const fatal = !conn.screenId && conn.helloSeen;
          guarded('player error reply', () =>
            fail(
              conn,
              env ? 'not_ready' : 'internal',
              env
                ? `${environmentReason(err)}. Thử lại sau. / Try again later.`
                : 'Lỗi máy chủ; sẽ thử lại. / Server error; the player will retry.',
              fatal,
            ),
          );
        }
      };
      socket.on('close', () =>
        guarded('player socket close', () => detach(conn), { screenId: conn.screenId }),
      );
      socket.on('error', () =>
        guarded('player socket error', () => detach(conn), { screenId: conn.screenId }),
      );
    },
  );

  /**
   * A change reaches each connected socket of the screens as the stored message bytes (or, for
   * a player without `plan_push`, as `plan_changed` with that version). The fan-out runs in
   * slices with a turn of the event loop between them, so acks, pulls and heartbeats are not
   * held up behind 10,000 sends.
   */
  /**
   * Every frame of every player waits here and is handled in arrival order, a slice of
   * INBOX_SLICE_MS at a time with a turn of the event loop between slices. A reconnect storm
   * (thousands of backlog batches at once) then cannot hold the loop: new connections are
   * accepted and their HTTP upgrade read (within the headers timeout) while the backlog is
   * checked, instead of after it. A socket with INBOX_PAUSE_FRAMES waiting is not read until
   * half of them are handled, so one player cannot fill the server's memory.
   */
  let inbox: Array<{ conn: PlayerConnection; handle: () => void } | undefined> = [];
  let inboxHead = 0;
  let draining = false;
  function drainInbox(): void {
    const started = performance.now();
    while (inboxHead < inbox.length) {
      const item = inbox[inboxHead]!;
      inbox[inboxHead++] = undefined;
      const conn = item.conn;
      conn.queued--;
      if (conn.socket.isPaused && conn.queued <= INBOX_PAUSE_FRAMES / 2) conn.socket.resume();
      // A socket that closed meanwhile: its frames go with it (a player resends what was not acked).
      if (all.has(conn)) item.handle();
      if (performance.now() - started >= INBOX_SLICE_MS) break;
    }
    if (inboxHead >= inbox.length) {
      inbox = [];
      inboxHead = 0;
      draining = false;
    } else setImmediate(drainInbox);
  }

  const V2_PLAN = Buffer.from(V2_PLAN_PREFIX);
  const isV2Plan = (bytes: Buffer) => bytes.subarray(0, V2_PLAN.length).equals(V2_PLAN);
  let pushQueue: Array<{ id: string; sent?: PlanBytes | undefined }> = [];
  let pushHead = 0;
  let pushing = false;
  function pushSlice(): void {
    const now = app.clock.now();
    const started = performance.now();
    for (let n = 0; n < PUSH_SLICE_SCREENS && pushHead < pushQueue.length; n++) {
      if (n > 0 && performance.now() - started > PUSH_SLICE_MS) break;
      const { id, sent } = pushQueue[pushHead++]!;
      const set = byScreen.get(id);
      if (!set) continue;
      guarded(
        'plan push',
        () => {
          // The bytes the plan service just committed and encoded; else one lookup.
          let stored: PlanMessageRow | undefined;
          const version = sent?.version ?? (stored = planMessage(planMessages, id, now))?.version;
          if (version === undefined) return;
          let changed: string | undefined;
          let older: PlanMessageRow | undefined;
          for (const conn of set) {
            if (conn.socket.readyState !== conn.socket.OPEN || !conn.welcomed) continue;
            if (!conn.pushPlans) {
              if (conn.version === PROTOCOL_VERSION)
                conn.socket.send(
                  (changed ??= JSON.stringify({ type: 'plan_changed', version, v: PROTOCOL_VERSION })),
                );
              else send(conn, { type: 'plan_changed', version });
            } else if (conn.version === PROTOCOL_VERSION) {
              if (sent) conn.socket.send(sent.bytes, { binary: false });
              else conn.socket.send(stored!.message);
            } else {
              // An older player: the stored bytes while they are in its version, else its own.
              if (sent && !isV2Plan(sent.bytes)) conn.socket.send(sent.bytes, { binary: false });
              else {
                const own = (older ??= planMessage(planMessages, id, now, conn.version));
                if (own) conn.socket.send(own.message);
              }
            }
          }
        },
        { screenId: id },
      );
    }
    if (pushHead >= pushQueue.length) {
      pushQueue = [];
      pushHead = 0;
    }
    if (pushQueue.length && !closing) setImmediate(pushSlice);
    else pushing = false;
  }
  const offPlans = app.events.on('plans-updated', ({ screenIds, messages }) => {
    for (const id of screenIds) if (byScreen.has(id)) pushQueue.push({ id, sent: messages?.get(id) });
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
  const offShot = app.events.on('screenshot-requested', ({ screenId, requestId }) => {
    for (const conn of byScreen.get(screenId) ?? []) send(conn, { type: 'screenshot_request', requestId });
  });
  const offClaimed = app.events.on('pairing-claimed', ({ code, screenId }) => {
    const conn = waitingByCode.get(code);
    const secret = conn?.pairingSecret;
    // Not delivered now (database unavailable, or no socket waits): the player's resume collects it.
    if (conn && secret)
      guarded('pairing delivery', () => deliverCredential(conn, code, screenId, secret), { screenId });
  });

  // Counting missed pongs instead of comparing timestamps keeps liveness independent of the
  // (possibly virtual) domain clock.
  function beat(): void {
    const now = app.clock.now();
    for (const conn of all) {
      // Screens and players waiting for their code to be claimed: a dead waiting socket would
      // otherwise hold its slot (and the code's delivery) until the TCP stack gives up.
      if (!conn.screenId && !conn.pairingCode) continue;
      guarded(
        'heartbeat',
        () => {
          if (conn.missed >= HEARTBEAT_MISSES_OFFLINE) {
            conn.endReason = 'heartbeat_missed';
            conn.socket.terminate();
            detach(conn);
            return;
          }
          conn.missed++;
          send(conn, { type: 'ping', serverTime: now });
        },
        { screenId: conn.screenId },
      );
    }
  }
  const heartbeat = heartbeatMs > 0 ? setInterval(beat, heartbeatMs) : undefined;
  heartbeat?.unref();

  app.addHook('onClose', async () => {
    closing = true;
    const now = app.clock.now();
    for (const id of byScreen.keys()) {
      writer.status({ op: 'offline', screenId: id });
      writer.status({ op: 'session_close', screenId: id, now, reason: 'server_stopped' });
    }
    // Everything acked is durable already; this commits the last status writes.
    await writer.close();
    for (const conn of all) clearDeadline(conn);
    clearInterval(heartbeat);
    warnings.close();
    offPlans();
    offRevoked();
    offClaimed();
    offShot();
  });
}

export default fp(gateway, { name: 'player-gateway', dependencies: ['context'] });

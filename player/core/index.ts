/**
 * The player core: everything a screen does except drawing. It runs under plain Node (the
 * headless player, player/cli.ts) and inside Electron's main process (player/electron), and
 * keeps playing from its stored plan whether or not the server is reachable.
 *
 * Files in dataDir: plan.json (the newest plan received), journal.jsonl (proof of play),
 * media/ (verified media by sha256), pairing.json (the code being shown, to resume it).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { clockRate, type Clock } from '#shared/clock.ts';
import { DISPLAY_PROTOCOL_VERSION, type FrameMessage, type StateMessage } from '#shared/schemas/display.ts';
import {
  backoffDelayMs,
  FEATURE_PLAN_PUSH,
  Plan,
  type ProvisioningFile,
  type ServerMessage,
  type UrgentWarning,
  type WarningClearReason,
} from '#shared/schemas/protocol.ts';
import { freeDiskBytes, MediaCache, type CacheProgress, type Log } from './cache.ts';
import type { CredentialStore, Credentials } from './credentials.ts';
import { DisplayServer } from './display-server.ts';
import { writeFileAtomic } from './fsutil.ts';
import { Journal } from './journal.ts';
import { PlanRunner } from './runner.ts';
import { ServerLink, type WatchdogTimers } from './server-link.ts';

export const PLAYER_VERSION = '0.1.0';
const UPLOAD_BATCH = 200;

export interface PlayerCoreOptions {
  serverUrl: string;
  dataDir: string;
  clock: Clock;
  credentials: CredentialStore;
  /** 0 or unset: any free port. */
  displayPort?: number;
  log?: Log;
  /** Enrol with this provisioning file instead of showing a pairing code. */
  provisioning?: ProvisioningFile;
  /** Name suggested when enrolling with a provisioning file. */
  screenName?: string;
  playerVersion?: string;
  /** How often the runner re-evaluates the plan, in real ms. */
  tickMs?: number;
  statusIntervalMs?: number;
  backoff?: { baseMs: number; capMs: number };
  /** A plays batch with no answer after this long is sent again (default 60 s). */
  ackTimeoutMs?: number;
  /** Where the built display page is (default player/display/dist). */
  distDir?: string;
  /**
   * Play, journal and judge pairing expiry on the server's time (default true): the PC's own
   * clock may be wrong by minutes or years, and the plan is in the server's time. Tests that
   * drive the player's clock by hand turn it off.
   */
  followServerClock?: boolean;
  /** The timer the server link's silence watchdog runs on (default: real timers). */
  watchdogTimers?: WatchdogTimers;
}

export interface PlayerCore {
  displayUrl: string;
  stop(): Promise<void>;
  /** What the core is doing, for tests and the Electron shell's tray. */
  snapshot(): CoreSnapshot;
  /** Sends a status now (if connected): the simulator settles each day with one at its end. */
  reportStatus(): void;
}

export interface CoreSnapshot {
  paired: boolean;
  screenId: string | null;
  connected: boolean;
  planVersion: number;
  backlog: number;
  pairingCode: string | null;
  current: {
    itemId: string;
    playId: string;
    startedAt: number;
    campaignId?: string;
    mediaSha256: string;
  } | null;
  cache: { done: number; total: number; error?: string };
  displayConnected: boolean;
  /** The server's clock minus this PC's, as last measured. */
  clockOffsetMs: number;
  /** The time the core plays by (the server's when it follows it). */
  now: number;
}

const defaultLog =
  (clock: Clock): Log =>
  (level, msg, data) => {
    if (level === 'debug') return;
    console.log(JSON.stringify({ time: new Date(clock.now()).toISOString(), level, msg, ...data }));
  };

/** Offsets below this are network delay, not a wrong clock: following them would only jitter. */
const OFFSET_FOLLOW_MS = 1000;
/** From this offset on the PC's clock is called wrong, in the log and in the console. */
export const CLOCK_WARN_MS = 30_000;

export async function startPlayerCore(opts: PlayerCoreOptions): Promise<PlayerCore> {
  const { clock: ownClock, dataDir } = opts;
  const follow = opts.followServerClock ?? true;
  const playerVersion = opts.playerVersion ?? PLAYER_VERSION;
  mkdirSync(dataDir, { recursive: true });
  const bootAt = ownClock.now();
  const planFile = join(dataDir, 'plan.json');
  const pairingFile = join(dataDir, 'pairing.json');
  const offsetFile = join(dataDir, 'clock-offset.json');
  // Server clock minus this PC's clock, as last measured (kept on disk, so a restart without
  // the network still plays on the server's time).
  let clockOffsetMs = 0;
  // What the core plays by: the PC's clock corrected by the last offset the server gave.
  let followedOffsetMs = 0;
  if (follow && existsSync(offsetFile)) {
    try {
      const saved = JSON.parse(readFileSync(offsetFile, 'utf8')) as { offsetMs?: unknown };
      if (typeof saved.offsetMs === 'number' && Number.isFinite(saved.offsetMs))
        clockOffsetMs = followedOffsetMs = saved.offsetMs;
    } catch {
      // unreadable: start from the PC's clock until the server answers
    }
  }
  const clock: Clock = { now: () => ownClock.now() + followedOffsetMs };
  // Told to the display page with each `clock`: a clock that stands still holds the page's too.
  const rate = clockRate(ownClock);
  const log = opts.log ?? defaultLog(clock);

  let creds: Credentials | null = await opts.credentials.load();
  let provisioning = opts.provisioning ?? null;
  let authed = false;
  // 'offline' on the display means the server link is down, not that the screen is unpaired:
  // a screen waiting for its pairing code to be claimed is connected.
  let linkOpen = false;
  let pairing: { code: string; secret: string; expiresAt: number } | null = null;
  if (existsSync(pairingFile)) {
    try {
      pairing = JSON.parse(readFileSync(pairingFile, 'utf8')) as typeof pairing;
    } catch {
      pairing = null;
    }
  }
  let inFlight: string | null = null;
  // Set while a batch waits for its ack, and while an upload waits out its backoff.
  let ackTimer: NodeJS.Timeout | null = null;
  let uploadRetry: NodeJS.Timeout | null = null;
  let uploadFailures = 0;
  let lastState = '';
  let lastClockSent = 0;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryDelay = 2000;
  let stopped = false;
  // Download progress marks a status as due; the ticker sends it at most once a second.
  let statusPending = false;
  // A play starting or ending is news for the console's live status: send it at once.
  let lastPlayId: string | null = null;
  // The code whose expiry already made us ask for a new one (ask once per code).
  let renewRequested: string | null = null;
  // Urgent warnings in force (cảnh báo khẩn), newest last, and the proof of display not yet
  // sent to the server: kept until the link is up again.
  const warnings = new Map<string, UrgentWarning>();
  const shownAt = new Map<string, number>();
  const proofQueue: Array<
    | { type: 'warning_shown'; warningId: string; at: number }
    | {
        type: 'warning_cleared';
        warningId: string;
        at: number;
        reason: WarningClearReason;
      }
  > = [];

  const journal = new Journal(dataDir, playerVersion);
  if (journal.skippedLines)
    log('warn', 'journal had a torn last line (power cut mid-write); ignored', {
      lines: journal.skippedLines,
    });
  const recovered = journal.recover();
  if (recovered.length)
    log('warn', 'plays interrupted by the last shutdown were recorded as interrupted', {
      count: recovered.length,
    });

  const cache = new MediaCache(dataDir, log, () => {
    pushState();
    statusPending = true;
  });

  // eslint-disable-next-line prefer-const -- assigned below: the runner and the display server refer to each other
  let display: DisplayServer;
  const runner = new PlanRunner({
    clock,
    journal,
    cache,
    log,
    mediaUrl: (sha) => `/media/${sha}`,
    screenId: () => creds?.screenId ?? null,
    sendSchedule: (items) => display.broadcast({ type: 'schedule', v: DISPLAY_PROTOCOL_VERSION, items }),
    displayConnected: () => display.connected(),
    onRecord: () => flush(),
  });

  let stored: Plan | null = null;
  if (existsSync(planFile)) {
    let parsed;
    try {
      parsed = Plan.safeParse(JSON.parse(readFileSync(planFile, 'utf8')));
    } catch {
      parsed = null;
    }
    if (parsed?.success) stored = parsed.data;
    else log('warn', 'stored plan is unreadable; waiting for the server', {});
  }

  display = new DisplayServer({
    port: opts.displayPort ?? 0,
    log,
    distDir: opts.distDir,
    mediaFile: (sha) => (cache.isReady(sha) ? cache.fileOf(sha) : undefined),
    mimeOf: (sha) => stored?.media.find((m) => m.sha256 === sha)?.mimeType ?? 'video/mp4',
    onMessage: (msg) => {
      if (msg.type === 'frame') {
        onFrame(msg);
        return;
      }
      if (msg.type === 'urgent_shown') {
        if (warnings.has(msg.id) && !shownAt.has(msg.id)) {
          shownAt.set(msg.id, msg.at);
          proof({ type: 'warning_shown', warningId: msg.id, at: msg.at });
        }
        return;
      }
      runner.onDisplay(msg);
      pushState();
    },
    onConnect: () => {
      lastState = '';
      pushState();
      display.broadcast({ type: 'clock', v: DISPLAY_PROTOCOL_VERSION, now: clock.now(), rate });
      runner.resend();
    },
    onDisconnect: () => {
      if (!display.connected()) runner.onDisplayDisconnected();
    },
  });
  const displayUrl = await display.start();
  runner.setPlan(stored);

  /** Sends proof of display now, or when the server link is back. */
  function proof(msg: (typeof proofQueue)[number]): void {
    proofQueue.push(msg);
    sendProof();
  }
  function sendProof(): void {
    while (authed && proofQueue.length > 0) {
      if (!link.send(proofQueue[0]!)) return;
      proofQueue.shift();
    }
  }

  function clearWarning(id: string, reason: WarningClearReason): void {
    if (!warnings.delete(id)) return;
    shownAt.delete(id);
    log('info', 'urgent warning cleared', { id, reason });
    pushState();
    proof({ type: 'warning_cleared', warningId: id, at: clock.now(), reason });
  }

  /** Warnings carry the server's clock; the player clears them on its own at expiry. */
  function expireWarnings(): void {
    const serverNow = ownClock.now() + clockOffsetMs;
    for (const w of [...warnings.values()]) if (w.expiresAt <= serverNow) clearWarning(w.id, 'expired');
  }

  function urgentNow(): StateMessage['urgent'] {
    const w = [...warnings.values()].at(-1);
    return w && creds ? { id: w.id, headline: w.headline, body: w.body, display: w.display } : undefined;
  }

  function stateMessage(): StateMessage {
    const site = stored ? { name: stored.site.name, timeZone: stored.site.timeZone } : undefined;
    const urgent = urgentNow();
    const base = {
      type: 'state' as const,
      v: DISPLAY_PROTOCOL_VERSION,
      offline: !linkOpen,
      ...(site ? { site } : {}),
      ...(urgent ? { urgent } : {}),
    };
    if (!creds) {
      return {
        ...base,
        mode: 'pairing',
        ...(pairing
          ? {
              pairing: {
                code: pairing.code,
                expiresAt: pairing.expiresAt,
                claimUrl: new URL(`/?pair=${pairing.code}`, opts.serverUrl).toString(),
              },
            }
          : {}),
        ...(provisioning
          ? {
              message: `Đang đăng ký với điểm đặt ${provisioning.siteName}… / Enrolling with ${provisioning.siteName}…`,
            }
          : {}),
      };
    }
    if (runner.current()) return { ...base, mode: 'playing' };
    const p = cache.progress();
    if (runner.waitingForMedia() && p.done < p.total) {
      return {
        ...base,
        mode: 'downloading',
        download: { done: p.done, total: p.total, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal },
      };
    }
    return { ...base, mode: 'idle', ...(runner.dark() ? { dark: true } : {}) };
  }

  function pushState(): void {
    const s = stateMessage();
    const key = JSON.stringify(s);
    if (key === lastState) return;
    lastState = key;
    display.broadcast(s);
  }

  function sendStatus(): void {
    if (!authed) return;
    statusPending = false;
    let free = 0;
    try {
      free = freeDiskBytes(dataDir);
    } catch {
      free = 0;
    }
    link.send({
      type: 'status',
      playerVersion,
      planVersion: runner.planVersion(),
      currentItem: runner.current(),
      cache: cache.cacheState(),
      freeDiskBytes: free,
      uptimeS: Math.max(0, (ownClock.now() - bootAt) / 1000),
      clockOffsetMs,
      backlog: journal.pending().length,
      displayConnected: display.connected(),
    });
  }

  function settle(): void {
    inFlight = null;
    if (ackTimer) clearTimeout(ackTimer);
    ackTimer = null;
  }

  /**
   * After a failed upload (a non-fatal server error, or no answer at all) the batch is sent
   * again after a backoff (the server's own reconnect backoff, full jitter), never given up.
   */
  function retryUpload(why: string): void {
    settle();
    if (uploadRetry || stopped) return;
    const delay = backoffDelayMs(
      uploadFailures++,
      Math.random(),
      opts.backoff?.baseMs ?? 1000,
      opts.backoff?.capMs ?? 60_000,
    );
    log('warn', 'upload will be retried', { why, delayMs: delay });
    uploadRetry = setTimeout(() => {
      uploadRetry = null;
      flush();
    }, delay);
    uploadRetry.unref();
  }

  /** Uploads the journal's backlog in order, one batch in flight at a time. */
  function flush(): void {
    if (!authed || inFlight || uploadRetry || !creds) return;
    const mine = journal
      .pending()
      .filter((r) => r.screenId === creds!.screenId)
      .slice(0, UPLOAD_BATCH);
    if (!mine.length) return;
    const batchId = randomUUID();
    if (link.send({ type: 'plays', batchId, records: mine })) {
      inFlight = batchId;
      ackTimer = setTimeout(() => {
        if (inFlight === batchId) retryUpload('no plays_ack in time');
      }, opts.ackTimeoutMs ?? 60_000);
      ackTimer.unref();
    }
  }

  function syncMedia(): void {
    if (!stored || !creds) return;
    if (retryTimer) clearTimeout(retryTimer);
    cache.ensure(stored.media, opts.serverUrl, creds.token).then(
      () => {
        retryDelay = 2000;
        runner.tick();
        pushState();
        sendStatus();
      },
      () => {
        if (stopped) return;
        retryTimer = setTimeout(syncMedia, retryDelay);
        retryTimer.unref();
        retryDelay = Math.min(retryDelay * 2, 60_000);
        sendStatus();
      },
    );
  }

  function applyPlan(plan: Plan): void {
    if (stored && plan.version < stored.version) {
      log('warn', 'ignored an older plan version', { have: stored.version, got: plan.version });
      return;
    }
    writeFileAtomic(planFile, JSON.stringify(plan));
    stored = plan;
    runner.setPlan(plan);
    log('info', 'plan applied', {
      version: plan.version,
      items: plan.days.reduce((n, d) => n + d.items.length, 0),
      texts: plan.days.reduce((n, d) => n + (d.texts?.length ?? 0), 0),
    });
    syncMedia();
    pushState();
  }

  async function onMessage(msg: ServerMessage): Promise<void> {
    switch (msg.type) {
      case 'welcome':
        authed = true;
        measuredOffset(msg.serverTime);
        link.setHeartbeat(msg.heartbeatMs);
        link.send({ type: 'pull' });
        sendStatus();
        flush();
        sendProof();
        pushState();
        return;
      case 'warning':
        if (warnings.has(msg.warning.id)) return;
        warnings.set(msg.warning.id, msg.warning);
        log('warn', 'urgent warning on screen', { id: msg.warning.id, display: msg.warning.display });
        expireWarnings();
        pushState();
        return;
      case 'warning_clear':
        clearWarning(msg.warningId, msg.reason);
        return;
      case 'pairing':
        if (msg.serverTime !== undefined) measuredOffset(msg.serverTime);
        pairing = { code: msg.code, secret: msg.secret, expiresAt: msg.expiresAt };
        renewRequested = null;
        writeFileAtomic(pairingFile, JSON.stringify(pairing));
        log('info', `pairing code ${msg.code}: enter it in the console to attach this screen`, {
          code: msg.code,
        });
        pushState();
        return;
      case 'paired':
        creds = { screenId: msg.screenId, token: msg.token, serverUrl: opts.serverUrl };
        await opts.credentials.save(creds);
        pairing = null;
        provisioning = null;
        rmSync(pairingFile, { force: true });
        log('info', 'paired', { screenId: msg.screenId, site: msg.site.name });
        sayHello();
        pushState();
        return;
      case 'plan':
        applyPlan(msg);
        return;
      case 'plan_changed':
        if (!stored || msg.version > stored.version) link.send({ type: 'pull' });
        return;
      case 'ping':
        measuredOffset(msg.serverTime);
        link.send({ type: 'pong', serverTime: msg.serverTime, clock: ownClock.now() });
        return;
      case 'plays_ack':
        if (msg.batchId === inFlight) settle();
        uploadFailures = 0;
        // A refused record is kept in the server's quarantine (auditors see it), so it is settled
        // here too: sending it again would only be refused again.
        journal.ack([...msg.acked, ...msg.rejected.map((r) => r.playId).filter((id) => id.length > 0)]);
        if (msg.rejected.length) log('error', 'server refused play records', { rejected: msg.rejected });
        // The backlog is empty: say so at once, so the server counts the days behind it as
        // settled (make-goods) without waiting for the next periodic status.
        if (journal.pending().length === 0) sendStatus();
        else flush();
        return;
      case 'screenshot_request':
        requestCapture(msg.requestId);
        return;
      case 'revoked':
        log('error', 'this screen was revoked; showing a pairing code again', { reason: msg.reason });
        await forgetScreen();
        return;
      case 'error':
        log(msg.fatal ? 'error' : 'warn', `server: ${msg.message}`, { code: msg.code });
        // Whatever was in flight did not go through: send it again after a backoff.
        if (!msg.fatal && inFlight && (msg.batchId === undefined || msg.batchId === inFlight))
          retryUpload(msg.code);
        if (msg.code === 'unauthenticated' && creds) await forgetScreen();
        if (msg.code === 'enrolment_invalid') provisioning = null;
        if (msg.code === 'pairing_unknown') {
          pairing = null;
          rmSync(pairingFile, { force: true });
        }
        return;
    }
  }

  /**
   * The server's time arrived: note how far this PC's clock is off, log it when it is wrong,
   * and (unless told not to) play on the server's time from now on.
   */
  function measuredOffset(serverTime: number): void {
    const measured = serverTime - ownClock.now();
    const changed = Math.abs(measured - clockOffsetMs) > OFFSET_FOLLOW_MS;
    clockOffsetMs = measured;
    if (!changed) return;
    log(Math.abs(measured) > CLOCK_WARN_MS ? 'warn' : 'info', "this PC's clock differs from the server's", {
      offsetMs: measured,
      pcTime: new Date(ownClock.now()).toISOString(),
      serverTime: new Date(serverTime).toISOString(),
      playingOn: follow ? 'server time' : 'own clock',
    });
    if (!follow) return;
    followedOffsetMs = measured;
    try {
      writeFileAtomic(offsetFile, JSON.stringify({ offsetMs: measured }));
    } catch (err) {
      log('warn', 'could not store the clock offset', { error: (err as Error).message });
    }
    runner.tick();
    display.broadcast({ type: 'clock', v: DISPLAY_PROTOCOL_VERSION, now: clock.now(), rate });
    lastClockSent = clock.now();
    pushState();
  }

  /** Screenshot requests waiting for the display page's frame. */
  const captures = new Map<string, NodeJS.Timeout>();
  function requestCapture(requestId: string): void {
    const fail = (error: string) => link.send({ type: 'screenshot', requestId, takenAt: clock.now(), error });
    if (!display.connected()) {
      fail('Trang hiển thị chưa mở. / The display page is not open.');
      return;
    }
    captures.set(
      requestId,
      setTimeout(() => {
        captures.delete(requestId);
        fail('Trang hiển thị không trả lời. / The display page did not answer.');
      }, 10_000).unref(),
    );
    display.broadcast({ type: 'capture', v: DISPLAY_PROTOCOL_VERSION, requestId });
  }
  function onFrame(msg: FrameMessage): void {
    const timer = captures.get(msg.requestId);
    if (!timer) return; // answered already (another display page), or too late
    clearTimeout(timer);
    captures.delete(msg.requestId);
    link.send({
      type: 'screenshot',
      requestId: msg.requestId,
      takenAt: msg.at,
      ...(msg.data ? { mime: 'image/jpeg' as const, data: msg.data } : {}),
      ...(msg.width ? { width: msg.width } : {}),
      ...(msg.height ? { height: msg.height } : {}),
      ...(msg.what ? { what: msg.what } : {}),
      ...(msg.error || !msg.data ? { error: msg.error ?? 'no image' } : {}),
    });
  }

  async function forgetScreen(): Promise<void> {
    authed = false;
    creds = null;
    await opts.credentials.clear();
    stored = null;
    rmSync(planFile, { force: true });
    runner.setPlan(null);
    pushState();
  }

  function sayHello(): void {
    if (!creds) return;
    link.send({
      type: 'hello',
      screenId: creds.screenId,
      token: creds.token,
      playerVersion,
      cachedMedia: cache.onDisk().slice(0, 10_000),
      clock: ownClock.now(),
      planVersion: stored?.version ?? 0,
      // The server then pushes each new plan itself; `plan_changed` + `pull` stays the fallback.
      features: [FEATURE_PLAN_PUSH],
    });
  }

  const link = new ServerLink({
    serverUrl: opts.serverUrl,
    log,
    backoffBaseMs: opts.backoff?.baseMs,
    backoffCapMs: opts.backoff?.capMs,
    watchdogTimers: opts.watchdogTimers,
    onOpen: () => {
      linkOpen = true;
      pushState();
      if (creds) sayHello();
      else if (provisioning)
        link.send({
          type: 'enrol',
          playerVersion,
          enrolmentToken: provisioning.enrolmentToken,
          ...(opts.screenName ? { screenName: opts.screenName } : {}),
        });
      else
        link.send({
          type: 'pair_request',
          playerVersion,
          ...(pairing ? { resume: { code: pairing.code, secret: pairing.secret } } : {}),
        });
    },
    onMessage: (msg) => {
      onMessage(msg).catch((err: unknown) =>
        log('error', 'handling a server message failed', {
          type: msg.type,
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    },
    onClose: () => {
      linkOpen = false;
      authed = false;
      settle();
      pushState();
    },
  });
  link.start();
  if (stored && creds) syncMedia();

  const statusEvery = opts.statusIntervalMs ?? 60_000;
  let lastStatusReal = 0;
  let ticks = 0;
  const ticker = setInterval(() => {
    try {
      runner.tick();
      expireWarnings();
      pushState();
      const now = clock.now();
      // An expired code can never be claimed: ask for a fresh one, so the screen shows a code
      // that works without anyone restarting the player.
      if (
        !creds &&
        !provisioning &&
        pairing &&
        linkOpen &&
        now >= pairing.expiresAt &&
        renewRequested !== pairing.code
      ) {
        renewRequested = pairing.code;
        log('info', 'pairing code expired; asking for a new one', { code: pairing.code });
        link.send({ type: 'pair_request', playerVersion });
      }
      // A running clock is re-sent each second against drift; one that stands still is sent
      // whenever it was moved, so the page steps with it.
      if (rate === 0 ? now !== lastClockSent : now - lastClockSent >= 1000 || now < lastClockSent) {
        lastClockSent = now;
        display.broadcast({ type: 'clock', v: DISPLAY_PROTOCOL_VERSION, now, rate });
      }
      const playing = runner.current()?.playId ?? null;
      if (playing !== lastPlayId) {
        lastPlayId = playing;
        statusPending = true;
      }
      ticks++;
      const elapsed = ticks * (opts.tickMs ?? 250);
      if (elapsed - lastStatusReal >= statusEvery || (statusPending && elapsed - lastStatusReal >= 1000)) {
        lastStatusReal = elapsed;
        sendStatus();
      }
    } catch (err) {
      log('error', 'player tick failed', { error: (err as Error).message });
    }
  }, opts.tickMs ?? 250);

  return {
    displayUrl,
    snapshot: () => ({
      paired: !!creds,
      screenId: creds?.screenId ?? null,
      connected: authed,
      planVersion: runner.planVersion(),
      backlog: journal.pending().length,
      pairingCode: pairing?.code ?? null,
      current: runner.current(),
      cache: cacheView(cache.progress()),
      displayConnected: display.connected(),
      clockOffsetMs,
      now: clock.now(),
    }),
    reportStatus: () => sendStatus(),
    async stop() {
      stopped = true;
      clearInterval(ticker);
      settle();
      if (uploadRetry) clearTimeout(uploadRetry);
      for (const timer of captures.values()) clearTimeout(timer);
      if (retryTimer) clearTimeout(retryTimer);
      await link.stop();
      await display.stop();
      journal.close();
    },
  };
}

export type { CredentialStore, Credentials } from './credentials.ts';
export { FileCredentialStore } from './file-credentials.ts';

/** The cache's progress as the status reports it: an error only while there is one. */
function cacheView(p: CacheProgress): { done: number; total: number; error?: string } {
  return { done: p.done, total: p.total, ...(p.error ? { error: p.error } : {}) };
}

/**
 * Seed rows and helpers for the player protocol tests: a site, a campaign with a media file on
 * disk, a venue-staff user with a session, stored per-screen plans, and a server that can be
 * stopped and started again on the same port and database (the "server down" case).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { VirtualClock } from '#shared/clock.ts';
import { buildApp, type AppHooks } from '#server/app.ts';
import { testConfig } from '#server/config.ts';
import { openDatabase, type Db } from '#server/db/database.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import {
  FileCredentialStore,
  startPlayerCore,
  type PlayerCore,
  type PlayerCoreOptions,
} from '#player/core/index.ts';

export const T0 = Date.parse('2024-09-05T07:55:00+07:00');
export const ZONE = 'Asia/Ho_Chi_Minh';

const OPEN = JSON.stringify({
  mon: [['07:00', '17:00']],
  tue: [['07:00', '17:00']],
  wed: [['07:00', '17:00']],
  thu: [['07:00', '17:00']],
  fri: [['07:00', '17:00']],
  sat: [],
  sun: [],
  closedDates: [],
});
/** Thursday 08:00–09:00 local is a peak hour (weight 2); everything else is ordinary. */
export const PROFILE = Array.from({ length: 168 }, (_, i) => (i === 3 * 24 + 8 ? 2 : 1));

export function seedSite(db: Db, id = 'ubnd-bach-khoa', now = T0): void {
  db.prepare(
    `INSERT INTO sites (id, name, venue_type, address, time_zone, opening_hours, peak_profile, created_at_ms, updated_at_ms)
     VALUES (?, ?, 'government_office', '1 Tạ Quang Bửu', ?, ?, ?, ?, ?)`,
  ).run(id, `UBND phường ${id}`, ZONE, OPEN, JSON.stringify(PROFILE), now, now);
}

export interface SeededMedia {
  sha256: string;
  bytes: Buffer;
}

export function seedMedia(db: Db, dataDir: string, size = 256 * 1024, now = T0): SeededMedia {
  const bytes = randomBytes(size);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(dataDir, 'media'), { recursive: true });
  writeFileSync(join(dataDir, 'media', sha256), bytes);
  db.prepare(
    `INSERT INTO media (sha256, mime_type, duration_ms, bytes, original_name, created_at_ms) VALUES (?, 'video/mp4', 10000, ?, 'ihanoi.mp4', ?)`,
  ).run(sha256, size, now);
  return { sha256, bytes };
}

export function seedCampaign(db: Db, mediaSha256: string, id = 'ihanoi-2024', now = T0): void {
  db.prepare(
    `INSERT INTO campaigns (id, name, media_sha256, first_day, last_day, time_zone, target_per_day, peak_profiles, participants, created_at_ms, updated_at_ms)
     VALUES (?, 'iHanoi', ?, '2024-08-17', '2024-10-10', ?, 10, '{}', '{}', ?, ?)`,
  ).run(id, mediaSha256, ZONE, now, now);
}

/** A user with a live session; returns the bearer token. */
export function seedUser(db: Db, role: string, siteIds: string[], now = T0): { id: string; token: string } {
  const id = `u-${randomToken(6)}`;
  db.prepare(
    `INSERT INTO users (id, username, display_name, role, password_hash, created_at_ms) VALUES (?, ?, ?, ?, 'x', ?)`,
  ).run(id, id, id, role, now);
  for (const s of siteIds)
    db.prepare(`INSERT INTO user_scopes (user_id, kind, ref_id) VALUES (?, 'site', ?)`).run(id, s);
  const token = randomToken();
  db.prepare(
    'INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)',
  ).run(hashToken(token), id, now, now + 86_400_000);
  return { id, token };
}

export interface Item {
  id: string;
  mediaSha256: string;
  start: number;
  end: number;
  peak: boolean;
}

export function storePlan(
  db: Db,
  screenId: string,
  date: string,
  version: number,
  items: Item[],
  now = T0,
): void {
  db.prepare(
    `INSERT INTO screen_plans (screen_id, local_date, version, inputs_hash, plan, computed_at_ms) VALUES (?, ?, ?, 'test', ?, ?)
     ON CONFLICT (screen_id, local_date) DO UPDATE SET version = excluded.version, plan = excluded.plan, computed_at_ms = excluded.computed_at_ms`,
  ).run(screenId, date, version, JSON.stringify(items), now);
}

export function items(sha: string, starts: number[], durationMs = 10_000, prefix = 'it'): Item[] {
  return starts.map((s, i) => ({
    id: `${prefix}-${i}-${s}`,
    mediaSha256: sha,
    start: s,
    end: s + durationMs,
    peak: false,
  }));
}

/** A server whose database survives `stop()`, so it can come back on the same port. */
export class RestartableServer {
  app: FastifyInstance | null = null;
  db: Db | null = null;
  port = 0;
  readonly clock = new VirtualClock(T0);
  readonly dataDir = mkdtempSync(join(tmpdir(), 'ihanoi-ws-'));
  /** Test-only hooks for the next `start()` (buildApp's `hooks`). */
  hooks: AppHooks = {};

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<FastifyInstance> {
    const { db } = openDatabase(join(this.dataDir, 'signage.db'), this.clock);
    const app = await buildApp({
      config: testConfig({ dataDir: this.dataDir }),
      db,
      clock: this.clock,
      hooks: this.hooks,
    });
    await app.listen({ host: '127.0.0.1', port: this.port });
    const addr = app.server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    this.app = app;
    this.db = db;
    return app;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.db?.close();
    this.app = null;
    this.db = null;
  }
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | null | false,
  timeoutMs = 8000,
  everyMs = 25,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A fresh server and an empty player directory: what each player-over-socket test starts from. */
export async function startServerWithPlayerDir(): Promise<{ server: RestartableServer; playerDir: string }> {
  const server = new RestartableServer();
  await server.start();
  return { server, playerDir: mkdtempSync(join(tmpdir(), 'ihanoi-player-')) };
}

/** Stops the server and removes its data directory and the player's. */
export async function stopServerAndRemoveDirs(server: RestartableServer, playerDir: string): Promise<void> {
  await server.stop();
  rmSync(playerDir, { recursive: true, force: true });
  rmSync(server.dataDir, { recursive: true, force: true });
}

/**
 * A player core in-process with the fast tick and reconnect backoff these tests wait on, its
 * clock at T0 and its log silenced; `overrides` replaces any of that.
 */
export function startTestCore(
  serverUrl: string,
  playerDir: string,
  overrides: Partial<PlayerCoreOptions> = {},
): Promise<PlayerCore> {
  return startPlayerCore({
    serverUrl,
    dataDir: playerDir,
    clock: new VirtualClock(T0),
    credentials: new FileCredentialStore(playerDir),
    log: () => {},
    tickMs: 50,
    backoff: { baseMs: 50, capMs: 200 },
    // These tests move the player's clock by hand, apart from the server's.
    followServerClock: false,
    ...overrides,
  });
}

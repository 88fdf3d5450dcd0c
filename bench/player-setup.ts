/**
 * Shared set-up of the player benches: a real server on loopback over a temp SQLite file with
 * N paired screens, and the fleet child process that plays their players.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { VirtualClock } from '#shared/clock.ts';
import { buildApp, LISTEN_BACKLOG } from '#server/app.ts';
import { testConfig } from '#server/config.ts';
import { openDatabase, type Db } from '#server/db/database.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';

export const BENCH_T0 = Date.parse('2024-09-05T07:55:00+07:00');
export const CAMPAIGN = 'ihanoi-2024';

export interface BenchServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  creds: { screenId: string; token: string }[];
  sha256: string;
  close(): Promise<void>;
}

export async function startBenchServer(
  screens: number,
  opts: { plans?: boolean } = {},
): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ihanoi-bench-'));
  const clock = new VirtualClock(BENCH_T0);
  const { db } = openDatabase(join(dir, 'signage.db'), clock);
  const sha256 = createHash('sha256').update(randomBytes(64)).digest('hex');
  const creds: { screenId: string; token: string }[] = [];
  db.transaction(() => {
    db.prepare(
      `INSERT INTO media (sha256, mime_type, duration_ms, bytes, original_name, created_at_ms) VALUES (?, 'video/mp4', 30000, 18874368, 'ihanoi.mp4', ?)`,
    ).run(sha256, BENCH_T0);
    db.prepare(
      `INSERT INTO campaigns (id, name, media_sha256, first_day, last_day, time_zone, target_per_day, peak_profiles, participants, created_at_ms, updated_at_ms)
       VALUES (?, 'iHanoi', ?, '2024-08-17', '2024-10-10', 'Asia/Ho_Chi_Minh', 10, '{}', '{}', ?, ?)`,
    ).run(CAMPAIGN, sha256, BENCH_T0, BENCH_T0);
    const site = db.prepare(
      `INSERT INTO sites (id, name, venue_type, address, time_zone, opening_hours, created_at_ms, updated_at_ms)
       VALUES (?, ?, 'government_office', '-', 'Asia/Ho_Chi_Minh', '{}', ?, ?)`,
    );
    const screen = db.prepare(
      `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms) VALUES (?, ?, ?, 'offline', ?, ?)`,
    );
    const plan = db.prepare(
      `INSERT INTO screen_plans (screen_id, local_date, version, inputs_hash, plan, computed_at_ms) VALUES (?, '2024-09-05', 1, 'bench', ?, ?)`,
    );
    const sites = Math.max(1, Math.ceil(screens / 25));
    for (let s = 0; s < sites; s++) site.run(`site-${s}`, `Điểm ${s}`, BENCH_T0, BENCH_T0);
    for (let i = 0; i < screens; i++) {
      const id = `scr-bench-${i}`;
      const token = randomToken(16);
      screen.run(id, `site-${i % sites}`, `Màn hình ${i}`, hashToken(token), BENCH_T0);
      creds.push({ screenId: id, token });
      if (opts.plans !== false) {
        const items = Array.from({ length: 10 }, (_, k) => {
          const start = BENCH_T0 + 600_000 + k * 3_000_000;
          return {
            id: `${id}:2024-09-05:${k}`,
            mediaSha256: sha256,
            start,
            end: start + 30_000,
            peak: k % 3 === 0,
          };
        });
        plan.run(id, JSON.stringify(items), BENCH_T0);
      }
    }
  })();
  // 10,000 players all come from 127.0.0.1 here: the per-address and total caps on sockets
  // that have not said hello yet (sized for a real network) would refuse most of them.
  const app = await buildApp({
    config: testConfig({ dataDir: dir, wsMaxStrangersPerAddress: 100_000, wsMaxStrangers: 100_000 }),
    db,
    clock,
  });
  await app.listen({ host: '127.0.0.1', port: 0, backlog: LISTEN_BACKLOG });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    app,
    db,
    url,
    creds,
    sha256,
    async close() {
      await app.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type FleetEvent = {
  ev: 'up' | 'ready' | 'done' | 'closed' | 'armed' | 'error';
  message?: string;
  retries?: number;
  /** Storm: why the retried connections ended, by close code and reason. */
  why?: Record<string, number>;
};

/** The child process of simulated players (bench/fleet.ts). */
export class Fleet {
  private waiters: { ev: FleetEvent['ev']; resolve: (m: FleetEvent) => void; reject: (e: Error) => void }[] =
    [];
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: FleetEvent) => {
      if (m.ev === 'error') {
        for (const w of this.waiters.splice(0)) w.reject(new Error(`fleet: ${m.message}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.ev === m.ev);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    });
  }

  static async start(): Promise<Fleet> {
    const child = fork(fileURLToPath(new URL('./fleet.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=3072'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const fleet = new Fleet(child);
    await fleet.next('up');
    return fleet;
  }

  next(ev: FleetEvent['ev']): Promise<FleetEvent> {
    return new Promise((resolve, reject) => this.waiters.push({ ev, resolve, reject }));
  }

  send(cmd: object): void {
    this.child.send(cmd);
  }

  async stop(): Promise<void> {
    this.child.kill();
    await new Promise((r) => this.child.once('exit', r));
  }
}

export const fmt = (n: number, digits = 2) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** `npm run bench -- --quick`: every bench at a tenth of its size, for a developer's laptop. */
export const QUICK = process.argv.includes('--quick');
export const scaled = (n: number) => (QUICK ? Math.max(1, Math.round(n / 10)) : n);
/**
 * Alternating rounds of ours and the baselines, whose median is printed: 3, and 1 with `--quick`
 * (a developer's run, indicative only), which keeps the whole quick run near a minute.
 */
export const ROUNDS = QUICK ? 1 : 3;

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Peak resident memory of this process while it runs (sampled every 20 ms). */
export function rssSampler(): { stop(): number; peak(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return {
    peak: () => Math.max(peak, process.memoryUsage().rss),
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

export const mb = (bytes: number) => `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;

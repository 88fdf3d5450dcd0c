/**
 * The one writer of durable ingest. Every proof-of-play batch and every connection-status write
 * of the player gateway goes through it. It runs in a worker thread with its own connection
 * (server/ingest/writer-worker.ts) and commits groups by size or time (server/ingest/gather.ts),
 * so a reconnect storm of 10,000 players pays one fsync per few thousand records, and no fsync
 * or WAL checkpoint ever runs on the event loop. A batch's promise resolves only once its group
 * is durable; only then does the gateway ack it.
 *
 * A database that lives only in memory cannot be shared with a thread: there the same groups
 * are committed on the calling thread (tests of single pieces, never the server).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Db } from '../db/database.ts';
import type { IngestJob, IngestResult } from '../repositories/plays.ts';
import { createGroupCommitter, type JobOutcome, type PlaysJob, type StatusOp } from './group-commit.ts';
import { DEFAULT_GATHER, Gatherer, type GatherOptions } from './gather.ts';

export type { StatusOp } from './group-commit.ts';

export type ToWorker =
  | { t: 'job'; job: PlaysJob }
  | { t: 'ops'; ops: StatusOp[] }
  | { t: 'flush'; id: number }
  | { t: 'barrier'; id: number }
  | { t: 'close' };

export type FromWorker =
  | { t: 'up' }
  | { t: 'done'; outcomes: JobOutcome[]; records: number; statusOps: number; commitMs: number }
  | { t: 'failed'; ids: number[]; error: string; code?: string | undefined }
  | { t: 'flushed'; id: number }
  | { t: 'barrier'; ids: number[] }
  | { t: 'closed' };

export interface WriterStats {
  /** Durable commits (each one fsync of the WAL). */
  commits: number;
  /** Play records stored or found already stored, over all commits. */
  records: number;
  statusOps: number;
  /** The largest group, in play records. */
  maxGroupRecords: number;
  /** Time spent inside commits, in the writer's thread. */
  commitMs: number;
  /** Groups that failed as a whole (their batches were answered with an error). */
  failedGroups: number;
}

export interface IngestWriter {
  /**
   * Stores a batch (its refused records into the quarantine); resolves when the group it went
   * into is durable. Rejects when the group failed as a whole (the error keeps SQLite's code).
   */
  ingest(job: IngestJob): Promise<IngestResult>;
  /** Queues a connection-status write for the next group (not awaited). */
  status(op: StatusOp): void;
  /** Resolves when everything queued so far is committed, committing it now. */
  flush(): Promise<void>;
  /**
   * Resolves when the status writes queued so far are committed, with the next group as it
   * comes (it does not force a commit, so many callers share one).
   */
  barrier(): Promise<void>;
  /** Starts the writer's thread and waits until it has opened the database. */
  ready(): Promise<void>;
  stats(): WriterStats;
  close(): Promise<void>;
}

export interface WriterOptions {
  gather?: Partial<GatherOptions>;
  /** How often the writer runs a passive WAL checkpoint. */
  checkpointMs?: number;
  onError?: (err: Error) => void;
}

/** The worker's module, loaded through tsx when the server runs from TypeScript sources. */
function workerSource(): string {
  const entry = new URL('./writer-worker.ts', import.meta.url);
  const req = createRequire(import.meta.url);
  // tsx's ESM API, by absolute URL so the thread finds it whatever the working directory.
  const tsx = pathToFileURL(req.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(pathToFileURL(fileURLToPath(import.meta.url)).href)}))`;
}

export function startIngestWriter(db: Db, options: WriterOptions = {}): IngestWriter {
  const gather: GatherOptions = { ...DEFAULT_GATHER, ...options.gather };
  const stats: WriterStats = {
    commits: 0,
    records: 0,
    statusOps: 0,
    maxGroupRecords: 0,
    commitMs: 0,
    failedGroups: 0,
  };
  const pending = new Map<number, { resolve: (r: IngestResult) => void; reject: (e: Error) => void }>();
  const flushes = new Map<number, () => void>();
  let up: Promise<void> | null = null;
  let nextId = 1;

  function settle(outcomes: readonly JobOutcome[]): void {
    for (const o of outcomes) {
      const p = pending.get(o.id);
      if (!p) continue;
      pending.delete(o.id);
      if (o.ok) p.resolve(o.result);
      else p.reject(new Error(o.error));
    }
  }
  function counted(records: number, statusOps: number, commitMs: number): void {
    stats.commits++;
    stats.records += records;
    stats.statusOps += statusOps;
    stats.commitMs += commitMs;
    stats.maxGroupRecords = Math.max(stats.maxGroupRecords, records);
  }
  function failAll(ids: readonly number[], error: string, code?: string): void {
    stats.failedGroups++;
    for (const id of ids) {
      const p = pending.get(id);
      if (!p) continue;
      pending.delete(id);
      p.reject(Object.assign(new Error(error), code ? { code } : {}));
    }
  }

  if (db.memory) {
    const gatherer = new Gatherer(
      createGroupCommitter(db),
      gather,
      () => performance.now(),
      ({ result, commitMs }) => {
        counted(result.records, result.statusOps, commitMs);
        settle(result.outcomes);
      },
      (jobs, err) =>
        failAll(
          jobs.map((j) => j.id),
          err.message,
          (err as { code?: string }).code,
        ),
    );
    return {
      ingest: (job) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, { resolve, reject });
          gatherer.addJob({ ...job, id });
        }),
      status: (op) => gatherer.addOps([op]),
      flush: async () => gatherer.drain(),
      barrier: async () => gatherer.drain(),
      ready: async () => undefined,
      stats: () => ({ ...stats }),
      close: async () => gatherer.drain(),
    };
  }

  // The writer's thread checkpoints the WAL every `checkpointMs`; the server's own connection
  // no longer does it as a side effect of whichever commit crosses 1,000 pages (a plan
  // service slice, a settings write), which copied pages and fsynced on the event loop.
  db.pragma('wal_autocheckpoint = 0');
  let worker: Worker | null = null;
  let closed = false;
  let ops: StatusOp[] = [];
  let opsQueued = false;

  function thread(): Worker {
    if (worker) return worker;
    const w = new Worker(workerSource(), {
      eval: true,
      workerData: { file: db.name, gather, checkpointMs: options.checkpointMs ?? 1000 },
    });
    w.on('message', (m: FromWorker) => {
      switch (m.t) {
        case 'done':
          counted(m.records, m.statusOps, m.commitMs);
          settle(m.outcomes);
          return;
        case 'failed':
          options.onError?.(new Error(`ingest group failed: ${m.error}`));
          failAll(m.ids, m.error, m.code);
          return;
        case 'flushed':
          flushes.get(m.id)?.();
          flushes.delete(m.id);
          return;
        case 'barrier':
          for (const id of m.ids) {
            flushes.get(id)?.();
            flushes.delete(id);
          }
          return;
        default:
          return;
      }
    });
    w.on('error', (err) => options.onError?.(err));
    w.on('exit', () => {
      if (worker !== w) return;
      worker = null;
      // Whatever was in flight is not known to be stored: the players send it again.
      failAll([...pending.keys()], 'the ingest writer stopped');
      for (const f of flushes.values()) f();
      flushes.clear();
    });
    worker = w;
    up = new Promise<void>((resolve) => {
      const onUp = (m: FromWorker) => {
        if (m.t !== 'up') return;
        w.off('message', onUp);
        resolve();
      };
      w.on('message', onUp);
      w.once('exit', () => resolve());
    });
    return w;
  }

  function post(m: ToWorker): void {
    thread().postMessage(m);
  }

  function sendOps(): void {
    opsQueued = false;
    if (!ops.length) return;
    const batch = ops;
    ops = [];
    post({ t: 'ops', ops: batch });
  }

  return {
    ingest(job) {
      if (closed) return Promise.reject(new Error('the ingest writer is closed'));
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        post({ t: 'job', job: { ...job, id } });
      });
    },
    status(op) {
      if (closed) return;
      // Many sockets' hellos and pongs within one turn of the loop travel as one message.
      ops.push(op);
      if (!opsQueued) {
        opsQueued = true;
        setImmediate(sendOps);
      }
    },
    flush() {
      sendOps();
      if (!worker) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const id = nextId++;
        flushes.set(id, resolve);
        post({ t: 'flush', id });
      });
    },
    barrier() {
      sendOps();
      if (!worker) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const id = nextId++;
        flushes.set(id, resolve);
        post({ t: 'barrier', id });
      });
    },
    async ready() {
      if (closed) return;
      thread();
      await up;
    },
    stats: () => ({ ...stats }),
    async close() {
      if (closed) return;
      sendOps();
      closed = true;
      // Whoever keeps using the connection (a tool, a test) checkpoints as SQLite does by default.
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
      const w = worker;
      if (!w) return;
      await new Promise<void>((resolve) => {
        w.on('message', (m: FromWorker) => {
          if (m.t === 'closed') resolve();
        });
        w.once('exit', () => resolve());
        w.postMessage({ t: 'close' } satisfies ToWorker);
      });
      worker = null;
      await w.terminate();
    },
  };
}

/**
 * The ingest writer's thread: its own connection to the database file, always
 * synchronous=FULL, so the fsync of each group commit and the WAL checkpoints happen here and
 * never on the server's event loop. Driven by messages from server/ingest/writer.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { createGroupCommitter } from './group-commit.ts';
import { Gatherer, type GatherOptions } from './gather.ts';
import type { ToWorker, FromWorker } from './writer.ts';

const { file, gather, checkpointMs } = workerData as {
  file: string;
  gather: GatherOptions;
  checkpointMs: number;
};
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

const db = new Database(file);
db.pragma('foreign_keys = ON');
// Short, like the server's own connection: a lock held elsewhere fails the group fast (not_ready,
// the players resend) instead of holding every batch behind it.
db.pragma('busy_timeout = 100');
db.pragma('synchronous = FULL');
// Checkpoints are this thread's job, on its own schedule, not a side effect of some commit.
db.pragma('wal_autocheckpoint = 0');

function checkpoint(): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or read-only: the next one catches up.
  }
}

/** Barriers to release after the next commit (it holds every status write queued before them). */
let barriers: number[] = [];
function release(): void {
  if (!barriers.length) return;
  post({ t: 'barrier', ids: barriers });
  barriers = [];
}

const gatherer = new Gatherer(
  createGroupCommitter(db),
  gather,
  () => performance.now(),
  ({ result, commitMs }) => {
    post({
      t: 'done',
      outcomes: result.outcomes,
      records: result.records,
      statusOps: result.statusOps,
      commitMs,
    });
    release();
  },
  (jobs, err) => {
    post({
      t: 'failed',
      ids: jobs.map((j) => j.id),
      error: err.message,
      code: (err as { code?: string }).code,
    });
    release();
  },
);

const timer = setInterval(checkpoint, checkpointMs);

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'job':
      gatherer.addJob(m.job);
      return;
    case 'ops':
      gatherer.addOps(m.ops);
      return;
    case 'barrier':
      barriers.push(m.id);
      if (gatherer.isIdle()) release();
      return;
    case 'flush':
      gatherer.drain();
      post({ t: 'flushed', id: m.id });
      return;
    case 'close':
      clearInterval(timer);
      gatherer.drain();
      release();
      checkpoint();
      db.close();
      post({ t: 'closed' });
      port.close();
      return;
  }
});
post({ t: 'up' });

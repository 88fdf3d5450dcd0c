/**
 * One durable group: the proof-of-play batches and connection-status writes gathered since the
 * last commit, in one transaction on the writer's own connection, committed with
 * synchronous=FULL (one fsync of the WAL for the whole group). Each batch runs in its own
 * savepoint, and each record is refused alone if the database refuses it, so one bad record or
 * batch never fails the group.
 */
import type { Db } from '../db/database.ts';
import { isEnvironmentError } from '../db/errors.ts';
import { screenLiveness } from '../repositories/pairing.ts';
import { playsRepository, type IngestJob, type IngestResult } from '../repositories/plays.ts';
import { screenSessionsRepository, type SessionEndReason } from '../repositories/screen-sessions.ts';

/** A connection-status write: what the gateway records about a screen's sockets. */
export type StatusOp =
  | { op: 'seen'; screenId: string; now: number; playerVersion?: string }
  | {
      op: 'status';
      screenId: string;
      now: number;
      playerVersion: string;
      statusJson: string;
      /** The player reported no backlog: everything it played up to here is stored. */
      settledAt?: number;
    }
  | { op: 'offline'; screenId: string }
  | { op: 'session_open'; screenId: string; now: number }
  | { op: 'session_close'; screenId: string; now: number; reason: SessionEndReason };

/** A batch as the gateway hands it over: the records the rules accepted and those they refused. */
export interface PlaysJob extends IngestJob {
  id: number;
}

export type JobOutcome =
  { id: number; ok: true; result: IngestResult } | { id: number; ok: false; error: string };

export interface GroupResult {
  outcomes: JobOutcome[];
  records: number;
  statusOps: number;
}

export function createGroupCommitter(db: Db) {
  const plays = playsRepository(db);
  const pairing = screenLiveness(db);
  const sessions = screenSessionsRepository(db);

  function apply(op: StatusOp): void {
    switch (op.op) {
      case 'seen':
        pairing.seen(op.screenId, op.now, op.playerVersion);
        return;
      case 'status':
        pairing.status(op.screenId, op.now, op.playerVersion, op.statusJson);
        if (op.settledAt !== undefined) pairing.settle(op.screenId, op.settledAt);
        return;
      case 'offline':
        pairing.offline(op.screenId);
        return;
      case 'session_open':
        sessions.open(op.screenId, op.now);
        return;
      case 'session_close':
        sessions.close(op.screenId, op.now, op.reason);
        return;
    }
  }

  const group = db.transaction((jobs: readonly PlaysJob[], ops: readonly StatusOp[]): GroupResult => {
    // Status first: a hello's session opens before the plays it uploads are stored.
    let statusOps = 0;
    for (const op of ops) {
      try {
        apply(op);
        statusOps++;
      } catch (err) {
        // The database itself cannot be written (locked elsewhere, read-only, full): the whole
        // group fails and its status writes are kept for the next attempt.
        if (isEnvironmentError(err)) throw err;
        // A status row that cannot be written (its screen was deleted) is dropped; it only
        // says when a screen was last seen.
      }
    }
    let records = 0;
    const outcomes: JobOutcome[] = jobs.map((j) => {
      try {
        // Its own savepoint: a batch whose rows fail for a reason of their own goes to the
        // quarantine alone (server/repositories/plays.ts), the rest of the group commits.
        const result = plays.ingestInTransaction(j);
        records += j.records.length;
        return { id: j.id, ok: true, result };
      } catch (err) {
        // Locked, read-only, full: the whole group fails and nothing of it is acked.
        if (isEnvironmentError(err)) throw err;
        return { id: j.id, ok: false, error: (err as Error).message };
      }
    });
    return { outcomes, records, statusOps };
  });

  return {
    /** Runs the group in one transaction; when it returns, the group is durable. */
    commit(jobs: readonly PlaysJob[], ops: readonly StatusOp[]): GroupResult {
      plays.forgetProfiles();
      return group(jobs, ops);
    },
  };
}
export type GroupCommitter = ReturnType<typeof createGroupCommitter>;

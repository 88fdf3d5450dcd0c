/**
 * When a group is committed: as soon as it holds `maxRecords` play records (a reconnect storm),
 * or `gatherMs` after its first item arrived (a quiet server adds at most that much to an ack).
 * While a commit runs, what arrives meanwhile waits in line and forms the next group, so under
 * load groups grow by themselves.
 */
import { isEnvironmentError } from '../db/errors.ts';
import type { GroupCommitter, GroupResult, PlaysJob, StatusOp } from './group-commit.ts';

export interface GatherOptions {
  gatherMs: number;
  maxRecords: number;
}

export const DEFAULT_GATHER: GatherOptions = { gatherMs: 10, maxRecords: 5000 };

/**
 * Attempts at a status write whose group failed for a reason of its own, before it is given up.
 * A group that failed on the database itself (locked by another process, read-only, full) keeps
 * its status writes for as long as that lasts: the offline marks and sessions must land after it.
 */
const STATUS_RETRIES = 5;
/** Waits between attempts after a failed group, doubling up to the last one. */
const RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1000];

export interface GroupReport {
  result: GroupResult;
  commitMs: number;
}

export class Gatherer {
  private jobs: PlaysJob[] = [];
  private ops: { op: StatusOp; tries: number }[] = [];
  private records = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failedInRow = 0;

  constructor(
    private readonly committer: GroupCommitter,
    private readonly opts: GatherOptions,
    private readonly now: () => number,
    private readonly done: (report: GroupReport) => void,
    private readonly failed: (jobs: PlaysJob[], err: Error) => void,
  ) {}

  addJob(job: PlaysJob): void {
    this.jobs.push(job);
    this.records += job.records.length;
    if (this.records >= this.opts.maxRecords) this.commitNow();
    else this.schedule();
  }

  addOps(ops: readonly StatusOp[]): void {
    for (const op of ops) this.ops.push({ op, tries: 0 });
    this.schedule();
  }

  isIdle(): boolean {
    return this.jobs.length === 0 && this.ops.length === 0;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.commitNow(), this.opts.gatherMs);
  }

  /** Commits everything waiting, group after group (stops early if a group fails). */
  drain(): void {
    let failedBefore = this.failures;
    while (!this.isIdle()) {
      this.commitNow();
      if (this.failures !== failedBefore) return;
      failedBefore = this.failures;
    }
  }

  private failures = 0;

  /** Commits what is waiting now (nothing to do when nothing waits). */
  commitNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.isIdle()) return;
    // A group is capped at maxRecords (plus the batch that crosses it): one transaction never
    // holds the write lock for long, and what is left goes in the next group at once.
    const jobs: PlaysJob[] = [];
    let records = 0;
    while (this.jobs.length && (jobs.length === 0 || records < this.opts.maxRecords)) {
      const j = this.jobs.shift()!;
      jobs.push(j);
      records += j.records.length;
    }
    this.records -= records;
    const ops = this.ops;
    this.ops = [];
    const t0 = this.now();
    try {
      const result = this.committer.commit(
        jobs,
        ops.map((o) => o.op),
      );
      this.done({ result, commitMs: this.now() - t0 });
      this.failedInRow = 0;
    } catch (err) {
      // The commit itself failed (the disk, a lock held too long): nothing of the group is
      // stored. Its plays are answered with an error and sent again by the players; status
      // writes are kept for the next group a few times.
      const keep = isEnvironmentError(err);
      this.ops.unshift(...ops.filter((o) => keep || ++o.tries < STATUS_RETRIES));
      this.failures++;
      this.failedInRow++;
      this.failed(jobs, err as Error);
    }
    if (this.failedInRow > 0 && !this.isIdle()) {
      // Back off: a lock held elsewhere is not retried every few milliseconds.
      const wait = RETRY_DELAYS_MS[Math.min(this.failedInRow, RETRY_DELAYS_MS.length) - 1] ?? 1000;
      this.timer ??= setTimeout(() => this.commitNow(), wait);
      return;
    }
    if (!this.isIdle()) {
      if (this.records >= this.opts.maxRecords) setImmediate(() => this.commitNow());
      else this.schedule();
    }
  }
}

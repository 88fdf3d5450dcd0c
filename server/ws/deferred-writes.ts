/**
 * Status writes that must not be lost but need not happen now: a screen seen, online, offline,
 * a connection session opened or closed. When the database is locked or read-only, the write is
 * queued per screen and retried later, off the socket and timer handlers, in the order it was
 * asked for (so an "offline" queued during a lock never lands after a later "online").
 * Proof of play does not go through here: plays are acked only once stored.
 */
import type { FastifyBaseLogger } from 'fastify';
import { isEnvironmentError } from '../db/errors.ts';

interface Pending {
  what: string;
  op: () => void;
}

export class DeferredWrites {
  private readonly queues = new Map<string, Pending[]>();
  private timer: NodeJS.Timeout | null = null;
  private delay: number;

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly baseMs = 250,
    private readonly capMs = 10_000,
  ) {
    this.delay = baseMs;
  }

  /** Runs `op` now, or queues it behind this key's earlier writes that still wait. */
  run(key: string, what: string, op: () => void): void {
    const queue = this.queues.get(key);
    if (queue) {
      queue.push({ what, op });
      return;
    }
    try {
      op();
    } catch (err) {
      if (!isEnvironmentError(err)) {
        this.log.error({ err, key, what }, 'status write failed; dropped');
        return;
      }
      if (this.queues.size === 0)
        this.log.warn(
          { key, what, code: (err as { code?: string }).code },
          'database unavailable; status writes are queued and retried',
        );
      this.queues.set(key, [{ what, op }]);
      this.schedule();
    }
  }

  /** Writes still waiting, for health and tests. */
  pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Tries every queued write in order; stops at the first that still cannot be written. */
  flush(): boolean {
    for (const [key, queue] of this.queues) {
      while (queue.length) {
        const next = queue[0]!;
        try {
          next.op();
        } catch (err) {
          if (isEnvironmentError(err)) return false;
          this.log.error({ err, key, what: next.what }, 'status write failed; dropped');
        }
        queue.shift();
      }
      this.queues.delete(key);
    }
    return true;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.flush()) {
        this.delay = this.baseMs;
        this.log.info('database available again; queued status writes done');
      } else {
        this.delay = Math.min(this.delay * 2, this.capMs);
        this.schedule();
      }
    }, this.delay);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

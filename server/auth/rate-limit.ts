import type { Clock } from '#shared/clock.ts';

/**
 * Counts failed logins per key (IP + user name) in a sliding window. After `max` failures the
 * key is refused until the oldest failure leaves the window, so guessing costs hours, while a
 * person who mistypes twice is not locked out. In memory: a restart forgets, which is fine for
 * a single-process server.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    readonly max = 5,
    readonly windowMs = 15 * 60 * 1000,
  ) {}

  private recent(key: string): number[] {
    const now = this.clock.now();
    const kept = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }

  /** Milliseconds until the key may try again, or 0 when it may now. */
  retryAfterMs(key: string): number {
    const list = this.recent(key);
    if (list.length < this.max) return 0;
    return list[list.length - this.max]! + this.windowMs - this.clock.now();
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(this.clock.now());
    this.failures.set(key, list);
    // Bound memory under a spray of user names.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }
}

/**
 * The page's idea of "now" follows the player core's clock, which may be virtual (demos,
 * tests replay 2024). The page keeps only an offset against its monotonic timer, so a jump of
 * the wall clock on the PC does not move a start time; the core re-sends `clock` to correct
 * drift and to follow jumps of a virtual clock.
 */
export class PageClock {
  // Until the core speaks, the browser's own epoch is the best guess.
  private offset = performance.timeOrigin;
  private synced = false;

  sync(coreNow: number): void {
    this.offset = coreNow - performance.now();
    this.synced = true;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  now(): number {
    return performance.now() + this.offset;
  }

  /** A `performance.now()`-based timestamp (events, video frame callbacks) on the core's clock. */
  fromPerformance(t: number): number {
    return t + this.offset;
  }
}

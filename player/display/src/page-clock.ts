/**
 * The page's idea of "now" follows the player core's clock, which may be virtual (demos,
 * tests replay 2024). The page keeps only an anchor on its monotonic timer, so a jump of the
 * wall clock on the PC does not move a start time; the core re-sends `clock` to correct drift
 * and to follow jumps of a virtual clock. A core clock that stands still (rate 0: a stepped
 * simulation, a test) holds the page's time too, so the page starts, ends and gives up on items
 * at the instants the core steps to, not at whatever real time has passed in between.
 */
export class PageClock {
  // Until the core speaks, the browser's own epoch is the best guess.
  private base = performance.timeOrigin;
  private anchor = 0;
  private rate = 1;
  private synced = false;

  sync(coreNow: number, rate = 1): void {
    this.base = coreNow;
    this.anchor = performance.now();
    this.rate = rate;
    this.synced = true;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  now(): number {
    return this.fromPerformance(performance.now());
  }

  /** A `performance.now()`-based timestamp (events, video frame callbacks) on the core's clock. */
  fromPerformance(t: number): number {
    return this.base + (t - this.anchor) * this.rate;
  }
}

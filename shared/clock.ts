/**
 * Every reading of "now" in the project goes through a Clock. Only `realClock` touches the
 * system time; tests, the simulator and `--clock` runs use a `VirtualClock`, so the 2024
 * campaign can be replayed today and nothing leaks between tests through a global.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const realClock: Clock = {
  now: () => Date.now(),
};

/**
 * A clock that starts at a chosen instant. With `rate` > 0 it runs off the real clock at
 * `rate` times real speed (`--clock 2024-09-05T07:55:00+07:00 --clock-rate 60`); with rate 0
 * it stands still until `advance`/`set` move it, which is what tests and the simulator want.
 */
export class VirtualClock implements Clock {
  private base: number;
  private anchor: number;

  constructor(
    start: number,
    /** How fast it runs against `source`: 0 stands still, 1 is real speed. */
    readonly rate = 0,
    private readonly source: Clock = realClock,
  ) {
    this.base = start;
    this.anchor = source.now();
  }

  now(): number {
    if (this.rate === 0) return this.base;
    return this.base + (this.source.now() - this.anchor) * this.rate;
  }

  set(instant: number): void {
    this.base = instant;
    this.anchor = this.source.now();
  }

  advance(ms: number): void {
    this.set(this.now() + ms);
  }
}

/** How fast a clock runs against real time: a `VirtualClock`'s rate, 1 for any other clock. */
export function clockRate(clock: Clock): number {
  return clock instanceof VirtualClock ? clock.rate : 1;
}

export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

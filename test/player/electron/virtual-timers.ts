import type { VirtualClock } from '../../../shared/clock.ts';
import type { Timers } from '../../../player/electron/timers.ts';

/** Timers driven by a virtual clock: `advance` moves time and fires, in order, what fell due. */
export function virtualTimers(clock: VirtualClock) {
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      pending.set(++seq, { at: clock.now() + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  const advance = (ms: number) => {
    const end = clock.now() + ms;
    for (;;) {
      const due = [...pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      pending.delete(due[0]);
      clock.set(due[1].at);
      due[1].fn();
    }
    clock.set(end);
  };
  return { timers, advance, pending };
}

/**
 * setTimeout behind an interface, so that the restart guard and the updater can be driven by
 * a virtual clock in tests. Only `realTimers` touches the real timer queue.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

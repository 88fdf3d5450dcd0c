/**
 * Offline time from connection sessions (screen_sessions), as pure functions over instants in
 * ms: a screen is offline in the part of a window that no session covers. Reports use it to
 * attribute a shortfall to offline time from what was actually recorded, not from play gaps.
 */

export type Interval = readonly [start: number, end: number];

export interface Span {
  connected_at_ms: number;
  /** null: still connected (up to `now`). */
  disconnected_at_ms: number | null;
}

/** The parts of [from, to) that no session covers, in order. Open sessions run to `now`. */
export function offlineIntervals(
  from: number,
  to: number,
  sessions: readonly Span[],
  now: number,
): Interval[] {
  if (to <= from) return [];
  const online = sessions
    .map((s) => [Math.max(from, s.connected_at_ms), Math.min(to, s.disconnected_at_ms ?? now)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  let cursor = from;
  for (const [a, b] of online) {
    if (a > cursor) out.push([cursor, a]);
    cursor = Math.max(cursor, b);
  }
  if (cursor < to) out.push([cursor, to]);
  return out;
}

/** Total overlap of two sets of intervals (each internally non-overlapping). */
export function overlapMs(a: readonly Interval[], b: readonly { start: number; end: number }[]): number {
  let total = 0;
  for (const [s, e] of a) {
    for (const x of b) {
      const lo = Math.max(s, x.start);
      const hi = Math.min(e, x.end);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/** How many instants fall in one of the intervals (start inclusive, end exclusive). */
export function countInside(instants: readonly number[], intervals: readonly Interval[]): number {
  let n = 0;
  for (const t of instants) if (intervals.some(([s, e]) => t >= s && t < e)) n++;
  return n;
}

import { describe, expect, it } from 'vitest';
import { countInside, offlineIntervals, overlapMs } from '#server/reports/offline.ts';

const s = (a: number, b: number | null) => ({ connected_at_ms: a, disconnected_at_ms: b });

describe('offlineIntervals', () => {
  it('is the whole window when there is no session', () => {
    expect(offlineIntervals(0, 100, [], 1000)).toEqual([[0, 100]]);
  });

  it('leaves the gaps between sessions, clipped to the window, overlaps merged', () => {
    const sessions = [s(-50, 10), s(30, 60), s(40, 70), s(90, 200)];
    expect(offlineIntervals(0, 100, sessions, 1000)).toEqual([
      [10, 30],
      [70, 90],
    ]);
  });

  it('runs an open session to now, so the time after now is not offline yet either', () => {
    // Window already cut at now by the caller; an open session covers up to it.
    expect(offlineIntervals(0, 80, [s(20, null)], 80)).toEqual([[0, 20]]);
    // An open session that began after now (a virtual clock set back) covers nothing.
    expect(offlineIntervals(0, 50, [s(60, null)], 50)).toEqual([[0, 50]]);
  });

  it('is empty for an empty window', () => {
    expect(offlineIntervals(10, 10, [], 100)).toEqual([]);
  });
});

describe('overlapMs and countInside', () => {
  it('measures offline time inside open slices and counts starts inside offline intervals', () => {
    const off = [
      [0, 30],
      [50, 60],
    ] as const;
    expect(
      overlapMs(off, [
        { start: 20, end: 55 },
        { start: 58, end: 100 },
      ]),
    ).toBe(10 + 5 + 2);
    // Start inclusive, end exclusive: an item starting the moment the screen reconnects is online.
    expect(countInside([0, 29, 30, 49, 50, 59, 60], off)).toBe(4);
  });
});

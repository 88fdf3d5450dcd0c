import { describe, expect, it } from 'vitest';
import type { PlanDay } from '#shared/schemas/protocol.ts';
import { isOpenAt, loopShowings } from '#player/core/loop-timeline.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const S = 'c'.repeat(64);
const T = 1_725_501_600_000;

function day(resume: 'next' | 'resume', spots: Array<[number, number]>): PlanDay {
  return {
    date: '2024-09-05',
    items: spots.map(([s, e], i) => ({
      id: `s${i}`,
      campaignId: 'c',
      mediaSha256: S,
      start: T + s,
      end: T + e,
      peak: false,
    })),
    open: [[T, T + 60_000]],
    loop: {
      items: [
        { mediaSha256: A, durationMs: 10_000 },
        { mediaSha256: B, durationMs: 4000 },
      ],
      resume,
      outsideHours: 'dark',
    },
  };
}
const brief = (d: PlanDay, playable = () => true) =>
  loopShowings([d], playable, T, T + 30_000).map((l) => [
    l.mediaSha256[0],
    l.start - T,
    l.end - T,
    l.offsetMs,
  ]);

describe('the loop timeline', () => {
  it('cuts the item on screen at a spot and goes on with the next one (next)', () => {
    expect(brief(day('next', [[6000, 9000]]))).toEqual([
      ['a', 0, 6000, 0],
      ['b', 9000, 13_000, 0],
      ['a', 13_000, 23_000, 0],
      ['b', 23_000, 27_000, 0],
      ['a', 27_000, 37_000, 0],
    ]);
  });

  it('resumes the cut item from where it stopped (resume), and skips fragments under a second', () => {
    expect(
      brief(
        day('resume', [
          [6000, 9000],
          [19_500, 22_000],
        ]),
      ),
    ).toEqual([
      ['a', 0, 6000, 0],
      ['a', 9000, 13_000, 6000],
      ['b', 13_000, 17_000, 0],
      ['a', 17_000, 19_500, 0],
      ['a', 22_000, 29_500, 2500],
      ['b', 29_500, 33_500, 0],
    ]);
    // 500 ms before a spot is not worth a start: nothing is shown then, and nothing is skipped.
    expect(brief(day('next', [[10_500, 12_000]])).slice(0, 3)).toEqual([
      ['a', 0, 10_000, 0],
      ['b', 12_000, 16_000, 0],
      ['a', 16_000, 26_000, 0],
    ]);
  });

  it('plays through a spot that will not play, stays inside opening hours, and is the same every time', () => {
    const d = day('next', [[6000, 9000]]);
    expect(brief(d, () => false).slice(0, 2)).toEqual([
      ['a', 0, 10_000, 0],
      ['b', 10_000, 14_000, 0],
    ]);
    const all = loopShowings([d], () => true, T - 3_600_000, T + 3_600_000);
    expect(all.every((l) => l.start >= T && l.end <= T + 60_000)).toBe(true);
    expect(loopShowings([d], () => true, T, T + 30_000)).toEqual(
      loopShowings([d], () => true, T, T + 30_000),
    );
    expect(isOpenAt([d], T - 1)).toBe(false);
    expect(isOpenAt([d], T + 1)).toBe(true);
  });
});

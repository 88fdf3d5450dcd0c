/**
 * Placing N plays in a set of weighted open stretches with a minimum start-to-start gap.
 *
 * Peak and off-peak time are two separate "spaces". Where a peak stretch touches an off-peak
 * one, each side gives up half a gap, so a play from one space can never come closer than the
 * gap to a play from the other; inside a space, plays are placed on the space's own timeline
 * (its stretches laid end to end), where keeping the gap is a 1-D problem with an exact answer.
 * Work is in whole seconds, so every start is a whole second.
 */
import type { Piece } from './day.ts';

interface SecPiece {
  s: number;
  e: number;
  w: number;
}

export interface Space {
  pieces: SecPiece[];
  /** Total length in seconds. */
  length: number;
}

/** How many starts fit in the space with `gapSec` between consecutive starts. */
export function spaceCapacity(space: Space, gapSec: number): number {
  if (space.length < 1) return 0;
  return Math.floor((space.length - 1) / gapSec) + 1;
}

function subtract(pieces: SecPiece[], cuts: Array<[number, number]>): SecPiece[] {
  if (cuts.length === 0) return pieces;
  let out = pieces;
  for (const [cs, ce] of cuts) {
    const next: SecPiece[] = [];
    for (const p of out) {
      if (ce <= p.s || cs >= p.e) {
        next.push(p);
        continue;
      }
      if (cs > p.s) next.push({ s: p.s, e: cs, w: p.w });
      if (ce < p.e) next.push({ s: ce, e: p.e, w: p.w });
    }
    out = next;
  }
  return out;
}

function toSpace(pieces: SecPiece[]): Space {
  let length = 0;
  for (const p of pieces) length += p.e - p.s;
  return { pieces, length };
}

/** Split start-eligible pieces (ms) into a peak space and an off-peak space (seconds). */
export function buildSpaces(startPieces: Piece[], gapSec: number): { peak: Space; off: Space } {
  const sec: Array<SecPiece & { peak: boolean }> = [];
  for (const p of startPieces) {
    const s = Math.ceil(p.start / 1000);
    const e = Math.floor(p.end / 1000);
    if (e > s) sec.push({ s, e, w: p.weight, peak: p.peak });
  }
  // Runs of one class; between two runs of different classes that are closer than a gap, each
  // side loses enough that any cross-class pair of starts stays a full gap apart.
  const cutsPeak: Array<[number, number]> = [];
  const cutsOff: Array<[number, number]> = [];
  let runEnd = -Infinity;
  let runPeak: boolean | null = null;
  for (const p of sec) {
    if (runPeak !== null && p.peak !== runPeak) {
      const d = p.s - runEnd;
      if (d < gapSec) {
        const sh = Math.ceil((gapSec - d) / 2);
        (runPeak ? cutsPeak : cutsOff).push([runEnd - sh, runEnd]);
        (p.peak ? cutsPeak : cutsOff).push([p.s, p.s + sh]);
      }
    }
    runPeak = p.peak;
    runEnd = p.e;
  }
  const peak = subtract(
    sec.filter((p) => p.peak).map(({ s, e, w }) => ({ s, e, w })),
    cutsPeak,
  );
  const off = subtract(
    sec.filter((p) => !p.peak).map(({ s, e, w }) => ({ s, e, w })),
    cutsOff,
  );
  return { peak: toSpace(peak), off: toSpace(off) };
}

/**
 * Pool-adjacent-violators: the non-decreasing sequence closest (least squares) to `v`.
 * With z_i = x_i - i*gap this yields the gap-respecting starts closest to the ideal ones.
 */
function isotonic(v: number[]): number[] {
  const sums: number[] = [];
  const counts: number[] = [];
  for (const x of v) {
    sums.push(x);
    counts.push(1);
    while (sums.length > 1) {
      const n = sums.length;
      if (sums[n - 2]! / counts[n - 2]! <= sums[n - 1]! / counts[n - 1]!) break;
      sums[n - 2]! += sums[n - 1]!;
      counts[n - 2]! += counts[n - 1]!;
      sums.pop();
      counts.pop();
    }
  }
  const out: number[] = [];
  for (let b = 0; b < sums.length; b++) {
    const mean = sums[b]! / counts[b]!;
    for (let k = 0; k < counts[b]!; k++) out.push(mean);
  }
  return out;
}

/**
 * `n` starts (epoch ms, ascending) at the quantiles (i + ½)/n of the space's weight, then moved
 * as little as possible to keep `gapSec` between them. Caller guarantees n <= capacity.
 */
export function placeInSpace(space: Space, n: number, gapSec: number): number[] {
  if (n <= 0) return [];
  const { pieces, length } = space;
  let mass = 0;
  for (const p of pieces) mass += p.w * (p.e - p.s);
  const flat = mass <= 0;
  if (flat) mass = length;

  // Ideal positions on the space's own timeline.
  const ideal: number[] = [];
  let k = 0;
  let cumMass = 0;
  let cumLen = 0;
  for (let i = 0; i < n; i++) {
    const q = ((i + 0.5) / n) * mass;
    for (;;) {
      const p = pieces[k]!;
      const len = p.e - p.s;
      const m = (flat ? 1 : p.w) * len;
      if (q <= cumMass + m || k === pieces.length - 1) {
        const w = flat ? 1 : p.w;
        const within = w > 0 ? Math.min(len, (q - cumMass) / w) : 0;
        ideal.push(cumLen + within);
        break;
      }
      cumMass += m;
      cumLen += len;
      k++;
    }
  }

  const z = isotonic(ideal.map((x, i) => x - i * gapSec));
  const hi = length - 1 - (n - 1) * gapSec;
  const starts: number[] = [];
  let j = 0;
  let jStart = 0;
  for (let i = 0; i < n; i++) {
    const zi = Math.min(hi, Math.max(0, Math.round(z[i]!)));
    const y = zi + i * gapSec;
    while (j < pieces.length - 1 && y >= jStart + (pieces[j]!.e - pieces[j]!.s)) {
      jStart += pieces[j]!.e - pieces[j]!.s;
      j++;
    }
    starts.push((pieces[j]!.s + (y - jStart)) * 1000);
  }
  return starts;
}

/**
 * The largest daily count that fits both spaces while at least ceil(N × share) plays are in
 * peak hours.
 */
export function maxWithShare(capPeak: number, capOff: number, share: number): number {
  let n = capPeak + capOff;
  while (n > 0 && requiredPeak(n, share) > capPeak) n--;
  return n;
}

export function requiredPeak(n: number, share: number): number {
  return Math.max(0, Math.ceil(n * share - 1e-9));
}

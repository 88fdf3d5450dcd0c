/**
 * Where the venue's loop is at any moment (docs/decisions/012-venue-loops.md). Pure: the same
 * plan and the same set of playable spots always give the same showings, so a player that
 * restarts, or loses its server, picks the loop up exactly where it should be.
 *
 * In each open interval the loop runs from the interval's start, item after item. A spot cuts
 * in at its planned start: the loop item on screen is cut there, and after the spot the loop
 * goes on with the next item ('next') or with the cut item from where it stopped ('resume').
 * Outside the open intervals nothing of the loop plays.
 */
import type { PlanDay, PlanItem } from '#shared/schemas/protocol.ts';
import { LOOP_ID_PREFIX } from './journal.ts';

/** A loop fragment shorter than this before a spot is not worth starting; the last frame holds. */
export const MIN_LOOP_FRAGMENT_MS = 1000;

export interface LoopShowing {
  /** Stable for the same plan: `loop:<date>:<start>:<n>` (n counts the interval's showings). */
  id: string;
  mediaSha256: string;
  start: number;
  end: number;
  /** Where in the media the showing starts (a resumed video), in ms. */
  offsetMs: number;
}

/**
 * The loop showings that overlap [from, to), for the plan's days. `spotPlays(item)` says
 * whether a spot will really take its slot (its media is ready); a spot that will not leaves
 * the loop running through its time.
 */
export function loopShowings(
  days: readonly PlanDay[],
  spotPlays: (item: PlanItem) => boolean,
  from: number,
  to: number,
): LoopShowing[] {
  const out: LoopShowing[] = [];
  for (const day of days) {
    const loop = day.loop;
    if (!loop || loop.items.length === 0 || !day.open) continue;
    const spots = day.items.filter(spotPlays).sort((a, b) => a.start - b.start);
    for (const [a, b] of day.open) {
      if (b <= from || a >= to) continue;
      let t = a;
      let k = 0;
      let offset = 0;
      let n = 0;
      let si = 0;
      while (t < b && t < to) {
        // Skip spots already over; a spot covering t moves the loop past it.
        while (si < spots.length && spots[si]!.end <= t) si++;
        const spot = spots[si];
        if (spot && spot.start <= t) {
          t = spot.end;
          si++;
          continue;
        }
        const gapEnd = Math.min(b, spot ? spot.start : b);
        const item = loop.items[k % loop.items.length]!;
        const remaining = item.durationMs - offset;
        if (t + remaining <= gapEnd) {
          if (t + remaining > from)
            out.push({
              id: `${LOOP_ID_PREFIX}${day.date}:${t}:${n}`,
              mediaSha256: item.mediaSha256,
              start: t,
              end: t + remaining,
              offsetMs: offset,
            });
          n++;
          t += remaining;
          k++;
          offset = 0;
          continue;
        }
        // The item does not fit before the spot (or the close): show what fits, then decide.
        const shown = gapEnd - t;
        if (shown >= MIN_LOOP_FRAGMENT_MS) {
          if (gapEnd > from)
            out.push({
              id: `${LOOP_ID_PREFIX}${day.date}:${t}:${n}`,
              mediaSha256: item.mediaSha256,
              start: t,
              end: gapEnd,
              offsetMs: offset,
            });
          n++;
          if (loop.resume === 'resume') offset += shown;
          else {
            k++;
            offset = 0;
          }
        }
        t = gapEnd;
      }
    }
  }
  return out.sort((x, y) => x.start - y.start);
}

/** Whether `at` is inside one of the day's open intervals (for 'dark' outside hours). */
export function isOpenAt(days: readonly PlanDay[], at: number): boolean | null {
  let known = false;
  for (const d of days) {
    if (!d.open) continue;
    known = true;
    if (d.open.some(([a, b]) => a <= at && at < b)) return true;
  }
  return known ? false : null;
}

/**
 * Make-goods: plays a screen missed (offline, failing) are carried forward so its
 * campaign-to-date average comes back to target. Pure arithmetic over counts.
 */

export const DEFAULT_MAKE_GOOD_CAP_PCT = 50;
/** A deficit is spread over this many following operating days before spilling further. */
export const DEFAULT_SPREAD_DAYS = 7;

export interface MakeGoodDay {
  date: string;
  /** Base target of the day (0 on a day the site does not operate). */
  target: number;
  /** Most plays the day can hold; extra plays never exceed capacity - target. */
  capacity?: number;
}

export interface MakeGoodInput {
  /** Every campaign day in order. */
  days: readonly MakeGoodDay[];
  /** Plays achieved per past date (dates before `asOf`); missing = 0. */
  achieved: Readonly<Record<string, number>>;
  /** First date still to be planned; the deficit is what was missed before it. */
  asOf: string;
  /** Days before this date owe nothing (e.g. before the screen was installed and paired). */
  accountableFrom?: string;
  capPct?: number;
  spreadDays?: number;
}

export interface MakeGoodResult {
  /** Campaign-to-date shortfall before `asOf` (never negative). */
  deficit: number;
  /** Extra plays per following date (only dates that get some). */
  extra: Record<string, number>;
  /** What cannot be recovered by the campaign's end even at the cap (reported, never hidden). */
  unrecoverable: number;
}

export function capFor(day: MakeGoodDay, capPct: number): number {
  let cap = Math.floor((day.target * capPct) / 100 + 1e-9);
  if (day.capacity !== undefined) cap = Math.min(cap, Math.max(0, day.capacity - day.target));
  return Math.max(0, cap);
}

export function computeMakeGoods(input: MakeGoodInput): MakeGoodResult {
  const capPct = input.capPct ?? DEFAULT_MAKE_GOOD_CAP_PCT;
  const spread = Math.max(1, input.spreadDays ?? DEFAULT_SPREAD_DAYS);
  let deficit = 0;
  for (const d of input.days) {
    if (d.date >= input.asOf) break;
    if (input.accountableFrom && d.date < input.accountableFrom) continue;
    deficit += d.target - (input.achieved[d.date] ?? 0);
  }
  // Plays above target on earlier days (a raise that came late, say) offset later misses, but a
  // surplus is never carried forward as a reason to play less.
  deficit = Math.max(0, deficit);

  const future = input.days.filter((d) => d.date >= input.asOf && d.target > 0);
  const extra: Record<string, number> = {};
  let left = deficit;
  // Even shares over a window of `spread` days, then the next window: the average recovers
  // within about a week without piling every missed play onto the first day back.
  for (let w = 0; w < future.length && left > 0; w += spread) {
    const window = future.slice(w, w + spread);
    const room = window.map((d) => capFor(d, capPct));
    const got = window.map(() => 0);
    while (left > 0) {
      const open = window.map((_, i) => i).filter((i) => got[i]! < room[i]!);
      if (open.length === 0) break;
      const each = Math.max(1, Math.floor(left / open.length));
      for (const i of open) {
        if (left === 0) break;
        const add = Math.min(each, room[i]! - got[i]!, left);
        got[i]! += add;
        left -= add;
      }
    }
    window.forEach((d, i) => {
      if (got[i]! > 0) extra[d.date] = got[i]!;
    });
  }
  return { deficit, extra, unrecoverable: left };
}

/**
 * The fault file of `npm run simulate -- --faults FILE` (examples in simulate/faults/): a JSON
 * list of faults at chosen times, each an object with a `kind`. Times are ISO 8601 with an
 * offset (a time without one would depend on the machine that runs the simulation).
 */
import { z } from 'zod';
import { IsoInstant } from '#shared/schemas/domain.ts';

// A real instant with an offset: parsed, not pattern-matched (no 31/09, no 25:00), as the
// protocol's play records are.
const At = IsoInstant;
const ScreenId = z.string().min(1);
const SiteId = z.string().min(1);

/** A server stopped mid-upload is back within a day (a longer stop is a `restart`). */
const MAX_DOWN_MS = 86_400_000;
/** A player's clock is wrong by at most this much (a PC whose clock reset to its BIOS year). */
const MAX_CLOCK_OFFSET_MS = 50 * 366 * 86_400_000;

export const Fault = z.discriminatedUnion('kind', [
  /** The screen's player is off (power cut, unplugged) from `from` to `to`. */
  z.strictObject({ kind: z.literal('outage'), screen: ScreenId, from: At, to: At }),
  /** An office head raises (or tries to lower) the site's plays per day at `at`. */
  z.strictObject({
    kind: z.enum(['raise', 'lower']),
    site: SiteId,
    at: At,
    perDay: z.number().int().min(1),
  }),
  /** The server is down from `down` to `up`; players keep playing and upload afterwards. */
  z.strictObject({ kind: z.literal('restart'), down: At, up: At }),
  /**
   * From `at` on, the screen's PC clock is `offsetMs` off the server's (positive: ahead). The
   * PC restarts with that clock (a flat BIOS battery, a wrong time server), between two plays.
   */
  z.strictObject({
    kind: z.literal('clock_offset'),
    screen: ScreenId,
    at: At,
    offsetMs: z
      .number()
      .int()
      .refine((v) => v !== 0 && Math.abs(v) <= MAX_CLOCK_OFFSET_MS, 'a non-zero offset of at most 50 years'),
  }),
  /**
   * The first plays batch the screen sends at or after `at` reaches the server and is stored,
   * and the player is killed before the `plays_ack` reaches it. It starts again at once from
   * its data dir and sends the same records again.
   */
  z.strictObject({ kind: z.literal('killed_mid_upload'), screen: ScreenId, at: At }),
  /**
   * The first plays batch the screen sends at or after `at` is stored, and the server stops
   * before its `plays_ack` leaves; a new server on the same database file and port starts
   * `downMs` later (default 0: at once). The player sends the same records again to it.
   */
  z.strictObject({
    kind: z.literal('restart_mid_upload'),
    screen: ScreenId,
    at: At,
    downMs: z
      .number()
      .int('whole milliseconds')
      .min(0, 'at least 0 ms')
      .max(MAX_DOWN_MS, 'at most a day (86400000 ms)')
      .optional(),
  }),
]);
export type FaultSpec = z.infer<typeof Fault>;

export const FaultFile = z.array(Fault);

/** Reads and checks a fault file's JSON; the error names the fault and the field. */
export function parseFaults(json: unknown): FaultSpec[] {
  const parsed = FaultFile.safeParse(json);
  if (parsed.success) {
    for (const [i, f] of parsed.data.entries()) {
      if (f.kind === 'outage' && Date.parse(f.to) <= Date.parse(f.from))
        throw new Error(`fault ${i + 1}: an outage ends after it starts`);
      if (f.kind === 'restart' && Date.parse(f.up) <= Date.parse(f.down))
        throw new Error(`fault ${i + 1}: the server comes back after it went down`);
    }
    return parsed.data;
  }
  const issue = parsed.error.issues[0]!;
  const [index, ...field] = issue.path;
  const where = typeof index === 'number' ? `fault ${index + 1}` : 'the fault file';
  throw new Error(`${where}${field.length ? ` (${field.join('.')})` : ''}: ${issue.message}`);
}

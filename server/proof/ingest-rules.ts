/**
 * The one per-record check of proof-of-play ingest, shared by every path that stores plays.
 * Each record of a `plays` batch is judged on its own: the valid ones are stored and acked, the
 * others are rejected with a stable code and a reason, and kept in the quarantine
 * (plays_quarantine) so nothing the player sent is lost. One screen's bad record therefore
 * never fails a batch, nor the group commit that batch shares with other screens.
 *
 * A record is refused when it
 * - does not match PlayRecord (every timestamp must be a real instant, shared IsoInstant);
 * - belongs to another screen than the authenticated connection;
 * - has impossible times: it ends before it starts, lasts longer than MAX_PLAY_MS, or claims more
 *   seconds shown than it lasted;
 * - starts (or ends) in the future by more than FUTURE_SKEW_MS, read as server time and also
 *   after correcting by the player's reported clock offset (whichever is earlier);
 * - names a plan item this screen was never given for that day (current or earlier plan
 *   versions), or an item whose campaign or video differs;
 * - names no plan item and a campaign the screen had no plan of on that day.
 * A record already stored for this screen is a re-send: it is acked without being judged again.
 */
import { PlayRecord } from '#shared/schemas/protocol.ts';
import { addDays, localDateOf, parseIsoInstant } from '#shared/time.ts';

/** How far ahead of the server's clock a play may start, after the player's offset is applied. */
export const FUTURE_SKEW_MS = 5 * 60_000;
/** No single play of a promo video lasts this long. */
export const MAX_PLAY_MS = 6 * 3_600_000;
/** Rounding slack between secondsShown and the start/end stamps. */
const SHOWN_SLACK_S = 2;

export type RejectCode =
  | 'invalid'
  | 'wrong_screen'
  | 'impossible_times'
  | 'future'
  | 'unknown_campaign'
  | 'unknown_plan_item'
  | 'not_stored';

export interface RejectedRecord {
  /** Position in the batch. */
  index: number;
  /** The record's playId when it had a usable one. */
  playId: string | null;
  code: RejectCode;
  reason: string;
  /** The record as received. */
  record: unknown;
}

/** Issued loop media are listed among the issued items under this prefix and their sha256. */
export const LOOP_MEDIA_KEY = 'loop-media:';

export interface IssuedItem {
  campaignId: string | null;
  mediaSha256: string;
}

/** What the rules read from the database (repositories/plays.ts implements it). */
export interface IngestLookup {
  /** The screen that holds a play with this id, if any. */
  storedFor(playId: string): string | undefined;
  /** Every plan item issued to the screen for local dates first..last, any plan version. */
  issuedItems(screenId: string, first: string, last: string): ReadonlyMap<string, IssuedItem>;
  campaignForMedia(sha256: string): string | undefined;
}

export interface IngestScreen {
  screenId: string;
  timeZone: string;
  now: number;
  /** Server clock minus player clock, as the player last reported it (0 when unknown). */
  clockOffsetMs: number;
}

export interface CheckedBatch {
  accepted: PlayRecord[];
  rejected: RejectedRecord[];
}

const MESSAGES: Record<RejectCode, string> = {
  invalid: 'Bản ghi không hợp lệ / The record is invalid',
  wrong_screen: 'Bản ghi của màn hình khác / The record belongs to another screen',
  impossible_times: 'Thời gian phát không thể có / The play times are impossible',
  future: 'Bắt đầu ở tương lai / The play starts in the future',
  unknown_campaign: 'Chiến dịch không có trong lịch của màn hình / The campaign is not in this screen’s plan',
  unknown_plan_item:
    'Mục lịch phát không được giao cho màn hình / The plan item was never issued to this screen',
  not_stored: 'Không lưu được bản ghi / The record could not be stored',
};

export function rejection(index: number, record: unknown, code: RejectCode, detail: string): RejectedRecord {
  const id = (record as { playId?: unknown } | null)?.playId;
  return {
    index,
    playId: typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null,
    code,
    reason: `${MESSAGES[code]}: ${detail}`,
    record,
  };
}

export function checkPlays(
  screen: IngestScreen,
  records: readonly unknown[],
  lookup: IngestLookup,
): CheckedBatch {
  const accepted: PlayRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const issuedCache = new Map<string, ReadonlyMap<string, IssuedItem>>();
  const issued = (date: string) => {
    let m = issuedCache.get(date);
    if (!m) {
      m = lookup.issuedItems(screen.screenId, addDays(date, -1), addDays(date, 1));
      issuedCache.set(date, m);
    }
    return m;
  };
  const campaignOf = (item: IssuedItem) => item.campaignId ?? lookup.campaignForMedia(item.mediaSha256);

  records.forEach((raw, index) => {
    const reject = (code: RejectCode, detail: string) => rejected.push(rejection(index, raw, code, detail));
    const parsed = PlayRecord.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      reject('invalid', `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`);
      return;
    }
    const r = parsed.data;
    if (r.screenId !== screen.screenId) {
      reject('wrong_screen', `screenId ${r.screenId} does not match this connection`);
      return;
    }
    const holder = lookup.storedFor(r.playId);
    if (holder !== undefined) {
      if (holder === screen.screenId) accepted.push(r);
      else reject('invalid', 'playId already belongs to another screen’s play');
      return;
    }
    const started = parseIsoInstant(r.startedAt)!;
    const ended = parseIsoInstant(r.endedAt)!;
    if (ended < started) return reject('impossible_times', 'endedAt is before startedAt');
    if (ended - started > MAX_PLAY_MS) return reject('impossible_times', 'the play lasts more than 6 hours');
    if (r.secondsShown > (ended - started) / 1000 + SHOWN_SLACK_S)
      return reject('impossible_times', 'secondsShown is longer than the play');
    // Players stamp plays on the server's time when they know it, older ones on their own clock
    // (server = player + offset): a record is in the future only if it is on both readings.
    const latest = screen.now + FUTURE_SKEW_MS;
    const earliestReading = Math.min(0, screen.clockOffsetMs);
    if (started + earliestReading > latest || ended + earliestReading > latest)
      return reject(
        'future',
        `more than ${FUTURE_SKEW_MS / 60_000} min after the server’s clock (player clock offset ${Math.round(screen.clockOffsetMs / 1000)} s)`,
      );
    // Campaigns and communications (issue 15) both reach a screen only as plan items, so the
    // screen's issued items are what says which campaigns it knows.
    const items = issued(localDateOf(started, screen.timeZone));
    if (r.kind === 'loop') {
      // A loop play names the player's own showing id; its media must be in an issued loop.
      if (!items.has(`${LOOP_MEDIA_KEY}${r.mediaSha256}`))
        return reject('unknown_plan_item', `${r.mediaSha256} is in no loop of this screen for that day`);
      accepted.push(r);
      return;
    }
    if (r.planItemId !== null) {
      const item = items.get(r.planItemId);
      if (!item)
        return reject('unknown_plan_item', `${r.planItemId} is in no plan of this screen for that day`);
      if (campaignOf(item) !== r.campaignId)
        return reject('unknown_campaign', `${r.campaignId} is not the campaign of plan item ${r.planItemId}`);
      if (item.mediaSha256 !== r.mediaSha256)
        return reject('unknown_plan_item', `${r.planItemId} was issued for another video`);
    } else if (![...items.values()].some((item) => campaignOf(item) === r.campaignId)) {
      return reject('unknown_campaign', `no plan of ${r.campaignId} for this screen on that day`);
    }
    accepted.push(r);
  });
  return { accepted, rejected };
}

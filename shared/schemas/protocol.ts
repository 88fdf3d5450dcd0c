/**
 * The player protocol, version 2 (version 1 still answered): every JSON message between a screen's player core and the
 * server over the WebSocket at /ws/player. docs/protocol.md explains the lifecycle; this file
 * is the contract both sides validate against. Every message carries `v` so either side can
 * refuse a version it does not speak instead of misreading it.
 * Pure TypeScript: no `node:`, no DOM.
 */
import { z } from 'zod';
import { IsoInstant, LocalDate, Sha256 } from './domain.ts';

export { IsoInstant };

/**
 * 2 added the venue's loop: plan days carry the loop and the open intervals, and play records
 * may be loop plays (`kind: 'loop'`, no campaign). A server answers each player in the
 * version of that player's first message, so v1 players get exactly what they always got.
 */
export const PROTOCOL_VERSION = 2 as const;
export const SUPPORTED_PROTOCOL_VERSIONS = [1, 2] as const;
export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];
export const PLAYER_WS_PATH = '/ws/player';
const V = z.union([z.literal(1), z.literal(2)]);

/** Milliseconds since the Unix epoch. */
const EpochMs = z.number().int().nonnegative();

/** Pairing codes: 6 characters, no 0/O/1/I/L so they survive being read aloud or off a screen. */
export const PAIRING_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const PairingCode = z
  .string()
  .transform((s) => s.trim().toUpperCase().replace(/[\s-]/g, ''))
  .pipe(
    z.string().regex(/^[2-9A-HJKMNP-Z]{6}$/, 'mã ghép nối gồm 6 ký tự / a pairing code has 6 characters'),
  );

export const GENESIS_HASH = '0'.repeat(64);
export const HEARTBEAT_INTERVAL_MS = 30_000;
export const HEARTBEAT_MISSES_OFFLINE = 2;
export const MAX_PLAYS_PER_BATCH = 500;

// ---------------------------------------------------------------- shared parts

export const PlayOutcome = z.enum(['completed', 'interrupted', 'failed']);
export type PlayOutcome = z.infer<typeof PlayOutcome>;

/** A campaign spot, or an item of the venue's own loop (v2; never counted toward a campaign). */
export const PlayKind = z.enum(['spot', 'loop']);
export type PlayKind = z.infer<typeof PlayKind>;

/** One play as the player journals it. `hash` chains it to the screen's previous record. */
export const PlayRecord = z
  .object({
    playId: z.uuid(),
    screenId: z.string().min(1),
    /** Null for a loop play, which belongs to no campaign. */
    campaignId: z.string().min(1).nullable(),
    mediaSha256: Sha256,
    planItemId: z.string().min(1).nullable(),
    plannedAt: IsoInstant.nullable(),
    startedAt: IsoInstant,
    endedAt: IsoInstant,
    secondsShown: z.number().nonnegative(),
    outcome: PlayOutcome,
    reason: z.string().max(500).nullable(),
    playerVersion: z.string().min(1).max(64),
    /** 1, 2, 3… per screen, never reused, even across reinstalls of the same credential. */
    seq: z.number().int().positive(),
    prevHash: Sha256,
    hash: Sha256,
    /** v2: 'loop' for the venue's loop; absent (or 'spot') for a campaign play. */
    kind: PlayKind.optional(),
  })
  .refine((r) => (r.kind === 'loop') === (r.campaignId === null), {
    path: ['campaignId'],
    error: 'a loop play has campaignId null, a spot its campaign',
  });
export type PlayRecord = z.infer<typeof PlayRecord>;

/** The fields that the hash covers, in this fixed order (see docs/protocol.md "Hash chain"). */
export const CHAINED_FIELDS = [
  'playId',
  'screenId',
  'campaignId',
  'mediaSha256',
  'planItemId',
  'plannedAt',
  'startedAt',
  'endedAt',
  'secondsShown',
  'outcome',
  'reason',
  'playerVersion',
  'seq',
  'prevHash',
] as const satisfies readonly (keyof PlayRecord)[];

/**
 * The exact text that is hashed: a JSON object of CHAINED_FIELDS in that order, no spaces.
 * Both sides build it with JSON.stringify, so numbers and strings are written the same way.
 */
export function canonicalPlayJson(record: Omit<PlayRecord, 'hash'>): string {
  const ordered: Record<string, unknown> = {};
  for (const f of CHAINED_FIELDS) ordered[f] = record[f] ?? null;
  // A loop play's kind is covered too, after prevHash; a spot's text is exactly v1's.
  if (record.kind === 'loop') ordered['kind'] = 'loop';
  return JSON.stringify(ordered);
}

export const PlanItem = z.object({
  /** Stable id of the planned play; the player plays each id at most once. */
  id: z.string().min(1),
  campaignId: z.string().min(1),
  mediaSha256: Sha256,
  start: EpochMs,
  end: EpochMs,
  peak: z.boolean(),
});
export type PlanItem = z.infer<typeof PlanItem>;

/** v2: the venue's loop, played in the open intervals between the spots. */
export const PlanLoop = z.object({
  items: z.array(z.object({ mediaSha256: Sha256, durationMs: z.number().int().positive() })).max(200),
  /** After a spot: the next loop item, or the interrupted one from where it stopped. */
  resume: z.enum(['next', 'resume']),
  /** Outside the open intervals: the idle page, or a dark screen. */
  outsideHours: z.enum(['idle', 'dark']),
});
export type PlanLoop = z.infer<typeof PlanLoop>;

/**
 * A text shown full screen from `start` to `end` (a text communication): no media to download.
 * `mediaSha256` is the sha256 of the UTF-8 bytes of `title + "\n" + body`; the play records of a
 * text name it where a spot names its media. Sent in `PlanDay.texts`, which players from before
 * it ignore (unknown fields are dropped), so they never see an item they cannot show.
 */
export const PlanText = PlanItem.extend({
  title: z.string().max(200),
  body: z.string().max(4000),
});
export type PlanText = z.infer<typeof PlanText>;

export const PlanDay = z.object({
  date: LocalDate,
  items: z.array(PlanItem),
  /** Texts to show full screen that day (text communications); absent when there are none. */
  texts: z.array(PlanText).optional(),
  /** v2: the site's open intervals that day, [start, end) in epoch ms (with `loop`). */
  open: z.array(z.tuple([EpochMs, EpochMs])).optional(),
  /** v2: the loop to play that day; absent when the screen has none. */
  loop: PlanLoop.optional(),
});
export type PlanDay = z.infer<typeof PlanDay>;

export const PlanMedia = z.object({
  sha256: Sha256,
  /** Absolute URL or a path on the server; downloads send `Authorization: Bearer <token>`. */
  url: z.string().min(1),
  bytes: z.number().int().positive(),
  mimeType: z.string().min(1),
});
export type PlanMedia = z.infer<typeof PlanMedia>;

export const PlanSite = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  timeZone: z.string().min(1),
});
export type PlanSite = z.infer<typeof PlanSite>;

export const CacheState = z.object({
  /** Media of the plan that are on disk and verified. */
  ready: z.number().int().nonnegative(),
  /** Media the plan needs. */
  needed: z.number().int().nonnegative(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  /** Last download problem, if any, for the console. */
  error: z.string().max(500).optional(),
});
export type CacheState = z.infer<typeof CacheState>;

// ---------------------------------------------------------------- player -> server

/** A paired player's first message. */
export const Hello = z.object({
  type: z.literal('hello'),
  v: V,
  screenId: z.string().min(1),
  token: z.string().min(16),
  playerVersion: z.string().min(1).max(64),
  cachedMedia: z.array(Sha256).max(10_000),
  /** The player's clock when it sent this message. */
  clock: EpochMs,
  /** The newest plan version the player holds (0 = none). */
  planVersion: z.number().int().nonnegative().default(0),
  /**
   * Optional protocol features the player handles. `plan_push`: on a change, send the new
   * `plan` itself instead of `plan_changed`. Unknown names are ignored.
   */
  features: z.array(z.string().max(64)).max(32).optional(),
});

/** The feature a player names in `hello.features` to be pushed whole plans. */
export const FEATURE_PLAN_PUSH = 'plan_push';

/** An unpaired player asks for a code, or resumes waiting on the one it already shows. */
export const PairRequest = z.object({
  type: z.literal('pair_request'),
  v: V,
  playerVersion: z.string().min(1).max(64),
  resume: z.object({ code: z.string().min(1), secret: z.string().min(16) }).optional(),
});

/** A player installed with a provisioning file enrols itself without a code. */
export const Enrol = z.object({
  type: z.literal('enrol'),
  v: V,
  playerVersion: z.string().min(1).max(64),
  enrolmentToken: z.string().min(16),
  /** Suggested screen name (e.g. the PC's host name); the server makes it unique in the site. */
  screenName: z.string().min(1).max(100).optional(),
});

export const Pull = z.object({
  type: z.literal('pull'),
  v: V,
});

export const Pong = z.object({
  type: z.literal('pong'),
  v: V,
  /** Echo of the ping's serverTime, to measure the round trip. */
  serverTime: EpochMs,
  clock: EpochMs,
});

export const Status = z.object({
  type: z.literal('status'),
  v: V,
  playerVersion: z.string().min(1).max(64),
  planVersion: z.number().int().nonnegative(),
  currentItem: z
    .object({
      itemId: z.string(),
      playId: z.string(),
      startedAt: EpochMs,
      /** What is on screen, so the console can name it (optional: older players omit them). */
      campaignId: z.string().optional(),
      mediaSha256: Sha256.optional(),
    })
    .nullable(),
  cache: CacheState,
  freeDiskBytes: z.number().nonnegative(),
  uptimeS: z.number().nonnegative(),
  /** Server clock minus player clock, in ms, from the last ping round trip. */
  clockOffsetMs: z.number(),
  /** Records in the journal not yet acknowledged. */
  backlog: z.number().int().nonnegative(),
  displayConnected: z.boolean(),
});

/** The answer to `screenshot_request`: a JPEG of what the display page shows, or why not. */
export const Screenshot = z.object({
  type: z.literal('screenshot'),
  v: V,
  requestId: z.string().min(1).max(64),
  /** When the frame was taken, on the player's (server-following) clock. */
  takenAt: EpochMs,
  mime: z.literal('image/jpeg').optional(),
  /** Base64 of the image bytes. */
  data: z.string().max(1_500_000).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  what: z.enum(['video', 'page']).optional(),
  error: z.string().max(500).optional(),
});

/**
 * The envelope of an upload. Each record is validated on its own (PlayRecord, then the server's
 * plausibility rules), so one bad record is rejected by itself and never costs the batch its
 * `plays_ack`. Records past MAX_PLAYS_PER_BATCH are neither acked nor rejected: send them again.
 */
export const PlaysBatch = z.object({
  type: z.literal('plays'),
  v: V,
  batchId: z.string().min(1).max(64),
  records: z.array(z.unknown()).min(1),
});

/** Proof of display: the display page drew the urgent warning (full screen or band). */
export const WarningShown = z.object({
  type: z.literal('warning_shown'),
  v: V,
  warningId: z.string().min(1).max(64),
  /** The player's clock when the page reported it drawn. */
  at: EpochMs,
});

export const WarningClearReason = z.enum(['cancelled', 'expired', 'replaced']);
export type WarningClearReason = z.infer<typeof WarningClearReason>;

/** The warning is off the screen (cancelled by the server, or past its expiry on the player's clock). */
export const WarningCleared = z.object({
  type: z.literal('warning_cleared'),
  v: V,
  warningId: z.string().min(1).max(64),
  at: EpochMs,
  reason: WarningClearReason,
});

export const PlayerMessage = z.discriminatedUnion('type', [
  Hello,
  PairRequest,
  Enrol,
  Pull,
  Pong,
  Status,
  PlaysBatch,
  Screenshot,
  WarningShown,
  WarningCleared,
]);
export type PlayerMessage = z.infer<typeof PlayerMessage>;
export type PlayerMessageInput = z.input<typeof PlayerMessage>;

// ---------------------------------------------------------------- server -> player

export const Welcome = z.object({
  type: z.literal('welcome'),
  v: V,
  screenId: z.string(),
  serverTime: EpochMs,
  /** The newest plan version for this screen; pull when it is above the one you hold. */
  planVersion: z.number().int().nonnegative(),
  heartbeatMs: z.number().int().positive(),
  /** The last seq the server holds for this screen (0 = none): records up to it are safe to drop. */
  lastSeq: z.number().int().nonnegative(),
});

export const Pairing = z.object({
  type: z.literal('pairing'),
  v: V,
  code: z.string(),
  /** Keep it secret (it is never shown); send it back with `resume` after a reconnect. */
  secret: z.string(),
  expiresAt: EpochMs,
  /**
   * The server's clock when it sent this, so a player whose own clock is wrong judges the
   * expiry on the server's time (an unpaired player gets no pings). Optional: older servers omit it.
   */
  serverTime: EpochMs.optional(),
  /** Console page that pre-fills the code (for the QR). */
  claimUrl: z.string().optional(),
});

export const Paired = z.object({
  type: z.literal('paired'),
  v: V,
  screenId: z.string(),
  /** The screen's credential. Shown once; the server keeps only its sha256. */
  token: z.string(),
  site: PlanSite,
});

export const Plan = z.object({
  type: z.literal('plan'),
  v: V,
  version: z.number().int().nonnegative(),
  serverTime: EpochMs,
  site: PlanSite,
  days: z.array(PlanDay),
  media: z.array(PlanMedia),
});
export type Plan = z.infer<typeof Plan>;

export const PlanChanged = z.object({
  type: z.literal('plan_changed'),
  v: V,
  version: z.number().int().nonnegative(),
});

export const Ping = z.object({
  type: z.literal('ping'),
  v: V,
  serverTime: EpochMs,
});

export const PlaysAck = z.object({
  type: z.literal('plays_ack'),
  v: V,
  batchId: z.string(),
  /** Every playId of the batch that is now durable on the server (new or already there). */
  acked: z.array(z.string()),
  /**
   * Records the server refused (invalid, implausible, another screen's). The server keeps each in
   * its quarantine, where auditors see it, so the player logs them and does not send them again.
   */
  rejected: z.array(
    z.object({
      playId: z.string(),
      reason: z.string(),
      /** Stable reason code (see docs/protocol.md "Rejected records"). */
      code: z.string().optional(),
      /** Position in the batch, for a record whose playId was unusable. */
      index: z.number().int().nonnegative().optional(),
    }),
  ),
  lastSeq: z.number().int().nonnegative(),
});

/** Staff asked what the screen shows: answer with `screenshot`. */
export const ScreenshotRequest = z.object({
  type: z.literal('screenshot_request'),
  v: V,
  requestId: z.string().min(1).max(64),
});

export const Revoked = z.object({
  type: z.literal('revoked'),
  v: V,
  reason: z.string(),
});

export const ErrorCode = z.enum([
  'bad_message',
  'unsupported_version',
  'unauthenticated',
  'pairing_unknown',
  'enrolment_invalid',
  'rate_limited',
  'not_ready',
  'internal',
]);
export type ProtocolErrorCode = z.infer<typeof ErrorCode>;

export const ProtocolError = z.object({
  type: z.literal('error'),
  v: V,
  code: ErrorCode,
  message: z.string(),
  /** True when the server will close the socket after this message. */
  fatal: z.boolean(),
  /** The `plays` batch this error is about (e.g. `not_ready`: not stored, send it again later). */
  batchId: z.string().optional(),
});

/** An approved urgent warning (cảnh báo khẩn) for this screen's area. */
export const UrgentWarning = z.object({
  id: z.string().min(1).max(64),
  headline: z.string().min(1).max(200),
  body: z.string().max(4000),
  /** 'fullscreen' covers everything; 'band' is a strip over the content, which keeps playing. */
  display: z.enum(['fullscreen', 'band']),
  /** Server clock; the player clears it on its own at this instant. */
  expiresAt: EpochMs,
});
export type UrgentWarning = z.infer<typeof UrgentWarning>;

/**
 * Show this warning now, over whatever plays, until `expiresAt` or a `warning_clear`. Sent to
 * every connected screen in scope on approval, and after `welcome` to a screen that (re)connects
 * while the warning is on air.
 */
export const WarningOn = z.object({
  type: z.literal('warning'),
  v: V,
  warning: UrgentWarning,
});

export const WarningOff = z.object({
  type: z.literal('warning_clear'),
  v: V,
  warningId: z.string(),
  reason: WarningClearReason,
});

export const ServerMessage = z.discriminatedUnion('type', [
  WarningOn,
  WarningOff,
  Welcome,
  Pairing,
  Paired,
  Plan,
  PlanChanged,
  Ping,
  PlaysAck,
  Revoked,
  ProtocolError,
  ScreenshotRequest,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

// ---------------------------------------------------------------- REST payloads

export const ClaimRequest = z.object({
  code: PairingCode,
  siteId: z.string().min(1),
  screenName: z.string().trim().min(1).max(100),
});
export type ClaimRequest = z.infer<typeof ClaimRequest>;

export const ClaimResponse = z.object({
  screenId: z.string(),
  siteId: z.string(),
  name: z.string(),
  /** True when the code was attached to a screen that already existed under that name (from a playlist, or after a revoke). */
  existing: z.boolean(),
});

export const ProvisionRequest = z.object({
  siteId: z.string().min(1),
  /** Screens are named "<namePrefix> 1", "<namePrefix> 2"… unless the player suggests a name. */
  namePrefix: z.string().trim().min(1).max(80).default('Màn hình'),
  /** How many players may enrol with this file. */
  count: z.number().int().min(1).max(500).default(1),
  validDays: z.number().int().min(1).max(90).default(14),
});
export type ProvisionRequest = z.input<typeof ProvisionRequest>;

/** The provisioning file: what `npm run player -- --provision <file>` reads. */
export const ProvisioningFile = z.object({
  kind: z.literal('ihanoi-player-provisioning'),
  v: V,
  serverUrl: z.url(),
  siteId: z.string(),
  siteName: z.string(),
  enrolmentToken: z.string().min(16),
  uses: z.number().int().positive(),
  expiresAt: IsoInstant,
});
export type ProvisioningFile = z.infer<typeof ProvisioningFile>;

/** Reconnect delay: exponential backoff with full jitter, `random` in [0, 1). */
export function backoffDelayMs(attempt: number, random: number, baseMs = 1000, capMs = 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random * ceiling);
}

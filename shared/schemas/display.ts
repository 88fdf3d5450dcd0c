/**
 * Messages between the player core (Node) and the display page (any Chromium: Electron's
 * window, or a browser in kiosk mode for PCs that drive LED walls). They travel as JSON over
 * the local WebSocket ws://127.0.0.1:<port>/display.
 *
 * The page is deliberately dumb: the core decides what plays when, and the page only shows it
 * and reports what really happened. Every message carries `v` so a page left open across a
 * player update can tell it is talking to a core it does not understand (and reload).
 * Pure TypeScript: no `node:`, no DOM.
 */
import { z } from 'zod';

export const DISPLAY_PROTOCOL_VERSION = 1 as const;
const V = z.literal(DISPLAY_PROTOCOL_VERSION);

/** Milliseconds since the Unix epoch, on the core's clock (which may be virtual). */
const EpochMs = z.number().int().nonnegative();

// ---------------------------------------------------------------- core -> page

export const DisplayMode = z.enum(['pairing', 'downloading', 'idle', 'playing']);
export type DisplayMode = z.infer<typeof DisplayMode>;

export const DisplayPairing = z.object({
  /** What venue staff type into the console, e.g. '482913'. Shown in large type. */
  code: z.string().min(1).max(32),
  expiresAt: EpochMs,
  /** A console URL that pre-fills the code; the QR code encodes it when present. */
  claimUrl: z.url().optional(),
});
export type DisplayPairing = z.infer<typeof DisplayPairing>;

export const DisplayDownload = z.object({
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
});
export type DisplayDownload = z.infer<typeof DisplayDownload>;

export const DisplaySite = z.object({
  name: z.string().min(1),
  /** IANA zone; the idle clock shows the site's own wall time. */
  timeZone: z.string().min(1),
});
export type DisplaySite = z.infer<typeof DisplaySite>;

export const StateMessage = z.object({
  type: z.literal('state'),
  v: V,
  mode: DisplayMode,
  pairing: DisplayPairing.optional(),
  download: DisplayDownload.optional(),
  site: DisplaySite.optional(),
  /** The core lost its server connection; the page shows a discreet mark and keeps playing. */
  offline: z.boolean(),
  /** An urgent message shown over everything (including video) until a state without it. */
  message: z.string().max(2000).optional(),
  /** Outside opening hours at a site that goes dark: the page shows black instead of the idle screen. */
  dark: z.boolean().optional(),
  /** An approved urgent warning (cảnh báo khẩn), full screen or as a band, until a state without it. */
  urgent: z
    .object({
      id: z.string().min(1),
      headline: z.string().max(200),
      body: z.string().max(4000),
      display: z.enum(['fullscreen', 'band']),
    })
    .optional(),
  /** Where the idle screen's iHanoi QR code points; the page has a default. */
  appUrl: z.url().optional(),
});
export type StateMessage = z.infer<typeof StateMessage>;

/** The mediaUrl of a text item: there is nothing to load. */
export const TEXT_MEDIA_URL = 'about:blank';

export const ScheduleItem = z.object({
  /** The planned play (stable across re-sends of the same schedule). */
  itemId: z.string().min(1),
  /** This particular showing; the server de-duplicates play records on it. */
  playId: z.string().min(1),
  /** Served by the core from its cache, absolute or relative to the page. */
  mediaUrl: z.string().min(1),
  startAt: EpochMs,
  durationMs: z.number().int().positive(),
  /**
   * A still image shows for durationMs; a text (mediaUrl is TEXT_MEDIA_URL, nothing to load)
   * shows `text` full screen for durationMs; absent means a video.
   */
  mediaKind: z.enum(['video', 'image', 'text']).optional(),
  /** The words of a `text` item (a text communication); the page sets them as text, never as HTML. */
  text: z.object({ title: z.string().max(200), body: z.string().max(4000) }).optional(),
  /** Start this far into the video (a loop item resumed after a spot), in ms. */
  offsetMs: z.number().int().nonnegative().optional(),
});
export type ScheduleItem = z.infer<typeof ScheduleItem>;

/**
 * The current item (if any) and the next ones, so the page can preload. Each message replaces
 * the page's whole schedule; items that already started keep playing if still listed.
 */
export const ScheduleMessage = z.object({
  type: z.literal('schedule'),
  v: V,
  items: z.array(ScheduleItem).max(100),
});
export type ScheduleMessage = z.infer<typeof ScheduleMessage>;

/**
 * The core's "now"; the page keeps an offset to it so it follows a virtual clock. `rate` is how
 * fast the core's clock runs against real time (absent: real speed). At 0 the core's clock stands
 * still (a stepped simulation, a test) and so does the page's, until the next `clock` message.
 */
export const ClockMessage = z.object({
  type: z.literal('clock'),
  v: V,
  now: EpochMs,
  rate: z.number().min(0).max(10_000).optional(),
});
export type ClockMessage = z.infer<typeof ClockMessage>;

/** Staff asked for a screenshot: the page answers with a `frame` of what it shows. */
export const CaptureMessage = z.object({
  type: z.literal('capture'),
  v: V,
  requestId: z.string().min(1).max(64),
});

export const CoreToDisplay = z.discriminatedUnion('type', [
  StateMessage,
  ScheduleMessage,
  ClockMessage,
  CaptureMessage,
]);
export type CoreToDisplay = z.infer<typeof CoreToDisplay>;

// ---------------------------------------------------------------- page -> core

const PlayRef = {
  itemId: z.string().min(1),
  playId: z.string().min(1),
  /** When it happened, on the core's clock as the page tracks it. */
  at: EpochMs,
};

export const StartedMessage = z.object({
  type: z.literal('started'),
  v: V,
  ...PlayRef,
  /** Actual first frame minus planned startAt, in ms (negative = early). */
  lagMs: z.number(),
});
export type StartedMessage = z.infer<typeof StartedMessage>;

export const EndedMessage = z.object({
  type: z.literal('ended'),
  v: V,
  ...PlayRef,
  secondsShown: z.number().nonnegative(),
});
export type EndedMessage = z.infer<typeof EndedMessage>;

/** A play that failed (media missing, corrupt, refused to start); the core records it as failed. */
export const ErrorMessage = z.object({
  type: z.literal('error'),
  v: V,
  ...PlayRef,
  reason: z.string().max(500),
});
export type ErrorMessage = z.infer<typeof ErrorMessage>;

/** Sent every few seconds; the counts must stay flat over days (leak check). */
export const HeartbeatMessage = z.object({
  type: z.literal('heartbeat'),
  v: V,
  at: EpochMs,
  mediaElements: z.number().int().nonnegative(),
  listeners: z.number().int().nonnegative(),
});
export type HeartbeatMessage = z.infer<typeof HeartbeatMessage>;

/** The page's answer to `capture`: a JPEG of the current frame (base64), or why it could not. */
export const FrameMessage = z.object({
  type: z.literal('frame'),
  v: V,
  requestId: z.string().min(1).max(64),
  at: EpochMs,
  mime: z.literal('image/jpeg').optional(),
  data: z.string().max(1_500_000).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  what: z.enum(['video', 'page']).optional(),
  error: z.string().max(500).optional(),
});
export type FrameMessage = z.infer<typeof FrameMessage>;

/** Proof of display: the page has drawn (or removed) the urgent warning `id`. */
export const UrgentShownMessage = z.object({
  type: z.literal('urgent_shown'),
  v: V,
  id: z.string().min(1),
  at: EpochMs,
});
export type UrgentShownMessage = z.infer<typeof UrgentShownMessage>;

export const DisplayToCore = z.discriminatedUnion('type', [
  UrgentShownMessage,
  StartedMessage,
  EndedMessage,
  ErrorMessage,
  HeartbeatMessage,
  FrameMessage,
]);
export type DisplayToCore = z.infer<typeof DisplayToCore>;

/** The WebSocket path on the core's local HTTP server. */
export const DISPLAY_WS_PATH = '/display';

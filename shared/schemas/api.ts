/**
 * REST bodies, params, queries and responses of /api/v1. The routes validate with these through
 * the zod type provider and the OpenAPI document is generated from them, so the console and the
 * docs page see exactly what the server checks. Pure TypeScript: no `node:`, no DOM.
 */
import { z } from 'zod';
import {
  AverageBasis,
  IsoInstant,
  LocalDate,
  OpeningHours,
  Orientation,
  Participants,
  PeakProfile,
  Resolution,
  Role,
  ScreenStatus,
  Sha256,
  TimeZone,
  VenueType,
} from './domain.ts';

const Text = z.string().trim().min(1, 'expected a non-empty text');
/** A row id as it appears in a URL: a slug with slashes, or a generated id. */
const Id = z.string().min(1).max(200);
/** An instant as ISO 8601 (UTC). */
const Instant = z.string();

// ---------------------------------------------------------------------------------------------
// Auth

export const LoginBody = z.object({
  username: Text.max(100),
  password: z.string().min(1, 'expected the password').max(1000),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const UserScopeRef = z.object({
  kind: z.enum(['site', 'region']),
  id: Id,
});
export type UserScopeRef = z.infer<typeof UserScopeRef>;

export const Me = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: Role,
  mustChangePassword: z.boolean(),
  scopes: z.array(UserScopeRef),
  /** Every site the user may act on; empty with `allSites` for managers and auditors. */
  siteIds: z.array(z.string()),
  allSites: z.boolean(),
});
export type Me = z.infer<typeof Me>;

export const LoginResponse = z.object({
  token: z.string(),
  expiresAt: Instant,
  user: Me,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

/** At least 12 characters: long passphrases beat composition rules. */
export const NewPassword = z.string().min(12, 'expected a password of at least 12 characters').max(200);

export const ChangePasswordBody = z.object({
  currentPassword: z.string().min(1).max(1000),
  newPassword: NewPassword,
});

export const Ok = z.object({ ok: z.literal(true) });

// ---------------------------------------------------------------------------------------------
// Users (campaign managers only)

export const User = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: Role,
  mustChangePassword: z.boolean(),
  disabled: z.boolean(),
  createdAt: Instant,
  scopes: z.array(UserScopeRef),
});
export type User = z.infer<typeof User>;

export const Username = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{1,49}$/i,
    'expected a user name of 2–50 letters, digits, dots, dashes or underscores',
  );

export const CreateUserBody = z.object({
  username: Username,
  displayName: Text.max(200),
  role: Role,
  /** Left out: a one-time password is generated, returned once, and must be changed at first login. */
  password: NewPassword.optional(),
  scopes: z.array(UserScopeRef).max(1000).default([]),
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    displayName: Text.max(200).optional(),
    role: Role.optional(),
    scopes: z.array(UserScopeRef).max(1000).optional(),
    disabled: z.boolean().optional(),
  })
  .refine(
    (b) => Object.values<unknown>(b).some((v) => v !== undefined),
    'expected at least one field to change',
  );
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const UserWithPassword = z.object({
  user: User,
  /** Only when the server generated it; shown once, never stored in clear. */
  oneTimePassword: z.string().optional(),
});

export const IdParams = z.object({ id: Id });

// ---------------------------------------------------------------------------------------------
// Regions

export interface RegionNode {
  id: string;
  name: string;
  level: string;
  parentId: string | null;
  children: RegionNode[];
}
export const Region = z.object({
  id: z.string(),
  name: z.string(),
  level: z.string(),
  parentId: z.string().nullable(),
});
export type Region = z.infer<typeof Region>;
export const RegionTree: z.ZodType<RegionNode> = z.lazy(() =>
  Region.extend({ children: z.array(RegionTree) }),
);

export const RegionQuery = z.object({
  /** Only the subtree under this region (included). */
  root: Id.optional(),
});

// ---------------------------------------------------------------------------------------------
// Sites

export const Site = z.object({
  id: z.string(),
  name: z.string(),
  venueType: VenueType,
  address: z.string(),
  regionId: z.string().nullable(),
  timeZone: z.string(),
  moving: z.boolean(),
  openingHours: OpeningHours,
  /** The site's own profile; null means it follows its venue type's default in the campaign. */
  peakProfile: PeakProfile.nullable(),
  screenCount: z.number().int(),
  source: z.string(),
  updatedAt: Instant,
});
export type Site = z.infer<typeof Site>;

export const SiteQuery = z.object({
  /** Sites in this region's subtree. */
  region: Id.optional(),
  venueType: VenueType.optional(),
});

export const UpdateSiteBody = z
  .object({
    name: Text.max(200).optional(),
    address: Text.max(500).optional(),
    timeZone: TimeZone.optional(),
    openingHours: OpeningHours.optional(),
    /** null returns the site to its venue type's default profile. */
    peakProfile: PeakProfile.nullable().optional(),
  })
  .refine(
    (b) => Object.values<unknown>(b).some((v) => v !== undefined),
    'expected at least one field to change',
  );
export type UpdateSiteBody = z.infer<typeof UpdateSiteBody>;

// ---------------------------------------------------------------------------------------------
// Screens

export const Screen = z.object({
  id: z.string(),
  siteId: z.string(),
  name: z.string(),
  resolution: z.string(),
  orientation: Orientation,
  status: ScreenStatus,
  lastSeenAt: Instant.nullable(),
  playerVersion: z.string().nullable(),
  /** The player's last status message (current item, cache, disk, clock offset), as it sent it. */
  lastStatus: z.unknown().nullable(),
  planVersion: z.number().int(),
  pairedAt: Instant.nullable(),
  revokedAt: Instant.nullable(),
  source: z.string(),
});
export type Screen = z.infer<typeof Screen>;

/** Something about a screen that needs a person: `message` is "Vietnamese / English". */
export const ScreenWarning = z.object({
  code: z.enum(['CLOCK_OFFSET', 'LOW_DISK', 'MISSING_MEDIA', 'OUTDATED_PLAYER']),
  message: z.string(),
});
export type ScreenWarning = z.infer<typeof ScreenWarning>;

/** A screen's live status for the Sites page (GET /screens/status and its event stream). */
export const ScreenHealth = z.object({
  screenId: z.string(),
  siteId: z.string(),
  name: z.string(),
  status: ScreenStatus,
  lastSeenAt: Instant.nullable(),
  /** Offline: the last contact, i.e. offline since then. */
  offlineSince: Instant.nullable(),
  /** What the screen shows now, by name (campaign — video file), and since when. */
  nowPlaying: z.object({ label: z.string(), startedAt: Instant }).nullable(),
  today: z
    .object({ plays: z.number().int(), planned: z.number().int(), target: z.number().int() })
    .nullable(),
  cache: z
    .object({
      ready: z.number().int(),
      needed: z.number().int(),
      bytesDone: z.number(),
      bytesTotal: z.number(),
    })
    .nullable(),
  freeDiskBytes: z.number().nullable(),
  playerVersion: z.string().nullable(),
  clockOffsetMs: z.number().nullable(),
  warnings: z.array(ScreenWarning),
});
export type ScreenHealth = z.infer<typeof ScreenHealth>;

export const ScreenQuery = z.object({
  site: Id.optional(),
  status: ScreenStatus.optional(),
});

export const UpdateScreenBody = z
  .object({
    name: Text.max(200).optional(),
    /** Move the screen to another site in the caller's scope; its plays, plans and audit stay with it. */
    siteId: Text.max(200).optional(),
    resolution: Resolution.optional(),
    orientation: Orientation.optional(),
  })
  .refine(
    (b) => Object.values<unknown>(b).some((v) => v !== undefined),
    'expected at least one field to change',
  );
export type UpdateScreenBody = z.infer<typeof UpdateScreenBody>;

// ---------------------------------------------------------------------------------------------
// Media

export const MediaKind = z.enum(['video', 'image']);
export type MediaKind = z.infer<typeof MediaKind>;
export const MEDIA_MIME_TYPES = ['video/mp4', 'video/webm', 'image/jpeg', 'image/png', 'image/webp'] as const;
/** How long a still image shows when nobody says otherwise. */
export const DEFAULT_IMAGE_DURATION_MS = 10_000;
export const MAX_IMAGE_DURATION_MS = 3_600_000;

export const Media = z.object({
  sha256: Sha256,
  kind: MediaKind,
  mimeType: z.enum(MEDIA_MIME_TYPES),
  /** A video's length; an image's default display time (a loop item may set its own). */
  durationMs: z.number().int(),
  bytes: z.number().int(),
  /** What people call it (the file name until someone renames it). */
  name: z.string(),
  originalName: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  createdAt: Instant,
  /** Relative URL to fetch the bytes (Range and ETag supported). */
  url: z.string(),
  /**
   * A still to show for it: the image itself, or a JPEG of a video's first frame that the
   * console captured after the upload. Null for a video without one yet (show a poster).
   */
  thumbnailUrl: z.string().nullable(),
});
export type Media = z.infer<typeof Media>;

export const MediaUse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('campaign'), id: z.string(), name: z.string() }),
  z.object({
    kind: z.literal('loop'),
    siteId: z.string(),
    siteName: z.string(),
    screenId: z.string().nullable(),
    screenName: z.string().nullable(),
  }),
]);
export type MediaUse = z.infer<typeof MediaUse>;

/** A library entry: the item and where it is used (campaign spots, site and screen loops). */
export const MediaEntry = Media.extend({ usedBy: z.array(MediaUse) });
export type MediaEntry = z.infer<typeof MediaEntry>;

export const MediaUploadQuery = z.object({
  /** The original file name, kept for people (the store names files by sha256). */
  name: z.string().trim().min(1).max(255).optional(),
  /** For an image: how many seconds it shows by default (1–3600, default 10). Ignored for a video. */
  durationS: z.coerce.number().min(1).max(3600).optional(),
});

export const UpdateMediaBody = z
  .object({
    name: Text.max(255).optional(),
    /** Images only: the default display time. */
    durationMs: z.number().int().min(1000).max(MAX_IMAGE_DURATION_MS).optional(),
  })
  .refine(
    (b) => Object.values<unknown>(b).some((v) => v !== undefined),
    'expected at least one field to change',
  );
export type UpdateMediaBody = z.infer<typeof UpdateMediaBody>;

export const MediaParams = z.object({ sha256: Sha256 });

// ---------------------------------------------------------------------------------------------
// Campaigns

/** Where the campaign stands at the server's clock, in its own time zone. */
export const CampaignPhase = z.enum(['upcoming', 'running', 'ended', 'closed']);
export type CampaignPhase = z.infer<typeof CampaignPhase>;

export const Campaign = z.object({
  id: z.string(),
  name: z.string(),
  nameEn: z.string().nullable(),
  mediaSha256: z.string().nullable(),
  media: Media.nullable(),
  firstDay: LocalDate,
  lastDay: LocalDate,
  /** The window as people read it: "17/08/2024–10/10/2024". */
  windowText: z.string(),
  timeZone: z.string(),
  targetPerDay: z.number().int(),
  averageBasis: AverageBasis,
  makeGoodCapPct: z.number().int(),
  /** Planning order when campaigns share a screen: lower first (the city's campaign is 1). */
  priority: z.number().int(),
  peakProfiles: z.partialRecord(VenueType, PeakProfile),
  participants: Participants,
  /** How many sites take part (all of them, whatever the caller's scope). */
  siteCount: z.number().int().nonnegative(),
  status: z.enum(['active', 'closed']),
  phase: CampaignPhase,
  runningNow: z.boolean(),
  /** Vietnamese then English, e.g. "Đang chạy (17/08/2024–10/10/2024) / Running". */
  phaseText: z.string(),
  version: z.number().int(),
  source: z.string(),
  updatedAt: Instant,
});
export type Campaign = z.infer<typeof Campaign>;

export const UpdateCampaignBody = z
  .object({
    name: Text.max(300).optional(),
    nameEn: Text.max(300).optional(),
    firstDay: LocalDate.optional(),
    lastDay: LocalDate.optional(),
    targetPerDay: z.number().int().min(1).max(1000).optional(),
    averageBasis: AverageBasis.optional(),
    makeGoodCapPct: z.number().int().min(0).max(100).optional(),
    /** Planning order on shared screens, lower first; an earlier place must still fit (decision 017). */
    priority: z.number().int().min(1).max(1000).optional(),
    /** Replaces the profiles of the venue types given; others are kept. */
    peakProfiles: z.partialRecord(VenueType, PeakProfile).optional(),
    participants: Participants.optional(),
    mediaSha256: Sha256.optional(),
    status: z.enum(['active', 'closed']).optional(),
  })
  .refine(
    (b) => Object.values<unknown>(b).some((v) => v !== undefined),
    'expected at least one field to change',
  )
  .refine((b) => !(b.firstDay && b.lastDay) || b.firstDay <= b.lastDay, {
    path: ['lastDay'],
    error: 'expected lastDay on or after firstDay',
  });
export type UpdateCampaignBody = z.infer<typeof UpdateCampaignBody>;

/** What a proposed participants value would take in, before it is saved. */
export const ParticipantsPreview = z.object({
  siteIds: z.array(z.string()),
  /** Screens of those sites that are not revoked. */
  screenCount: z.number().int(),
});
export type ParticipantsPreview = z.infer<typeof ParticipantsPreview>;

/** Sites that take part in a campaign, with the frequency in force at each. */
export const CampaignSite = z.object({
  siteId: z.string(),
  name: z.string(),
  venueType: VenueType,
  regionId: z.string().nullable(),
  targetPerDay: z.number().int(),
  /** The newest raise, or null when the site plays at the campaign's target. */
  overridePerDay: z.number().int().nullable(),
  effectivePerDay: z.number().int(),
});

// ---------------------------------------------------------------------------------------------
// Frequency overrides

export const Override = z.object({
  id: z.number().int(),
  campaignId: z.string(),
  siteId: z.string(),
  playsPerDay: z.number().int(),
  reason: z.string(),
  setBy: z.string(),
  setByName: z.string(),
  setAt: Instant,
  effectiveFrom: Instant,
  /**
   * Only in the answer to a raise: per screen, the plays the change adds to today's plan from now
   * on, and the plays of today's change that no longer fit today and move to later days.
   */
  effect: z
    .object({ date: LocalDate, addedToday: z.number().int(), movedLater: z.number().int() })
    .optional(),
});
export type Override = z.infer<typeof Override>;

export const OverrideQuery = z.object({
  site: Id.optional(),
  campaign: Id.optional(),
});

export const CreateOverrideBody = z.object({
  campaignId: Id,
  siteId: Id,
  playsPerDay: z.number().int('expected a whole number of plays per day').min(1).max(1000),
  reason: Text.max(1000),
});
export type CreateOverrideBody = z.infer<typeof CreateOverrideBody>;

export const OverrideState = z.object({
  campaignId: z.string(),
  siteId: z.string(),
  targetPerDay: z.number().int(),
  current: Override.nullable(),
  effectivePerDay: z.number().int(),
  /** The most plays per day the site's shortest open day can hold with this video. */
  maxFeasiblePerDay: z.number().int(),
  history: z.array(Override),
});
export type OverrideState = z.infer<typeof OverrideState>;

// ---------------------------------------------------------------------------------------------
// Audit log

export const AuditQuery = z.object({
  from: IsoInstant.optional(),
  to: IsoInstant.optional(),
  /** Only this person's (or system actor's) entries. */
  actor: z.string().min(1).max(200).optional(),
  /** Only this action, e.g. override.raise. */
  action: z.string().min(1).max(100).optional(),
  /** Only entries about this site, its screens included. */
  siteId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const AuditEntry = z.object({
  id: z.number().int(),
  at: Instant,
  actor: z.string(),
  /** The user name when the actor is a user. */
  actorName: z.string().nullable(),
  /** The person's name as people know them ("Nguyễn Thị Lan"), when the actor is a user. */
  actorDisplayName: z.string().nullable(),
  /** The entry as a sentence: people, sites and screens by name. */
  text: z.object({ vi: z.string(), en: z.string() }),
  /** The site the entry concerns, if any, and its name. */
  siteId: z.string().nullable(),
  siteName: z.string().nullable(),
  /** When, as dd/mm/yyyy HH:mm in `zone` (the site's, else the campaign's). */
  when: z.string(),
  zone: z.string(),
  action: z.string(),
  objectType: z.string(),
  objectId: z.string(),
  detail: z.unknown(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditFacets = z.object({
  actors: z.array(z.object({ id: z.string(), name: z.string() })),
  actions: z.array(z.object({ id: z.string(), vi: z.string(), en: z.string() })),
});
export type AuditFacets = z.infer<typeof AuditFacets>;

export const AuditPage = z.object({
  items: z.array(AuditEntry),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

// ---------------------------------------------------------------------------------------------
// The venue's loop (danh sách phát của điểm đặt)

export const LoopResume = z.enum(['next', 'resume']);
export const OutsideHours = z.enum(['idle', 'dark']);
export const MAX_LOOP_ITEMS = 200;

export const LoopItem = z.object({
  mediaSha256: Sha256,
  /** How long it shows: an image's own time; for a video, always the video's length. */
  durationMs: z.number().int().positive(),
  kind: MediaKind,
  mimeType: z.string(),
  name: z.string(),
  thumbnailUrl: z.string().nullable(),
});
export type LoopItem = z.infer<typeof LoopItem>;

export const Loop = z.object({
  siteId: z.string(),
  /** Null for the site's loop; a screen id for a screen's own. */
  screenId: z.string().nullable(),
  /** A screen without a loop of its own shows its site's (then this is true and items are the site's). */
  inherited: z.boolean(),
  items: z.array(LoopItem),
  /** One pass of the loop, in ms. */
  cycleMs: z.number().int().nonnegative(),
  /** After a spot: the next item ('next') or the interrupted one from where it stopped ('resume'). */
  resume: LoopResume,
  /** Outside opening hours: the idle page (QR, clock) or a dark screen. */
  outsideHours: OutsideHours,
  updatedAt: Instant.nullable(),
  updatedBy: z.string().nullable(),
});
export type Loop = z.infer<typeof Loop>;

export const PutLoopBody = z.object({
  items: z
    .array(
      z.object({
        mediaSha256: Sha256,
        /** Images: seconds × 1000 to show it (default: the image's own time). Ignored for videos. */
        durationMs: z.number().int().min(1000).max(MAX_IMAGE_DURATION_MS).optional(),
      }),
    )
    .max(MAX_LOOP_ITEMS, `a loop holds at most ${MAX_LOOP_ITEMS} items`),
  /** Site settings (a screen's loop takes its site's). */
  resume: LoopResume.optional(),
  outsideHours: OutsideHours.optional(),
});
export type PutLoopBody = z.infer<typeof PutLoopBody>;

// ---------------------------------------------------------------------------------------------
// The loop editor's day preview and the library's limits

/** What the library takes, so the console can refuse a file before sending it. */
export const MediaLimits = z.object({
  maxUploadBytes: z.number().int().positive(),
  /** A video's length (or an image's display time) must be within these, in seconds. */
  minSeconds: z.number().positive(),
  maxSeconds: z.number().positive(),
  mimeTypes: z.array(z.enum(MEDIA_MIME_TYPES)),
  defaultImageSeconds: z.number().positive(),
});
export type MediaLimits = z.infer<typeof MediaLimits>;

export const DayPreviewQuery = z.object({
  date: LocalDate,
  /** One of the site's screens; default the first that has a plan stored for the day. */
  screenId: z.string().min(1).optional(),
});

export const DayPreview = z.object({
  siteId: z.string(),
  date: LocalDate,
  timeZone: z.string(),
  screenId: z.string().nullable(),
  screenName: z.string().nullable(),
  /** False when no plan is stored for that day (no screen, or the day is past the horizon). */
  planned: z.boolean(),
  resume: LoopResume,
  outsideHours: OutsideHours,
  /** The open intervals, [start, end) in epoch ms. */
  open: z.array(z.tuple([z.number().int(), z.number().int()])),
  /** The campaign spots at their planned times, and the loop item each one cuts. */
  spots: z.array(
    z.object({
      id: z.string(),
      campaignId: z.string(),
      campaignName: z.string(),
      mediaName: z.string(),
      start: z.number().int(),
      end: z.number().int(),
      peak: z.boolean(),
      /** The loop item on screen when the spot cuts in (null: none, e.g. at the opening). */
      cuts: z.string().nullable(),
      /** The loop item shown after the spot, and from where in it (ms). */
      resumesWith: z.object({ name: z.string(), offsetMs: z.number().int() }).nullable(),
    }),
  ),
  /** Every loop showing of the day, as the player works it out. */
  loop: z.array(
    z.object({
      mediaSha256: Sha256,
      name: z.string(),
      kind: MediaKind,
      start: z.number().int(),
      end: z.number().int(),
      offsetMs: z.number().int(),
    }),
  ),
});
export type DayPreview = z.infer<typeof DayPreview>;

/**
 * The `playlists/` file format: the regions tree and the campaigns (with their venues) as JSON
 * files that campaign managers edit and the server loads at start. See
 * docs/decisions/002-playlists-as-data.md.
 *
 * These schemas check one file on its own. Checks that need several files (region ids, unique
 * site/screen ids across campaigns, the media digest) live in shared/playlist-parse.ts.
 * Pure TypeScript: no `node:`, no DOM.
 */
import { z } from 'zod';
import {
  AverageBasis,
  HOURS_PER_WEEK,
  LocalDate,
  OpeningHours,
  Orientation,
  Participants,
  type PeakProfile,
  Resolution,
  Sha256,
  Slug,
  TimeOfDay,
  TimeZone,
  VENUE_TYPES,
  VenueType,
  WEEKDAYS,
  type Weekday,
} from './domain.ts';
import { stepsFor } from '../peak.ts';

export const PLAYLIST_SCHEMA_VERSION = 1;

const SchemaVersion = z.literal(PLAYLIST_SCHEMA_VERSION, {
  error: `expected "schemaVersion": ${PLAYLIST_SCHEMA_VERSION} (the only playlist format version this server reads)`,
});

const Text = z.string({ error: 'expected a text string' }).trim().min(1, 'expected a non-empty text');

/** Free-form comments are allowed at the top of a file so the JSON can explain itself. */
const Comment = z.string().optional();

// ---------------------------------------------------------------------------------------------
// Regions

/**
 * Levels are free text because Viet Nam's levels changed in 2025 (the district level went away);
 * 'city', 'district' and 'ward' are what the 2024 data uses.
 */
export const RegionLevel = z
  .string()
  .regex(/^[a-z][a-z_]*$/, 'expected a lowercase region level such as "city", "district" or "ward"');

export const RegionNodeFile = z.strictObject({
  id: Slug,
  name: Text,
  level: RegionLevel,
  get children() {
    return z.array(RegionNodeFile).optional();
  },
});
export type RegionNodeFile = z.infer<typeof RegionNodeFile>;

function checkRegionIds(
  nodes: RegionNodeFile[],
  parent: RegionNodeFile | null,
  path: (string | number)[],
  seen: Set<string>,
  ctx: z.RefinementCtx,
): void {
  nodes.forEach((node, i) => {
    const here = [...path, i];
    if (parent && !node.id.startsWith(`${parent.id}/`)) {
      ctx.addIssue({
        code: 'custom',
        path: [...here, 'id'],
        message: `expected an id that starts with its parent's id, i.e. "${parent.id}/…"`,
      });
    }
    if (seen.has(node.id)) {
      ctx.addIssue({
        code: 'custom',
        path: [...here, 'id'],
        message: `expected a unique region id; "${node.id}" appears twice`,
      });
    }
    seen.add(node.id);
    if (node.children) checkRegionIds(node.children, node, [...here, 'children'], seen, ctx);
  });
}

export const RegionsFile = z
  .strictObject({
    $comment: Comment,
    kind: z.literal('regions'),
    schemaVersion: SchemaVersion,
    id: Slug,
    name: Text.optional(),
    regions: z.array(RegionNodeFile).min(1, 'expected at least one region'),
  })
  .superRefine((file, ctx) => checkRegionIds(file.regions, null, ['regions'], new Set(), ctx));
export type RegionsFile = z.infer<typeof RegionsFile>;

// ---------------------------------------------------------------------------------------------
// Opening hours and peak profiles as written in files

/**
 * The domain's OpeningHours, but strict (a misspelt weekday must not silently mean "closed") and
 * with each day's intervals in order and not overlapping, so "open minutes" is well defined.
 */
export const OpeningHoursFile = OpeningHours.strict().superRefine((hours, ctx) => {
  for (const day of WEEKDAYS) {
    const ranges = hours[day];
    for (let i = 1; i < ranges.length; i++) {
      const prev = ranges[i - 1]!;
      const cur = ranges[i]!;
      if (cur[0] < prev[1]) {
        ctx.addIssue({
          code: 'custom',
          path: [day, i],
          message: `expected intervals in time order without overlap; this one starts at ${cur[0]}, before the previous one ends at ${prev[1]}`,
        });
      }
    }
  }
});

/** Day names in a peak window; the three groups save repeating five or seven weekdays. */
export const PEAK_DAY_GROUPS = {
  weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
  weekend: ['sat', 'sun'],
  everyday: [...WEEKDAYS],
} as const satisfies Record<string, readonly Weekday[]>;

export const PeakDay = z.enum([...WEEKDAYS, 'weekdays', 'weekend', 'everyday']);
export type PeakDay = z.infer<typeof PeakDay>;

const Weight = z
  .number({ error: 'expected a number (1 = ordinary hour, more than 1 = peak)' })
  .min(0, 'expected a weight of 0 or more')
  .max(100, 'expected a weight of at most 100');

export const PeakWindow = z
  .strictObject({
    days: z.array(PeakDay).min(1, 'expected at least one day, e.g. ["weekdays"] or ["sat", "sun"]'),
    from: TimeOfDay,
    to: TimeOfDay,
    weight: Weight,
  })
  .refine((w) => w.from < w.to, {
    path: ['to'],
    error: 'expected "to" to be later than "from" (same day)',
  });
export type PeakWindow = z.infer<typeof PeakWindow>;

/**
 * The compact form of a peak profile: a base weight for every hour and windows that raise
 * (or lower) it. Windows need not align to hours; see `expandPeakProfile` for how they map.
 */
export const PeakProfileSpec = z.strictObject({
  base: Weight.default(1),
  peaks: z.array(PeakWindow).default([]),
});
export type PeakProfileSpec = z.infer<typeof PeakProfileSpec>;

function peakDayCovers(d: PeakDay, day: Weekday): boolean {
  if (d === day) return true;
  return (
    Object.hasOwn(PEAK_DAY_GROUPS, d) &&
    (PEAK_DAY_GROUPS[d as keyof typeof PEAK_DAY_GROUPS] as readonly Weekday[]).includes(day)
  );
}

function minutesOf(t: string): number {
  const [h, m] = t.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Expands the compact form to the domain's weights over the week (see PeakProfile), in steps
 * fine enough that every window starts and ends on a step: hourly windows give 168 weights,
 * "06:45–07:30" gives 15-minute steps (672), "10:07" minute steps (10,080). Each step's weight is
 * that of the highest window covering it, or `base` where none does, so a window is peak exactly
 * over its own minutes and overlapping windows do not add up.
 */
export function expandPeakProfile(spec: PeakProfileSpec): PeakProfile {
  const k = stepsFor(spec.peaks.flatMap((w) => [minutesOf(w.from), minutesOf(w.to)]));
  const step = 60 / k;
  const out: number[] = [];
  WEEKDAYS.forEach((day) => {
    const windows = spec.peaks
      .filter((w) => w.days.some((d) => peakDayCovers(d, day)))
      .map((w) => ({ from: minutesOf(w.from), to: minutesOf(w.to), weight: w.weight }));
    for (let minute = 0; minute < 24 * 60; minute += step) {
      let weight: number | null = null;
      for (const w of windows) {
        if (minute >= w.from && minute < w.to && (weight === null || w.weight > weight)) weight = w.weight;
      }
      out.push(weight ?? spec.base);
    }
  });
  if (out.length !== HOURS_PER_WEEK * k) throw new Error('peak profile expansion must cover the week');
  return out;
}

export const PeakProfileFile = PeakProfileSpec.transform(expandPeakProfile);

// ---------------------------------------------------------------------------------------------
// Campaigns and their venues

export const VenueTypeDefaultsFile = z.strictObject({
  openingHours: OpeningHoursFile,
  peakProfile: PeakProfileFile,
});

export const ScreenFile = z.strictObject({
  id: Slug,
  name: Text,
  resolution: Resolution.default('1920x1080'),
  orientation: Orientation.default('landscape'),
});
export type ScreenFile = z.infer<typeof ScreenFile>;

export const SiteFile = z.strictObject({
  id: Slug,
  name: Text,
  venueType: VenueType,
  address: Text,
  /** A region id from a regions file; a moving site (a bus) names the city or a district. */
  region: Slug,
  /** Defaults to the campaign's time zone. */
  timeZone: TimeZone.optional(),
  /** Defaults to true for venue type "bus", false otherwise. */
  moving: z.boolean().optional(),
  /** Replaces (does not merge with) the venue type's default opening hours. */
  openingHours: OpeningHoursFile.optional(),
  /** Replaces the venue type's default peak profile for this site only. */
  peakProfile: PeakProfileFile.optional(),
  screens: z.array(ScreenFile).min(1, 'expected at least one screen at a site'),
});
export type SiteFile = z.infer<typeof SiteFile>;

/**
 * A stretch of closed dates with a name (a public holiday, a school break): every site the
 * closure names is closed on each date from `from` to `to`, whatever its weekly hours say. It
 * names venue types, regions (a region covers every site below it) and/or sites; naming none
 * closes every site of the campaign.
 */
export const ClosureFile = z
  .strictObject({
    name: z.strictObject({ vi: Text, en: Text }),
    from: LocalDate,
    to: LocalDate,
    venueTypes: z.array(VenueType).default([]),
    regions: z.array(Slug).default([]),
    sites: z.array(Slug).default([]),
  })
  .refine((c) => c.from <= c.to, { path: ['to'], error: 'expected "to" on or after "from"' });
export type ClosureFile = z.infer<typeof ClosureFile>;

/** Relative to the playlists/ directory, forward slashes, never leaving it. */
export const MediaPath = z
  .string()
  .regex(
    /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]+\.(?:mp4|webm)$/,
    'expected a path relative to playlists/ ending in .mp4 or .webm, e.g. media/ihanoi-promo.mp4',
  );

export const MediaMimeType = z.enum(['video/mp4', 'video/webm']);

export const MediaRefFile = z.strictObject({
  file: MediaPath,
  sha256: Sha256,
  mimeType: MediaMimeType,
  durationSeconds: z
    .number()
    .positive('expected a duration in seconds greater than 0')
    .max(3600, 'expected a duration of at most 3600 seconds'),
  bytes: z.number().int('expected a whole number of bytes').positive('expected the file size in bytes'),
});
export type MediaRefFile = z.infer<typeof MediaRefFile>;

export const CampaignFile = z
  .strictObject({
    $comment: Comment,
    kind: z.literal('campaign'),
    schemaVersion: SchemaVersion,
    id: Slug,
    name: z.strictObject({ vi: Text, en: Text }),
    media: MediaRefFile,
    /** Inclusive local calendar days in `timeZone`; the last day runs to 23:59:59 local. */
    firstDay: LocalDate,
    lastDay: LocalDate,
    timeZone: TimeZone,
    targetPerDay: z
      .number()
      .int('expected a whole number of plays per day')
      .min(1, 'expected at least 1 play per day')
      .max(1000, 'expected at most 1000 plays per day'),
    averageBasis: AverageBasis,
    makeGoodCapPct: z
      .number()
      .int('expected a whole percentage')
      .min(0, 'expected a percentage from 0 to 100')
      .max(100, 'expected a percentage from 0 to 100'),
    /**
     * Planning order when campaigns share a screen: lower first (the city's campaign is 1); the
     * later one gets the time the earlier ones leave free. Defaults to 100.
     */
    priority: z
      .number()
      .int('expected a whole number')
      .min(1, 'expected a priority from 1 (first) to 1000')
      .max(1000, 'expected a priority from 1 (first) to 1000')
      .default(100),
    participants: Participants,
    venueTypes: z.partialRecord(VenueType, VenueTypeDefaultsFile),
    /** The campaign's calendar: named closed dates for venue types, regions or sites. */
    closures: z.array(ClosureFile).default([]),
    sites: z.array(SiteFile),
  })
  .superRefine((c, ctx) => {
    if (c.firstDay > c.lastDay) {
      ctx.addIssue({
        code: 'custom',
        path: ['lastDay'],
        message: `expected lastDay on or after firstDay (${c.firstDay})`,
      });
    }
    const siteIds = new Map<string, number>();
    const screenIds = new Map<string, string>();
    c.sites.forEach((site, i) => {
      const first = siteIds.get(site.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['sites', i, 'id'],
          message: `expected a unique site id; "${site.id}" is already used by $.sites[${first}]`,
        });
      } else siteIds.set(site.id, i);
      if (!c.venueTypes[site.venueType]) {
        ctx.addIssue({
          code: 'custom',
          path: ['sites', i, 'venueType'],
          message: `expected a venue type that has defaults in $.venueTypes; add "${site.venueType}" there (opening hours and peak profile)`,
        });
      }
      site.screens.forEach((screen, j) => {
        const owner = screenIds.get(screen.id);
        if (owner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['sites', i, 'screens', j, 'id'],
            message: `expected a unique screen id; "${screen.id}" is already used at site "${owner}"`,
          });
        } else screenIds.set(screen.id, site.id);
      });
    });
    c.participants.venueTypes.forEach((type, i) => {
      if (!c.venueTypes[type]) {
        ctx.addIssue({
          code: 'custom',
          path: ['participants', 'venueTypes', i],
          message: `expected a venue type that has defaults in $.venueTypes; "${type}" has none`,
        });
      }
    });
  });
export type CampaignFile = z.infer<typeof CampaignFile>;

export const PLAYLIST_FILE_KINDS = ['regions', 'campaign'] as const;
export type PlaylistFileKind = (typeof PLAYLIST_FILE_KINDS)[number];

// ---------------------------------------------------------------------------------------------
// What `parsePlaylistFiles` hands to the loader: normalised, defaults applied.

/** One node of the region tree, flattened; the list comes parents first. */
export interface PlaylistRegion {
  id: string;
  name: string;
  level: string;
  parentId: string | null;
  /** The playlist file the region came from. */
  file: string;
}

export interface PlaylistScreen {
  id: string;
  name: string;
  resolution: string;
  orientation: Orientation;
}

export interface PlaylistSite {
  id: string;
  name: string;
  venueType: VenueType;
  address: string;
  regionId: string;
  /** The site's own zone, or the campaign's when the file gives none. */
  timeZone: string;
  moving: boolean;
  /**
   * Effective hours: the site's own or its venue type's default, with the closed dates of every
   * closure that names the site added to `closedDates`.
   */
  openingHours: OpeningHours;
  /** The closed dates the campaign's calendar gives this site, each with the closure's name. */
  closures: Array<{ date: string; name: { vi: string; en: string } }>;
  /** Effective 168 weights: the site's own or its venue type's default. */
  peakProfile: PeakProfile;
  /** The site's own settings only (null = follows the venue type), for storing an "own" profile. */
  ownOpeningHours: OpeningHours | null;
  ownPeakProfile: PeakProfile | null;
  screens: PlaylistScreen[];
}

export interface PlaylistMediaRef {
  /** Relative to the playlists/ directory. */
  file: string;
  sha256: string;
  mimeType: z.infer<typeof MediaMimeType>;
  durationSeconds: number;
  bytes: number;
}

export interface PlaylistVenueTypeDefaults {
  openingHours: OpeningHours;
  peakProfile: PeakProfile;
}

export interface PlaylistCampaign {
  /** The playlist file the campaign came from. */
  file: string;
  id: string;
  name: { vi: string; en: string };
  media: PlaylistMediaRef;
  firstDay: string;
  lastDay: string;
  timeZone: string;
  targetPerDay: number;
  averageBasis: AverageBasis;
  makeGoodCapPct: number;
  /** Planning order on a shared screen, lower first. */
  priority: number;
  participants: Participants;
  venueTypes: Partial<Record<VenueType, PlaylistVenueTypeDefaults>>;
  closures: ClosureFile[];
  sites: PlaylistSite[];
}

export const VENUE_TYPE_IDS = Object.keys(VENUE_TYPES) as VenueType[];

/**
 * The domain's vocabulary as zod schemas. Everything that crosses a boundary (playlist files,
 * REST bodies, WebSocket messages, DB JSON columns) is built from these.
 * Pure TypeScript: no `node:`, no DOM, no Electron.
 */
import { z } from 'zod';
import { parseIsoInstant } from '../time.ts';

/** 'YYYY-MM-DD', a calendar date in some named time zone (never an instant). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD, e.g. 2024-08-17')
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const dt = new Date(Date.UTC(y, m - 1, d));
    return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
  }, 'not a real calendar date');
export type LocalDate = z.infer<typeof LocalDate>;

/**
 * An instant as ISO 8601 text with an explicit offset ('Z' or ±hh:mm), e.g.
 * 2024-09-05T07:55:00+07:00. Parsed, not pattern-matched: a real calendar date, a real time and
 * an offset of at most ±14:00 (shared/time.ts parseIsoInstant).
 */
export const IsoInstant = z
  .string()
  .max(40)
  .refine(
    (s) => parseIsoInstant(s) !== null,
    'cần một thời điểm có thật theo ISO 8601 kèm múi giờ tối đa ±14:00 / expected a real ISO 8601 instant with an offset of at most ±14:00, e.g. 2024-09-05T07:55:00+07:00',
  );

/** 'HH:MM' on a 24-hour clock; '24:00' is allowed as the end of a day. */
export const TimeOfDay = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a 24-hour time as HH:MM, e.g. 07:30');
export type TimeOfDay = z.infer<typeof TimeOfDay>;

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name, checked against the runtime's zone database. */
export const TimeZone = z
  .string()
  .min(1)
  .refine(isValidTimeZone, 'expected an IANA time zone name, e.g. Asia/Ho_Chi_Minh');
export type TimeZone = z.infer<typeof TimeZone>;

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/**
 * Venue types of the iHanoi campaign. Each maps to the OpenOOH venue taxonomy (1.1) where one
 * fits; `openooh` is null where none does (ward offices and one-stop desks have no OpenOOH type).
 */
export const VENUE_TYPES = {
  government_office: { vi: 'Trụ sở cơ quan nhà nước', en: 'Government office', openooh: 'office_buildings' },
  citizen_reception: { vi: 'Bộ phận một cửa / tiếp công dân', en: 'Citizen reception desk', openooh: null },
  airport: { vi: 'Sân bay', en: 'Airport', openooh: 'transit.airports' },
  train_station: { vi: 'Ga đường sắt', en: 'Railway station', openooh: 'transit.train_stations' },
  bus_station: {
    vi: 'Bến xe / điểm trung chuyển xe buýt',
    en: 'Bus station / transfer point',
    openooh: 'transit.bus_stations',
  },
  bus: { vi: 'Trên xe buýt', en: 'On a bus', openooh: 'transit.buses' },
  hospital: { vi: 'Cơ sở y tế', en: 'Hospital / health facility', openooh: 'point_of_care.hospitals' },
  school: { vi: 'Cơ sở giáo dục', en: 'School / education', openooh: 'education.colleges' },
  apartment_building: {
    vi: 'Khu chung cư',
    en: 'Apartment building',
    openooh: 'residential.apartment_buildings',
  },
  shopping_mall: {
    vi: 'Trung tâm thương mại / siêu thị',
    en: 'Shopping centre / supermarket',
    openooh: 'retail.malls',
  },
  street_led: {
    vi: 'Màn hình LED nút giao thông',
    en: 'LED screen at an intersection',
    openooh: 'outdoor.urban_panels',
  },
} as const;

/** The Vietnamese name of a venue type; a type this build does not know shows as its key. */
export function venueTypeLabel(type: string): string {
  return Object.hasOwn(VENUE_TYPES, type) ? VENUE_TYPES[type as keyof typeof VENUE_TYPES].vi : type;
}

export const VenueType = z.enum(
  Object.keys(VENUE_TYPES) as [keyof typeof VENUE_TYPES, ...(keyof typeof VENUE_TYPES)[]],
);
export type VenueType = z.infer<typeof VenueType>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

/** A [from, to) interval of local wall time in one day. */
export const TimeRange = z
  .tuple([TimeOfDay, TimeOfDay])
  .refine(([a, b]) => a < b, 'the start of an opening interval must be before its end');
export type TimeRange = z.infer<typeof TimeRange>;

/**
 * Weekly opening hours in the site's own zone. A weekday left out or given [] is closed.
 * `closedDates` lists public holidays and other whole days off (e.g. 2024-09-02, National Day).
 */
export const OpeningHours = z.object({
  mon: z.array(TimeRange).default([]),
  tue: z.array(TimeRange).default([]),
  wed: z.array(TimeRange).default([]),
  thu: z.array(TimeRange).default([]),
  fri: z.array(TimeRange).default([]),
  sat: z.array(TimeRange).default([]),
  sun: z.array(TimeRange).default([]),
  closedDates: z.array(LocalDate).default([]),
});
export type OpeningHours = z.infer<typeof OpeningHours>;

/**
 * Weights over the week in equal steps: index = (weekday (0 = Monday) * 24 + local hour) * k +
 * step within the hour, with k steps per hour (k = 1: 168 hourly weights, what the console
 * paints; k = 4: 15-minute steps; k = 60: minutes). A weight of 1 is ordinary; a step with weight
 * > 1 is peak ("giờ cao điểm"). Plays are spread over the open time in proportion to these
 * weights. See shared/peak.ts.
 */
export const HOURS_PER_WEEK = 168;
export const PEAK_WEIGHT_THRESHOLD = 1;
export const PeakProfile = z
  .array(z.number().min(0, 'peak weights cannot be negative').max(100))
  .refine(
    (p) => p.length % HOURS_PER_WEEK === 0 && p.length > 0 && 60 % (p.length / HOURS_PER_WEEK) === 0,
    'a peak profile has one weight for each of the 168 hours of a week, or for each step of k per hour (k dividing 60: 336, 672 … 10080 weights)',
  );
export type PeakProfile = z.infer<typeof PeakProfile>;

/** What "on average N plays per day" means. See docs/decisions/003-average-basis.md. */
export const AverageBasis = z.enum(['operating_day', 'calendar_day']);
export type AverageBasis = z.infer<typeof AverageBasis>;

/**
 * comms_editor (biên tập viên truyền thông): drafts and edits communications and warnings for a
 * department (city level) or a district/ward office. comms_approver (người phê duyệt): the city
 * office or a district/ward People's Committee. Both act in their one region scope.
 */
export const Role = z.enum([
  'campaign_manager',
  'office_head',
  'venue_staff',
  'auditor',
  'comms_editor',
  'comms_approver',
]);
export type Role = z.infer<typeof Role>;

export const ScreenStatus = z.enum(['unpaired', 'online', 'offline', 'revoked']);
export type ScreenStatus = z.infer<typeof ScreenStatus>;

export const Orientation = z.enum(['landscape', 'portrait']);
export type Orientation = z.infer<typeof Orientation>;

export const Resolution = z
  .string()
  .regex(/^\d{2,5}x\d{2,5}$/, 'expected WIDTHxHEIGHT in pixels, e.g. 1920x1080');

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256 (64 characters)');

/** Slugs identify things that come from playlist files, so reloading matches rows by id. */
export const Slug = z
  .string()
  .regex(/^[a-z0-9]+(?:[-/][a-z0-9]+)*$/, 'expected a lowercase slug such as hai-ba-trung/bach-khoa');

export const Participants = z.object({
  regions: z.array(Slug).default([]),
  sites: z.array(Slug).default([]),
  venueTypes: z.array(VenueType).default([]),
});
export type Participants = z.infer<typeof Participants>;

/**
 * Reports and exports: the query an auditor or office head sends, and the aggregated answer the
 * console draws. Pure zod: the server validates with these and the console imports the types.
 */
import { z } from 'zod';
import { LocalDate, PeakProfile, VenueType } from './domain.ts';

export const ReportGroup = z.enum(['screen', 'site', 'district', 'venue_type']);
export type ReportGroup = z.infer<typeof ReportGroup>;

/** Filters shared by the JSON report and every export. The server adds the caller's scope. */
export const ReportQuery = z
  .object({
    campaignId: z.string().min(1),
    from: LocalDate,
    to: LocalDate,
    siteId: z.string().min(1).optional(),
    /** A region covers its whole subtree (a district covers its wards). */
    regionId: z.string().min(1).optional(),
    venueType: VenueType.optional(),
    groupBy: ReportGroup.default('site'),
  })
  .refine((q) => q.from <= q.to, {
    error: 'the first day of the period must not be after the last',
    path: ['to'],
  });
export type ReportQuery = z.infer<typeof ReportQuery>;

export const ExportKind = z.enum(['daily', 'hourly', 'evidence', 'audit']);
export type ExportKind = z.infer<typeof ExportKind>;
export const ExportFormat = z.enum(['csv', 'xlsx']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** Achieved vs target for one group (a screen, site, district or venue type). */
export const ReportGroupRow = z.object({
  key: z.string(),
  label: z.string(),
  screens: z.number().int(),
  /** Completed plays whose hash chain checked out at upload. */
  plays: z.number().int(),
  /**
   * Completed plays whose chain check failed at upload (a gap or an edited record): "chưa xác
   * minh / unverified". Counted apart: never in plays, compliance or the peak share.
   */
  unverifiedPlays: z.number().int(),
  /** The whole days' targets, including today's in full. */
  target: z.number().int(),
  /** The part of the target due by now: past days in full, today by its open time so far. */
  due: z.number().int(),
  /** plays / due × 100, one decimal; null when nothing was due (closed days only). */
  compliancePct: z.number().nullable(),
  peakPlays: z.number().int(),
  peakSharePct: z.number().nullable(),
  shortfall: z.number().int(),
  /**
   * The part of the shortfall explained by offline time: min(shortfall, plays planned while the
   * screen had no connection), from the recorded connection sessions.
   */
  shortfallOffline: z.number().int(),
  /** The rest of the shortfall: shortfall − shortfallOffline (failed plays, a player behind, …). */
  shortfallOther: z.number().int(),
  /** Minutes of open hours (by now) the screens had no connection, summed over screens and days. */
  offlineMinutes: z.number().int(),
  /** The same offline open time in hours, one decimal (kept under its old name for exports). */
  silentHours: z.number(),
});
export type ReportGroupRow = z.infer<typeof ReportGroupRow>;

export const ReportDayPoint = z.object({
  date: LocalDate,
  plays: z.number().int(),
  target: z.number().int(),
  due: z.number().int(),
});
export const ReportHourPoint = z.object({
  hour: z.number().int().min(0).max(23),
  plays: z.number().int(),
  peakPlays: z.number().int(),
});

export const ReportResult = z.object({
  campaignId: z.string(),
  from: LocalDate,
  to: LocalDate,
  timeZone: z.string(),
  groupBy: ReportGroup,
  totals: ReportGroupRow,
  groups: z.array(ReportGroupRow),
  /** Always false: compliance counts verified plays only; unverified ones are in unverifiedPlays. */
  complianceIncludesUnverified: z.literal(false),
  daily: z.array(ReportDayPoint),
  hourly: z.array(ReportHourPoint),
});
export type ReportResult = z.infer<typeof ReportResult>;

export const OverviewResult = z.object({
  date: LocalDate,
  timeZone: z.string(),
  campaignId: z.string().nullable(),
  screens: z.object({
    online: z.number().int(),
    offline: z.number().int(),
    unpaired: z.number().int(),
    revoked: z.number().int(),
  }),
  today: z.object({
    plays: z.number().int(),
    planned: z.number().int(),
    due: z.number().int(),
    target: z.number().int(),
  }),
  byDistrict: z.array(ReportGroupRow),
  byVenueType: z.array(ReportGroupRow),
});
export type OverviewResult = z.infer<typeof OverviewResult>;

export const SavedReport = z.object({
  id: z.number().int(),
  kind: z.string(),
  campaignId: z.string(),
  periodFirst: LocalDate,
  periodLast: LocalDate,
  generatedAt: z.string(),
  fileName: z.string(),
  checksum: z.string(),
});
export type SavedReport = z.infer<typeof SavedReport>;

/** Daily-plan preview for the campaign editor: the plays per local hour a screen would get. */
export const PlanPreviewRequest = z.object({
  targetPerDay: z.number().int().min(1).max(1000),
  date: LocalDate,
  venueType: VenueType,
  /** Weights over the week (168 hourly, or finer steps; see PeakProfile); omitted = the venue type's saved profile. */
  profile: PeakProfile.optional(),
  campaignId: z.string().optional(),
});
export type PlanPreviewRequest = z.infer<typeof PlanPreviewRequest>;
export const PlanPreviewResult = z.object({
  date: LocalDate,
  venueType: VenueType,
  hours: z.array(
    z.object({ hour: z.number().int(), plays: z.number().int(), peak: z.boolean(), open: z.boolean() }),
  ),
  total: z.number().int(),
  peakShare: z.number(),
  source: z.enum(['scheduler', 'weights']),
});
export type PlanPreviewResult = z.infer<typeof PlanPreviewResult>;

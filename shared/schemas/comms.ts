/**
 * City communications (tin truyền thông) and urgent warnings (cảnh báo khẩn): REST bodies and
 * views. The rules (levels, approval, no re-send) are in docs/decisions/013.
 * Pure TypeScript: no `node:`, no DOM.
 */
import { z } from 'zod';
import { LocalDate, Sha256 } from './domain.ts';

export const CommLevel = z.enum(['city', 'district', 'ward']);
export type CommLevel = z.infer<typeof CommLevel>;

export const LEVEL_RANK: Record<CommLevel, number> = { city: 0, district: 1, ward: 2 };

export const CommStatus = z.enum(['draft', 'edited', 'approved', 'on_air', 'ended', 'rejected']);
export type CommStatus = z.infer<typeof CommStatus>;

/** Source document numbers are compared without case, spaces or punctuation differences. */
export function sourceDocKey(doc: string | null | undefined): string | null {
  if (!doc) return null;
  const key = doc
    .normalize('NFC')
    .toUpperCase()
    .replace(/[\s._–—-]+/g, '')
    .replace(/Đ/g, 'D');
  return key === '' ? null : key;
}

const Title = z.string().trim().min(1).max(200);
const Body = z.string().max(4000);
const SourceDoc = z.string().trim().max(100);

export const CreateCommunicationBody = z
  .object({
    title: Title,
    body: Body.default(''),
    mediaSha256: Sha256.nullable().default(null),
    sourceDoc: SourceDoc.nullable().default(null),
    /** The author's region or a region below it; default the author's region. */
    scopeRegionId: z.string().min(1).optional(),
    firstDay: LocalDate,
    lastDay: LocalDate,
    playsPerDay: z.number().int().min(1).max(200),
  })
  .refine((b) => b.firstDay <= b.lastDay, {
    error: 'firstDay must not be after lastDay',
    path: ['lastDay'],
  })
  .refine((b) => b.mediaSha256 !== null || b.body.trim() !== '', {
    error: 'a communication is a media item or a text: give mediaSha256 or body',
    path: ['body'],
  });
export type CreateCommunicationBody = z.input<typeof CreateCommunicationBody>;

export const EditCommunicationBody = z.object({
  title: Title.optional(),
  body: Body.optional(),
  mediaSha256: Sha256.nullable().optional(),
  sourceDoc: SourceDoc.nullable().optional(),
  scopeRegionId: z.string().min(1).optional(),
  firstDay: LocalDate.optional(),
  lastDay: LocalDate.optional(),
  playsPerDay: z.number().int().min(1).max(200).optional(),
});
export type EditCommunicationBody = z.infer<typeof EditCommunicationBody>;

export const RejectBody = z.object({ reason: z.string().trim().min(3).max(1000) });

export const RegionRef = z.object({ id: z.string(), name: z.string(), level: z.string() });

export const Communication = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  mediaSha256: z.string().nullable(),
  kind: z.enum(['video', 'image', 'text']),
  sourceDoc: z.string().nullable(),
  level: CommLevel,
  authorRegion: RegionRef,
  scopeRegion: RegionRef,
  firstDay: z.string(),
  lastDay: z.string(),
  timeZone: z.string(),
  playsPerDay: z.number().int(),
  status: CommStatus,
  rejectReason: z.string().nullable(),
  createdBy: z.string(),
  createdByName: z.string().nullable(),
  approvedBy: z.string().nullable(),
  approvedByName: z.string().nullable(),
  createdAt: z.string(),
  approvedAt: z.string().nullable(),
  airedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** Whether the plan service puts it on screens (video media today; see decision 013). */
  scheduled: z.boolean(),
});
export type Communication = z.infer<typeof Communication>;

export const CommunicationList = z.object({ items: z.array(Communication) });

export const DeliveryRow = z.object({
  regionId: z.string(),
  regionName: z.string(),
  screens: z.number().int(),
  plays: z.number().int(),
  target: z.number().int(),
});
export const Delivery = z.object({
  id: z.string(),
  days: z.number().int(),
  rows: z.array(DeliveryRow),
  total: DeliveryRow,
});
export type Delivery = z.infer<typeof Delivery>;

export const CadenceRow = z.object({
  regionId: z.string(),
  regionName: z.string(),
  level: CommLevel,
  lastAiredAt: z.string().nullable(),
  lastItemId: z.string().nullable(),
  /** Whole days since the last item aired; null when none ever has. */
  daysSince: z.number().int().nullable(),
  flagged: z.boolean(),
});
export type CadenceRow = z.infer<typeof CadenceRow>;
export const Cadence = z.object({ asOf: z.string(), maxDays: z.number().int(), rows: z.array(CadenceRow) });
export type Cadence = z.infer<typeof Cadence>;

// ---------------------------------------------------------------- urgent warnings

export const WarningDisplay = z.enum(['fullscreen', 'band']);
export type WarningDisplay = z.infer<typeof WarningDisplay>;
export const WarningStatus = z.enum(['pending', 'on_air', 'expired', 'cancelled', 'rejected']);
export type WarningStatus = z.infer<typeof WarningStatus>;

export const CreateWarningBody = z.object({
  headline: Title,
  body: Body.default(''),
  display: WarningDisplay.default('fullscreen'),
  /** Regions inside the author's region; default the author's region. */
  scopeRegionIds: z.array(z.string().min(1)).min(1).max(50).optional(),
  sourceDoc: SourceDoc.nullable().default(null),
  /** ISO instant with offset. */
  expiresAt: z.iso.datetime({ offset: true }),
});
export type CreateWarningBody = z.input<typeof CreateWarningBody>;

export const WarningCounts = z.object({
  /** Screens in scope (paired, not revoked). */
  inScope: z.number().int(),
  sent: z.number().int(),
  shown: z.number().int(),
  cleared: z.number().int(),
});

export const Warning = z.object({
  id: z.string(),
  headline: z.string(),
  body: z.string(),
  display: WarningDisplay,
  level: CommLevel,
  authorRegion: RegionRef,
  scopeRegions: z.array(RegionRef),
  sourceDoc: z.string().nullable(),
  expiresAt: z.string(),
  status: WarningStatus,
  rejectReason: z.string().nullable(),
  createdBy: z.string(),
  approvedBy: z.string().nullable(),
  cancelledBy: z.string().nullable(),
  createdAt: z.string(),
  approvedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  cap: z
    .object({
      identifier: z.string(),
      sender: z.string(),
      sent: z.string(),
      event: z.string().nullable(),
      severity: z.string().nullable(),
      urgency: z.string().nullable(),
      certainty: z.string().nullable(),
    })
    .nullable(),
  supersedes: z.string().nullable(),
  counts: WarningCounts,
});
export type Warning = z.infer<typeof Warning>;
export const WarningList = z.object({ items: z.array(Warning) });

export const CapImportResult = z.object({
  action: z.enum(['created', 'updated', 'superseding', 'cancelled', 'ignored']),
  warningId: z.string().nullable(),
  message: z.string(),
});
export type CapImportResult = z.infer<typeof CapImportResult>;

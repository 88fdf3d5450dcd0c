/**
 * The scheduler's own narrow inputs. The server maps DB rows into these, so the plan functions
 * depend on nothing but the domain vocabulary and stay pure (no I/O, no system time).
 */
import type { AverageBasis, OpeningHours, PeakProfile, VenueType } from '../../shared/schemas/domain.ts';

export interface PlanCampaign {
  id: string;
  mediaSha256: string;
  mediaDurationMs: number;
  /** First local date of the campaign, inclusive (in each site's own zone). */
  firstDay: string;
  /** Last local date, inclusive up to 23:59:59 in each site's own zone. */
  lastDay: string;
  /** The campaign's reference zone (reports); the window itself is read in the site's zone. */
  timeZone: string;
  targetPerDay: number;
  averageBasis: AverageBasis;
  /** Venue-type default profiles; a site's own profile wins. A type left out is flat. */
  peakProfiles: Partial<Record<VenueType, PeakProfile>>;
  /** Make-good plays per day are capped at this percentage of the day's target (default 50). */
  makeGoodCapPct: number;
  /**
   * Quiet time required between the end of one play and the start of the next, so two plays
   * never touch. The minimum start-to-start gap is mediaDurationMs + this. Default 60 s.
   */
  minGapMarginMs?: number;
  /**
   * Where the campaign comes when several share a screen: lower first (the city's campaign is 1),
   * ties by id; none = 100. The first is planned as if alone, the next in what it leaves free.
   */
  priority?: number;
}

export interface PlanSite {
  id: string;
  venueType: VenueType;
  timeZone: string;
  openingHours: OpeningHours;
  peakProfile?: PeakProfile | null;
  /**
   * The site's raise history in the order the raises were set (see raiseSteps in targets.ts).
   * Each day is owed at the newest step in effect by that day's end; earlier days keep the step
   * they had. When given, it replaces overridePerDay/overrideEffectiveFrom.
   */
  raises?: readonly RaiseStep[] | null;
  /** A single raise (shorthand for a one-step history; a value below the target is ignored). */
  overridePerDay?: number | null;
  /** The instant the raise takes effect; its whole local day already counts at the raised rate. */
  overrideEffectiveFrom?: number | null;
}

/** One raise (or lowering of an earlier raise) of a site's plays per day. */
export interface RaiseStep {
  perDay: number;
  /** The instant it takes effect; its whole local day counts at this value. */
  effectiveFrom: number;
}

export interface PlanScreen {
  id: string;
}

export interface PlanItem {
  /**
   * Stable id so a player can dedupe plays: `<hash of the day's inputs and the slot>-<screen tag>`
   * (planItemId in plan.ts), unique per screen and the same at every re-plan of unchanged inputs.
   */
  id: string;
  mediaSha256: string;
  start: number;
  end: number;
  /** The start falls in a peak hour (profile weight > 1). */
  peak: boolean;
}

export interface DayPlan {
  screenId: string;
  date: string;
  timeZone: string;
  /** Kept items from before a mid-day re-plan come first, then the newly planned ones. */
  items: PlanItem[];
  /** The day's effective target: base target (campaign or raise) + make-good share. */
  target: number;
  baseTarget: number;
  makeGood: number;
  /** Plays already done today that count toward the target (0 when planned ahead). */
  alreadyPlayed: number;
  /** Plays that did not fit into what is left of the day (0 unless the day is too short). */
  shortfall: number;
  /** Minimum number of peak-hour plays the day must reach (from the profile's peak share). */
  peakRequired: number;
  /**
   * Hash of everything that shaped this plan except the moment of planning and the screen (so
   * screens planned from the same inputs share it). The server keeps a monotonic version number
   * per screen and bumps it when the hash of a day changes.
   */
  inputsHash: string;
}

export type AlreadyPlayed = number | ReadonlyArray<{ startedAt: number }>;

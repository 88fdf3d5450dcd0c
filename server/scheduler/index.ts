/** The scheduler's public surface: pure functions from campaign/site/screen/date to plans. */
export type {
  AlreadyPlayed,
  DayPlan,
  PlanCampaign,
  PlanItem,
  PlanScreen,
  PlanSite,
  RaiseStep,
} from './types.ts';
export {
  planDay,
  raiseEffectToday,
  dayCapacity,
  dayInputsHash,
  planItemId,
  screenTag,
  minGapSeconds,
  DEFAULT_MIN_GAP_MARGIN_MS,
  type PlanDayInput,
  type DayCapacity,
} from './plan.ts';
export { checkFeasible, type Feasibility, type SharedCampaign } from './feasible.ts';
export {
  baseTargetFor,
  campaignTargets,
  isOperatingDay,
  operatingDays,
  pairingDayTarget,
  raiseSteps,
  ratePerDay,
  withRaises,
} from './targets.ts';
export {
  computeMakeGoods,
  capFor,
  DEFAULT_MAKE_GOOD_CAP_PCT,
  DEFAULT_SPREAD_DAYS,
  type MakeGoodDay,
  type MakeGoodInput,
  type MakeGoodResult,
} from './makegood.ts';
export {
  planHorizon,
  siteFacts,
  DEFAULT_HORIZON_DAYS,
  type Horizon,
  type HorizonInput,
  type SiteFacts,
} from './horizon.ts';
export {
  planScreenTogether,
  busyOfDay,
  byPriority,
  gapViolations,
  marginOf,
  priorityOf,
  DEFAULT_CAMPAIGN_PRIORITY,
  type TogetherCampaign,
  type TogetherInput,
  type TogetherResult,
} from './together.ts';
export { type Busy, withoutBusy } from './plan.ts';
export { FLAT_PROFILE, openIntervals, profileFor } from './day.ts';
export { stableHash, canonicalJson } from './hash.ts';

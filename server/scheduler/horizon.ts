/**
 * The next days' plans for one screen, so a player can run offline for a week. A day whose
 * inputs hash has not changed keeps the plan already issued (same items, same ids); a changed
 * day is re-planned, and today only from now on.
 */
import type { Clock } from '../../shared/clock.ts';
import { addDays, localDateOf } from '../../shared/time.ts';
import { capFor, computeMakeGoods, type MakeGoodResult } from './makegood.ts';
import { dayCapacity, dayInputsHash, planDay, type Busy } from './plan.ts';
import { campaignTargets, pairingDayTarget } from './targets.ts';
import type { AlreadyPlayed, DayPlan, PlanCampaign, PlanScreen, PlanSite } from './types.ts';

export const DEFAULT_HORIZON_DAYS = 7;

export interface HorizonInput {
  campaign: PlanCampaign;
  site: PlanSite;
  screen: PlanScreen;
  clock: Clock;
  /** First date to plan; default: today in the site's zone. */
  from?: string;
  days?: number;
  /**
   * Plays achieved per past local date (counted by ingest); feeds the make-goods. Required on
   * purpose: a date left out counts as 0 plays, so forgetting it would plan a flood of make-goods.
   */
  achieved: Readonly<Record<string, number>>;
  /** The first date the screen owes plays for (its pairing day); earlier days count for nothing. */
  accountableFrom?: string;
  /**
   * The instant the screen was paired: its pairing day owes the target only in proportion to the
   * open time left after it (pairingDayTarget), in the make-goods and in that day's plan.
   */
  pairedAt?: number | null;
  /** Plays done so far today. */
  alreadyPlayedToday?: AlreadyPlayed;
  /**
   * Plays of today stored as not completed (failed or interrupted). Each is played again later
   * today when the rest of the day has room and the day's make-goods stay within the cap
   * (capFor in makegood.ts, with the make-goods from earlier days counted first); the others are
   * still owed at the end of the day and come back as make-goods of later days.
   */
  failedToday?: number;
  /**
   * Up to when the player has uploaded everything it played (its last report of no backlog).
   * When it covers every item of today that has started, today's count is complete and today
   * may be re-planned with fresh make-goods; otherwise today's make-good share stays.
   */
  settledAt?: number | null;
  /** Plans already issued to this screen; unchanged days are returned as they are. */
  previous?: readonly DayPlan[];
  /**
   * The site's base targets and day capacities, when the caller already has them: they depend
   * on the campaign and the site only, so planning 10,000 screens computes them once per site.
   */
  siteFacts?: SiteFacts;
  /**
   * Per date, the time other campaigns' plays hold on this screen (planScreenTogether fills it).
   * A day with busy time is planned, and sized for make-goods, in what is left.
   */
  busy?: (date: string) => Busy | undefined;
}

export interface SiteFacts {
  targets: ReadonlyArray<{ date: string; target: number }>;
  capacity(date: string): number;
}

/** Base targets and (memoised) day capacities of one site under one campaign. */
export function siteFacts(campaign: PlanCampaign, site: PlanSite): SiteFacts {
  const caps = new Map<string, number>();
  return {
    targets: campaignTargets(campaign, site),
    capacity(date) {
      let c = caps.get(date);
      if (c === undefined) caps.set(date, (c = dayCapacity(campaign, site, date).maxPlays));
      return c;
    },
  };
}

export interface Horizon {
  plans: DayPlan[];
  makeGoods: MakeGoodResult;
}

export function planHorizon(input: HorizonInput): Horizon {
  const { campaign, site, screen, clock } = input;
  const zone = site.timeZone;
  const today = localDateOf(clock.now(), zone);
  const from = input.from ?? today;
  const n = input.days ?? DEFAULT_HORIZON_DAYS;
  const last = addDays(from, n - 1);

  const facts = input.siteFacts ?? siteFacts(campaign, site);
  const pairingDay = input.pairedAt != null ? localDateOf(input.pairedAt, zone) : null;
  const targets =
    pairingDay === null
      ? facts.targets
      : facts.targets.map((t) =>
          t.date === pairingDay
            ? { ...t, target: pairingDayTarget(site, t.date, t.target, input.pairedAt) }
            : t,
        );
  const capacityOf = (date: string): number => {
    const busy = input.busy?.(date);
    return busy && busy.intervals.length > 0
      ? dayCapacity(campaign, site, date, busy.intervals).maxPlays
      : facts.capacity(date);
  };
  const withCapacity = targets.map((t) =>
    t.date >= from && t.date <= last && t.target > 0 ? { ...t, capacity: capacityOf(t.date) } : t,
  );
  const makeGoods = computeMakeGoods({
    days: withCapacity,
    achieved: input.achieved,
    asOf: from,
    ...(input.accountableFrom ? { accountableFrom: input.accountableFrom } : {}),
    capPct: campaign.makeGoodCapPct,
  });

  const plans: DayPlan[] = [];
  for (const t of targets) {
    if (t.date < from || t.date > last) continue;
    const prev = input.previous?.find((p) => p.date === t.date);
    // Once a day's first planned play is due, its make-good share stays what the players already
    // hold: a rollover that runs late (the server was down at midnight) must not re-plan the
    // rest of a day whose morning plays may not be uploaded yet. Only a real input change does.
    const now = clock.now();
    const started = prev !== undefined && t.date === today ? prev.items.filter((i) => i.start <= now) : [];
    const settled = input.settledAt != null && started.every((i) => i.end <= input.settledAt!);
    const underway = started.length > 0 && !settled;
    // A day under way whose plays so far are all in may lose make-goods the late plays made
    // unnecessary, but never gains any mid-day from a re-plan it did not ask for.
    const fresh = makeGoods.extra[t.date] ?? 0;
    const extra = underway ? prev!.makeGood : started.length > 0 ? Math.min(prev!.makeGood, fresh) : fresh;
    const busy = input.busy?.(t.date);
    // A failure stored today is a real input: the day re-plans with one more play per failure,
    // as far as the cap allows (the make-goods it already carries count first).
    const failed = t.date === today ? Math.max(0, input.failedToday ?? 0) : 0;
    const room =
      failed > 0 && t.target > 0
        ? capFor(withCapacity.find((d) => d.date === t.date) ?? t, campaign.makeGoodCapPct) - extra
        : 0;
    const replays = Math.min(failed, Math.max(0, room));
    if (
      prev &&
      prev.inputsHash ===
        dayInputsHash(campaign, site, t.date, t.target, t.target > 0 ? extra : 0, busy?.key, replays)
    ) {
      plans.push(prev);
      continue;
    }
    plans.push(
      planDay({
        campaign,
        site,
        screen,
        date: t.date,
        clock,
        baseTarget: t.target,
        makeGood: extra,
        ...(busy ? { busy } : {}),
        ...(failed > 0 ? { failed, replays } : {}),
        ...(prev ? { fixedItems: prev.items } : {}),
        ...(t.date === today && input.alreadyPlayedToday !== undefined
          ? { alreadyPlayed: input.alreadyPlayedToday }
          : {}),
      }),
    );
  }
  return { plans, makeGoods };
}

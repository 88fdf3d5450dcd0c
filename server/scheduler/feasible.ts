/**
 * Refusing a raise that cannot fit, when it is set rather than when a screen falls short.
 */
import { formatDate } from '../../shared/time.ts';
import { dayStart, inCampaignWindow } from './day.ts';
import { dayCapacity, minGapSeconds, planDay } from './plan.ts';
import { baseTargetFor, operatingDays } from './targets.ts';
import { busyOfDay, byPriority } from './together.ts';
import type { PlanCampaign, PlanItem, PlanSite } from './types.ts';

/** Another campaign on the same screens: the site as that campaign sees it (with its raises). */
export interface SharedCampaign {
  campaign: PlanCampaign;
  site: PlanSite;
}

export type Feasibility =
  | { ok: true; maxPerDay: number; tightestDate: string | null }
  | {
      ok: false;
      code: 'plays_per_day_infeasible';
      /** The largest per-day figure this site can take; what the form should offer. */
      maxPerDay: number;
      tightestDate: string;
      messageVi: string;
      messageEn: string;
    };

function hoursText(ms: number): { vi: string; en: string } {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return { vi: m ? `${h} giờ ${m} phút` : `${h} giờ`, en: m ? `${h} h ${m} min` : `${h} h` };
}

/**
 * Can `site` play `perDay` plays a day (under the campaign's average basis) on every operating
 * day from `fromDate` to the campaign's end, with the gap and the peak share respected? With
 * `others`, the other campaigns on the site's screens count too (see checkTogether).
 */
export function checkFeasible(
  campaign: PlanCampaign,
  site: PlanSite,
  perDay: number,
  fromDate?: string,
  others: readonly SharedCampaign[] = [],
): Feasibility {
  const alone = checkAlone(campaign, site, perDay, fromDate);
  const from = fromDate && fromDate > campaign.firstDay ? fromDate : campaign.firstDay;
  const sharing = others.filter(
    (o) =>
      o.campaign.id !== campaign.id && o.campaign.lastDay >= from && o.campaign.firstDay <= campaign.lastDay,
  );
  if (sharing.length === 0 || !alone.ok) return alone;
  return checkTogether(campaign, site, perDay, from, sharing, alone.maxPerDay, alone.tightestDate);
}

function checkAlone(campaign: PlanCampaign, site: PlanSite, perDay: number, fromDate?: string): Feasibility {
  const from = fromDate && fromDate > campaign.firstDay ? fromDate : campaign.firstDay;
  const probe: PlanSite = { ...site, overridePerDay: perDay, overrideEffectiveFrom: null };
  const asCampaign: PlanCampaign = {
    ...campaign,
    targetPerDay: Math.max(1, Math.min(perDay, campaign.targetPerDay)),
  };
  const open = operatingDays(campaign, site);
  const days = open.filter((d) => d >= from);
  if (days.length === 0) return { ok: true, maxPerDay: perDay, tightestDate: null };

  let tightest = days[0]!;
  let tightestCap = Infinity;
  let worstRatio = 0;
  let worstDate: string | null = null;
  const caps = new Map<string, number>();
  for (const d of days) {
    const cap = dayCapacity(campaign, site, d).maxPlays;
    caps.set(d, cap);
    if (cap < tightestCap) {
      tightestCap = cap;
      tightest = d;
    }
    const need = baseTargetFor(asCampaign, probe, d, open);
    const ratio = cap > 0 ? need / cap : Infinity;
    if (need > cap && ratio > worstRatio) {
      worstRatio = ratio;
      worstDate = d;
    }
  }

  // The largest per-day figure whose daily targets all fit (targets grow with the figure).
  const fits = (n: number): boolean => {
    const s: PlanSite = { ...site, overridePerDay: n, overrideEffectiveFrom: null };
    const c: PlanCampaign = { ...campaign, targetPerDay: Math.max(1, Math.min(n, campaign.targetPerDay)) };
    return days.every((d) => baseTargetFor(c, s, d, open) <= caps.get(d)!);
  };
  let lo = 0;
  let hi = Math.max(perDay, tightestCap) + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  const maxPerDay = lo;
  if (worstDate === null) return { ok: true, maxPerDay, tightestDate: tightest };

  const cap = dayCapacity(campaign, site, worstDate);
  const open1 = hoursText(cap.openMs);
  const gap = minGapSeconds(campaign);
  const dur = Math.round(campaign.mediaDurationMs / 1000);
  const dateText = formatDate(worstDate, site.timeZone);
  return {
    ok: false,
    code: 'plays_per_day_infeasible',
    maxPerDay,
    tightestDate: worstDate,
    messageVi:
      `Không thể đặt ${perDay} lượt phát/ngày: ngày ${dateText} điểm này chỉ mở cửa ${open1.vi}; ` +
      `với video dài ${dur} giây, mỗi lượt cách nhau ít nhất ${gap} giây và ${Math.round(cap.peakShare * 100)}% lượt phát ` +
      `phải rơi vào giờ cao điểm, ngày đó chỉ chứa được ${cap.maxPlays} lượt. ` +
      `Hãy chọn tối đa ${maxPerDay} lượt/ngày, hoặc mở rộng giờ mở cửa của điểm đặt.`,
    messageEn:
      `${perDay} plays per day cannot fit: on ${dateText} this site is open only ${open1.en}; ` +
      `with a ${dur} s video, at least ${gap} s between play starts and ${Math.round(cap.peakShare * 100)}% of plays ` +
      `in peak hours, that day holds ${cap.maxPlays} plays. ` +
      `Choose at most ${maxPerDay} plays per day, or extend the site's opening hours.`,
  };
}

/**
 * The same with other campaigns on the screens: each operating day is planned as the plan
 * service plans it (planScreenTogether's order and busy time), and `perDay` fits when this
 * campaign plans every play and no other campaign falls shorter than it does at this campaign's
 * own target. A campaign planned first can still be refused: the plays it would take are the
 * other campaigns' (they were there first or were promised their target).
 */
function checkTogether(
  campaign: PlanCampaign,
  site: PlanSite,
  perDay: number,
  from: string,
  others: readonly SharedCampaign[],
  aloneMax: number,
  tightestAlone: string | null,
): Feasibility {
  const open = operatingDays(campaign, site);
  const days = open.filter((d) => d >= from && others.some((o) => inCampaignWindow(o.campaign, d)));
  const self = (n: number): SharedCampaign & { target: (d: string) => number } => {
    const s: PlanSite = { ...site, overridePerDay: n, overrideEffectiveFrom: null };
    const c: PlanCampaign = { ...campaign, targetPerDay: Math.max(1, Math.min(n, campaign.targetPerDay)) };
    return { campaign: c, site: s, target: (d) => baseTargetFor(c, s, d, open) };
  };
  /** Each campaign's shortfall on `date`, and the other campaigns' plays, with this one at `self`. */
  const planned = (date: string, me: ReturnType<typeof self> | null) => {
    const entries = byPriority([
      ...others.map((o) => ({ ...o, target: (d: string) => baseTargetFor(o.campaign, o.site, d) })),
      ...(me ? [me] : []),
    ]);
    const clock = { now: () => dayStart(date, site.timeZone) - 1 };
    const earlier: Array<{ campaign: PlanCampaign; items: PlanItem[] }> = [];
    const shortfall = new Map<string, number>();
    let otherPlays = 0;
    for (const e of entries) {
      const busy = busyOfDay(date, site.timeZone, e.campaign, earlier);
      const plan = planDay({
        campaign: e.campaign,
        site: e.site,
        screen: { id: 'feasibility' },
        date,
        clock,
        baseTarget: e.target(date),
        ...(busy ? { busy } : {}),
      });
      earlier.push({ campaign: e.campaign, items: plan.items });
      shortfall.set(e.campaign.id, plan.shortfall);
      if (e !== me) otherPlays += plan.items.length;
    }
    return { shortfall, otherPlays };
  };
  const baseline = new Map(days.map((d) => [d, planned(d, self(campaign.targetPerDay)).shortfall]));
  const failsOn = (n: number): string | null => {
    const me = self(n);
    for (const d of days) {
      const { shortfall } = planned(d, me);
      if ((shortfall.get(campaign.id) ?? 0) > 0) return d;
      for (const o of others)
        if ((shortfall.get(o.campaign.id) ?? 0) > (baseline.get(d)!.get(o.campaign.id) ?? 0)) return d;
    }
    return null;
  };
  const worst = failsOn(perDay);
  // The largest figure that fits: above perDay when it fits, below it when it does not.
  let lo = worst === null ? perDay : 0;
  let hi = worst === null ? aloneMax + 1 : perDay;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (failsOn(mid) === null) lo = mid;
    else hi = mid;
  }
  if (worst === null) return { ok: true, maxPerDay: lo, tightestDate: tightestAlone };
  const maxPerDay = lo;
  const names = others.map((o) => `"${o.campaign.id}"`).join(', ');
  const dateText = formatDate(worst, site.timeZone);
  const { otherPlays } = planned(worst, self(perDay));
  const gap = minGapSeconds(campaign);
  return {
    ok: false,
    code: 'plays_per_day_infeasible',
    maxPerDay,
    tightestDate: worst,
    messageVi:
      `Không thể đặt ${perDay} lượt phát/ngày: màn hình của điểm này còn phát chiến dịch ${names} ` +
      `(ngày ${dateText}: ${otherPlays} lượt); các lượt của mọi chiến dịch không được chồng nhau và phải ` +
      `cách nhau đủ khoảng nghỉ (video này cần ${gap} giây giữa hai lần bắt đầu), nên chỉ còn chỗ cho ` +
      `tối đa ${maxPerDay} lượt/ngày. Hãy chọn tối đa ${maxPerDay} lượt/ngày.`,
    messageEn:
      `${perDay} plays per day cannot fit: this site's screens also play campaign ${names} ` +
      `(on ${dateText}: ${otherPlays} plays); plays of all campaigns may not overlap and must keep ` +
      `their quiet gap (this video needs ${gap} s between starts), so only ${maxPerDay} plays per day still fit. ` +
      `Choose at most ${maxPerDay} plays per day.`,
  };
}

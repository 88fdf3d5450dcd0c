/**
 * Refusing a raise that cannot fit, when it is set rather than when a screen falls short.
 */
import { formatDate } from '../../shared/time.ts';
import { dayCapacity, minGapSeconds } from './plan.ts';
import { baseTargetFor, operatingDays } from './targets.ts';
import type { PlanCampaign, PlanSite } from './types.ts';

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
 * day from `fromDate` to the campaign's end, with the gap and the peak share respected?
 */
export function checkFeasible(
  campaign: PlanCampaign,
  site: PlanSite,
  perDay: number,
  fromDate?: string,
): Feasibility {
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

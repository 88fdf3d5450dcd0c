/**
 * Alerts before anyone has to look: a screen offline longer than the threshold, or behind its
 * day's plan, is told to the people responsible for its site (the office heads and venue staff
 * whose scope holds it) in the console's notification list, and by e-mail when an SMTP server is
 * configured and the person has an address. Each event is told once per person (the
 * notifications' dedupe key), so the job can run as often as it likes.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '#shared/clock.ts';
import { formatDateTime, localDateOf } from '#shared/time.ts';
import type { Config } from '../config.ts';
import type { NewNotification, NotificationRow } from '../repositories/notifications.ts';
import type { Repositories } from '../repositories/index.ts';
import { loadContext, screenDayRows, sitesFor } from '../reports/aggregate.ts';

export interface AlertContext {
  repos: Repositories;
  clock: Clock;
  config: Partial<Pick<Config, 'smtpUrl' | 'mailFrom' | 'alertOfflineMinutes'>>;
  log: FastifyBaseLogger;
}

/** Behind plan: at least this many plays short of what was due by now, and under this share of it. */
const BEHIND_MIN_PLAYS = 3;
const BEHIND_SHARE = 0.7;

const transports = new Map<string, Transporter>();
function transportFor(url: string): Transporter {
  let t = transports.get(url);
  if (!t) transports.set(url, (t = nodemailer.createTransport(url)));
  return t;
}

/** People told about a site: active office heads and venue staff whose scope holds it. */
function responsibleFor(repos: Repositories): (siteId: string) => string[] {
  const people = repos.users
    .list()
    .filter((u) => u.disabled_at_ms === null && (u.role === 'office_head' || u.role === 'venue_staff'))
    .map((u) => ({ id: u.id, sites: repos.users.siteIdsInScope(u.id) }));
  return (siteId) => people.filter((p) => p.sites.has(siteId)).map((p) => p.id);
}

/** Sends the e-mail of each new notification whose person has an address; records the outcome. */
export async function mailNotifications(ctx: AlertContext, rows: NotificationRow[]): Promise<number> {
  if (!ctx.config.smtpUrl) return 0;
  let sent = 0;
  for (const n of rows) {
    const to = ctx.repos.notifications.emailOf(n.user_id);
    if (!to) continue;
    try {
      await transportFor(ctx.config.smtpUrl).sendMail({
        from: ctx.config.mailFrom ?? 'iHanoi signage <signage@localhost>',
        to,
        subject: n.subject,
        text: n.message,
      });
      ctx.repos.notifications.markEmailed(n.id, ctx.clock.now(), null);
      sent++;
    } catch (err) {
      ctx.log.warn({ err, notification: n.id }, 'alert e-mail could not be sent; it stays in the console');
      ctx.repos.notifications.markEmailed(n.id, null, (err as Error).message.slice(0, 500));
    }
  }
  return sent;
}

export async function checkAlerts(ctx: AlertContext): Promise<{ created: number; emailed: number }> {
  const now = ctx.clock.now();
  const thresholdMs = (ctx.config.alertOfflineMinutes ?? 30) * 60_000;
  const who = responsibleFor(ctx.repos);
  const sites = new Map(ctx.repos.sites.list().map((s) => [s.id, s]));
  const created: NotificationRow[] = [];
  const tell = (users: string[], n: Omit<NewNotification, 'user_id' | 'created_at_ms'>) => {
    for (const user_id of users) {
      const row = ctx.repos.notifications.add({ ...n, user_id, created_at_ms: now });
      if (row) created.push(row);
    }
  };
  const screens = ctx.repos.screens.list({});
  for (const s of screens) {
    if (s.status !== 'offline' || s.last_seen_ms === null || now - s.last_seen_ms < thresholdMs) continue;
    const site = sites.get(s.site_id);
    if (!site) continue;
    const since = formatDateTime(s.last_seen_ms, site.time_zone);
    const minutes = Math.floor((now - s.last_seen_ms) / 60_000);
    tell(who(s.site_id), {
      kind: 'offline',
      dedupe_key: `offline:${s.id}:${s.last_seen_ms}`,
      screen_id: s.id,
      site_id: s.site_id,
      subject: `Mất kết nối: ${s.name} – ${site.name} / Offline: ${s.name} at ${site.name}`,
      message:
        `Màn hình "${s.name}" tại ${site.name} mất kết nối từ ${since} (${minutes} phút). Kiểm tra mạng và điện của máy phát. / ` +
        `Screen "${s.name}" at ${site.name} has been offline since ${since} (${minutes} minutes). Check the player's network and power.`,
    });
  }

  // Behind plan: today's plays against what was due by now, for the campaign in force.
  const campaign = ctx.repos.reports.campaigns()[0];
  if (campaign) {
    const date = localDateOf(now, campaign.time_zone);
    const rctx = loadContext(ctx.repos, campaign.id, now);
    for (const r of screenDayRows(ctx.repos, rctx, sitesFor(rctx, {}, null), date, false)) {
      const short = r.due - r.plays;
      if (short < BEHIND_MIN_PLAYS || r.plays >= r.due * BEHIND_SHARE) continue;
      const screen = screens.find((x) => x.id === r.screenId);
      const site = screen ? sites.get(screen.site_id) : undefined;
      if (!screen || !site || screen.status === 'revoked' || screen.status === 'unpaired') continue;
      tell(who(site.id), {
        kind: 'behind',
        dedupe_key: `behind:${screen.id}:${date}`,
        screen_id: screen.id,
        site_id: site.id,
        subject: `Chậm lịch phát: ${screen.name} – ${site.name} / Behind plan: ${screen.name} at ${site.name}`,
        message:
          `Màn hình "${screen.name}" tại ${site.name} mới phát ${r.plays}/${r.due} lượt đến giờ (chỉ tiêu ngày ${r.target}). / ` +
          `Screen "${screen.name}" at ${site.name} has played ${r.plays} of the ${r.due} plays due by now (day target ${r.target}).`,
      });
    }
  }
  const emailed = await mailNotifications(ctx, created);
  if (created.length) ctx.log.info({ job: 'alerts', created: created.length, emailed }, 'alerts raised');
  return { created: created.length, emailed };
}

/**
 * Each office head's morning digest: their sites' screens (online, offline since when) and
 * yesterday's plays against target, in the list and by e-mail.
 */
export async function dailyDigest(ctx: AlertContext): Promise<number> {
  const now = ctx.clock.now();
  const campaign = ctx.repos.reports.campaigns()[0];
  const zone = campaign?.time_zone ?? 'Asia/Ho_Chi_Minh';
  const today = localDateOf(now, zone);
  const yesterday = localDateOf(now - 86_400_000, zone);
  const rctx = campaign ? loadContext(ctx.repos, campaign.id, now) : null;
  const created: NotificationRow[] = [];
  for (const head of ctx.repos.users.list()) {
    if (head.role !== 'office_head' || head.disabled_at_ms !== null) continue;
    const siteIds = ctx.repos.users.siteIdsInScope(head.id);
    const screens = ctx.repos.screens
      .list({})
      .filter((s) => siteIds.has(s.site_id) && s.status !== 'revoked');
    const offline = screens.filter((s) => s.status === 'offline');
    let plays = 0;
    let target = 0;
    if (rctx)
      for (const r of screenDayRows(ctx.repos, rctx, sitesFor(rctx, {}, siteIds), yesterday, false)) {
        plays += r.plays;
        target += r.target;
      }
    const lines = offline.map(
      (s) =>
        `- ${s.name} (${ctx.repos.sites.get(s.site_id)?.name ?? s.site_id}): ${s.last_seen_ms ? formatDateTime(s.last_seen_ms, zone) : '—'}`,
    );
    const message =
      `Bản tin ngày ${today.split('-').reverse().join('/')} / Digest for ${today.split('-').reverse().join('/')}\n` +
      `Màn hình / Screens: ${screens.length - offline.length} trực tuyến / online, ${offline.length} mất kết nối / offline.\n` +
      `Hôm qua / Yesterday: ${plays}/${target} lượt phát / plays against target.\n` +
      (lines.length ? `Mất kết nối từ / Offline since:\n${lines.join('\n')}\n` : '');
    const row = ctx.repos.notifications.add({
      user_id: head.id,
      kind: 'digest',
      dedupe_key: `digest:${today}`,
      screen_id: null,
      site_id: null,
      subject: `Bản tin màn hình ${today.split('-').reverse().join('/')} / Screens digest`,
      message,
      created_at_ms: now,
    });
    if (row) created.push(row);
  }
  await mailNotifications(ctx, created);
  return created.length;
}

/**
 * What `npm start` does once the database is migrated and before it listens: load playlists/
 * (all or nothing), create the first campaign-manager account on an empty database, and say
 * plainly where each campaign stands by the server's clock.
 */
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { generatePassword, hashPassword } from './auth/passwords.ts';
import { loadPlaylists, type LoadReport } from './playlists/load.ts';
import { campaignPhase, campaignPhaseText } from './routes/views.ts';
import { formatDateTime } from '#shared/time.ts';

export const FIRST_ADMIN_USERNAME = 'admin';

/**
 * Creates `admin` when there is no user at all. The password comes from IHANOI_ADMIN_PASSWORD
 * (--admin-password) or is generated, printed once and must be changed at first login; it is
 * never written anywhere else.
 */
export async function ensureFirstAdmin(
  app: FastifyInstance,
  print: (line: string) => void,
): Promise<boolean> {
  if (app.repos.users.count() > 0) return false;
  const given = app.config.adminPassword;
  const password = given ?? generatePassword();
  const id = randomUUID();
  const hash = await hashPassword(password);
  app.db.transaction(() => {
    if (app.repos.users.count() > 0) return;
    app.repos.users.insert({
      id,
      username: FIRST_ADMIN_USERNAME,
      display_name: 'Quản trị chiến dịch / Campaign manager',
      role: 'campaign_manager',
      password_hash: hash,
      must_change_password: given ? 0 : 1,
      created_at_ms: app.clock.now(),
    });
    app.repos.audit.record({
      actor: 'system',
      action: 'user.create',
      objectType: 'user',
      objectId: id,
      detail: { username: FIRST_ADMIN_USERNAME, role: 'campaign_manager', firstStart: true },
    });
  })();
  if (given) {
    print(
      `Đã tạo tài khoản "${FIRST_ADMIN_USERNAME}" với mật khẩu từ IHANOI_ADMIN_PASSWORD. / Created account "${FIRST_ADMIN_USERNAME}" with the password from IHANOI_ADMIN_PASSWORD.`,
    );
  } else {
    print('');
    print('================================================================================');
    print(`  Tài khoản quản trị đầu tiên / First campaign-manager account: ${FIRST_ADMIN_USERNAME}`);
    print(`  Mật khẩu dùng một lần / One-time password:  ${password}`);
    print('  Chỉ hiện một lần; đổi mật khẩu khi đăng nhập lần đầu.');
    print('  Shown only this once; you must change it at first login.');
    print('  (Quên? / Lost it?  npm run users -- reset-password admin)');
    print('================================================================================');
    print('');
  }
  return true;
}

function countsText(label: string, c: { created: number; updated: number; unchanged: number }): string {
  return `${label} +${c.created} ~${c.updated} =${c.unchanged}`;
}

export async function runStartup(
  app: FastifyInstance,
  print: (line: string) => void = console.log,
): Promise<LoadReport> {
  const report = await loadPlaylists({
    db: app.db,
    repos: app.repos,
    clock: app.clock,
    playlistsDir: app.config.playlistsDir,
    dataDir: app.config.dataDir,
  });
  print(
    `Đã nạp / Loaded ${report.files.join(', ')}: ` +
      [
        countsText('regions', report.regions),
        countsText('sites', report.sites),
        countsText('screens', report.screens),
        countsText('campaigns', report.campaigns),
        countsText('media', report.media),
      ].join(', ') +
      ' (+new ~changed =unchanged)',
  );
  if (report.changedCampaignIds.length > 0 || report.changedSiteIds.length > 0) {
    for (const campaignId of report.changedCampaignIds)
      app.events.emit('plan-inputs-changed', { campaignId, reason: 'playlist.load' });
    if (report.changedSiteIds.length > 0)
      app.events.emit('plan-inputs-changed', { siteIds: report.changedSiteIds, reason: 'playlist.load' });
  }
  await ensureFirstAdmin(app, print);

  const now = app.clock.now();
  // A close recorded after this clock's "now" has not happened yet for it: a server first run on
  // the real clock (which closes the 2024 campaign) and then with --clock 2024-09-05… must play.
  for (const c of app.repos.campaigns.list()) {
    if (
      c.status === 'closed' &&
      c.closed_at_ms !== null &&
      c.closed_at_ms > now &&
      campaignPhase({ ...c, status: 'active' }, now) !== 'ended'
    ) {
      app.repos.campaigns.update(c.id, { status: 'active' }, 'system');
      app.events.emit('plan-inputs-changed', { campaignId: c.id, reason: 'campaign.reopen' });
      print(
        `Mở lại chiến dịch ${c.id}: đồng hồ máy chủ ở trước lúc đóng. / Reopened campaign ${c.id}: the server clock is before its close.`,
      );
    }
  }
  for (const c of app.repos.campaigns.list()) {
    print(`${campaignPhaseText(c, now)} Mục tiêu / target: ${c.target_per_day} lượt/ngày (plays/day).`);
    const phase = campaignPhase(c, now);
    if (phase === 'ended' || phase === 'upcoming') {
      print(
        `  Giờ máy chủ / server time: ${formatDateTime(now, c.time_zone)} (${c.time_zone}). ` +
          'Để chạy thử trong thời gian chiến dịch / to run inside the campaign: npm start -- --clock 2024-09-05T07:55:00+07:00',
      );
    }
  }
  return report;
}

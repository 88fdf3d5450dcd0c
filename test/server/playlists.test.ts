import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { runStartup } from '#server/startup.ts';
import { PlaylistLoadError } from '#server/playlists/load.ts';
import { ADMIN_PASSWORD, copyPlaylists } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const CAMPAIGN_FILE = 'ihanoi-2024.json';

function editJson(dir: string, file: string, edit: (doc: any) => void) {
  const path = join(dir, file);
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, JSON.stringify(doc, null, 2));
}

const count = (s: TestServer, table: string) =>
  (s.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

async function serverOn(dir: string) {
  return startTestServer({ listen: false, config: { playlistsDir: dir, adminPassword: ADMIN_PASSWORD } });
}

describe('playlists/ loader', () => {
  it('refuses a malformed file with the file, JSON path and what is expected, and loads nothing', async () => {
    const dir = copyPlaylists();
    editJson(dir, CAMPAIGN_FILE, (d) => {
      d.firstDay = '2024-08-32';
      d.sites[3].openingHours = { mon: [['08:00', '07:00']] };
    });
    const s = await serverOn(dir);
    try {
      const err = await runStartup(s.app, () => {}).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PlaylistLoadError);
      const msg = (err as Error).message;
      expect(msg).toContain(`playlists/${CAMPAIGN_FILE}`);
      expect(msg).toContain('$.firstDay');
      expect(msg).toContain('$.sites[3].openingHours.mon[0]');
      expect(msg).toMatch(/expected: .*date/);
      expect(msg).toContain('nothing is loaded');
      for (const t of ['regions', 'sites', 'screens', 'campaigns', 'media', 'users', 'audit_log'])
        expect(count(s, t)).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('refuses a video whose sha256 does not match and names the real digest', async () => {
    const dir = copyPlaylists();
    editJson(dir, CAMPAIGN_FILE, (d) => {
      d.media.sha256 = '0'.repeat(64);
    });
    const s = await serverOn(dir);
    try {
      await expect(runStartup(s.app, () => {})).rejects.toThrow(/\$\.media\.sha256[\s\S]*1be7470ae584/);
      expect(count(s, 'campaigns')).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('refuses a wrong duration, read from the video itself', async () => {
    const dir = copyPlaylists();
    editJson(dir, CAMPAIGN_FILE, (d) => {
      d.media.durationSeconds = 30;
    });
    const s = await serverOn(dir);
    try {
      await expect(runStartup(s.app, () => {})).rejects.toThrow(
        /\$\.media\.durationSeconds[\s\S]*15 seconds/,
      );
      expect(count(s, 'sites')).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('loads the iHanoi campaign and the second campaign that shares its sites, and loading twice changes nothing', async () => {
    const s = await serverOn(copyPlaylists());
    try {
      const first = await runStartup(s.app, () => {});
      // Loading queues a re-plan of the new screens; the snapshot is of the settled state.
      await s.app.plans.idle();
      expect(first.campaigns.created).toBe(2);
      expect(first.sites.created).toBe(40);
      // The second campaign lists no sites of its own: it takes part at eight of ihanoi-2024's.
      const second70 = s.app.repos.campaigns.get('giai-phong-thu-do-70')!;
      expect(second70).toMatchObject({ priority: 2, target_per_day: 6, first_day: '2024-09-26' });
      expect(s.app.repos.campaigns.get('ihanoi-2024')!.priority).toBe(1);
      const shared = s.app.repos.campaigns.participatingSiteIds('giai-phong-thu-do-70');
      expect(shared).toHaveLength(8);
      const city = new Set(s.app.repos.campaigns.participatingSiteIds('ihanoi-2024'));
      expect(shared.every((id) => city.has(id))).toBe(true);
      expect(first.regions.created).toBeGreaterThanOrEqual(30);
      const snapshot = () => ({
        audit: count(s, 'audit_log'),
        campaign: s.app.repos.campaigns.get('ihanoi-2024'),
        sites: s.app.repos.sites.list(),
        screens: s.app.repos.screens.list(),
        regions: s.app.repos.regions.list(),
      });
      const before = snapshot();
      expect(before.campaign).toMatchObject({
        target_per_day: 10,
        first_day: '2024-08-17',
        last_day: '2024-10-10',
        time_zone: 'Asia/Ho_Chi_Minh',
        version: 1,
      });
      s.clock.advance(3600_000);
      const lines: string[] = [];
      const second = await runStartup(s.app, (l) => lines.push(l));
      await s.app.plans.idle();
      expect(second.campaigns).toEqual({ created: 0, updated: 0, unchanged: 2 });
      expect(second.sites).toEqual({ created: 0, updated: 0, unchanged: 40 });
      expect(second.changedCampaignIds).toEqual([]);
      expect(snapshot()).toEqual(before);
      expect(lines.join('\n')).toContain('Chiến dịch ihanoi-2024 đang chạy (17/08/2024–10/10/2024)');
    } finally {
      await s.close();
    }
  });

  it('applies an edited file on restart and keeps plays, overrides and audit history', async () => {
    const dir = copyPlaylists();
    const s = await serverOn(dir);
    try {
      await runStartup(s.app, () => {});
      const admin = s.app.repos.users.getByUsername('admin')!;
      s.app.repos.overrides.add(
        {
          campaignId: 'ihanoi-2024',
          siteId: 'ga-ha-noi',
          playsPerDay: 15,
          reason: 'Lễ 2/9',
          setBy: admin.id,
        },
        10,
      );
      s.db
        .prepare(
          `INSERT INTO plays (play_id, screen_id, site_id, campaign_id, media_sha256, started_at, started_ms, ended_at, ended_ms, seconds_shown, outcome,
             player_version, seq, prev_hash, hash, local_date, local_hour, received_at_ms)
           VALUES ('p1', 'ga-ha-noi/1', 'ga-ha-noi', 'ihanoi-2024', 'x', '2024-09-05T08:00:00+07:00', 1, '2024-09-05T08:00:15+07:00', 2, 15, 'completed', '1', 1, '0', 'h', '2024-09-05', 8, 3)`,
        )
        .run();
      const auditBefore = count(s, 'audit_log');

      editJson(dir, CAMPAIGN_FILE, (d) => {
        d.targetPerDay = 12;
        const ga = d.sites.find((x: { id: string }) => x.id === 'ga-ha-noi');
        ga.name = 'Ga Hà Nội (đã đổi tên)';
        ga.screens.push({ id: 'ga-ha-noi/9', name: 'Màn hình mới' });
      });
      s.clock.advance(86_400_000);
      const report = await runStartup(s.app, () => {});
      expect(report.campaigns.updated).toBe(1);
      expect(report.sites).toEqual({ created: 0, updated: 1, unchanged: 39 });
      expect(report.screens.created).toBe(1);
      expect(report.changedSiteIds).toEqual(['ga-ha-noi']);

      const c = s.app.repos.campaigns.get('ihanoi-2024')!;
      expect(c).toMatchObject({ target_per_day: 12, version: 2 });
      expect(s.app.repos.sites.get('ga-ha-noi')!.name).toBe('Ga Hà Nội (đã đổi tên)');
      expect(s.app.repos.screens.get('ga-ha-noi/9')).toMatchObject({
        site_id: 'ga-ha-noi',
        status: 'unpaired',
      });
      expect(s.app.repos.overrides.current('ihanoi-2024', 'ga-ha-noi')!.plays_per_day).toBe(15);
      expect(count(s, 'plays')).toBe(1);

      const audit = s.app.repos.audit.page(0, Number.MAX_SAFE_INTEGER, 10_000, 0);
      expect(audit.length).toBe(auditBefore + 3);
      const campaignUpdate = audit.find((a) => a.action === 'campaign.update')!;
      expect(campaignUpdate.actor).toBe(`playlist:${CAMPAIGN_FILE}`);
      expect(JSON.parse(campaignUpdate.detail).target_per_day).toEqual({ before: 10, after: 12 });
      expect(audit.find((a) => a.action === 'site.update')!.object_id).toBe('ga-ha-noi');
    } finally {
      await s.close();
    }
  });

  it('keeps an API edit across restarts until the file changes that object', async () => {
    const dir = copyPlaylists();
    const s = await serverOn(dir);
    try {
      await runStartup(s.app, () => {});
      s.app.repos.sites.update('noi-bai-t1', { name: 'T1 (sửa qua API)' }, 'test');
      await runStartup(s.app, () => {});
      expect(s.app.repos.sites.get('noi-bai-t1')!.name).toBe('T1 (sửa qua API)');
      editJson(dir, CAMPAIGN_FILE, (d) => {
        d.sites.find((x: { id: string }) => x.id === 'noi-bai-t1').address =
          'Sân bay Nội Bài, Phú Minh, Sóc Sơn';
      });
      await runStartup(s.app, () => {});
      const site = s.app.repos.sites.get('noi-bai-t1')!;
      expect(site.address).toBe('Sân bay Nội Bài, Phú Minh, Sóc Sơn');
      expect(site.name).not.toBe('T1 (sửa qua API)');
    } finally {
      await s.close();
    }
  });

  it('npm start stops with the formatted message on a bad file and leaves the database empty', () => {
    const dir = copyPlaylists();
    writeFileSync(join(dir, 'regions-hanoi-2024.json'), '{ "kind": "regions", "schemaVersion": 1, ');
    const dataDir = mkdtempSync(join(tmpdir(), 'ihanoi-start-'));
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/main.ts',
        '--data-dir',
        dataDir,
        '--playlists-dir',
        dir,
        '--port',
        '0',
        '--log-level',
        'silent',
      ],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('playlists/regions-hanoi-2024.json:1:');
    expect(r.stderr).toContain('JSON');
    expect(r.stderr).toContain('Fix the files above');
    expect(r.stdout).not.toContain('Serving at');
    const db = new Database(join(dataDir, 'signage.db'), { readonly: true });
    try {
      for (const t of ['regions', 'sites', 'campaigns', 'users'])
        expect((db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('campaign closed by a later clock', () => {
  it('reopens on a start whose clock is before the close, and keeps it closed otherwise', async () => {
    const s = await startTestServer({
      listen: false,
      clockAt: Date.parse('2026-11-23T10:00:00+07:00'),
      config: { playlistsDir: copyPlaylists(), adminPassword: ADMIN_PASSWORD },
    });
    try {
      await runStartup(s.app, () => {});
      s.app.repos.campaigns.update('ihanoi-2024', { status: 'closed' }, 'cron:campaign-close');
      const lines: string[] = [];
      await runStartup(s.app, (l) => lines.push(l));
      expect(s.app.repos.campaigns.get('ihanoi-2024')!.status).toBe('closed');
      expect(lines.join('\n')).toContain('đã đóng');
      s.clock.set(Date.parse('2024-09-05T07:55:00+07:00'));
      lines.length = 0;
      await runStartup(s.app, (l) => lines.push(l));
      expect(s.app.repos.campaigns.get('ihanoi-2024')).toMatchObject({
        status: 'active',
        closed_at_ms: null,
      });
      expect(lines.join('\n')).toContain('Chiến dịch ihanoi-2024 đang chạy');
    } finally {
      await s.close();
    }
  });
});

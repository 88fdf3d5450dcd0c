import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, enc, login, startSeededServer, userClient } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';
import type { DomainEvents } from '#server/events.ts';

const WEEK_HOURS = {
  mon: [['07:00', '19:00']],
  tue: [['07:00', '19:00']],
  wed: [['07:00', '19:00']],
  thu: [['07:00', '19:00']],
  fri: [['07:00', '19:00']],
};

describe('REST resources and role scoping', () => {
  let s: TestServer;
  let admin: Client;
  let head: Client; // office head of Hai Bà Trưng district
  let staff: Client; // venue staff at Ga Hà Nội
  let auditor: Client;
  const events: { name: keyof DomainEvents; payload: unknown }[] = [];

  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    head = await userClient(s, 'head.hbt', 'office_head', [{ kind: 'region', id: 'ha-noi/hai-ba-trung' }]);
    staff = await userClient(s, 'staff.ga', 'venue_staff', [{ kind: 'site', id: 'ga-ha-noi' }]);
    auditor = await userClient(s, 'auditor', 'auditor');
    for (const name of ['plan-inputs-changed', 'screen-revoked'] as const) {
      s.app.events.on(name, (payload) => events.push({ name, payload }));
    }
  });
  afterAll(() => s.close());

  describe('regions', () => {
    it('returns the tree, a subtree by ?root and one region by id', async () => {
      const tree = await auditor.get('/api/v1/regions');
      expect(tree.status).toBe(200);
      expect(tree.body.items).toHaveLength(1);
      const city = tree.body.items[0];
      expect(city).toMatchObject({ id: 'ha-noi', level: 'city', parentId: null });
      expect(city.children.length).toBeGreaterThanOrEqual(12);
      const hbt = await head.get(`/api/v1/regions/${enc('ha-noi/hai-ba-trung')}`);
      expect(hbt.body.level).toBe('district');
      expect(hbt.body.children.map((c: { id: string }) => c.id)).toContain('ha-noi/hai-ba-trung/bach-khoa');
      const sub = await head.get(`/api/v1/regions?root=${enc('ha-noi/hai-ba-trung')}`);
      expect(sub.body.items[0].id).toBe('ha-noi/hai-ba-trung');
      expect((await head.get('/api/v1/regions/nowhere')).status).toBe(404);
    });
  });

  describe('sites', () => {
    it('lists every site to managers and auditors, and only the scope to office heads and venue staff', async () => {
      const all = await auditor.get('/api/v1/sites');
      expect(all.body.items.length).toBe(40);
      const mine = await head.get('/api/v1/sites');
      const ids = mine.body.items.map((x: { id: string }) => x.id);
      expect(ids).toContain('mot-cua-phuong-bach-khoa');
      expect(ids).toContain('vincom-ba-trieu');
      expect(ids).not.toContain('noi-bai-t1');
      expect(ids.length).toBeLessThan(20);
      const staffSites = await staff.get('/api/v1/sites');
      expect(staffSites.body.items.map((x: { id: string }) => x.id)).toEqual(['ga-ha-noi']);
    });

    it('filters by region subtree and venue type', async () => {
      const r = await admin.get(
        `/api/v1/sites?region=${enc('ha-noi/hai-ba-trung')}&venueType=citizen_reception`,
      );
      expect(r.body.items.length).toBeGreaterThanOrEqual(7);
      expect(
        r.body.items.every(
          (x: { venueType: string; regionId: string }) =>
            x.venueType === 'citizen_reception' && x.regionId.startsWith('ha-noi/hai-ba-trung'),
        ),
      ).toBe(true);
      const bad = await admin.get('/api/v1/sites?venueType=spaceport');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(bad.body.errors[0].path).toBe('querystring.venueType');
    });

    it('refuses a site outside the scope with OUT_OF_SCOPE', async () => {
      const r = await head.get('/api/v1/sites/noi-bai-t1');
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('OUT_OF_SCOPE');
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      const ok = await head.get('/api/v1/sites/mot-cua-phuong-bach-khoa');
      expect(ok.body).toMatchObject({
        venueType: 'citizen_reception',
        timeZone: 'Asia/Ho_Chi_Minh',
        moving: false,
      });
      expect(ok.body.screenCount).toBe(1);
      const bus = await admin.get('/api/v1/sites/xe-buyt-tuyen-86');
      expect(bus.body.moving).toBe(true);
    });

    it('lets a manager change opening hours and the peak profile, audited and announced', async () => {
      const profile = Array.from({ length: 168 }, (_, i) => (i % 24 >= 8 && i % 24 < 10 ? 3 : 1));
      const r = await admin.patch('/api/v1/sites/ga-ha-noi', {
        openingHours: WEEK_HOURS,
        peakProfile: profile,
      });
      expect(r.status).toBe(200);
      expect(r.body.openingHours.mon).toEqual([['07:00', '19:00']]);
      expect(r.body.openingHours.sun).toEqual([]);
      expect(r.body.peakProfile[8]).toBe(3);
      expect(events).toContainEqual({
        name: 'plan-inputs-changed',
        payload: { siteIds: ['ga-ha-noi'], reason: 'site.update' },
      });
      const audit = await admin.get('/api/v1/audit?limit=5');
      const entry = audit.body.items.find((a: { action: string }) => a.action === 'site.update');
      expect(entry).toMatchObject({ objectId: 'ga-ha-noi', actorName: 'admin' });
      expect(entry.detail.opening_hours.before).toContain('04:30');
      const back = await admin.patch('/api/v1/sites/ga-ha-noi', { peakProfile: null });
      expect(back.body.peakProfile).toBeNull();
    });

    it('validates site changes with JSON paths of the bad fields', async () => {
      const r = await admin.patch('/api/v1/sites/ga-ha-noi', {
        openingHours: { mon: [['19:00', '07:00']] },
        peakProfile: [1, 2, 3],
      });
      expect(r.status).toBe(400);
      const paths = r.body.errors.map((e: { path: string }) => e.path);
      expect(paths).toContain('body.openingHours.mon.0');
      expect(paths).toContain('body.peakProfile');
      expect((await admin.patch('/api/v1/sites/ga-ha-noi', {})).status).toBe(400);
      expect(
        (await admin.patch('/api/v1/sites/ga-ha-noi', { timeZone: 'Mars/Olympus' })).body.errors[0].path,
      ).toBe('body.timeZone');
    });

    it('keeps site edits to campaign managers: office heads, venue staff and auditors are refused', async () => {
      for (const c of [head, staff]) {
        const r = await c.patch('/api/v1/sites/ga-ha-noi', { name: 'x' });
        expect(r.status).toBe(403);
        expect(r.body.code).toBe('FORBIDDEN');
      }
      const a = await auditor.patch('/api/v1/sites/ga-ha-noi', { name: 'x' });
      expect(a.status).toBe(403);
      expect(a.body.detail).toMatch(/Auditors have read-only access/);
    });
  });

  describe('screens', () => {
    it('lists screens of a site in scope and refuses other sites', async () => {
      const r = await staff.get('/api/v1/screens?site=ga-ha-noi');
      expect(r.body.items.map((x: { id: string }) => x.id)).toEqual(['ga-ha-noi/1', 'ga-ha-noi/2']);
      expect(r.body.items[0]).toMatchObject({ status: 'unpaired', lastSeenAt: null, siteId: 'ga-ha-noi' });
      expect((await staff.get('/api/v1/screens?site=noi-bai-t1')).status).toBe(403);
      const mine = await staff.get('/api/v1/screens');
      expect(mine.body.items.every((x: { siteId: string }) => x.siteId === 'ga-ha-noi')).toBe(true);
      expect((await staff.get(`/api/v1/screens/${enc('noi-bai-t1/1')}`)).status).toBe(403);
      expect((await admin.get(`/api/v1/screens/${enc('nope/1')}`)).status).toBe(404);
    });

    it('lets venue staff rename a screen of their site and reports a duplicate name as CONFLICT', async () => {
      const r = await staff.patch(`/api/v1/screens/${enc('ga-ha-noi/2')}`, {
        name: 'Phòng chờ tầng 1',
        orientation: 'portrait',
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ name: 'Phòng chờ tầng 1', orientation: 'portrait' });
      const first = await staff.get(`/api/v1/screens/${enc('ga-ha-noi/1')}`);
      const dup = await staff.patch(`/api/v1/screens/${enc('ga-ha-noi/2')}`, { name: first.body.name });
      expect(dup.status).toBe(409);
      expect(
        (await staff.patch(`/api/v1/screens/${enc('ga-ha-noi/2')}`, { resolution: 'big' })).body.errors[0]
          .path,
      ).toBe('body.resolution');
      expect((await staff.patch(`/api/v1/screens/${enc('noi-bai-t1/1')}`, { name: 'x' })).status).toBe(403);
    });

    it('revokes a screen: its credential stops matching and screen-revoked is emitted', async () => {
      s.app.repos.screens.setTokenHash('ga-ha-noi/1', 'a'.repeat(64));
      expect(s.app.repos.screens.findByTokenHash('a'.repeat(64))?.id).toBe('ga-ha-noi/1');
      expect((await auditor.post(`/api/v1/screens/${enc('ga-ha-noi/1')}/revoke`)).status).toBe(403);
      const r = await staff.post(`/api/v1/screens/${enc('ga-ha-noi/1')}/revoke`);
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('revoked');
      expect(r.body.revokedAt).toBe(new Date(s.clock.now()).toISOString());
      expect(s.app.repos.screens.findByTokenHash('a'.repeat(64))).toBeUndefined();
      expect(events).toContainEqual({ name: 'screen-revoked', payload: { screenId: 'ga-ha-noi/1' } });
    });
  });

  describe('campaigns', () => {
    it('lists the iHanoi campaign with its window, target and that it runs on 05/09/2024', async () => {
      const r = await auditor.get('/api/v1/campaigns');
      expect(r.status).toBe(200);
      const c = r.body.items.find((x: { id: string }) => x.id === 'ihanoi-2024');
      expect(c).toMatchObject({
        firstDay: '2024-08-17',
        lastDay: '2024-10-10',
        windowText: '17/08/2024–10/10/2024',
        timeZone: 'Asia/Ho_Chi_Minh',
        targetPerDay: 10,
        averageBasis: 'operating_day',
        phase: 'running',
        runningNow: true,
        version: 1,
      });
      expect(c.media).toMatchObject({ mimeType: 'video/mp4', durationMs: 15000 });
      expect(Object.keys(c.peakProfiles)).toContain('airport');
      // The airport's windows start at 05:30: half-hour steps, 2 × 168 weights (shared/peak.ts).
      expect(c.peakProfiles.airport).toHaveLength(336);
    });

    it('says the campaign has ended after 23:59:59 of 10/10/2024 local, and not before', async () => {
      const saved = s.clock.now();
      try {
        // Sessions last 12 hours of the (virtual) clock, so log in again after each jump.
        s.clock.set(Date.parse('2024-10-10T23:59:59+07:00'));
        expect(
          (await (await login(s, 'admin', ADMIN_PASSWORD)).get('/api/v1/campaigns/ihanoi-2024')).body.phase,
        ).toBe('running');
        s.clock.set(Date.parse('2024-10-11T00:00:00+07:00'));
        const ended = (await (await login(s, 'admin', ADMIN_PASSWORD)).get('/api/v1/campaigns/ihanoi-2024'))
          .body;
        expect(ended).toMatchObject({ phase: 'ended', runningNow: false });
        expect(ended.phaseText).toContain('đã kết thúc (17/08/2024–10/10/2024)');
        s.clock.set(Date.parse('2024-08-16T23:59:00+07:00'));
        expect(
          (await (await login(s, 'admin', ADMIN_PASSWORD)).get('/api/v1/campaigns/ihanoi-2024')).body.phase,
        ).toBe('upcoming');
      } finally {
        s.clock.set(saved);
        // Logging in at the later instants purged the sessions that had expired by then.
        [admin, head, staff, auditor] = await Promise.all([
          login(s, 'admin', ADMIN_PASSWORD),
          login(s, 'head.hbt'),
          login(s, 'staff.ga'),
          login(s, 'auditor'),
        ]);
      }
    });

    it('lists participating sites in scope with the plays per day in force', async () => {
      const all = await admin.get('/api/v1/campaigns/ihanoi-2024/sites');
      expect(all.body.items).toHaveLength(40);
      const mine = await head.get('/api/v1/campaigns/ihanoi-2024/sites');
      expect(mine.body.items.length).toBeLessThan(20);
      expect(mine.body.items[0]).toMatchObject({
        targetPerDay: 10,
        effectivePerDay: 10,
        overridePerDay: null,
      });
    });

    it('lets a manager edit the campaign: version bumps, plan-inputs-changed is emitted, audit records before/after', async () => {
      const before = (await admin.get('/api/v1/campaigns/ihanoi-2024')).body;
      const r = await admin.patch('/api/v1/campaigns/ihanoi-2024', {
        targetPerDay: 12,
        participants: { regions: ['ha-noi'], venueTypes: ['airport'] },
      });
      expect(r.status).toBe(200);
      expect(r.body.version).toBe(Number(before.version) + 1);
      expect(r.body.targetPerDay).toBe(12);
      expect(r.body.participants).toEqual({ regions: ['ha-noi'], sites: [], venueTypes: ['airport'] });
      expect(events).toContainEqual({
        name: 'plan-inputs-changed',
        payload: { campaignId: 'ihanoi-2024', reason: 'campaign.update' },
      });
      const sites = await admin.get('/api/v1/campaigns/ihanoi-2024/sites');
      expect(sites.body.items.map((x: { siteId: string }) => x.siteId).sort()).toEqual([
        'noi-bai-t1',
        'noi-bai-t2',
      ]);
      const audit = (await auditor.get('/api/v1/audit?limit=3')).body.items[0];
      expect(audit).toMatchObject({ action: 'campaign.update', objectId: 'ihanoi-2024' });
      expect(audit.detail.target_per_day).toEqual({ before: 10, after: 12 });
      // An unchanged value is not a new version.
      expect((await admin.patch('/api/v1/campaigns/ihanoi-2024', { targetPerDay: 12 })).body.version).toBe(
        r.body.version,
      );
      await admin.patch('/api/v1/campaigns/ihanoi-2024', {
        targetPerDay: 10,
        participants: before.participants,
      });
    });

    it('validates campaign edits', async () => {
      const swapped = await admin.patch('/api/v1/campaigns/ihanoi-2024', { lastDay: '2024-08-01' });
      expect(swapped.status).toBe(400);
      expect(swapped.body.errors[0].path).toBe('body.lastDay');
      const bad = await admin.patch('/api/v1/campaigns/ihanoi-2024', {
        firstDay: '2024-02-30',
        targetPerDay: 0,
        peakProfiles: { airport: [1] },
      });
      expect(bad.status).toBe(400);
      const paths = bad.body.errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining(['body.firstDay', 'body.targetPerDay', 'body.peakProfiles.airport']),
      );
      const media = await admin.patch('/api/v1/campaigns/ihanoi-2024', { mediaSha256: 'f'.repeat(64) });
      expect(media.status).toBe(400);
      expect(media.body.detail).toMatch(/Upload the video first/);
      expect((await head.patch('/api/v1/campaigns/ihanoi-2024', { targetPerDay: 11 })).status).toBe(403);
      expect((await auditor.patch('/api/v1/campaigns/ihanoi-2024', { targetPerDay: 11 })).status).toBe(403);
      expect((await admin.get('/api/v1/campaigns/nope')).status).toBe(404);
    });
  });

  describe('users', () => {
    it('lets only a campaign manager manage accounts', async () => {
      for (const c of [head, staff, auditor]) expect((await c.get('/api/v1/users')).status).toBe(403);
      expect(
        (await head.post('/api/v1/users', { username: 'x1', displayName: 'X', role: 'auditor' })).status,
      ).toBe(403);
    });

    it('creates an account with a one-time password, sets role and scopes, resets the password', async () => {
      const created = await admin.post('/api/v1/users', {
        username: 'thu.ha',
        displayName: 'Trần Thu Hà',
        role: 'office_head',
        scopes: [{ kind: 'site', id: 'ga-ha-noi' }],
      });
      expect(created.status).toBe(201);
      expect(created.body.user).toMatchObject({
        username: 'thu.ha',
        role: 'office_head',
        mustChangePassword: true,
        scopes: [{ kind: 'site', id: 'ga-ha-noi' }],
      });
      const otp = created.body.oneTimePassword as string;
      const c = await login(s, 'thu.ha', otp);
      expect((await c.get('/api/v1/auth/me')).body.siteIds).toEqual(['ga-ha-noi']);

      const id = created.body.user.id;
      const upd = await admin.patch(`/api/v1/users/${id}`, {
        scopes: [{ kind: 'region', id: 'ha-noi/soc-son' }],
      });
      expect(upd.body.scopes).toEqual([{ kind: 'region', id: 'ha-noi/soc-son' }]);
      expect((await c.get('/api/v1/auth/me')).body.siteIds).toEqual(['noi-bai-t1', 'noi-bai-t2']);

      const reset = await admin.post(`/api/v1/users/${id}/reset-password`);
      expect(reset.body.oneTimePassword).not.toBe(otp);
      expect((await c.get('/api/v1/auth/me')).status).toBe(401); // sessions end on reset
      await login(s, 'thu.ha', reset.body.oneTimePassword);

      const dis = await admin.patch(`/api/v1/users/${id}`, { disabled: true });
      expect(dis.body.disabled).toBe(true);
      await expect(login(s, 'thu.ha', reset.body.oneTimePassword)).rejects.toThrow(/401/);
    });

    it('refuses bad accounts with field paths', async () => {
      const bad = await admin.post('/api/v1/users', {
        username: 'a b',
        displayName: '',
        role: 'king',
        password: 'short',
      });
      expect(bad.status).toBe(400);
      const paths = bad.body.errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining(['body.username', 'body.displayName', 'body.role', 'body.password']),
      );
      const scope = await admin.post('/api/v1/users', {
        username: 'ghost',
        displayName: 'G',
        role: 'office_head',
        scopes: [{ kind: 'site', id: 'no-such-site' }],
      });
      expect(scope.status).toBe(400);
      expect(scope.body.errors[0].path).toBe('body.scopes.0.id');
      const dup = await admin.post('/api/v1/users', { username: 'ADMIN', displayName: 'A', role: 'auditor' });
      expect(dup.status).toBe(409);
      const self = await admin.get('/api/v1/auth/me');
      expect((await admin.patch(`/api/v1/users/${self.body.id}`, { role: 'auditor' })).status).toBe(409);
    });
  });

  describe('audit', () => {
    it('pages the log newest first for managers and auditors only', async () => {
      const p1 = await auditor.get('/api/v1/audit?limit=2');
      const p2 = await auditor.get('/api/v1/audit?limit=2&offset=2');
      expect(p1.body.items).toHaveLength(2);
      expect(p1.body.items[0].id).toBeGreaterThan(p1.body.items[1].id);
      expect(p2.body.items[0].id).toBeLessThan(p1.body.items[1].id);
      expect((await head.get('/api/v1/audit')).status).toBe(403);
      expect((await auditor.get('/api/v1/audit?limit=100000')).body.errors[0].path).toBe('querystring.limit');
      const fromFile = await auditor.get(
        `/api/v1/audit?to=${enc('2024-09-05T07:56:00+07:00')}&limit=500&from=${enc('2024-01-01T00:00:00Z')}`,
      );
      expect(
        fromFile.body.items.some((a: { actor: string }) => a.actor === 'playlist:ihanoi-2024.json'),
      ).toBe(true);
    });
  });

  it('documents every /api/v1 route in the OpenAPI document', async () => {
    const doc = await (await fetch(`${s.url}/api/v1/openapi.json`)).json();
    for (const p of [
      '/api/v1/auth/login',
      '/api/v1/sites/{id}',
      '/api/v1/screens/{id}/revoke',
      '/api/v1/campaigns/{id}',
      '/api/v1/overrides',
      '/api/v1/media/{sha256}',
      '/api/v1/users',
      '/api/v1/audit',
      '/api/v1/regions',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.paths['/api/v1/campaigns/{id}'].patch.requestBody).toBeDefined();
  });

  it('needs a session for everything but login, health and the docs', async () => {
    const anon = new Client(s.url);
    for (const p of [
      '/api/v1/sites',
      '/api/v1/campaigns',
      '/api/v1/regions',
      '/api/v1/overrides',
      '/api/v1/users',
      '/api/v1/audit',
      '/api/v1/media',
    ]) {
      expect((await anon.get(p)).status).toBe(401);
    }
  });
});

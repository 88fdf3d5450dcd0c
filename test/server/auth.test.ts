import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  Client,
  TEST_PASSWORD,
  login,
  startSeededServer,
  userClient,
} from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runStartup } from '#server/startup.ts';
import { PLAYLISTS_DIR } from '../helpers/api.ts';

describe('login, sessions and the first account', () => {
  let s: TestServer & { lines: string[] };
  beforeAll(async () => {
    s = await startSeededServer();
    await userClient(s, 'lan', 'office_head', [{ kind: 'region', id: 'ha-noi/hai-ba-trung' }]);
  });
  afterAll(() => s.close());

  it('logs in with a token and an HttpOnly SameSite=Strict cookie, and the cookie alone authenticates', async () => {
    const res = await fetch(`${s.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lan', password: TEST_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(body.user).toMatchObject({
      username: 'lan',
      role: 'office_head',
      allSites: false,
      mustChangePassword: false,
    });
    expect(body.user.siteIds).toContain('mot-cua-phuong-bach-khoa');
    expect(body.user.siteIds).not.toContain('noi-bai-t1');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sid=[^;]+;/);
    const attrs = cookie.split(/;\s*/).slice(1);
    expect(attrs).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
    expect(attrs.find((a) => a.startsWith('Max-Age='))).toMatch(/^Max-Age=\d+$/);
    // Plain http here: Secure only when --public-url is https (tested in security.test.ts).
    expect(attrs).not.toContain('Secure');
    const me = await fetch(`${s.url}/api/v1/auth/me`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(me.status).toBe(200);
    expect((await me.json()).username).toBe('lan');
  });

  it('logout ends the session', async () => {
    const c = await login(s, 'lan');
    expect((await c.get('/api/v1/auth/me')).status).toBe(200);
    expect((await c.post('/api/v1/auth/logout')).status).toBe(200);
    const after = await c.get('/api/v1/auth/me');
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
  });

  it('answers a wrong password and an unknown user the same way', async () => {
    const anon = new Client(s.url);
    const a = await anon.post('/api/v1/auth/login', { username: 'lan', password: 'wrong password!!' });
    const b = await anon.post('/api/v1/auth/login', { username: 'nobody', password: 'wrong password!!' });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body.code).toBe('INVALID_CREDENTIALS');
    expect(b.body.detail).toBe(a.body.detail);
  });

  it('rate-limits 5 failures per IP and user name for 15 minutes, without locking out other users', async () => {
    await userClient(s, 'target', 'auditor');
    const anon = new Client(s.url);
    for (let i = 0; i < 5; i++) {
      expect(
        (await anon.post('/api/v1/auth/login', { username: 'target', password: `guess number ${i}` })).status,
      ).toBe(401);
    }
    const blocked = await anon.post('/api/v1/auth/login', { username: 'target', password: TEST_PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Someone else from the same address still gets in.
    expect((await anon.post('/api/v1/auth/login', { username: 'lan', password: TEST_PASSWORD })).status).toBe(
      200,
    );
    s.clock.advance(15 * 60 * 1000 + 1000);
    expect(
      (await anon.post('/api/v1/auth/login', { username: 'target', password: TEST_PASSWORD })).status,
    ).toBe(200);
    const audit = s.app.repos.audit.page(0, Number.MAX_SAFE_INTEGER, 50, 0);
    expect(audit.some((a) => a.action === 'auth.locked-out' && a.object_id === 'target')).toBe(true);
  });

  it('changes the password: the old one stops working, the new one works', async () => {
    await userClient(s, 'minh', 'venue_staff', [{ kind: 'site', id: 'ga-ha-noi' }]);
    const c = await login(s, 'minh');
    const short = await c.post('/api/v1/auth/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'short',
    });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].path).toBe('body.newPassword');
    const wrong = await c.post('/api/v1/auth/password', {
      currentPassword: 'not my password',
      newPassword: 'a brand new passphrase',
    });
    expect(wrong.status).toBe(401);
    expect(
      (
        await c.post('/api/v1/auth/password', {
          currentPassword: TEST_PASSWORD,
          newPassword: 'a brand new passphrase',
        })
      ).status,
    ).toBe(200);
    await expect(login(s, 'minh')).rejects.toThrow(/401/);
    await login(s, 'minh', 'a brand new passphrase');
  });

  it('auditors may log out and change their password though they cannot write', async () => {
    const c = await userClient(s, 'kiem.toan', 'auditor');
    expect(
      (
        await c.post('/api/v1/auth/password', {
          currentPassword: TEST_PASSWORD,
          newPassword: 'auditor passphrase 2',
        })
      ).status,
    ).toBe(200);
    expect((await c.post('/api/v1/auth/logout')).status).toBe(200);
  });

  it('created admin from IHANOI_ADMIN_PASSWORD on the empty database', async () => {
    const admin = await login(s, 'admin', ADMIN_PASSWORD);
    const me = await admin.get('/api/v1/auth/me');
    expect(me.body).toMatchObject({ role: 'campaign_manager', allSites: true, mustChangePassword: false });
    expect(s.lines.join('\n')).not.toContain(ADMIN_PASSWORD);
  });
});

describe('first start without IHANOI_ADMIN_PASSWORD', () => {
  it('prints a one-time password once, which works and must be changed', async () => {
    const s = await startTestServer({ config: { playlistsDir: PLAYLISTS_DIR } });
    try {
      const lines: string[] = [];
      await runStartup(s.app, (l) => lines.push(l));
      const pwLine = lines.find((l) => l.includes('One-time password'))!;
      const password = pwLine.split(/\s+/).pop()!;
      expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
      const c = await login(s, 'admin', password);
      expect((await c.get('/api/v1/auth/me')).body.mustChangePassword).toBe(true);
      // Until the one-time password is replaced, the server refuses everything else.
      const blocked = await c.get('/api/v1/sites');
      expect(blocked.status).toBe(403);
      expect(blocked.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
      const changed = await c.post('/api/v1/auth/password', {
        currentPassword: password,
        newPassword: 'a-new-password-for-admin',
      });
      expect(changed.status).toBe(200);
      expect((await c.get('/api/v1/auth/me')).body.mustChangePassword).toBe(false);
      expect((await c.get('/api/v1/sites')).status).toBe(200);
      const again: string[] = [];
      await runStartup(s.app, (l) => again.push(l));
      expect(again.join('\n')).not.toContain('One-time password');
      expect(s.app.repos.users.count()).toBe(1);
    } finally {
      await s.close();
    }
  });
});

/**
 * Sessions end when they should, a bad cookie is ignored, the cookie is Secure behind HTTPS, a
 * page of another origin cannot ride the cookie to write, writes take JSON only, and one address
 * cannot try user name after user name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  Client,
  TEST_PASSWORD,
  login,
  startSeededServer,
  userClient,
} from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';
import { parseConfig } from '#server/config.ts';

async function loginCookie(s: TestServer, username: string, password = TEST_PASSWORD) {
  const res = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string };
  return { token: body.token, setCookie: res.headers.get('set-cookie')!, cookie: `sid=${body.token}` };
}

describe('sessions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startSeededServer();
    await userClient(s, 'lan', 'office_head', [{ kind: 'region', id: 'ha-noi/hai-ba-trung' }]);
  });
  afterAll(() => s.close());

  it('a password change ends every other session of that user, and keeps the one that changed it', async () => {
    const phone = await login(s, 'lan');
    const laptop = await login(s, 'lan');
    const other = await login(s, 'admin', ADMIN_PASSWORD);
    const res = await laptop.post('/api/v1/auth/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'a brand new password 2024',
    });
    expect(res.status).toBe(200);
    expect((await laptop.get('/api/v1/auth/me')).status).toBe(200);
    const stale = await phone.get('/api/v1/auth/me');
    expect(stale.status).toBe(401);
    expect(stale.body.code).toBe('UNAUTHENTICATED');
    // Somebody else's session is not touched.
    expect((await other.get('/api/v1/auth/me')).status).toBe(200);
    // Put it back for the other tests.
    await laptop.post('/api/v1/auth/password', {
      currentPassword: 'a brand new password 2024',
      newPassword: TEST_PASSWORD,
    });
  });

  it('ignores a malformed sid cookie instead of answering 500, on login and on the API', async () => {
    const bad = 'sid=%E0%A4%A';
    const me = await fetch(`${s.url}/api/v1/auth/me`, { headers: { cookie: bad } });
    expect(me.status).toBe(401);
    const health = await fetch(`${s.url}/api/v1/health`, { headers: { cookie: bad } });
    expect(health.status).toBe(200);
    const res = await fetch(`${s.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${bad}; other=%%%` },
      body: JSON.stringify({ username: 'lan', password: TEST_PASSWORD }),
    });
    expect(res.status).toBe(200);
    // A Bearer token still works beside a broken cookie.
    const { token } = (await res.json()) as { token: string };
    const withBoth = await fetch(`${s.url}/api/v1/auth/me`, {
      headers: { cookie: bad, authorization: `Bearer ${token}` },
    });
    expect(withBoth.status).toBe(200);
  });

  it('refuses a cookie-authenticated write from another origin (another port of this host) or with no Origin', async () => {
    await userClient(s, 'staff', 'venue_staff', [{ kind: 'site', id: 'ga-ha-noi' }]);
    const { cookie } = await loginCookie(s, 'staff');
    const revoke = (headers: Record<string, string>) =>
      fetch(`${s.url}/api/v1/screens/${encodeURIComponent('ga-ha-noi/1')}/revoke`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    const port = Number(new URL(s.url).port);
    const evil = await revoke({ origin: `http://127.0.0.1:${port + 1}` });
    expect(evil.status).toBe(403);
    const body = (await evil.json()) as { code: string; detail: string };
    expect(body.code).toBe('ORIGIN_REJECTED');
    expect(body.detail).toMatch(/^Yêu cầu .* \/ This request/);
    expect((await revoke({ origin: 'null' })).status).toBe(403);
    expect((await revoke({})).status).toBe(403);
    // Nothing was revoked.
    const screen = await new Client(s.url, (await login(s, 'admin', ADMIN_PASSWORD)).token).get(
      `/api/v1/screens/${encodeURIComponent('ga-ha-noi/1')}`,
    );
    expect(screen.body.status).not.toBe('revoked');
    // The console's own page (same origin) may.
    const ok = await fetch(`${s.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, origin: s.url, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ok.status).toBe(200);
  });

  it('takes JSON only on writes, body-less POSTs included, whatever the credential', async () => {
    const admin = await login(s, 'admin', ADMIN_PASSWORD);
    const path = `/api/v1/screens/${encodeURIComponent('ga-ha-noi/2')}/revoke`;
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const empty = await admin.req('POST', path, undefined, { 'content-type': type });
      expect(empty.status, type).toBe(415);
      expect(empty.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(empty.body.detail).toMatch(/^Kiểu nội dung .* \/ Content type/);
      const withBody = await fetch(s.url + '/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'username=admin&password=x',
      });
      expect(withBody.status, type).toBe(415);
    }
    const screen = await admin.get(`/api/v1/screens/${encodeURIComponent('ga-ha-noi/2')}`);
    expect(screen.body.status).not.toBe('revoked');
  });

  it('counts failed logins per address across user names, with a Vietnamese-first message', async () => {
    const anon = new Client(s.url);
    const statuses: number[] = [];
    let last: { status: number; body: { code: string; detail: string } } | undefined;
    for (let i = 0; i < 12; i++) {
      last = await anon.post('/api/v1/auth/login', { username: `guess${i}`, password: 'not the password' });
      statuses.push(last.status);
    }
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeLessThanOrEqual(10);
    expect(last!.body.code).toBe('RATE_LIMITED');
    expect(last!.body.detail).toMatch(
      /^Đăng nhập sai quá nhiều lần từ địa chỉ này.* \/ Too many failed logins from this address/,
    );
    // The address is blocked for every user name, also with the right password.
    expect((await anon.post('/api/v1/auth/login', { username: 'lan', password: TEST_PASSWORD })).status).toBe(
      429,
    );
    // Until the window has passed.
    s.clock.set(s.clock.now() + 16 * 60_000);
    expect((await anon.post('/api/v1/auth/login', { username: 'lan', password: TEST_PASSWORD })).status).toBe(
      200,
    );
  });
});

describe('behind an HTTPS proxy', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startSeededServer({ config: { publicUrl: 'https://signage.example.vn', trustProxy: true } });
  });
  afterAll(() => s.close());

  it('marks the session cookie Secure and takes writes from the public origin', async () => {
    const { setCookie, cookie } = await loginCookie(s, 'admin', ADMIN_PASSWORD);
    expect(setCookie.split(/;\s*/)).toContain('Secure');
    const res = await fetch(`${s.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, origin: 'https://signage.example.vn', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
  });

  it('parses --public-url and --trust-proxy', () => {
    const c = parseConfig(['--public-url', 'https://signage.example.vn/console', '--trust-proxy', 'on'], {});
    expect(c).toMatchObject({ publicUrl: 'https://signage.example.vn', trustProxy: true });
    const d = parseConfig([], { IHANOI_PUBLIC_URL: 'http://10.0.0.5:8080' });
    expect(d).toMatchObject({ publicUrl: 'http://10.0.0.5:8080', trustProxy: false });
    expect(() => parseConfig(['--public-url', 'ftp://x'], {})).toThrow(/public/i);
  });
});

/**
 * Security headers on every kind of response: the console page, /docs, API answers, errors
 * (401, 404, 415), and media bytes. The policy carries no inline script anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, startSeededServer, type Client } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';
import { ensureConsoleBuilt } from '../console/browser.ts';

function directives(csp: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name, values);
  }
  return out;
}

describe('security headers', () => {
  let s: TestServer;
  let admin: Client;
  let sha: string;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    sha = (await admin.get('/api/v1/media')).body.items[0].sha256;
  });
  afterAll(() => s.close());

  const fetchAs = (path: string, init: RequestInit = {}) =>
    fetch(s.url + path, {
      ...init,
      headers: { authorization: `Bearer ${admin.token}`, ...(init.headers as Record<string, string>) },
    });

  it('sends nosniff, a Referrer-Policy and no framing on every kind of response', async () => {
    const responses = {
      console: await fetch(s.url + '/'),
      consoleRoute: await fetch(s.url + '/reports'),
      docs: await fetch(s.url + '/docs/'),
      api: await fetchAs('/api/v1/campaigns'),
      unauthenticated: await fetch(s.url + '/api/v1/users'),
      notFound: await fetch(s.url + '/api/v1/nothing-here'),
      unsupported: await fetchAs('/api/v1/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
      }),
      media: await fetchAs(`/api/v1/media/${sha}`),
      mediaRange: await fetchAs(`/api/v1/media/${sha}`, { headers: { range: 'bytes=0-99' } }),
    };
    for (const [name, res] of Object.entries(responses)) {
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), name).toBe('DENY');
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('frame-ancestors'), name).toEqual(["'none'"]);
      if (name.startsWith('media')) {
        // Media bytes get the strictest policy: nothing runs, even if opened as a page.
        expect(csp.get('default-src'), name).toEqual(["'none'"]);
        expect(csp.has('sandbox'), name).toBe(true);
      } else {
        expect(csp.get('script-src'), name).toEqual(["'self'"]);
        expect(csp.get('object-src'), name).toEqual(["'none'"]);
      }
    }
    expect(responses.media.status).toBe(200);
    expect(responses.mediaRange.status).toBe(206);
    expect(responses.unsupported.status).toBe(415);
    expect(responses.notFound.status).toBe(404);
  });

  it('gives the console no inline style or script, and /docs inline styles only', async () => {
    const page = directives((await fetch(s.url + '/')).headers.get('content-security-policy'));
    expect(page.get('style-src')).toEqual(["'self'"]);
    expect(page.get('default-src')).toEqual(["'self'"]);
    const docs = directives(
      (await fetch(s.url + '/docs/static/index.html')).headers.get('content-security-policy'),
    );
    expect(docs.get('script-src')).toEqual(["'self'"]);
    expect(docs.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it('sends no HSTS over plain http', async () => {
    expect((await fetch(s.url + '/')).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('security headers behind HTTPS', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startSeededServer({ config: { publicUrl: 'https://signage.example.vn', trustProxy: true } });
  });
  afterAll(() => s.close());

  it('adds HSTS and upgrade-insecure-requests', async () => {
    const res = await fetch(s.url + '/');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(directives(res.headers.get('content-security-policy')).has('upgrade-insecure-requests')).toBe(
      true,
    );
  });
});

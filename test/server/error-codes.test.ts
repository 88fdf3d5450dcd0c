/**
 * Every 4xx carries a stable code and a Vietnamese-then-English message saying what to fix,
 * including the ones Fastify raises itself (413, 415, bad JSON), 404 and 405.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, startSeededServer, type Client } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

/** "Vietnamese … / English …": Vietnamese (with its letters) before " / ", English after it. */
function expectViEn(detail: string): void {
  const at = detail.indexOf(' / ');
  expect(at, detail).toBeGreaterThan(0);
  expect(detail.slice(0, at), detail).toMatch(
    /[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ]/i,
  );
  expect(detail.slice(at + 3), detail).toMatch(/^[A-Z/]/);
}

describe('error answers', () => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => s.close());

  async function problem(res: Response) {
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; detail: string; status: number };
    expect(body.status).toBe(res.status);
    expectViEn(body.detail);
    return body;
  }

  it('answers a 6 MB login body with 413 BODY_TOO_LARGE, not a media error', async () => {
    const res = await fetch(`${s.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'x'.repeat(6 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    const body = await problem(res);
    expect(body.code).toBe('BODY_TOO_LARGE');
    expect(body.detail).toMatch(/MB/);
  });

  it('answers a content type nobody parses with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await fetch(`${s.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<login/>',
    });
    expect(res.status).toBe(415);
    expect((await problem(res)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers broken or empty JSON with 400 BAD_REQUEST in both languages', async () => {
    for (const body of ['{"username": ', '']) {
      const res = await fetch(`${s.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await problem(res)).code).toBe('BAD_REQUEST');
    }
  });

  it('answers an unknown path with 404 and a known path with the wrong method with 405 and Allow', async () => {
    const missing = await fetch(`${s.url}/api/v1/no-such-thing`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(missing.status).toBe(404);
    expect((await problem(missing)).code).toBe('NOT_FOUND');
    const wrong = await fetch(`${s.url}/api/v1/users/abc`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')?.split(/,\s*/).sort()).toEqual(['GET', 'HEAD', 'PATCH']);
    expect((await problem(wrong)).code).toBe('METHOD_NOT_ALLOWED');
  });

  it('keeps per-field errors as a list a person can read', async () => {
    const res = await admin.post('/api/v1/overrides', { campaignId: 'ihanoi-2024', playsPerDay: 'many' });
    expect(res.status).toBe(400);
    expectViEn(res.body.detail);
    expect(Array.isArray(res.body.errors)).toBe(true);
    for (const e of res.body.errors as { path: string; message: string }[]) {
      expect(e.path).toMatch(/^body\./);
      expect(e.message.length).toBeGreaterThan(5);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('health and readiness', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('answers liveness and readiness over real HTTP, with the virtual clock time', async () => {
    const live = await fetch(`${s.url}/api/v1/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await (await fetch(`${s.url}/api/v1/ready`)).json();
    expect(ready).toEqual({ status: 'ready', serverTime: '2024-09-05T00:55:00.000Z' });
  });

  it('refuses protected routes without a session, as problem+json', async () => {
    const res = await fetch(`${s.url}/api/v1/sites`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = await res.json();
    expect(body.code).toBe('UNAUTHENTICATED');
    expect(body.detail).toMatch(/đăng nhập/);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await (await fetch(`${s.url}/api/v1/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/health');
    const page = await fetch(`${s.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });
});

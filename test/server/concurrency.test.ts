/**
 * Concurrent writes: a unique-constraint race is a 409 with a clear message, never a 500.
 * Creating a user checks the name, awaits the password hash, then inserts: ten requests for one
 * name all pass the check before any inserts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seedUser } from './ws/fixtures.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

it('10 concurrent creations of one user name: one 201, nine 409, no 500', async () => {
  const manager = seedUser(s.db, 'campaign_manager', []);
  const create = () =>
    fetch(`${s.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lan.nguyen', displayName: 'Nguyễn Thị Lan', role: 'auditor' }),
    });
  const answers = await Promise.all(Array.from({ length: 10 }, create));
  const statuses = answers.map((r) => r.status).sort();
  expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
  for (const r of answers.filter((a) => a.status === 409)) {
    const body = (await r.json()) as { code: string; detail: string };
    expect(body.code).toBe('CONFLICT');
    expect(body.detail).toMatch(/lan\.nguyen.*\/.*taken/);
  }
  expect(s.db.prepare("SELECT COUNT(*) AS n FROM users WHERE username = 'lan.nguyen'").get()).toEqual({
    n: 1,
  });
});

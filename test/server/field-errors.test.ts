/**
 * Problem details speak to people: each invalid field has its own message, Vietnamese first,
 * naming the field as the console labels it, and no schema path, zod code or "expected string"
 * reaches the words (`detail` and each `message`). The path stays in `path` for programs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, type Client, login, startSeededServer } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const DEVELOPER_WORDS =
  /body\.|querystring\.|params\.|too_small|too_big|invalid_type|invalid_value|Too small|Too big|Invalid input|Invalid option|expected (string|number|int|one of)|received|\$\.|"errors"|>=|<=|regex/;

interface FieldProblem {
  path: string;
  field: string;
  message: string;
}

function expectPlain(body: { detail: string; errors?: FieldProblem[] }): void {
  expect(body.detail).not.toMatch(DEVELOPER_WORDS);
  expect(body.detail).toContain(' / ');
  for (const e of body.errors ?? []) {
    expect(e.message).not.toMatch(DEVELOPER_WORDS);
    expect(e.message.split(' / ')).toHaveLength(2);
  }
}

describe('field errors in words', () => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => s.close());

  it('an empty screen name and a short code are named and explained, each on its own field', async () => {
    const r = await admin.post('/api/v1/pairing/claim', { code: 'AB', siteId: 'ga-ha-noi', screenName: ' ' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expectPlain(r.body);
    const byField = new Map((r.body.errors as FieldProblem[]).map((e) => [e.field, e]));
    expect(byField.get('screenName')).toMatchObject({ path: 'body.screenName' });
    expect(byField.get('screenName')!.message).toMatch(/^Tên màn hình: .+\. \/ Screen name: .+\.$/);
    expect(byField.get('code')!.message).toMatch(/^Mã ghép nối: mã ghép nối gồm 6 ký tự/);
    expect(r.body.detail).toMatch(/^Cần sửa: Tên màn hình|^Cần sửa: Mã ghép nối/);
  });

  it('a missing reason, a wrong-kind number and an unknown option are each in words', async () => {
    const r = await admin.post('/api/v1/overrides', {
      campaignId: 'ihanoi-2024',
      siteId: 'ga-ha-noi',
      playsPerDay: 'twelve',
    });
    expect(r.status).toBe(400);
    expectPlain(r.body);
    const messages = (r.body.errors as FieldProblem[]).map((e) => e.message);
    expect(messages).toContain('Lý do: chưa được nhập. / Reason: is required.');
    expect(messages).toContain('Số lượt phát/ngày: cần là một số. / Plays per day: must be a number.');
    const q = await admin.get('/api/v1/sites?venueType=railway');
    expect(q.status).toBe(400);
    expectPlain(q.body);
    expect(q.body.errors[0]).toMatchObject({ path: 'querystring.venueType', field: 'venueType' });
    expect(q.body.errors[0].message).toMatch(/^Loại địa điểm: /);
  });

  it('a too-large number and a too-long text give their limits, not the library words', async () => {
    const r = await admin.get('/api/v1/audit?limit=100000');
    expectPlain(r.body);
    expect(r.body.errors[0].message).toMatch(/Số dòng: tối đa là \d+\. \/ Rows: must be at most \d+\./);
    const long = await admin.patch('/api/v1/screens/ga-ha-noi%2F1', { name: 'x'.repeat(300) });
    expectPlain(long.body);
    expect(long.body.errors[0].message).toBe(
      'Tên: tối đa 200 ký tự. / Name: must be at most 200 characters.',
    );
  });

  it("a route's own refusal (below the city's target) carries the same plain field message", async () => {
    const r = await admin.post('/api/v1/overrides', {
      campaignId: 'ihanoi-2024',
      siteId: 'ga-ha-noi',
      playsPerDay: 5,
      reason: 'thử / test',
    });
    expect(r.status).toBe(422);
    expectPlain(r.body);
    expect(r.body.errors).toEqual([
      {
        path: 'body.playsPerDay',
        field: 'playsPerDay',
        message: 'Số lượt phát/ngày: tối thiểu 10. / Plays per day: must be at least 10.',
      },
    ]);
  });
});

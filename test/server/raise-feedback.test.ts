/**
 * Raise feedback: a raise answers how many plays it adds today and how many move to later days,
 * so a raise accepted after the day's last open hour no longer says only "201".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonedToInstant } from '#shared/time.ts';
import { ADMIN_PASSWORD, login, startSeededServer, type Client } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const SITE = 'mot-cua-phuong-bach-khoa'; // office hours 08:00–12:00, 13:30–17:00
const HCM = 'Asia/Ho_Chi_Minh';
const body = (playsPerDay: number) => ({
  campaignId: 'ihanoi-2024',
  siteId: SITE,
  playsPerDay,
  reason: 'Đông',
});

describe('a raise says what it does today', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startSeededServer();
  });
  // Sessions run on the server's clock: log in after moving it.
  const at = async (date: string, time: string): Promise<Client> => {
    s.clock.set(zonedToInstant(date, time, HCM));
    return login(s, 'admin', ADMIN_PASSWORD);
  };
  afterAll(() => s.close());

  it('in the morning: the whole raise fits into today', async () => {
    const admin = await at('2024-09-10', '08:30');
    const r = await admin.post('/api/v1/overrides', body(14));
    expect(r.status).toBe(201);
    expect(r.body.effect).toEqual({ date: '2024-09-10', addedToday: 4, movedLater: 0 });
  });

  it('after closing time: nothing is added today, the plays move to later days', async () => {
    const admin = await at('2024-09-11', '17:30');
    const r = await admin.post('/api/v1/overrides', body(18));
    expect(r.status).toBe(201);
    expect(r.body.effect).toEqual({ date: '2024-09-11', addedToday: 0, movedLater: 4 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, login, startSeededServer, userClient } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const CITY = 'ha-noi';
const HBT = 'ha-noi/hai-ba-trung';
const BACH_KHOA = 'ha-noi/hai-ba-trung/bach-khoa';
const DOC = '1550/UBND-KGVX';

interface AuditItem {
  at: string;
  actor: string;
  actorName: string | null;
  action: string;
  objectType: string;
  objectId: string;
  detail: Record<string, unknown>;
}

/**
 * Decision 013, "Audit": every step of a communication and of a warning, and every re-send
 * refusal, is one audit row naming who did it and when. Each step runs at its own instant of the
 * test clock, so a row stamped with the wrong time (or missing, or written twice) fails.
 */
describe('communications and warnings: every step is audited with who and when', () => {
  let s: TestServer;
  let admin: Client;
  let dept: Client;
  let cityOffice: Client;
  let districtEditor: Client;
  let district: Client;
  let wardEditor: Client;
  let ward: Client;
  const expected: Array<{ action: string; objectId: string; actorName: string | null; at: string }> = [];

  /** Moves the clock one minute on and returns the instant the next step will be stamped with. */
  const tick = () => {
    s.clock.advance(60_000);
    return new Date(s.clock.now()).toISOString();
  };
  const expectRow = (action: string, objectId: string, actorName: string | null, at: string) =>
    expected.push({ action, objectId, actorName, at });

  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    dept = await userClient(s, 'so.ttt', 'comms_editor', [{ kind: 'region', id: CITY }]);
    cityOffice = await userClient(s, 'vp.ubnd', 'comms_approver', [{ kind: 'region', id: CITY }]);
    districtEditor = await userClient(s, 'bt.hbt', 'comms_editor', [{ kind: 'region', id: HBT }]);
    district = await userClient(s, 'ubnd.hbt', 'comms_approver', [{ kind: 'region', id: HBT }]);
    wardEditor = await userClient(s, 'bt.bachkhoa', 'comms_editor', [{ kind: 'region', id: BACH_KHOA }]);
    ward = await userClient(s, 'ubnd.bachkhoa', 'comms_approver', [{ kind: 'region', id: BACH_KHOA }]);
  });
  afterAll(() => s.close());

  it('warnings: create, approve, air, reject, cancel, expire and each re-send refusal', async () => {
    const warning = (over: Record<string, unknown>) => ({
      headline: 'Gió mạnh, hạn chế ra đường',
      body: 'Bão số 3 đổ bộ.',
      display: 'band',
      expiresAt: new Date(s.clock.now() + 2 * 3_600_000).toISOString(),
      ...over,
    });

    let at = tick();
    const w = await districtEditor.post('/api/v1/warnings', warning({ sourceDoc: 'CV-88/UBND' }));
    expect(w.status).toBe(201);
    expectRow('warning.create', w.body.id, 'bt.hbt', at);

    at = tick();
    expect((await district.post(`/api/v1/warnings/${w.body.id}/approve`)).body.status).toBe('on_air');
    expectRow('warning.approve', w.body.id, 'ubnd.hbt', at);
    expectRow('warning.air', w.body.id, 'ubnd.hbt', at);

    at = tick();
    const resend = await wardEditor.post('/api/v1/warnings', warning({ sourceDoc: 'cv 88 / ubnd' }));
    expect(resend.status).toBe(409);
    expect(resend.body.detail).toContain(w.body.id);
    expectRow('warning.resend_refused', 'new', 'bt.bachkhoa', at);

    const other = await wardEditor.post('/api/v1/warnings', warning({ headline: 'Cây đổ' }));
    expectRow('warning.create', other.body.id, 'bt.bachkhoa', new Date(s.clock.now()).toISOString());
    at = tick();
    expect(
      (await ward.post(`/api/v1/warnings/${other.body.id}/reject`, { reason: 'Đã có cảnh báo của quận' }))
        .status,
    ).toBe(200);
    expectRow('warning.reject', other.body.id, 'ubnd.bachkhoa', at);

    at = tick();
    expect((await district.post(`/api/v1/warnings/${w.body.id}/cancel`)).body.status).toBe('cancelled');
    expectRow('warning.cancel', w.body.id, 'ubnd.hbt', at);

    const short = await district.post(
      '/api/v1/warnings',
      warning({ headline: 'Mất điện khu vực', expiresAt: new Date(s.clock.now() + 600_000).toISOString() }),
    );
    expectRow('warning.create', short.body.id, 'ubnd.hbt', new Date(s.clock.now()).toISOString());
    at = tick();
    await district.post(`/api/v1/warnings/${short.body.id}/approve`);
    expectRow('warning.approve', short.body.id, 'ubnd.hbt', at);
    expectRow('warning.air', short.body.id, 'ubnd.hbt', at);
    s.clock.advance(15 * 60_000);
    at = new Date(s.clock.now()).toISOString();
    await s.app.cron.runJob('communications-advance');
    expectRow('warning.expire', short.body.id, null, at);
  });

  it('communications: create, edit, submit, approve, air, reject, end and each re-send refusal', async () => {
    const today = '2024-09-05';
    const item = (over: Record<string, unknown>) => ({
      title: 'Tiêm chủng mở rộng',
      body: 'Đưa trẻ đi tiêm đúng lịch.',
      firstDay: today,
      lastDay: '2024-09-07',
      playsPerDay: 4,
      ...over,
    });

    // A ward drafts an item quoting the city's document before the city airs it: allowed now.
    let at = tick();
    const early = await wardEditor.post('/api/v1/communications', item({ sourceDoc: DOC }));
    expect(early.status).toBe(201);
    expectRow('communication.create', early.body.id, 'bt.bachkhoa', at);

    at = tick();
    const city = await dept.post('/api/v1/communications', item({ title: 'Tin của Sở' }));
    expect(city.status).toBe(201);
    const cityId = city.body.id as string;
    expectRow('communication.create', cityId, 'so.ttt', at);

    at = tick();
    expect((await dept.patch(`/api/v1/communications/${cityId}`, { sourceDoc: DOC })).status).toBe(200);
    expectRow('communication.edit', cityId, 'so.ttt', at);

    at = tick();
    expect((await dept.post(`/api/v1/communications/${cityId}/submit`, {})).status).toBe(200);
    expectRow('communication.submit', cityId, 'so.ttt', at);

    at = tick();
    const approved = await cityOffice.post(`/api/v1/communications/${cityId}/approve`);
    expect(approved.body.status).toBe('on_air');
    expectRow('communication.approve', cityId, 'vp.ubnd', at);
    expectRow('communication.air', cityId, 'vp.ubnd', at);

    // Re-send refused on create (a new ward item), on edit (a district item given the number)
    // and on approval (the ward's early draft): each refusal is a row, though nothing changed.
    at = tick();
    const again = await wardEditor.post('/api/v1/communications', item({ sourceDoc: DOC }));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('RESEND_REFUSED');
    expectRow('communication.resend_refused', 'new', 'bt.bachkhoa', at);

    const own = await district.post('/api/v1/communications', item({ title: 'Tin của quận' }));
    expectRow('communication.create', own.body.id, 'ubnd.hbt', new Date(s.clock.now()).toISOString());
    at = tick();
    const edited = await district.patch(`/api/v1/communications/${own.body.id}`, { sourceDoc: DOC });
    expect(edited.status).toBe(409);
    expectRow('communication.resend_refused', own.body.id, 'ubnd.hbt', at);

    at = tick();
    const late = await ward.post(`/api/v1/communications/${early.body.id}/approve`);
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain(cityId);
    expectRow('communication.resend_refused', early.body.id, 'ubnd.bachkhoa', at);

    at = tick();
    expect(
      (
        await ward.post(`/api/v1/communications/${early.body.id}/reject`, {
          reason: 'Trùng tin của Thành phố',
        })
      ).status,
    ).toBe(200);
    expectRow('communication.reject', early.body.id, 'ubnd.bachkhoa', at);

    // After its last day the cron job ends the city's item (actor: the job).
    s.clock.set(Date.parse('2024-09-08T00:10:00+07:00'));
    at = new Date(s.clock.now()).toISOString();
    await s.app.cron.runJob('communications-advance');
    expectRow('communication.end', cityId, null, at);
  });

  it('the audit log holds exactly those rows, each with its actor and time', async () => {
    // The clock jumped days ahead for the job: sessions started before it have lapsed.
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    const log = (await admin.get('/api/v1/audit?limit=500')).body.items as AuditItem[];
    const ours = log
      .filter((a) => a.objectType === 'communication' || a.objectType === 'warning')
      .reverse()
      .map((a) => ({
        action: a.action,
        // A refusal on create has no id yet: the row names the object "new".
        objectId: a.objectId,
        actorName: a.actorName,
        at: a.at,
      }));
    const want = expected.map((e) => ({ ...e, objectId: e.objectId }));
    expect(ours).toEqual(want);
    // Rows written by a job name the job as the actor (it is no user).
    const byJob = log.filter(
      (a) => a.actorName === null && (a.action === 'communication.end' || a.action === 'warning.expire'),
    );
    expect(byJob.map((a) => a.actor).every((x) => x.startsWith('cron:') || x === 'system')).toBe(true);
    expect(byJob).toHaveLength(2);
  });
});

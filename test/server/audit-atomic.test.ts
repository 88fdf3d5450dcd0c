/**
 * Decision 001: every change is audited in the same transaction as the change itself. A trigger
 * on a real SQLite file makes the audit insert fail; if the audit row were a second statement,
 * the change would already be committed and would survive the failure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seedSite, seedUser } from './ws/fixtures.ts';

let srv: TestServer;
let staff: { id: string; token: string };

beforeEach(async () => {
  srv = await startTestServer();
  seedSite(srv.db, 'ubnd-bach-khoa');
  staff = seedUser(srv.db, 'venue_staff', ['ubnd-bach-khoa']);
});
afterEach(async () => srv.close());

/** From now on, SQLite refuses audit rows with this action. */
function refuseAudit(action: string): void {
  srv.db.exec(
    `CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON main.audit_log WHEN NEW.action = '${action}'
     BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END`,
  );
}
const allowAudit = () => srv.db.exec('DROP TRIGGER temp.refuse_audit');

const count = (sql: string, ...args: unknown[]) => (srv.db.prepare(sql).get(...args) as { n: number }).n;

async function post(path: string, body: object) {
  const res = await fetch(srv.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('audit rows share the transaction of the change they record', () => {
  it('a pairing claim whose audit row fails leaves no screen and the code unclaimed', async () => {
    const now = srv.clock.now();
    expect(srv.app.repos.pairing.createCode('ABCDEF', hashToken('secret'), now, 15 * 60_000)).toBe(true);
    const claim = { code: 'ABCDEF', siteId: 'ubnd-bach-khoa', screenName: 'Sảnh một cửa' };

    refuseAudit('screen.pair');
    const refused = await post('/api/v1/pairing/claim', claim);
    expect(refused.status).toBe(500);
    expect(count('SELECT COUNT(*) AS n FROM screens')).toBe(0);
    expect(srv.app.repos.pairing.code('ABCDEF')!.claimed_screen_id).toBeNull();

    // The same claim, with the audit allowed, goes through and is audited once.
    allowAudit();
    const ok = await post('/api/v1/pairing/claim', claim);
    expect(ok.status).toBe(201);
    expect(count('SELECT COUNT(*) AS n FROM screens')).toBe(1);
    expect(
      count(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'screen.pair' AND object_id = ? AND actor = ?",
        ok.body.screenId,
        staff.id,
      ),
    ).toBe(1);
  });

  it('a provisioning file whose audit row fails leaves no enrolment token', async () => {
    const request = { siteId: 'ubnd-bach-khoa', namePrefix: 'Sảnh', count: 3, validDays: 7 };
    refuseAudit('screen.provision');
    const refused = await post('/api/v1/screens/provision', request);
    expect(refused.status).toBe(500);
    expect(count('SELECT COUNT(*) AS n FROM enrolment_tokens')).toBe(0);

    allowAudit();
    const ok = await post('/api/v1/screens/provision', request);
    expect(ok.status).toBe(201);
    expect(count('SELECT COUNT(*) AS n FROM enrolment_tokens')).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'screen.provision'")).toBe(1);
  });

  it('a player enrolling with a provisioning file: no screen and no use spent unless it is audited', () => {
    const { pairing } = srv.app.repos;
    const now = srv.clock.now();
    const enrolment = hashToken(randomToken());
    pairing.createEnrolment(enrolment, 'ubnd-bach-khoa', 'Sảnh', 2, staff.id, now, now + 86_400_000);

    refuseAudit('screen.enrol');
    expect(() => pairing.enrol(enrolment, hashToken(randomToken()), undefined, now)).toThrow(/audit refused/);
    expect(count('SELECT COUNT(*) AS n FROM screens')).toBe(0);
    expect(count('SELECT uses_left AS n FROM enrolment_tokens WHERE token_hash = ?', enrolment)).toBe(2);

    allowAudit();
    const r = pairing.enrol(enrolment, hashToken(randomToken()), undefined, now);
    expect(r).toMatchObject({ ok: true, siteId: 'ubnd-bach-khoa' });
    expect(count('SELECT uses_left AS n FROM enrolment_tokens WHERE token_hash = ?', enrolment)).toBe(1);
    // The person who issued the file answers for the screens it creates.
    expect(
      count(
        "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'screen.enrol' AND object_id = ? AND actor = ?",
        r.ok ? r.screenId : '',
        staff.id,
      ),
    ).toBe(1);
  });
});

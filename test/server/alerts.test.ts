/**
 * A screen offline longer than the threshold reaches the people responsible for its site: in
 * their notification list and by e-mail through the configured SMTP server (a real smtp-server
 * on loopback, started here). Told once per outage; someone outside the scope is not told.
 */
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_INSTANT, type TestServer } from '../helpers/server.ts';
import { type Client, startSeededServer, userClient } from '../helpers/api.ts';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

describe('alerts', () => {
  let smtp: SMTPServer;
  const mails: Mail[] = [];
  let s: TestServer;
  let head: Client;
  let other: Client;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, done) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          done();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    const port = (smtp.server.address() as { port: number }).port;
    s = await startSeededServer({
      config: {
        smtpUrl: `smtp://127.0.0.1:${port}`,
        mailFrom: 'iHanoi <alerts@ihanoi.test>',
        alertOfflineMinutes: 30,
      },
    });
    head = await userClient(s, 'head.ga', 'office_head', [{ kind: 'site', id: 'ga-ha-noi' }]);
    other = await userClient(s, 'head.nb', 'office_head', [{ kind: 'site', id: 'noi-bai-t1' }]);
    await head.post('/api/v1/notifications/email', { email: 'lan@hanoi.test' });
    await other.post('/api/v1/notifications/email', { email: 'other@hanoi.test' });
  });
  afterAll(async () => {
    await s.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  it('an offline screen past the threshold is told in the list and by e-mail, once', async () => {
    const pairing = s.app.repos.pairing;
    pairing.seen('ga-ha-noi/1', CAMPAIGN_INSTANT, '0.1.0');
    pairing.offline('ga-ha-noi/1');
    s.clock.set(CAMPAIGN_INSTANT + 20 * 60_000);
    await s.app.cron.runJob('alerts');
    expect(
      (await head.get('/api/v1/notifications')).body.items.filter(
        (n: { kind: string }) => n.kind === 'offline',
      ),
    ).toEqual([]);

    s.clock.set(CAMPAIGN_INSTANT + 31 * 60_000);
    await s.app.cron.runJob('alerts');
    const list = (await head.get('/api/v1/notifications')).body;
    const offline = list.items.filter((n: { kind: string }) => n.kind === 'offline');
    expect(offline).toHaveLength(1);
    expect(offline[0]).toMatchObject({ screenId: 'ga-ha-noi/1', siteId: 'ga-ha-noi', read: false });
    expect(offline[0].message).toMatch(/mất kết nối từ 05\/09\/2024 07:55 \(31 phút\)/);
    expect(offline[0].emailedAt).not.toBeNull();
    expect(list.unread).toBeGreaterThanOrEqual(1);

    const toHead = mails.filter((m) => m.to.includes('lan@hanoi.test'));
    expect(toHead).toHaveLength(1);
    expect(toHead[0]!.from).toBe('alerts@ihanoi.test');
    expect(toHead[0]!.raw).toMatch(/Subject: /);
    expect(mails.some((m) => m.to.includes('other@hanoi.test') && /ga-ha-noi|Ga H/.test(m.raw))).toBe(false);
    expect(
      (await other.get('/api/v1/notifications')).body.items.filter(
        (n: { screenId: string }) => n.screenId === 'ga-ha-noi/1',
      ),
    ).toEqual([]);

    // The same outage is not told twice.
    s.clock.set(CAMPAIGN_INSTANT + 40 * 60_000);
    await s.app.cron.runJob('alerts');
    expect(mails.filter((m) => m.to.includes('lan@hanoi.test') && /Offline/.test(m.raw))).toHaveLength(1);

    // Read in the console.
    await head.post(`/api/v1/notifications/${offline[0].id}/read`);
    const after = (await head.get('/api/v1/notifications')).body.items.find(
      (n: { id: number }) => n.id === offline[0].id,
    );
    expect(after.read).toBe(true);
  });

  it('sends each office head a morning digest of their sites', async () => {
    s.clock.set(Date.parse('2024-09-06T07:31:00+07:00'));
    await s.app.cron.runJob('daily-digest');
    // A day later the session has expired; read the list where the console's route reads it.
    const headId = s.app.repos.users.list().find((u) => u.username === 'head.ga')!.id;
    const digest = s.app.repos.notifications.list(headId).find((n) => n.kind === 'digest')!;
    expect(digest.message).toContain('Bản tin ngày 06/09/2024');
    expect(digest.message).toMatch(/Mất kết nối từ \/ Offline since:\n- .+: 05\/09\/2024 07:55/);
    expect(
      mails.some((m) => m.to.includes('lan@hanoi.test') && /Digest|B=E1=BA=A3n tin|Bản tin/.test(m.raw)),
    ).toBe(true);
  });
});

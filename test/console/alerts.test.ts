/**
 * Venue staff give their e-mail in the console; when their screen has been offline past the
 * threshold the alert reaches the test's own SMTP server and shows in their notification list.
 */
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CAMPAIGN_INSTANT, startTestServer, type TestServer } from '../helpers/server.ts';
import { SITES, createUser, seedWorld } from '../server/reports/seed.ts';
import { ensureConsoleBuilt, logIn, openBrowser, type Browser } from './browser.ts';

let t: TestServer;
let b: Browser;
let smtp: SMTPServer;
const mails: { to: string[]; raw: string }[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = (smtp.server.address() as { port: number }).port;
  await ensureConsoleBuilt();
  t = await startTestServer({
    config: {
      smtpUrl: `smtp://127.0.0.1:${port}`,
      mailFrom: 'iHanoi <alerts@ihanoi.test>',
      alertOfflineMinutes: 30,
    },
  });
  await seedWorld(t.app);
  await createUser(t.app, {
    username: 'nhanvien',
    role: 'venue_staff',
    password: 'mat-khau-nhan-vien-1',
    displayName: 'Lê Nhân Viên',
    sites: [SITES[1].id],
  });
  b = await openBrowser();
});
afterAll(async () => {
  await b.close();
  await t.close();
  await new Promise<void>((r) => smtp.close(() => r()));
});

it('an offline screen reaches the staff member by e-mail and in the console list', async () => {
  const { page } = b;
  await logIn(page, t.url, 'nhanvien', 'mat-khau-nhan-vien-1');
  await page.click('nav a[href="/notifications"]');
  await page.waitForSelector('#email-form');
  await page.fill('#alert-email', 'nhanvien@hanoi.test');
  await page.click('#email-submit');
  await page.waitForSelector('#email-status .msg-ok');

  // Its screen was last seen at 07:55 and is offline; 31 minutes later the alert job runs.
  t.app.repos.pairing.seen('scr-bk-2', CAMPAIGN_INSTANT, '0.1.0');
  t.app.repos.pairing.offline('scr-bk-2');
  t.clock.set(CAMPAIGN_INSTANT + 31 * 60_000);
  await t.app.cron.runJob('alerts');

  expect(mails).toHaveLength(1);
  expect(mails[0]!.to).toEqual(['nhanvien@hanoi.test']);
  expect(mails[0]!.raw).toContain('has been offline since 05/09/2024 07:55');

  await page.click('nav a[href="/"]');
  await page.click('nav a[href="/notifications"]');
  await page.waitForSelector('#notifications li');
  await expect(page.textContent('#notifications li')).resolves.toMatch(/Quầy một cửa/);
  await expect(page.textContent('#notifications li')).resolves.toMatch(/05\/09\/2024 07:55/);
});

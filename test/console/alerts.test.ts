/**
 * Venue staff and office heads give their e-mail in the console; when a screen of their site has
 * been offline past the threshold the alert reaches the test's own SMTP server and shows in their
 * notification list, and the office head's morning digest names the screen still offline.
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
  // The head of the Hai Bà Trưng office: both Bách Khoa sites are theirs, the station is not.
  await createUser(t.app, {
    username: 'truongbk',
    role: 'office_head',
    password: 'mat-khau-truong-bk-1',
    displayName: 'Nguyễn Thị Lan',
    regions: ['ha-noi/hai-ba-trung'],
  });
  b = await openBrowser();
});
afterAll(async () => {
  await b.close();
  await t.close();
  await new Promise<void>((r) => smtp.close(() => r()));
});

async function giveEmail(username: string, password: string, email: string): Promise<void> {
  const { page } = b;
  await logIn(page, t.url, username, password);
  await page.click('nav a[href="/notifications"]');
  await page.waitForSelector('#email-form');
  await page.fill('#alert-email', email);
  await page.click('#email-submit');
  await page.waitForSelector('#email-status .msg-ok');
}

async function switchTo(username: string, password: string): Promise<void> {
  await b.page.click('#logout');
  await b.page.waitForSelector('#login-submit');
  await logIn(b.page, t.url, username, password);
}

const mailTo = (address: string) => mails.filter((m) => m.to.includes(address));

/** A message's text as the person reads it (the body is quoted-printable UTF-8). */
function bodyText(raw: string): string {
  const body = raw.slice(raw.search(/\r?\n\r?\n/));
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

it('an offline screen reaches the staff member and the office head by e-mail and in the console list', async () => {
  const { page } = b;
  await giveEmail('truongbk', 'mat-khau-truong-bk-1', 'truong.bk@hanoi.test');
  await page.click('#logout');
  await page.waitForSelector('#login-submit');
  await giveEmail('nhanvien', 'mat-khau-nhan-vien-1', 'nhanvien@hanoi.test');

  // Its screen was last seen at 07:55 and is offline; 31 minutes later the alert job runs.
  t.app.repos.pairing.seen('scr-bk-2', CAMPAIGN_INSTANT, '0.1.0');
  t.app.repos.pairing.offline('scr-bk-2');
  t.clock.set(CAMPAIGN_INSTANT + 31 * 60_000);
  await t.app.cron.runJob('alerts');

  expect(mails).toHaveLength(2);
  expect(mails.map((m) => m.to).sort()).toEqual([['nhanvien@hanoi.test'], ['truong.bk@hanoi.test']]);
  for (const m of mails) expect(m.raw).toContain('has been offline since 05/09/2024 07:55');

  await page.click('nav a[href="/"]');
  await page.click('nav a[href="/notifications"]');
  await page.waitForSelector('#notifications li');
  await expect(page.textContent('#notifications li')).resolves.toMatch(/Quầy một cửa/);
  await expect(page.textContent('#notifications li')).resolves.toMatch(/05\/09\/2024 07:55/);
});

it("the office head sees the alert in their list, and next morning's digest names the screen still offline", async () => {
  const { page } = b;
  await switchTo('truongbk', 'mat-khau-truong-bk-1');
  await page.click('nav a[href="/notifications"]');
  await page.waitForSelector('#notifications li');
  await expect(page.textContent('#notifications li')).resolves.toMatch(/Quầy một cửa.*05\/09\/2024 07:55/s);

  // 07:30 the next morning (Hà Nội): the digest job runs; only the head gets one.
  t.clock.set(Date.parse('2024-09-06T07:30:00+07:00'));
  await t.app.cron.runJob('daily-digest');
  const digests = mails.filter((m) => bodyText(m.raw).includes('Digest for 06/09/2024'));
  expect(digests.map((m) => m.to)).toEqual([['truong.bk@hanoi.test']]);
  expect(bodyText(digests[0]!.raw)).toContain(
    '- Quầy một cửa (Bộ phận một cửa phường Bách Khoa): 05/09/2024 07:55',
  );
  expect(mailTo('nhanvien@hanoi.test')).toHaveLength(1); // the offline alert only

  // A day later the session has lapsed: log in again, as the head would in the morning.
  await logIn(page, t.url, 'truongbk', 'mat-khau-truong-bk-1');
  await page.click('nav a[href="/notifications"]');
  await page.waitForSelector('#notifications li:has-text("06/09/2024")');
});

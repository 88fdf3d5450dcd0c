/**
 * Screens we do not run: a stored plan exported as SMIL 3.0 (parsed back, its wallclock begins
 * equal to the plan's starts), CSV and iCalendar; third-party proof of play imported from CSV,
 * refused whole with line and column when bad, counted once however often it is imported, and
 * reported apart from our chained plays.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import {
  items,
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  stopServerAndRemoveDirs,
  storePlan,
  T0,
  type RestartableServer,
} from './ws/fixtures.ts';

const SITE = 'ubnd-bach-khoa';
const SCREEN = 'led-nga-tu-1';
let server: RestartableServer;
let playerDir: string;
let sha: string;
let manager: { token: string };

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
  const db = server.db!;
  seedSite(db);
  sha = seedMedia(db, server.dataDir).sha256;
  seedCampaign(db, sha);
  db.prepare(
    `INSERT INTO screens (id, site_id, name, status, created_at_ms) VALUES (?, ?, 'LED ngã tư', 'unpaired', ?)`,
  ).run(SCREEN, SITE, T0);
  manager = seedUser(db, 'campaign_manager', []);
});

afterEach(async () => {
  await stopServerAndRemoveDirs(server, playerDir);
});

const get = (path: string, token = manager.token) =>
  fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const importCsv = (csv: string, token = manager.token, source = 'led-controller') =>
  fetch(`${server.url}/api/v1/plays/third-party?source=${source}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: csv,
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('plan export for screens we do not run', () => {
  it('writes SMIL 3.0 whose wallclock begins are the plan’s starts, with prefetch; and CSV and iCalendar', async () => {
    const day1 = items(sha, [T0 + 60_000, T0 + 3_600_000], 10_000, 'a');
    const day2 = items(sha, [T0 + 86_400_000 + 120_000], 10_000, 'b');
    storePlan(server.db!, SCREEN, '2024-09-05', 1, day1);
    storePlan(server.db!, SCREEN, '2024-09-06', 1, day2);
    storePlan(server.db!, SCREEN, '2024-09-07', 1, items(sha, [T0 + 2 * 86_400_000], 10_000, 'c'));
    const res = await get(`/api/v1/screens/${SCREEN}/plan-export?from=2024-09-05&to=2024-09-06&format=smil`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/smil\+xml/);
    const text = await res.text();
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(text);
    expect(doc.smil['@version']).toBe('3.0');
    expect(doc.smil['@xmlns']).toBe('http://www.w3.org/ns/SMIL');
    const par = doc.smil.body.par;
    const prefetch = [par.seq.prefetch].flat();
    expect(prefetch.map((p: any) => p['@src'])).toEqual([`${server.url}/api/v1/media/${sha}`]);
    const videos = [par.excl.priorityClass.video].flat();
    const begins = videos.map((v: any) => /^wallclock\((.+)\)$/.exec(v['@begin'])![1]!);
    // Each wallclock is an ISO instant with the site's offset, equal to the plan's start.
    expect(begins.every((b: string) => b.endsWith('+07:00'))).toBe(true);
    expect(begins.map((b: string) => Date.parse(b))).toEqual([...day1, ...day2].map((i) => i.start));
    expect(videos.map((v: any) => v['@dur'])).toEqual(['10s', '10s', '10s']);

    const csv = await (
      await get(`/api/v1/screens/${SCREEN}/plan-export?from=2024-09-05&to=2024-09-05&format=csv`)
    ).text();
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'screen_id,date,start,end,duration_s,campaign_id,media_name,media_sha256,peak,item_id',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(
      `${SCREEN},2024-09-05,2024-09-05T07:56:00+07:00,2024-09-05T07:56:10+07:00,10,ihanoi-2024`,
    );

    const ics = await (
      await get(`/api/v1/screens/${SCREEN}/plan-export?from=2024-09-05&to=2024-09-06&format=ics`)
    ).text();
    expect(ics.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(3);
    expect(ics).toContain('DTSTART:20240905T005600Z');

    // Out of scope is out of sight.
    const staff = seedUser(server.db!, 'venue_staff', ['ga-ha-noi']);
    expect(
      (await get(`/api/v1/screens/${SCREEN}/plan-export?from=2024-09-05&to=2024-09-05`, staff.token)).status,
    ).toBe(404);
  });
});

describe('third-party proof of play', () => {
  const good = [
    'play_id,screen_id,campaign_id,started_at,duration_s,media_sha256',
    `p-1,${SCREEN},ihanoi-2024,2024-09-05T08:00:30+07:00,15,`,
    `p-2,${SCREEN},ihanoi-2024,2024-09-05 09:10:00,15.0,`,
    `p-3,${SCREEN},ihanoi-2024,"2024-09-06T10:00:00+07:00",14.5,`,
  ].join('\r\n');

  it('imports the rows as third-party plays, and importing again changes nothing', async () => {
    const first = await importCsv(good);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ rows: 3, added: 3, duplicates: 0 });
    const again = await importCsv(good);
    expect(again.body).toMatchObject({ rows: 3, added: 0, duplicates: 3 });
    const report = await (
      await get('/api/v1/reports/third-party?campaignId=ihanoi-2024&from=2024-09-05&to=2024-09-06')
    ).json();
    expect(report.thirdParty).toBe(true);
    expect(report.totals).toEqual({ plays: 3, seconds: 44.5 });
    expect(report.items).toEqual([
      { date: '2024-09-05', siteId: SITE, screenId: SCREEN, source: 'led-controller', plays: 2, seconds: 30 },
      {
        date: '2024-09-06',
        siteId: SITE,
        screenId: SCREEN,
        source: 'led-controller',
        plays: 1,
        seconds: 14.5,
      },
    ]);
    // Not mixed into our chained plays.
    expect(server.db!.prepare('SELECT COUNT(*) AS n FROM plays').get()).toEqual({ n: 0 });
    const local = server
      .db!.prepare("SELECT started_at FROM third_party_plays WHERE external_id = 'p-2'")
      .get();
    expect(local).toEqual({ started_at: '2024-09-05T09:10:00+07:00' });
  });

  it('refuses a bad file with its line and column and imports nothing of it', async () => {
    const bad = [
      'screen_id,campaign_id,started_at,duration_s',
      `${SCREEN},ihanoi-2024,2024-09-05T08:00:30+07:00,15`,
      `${SCREEN},ihanoi-2024,5/9/2024 8:00,15`,
    ].join('\n');
    const r = await importCsv(bad);
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/dòng 3, cột 26/);
    expect(r.body.detail).toMatch(/line 3, column 26 \(started_at\)/);
    expect(r.body.problems).toEqual([
      { line: 3, column: 26, field: 'started_at', message: expect.any(String) },
    ]);
    expect(server.db!.prepare('SELECT COUNT(*) AS n FROM third_party_plays').get()).toEqual({ n: 0 });
    const noScreen = await importCsv(
      `screen_id,campaign_id,started_at,duration_s\nnope,ihanoi-2024,2024-09-05T08:00:30+07:00,15`,
    );
    expect(noScreen.body.problems[0]).toMatchObject({ line: 2, column: 1, field: 'screen_id' });
    const noColumn = await importCsv(
      `screen_id,started_at,duration_s\n${SCREEN},2024-09-05T08:00:30+07:00,15`,
    );
    expect(noColumn.body.problems[0]).toMatchObject({ line: 1, field: 'campaign_id' });
    const auditor = seedUser(server.db!, 'auditor', []);
    expect((await importCsv(good, auditor.token)).status).toBe(403);
  });
});

/**
 * The weekly Thursday report lists every screen offline for more than a day at a stretch; a
 * screen dark for exactly 24 hours, or connected all along, is not listed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateWeeklyReport, longOfflineStretches } from '#server/reports/weekly.ts';
import { addDays, zonedToInstant } from '#shared/time.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { readExportCsv } from './csv.ts';
import { CAMPAIGN, FIRST, LAST, SCREENS, ZONE, seedWorld } from './seed.ts';

let t: TestServer;

beforeAll(async () => {
  // Friday 06/09 10:00: the week's report is made while scr-ga-1 is still dark.
  t = await startTestServer({ clockAt: zonedToInstant('2024-09-06', '10:00', ZONE) });
  await seedWorld(t.app);
  const paired = zonedToInstant(addDays(FIRST, -1), '12:00', ZONE);
  const at = (d: string, hm: string) => zonedToInstant(d, hm, ZONE);
  t.app.repos.screenSessions.insertClosed([
    // scr-bk-1: dark from Tuesday 10:00 to Wednesday 12:00 (26 h): listed.
    {
      screen_id: 'scr-bk-1',
      connected_at_ms: paired,
      disconnected_at_ms: at('2024-09-03', '10:00'),
      reason: 'heartbeat_missed',
    },
    {
      screen_id: 'scr-bk-1',
      connected_at_ms: at('2024-09-04', '12:00'),
      disconnected_at_ms: at('2024-09-06', '09:00'),
      reason: 'closed',
    },
    {
      screen_id: 'scr-bk-1',
      connected_at_ms: at('2024-09-06', '09:00'),
      disconnected_at_ms: at('2024-09-07', '00:00'),
      reason: 'closed',
    },
    // scr-bk-2: connected all along.
    {
      screen_id: 'scr-bk-2',
      connected_at_ms: paired,
      disconnected_at_ms: at('2024-09-07', '00:00'),
      reason: 'closed',
    },
    // scr-ga-2: dark exactly 24 h: not more than a day.
    {
      screen_id: 'scr-ga-2',
      connected_at_ms: paired,
      disconnected_at_ms: at('2024-09-04', '00:00'),
      reason: 'heartbeat_missed',
    },
    {
      screen_id: 'scr-ga-2',
      connected_at_ms: at('2024-09-05', '00:00'),
      disconnected_at_ms: at('2024-09-07', '00:00'),
      reason: 'closed',
    },
    // scr-ga-1: gone since Wednesday 18:00 and still dark at the report.
    {
      screen_id: 'scr-ga-1',
      connected_at_ms: paired,
      disconnected_at_ms: at('2024-09-04', '18:00'),
      reason: 'heartbeat_missed',
    },
  ]);
});
afterAll(async () => t.close());

it('lists the screens offline more than a day, with when and how long', async () => {
  const rows = longOfflineStretches(t.app, ZONE, FIRST, LAST);
  expect(rows.map((r) => [r.screenId, r.hours, r.untilMs === null])).toEqual([
    ['scr-ga-1', 40, true],
    ['scr-bk-1', 26, false],
  ]);
  expect(SCREENS.length).toBe(4);

  const saved = await generateWeeklyReport(t.app, CAMPAIGN, FIRST, LAST);
  const base = saved.file_name.replace(/\.xlsx$/, '');
  const csv = readExportCsv(readFileSync(join(t.dataDir, 'reports', `${base}-offline.csv`), 'utf8'));
  expect(csv.meta.get('Báo cáo / Report')).toBe(
    'Màn hình mất kết nối quá 1 ngày / Screens offline for more than a day',
  );
  expect(csv.data).toEqual([
    [
      'ha-noi/dong-da/ga-ha-noi',
      'Ga Hà Nội',
      'scr-ga-1',
      'Phòng chờ A',
      '04/09/2024 18:00',
      'vẫn mất kết nối / still offline',
      '40',
    ],
    [
      'ha-noi/hai-ba-trung/bach-khoa/ubnd',
      'UBND phường Bách Khoa',
      'scr-bk-1',
      'Sảnh chính',
      '03/09/2024 10:00',
      '04/09/2024 12:00',
      '26',
    ],
  ]);
});

/**
 * The per-screen, per-day export's fast path (cell runs encoded once, the offline share of
 * silent screens worked out once per frame, rows written straight into buffers) must give the
 * same file as the row-by-row path it replaced. The reference below is that path, kept here as
 * the oracle: each screen's row worked out on its own (screensOn, offlineShare per screen), the
 * 23 cells built as plain values and serialized with csvLine, and for XLSX the writer's plain
 * cell path (inline strings) instead of runs and shared strings.
 *
 * The world mixes what makes rows differ: a second time zone, a raise part-way through the
 * period, a screen paired mid-day, a screen revoked mid-period that still uploads plays, an
 * offline day with and without a stored plan, unverified and not-completed plays, a day that is
 * only partly due and days still ahead.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { venueTypeLabel } from '#shared/schemas/domain.ts';
import { eachDate, formatDate, toIsoWithOffset, zonedToInstant } from '#shared/time.ts';
import {
  atSiteWhenDayEnds,
  dayFrame,
  loadContext,
  offlineShare,
  screensOn,
  sitesFor,
  type ReportContext,
  type SiteInfo,
} from '#server/reports/aggregate.ts';
import { csvLine, writeXlsx, type Cell } from '#server/reports/writers.ts';
import { openIntervals } from '#server/scheduler/day.ts';
import { pairingDayTarget, withRaises } from '#server/scheduler/targets.ts';
import type { PlayInsert } from '#server/repositories/reports.ts';
import type { VenueType } from '#shared/schemas/domain.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { readExportCsv } from './csv.ts';
import { unzipEntries } from './unzip.ts';
import {
  CAMPAIGN,
  FIRST,
  LAST,
  MEDIA,
  ZONE,
  createUser,
  login,
  seedPlays,
  seedSessions,
  seedWorld,
} from './seed.ts';

const TOKYO = 'Asia/Tokyo';
const TOKYO_SITE = 'ha-noi/dong-da/van-mieu/van-phong-tokyo';
const LATE_SCREEN = 'scr-ga-3';

let t: TestServer;
let auditor: string;

const setClock = (ms: number) => t.clock.set(ms);

beforeAll(async () => {
  // 06/09 15:00 in Hà Nội: 06/09 is due only in part, 07/09 and 08/09 not yet.
  const now = zonedToInstant('2024-09-06', '15:00', ZONE);
  t = await startTestServer({ clockAt: now });
  await seedWorld(t.app);
  seedPlays(t.app, { brokenScreen: 'scr-ga-2' });
  seedSessions(t.app);
  const r = t.app.repos;
  const manager = await createUser(t.app, {
    username: 'quanly',
    role: 'campaign_manager',
    password: 'mat-khau-quan-ly-1',
  });
  await createUser(t.app, { username: 'kiemtoan', role: 'auditor', password: 'mat-khau-kiem-toan-1' });
  auditor = await login(t.app, 'kiemtoan', 'mat-khau-kiem-toan-1');

  // A site nine hours' drive east of the campaign's zone, in Tokyo time, paired before the period.
  r.sites.put({
    id: TOKYO_SITE,
    name: 'Văn phòng đại diện, Tokyo',
    venue_type: 'government_office',
    address: 'Tokyo',
    region_id: 'ha-noi/dong-da/van-mieu',
    time_zone: TOKYO,
    opening_hours: JSON.stringify({
      mon: [['09:00', '18:00']],
      tue: [['09:00', '18:00']],
      wed: [['09:00', '18:00']],
      thu: [['09:00', '18:00']],
      fri: [['09:00', '18:00']],
      sat: [],
      sun: [],
      closedDates: [],
    }),
    peak_profile: null,
    moving: 0,
    source: 'test',
  });
  setClock(zonedToInstant('2024-09-01', '08:00', ZONE));
  r.screens.create({ id: 'scr-tokyo-1', siteId: TOKYO_SITE, name: 'Sảnh "Tokyo", tầng 1' }, 'test');
  r.screens.setTokenHash('scr-tokyo-1', createHash('sha256').update('scr-tokyo-1').digest('hex'));
  // A screen paired at 13:20 on 03/09 at the station: that day owes only the time left.
  setClock(zonedToInstant('2024-09-03', '13:20', ZONE));
  r.screens.create({ id: LATE_SCREEN, siteId: 'ha-noi/dong-da/ga-ha-noi', name: 'Phòng chờ C' }, 'test');
  r.screens.setTokenHash(LATE_SCREEN, createHash('sha256').update(LATE_SCREEN).digest('hex'));
  // A raise at the station from 04/09 10:00.
  setClock(zonedToInstant('2024-09-04', '10:00', ZONE));
  r.overrides.add(
    {
      campaignId: CAMPAIGN,
      siteId: 'ha-noi/dong-da/ga-ha-noi',
      playsPerDay: 14,
      reason: 'Tăng tần suất dịp lễ',
      setBy: manager,
    },
    10,
  );
  // The one-stop desk's screen is revoked at noon on 05/09; its later uploads still count as plays.
  setClock(zonedToInstant('2024-09-05', '12:00', ZONE));
  r.screens.revoke('scr-bk-2', 'test');
  setClock(now);

  // The late screen and the Tokyo screen play a little, one of them failing.
  const plays: PlayInsert[] = [];
  const play = (screen: string, site: string, zone: string, date: string, hhmm: string, seq: number) => {
    const start = zonedToInstant(date, hhmm, zone);
    plays.push({
      play_id: `${screen}-${seq}`,
      screen_id: screen,
      site_id: site,
      campaign_id: CAMPAIGN,
      media_sha256: MEDIA,
      plan_item_id: null,
      planned_at: null,
      planned_ms: null,
      started_at: toIsoWithOffset(start, zone),
      started_ms: start,
      ended_at: toIsoWithOffset(start + 15_000, zone),
      ended_ms: start + 15_000,
      seconds_shown: seq === 2 ? 4 : 15,
      outcome: seq === 2 ? 'interrupted' : 'completed',
      reason: seq === 2 ? 'power' : null,
      player_version: '1.0.0',
      seq,
      prev_hash: '',
      hash: `h-${screen}-${seq}`,
      chain_status: 'ok',
      local_date: date,
      local_hour: Number(hhmm.slice(0, 2)),
      in_peak: 0,
      received_at_ms: start + 60_000,
    });
  };
  play(LATE_SCREEN, 'ha-noi/dong-da/ga-ha-noi', ZONE, '2024-09-03', '15:00', 1);
  play(LATE_SCREEN, 'ha-noi/dong-da/ga-ha-noi', ZONE, '2024-09-04', '09:00', 2);
  play('scr-tokyo-1', TOKYO_SITE, TOKYO, '2024-09-03', '10:00', 1);
  play('scr-tokyo-1', TOKYO_SITE, TOKYO, '2024-09-03', '11:00', 2);
  r.reports.insertPlays(plays);

  // scr-ga-2 is dark on 05/09 with a stored plan (its offline plays come from the plan); the
  // late screen is connected only from 09:00 to 12:00 on 04/09.
  const starts = [7, 9, 11, 13, 15, 17, 19].map((h) => zonedToInstant('2024-09-05', h * 60 + 30, ZONE));
  r.plans.savePlans(
    'scr-ga-2',
    1,
    [
      {
        date: '2024-09-05',
        inputsHash: 'test',
        plan: JSON.stringify({
          items: starts.map((s, i) => ({
            id: `p-${i}`,
            mediaSha256: MEDIA,
            start: s,
            end: s + 15_000,
            peak: false,
            campaignId: CAMPAIGN,
          })),
          campaigns: [{ campaignId: CAMPAIGN, target: 7 }],
        }),
      },
    ],
    now,
  );
  r.screenSessions.insertClosed([
    {
      screen_id: LATE_SCREEN,
      connected_at_ms: zonedToInstant('2024-09-04', '09:00', ZONE),
      disconnected_at_ms: zonedToInstant('2024-09-04', '12:00', ZONE),
      reason: 'heartbeat_missed',
    },
  ]);
});
afterAll(async () => t.close());

const pct = (num: number, den: number): Cell => (den > 0 ? Math.round((num / den) * 1000) / 10 : null);

/** The row-by-row path the export used before its fast path: one screen at a time. */
function referenceRows(ctx: ReportContext, sites: SiteInfo[], date: string): Cell[][] {
  const counts = t.app.repos.reports.screenDay(ctx.campaign.id, date, null);
  const day = formatDate(date, ctx.campaign.time_zone);
  const out: Cell[][] = [];
  const sessions = t.app.repos.screenSessions.overlapping(
    zonedToInstant(date, '00:00', 'Pacific/Kiritimati'),
    zonedToInstant(date, '23:59', 'Pacific/Pago_Pago'),
  );
  for (const site of sites) {
    const frame = dayFrame(ctx, site, date);
    const listed = screensOn(ctx, site, date, frame);
    const seen = new Set(listed.map((s) => s.id));
    const extra = (ctx.screensBySite.get(site.row.id) ?? []).filter(
      (s) => !seen.has(s.id) && counts.has(s.id) && atSiteWhenDayEnds(ctx, s.id, site.row.id, frame.end),
    );
    for (const screen of [...listed, ...extra]) {
      const c = counts.get(screen.id);
      const plays = c?.plays ?? 0;
      const counted = seen.has(screen.id);
      let target = counted ? frame.target : 0;
      let due = counted ? frame.due : 0;
      const paired = screen.paired_at_ms;
      if (counted && paired !== null && paired > frame.start && paired < frame.end) {
        const planSite = withRaises(
          {
            id: site.row.id,
            venueType: site.row.venue_type as VenueType,
            timeZone: site.row.time_zone,
            openingHours: site.hours,
            peakProfile: null,
          },
          ctx.overridesBySite.get(site.row.id) ?? [],
        );
        target = pairingDayTarget(planSite, date, frame.target, paired);
        const open = openIntervals(site.hours, date, site.row.time_zone);
        const left = open.reduce((n, [a, b]) => n + Math.max(0, b - Math.max(a, paired)), 0);
        const passed = open.reduce(
          (n, [a, b]) => n + Math.max(0, Math.min(b, ctx.nowMs) - Math.max(a, paired)),
          0,
        );
        due =
          ctx.nowMs <= paired
            ? 0
            : left <= 0 || passed >= left
              ? target
              : Math.floor((target * passed) / left);
      }
      const shortfall = Math.max(0, due - plays);
      const withPlan = t.app.repos.reports.plannedScreens(date);
      const off = counted
        ? offlineShare(
            ctx,
            frame,
            sessions.filter((s) => s.screen_id === screen.id),
            () =>
              withPlan.has(screen.id)
                ? t.app.repos.reports.plannedStarts(
                    screen.id,
                    date,
                    ctx.campaign.id,
                    ctx.campaign.media_sha256,
                  )
                : [],
          )
        : { offlineOpenMs: 0, plannedOffline: 0 };
      const shortfallOffline = Math.min(shortfall, off.plannedOffline);
      out.push([
        day,
        site.districtName,
        site.wardName,
        site.row.id,
        site.row.name,
        venueTypeLabel(site.row.venue_type),
        screen.id,
        screen.name,
        plays,
        c?.unverified ?? 0,
        target,
        due,
        pct(plays, due),
        c?.peak_plays ?? 0,
        pct(c?.peak_plays ?? 0, plays),
        c?.not_completed ?? 0,
        Math.round(frame.openHours * 100) / 100,
        Math.round((off.offlineOpenMs / 3_600_000) * 100) / 100,
        shortfall,
        shortfallOffline,
        shortfall - shortfallOffline,
        Math.round(off.offlineOpenMs / 60_000),
        off.plannedOffline,
      ]);
    }
  }
  return out;
}

function reference(): Cell[][] {
  const ctx = loadContext(t.app.repos, CAMPAIGN, t.clock.now());
  const sites = sitesFor(ctx, {}, null);
  return eachDate(FIRST, LAST).flatMap((date) => referenceRows(ctx, sites, date));
}

const exportOf = async (format: 'csv' | 'xlsx') => {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/reports/export?kind=daily&format=${format}&campaignId=${CAMPAIGN}&from=${FIRST}&to=${LAST}`,
    headers: { authorization: `Bearer ${auditor}` },
  });
  expect(res.statusCode).toBe(200);
  return res.rawPayload;
};

/** Every cell of the data sheet as the text a spreadsheet shows before formatting: ref → value. */
function sheetCells(xlsx: Buffer): Map<string, string> {
  const files = unzipEntries(xlsx);
  const xml = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    trimValues: false,
  });
  const sst = files.get('xl/sharedStrings.xml');
  const shared: string[] = sst
    ? [xml.parse(sst.toString('utf8')).sst.si ?? []].flat().map((si: { t: unknown }) => textOf(si.t))
    : [];
  const ws = xml.parse(files.get('xl/worksheets/sheet1.xml')!.toString('utf8')).worksheet;
  const out = new Map<string, string>();
  // Data rows only: the header row is not part of the comparison.
  for (const row of [ws.sheetData.row].flat().filter((r: { r: string }) => Number(r.r) > 1))
    for (const c of [row.c ?? []].flat() as {
      r: string;
      t?: string;
      s?: string;
      v?: string;
      is?: { t: unknown };
    }[]) {
      const value = c.t === 's' ? shared[Number(c.v)] : c.t === 'inlineStr' ? textOf(c.is!.t) : String(c.v);
      out.set(c.r, `${c.s ?? ''}|${value}`);
    }
  return out;
}

/** A <t> element's text: the parser gives a string, or an object when it kept xml:space. */
function textOf(t: unknown): string {
  const text = typeof t === 'object' && t !== null ? (t as { '#text'?: unknown })['#text'] : t;
  return typeof text === 'string' || typeof text === 'number' ? String(text) : '';
}

describe('daily export fast path', () => {
  it('writes the same CSV bytes as the row-by-row path', async () => {
    const rows = reference();
    // The world has what it is meant to have, so the comparison covers those rows.
    expect(rows.some((r) => r[3] === TOKYO_SITE)).toBe(true);
    expect(rows.some((r) => r[6] === LATE_SCREEN && r[0] === '03/09/2024' && r[10] !== 10)).toBe(true);
    expect(rows.some((r) => r[6] === 'scr-bk-2' && r[10] === 0 && Number(r[8]) > 0)).toBe(true);
    expect(rows.some((r) => Number(r[9]) > 0)).toBe(true);
    expect(rows.some((r) => Number(r[15]) > 0)).toBe(true);
    expect(rows.some((r) => Number(r[22]) > 0 && r[6] === 'scr-ga-2')).toBe(true);
    expect(rows.some((r) => r[11] !== r[10] && Number(r[11]) > 0)).toBe(true);

    const csv = await exportOf('csv');
    const expected = Buffer.from(rows.map(csvLine).join(''), 'utf8');
    const parsed = readExportCsv(csv.toString('utf8'));
    expect(parsed.dataText).toBe(expected.toString('utf8'));
    expect(Buffer.from(parsed.dataText, 'utf8').equals(expected)).toBe(true);
    expect(parsed.checksum).toBe(createHash('sha256').update(expected).digest('hex'));
  });

  it('writes an XLSX whose data cells equal the plain-cell writer’s for the row-by-row rows', async () => {
    const rows = reference();
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    const plain = await writeXlsx(
      {
        meta: {
          title: '',
          campaign: '',
          period: '',
          timeZone: ZONE,
          generatedAt: '',
          filters: '',
        },
        // The daily export's 23 columns, the first a date.
        columns: Array.from({ length: 23 }, (_, i) => ({
          header: '',
          ...(i === 0 ? { type: 'date' as const } : {}),
        })),
        batches: [rows],
      },
      sink,
    );
    const fast = await exportOf('xlsx');
    const want = sheetCells(Buffer.concat(chunks));
    const got = sheetCells(fast);
    expect(got.size).toBe(want.size);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    // The fast path's repeated texts went to the shared-string table.
    expect(unzipEntries(fast).has('xl/sharedStrings.xml')).toBe(true);
    expect(plain.rows).toBe(rows.length);
  });
});

/**
 * A small, fully known world for report and console tests: two districts, three sites, four
 * screens, one campaign and a chosen number of plays per screen and day, inserted through the
 * repositories (no SQL here). Totals in the tests are computed from these inputs, not copied.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '#server/auth/passwords.ts';
import type { PlayInsert } from '#server/repositories/reports.ts';
import type { SessionEndReason } from '#server/repositories/screen-sessions.ts';
import { rowToRecord } from '#server/repositories/plays.ts';
import { hashPlayRecord } from '#server/proof/chain.ts';
import { GENESIS_HASH } from '#shared/schemas/protocol.ts';
import type { Role } from '#shared/schemas/domain.ts';
import { addDays, eachDate, toIsoWithOffset, zonedToInstant } from '#shared/time.ts';

export const ZONE = 'Asia/Ho_Chi_Minh';
export const CAMPAIGN = 'ihanoi-test';
export const FIRST = '2024-09-02';
export const LAST = '2024-09-08';
export const MEDIA = createHash('sha256').update('promo').digest('hex');

const allWeek = (from: string, to: string) => {
  const r: [string, string][] = [[from, to]];
  return { mon: r, tue: r, wed: r, thu: r, fri: r, sat: r, sun: r, closedDates: [] as string[] };
};

/** Office closed at weekends: its target on Saturday and Sunday is 0 under operating_day. */
const OFFICE_HOURS = {
  mon: [['08:00', '17:00']],
  tue: [['08:00', '17:00']],
  wed: [['08:00', '17:00']],
  thu: [['08:00', '17:00']],
  fri: [['08:00', '17:00']],
  sat: [],
  sun: [],
  closedDates: ['2024-09-02'],
};

export const SITES = [
  {
    id: 'ha-noi/hai-ba-trung/bach-khoa/ubnd',
    name: 'UBND phường Bách Khoa',
    venue: 'government_office',
    region: 'ha-noi/hai-ba-trung/bach-khoa',
    hours: OFFICE_HOURS,
  },
  {
    id: 'ha-noi/hai-ba-trung/bach-khoa/mot-cua',
    name: 'Bộ phận một cửa phường Bách Khoa',
    venue: 'citizen_reception',
    region: 'ha-noi/hai-ba-trung/bach-khoa',
    hours: allWeek('07:00', '19:00'),
  },
  {
    id: 'ha-noi/dong-da/ga-ha-noi',
    name: 'Ga Hà Nội',
    venue: 'train_station',
    region: 'ha-noi/dong-da/van-mieu',
    hours: allWeek('06:00', '22:00'),
  },
] as const;

export const SCREENS = [
  { id: 'scr-bk-1', site: SITES[0].id, name: 'Sảnh chính' },
  { id: 'scr-bk-2', site: SITES[1].id, name: 'Quầy một cửa' },
  { id: 'scr-ga-1', site: SITES[2].id, name: 'Phòng chờ A' },
  { id: 'scr-ga-2', site: SITES[2].id, name: 'Phòng chờ B' },
] as const;

/** Completed plays per screen and day; scr-ga-2 goes dark on 05/09 (a silent day). */
export function playsFor(screenId: string, date: string): number {
  if (screenId === 'scr-ga-2' && date === '2024-09-05') return 0;
  const day = Number(date.slice(8));
  return screenId === 'scr-bk-1' ? 9 + (day % 3) : screenId === 'scr-ga-1' ? 12 : 10;
}

export async function seedWorld(app: FastifyInstance): Promise<void> {
  const r = app.repos;
  r.regions.upsert({ id: 'ha-noi', parent_id: null, name: 'Hà Nội', level: 'city', source: 'test' });
  r.regions.upsert({
    id: 'ha-noi/hai-ba-trung',
    parent_id: 'ha-noi',
    name: 'Hai Bà Trưng',
    level: 'district',
    source: 'test',
  });
  r.regions.upsert({
    id: 'ha-noi/hai-ba-trung/bach-khoa',
    parent_id: 'ha-noi/hai-ba-trung',
    name: 'Bách Khoa',
    level: 'ward',
    source: 'test',
  });
  r.regions.upsert({
    id: 'ha-noi/dong-da',
    parent_id: 'ha-noi',
    name: 'Đống Đa',
    level: 'district',
    source: 'test',
  });
  r.regions.upsert({
    id: 'ha-noi/dong-da/van-mieu',
    parent_id: 'ha-noi/dong-da',
    name: 'Văn Miếu',
    level: 'ward',
    source: 'test',
  });
  for (const s of SITES) {
    r.sites.put({
      id: s.id,
      name: s.name,
      venue_type: s.venue,
      address: `${s.name}, Hà Nội`,
      region_id: s.region,
      time_zone: ZONE,
      opening_hours: JSON.stringify(s.hours),
      peak_profile: null,
      moving: 0,
      source: 'test',
    });
  }
  r.media.add(
    {
      sha256: MEDIA,
      mime_type: 'video/mp4',
      duration_ms: 15_000,
      bytes: 1000,
      original_name: 'ihanoi-promo.mp4',
    },
    'test',
  );
  const peak = Array.from({ length: 168 }, (_, i) => (i % 24 >= 8 && i % 24 < 11 ? 3 : 1));
  r.campaigns.put({
    id: CAMPAIGN,
    name: 'Phát video iHanoi – Công dân Thủ đô số',
    name_en: 'iHanoi promo',
    media_sha256: MEDIA,
    first_day: FIRST,
    last_day: LAST,
    time_zone: ZONE,
    target_per_day: 10,
    average_basis: 'operating_day',
    make_good_cap_pct: 50,
    peak_profiles: JSON.stringify({ government_office: peak, citizen_reception: peak, train_station: peak }),
    venue_defaults: JSON.stringify({ train_station: { openingHours: allWeek('06:00', '22:00') } }),
    participants: JSON.stringify({ regions: ['ha-noi'], sites: [], venueTypes: [] }),
    source: 'test',
  });
  // Screens are paired the day before the period, so every day of it counts toward targets.
  const saved = app.clock.now();
  (app.clock as unknown as { set(ms: number): void }).set(zonedToInstant(addDays(FIRST, -1), '12:00', ZONE));
  for (const s of SCREENS) {
    r.screens.create({ id: s.id, siteId: s.site, name: s.name }, 'test');
    r.screens.setTokenHash(s.id, createHash('sha256').update(s.id).digest('hex'));
  }
  (app.clock as unknown as { set(ms: number): void }).set(saved);
}

/**
 * Connection sessions for the seeded week, as the gateway would have written them: every screen
 * connected from pairing to the end of the period, except that scr-ga-2 dropped at the start of
 * 05/09 (its dark day) and came back at the start of 06/09.
 */
export function seedSessions(app: FastifyInstance): void {
  const paired = zonedToInstant(addDays(FIRST, -1), '12:00', ZONE);
  const end = zonedToInstant(addDays(LAST, 1), '00:00', ZONE);
  const darkFrom = zonedToInstant('2024-09-05', '00:00', ZONE);
  const darkTo = zonedToInstant('2024-09-06', '00:00', ZONE);
  app.repos.screenSessions.insertClosed(
    SCREENS.flatMap(
      (
        s,
      ): {
        screen_id: string;
        connected_at_ms: number;
        disconnected_at_ms: number;
        reason: SessionEndReason;
      }[] =>
        s.id === 'scr-ga-2'
          ? [
              {
                screen_id: s.id,
                connected_at_ms: paired,
                disconnected_at_ms: darkFrom,
                reason: 'heartbeat_missed',
              },
              { screen_id: s.id, connected_at_ms: darkTo, disconnected_at_ms: end, reason: 'closed' },
            ]
          : [{ screen_id: s.id, connected_at_ms: paired, disconnected_at_ms: end, reason: 'closed' }],
    ),
  );
}

/**
 * Plays for every screen and day of the period, spread over the site's open hours, each screen's
 * records chained with real hashes. `brokenScreen` gets a stored 'gap' status on its third play
 * (as ingest would have flagged it); `tampered` is a play whose content differs from what was
 * hashed, as if edited in the database after upload.
 */
export function seedPlays(
  app: FastifyInstance,
  opts: { brokenScreen?: string; tampered?: { screen: string; seq: number } } = {},
): number {
  const rows: PlayInsert[] = [];
  const seal = (row: PlayInsert, prev: string): string => {
    row.prev_hash = prev;
    row.hash = hashPlayRecord(rowToRecord(row));
    if (opts.tampered && opts.tampered.screen === row.screen_id && opts.tampered.seq === row.seq)
      row.seconds_shown += 5;
    return row.hash;
  };
  for (const s of SCREENS) {
    const site = SITES.find((x) => x.id === s.site)!;
    let seq = 0;
    let prev = GENESIS_HASH;
    for (const date of eachDate(FIRST, LAST)) {
      const n = playsFor(s.id, date);
      const ranges =
        (site.hours as unknown as Record<string, readonly (readonly string[])[]>)[
          ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][
            (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7
          ]!
        ] ?? [];
      const open = ranges[0] ?? ['09:00', '17:00'];
      const startH = Number(open[0]!.slice(0, 2));
      const span = Math.max(1, Number(open[1]!.slice(0, 2)) - startH);
      for (let i = 0; i < n; i++) {
        const hour = startH + (i % span);
        const start = zonedToInstant(date, hour * 60 + 5 + Math.floor(i / span), ZONE);
        seq++;
        const row: PlayInsert = {
          play_id: randomUUID(),
          screen_id: s.id,
          site_id: s.site,
          campaign_id: CAMPAIGN,
          media_sha256: MEDIA,
          plan_item_id: null,
          planned_at: null,
          planned_ms: null,
          started_at: toIsoWithOffset(start, ZONE),
          started_ms: start,
          ended_at: toIsoWithOffset(start + 15_000, ZONE),
          ended_ms: start + 15_000,
          seconds_shown: 15,
          outcome: 'completed',
          reason: null,
          player_version: '1.0.0',
          seq,
          prev_hash: '',
          hash: '',
          chain_status: opts.brokenScreen === s.id && seq === 3 ? 'gap' : 'ok',
          local_date: date,
          local_hour: hour,
          in_peak: hour >= 8 && hour < 11 ? 1 : 0,
          received_at_ms: start + 60_000,
        };
        prev = seal(row, prev);
        rows.push(row);
      }
      // One failed play per day at the station: counted as "not completed", never as a play.
      if (s.id === 'scr-ga-1') {
        const start = zonedToInstant(date, 21 * 60 + 30, ZONE);
        seq++;
        const row: PlayInsert = {
          ...rows[rows.length - 1]!,
          play_id: randomUUID(),
          started_at: toIsoWithOffset(start, ZONE),
          started_ms: start,
          ended_at: toIsoWithOffset(start + 2000, ZONE),
          ended_ms: start + 2000,
          seconds_shown: 2,
          outcome: 'failed',
          reason: 'decode error',
          seq,
          chain_status: 'ok',
          local_date: date,
          local_hour: 21,
          in_peak: 0,
        };
        prev = seal(row, prev);
        rows.push(row);
      }
    }
  }
  return app.repos.reports.insertPlays(rows);
}

export async function createUser(
  app: FastifyInstance,
  u: {
    username: string;
    role: Role;
    password: string;
    displayName?: string;
    sites?: string[];
    regions?: string[];
    mustChange?: boolean;
  },
): Promise<string> {
  const id = `u-${u.username}`;
  app.repos.users.insert({
    id,
    username: u.username,
    display_name: u.displayName ?? u.username,
    role: u.role,
    password_hash: await hashPassword(u.password),
    must_change_password: u.mustChange ? 1 : 0,
    created_at_ms: app.clock.now(),
  });
  app.repos.users.replaceScopes(id, [
    ...(u.sites ?? []).map((ref_id) => ({ kind: 'site' as const, ref_id })),
    ...(u.regions ?? []).map((ref_id) => ({ kind: 'region' as const, ref_id })),
  ]);
  return id;
}

export async function login(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  return res.json<{ token: string }>().token;
}

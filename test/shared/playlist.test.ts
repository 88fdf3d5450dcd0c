import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HOURS_PER_WEEK, PeakProfile } from '../../shared/schemas/domain.ts';
import { weightAtLocal } from '../../shared/peak.ts';
import { expandPeakProfile, PeakProfileSpec } from '../../shared/schemas/playlist.ts';
import {
  formatPlaylistErrors,
  parsePlaylistFiles,
  type MediaFacts,
  type PlaylistError,
  type PlaylistFileText,
} from '../../shared/playlist-parse.ts';

const root = fileURLToPath(new URL('../../playlists/', import.meta.url));
const REGIONS = 'playlists/regions-hanoi-2024.json';
const CAMPAIGN = 'playlists/ihanoi-2024.json';
const regionsText = readFileSync(`${root}regions-hanoi-2024.json`, 'utf8');
const campaignText = readFileSync(`${root}ihanoi-2024.json`, 'utf8');
const promo = readFileSync(`${root}media/ihanoi-promo.mp4`);
const testClip = readFileSync(`${root}media/test-clip.webm`);

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

const media: Record<string, MediaFacts> = {
  'media/ihanoi-promo.mp4': { sha256: sha256(promo), bytes: promo.length },
  'media/test-clip.webm': { sha256: sha256(testClip), bytes: testClip.length },
};

function realFiles(): PlaylistFileText[] {
  return [
    { name: REGIONS, text: regionsText },
    { name: CAMPAIGN, text: campaignText },
  ];
}

function parseReal() {
  const r = parsePlaylistFiles(realFiles(), { media });
  if (!r.ok) throw new Error(formatPlaylistErrors(r.errors));
  return r;
}

/** The real campaign file with one change, re-serialised as people write it (2-space JSON). */
function withCampaign(change: (c: any) => void): PlaylistFileText[] {
  const c = JSON.parse(campaignText);
  change(c);
  return [
    { name: REGIONS, text: regionsText },
    { name: CAMPAIGN, text: JSON.stringify(c, null, 2) },
  ];
}

function errorsOf(files: PlaylistFileText[], opts = { media }): PlaylistError[] {
  const r = parsePlaylistFiles(files, opts);
  if (r.ok) throw new Error('expected the playlist files to be refused');
  return r.errors;
}

function siteIndex(id: string): number {
  const i = (JSON.parse(campaignText).sites as { id: string }[]).findIndex((s) => s.id === id);
  if (i < 0) throw new Error(`no site ${id}`);
  return i;
}

describe('the committed playlists/ files', () => {
  it('parse together without errors, with the media digest checked', () => {
    const r = parsePlaylistFiles(realFiles(), { media });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('describe the iHanoi campaign with the window and target the city ordered', () => {
    const [c, ...rest] = parseReal().campaigns;
    expect(rest).toHaveLength(0);
    expect(c).toMatchObject({
      id: 'ihanoi-2024',
      firstDay: '2024-08-17',
      lastDay: '2024-10-10',
      timeZone: 'Asia/Ho_Chi_Minh',
      targetPerDay: 10,
      averageBasis: 'operating_day',
      media: { file: 'media/ihanoi-promo.mp4', mimeType: 'video/mp4', durationSeconds: 15 },
    });
    expect(c!.name.vi).toContain('iHanoi');
  });

  it('hold the 2024 region tree: 30 district-level units and Hai Bà Trưng with its 18 wards', () => {
    const { regions } = parseReal();
    const districts = regions.filter((r) => r.parentId === 'ha-noi');
    expect(districts).toHaveLength(30);
    expect(districts.filter((d) => d.name.startsWith('Quận '))).toHaveLength(12);
    expect(districts.filter((d) => d.name.startsWith('Thị xã '))).toHaveLength(1);
    expect(districts.filter((d) => d.name.startsWith('Huyện '))).toHaveLength(17);
    const hbtWards = regions.filter((r) => r.parentId === 'ha-noi/hai-ba-trung');
    expect(hbtWards).toHaveLength(18);
    expect(hbtWards.map((w) => w.name)).toContain('Phường Bách Khoa');
    // Parents come before their children so the loader can insert in order.
    const seen = new Set<string>();
    for (const r of regions) {
      if (r.parentId) expect(seen.has(r.parentId)).toBe(true);
      seen.add(r.id);
    }
  });

  it('list at least 30 sites across at least 6 venue types, including the venues the letters name', () => {
    const { sites } = parseReal().campaigns[0]!;
    expect(sites.length).toBeGreaterThanOrEqual(30);
    expect(new Set(sites.map((s) => s.venueType)).size).toBeGreaterThanOrEqual(6);
    const byId = new Map(sites.map((s) => [s.id, s]));
    expect(byId.get('noi-bai-t1')?.venueType).toBe('airport');
    expect(byId.get('noi-bai-t2')?.venueType).toBe('airport');
    expect(byId.get('ga-ha-noi')?.address).toContain('120 Lê Duẩn');
    for (const name of ['Giáp Bát', 'Mỹ Đình', 'Nước Ngầm', 'Gia Lâm', 'Yên Nghĩa']) {
      expect(
        sites.some((s) => s.venueType === 'bus_station' && s.name === `Bến xe ${name}`),
        name,
      ).toBe(true);
    }
    for (const name of ['Long Biên', 'Cầu Giấy']) {
      expect(
        sites.some((s) => s.name.startsWith('Điểm trung chuyển') && s.name.includes(name)),
        name,
      ).toBe(true);
    }
    expect(sites.some((s) => s.name.includes('Bãi đỗ xe buýt'))).toBe(true);
    const hbtWardDesks = sites.filter(
      (s) =>
        s.venueType === 'citizen_reception' &&
        s.regionId.startsWith('ha-noi/hai-ba-trung/') &&
        s.name.includes('phường'),
    );
    expect(hbtWardDesks.length).toBeGreaterThanOrEqual(3);
    expect(byId.get('mot-cua-huyen-gia-lam')?.venueType).toBe('citizen_reception');
    expect(byId.get('benh-vien-bach-mai')?.venueType).toBe('hospital');
    expect(byId.get('dai-hoc-bach-khoa')?.venueType).toBe('school');
    for (const type of ['apartment_building', 'shopping_mall', 'government_office'] as const) {
      expect(
        sites.some((s) => s.venueType === type),
        type,
      ).toBe(true);
    }
  });

  it("keep a site's own IANA zone (one with daylight saving too) and default the rest to the campaign's", () => {
    const i = siteIndex('noi-bai-t2');
    const r = parsePlaylistFiles(
      withCampaign((c) => (c.sites[i].timeZone = 'Europe/Berlin')),
      { media },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const sites = r.campaigns[0]!.sites;
    expect(sites[i]!.timeZone).toBe('Europe/Berlin');
    expect(sites.filter((s) => s.timeZone === 'Asia/Ho_Chi_Minh')).toHaveLength(sites.length - 1);
  });

  it('make buses moving sites placed in the city or a district, never in a ward', () => {
    const { regions, campaigns } = parseReal();
    const level = new Map(regions.map((r) => [r.id, r.level]));
    const buses = campaigns[0]!.sites.filter((s) => s.venueType === 'bus');
    expect(buses.length).toBeGreaterThanOrEqual(2);
    for (const bus of buses) {
      expect(bus.moving).toBe(true);
      expect(['city', 'district']).toContain(level.get(bus.regionId));
    }
  });

  it('give every site 1–3 screens with unique ids, a zone and effective hours and peaks', () => {
    const { sites } = parseReal().campaigns[0]!;
    const screenIds = sites.flatMap((s) => s.screens.map((x) => x.id));
    expect(new Set(screenIds).size).toBe(screenIds.length);
    for (const s of sites) {
      expect(s.screens.length).toBeGreaterThanOrEqual(1);
      expect(s.screens.length).toBeLessThanOrEqual(3);
      expect(s.timeZone).toBe('Asia/Ho_Chi_Minh');
      expect(PeakProfile.safeParse(s.peakProfile).success, `${s.id} profile covers the week`).toBe(true);
      expect(Math.max(...s.peakProfile), `${s.id} has peak hours`).toBeGreaterThan(1);
      const openDays = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).filter(
        (d) => s.openingHours[d].length > 0,
      );
      expect(openDays.length, `${s.id} opens on some day`).toBeGreaterThan(0);
    }
  });

  it('expand every venue type default peak profile to whole steps over the week', () => {
    const { venueTypes } = parseReal().campaigns[0]!;
    const entries = Object.entries(venueTypes);
    expect(entries.length).toBeGreaterThanOrEqual(6);
    for (const [type, d] of entries) {
      expect(d.peakProfile.length % HOURS_PER_WEEK, type).toBe(0);
      expect(PeakProfile.safeParse(d.peakProfile).success, type).toBe(true);
      expect(
        d.peakProfile.every((w) => Number.isFinite(w) && w >= 0),
        type,
      ).toBe(true);
    }
  });

  it('apply venue type defaults to sites without their own settings, and keep site overrides', () => {
    const c = parseReal().campaigns[0]!;
    const viet = c.sites.find((s) => s.id === 'benh-vien-viet-duc')!;
    expect(viet.ownPeakProfile).toBeNull();
    expect(viet.ownOpeningHours).toBeNull();
    expect(viet.peakProfile).toEqual(c.venueTypes.hospital!.peakProfile);
    expect(viet.openingHours).toEqual(c.venueTypes.hospital!.openingHours);
    const t2 = c.sites.find((s) => s.id === 'noi-bai-t2')!;
    expect(t2.ownOpeningHours?.mon).toEqual([['00:00', '24:00']]);
    expect(t2.openingHours).toBe(t2.ownOpeningHours);
    expect(c.venueTypes.airport!.openingHours.mon).not.toEqual([['00:00', '24:00']]);
  });

  it('follow real-world peaks: one-stop desks at 8–10 on weekdays, buses in the commuter rush', () => {
    const c = parseReal().campaigns[0]!;
    const at = (p: readonly number[], day: number, h: number) => weightAtLocal(p, day, h * 60);
    const desk = c.venueTypes.citizen_reception!.peakProfile;
    expect(at(desk, 1, 8)).toBeGreaterThan(at(desk, 1, 11));
    expect(at(desk, 1, 14)).toBeGreaterThan(at(desk, 1, 16));
    const bus = c.venueTypes.bus!.peakProfile;
    expect(at(bus, 0, 7)).toBeGreaterThan(at(bus, 0, 12));
    expect(at(bus, 4, 17)).toBeGreaterThan(at(bus, 4, 12));
    const mall = c.venueTypes.shopping_mall!.peakProfile;
    expect(at(mall, 5, 19)).toBeGreaterThan(at(mall, 2, 15));
  });

  it('close government venues for the 2/9/2024 National Day holiday', () => {
    const c = parseReal().campaigns[0]!;
    const gov = c.sites.filter(
      (s) => s.venueType === 'government_office' || s.venueType === 'citizen_reception',
    );
    expect(gov.length).toBeGreaterThan(5);
    for (const s of gov)
      expect(s.openingHours.closedDates, s.id).toEqual(
        expect.arrayContaining(['2024-08-31', '2024-09-02', '2024-09-03']),
      );
    expect(c.venueTypes.government_office!.openingHours.mon).toEqual([
      ['08:00', '12:00'],
      ['13:30', '17:00'],
    ]);
  });
});

describe('the JSON reader', () => {
  it('reads string escapes, numbers and a byte-order mark as JSON.parse does', () => {
    const text =
      '\ufeff{"kind":"regions","schemaVersion":1.0e0,"id":"x","regions":[{"id":"x","name":"Ph\\u01b0\\u1eddng \\"A\\"\\/B\\tC","level":"ward"}]}';
    const r = parsePlaylistFiles([{ name: 'r.json', text }]);
    expect(r.ok && r.regions[0]!.name).toBe(JSON.parse(text.slice(1)).regions[0].name);
    expect(r.ok && r.regions[0]!.name).toBe('Phường "A"/B\tC');
  });
});

describe('the sample media', () => {
  it('is a small faststart H.264 MP4 whose digest the campaign records', () => {
    const c = JSON.parse(campaignText);
    expect(sha256(promo)).toBe(c.media.sha256);
    expect(promo.length).toBe(c.media.bytes);
    expect(promo.length).toBeLessThan(1024 * 1024);
    expect(promo.subarray(4, 8).toString('latin1')).toBe('ftyp');
    // faststart: the index (moov) comes before the media data so playback can start at once.
    const moov = promo.indexOf('moov', 0, 'latin1');
    const mdat = promo.indexOf('mdat', 0, 'latin1');
    expect(moov).toBeGreaterThan(0);
    expect(moov).toBeLessThan(mdat);
    expect(promo.indexOf('avc1', 0, 'latin1')).toBeGreaterThan(0);
  });

  it('includes a short WebM test clip under 200 KB', () => {
    expect(testClip.readUInt32BE(0)).toBe(0x1a45dfa3); // EBML magic
    expect(testClip.indexOf('webm', 0, 'latin1')).toBeGreaterThan(0);
    expect(testClip.length).toBeLessThan(200 * 1024);
  });
});

describe('expandPeakProfile', () => {
  const expand = (spec: unknown) => expandPeakProfile(PeakProfileSpec.parse(spec));

  it('keeps a window exact: steps as fine as its minutes need, each fully in or out', () => {
    const p = expand({ base: 1, peaks: [{ days: ['mon'], from: '07:30', to: '09:00', weight: 3 }] });
    // Half-hour steps: 06:00, 06:30, 07:00 ordinary; 07:30, 08:00, 08:30 peak; 09:00 ordinary.
    expect(p).toHaveLength(168 * 2);
    expect(p.slice(12, 19)).toEqual([1, 1, 1, 3, 3, 3, 1]);
    expect(weightAtLocal(p, 1, 8 * 60)).toBe(1); // Tuesday untouched
    const whole = expand({ peaks: [{ days: ['mon'], from: '08:00', to: '10:00', weight: 3 }] });
    expect(whole).toHaveLength(168);
  });

  it('takes the highest of overlapping windows instead of adding them', () => {
    const p = expand({
      peaks: [
        { days: ['weekdays'], from: '08:00', to: '10:00', weight: 3 },
        { days: ['fri'], from: '09:00', to: '11:00', weight: 2 },
      ],
    });
    expect(weightAtLocal(p, 4, 9 * 60)).toBe(3);
    expect(weightAtLocal(p, 4, 10 * 60)).toBe(2);
    expect(weightAtLocal(p, 5, 9 * 60)).toBe(1);
  });

  it('understands day groups and a window that ends at 24:00', () => {
    const p = expand({ base: 0.5, peaks: [{ days: ['weekend'], from: '23:45', to: '24:00', weight: 4.5 }] });
    expect(weightAtLocal(p, 5, 23 * 60 + 44)).toBe(0.5);
    expect(weightAtLocal(p, 5, 23 * 60 + 45)).toBe(4.5);
    expect(weightAtLocal(p, 6, 23 * 60 + 59)).toBe(4.5);
    expect(weightAtLocal(p, 4, 23 * 60 + 50)).toBe(0.5);
  });
});

describe('bad playlist files are refused with file, JSON path and what is expected', () => {
  it('a date that does not exist', () => {
    const errors = errorsOf(withCampaign((c) => (c.firstDay = '2024-02-30')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: CAMPAIGN, path: '$.firstDay', found: '"2024-02-30"' });
    expect(errors[0]!.expected).toContain('real calendar date');
    expect(errors[0]!.line).toBe(campaignText.split('\n').findIndex((l) => l.includes('"firstDay"')) + 1);
  });

  it('a date in the wrong format inside opening hours', () => {
    const errors = errorsOf(
      withCampaign((c) => (c.venueTypes.hospital.openingHours.closedDates = ['02/09/2024'])),
    );
    expect(errors[0]).toMatchObject({
      file: CAMPAIGN,
      path: '$.venueTypes.hospital.openingHours.closedDates[0]',
    });
    expect(errors[0]!.expected).toContain('YYYY-MM-DD');
  });

  it('an unknown venue type', () => {
    const i = siteIndex('ga-ha-noi');
    const errors = errorsOf(withCampaign((c) => (c.sites[i].venueType = 'railway')));
    expect(errors[0]).toMatchObject({ file: CAMPAIGN, path: `$.sites[${i}].venueType`, found: '"railway"' });
    expect(errors[0]!.expected).toContain('"train_station"');
  });

  it('a venue type with no defaults in the campaign', () => {
    const errors = errorsOf(withCampaign((c) => delete c.venueTypes.street_led));
    expect(errors.map((e) => e.path)).toContain(`$.sites[${siteIndex('led-nga-tu-so')}].venueType`);
    expect(errors[0]!.expected).toContain('$.venueTypes');
  });

  it('an unknown region, suggesting the full id', () => {
    const i = siteIndex('dai-hoc-bach-khoa');
    const errors = errorsOf(withCampaign((c) => (c.sites[i].region = 'bach-khoa')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: CAMPAIGN, path: `$.sites[${i}].region` });
    expect(errors[0]!.expected).toContain('"ha-noi/hai-ba-trung/bach-khoa"');
  });

  it('a moving site placed in a ward', () => {
    const i = siteIndex('xe-buyt-tuyen-01');
    const errors = errorsOf(withCampaign((c) => (c.sites[i].region = 'ha-noi/long-bien/ngoc-lam')));
    expect(errors[0]).toMatchObject({ path: `$.sites[${i}].region` });
    expect(errors[0]!.expected).toContain('moving site');
  });

  it('a duplicate site id and a duplicate screen id', () => {
    const errors = errorsOf(
      withCampaign((c) => {
        c.sites.push({ ...c.sites[0], screens: [{ id: 'extra/1', name: 'X' }] });
        c.sites[1].screens[0].id = c.sites[2].screens[0].id;
      }),
    );
    const last = JSON.parse(campaignText).sites.length;
    expect(errors.map((e) => e.path)).toEqual(
      expect.arrayContaining([`$.sites[${last}].id`, '$.sites[2].screens[0].id']),
    );
    expect(errors.find((e) => e.path === `$.sites[${last}].id`)!.expected).toContain('unique site id');
  });

  it('a site id that another campaign file already uses', () => {
    const other = JSON.parse(campaignText);
    other.id = 'other-campaign';
    other.sites = [other.sites[0]];
    other.sites[0].screens = [{ id: 'other/1', name: 'Khác' }];
    const errors = errorsOf([
      ...realFiles(),
      { name: 'playlists/other.json', text: JSON.stringify(other, null, 2) },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'playlists/other.json', path: '$.sites[0].id' });
    expect(errors[0]!.expected).toContain(CAMPAIGN);
  });

  it('a last day before the first day', () => {
    const errors = errorsOf(withCampaign((c) => (c.lastDay = '2024-08-01')));
    expect(errors[0]).toMatchObject({ path: '$.lastDay' });
    expect(errors[0]!.expected).toContain('2024-08-17');
  });

  it('an opening interval that ends before it starts, and a misspelt weekday', () => {
    const i = siteIndex('noi-bai-t2');
    const errors = errorsOf(
      withCampaign((c) => {
        c.sites[i].openingHours.mon = [['22:00', '06:00']];
        c.sites[i].openingHours.Tue = [];
      }),
    );
    expect(errors.map((e) => e.path)).toEqual([
      `$.sites[${i}].openingHours.mon[0]`,
      `$.sites[${i}].openingHours.Tue`,
    ]);
    expect(errors[0]!.expected).toContain('before its end');
    expect(errors[1]!.expected).toContain('"Tue"');
  });

  it('only the root cause when a malformed time also breaks the interval order', () => {
    const i = siteIndex('noi-bai-t2');
    const errors = errorsOf(withCampaign((c) => (c.sites[i].openingHours.mon = [['8:00', '17:00']])));
    expect(errors.map((e) => e.path)).toEqual([`$.sites[${i}].openingHours.mon[0][0]`]);
    expect(errors[0]).toMatchObject({ found: '"8:00"' });
  });

  it('a peak window with a bad time and a bad day', () => {
    const errors = errorsOf(
      withCampaign(
        (c) =>
          (c.venueTypes.bus.peakProfile.peaks[0] = {
            days: ['monday'],
            from: '7:30',
            to: '09:00',
            weight: 3,
          }),
      ),
    );
    expect(errors.map((e) => e.path)).toEqual([
      '$.venueTypes.bus.peakProfile.peaks[0].days[0]',
      '$.venueTypes.bus.peakProfile.peaks[0].from',
    ]);
    expect(errors[1]!.expected).toContain('HH:MM');
  });

  it('a media file whose bytes do not match the recorded sha256', () => {
    const errors = errorsOf(realFiles(), {
      media: { 'media/ihanoi-promo.mp4': { sha256: 'f'.repeat(64), bytes: promo.length } },
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: CAMPAIGN, path: '$.media.sha256' });
    expect(errors[0]!.expected).toContain('f'.repeat(64));
  });

  it('a media file that is missing', () => {
    const errors = errorsOf(realFiles(), { media: {} });
    expect(errors[0]).toMatchObject({ file: CAMPAIGN, path: '$.media.file' });
  });

  it('malformed JSON, with line and column', () => {
    const broken = campaignText.replace('"targetPerDay": 10,', '"targetPerDay": 10,,');
    const line = broken.split('\n').findIndex((l) => l.includes('"targetPerDay"')) + 1;
    const errors = errorsOf([
      { name: REGIONS, text: regionsText },
      { name: CAMPAIGN, text: broken },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: CAMPAIGN, path: '$', line });
    expect(errors[0]!.column).toBe(broken.split('\n')[line - 1]!.indexOf(',,') + 2);
    expect(errors[0]!.expected).toContain('valid JSON');
  });

  it('a trailing comma and a repeated key are JSON errors too', () => {
    const trailing = errorsOf([{ name: 'a.json', text: '{\n  "kind": "regions",\n}' }]);
    expect(trailing[0]).toMatchObject({ file: 'a.json', line: 3, column: 1 });
    expect(trailing[0]!.found).toContain('trailing comma');
    const twice = errorsOf([{ name: 'b.json', text: '{ "kind": "regions", "kind": "campaign" }' }]);
    expect(twice[0]).toMatchObject({ file: 'b.json', line: 1, column: 22 });
    expect(twice[0]!.found).toContain('appears twice');
  });

  it('a file of unknown kind or schema version', () => {
    expect(errorsOf([{ name: 'x.json', text: '{ "kind": "playlist" }' }])[0]).toMatchObject({
      path: '$.kind',
    });
    const v2 = errorsOf([
      { name: REGIONS, text: regionsText.replace('"schemaVersion": 1', '"schemaVersion": 2') },
    ]);
    expect(v2[0]).toMatchObject({ path: '$.schemaVersion' });
    expect(v2[0]!.expected).toContain('"schemaVersion": 1');
  });

  it('a region id that does not extend its parent id', () => {
    const errors = errorsOf([
      { name: REGIONS, text: regionsText.replace('"ha-noi/hai-ba-trung/bach-khoa"', '"bach-khoa"') },
    ]);
    expect(errors[0]!.path).toMatch(/^\$\.regions\[0\]\.children\[\d+\]\.children\[0\]\.id$/);
    expect(errors[0]!.expected).toContain('ha-noi/hai-ba-trung/');
  });

  it('a missing required field and an unknown time zone', () => {
    const i = siteIndex('ga-ha-noi');
    const errors = errorsOf(
      withCampaign((c) => {
        delete c.sites[i].address;
        c.sites[i].timeZone = 'Mars/Olympus_Mons';
      }),
    );
    expect(errors.map((e) => e.path)).toEqual([`$.sites[${i}].address`, `$.sites[${i}].timeZone`]);
    expect(errors[0]!.found).toBe('nothing (the field is missing)');
    expect(errors[1]!.expected).toContain('IANA time zone');
  });

  it('formats errors for the console with file:line:column, path, expected and found', () => {
    const errors = errorsOf(withCampaign((c) => (c.targetPerDay = 'ten')));
    const text = formatPlaylistErrors(errors);
    expect(text).toContain('Cannot load playlists/: 1 error.');
    expect(text).toMatch(new RegExp(`${CAMPAIGN.replace(/[./]/g, '\\$&')}:\\d+:\\d+  \\$\\.targetPerDay`));
    expect(text).toContain('expected: a number');
    expect(text).toContain('found: "ten"');
  });
});

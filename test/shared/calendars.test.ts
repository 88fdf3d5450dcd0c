/**
 * Calendars as data: closed dates (public holidays, school breaks) declared once in the campaign
 * file for venue types, regions or sites, with a name, and applied to each site's hours.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatPlaylistErrors, parsePlaylistFiles, type MediaFacts } from '../../shared/playlist-parse.ts';
import { campaignTargets, operatingDays } from '../../server/scheduler/index.ts';
import { planCampaignFromPlaylist, planSitesFromPlaylist } from '../../server/scheduler/from-playlist.ts';

const root = fileURLToPath(new URL('../../playlists/', import.meta.url));
const regionsText = readFileSync(`${root}regions-hanoi-2024.json`, 'utf8');
const campaignText = readFileSync(`${root}ihanoi-2024.json`, 'utf8');
const media: Record<string, MediaFacts> = Object.fromEntries(
  ['media/ihanoi-promo.mp4', 'media/test-clip.webm'].map((f) => {
    const b = readFileSync(`${root}${f}`);
    return [f, { sha256: createHash('sha256').update(b).digest('hex'), bytes: b.length }];
  }),
);

interface CampaignDoc {
  closures: object[];
  averageBasis: string;
}

function parse(change?: (c: CampaignDoc) => void) {
  const c = JSON.parse(campaignText) as CampaignDoc;
  change?.(c);
  const r = parsePlaylistFiles(
    [
      { name: 'playlists/regions-hanoi-2024.json', text: regionsText },
      { name: 'playlists/ihanoi-2024.json', text: JSON.stringify(c, null, 2) },
    ],
    { media },
  );
  if (!r.ok) throw new Error(formatPlaylistErrors(r.errors));
  return r.campaigns[0]!;
}

const site = (c: ReturnType<typeof parse>, id: string) => c.sites.find((s) => s.id === id)!;

describe('closed dates from the campaign calendar', () => {
  it('National Day: offices and one-stop desks closed 31/08–03/09/2024, named; transport and malls open', () => {
    const c = parse();
    const holiday = c.closures.find((x) => x.from === '2024-08-31')!;
    expect(holiday).toMatchObject({ to: '2024-09-03' });
    expect(holiday.name.vi).toContain('Quốc khánh');
    for (const id of ['ubnd-thanh-pho', 'mot-cua-phuong-bach-khoa', 'mot-cua-quan-hai-ba-trung'])
      expect(site(c, id).openingHours.closedDates, id).toEqual(
        expect.arrayContaining(['2024-08-31', '2024-09-01', '2024-09-02', '2024-09-03']),
      );
    for (const id of ['ga-ha-noi', 'noi-bai-t2', 'vincom-ba-trieu', 'xe-buyt-tuyen-86', 'led-nga-tu-so'])
      expect(site(c, id).openingHours.closedDates, id).not.toContain('2024-09-02');
  });

  it('schools: closed for the summer break until the school year opens on Thu 05/09/2024', () => {
    const c = parse();
    const plan = planCampaignFromPlaylist(c);
    const school = planSitesFromPlaylist(c).find((s) => s.id === 'thpt-tran-phu-hoan-kiem')!;
    const t = Object.fromEntries(campaignTargets(plan, school).map((d) => [d.date, d.target]));
    expect(t['2024-08-19']).toBe(0);
    expect(t['2024-09-04']).toBe(0);
    expect(t['2024-09-05']).toBe(10);
    expect(site(c, 'thpt-tran-phu-hoan-kiem').openingHours.closedDates).toContain('2024-08-26');
  });

  it('one-stop desks open on Saturday morning by default (their profile has a Saturday peak)', () => {
    const c = parse();
    expect(c.venueTypes.citizen_reception!.openingHours.sat.length).toBeGreaterThan(0);
    const plan = planCampaignFromPlaylist(c);
    const desk = planSitesFromPlaylist(c).find((s) => s.id === 'mot-cua-phuong-bach-mai')!;
    const t = Object.fromEntries(campaignTargets(plan, desk).map((d) => [d.date, d.target]));
    expect(t['2024-09-07']).toBe(10); // a Saturday
    expect(t['2024-08-31']).toBe(0); // the Saturday of the holiday
  });

  it('a closure can name a region (its whole subtree) or single sites', () => {
    const c = parse((doc) => {
      doc.closures.push(
        {
          name: { vi: 'Mất điện khu vực', en: 'Area power cut' },
          from: '2024-09-20',
          to: '2024-09-20',
          regions: ['ha-noi/hai-ba-trung'],
        },
        {
          name: { vi: 'Sửa sảnh', en: 'Lobby works' },
          from: '2024-09-25',
          to: '2024-09-26',
          sites: ['ga-ha-noi'],
        },
      );
    });
    expect(site(c, 'vincom-ba-trieu').openingHours.closedDates).toContain('2024-09-20');
    expect(site(c, 'mot-cua-phuong-bach-khoa').openingHours.closedDates).toContain('2024-09-20');
    expect(site(c, 'ga-ha-noi').openingHours.closedDates).not.toContain('2024-09-20');
    expect(site(c, 'ga-ha-noi').openingHours.closedDates).toEqual(['2024-09-25', '2024-09-26']);
    expect(site(c, 'vincom-ba-trieu').closures).toContainEqual({
      date: '2024-09-20',
      name: { vi: 'Mất điện khu vực', en: 'Area power cut' },
    });
  });

  it('the calendar-day average counts a closed date as a non-operating day', () => {
    const c = parse((doc) => (doc.averageBasis = 'calendar_day'));
    const plan = planCampaignFromPlaylist(c);
    const desk = planSitesFromPlaylist(c).find((s) => s.id === 'mot-cua-phuong-bach-mai')!;
    const open = operatingDays(plan, desk);
    expect(open).not.toContain('2024-09-02');
    const t = campaignTargets(plan, desk);
    expect(t.find((d) => d.date === '2024-09-02')!.target).toBe(0);
    // 10 × 55 calendar days, spread over the days it is really open.
    expect(t.reduce((s, d) => s + d.target, 0)).toBe(550);
  });

  it('refuses a closure that names an unknown region or site, or ends before it starts', () => {
    const bad = (closure: object) => () =>
      parse((doc) => {
        doc.closures.push({ name: { vi: 'x', en: 'x' }, ...closure });
      });
    expect(bad({ from: '2024-09-20', to: '2024-09-19' })).toThrow(/to/);
    expect(bad({ from: '2024-09-20', to: '2024-09-20', regions: ['ha-noi/nowhere'] })).toThrow(/region/);
    expect(bad({ from: '2024-09-20', to: '2024-09-20', sites: ['no-such-site'] })).toThrow(/site/);
  });
});

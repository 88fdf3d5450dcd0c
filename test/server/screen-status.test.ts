/**
 * GET /screens/status names what plays (campaign and video, not a hash), says since when a
 * screen is offline, and raises a warning for a wrong clock, a full disk, missing media and an
 * outdated player; the event stream sends a screen's new status when it changes, only to readers
 * whose scope holds the screen's site.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAMPAIGN_INSTANT, type TestServer } from '../helpers/server.ts';
import { ADMIN_PASSWORD, type Client, login, startSeededServer, userClient } from '../helpers/api.ts';
import { waitFor } from './ws/fixtures.ts';

describe('live screen status', () => {
  let s: TestServer;
  let admin: Client;
  let staff: Client;
  beforeAll(async () => {
    s = await startSeededServer();
    admin = await login(s, 'admin', ADMIN_PASSWORD);
    staff = await userClient(s, 'staff.ga', 'venue_staff', [{ kind: 'site', id: 'ga-ha-noi' }]);
  });
  afterAll(() => s.close());

  it('names what plays and warns about clock, disk, media and version', async () => {
    const campaign = s.app.repos.campaigns.list()[0]!;
    const media = s.app.repos.media.get(campaign.media_sha256!)!;
    const pairing = s.app.repos.pairing;
    mkdirSync(join(s.dataDir, 'updates'), { recursive: true });
    writeFileSync(join(s.dataDir, 'updates', 'latest.yml'), 'version: 0.2.0\npath: x.exe\n');
    pairing.status(
      'ga-ha-noi/1',
      CAMPAIGN_INSTANT,
      '0.1.0',
      JSON.stringify({
        playerVersion: '0.1.0',
        currentItem: {
          itemId: 'x',
          playId: 'p',
          startedAt: CAMPAIGN_INSTANT - 5000,
          campaignId: campaign.id,
          mediaSha256: media.sha256,
        },
        cache: { ready: 0, needed: 1, bytesDone: 0, bytesTotal: 10 },
        freeDiskBytes: 200 * 1024 ** 2,
        clockOffsetMs: -816 * 86_400_000,
      }),
    );
    const r = await staff.get('/api/v1/screens/status');
    expect(r.status).toBe(200);
    expect(r.body.items.every((i: { siteId: string }) => i.siteId === 'ga-ha-noi')).toBe(true);
    const one = r.body.items.find((i: { screenId: string }) => i.screenId === 'ga-ha-noi/1');
    expect(one.status).toBe('online');
    expect(one.nowPlaying.label).toBe(`${campaign.name} — ${media.original_name}`);
    expect(one.nowPlaying.label).not.toMatch(/[0-9a-f]{16}/);
    expect(one.warnings.map((w: { code: string }) => w.code).sort()).toEqual([
      'CLOCK_OFFSET',
      'LOW_DISK',
      'MISSING_MEDIA',
      'OUTDATED_PLAYER',
    ]);
    const clock = one.warnings.find((w: { code: string }) => w.code === 'CLOCK_OFFSET');
    expect(clock.message).toContain('nhanh 816 ngày');
    expect(clock.message).toContain('816 days ahead');

    // Offline: since the last contact.
    pairing.offline('ga-ha-noi/1');
    const off = (await staff.get('/api/v1/screens/status')).body.items.find(
      (i: { screenId: string }) => i.screenId === 'ga-ha-noi/1',
    );
    expect(off.status).toBe('offline');
    expect(off.offlineSince).toBe(new Date(CAMPAIGN_INSTANT).toISOString());
    expect(off.nowPlaying).toBeNull();
  });

  it('streams a change to readers in scope, and not to others', async () => {
    const open = async (c: Client) => {
      const ctl = new AbortController();
      const res = await fetch(`${s.url}/api/v1/screens/status/stream`, {
        headers: { authorization: `Bearer ${c.token}` },
        signal: ctl.signal,
      });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      const events: { event: string; data: any }[] = [];
      const pump = (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            text += new TextDecoder().decode(value);
            let i;
            while ((i = text.indexOf('\n\n')) >= 0) {
              const block = text.slice(0, i);
              text = text.slice(i + 2);
              const ev = /^event: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
            }
          }
        } catch {
          // aborted
        }
      })();
      return { events, close: () => ctl.abort(), pump };
    };
    const mine = await open(staff);
    const all = await open(admin);
    const head = await userClient(s, 'head.other', 'office_head', [{ kind: 'site', id: 'noi-bai-t1' }]);
    const other = await open(head);
    // Events, not time: each wait ends when the stream delivered; the bound only stops a
    // stream that never does (generous, for a loaded machine).
    const wait = (what: string, fn: () => boolean) => waitFor(what, fn, 15_000, 20);
    await wait('ready', () => [mine, all, other].every((x) => x.events.some((e) => e.event === 'ready')));
    s.app.repos.pairing.seen('ga-ha-noi/1', CAMPAIGN_INSTANT + 1000, '0.1.0');
    s.app.events.emit('screen-changed', { screenId: 'ga-ha-noi/1' });
    s.app.repos.pairing.seen('noi-bai-t1/1', CAMPAIGN_INSTANT + 1000, '0.1.0');
    s.app.events.emit('screen-changed', { screenId: 'noi-bai-t1/1' });
    await wait('staff event', () => mine.events.some((e) => e.event === 'screen'));
    await wait('admin events', () => all.events.filter((e) => e.event === 'screen').length >= 2);
    await wait('other head event', () => other.events.some((e) => e.event === 'screen'));
    expect(mine.events.filter((e) => e.event === 'screen').map((e) => e.data.screenId)).toEqual([
      'ga-ha-noi/1',
    ]);
    expect(mine.events.find((e) => e.event === 'screen')!.data.status).toBe('online');
    expect(other.events.filter((e) => e.event === 'screen').map((e) => e.data.screenId)).toEqual([
      'noi-bai-t1/1',
    ]);
    for (const x of [mine, all, other]) x.close();
  });
});

/**
 * The venue's loop over the API and the player protocol: who may edit it, that an edit reaches
 * the stored plan, that a v2 player gets the loop (and its media) while a v1 player gets exactly
 * the spots-only plan, and that a loop play is stored apart from every campaign.
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { frameText } from '#server/ws/frame-text.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { hashRecord } from '#player/core/journal.ts';
import {
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  stopServerAndRemoveDirs,
  T0,
  waitFor,
  type RestartableServer,
} from './ws/fixtures.ts';

const JPG = readFileSync('playlists/media/loop-notice.jpg');
const JPG_SHA = createHash('sha256').update(JPG).digest('hex');
const SITE = 'ubnd-bach-khoa';
const SCREEN = 'scr-loop-1';

let server: RestartableServer;
let playerDir: string;
let videoSha: string;
let token: string;

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
  const db = server.db!;
  seedSite(db);
  seedSite(db, 'ga-ha-noi');
  videoSha = seedMedia(db, server.dataDir).sha256;
  seedCampaign(db, videoSha);
  db.prepare(`UPDATE campaigns SET participants = ? WHERE id = 'ihanoi-2024'`).run(
    JSON.stringify({ sites: [SITE], regions: [], venueTypes: [] }),
  );
  mkdirSync(join(server.dataDir, 'media'), { recursive: true });
  copyFileSync('playlists/media/loop-notice.jpg', join(server.dataDir, 'media', JPG_SHA));
  db.prepare(
    `INSERT INTO media (sha256, kind, mime_type, duration_ms, bytes, name, original_name, width, height, created_at_ms)
     VALUES (?, 'image', 'image/jpeg', 10000, ?, 'Thông báo', 'loop-notice.jpg', 640, 360, ?)`,
  ).run(JPG_SHA, JPG.length, T0);
  db.prepare(
    `INSERT INTO screens (id, site_id, name, status, created_at_ms, paired_at_ms) VALUES (?, ?, 'Sảnh', 'offline', ?, ?)`,
  ).run(SCREEN, SITE, T0, T0);
  token = randomToken();
  server.app!.repos.screens.setTokenHash(SCREEN, hashToken(token));
});

afterEach(async () => {
  await stopServerAndRemoveDirs(server, playerDir);
});

const api = (t: string, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${t}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : null,
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

/** A raw player socket speaking protocol `v`: hello, pull, and the plan it gets. */
async function pullPlan(v: 1 | 2): Promise<{ plan: any; ws: WebSocket; messages: any[] }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/player`);
  const messages: any[] = [];
  ws.on('message', (m) => messages.push(JSON.parse(frameText(m))));
  await new Promise((r) => ws.once('open', r));
  ws.send(
    JSON.stringify({
      type: 'hello',
      v,
      screenId: SCREEN,
      token,
      playerVersion: 't',
      cachedMedia: [],
      clock: T0,
    }),
  );
  await waitFor('welcome', () => messages.find((m) => m.type === 'welcome'));
  ws.send(JSON.stringify({ type: 'pull', v }));
  const plan = await waitFor('plan', () => messages.find((m) => m.type === 'plan'));
  return { plan, ws, messages };
}

describe('the venue loop', () => {
  it('venue staff edit the loop of their own site only; auditors read; unknown media is refused', async () => {
    const staff = seedUser(server.db!, 'venue_staff', [SITE]);
    const auditor = seedUser(server.db!, 'auditor', []);
    const body = {
      items: [{ mediaSha256: JPG_SHA, durationMs: 8000 }, { mediaSha256: videoSha }],
      resume: 'resume',
    };
    const put = await api(staff.token, 'PUT', `/api/v1/sites/${SITE}/loop`, body);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      siteId: SITE,
      screenId: null,
      resume: 'resume',
      outsideHours: 'idle',
      cycleMs: 18_000,
      items: [
        { mediaSha256: JPG_SHA, durationMs: 8000, kind: 'image', name: 'Thông báo' },
        // A video shows for its whole length whatever is asked.
        { mediaSha256: videoSha, durationMs: 10_000, kind: 'video' },
      ],
    });
    expect((await api(staff.token, 'PUT', `/api/v1/sites/ga-ha-noi/loop`, body)).status).toBe(403);
    expect((await api(auditor.token, 'PUT', `/api/v1/sites/${SITE}/loop`, body)).status).toBe(403);
    expect((await api(auditor.token, 'GET', `/api/v1/sites/${SITE}/loop`)).body.items).toHaveLength(2);
    const bad = await api(staff.token, 'PUT', `/api/v1/sites/${SITE}/loop`, {
      items: [{ mediaSha256: 'a'.repeat(64) }],
    });
    expect(bad.status).toBe(400);
    // A screen inherits the site's loop until it gets its own; the library says where it is used.
    const inherited = await api(staff.token, 'GET', `/api/v1/screens/${SCREEN}/loop`);
    expect(inherited.body).toMatchObject({ inherited: true, screenId: SCREEN });
    await api(staff.token, 'PUT', `/api/v1/screens/${SCREEN}/loop`, { items: [{ mediaSha256: JPG_SHA }] });
    const own = await api(staff.token, 'GET', `/api/v1/screens/${SCREEN}/loop`);
    expect(own.body).toMatchObject({ inherited: false, items: [{ durationMs: 10_000 }] });
    const info = await api(staff.token, 'GET', `/api/v1/media/${JPG_SHA}/info`);
    expect(info.body.usedBy).toEqual([
      { kind: 'loop', siteId: SITE, siteName: expect.any(String), screenId: null, screenName: null },
      { kind: 'loop', siteId: SITE, siteName: expect.any(String), screenId: SCREEN, screenName: 'Sảnh' },
    ]);
    expect((await api(staff.token, 'DELETE', `/api/v1/screens/${SCREEN}/loop`)).status).toBe(200);
    expect((await api(staff.token, 'GET', `/api/v1/screens/${SCREEN}/loop`)).body.inherited).toBe(true);
  });

  it('a v2 player gets the loop, open hours and loop media in its plan; a v1 player the spots-only plan', async () => {
    const manager = seedUser(server.db!, 'campaign_manager', []);
    server.app!.plans.replan();
    const { plan: v1Before, ws: w0 } = await pullPlan(1);
    w0.close();
    const put = await api(manager.token, 'PUT', `/api/v1/sites/${SITE}/loop`, {
      items: [{ mediaSha256: JPG_SHA, durationMs: 5000 }],
      outsideHours: 'dark',
    });
    expect(put.status).toBe(200);
    await server.app!.plans.idle();
    const { plan: v2, ws: w2, messages } = await pullPlan(2);
    w2.close();
    expect(messages.every((m) => m.v === 2)).toBe(true);
    const today = v2.days.find((d: any) => d.date === '2024-09-05');
    expect(today.loop).toEqual({
      items: [{ mediaSha256: JPG_SHA, durationMs: 5000 }],
      resume: 'next',
      outsideHours: 'dark',
    });
    // Thursday 07:00–17:00 in Hà Nội.
    expect(today.open).toEqual([
      [Date.parse('2024-09-05T07:00:00+07:00'), Date.parse('2024-09-05T17:00:00+07:00')],
    ]);
    expect(today.items.length).toBeGreaterThan(0);
    expect(v2.media.map((m: any) => m.sha256).sort()).toEqual([JPG_SHA, videoSha].sort());
    expect(v2.media.find((m: any) => m.sha256 === JPG_SHA).mimeType).toBe('image/jpeg');

    const { plan: v1, ws: w1, messages: m1 } = await pullPlan(1);
    w1.close();
    expect(m1.every((m) => m.v === 1)).toBe(true);
    expect(v1.days.every((d: any) => !('loop' in d) && !('open' in d))).toBe(true);
    expect(v1.media.map((m: any) => m.sha256)).toEqual([videoSha]);
    // The loop edit changed no spot: a v1 player's days are what they were.
    expect(v1.days.map((d: any) => d.items)).toEqual(v1Before.days.map((d: any) => d.items));
  });

  it("a site's day preview lays the loop around the stored plan's spots; scope and screen are checked", async () => {
    const staff = seedUser(server.db!, 'venue_staff', [SITE]);
    const put = await api(staff.token, 'PUT', `/api/v1/sites/${SITE}/loop`, {
      items: [{ mediaSha256: JPG_SHA, durationMs: 7000 }],
    });
    expect(put.status).toBe(200);
    const res = await api(staff.token, 'GET', `/api/v1/sites/${SITE}/day-preview?date=2024-09-05`);
    expect(res.status).toBe(200);
    const p = res.body;
    expect(p).toMatchObject({
      planned: true,
      screenId: SCREEN,
      timeZone: 'Asia/Ho_Chi_Minh',
      resume: 'next',
    });
    const stored = server.app!.repos.plans.plansFrom(SCREEN, '2024-09-05')[0]!;
    const items = (JSON.parse(stored.plan) as { items: { id: string; start: number; end: number }[] }).items;
    expect(items.length).toBeGreaterThan(0);
    // Every spot of the stored plan, at its planned second; no loop showing overlaps one.
    expect(p.spots.map((s: any) => [s.id, s.start, s.end])).toEqual(
      items.map((i) => [i.id, i.start, i.end]).sort((a, b) => Number(a[1]) - Number(b[1])),
    );
    for (const s of p.spots) expect(p.loop.some((l: any) => l.start < s.end && s.start < l.end)).toBe(false);
    // The loop runs from the opening, 7 s a showing, and a spot inside the day cuts one.
    expect(p.loop[0]).toMatchObject({ start: Date.parse('2024-09-05T07:00:00+07:00'), name: 'Thông báo' });
    const inside = p.spots.find((s: any) => s.start > p.open[0][0]);
    expect(inside.cuts).toBe('Thông báo');
    expect(inside.resumesWith).toEqual({ name: 'Thông báo', offsetMs: 0 });
    expect(
      (await api(staff.token, 'GET', `/api/v1/sites/ga-ha-noi/day-preview?date=2024-09-05`)).status,
    ).toBe(403);
    const other = await api(
      staff.token,
      'GET',
      `/api/v1/sites/${SITE}/day-preview?date=2024-09-05&screenId=nope`,
    );
    expect(other.status).toBe(404);
    const later = await api(staff.token, 'GET', `/api/v1/sites/${SITE}/day-preview?date=2025-01-01`);
    expect(later.body).toMatchObject({ planned: false, spots: [], loop: [] });
    // An office head edits and previews their own sites only, like venue staff.
    const head = seedUser(server.db!, 'office_head', ['ga-ha-noi']);
    const loop = { items: [{ mediaSha256: JPG_SHA }] };
    expect((await api(head.token, 'PUT', `/api/v1/sites/ga-ha-noi/loop`, loop)).status).toBe(200);
    expect((await api(head.token, 'PUT', `/api/v1/sites/${SITE}/loop`, loop)).status).toBe(403);
    expect((await api(head.token, 'GET', `/api/v1/sites/${SITE}/day-preview?date=2024-09-05`)).status).toBe(
      403,
    );
    // ga-ha-noi has no screen: nothing planned, said so.
    const empty = await api(head.token, 'GET', `/api/v1/sites/ga-ha-noi/day-preview?date=2024-09-05`);
    expect(empty.body).toMatchObject({ planned: false, screenId: null });
  });

  it('stores a loop play apart from every campaign, in the same hash chain', async () => {
    const manager = seedUser(server.db!, 'campaign_manager', []);
    await api(manager.token, 'PUT', `/api/v1/sites/${SITE}/loop`, { items: [{ mediaSha256: JPG_SHA }] });
    server.app!.plans.replan();
    const { ws, messages } = await pullPlan(2);
    const base = {
      screenId: SCREEN,
      mediaSha256: JPG_SHA,
      plannedAt: '2024-09-05T07:50:00+07:00',
      startedAt: '2024-09-05T07:50:00+07:00',
      endedAt: '2024-09-05T07:50:05+07:00',
      secondsShown: 5,
      outcome: 'completed' as const,
      reason: null,
      playerVersion: 't',
    };
    const first: Omit<PlayRecord, 'hash'> = {
      ...base,
      playId: randomUUID(),
      campaignId: null,
      kind: 'loop',
      planItemId: 'loop:2024-09-05:1:0',
      seq: 1,
      prevHash: GENESIS_HASH,
    };
    const r1 = { ...first, hash: hashRecord(first) };
    const second: Omit<PlayRecord, 'hash'> = {
      ...base,
      playId: randomUUID(),
      campaignId: 'ihanoi-2024',
      mediaSha256: videoSha,
      planItemId: null,
      plannedAt: null,
      seq: 2,
      prevHash: r1.hash,
    };
    const r2 = { ...second, hash: hashRecord(second) };
    ws.send(JSON.stringify({ type: 'plays', v: 2, batchId: 'b1', records: [r1, r2] }));
    const ack = await waitFor('ack', () =>
      messages.find((m) => m.type === 'plays_ack' && m.batchId === 'b1'),
    );
    ws.close();
    expect(ack.acked).toHaveLength(2);
    const rows = server.db!.prepare('SELECT kind, campaign_id, chain_status FROM plays ORDER BY seq').all();
    expect(rows).toEqual([
      { kind: 'loop', campaign_id: '', chain_status: 'ok' },
      { kind: 'spot', campaign_id: 'ihanoi-2024', chain_status: 'ok' },
    ]);
    // The auditor's re-walk of the chain agrees.
    const verify = await api(manager.token, 'POST', `/api/v1/screens/${SCREEN}/proof/verify`);
    expect(verify.status).toBe(200);
    expect(JSON.stringify(verify.body)).not.toMatch(/mismatch|"gap"/);
  });
});

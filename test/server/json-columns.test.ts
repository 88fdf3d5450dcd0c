/**
 * JSON columns are read through one zod-checked mapper each: a corrupt value in a real SQLite
 * file fails with the table, column and row named, not as a value of the wrong type further on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptColumnError } from '#server/repositories/json-column.ts';
import { planJson } from '#server/repositories/plans.ts';
import { toPlanSite } from '#server/services/plan-inputs.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seedCampaign, seedMedia, seedSite, seedUser } from './ws/fixtures.ts';

let srv: TestServer;
let manager: { id: string; token: string };

beforeEach(async () => {
  srv = await startTestServer();
  seedSite(srv.db, 'ubnd-bach-khoa');
  seedCampaign(srv.db, seedMedia(srv.db, srv.dataDir, 1024).sha256);
  manager = seedUser(srv.db, 'campaign_manager', []);
});
afterEach(async () => srv.close());

const get = (path: string) =>
  fetch(srv.url + path, { headers: { authorization: `Bearer ${manager.token}` } }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as Record<string, unknown>,
  }));

/** The error a read of the row throws, or null. */
function caught(read: () => unknown): CorruptColumnError | null {
  try {
    read();
    return null;
  } catch (err) {
    if (err instanceof CorruptColumnError) return err;
    throw err;
  }
}

describe('a corrupt JSON column', () => {
  it('that is not JSON names the column and the row', async () => {
    expect((await get('/api/v1/sites/ubnd-bach-khoa')).status).toBe(200);
    srv.db
      .prepare('UPDATE sites SET opening_hours = \'{"mon": [["07:00"\' WHERE id = \'ubnd-bach-khoa\'')
      .run();

    const err = caught(() => toPlanSite(srv.app.repos.plans.site('ubnd-bach-khoa')!));
    expect(err?.column).toBe('sites.opening_hours');
    expect(err?.rowKey).toBe('ubnd-bach-khoa');
    expect(err?.message).toMatch(
      /Corrupt data in column sites\.opening_hours of row "ubnd-bach-khoa": .*not JSON/,
    );
    // The API answers with an error, not a site with made-up hours.
    const r = await get('/api/v1/sites/ubnd-bach-khoa');
    expect(r.status).toBe(500);
    expect(r.body).not.toHaveProperty('openingHours');
  });

  it('that is JSON of the wrong shape says what is wrong, and the re-plan fails with it', () => {
    // Valid JSON, but a weight per day instead of per hour, and a string where a number belongs.
    srv.db
      .prepare(`UPDATE sites SET peak_profile = '[1, 2, "3", 4, 5, 6, 7]' WHERE id = 'ubnd-bach-khoa'`)
      .run();
    srv.db
      .prepare(
        `INSERT INTO screens (id, site_id, name, status, created_at_ms, paired_at_ms) VALUES ('scr-1', 'ubnd-bach-khoa', 'Sảnh', 'online', ?, ?)`,
      )
      .run(srv.clock.now(), srv.clock.now());

    const err = caught(() => srv.app.plans.replan());
    expect(err?.column).toBe('sites.peak_profile');
    expect(err?.problem).toMatch(/wrong shape/);
    expect(err?.problem).toMatch(/expected number/);
    // Nothing was planned from the corrupt row.
    expect(srv.app.repos.plans.plansFrom('scr-1', '2000-01-01')).toEqual([]);
  });

  it('in a campaign says which campaign, and participation is not guessed', () => {
    srv.db.prepare(`UPDATE campaigns SET participants = '{"sites": "all"}' WHERE id = 'ihanoi-2024'`).run();
    const err = caught(() => srv.app.repos.campaigns.participatingSiteIds('ihanoi-2024'));
    expect(err?.column).toBe('campaigns.participants');
    expect(err?.rowKey).toBe('ihanoi-2024');
  });

  it('a stored plan day is checked too, in both its formats', () => {
    const item = { id: 'it-1', mediaSha256: 'a'.repeat(64), start: 1, end: 2, peak: false };
    // The first format (items alone) and the current one read the same.
    expect(planJson.day(JSON.stringify([item]), 'scr-1/2024-09-05').items).toEqual([item]);
    expect(planJson.day(JSON.stringify({ items: [item], campaigns: [] }), 'scr-1/2024-09-05').items).toEqual([
      item,
    ]);
    const err = caught(() =>
      planJson.day(JSON.stringify({ items: [{ ...item, start: 'soon' }] }), 'scr-1/2024-09-05'),
    );
    expect(err?.message).toMatch(/screen_plans\.plan of row "scr-1\/2024-09-05"/);
  });
});

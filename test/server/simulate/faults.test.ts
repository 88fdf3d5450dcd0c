/**
 * `npm run simulate -- --faults FILE` (issue 12): each example fault file of simulate/faults/,
 * and a second raise on the day of a make-good, run over the few days around its faults with a
 * small fleet of real player cores on the real WebSocket. For every screen the plays it owed
 * (its raise history), the plays its plans asked for and the plays stored must add up: every
 * owed play delivered, every planned play delivered or lost to a fault, every lost play planned
 * again as a make-good, and no play stored twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parseFaults, simulate, type FaultSpec, type SimSummary } from '#server/simulate/engine.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PLAYLISTS = join(ROOT, 'playlists');
const OFFICE = 'mot-cua-phuong-bach-khoa';
const MALL = 'aeon-mall-long-bien';

type Row = Record<string, string>;
interface Run {
  summary: SimSummary;
  rows: Row[];
}

function readCsv(file: string): Row[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

function exampleFile(name: string): FaultSpec[] {
  return parseFaults(JSON.parse(readFileSync(join(ROOT, 'simulate', 'faults', name), 'utf8')) as unknown);
}

/** The campaign file with only these sites, in a playlists dir of its own. */
function playlistsWith(dir: string, sites: string[]): string {
  const out = join(dir, `playlists-${sites.join('+')}`);
  mkdirSync(join(out, 'media'), { recursive: true });
  copyFileSync(join(PLAYLISTS, 'regions-hanoi-2024.json'), join(out, 'regions-hanoi-2024.json'));
  copyFileSync(join(PLAYLISTS, 'media', 'ihanoi-promo.mp4'), join(out, 'media', 'ihanoi-promo.mp4'));
  const campaign = JSON.parse(readFileSync(join(PLAYLISTS, 'ihanoi-2024.json'), 'utf8')) as {
    sites: Array<{ id: string }>;
  };
  campaign.sites = campaign.sites.filter((s) => sites.includes(s.id));
  expect(campaign.sites.length).toBe(sites.length);
  writeFileSync(join(out, 'ihanoi-2024.json'), JSON.stringify(campaign));
  return out;
}

/** Every screen: owed = delivered, planned = owed + make-goods, make-goods = plays lost. */
function expectAccountsBalance(run: Run): void {
  const { summary, rows } = run;
  expect(summary.perScreen.length).toBeGreaterThan(0);
  for (const x of summary.perScreen) {
    const mine = rows.filter((r) => r.screen_id === x.screenId);
    const lost = mine.reduce((n, r) => n + Math.max(0, Number(r.target) - Number(r.played)), 0);
    expect({
      screen: x.screenId,
      delivered: x.delivered,
      planned: x.planned,
      makeGoods: x.makeGoods,
    }).toEqual({
      screen: x.screenId,
      delivered: x.owed,
      planned: x.owed + x.makeGoods,
      makeGoods: lost,
    });
    // A screen never plays above a day's plan either (nothing counted twice).
    for (const r of mine)
      expect(Number(r.played), `${x.screenId} ${r.date}`).toBeLessThanOrEqual(Number(r.target));
  }
  expect(summary.totals.delivered).toBe(summary.totals.owed);
  expect(summary.totals.planned).toBe(summary.totals.owed + summary.totals.makeGoods);
  expect(summary.duplicatePlays).toBe(0);
  expect(summary.chainBroken).toBe(0);
  expect(summary.overall.outsideHours).toBe(0);
  expect(summary.overall.outsideWindow).toBe(0);
}

describe('simulate --faults (a few days around each fault file)', () => {
  let dir: string;
  const runs = new Map<string, Run>();

  const kept: string[] = [];

  async function run(
    name: string,
    sites: string[],
    faults: FaultSpec[],
    from: string,
    until: string,
    keepData = false,
  ) {
    const csv = join(dir, `${name}.csv`);
    const summary = await simulate({
      playlistsDir: playlistsWith(dir, sites),
      faults,
      from,
      until,
      failRate: 0,
      csv,
      log: () => {},
      keepData,
    });
    if (keepData) kept.push(summary.dataDir);
    runs.set(name, { summary, rows: readCsv(csv) });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ihanoi-faults-'));
    // Each run is its own server, clock and players; they wait on sockets more than they compute.
    await Promise.all([
      run('two-raises', [OFFICE], exampleFile('two-raises-outage.json'), '2024-09-16', '2024-09-28'),
      // A second raise on a day that carries make-goods (the office was off the day before).
      run(
        'same-day',
        [OFFICE],
        [
          {
            kind: 'outage',
            screen: `${OFFICE}/1`,
            from: '2024-09-17T00:00:00+07:00',
            to: '2024-09-18T00:00:00+07:00',
          },
          { kind: 'raise', site: OFFICE, at: '2024-09-18T09:00:00+07:00', perDay: 15 },
          { kind: 'raise', site: OFFICE, at: '2024-09-18T15:00:00+07:00', perDay: 20 },
        ],
        '2024-09-16',
        '2024-09-26',
      ),
      run('restart', [MALL], exampleFile('restart-before-upload.json'), '2024-09-18', '2024-09-22'),
      run('clock', [MALL], exampleFile('clock-offsets.json'), '2024-09-18', '2024-09-20'),
      run('killed', [MALL], exampleFile('killed-mid-upload.json'), '2024-09-18', '2024-09-21'),
      // Its database is kept, to count the stored rows themselves.
      run('server-cut', [MALL], exampleFile('restart-mid-upload.json'), '2024-09-16', '2024-09-18', true),
    ]);
  }, 100_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const d of kept) rmSync(d, { recursive: true, force: true });
  });

  it('two raises and an outage: each day owed at the raise in force that day, all of it delivered', () => {
    const r = runs.get('two-raises')!;
    expectAccountsBalance(r);
    const base = new Map(r.rows.map((x) => [x.date!, Number(x.base_target)]));
    // Raised to 15 on Mon 16/09 at 14:00 (the whole day counts), to 20 on Thu 19/09; the
    // lowering to 8 on 23/09 is refused. The second raise keeps 16–18/09 at 15.
    expect([16, 17, 18].map((d) => base.get(`2024-09-${d}`))).toEqual([15, 15, 15]);
    expect([19, 20, 21, 23, 28].map((d) => base.get(`2024-09-${d}`))).toEqual([20, 20, 20, 20, 20]);
    expect(base.get('2024-09-22')).toBe(0); // Sunday: closed
    expect(r.rows.find((x) => x.date === '2024-09-17')).toMatchObject({ played: '0', fault: 'outage' });
    // The 15 plays of the day off came back as make-goods on the days after it.
    expect(r.summary.totals.makeGoods).toBe(15);
    expect(r.summary.faults.some((f) => f.includes('lowering to 8 refused'))).toBe(true);
  });

  it('a second raise on a day with make-goods keeps them', () => {
    const r = runs.get('same-day')!;
    expectAccountsBalance(r);
    const day = r.rows.find((x) => x.date === '2024-09-18')!;
    expect(Number(day.base_target)).toBe(20);
    expect(Number(day.make_good)).toBeGreaterThan(0);
    expect(Number(day.target)).toBe(20 + Number(day.make_good));
    expect(Number(day.played)).toBe(Number(day.target));
    expect(r.summary.totals.makeGoods).toBe(10);
  });

  it('a server restart before the upload makes no make-good a screen does not owe', () => {
    const r = runs.get('restart')!;
    expectAccountsBalance(r);
    for (const x of r.summary.perScreen) {
      // Only the screen that was off during the restart lost plays; the others uploaded late.
      if (x.screenId === `${MALL}/1`) expect(x.makeGoods).toBeGreaterThan(0);
      else expect(x.makeGoods, x.screenId).toBe(0);
    }
  });

  it('players whose PC clock is minutes or years off play and are counted on the server time', () => {
    const r = runs.get('clock')!;
    expectAccountsBalance(r);
    expect(r.summary.clockRestarts).toBe(4);
    // Nothing refused as future or unknown: every screen delivered each day's plan.
    for (const x of r.rows.filter((x) => !x.fault))
      expect(x.played, `${x.screen_id} ${x.date}`).toBe(x.target);
  });

  it('a player killed after its batch is stored and before the ack sends it again, counted once', () => {
    const r = runs.get('killed')!;
    expectAccountsBalance(r);
    expect(r.summary.killedMidUpload).toBe(4);
    expect(r.summary.resentRecords).toBeGreaterThanOrEqual(4);
    // A kill can cut short the play on screen (the next one starting as the last one ended):
    // at most one lost play per kill, made good like any other.
    expect(r.summary.totals.makeGoods).toBeLessThanOrEqual(r.summary.killedMidUpload);
  });

  it('a server stopped after a batch is stored and before its ack gets it again from the player, stored once', () => {
    const r = runs.get('server-cut')!;
    expectAccountsBalance(r);
    // Both restarts happened (one back at once, one after 30 min of offline play), and after each
    // the player sent the cut batch's records again to the new server and was acked.
    expect(r.summary.serverRestartsMidUpload).toBe(2);
    expect(r.summary.ackedAfterServerRestart).toBe(2);
    expect(r.summary.resentRecords).toBeGreaterThanOrEqual(2);
    // The server lost nothing and kept no play twice: each screen's journal, 1..n, is stored
    // exactly once, and nothing was refused into the quarantine.
    const db = new Database(join(r.summary.dataDir, 'signage.db'), { readonly: true });
    try {
      for (const screen of [`${MALL}/1`, `${MALL}/2`]) {
        const x = db
          .prepare<[string], { rows: number; seqs: number; last: number }>(
            'SELECT COUNT(*) AS rows, COUNT(DISTINCT seq) AS seqs, MAX(seq) AS last FROM plays WHERE screen_id = ?',
          )
          .get(screen)!;
        expect(x.rows, screen).toBeGreaterThan(0);
        expect({ screen, rows: x.rows, seqs: x.seqs }).toEqual({ screen, rows: x.last, seqs: x.last });
        const delivered = r.summary.perScreen.find((p) => p.screenId === screen)!;
        expect(delivered.delivered, screen).toBe(delivered.owed);
      }
      expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM plays_quarantine').get()!.n).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('the fault file format', () => {
  it('takes every example file', () => {
    for (const name of [
      'two-raises-outage.json',
      'restart-before-upload.json',
      'clock-offsets.json',
      'killed-mid-upload.json',
      'restart-mid-upload.json',
    ])
      expect(exampleFile(name).length, name).toBeGreaterThan(0);
  });

  it.each([
    [{}, /list|array/i],
    [[{ kind: 'meteor', screen: 'x' }], /fault 1/],
    [
      [{ kind: 'outage', screen: 'x', from: '2024-09-17T00:00:00', to: '2024-09-18T00:00:00+07:00' }],
      /fault 1 \(from\)/,
    ],
    [
      [{ kind: 'clock_offset', screen: 'x', at: '2024-09-17T00:00:00+07:00', offsetMs: 0 }],
      /fault 1 \(offsetMs\)/,
    ],
    [[{ kind: 'clock_offset', screen: 'x', at: '2024-09-17T00:00:00+07:00', offsetMs: 1.5 }], /offsetMs/],
    [[{ kind: 'killed_mid_upload', screen: 'x', at: '2024-09-31T00:00:00+07:00' }], /fault 1 \(at\)/],
    [[{ kind: 'raise', site: 'x', at: '2024-09-17T10:00:00+07:00', perDay: 0 }], /perDay/],
    [[{ kind: 'restart_mid_upload', screen: 'x', at: '2024-09-17T10:00:00' }], /fault 1 \(at\)/],
    [
      [{ kind: 'restart_mid_upload', screen: 'x', at: '2024-09-17T10:00:00+07:00', downMs: -1 }],
      /fault 1 \(downMs\): at least 0 ms/,
    ],
    [
      [{ kind: 'restart_mid_upload', screen: 'x', at: '2024-09-17T10:00:00+07:00', downMs: 90_000_000 }],
      /fault 1 \(downMs\): at most a day/,
    ],
    [[{ kind: 'restart_mid_upload', screen: '', at: '2024-09-17T10:00:00+07:00' }], /fault 1 \(screen\)/],
    [[{ kind: 'restart', down: '2024-09-17T10:00:00+07:00', up: '2024-09-17T09:00:00+07:00' }], /fault 1/],
    [
      [{ kind: 'outage', screen: 'x', from: '2024-09-17T00:00:00Z', to: '2024-09-18T00:00:00Z', extra: 1 }],
      /fault 1/,
    ],
  ])('refuses %j, naming the fault', (json, message) => {
    expect(() => parseFaults(json)).toThrow(message);
  });
});

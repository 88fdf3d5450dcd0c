import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import type { PlayerCore } from '#player/core/index.ts';
import { FakeDisplay } from '../../player/core/fake-display.ts';
import {
  items,
  seedCampaign,
  seedMedia,
  seedSite,
  seedUser,
  startServerWithPlayerDir,
  startTestCore,
  stopServerAndRemoveDirs,
  storePlan,
  T0,
  waitFor,
  type RestartableServer,
  type SeededMedia,
} from './fixtures.ts';

let server: RestartableServer;
let core: PlayerCore | null = null;
let display: FakeDisplay | null = null;
let playerDir: string;
let media: SeededMedia;
let playerClock: VirtualClock;
const DATE = '2024-09-05';

beforeEach(async () => {
  ({ server, playerDir } = await startServerWithPlayerDir());
  seedSite(server.db!);
  media = seedMedia(server.db!, server.dataDir);
  seedCampaign(server.db!, media.sha256);
  playerClock = new VirtualClock(T0);
});

afterEach(async () => {
  display?.close();
  display = null;
  await core?.stop();
  core = null;
  await stopServerAndRemoveDirs(server, playerDir);
});

async function provisioningFile() {
  const staff = seedUser(server.db!, 'venue_staff', ['ubnd-bach-khoa']);
  const res = await fetch(`${server.url}/api/v1/screens/provision`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ siteId: 'ubnd-bach-khoa' }),
  });
  return res.json();
}

/** What the core logged, for waiting on what it did instead of sleeping. */
let logged: Array<{ msg: string; data?: Record<string, unknown> }> = [];

async function startCore(provisioning?: unknown): Promise<PlayerCore> {
  logged = [];
  core = await startTestCore(server.url, playerDir, {
    clock: playerClock,
    ...(provisioning ? { provisioning: provisioning as never } : {}),
    tickMs: 30,
    log: (_level, msg, data) => void logged.push({ msg, ...(data ? { data } : {}) }),
  });
  return core;
}

async function pairedCore(): Promise<string> {
  await startCore(await provisioningFile());
  await waitFor('enrolled', () => core!.snapshot().connected);
  return core!.snapshot().screenId!;
}

function publish(screenId: string, version: number, list: ReturnType<typeof items>): void {
  storePlan(server.db!, screenId, DATE, version, list);
  server.app!.events.emit('plans-updated', { screenIds: [screenId] });
}

describe('plan pull and push', () => {
  // How fast a push arrives is a figure for `npm run bench` (bench/push.ts), not for this test.
  it('pulls the plan with its media, applies a pushed change, and never goes back a version', async () => {
    const screenId = await pairedCore();
    publish(screenId, 1, items(media.sha256, [T0 + 60_000, T0 + 600_000]));
    await waitFor(
      'plan v1 and media',
      () => core!.snapshot().planVersion === 1 && core!.snapshot().cache.done === 1,
    );
    const cached = readFileSync(join(playerDir, 'media', media.sha256));
    expect(cached.equals(media.bytes)).toBe(true);

    publish(screenId, 2, items(media.sha256, [T0 + 120_000], 10_000, 'v2'));
    await waitFor('plan v2', () => core!.snapshot().planVersion === 2);
    const onDisk = JSON.parse(readFileSync(join(playerDir, 'plan.json'), 'utf8')) as {
      version: number;
      days: { items: { id: string }[] }[];
    };
    expect(onDisk.version).toBe(2);
    expect(onDisk.days[0]!.items.map((i) => i.id)).toEqual([`v2-0-${T0 + 120_000}`]);

    // An older version announced later reaches the player, which keeps the newer one.
    publish(screenId, 1, items(media.sha256, [T0 + 60_000]));
    await waitFor('the older plan refused', () =>
      logged.some((l) => l.msg === 'ignored an older plan version' && l.data?.['got'] === 1),
    );
    expect(core!.snapshot().planVersion).toBe(2);
    // v1 can arrive twice (pushed, and as the answer to the pull every welcome sends), in an
    // order that depends on the machine's load: what must hold is that the versions applied
    // never go down.
    const applied = logged.filter((l) => l.msg === 'plan applied').map((l) => l.data?.['version'] as number);
    const fromV1 = applied.slice(applied.indexOf(1));
    expect([...new Set(fromV1)]).toEqual([1, 2]);
    expect(fromV1).toEqual([...fromV1].sort((a, b) => a - b));

    // The screen's status reached the server: on plan 2, with its one video cached.
    const status = await waitFor('status of plan 2', () => {
      const row = server.db!.prepare('SELECT status_json FROM screens WHERE id = ?').get(screenId) as {
        status_json: string | null;
      };
      const st = row.status_json
        ? (JSON.parse(row.status_json) as { planVersion: number; cache: { ready: number; needed: number } })
        : null;
      return st?.planVersion === 2 && st;
    });
    expect(status.cache).toMatchObject({ ready: 1, needed: 1 });
  });

  it('rejects a download whose sha256 is wrong and fetches it again once the server has the right bytes', async () => {
    const file = join(server.dataDir, 'media', media.sha256);
    const wrong = Buffer.from(media.bytes);
    wrong[1000] = wrong[1000]! ^ 0xff;
    writeFileSync(file, wrong);
    const screenId = await pairedCore();
    publish(screenId, 1, items(media.sha256, [T0 + 60_000]));
    const err = await waitFor('sha256 error', () => core!.snapshot().cache.error);
    expect(err).toMatch(/sha256/);
    expect(existsSync(join(playerDir, 'media', media.sha256))).toBe(false);
    expect(readdirSync(join(playerDir, 'media'))).toEqual([]);

    writeFileSync(file, media.bytes);
    await waitFor('re-fetched', () => core!.snapshot().cache.done === 1, 10_000);
    expect(readFileSync(join(playerDir, 'media', media.sha256)).equals(media.bytes)).toBe(true);

    // Corruption on the player's own disk is caught at the next start and fetched again.
    await core!.stop();
    const local = join(playerDir, 'media', media.sha256);
    const bad = readFileSync(local);
    bad[5] = bad[5]! ^ 0x01;
    writeFileSync(local, bad);
    await startCore();
    await waitFor(
      'repaired',
      () => core!.snapshot().cache.done === 1 && readFileSync(local).equals(media.bytes),
    );
  });
});

describe('proof of play', () => {
  it('journals plays, uploads them with site-local date, hour and peak, and keeps playing while the server is down', async () => {
    const peakStart = Date.parse('2024-09-05T08:00:30+07:00');
    const starts = [T0 + 10_000, T0 + 100_000, peakStart, peakStart + 100_000, peakStart + 200_000];
    const screenId = await pairedCore();
    publish(screenId, 1, items(media.sha256, starts));
    await waitFor('media', () => core!.snapshot().cache.done === 1);
    display = new FakeDisplay(core!.displayUrl);
    await display.opened();

    async function playThrough(start: number) {
      playerClock.set(start);
      await waitFor(`started ${start}`, () => core!.snapshot().current?.startedAt === start);
      playerClock.set(start + 10_001);
      await waitFor(`ended ${start}`, () => core!.snapshot().current === null);
    }
    await playThrough(starts[0]!);
    await playThrough(starts[1]!);
    await waitFor(
      'uploaded',
      () =>
        core!.snapshot().backlog === 0 &&
        (server.db!.prepare('SELECT COUNT(*) AS n FROM plays').get() as { n: number }).n === 2,
    );

    // Server down: the player keeps playing from its stored plan and journals the plays.
    await server.stop();
    await waitFor('offline', () => !core!.snapshot().connected);
    for (const s of starts.slice(2)) await playThrough(s);
    expect(core!.snapshot().backlog).toBe(3);
    expect(display.state?.offline).toBe(true);

    await server.start();
    await waitFor(
      'backlog uploaded',
      () => core!.snapshot().backlog === 0 && core!.snapshot().connected,
      10_000,
    );
    const rows = server
      .db!.prepare(
        'SELECT seq, outcome, site_id, local_date, local_hour, in_peak, chain_status, started_at, seconds_shown FROM plays ORDER BY seq',
      )
      .all() as Record<string, unknown>[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(
      rows.every(
        (r) =>
          r.outcome === 'completed' &&
          r.chain_status === 'ok' &&
          r.site_id === 'ubnd-bach-khoa' &&
          r.local_date === DATE,
      ),
    ).toBe(true);
    expect(rows.map((r) => r.local_hour)).toEqual([7, 7, 8, 8, 8]);
    expect(rows.map((r) => r.in_peak)).toEqual([0, 0, 1, 1, 1]);
    expect(rows[2]!.started_at).toBe('2024-09-05T08:00:30+07:00');
    expect(rows[0]!.seconds_shown).toBe(10);
    // Only acknowledged records left the journal: it now holds just the chain head.
    const lines = readFileSync(join(playerDir, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { k: string; seq?: number });
    expect(lines.filter((l) => l.k === 'rec')).toEqual([]);
    expect(lines[0]).toMatchObject({ k: 'head', seq: 5 });
  });
});

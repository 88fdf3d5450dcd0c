/**
 * The whole-campaign simulation. A real server (buildApp on a SQLite file in a RAM/temp
 * directory, listening on loopback) runs on a VirtualClock; the cron jobs, the plan service and
 * the play ingest are the server's own.
 *
 * Every screen of playlists/ runs the real player core (player/core), started already paired
 * (its credentials written the evening before), with its plan file, media cache and journal on
 * disk, over the real /ws/player WebSocket: plan -> WebSocket -> player core -> journal -> plays
 * upload -> ingest. `--players N` adds cores that enrol with a provisioning file. Only the display
 * page is a stand-in (server/simulate/players.ts), driven by this loop on the shared clock.
 *
 * `--screens N` generated screens are lightweight by default (`--real-cores` puts them on real
 * cores too): each holds the plans the server stored for it, plays each item at its planned
 * start and uploads hash-chained records (hashed with the core's `hashRecord`) through the
 * gateway's own `plays.ingest`, skipping the WebSocket hop so thousands of screens stay fast.
 *
 * Faults injected: random outages of 1-8 h (a real core is stopped and started again from its
 * data dir), one screen off for 3 whole days, a site raising its frequency at 14:00
 * mid-campaign, a server restart across a Thursday report deadline (a new app on the same SQLite
 * file and port; the cores keep playing offline and upload their backlog after), and a few
 * failed plays (the display reports a decoder error).
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { StoredPlaysBatch } from '../ws/gateway.ts';
import { VirtualClock } from '#shared/clock.ts';
import { GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';
import { WEEKDAYS, type OpeningHours, type PeakProfile, type VenueType } from '#shared/schemas/domain.ts';
import {
  eachDate,
  formatDate,
  formatDateTime,
  instantToZoned,
  localDateOf,
  minutesOfDay,
  startOfLocalDay,
  startOfNextLocalDay,
  toIsoWithOffset,
  weekdayOf,
  zonedToInstant,
} from '#shared/time.ts';
import { hashRecord } from '#player/core/journal.ts';
import { PLAYER_VERSION } from '#player/core/index.ts';
import { PROTOCOL_VERSION, type ProvisioningFile } from '#shared/schemas/protocol.ts';
import { hashToken, randomToken } from '../auth/passwords.ts';
import { startSimPlayer, waitUntil, writeCredentials, type SimPlayer } from './players.ts';
import { buildApp } from '../app.ts';
import { testConfig } from '../config.ts';
import { openDatabase, type Db } from '../db/database.ts';
import { loadPlaylists } from '../playlists/load.ts';
import type { PlaysRepository } from '../repositories/plays.ts';
import { planJson, type StoredDay } from '../repositories/plans.ts';
import { toPlanCampaign, toPlanSite } from '../services/plan-inputs.ts';
import {
  DEFAULT_SPREAD_DAYS,
  byPriority,
  checkFeasible,
  marginOf,
  priorityOf,
  operatingDays,
  profileFor,
  type PlanCampaign,
  type PlanSite,
} from '../scheduler/index.ts';
import type { FaultSpec } from './faults.ts';
import { peakShareOf, weightedPieces, profileSlices, openIntervals } from '../scheduler/day.ts';

export interface SimOptions {
  playlistsDir: string;
  /** Generate this many screens over the playlist's sites instead of using the playlist's. */
  screens?: number;
  seed?: number;
  /** Probability that a screen has an outage (1–8 h) on a given day. */
  outageRate?: number;
  /** Probability that a single play fails (recorded as failed, not counted). */
  failRate?: number;
  /** Simulate only up to this date (tests); default: the campaign's last day. */
  until?: string;
  /**
   * Start on this date instead of the first campaign's first day (tests; the screens are paired
   * the evening before it, so they owe nothing for the days before).
   */
  from?: string;
  csv?: string;
  log?: (line: string) => void;
  /** Keep the temp data directory (for inspecting the database afterwards). */
  keepData?: boolean;
  /**
   * Run the fleet's screens through real player cores over the WebSocket. Default: yes for the
   * playlist's screens, no for `screens` generated ones (those stay lightweight).
   */
  cores?: boolean;
  /** Extra screens that enrol with a provisioning file and run a real player core. Default 0. */
  players?: number;
  /**
   * Faults at chosen times (`--faults FILE`, see simulate/faults/): they replace the built-in
   * 3 days off, 14:00 raise and server restart, and the random outages unless outageRate is set.
   */
  faults?: FaultSpec[];
}

export { parseFaults, type FaultSpec } from './faults.ts';

export interface GroupFigures {
  screens: number;
  screenDays: number;
  onlineScreenDays: number;
  onlineOnTarget: number;
  allOnTarget: number;
  plays: number;
  peakPlays: number;
  /** Plan-weighted share the profiles ask for. */
  peakShareRequired: number;
  minAverage: number;
  minAverageScreen: string;
  meanAverage: number;
  /** Screens whose campaign average is below their daily target, and the plays they lack. */
  screensBelowTarget: number;
  deficitPlays: number;
  /**
   * Screens below target although the days after their last fault had room for the make-goods
   * at the cap (should be 0; a deficit from a fault on the last days is expected and listed).
   */
  unexpectedDeficitScreens: number;
  deficitNotes: string[];
  outsideWindow: number;
  outsideHours: number;
}

/** One campaign's figures on the simulated screens (several campaigns may share them). */
export interface CampaignFigures {
  campaignId: string;
  priority: number;
  /** Screens whose plans held this campaign on at least one day. */
  screens: number;
  /** Screen-days with a target for this campaign, and those delivered exactly on target. */
  screenDays: number;
  onTarget: number;
  /** Plays owed (base targets), planned (day targets with make-goods) and delivered (completed). */
  owed: number;
  planned: number;
  delivered: number;
  /** Screen-days of this campaign that had a fault (outage, failed play). */
  faultDays: number;
  /** Fault-free screen-days and those on target. */
  cleanDays: number;
  cleanOnTarget: number;
}

/** Every stored play on the simulated screens, whatever its campaign, checked pair by pair. */
export interface ScreenChecks {
  plays: number;
  /** Two plays on one screen whose times intersect. */
  overlaps: number;
  /** Consecutive plays of two different campaigns closer than the quiet margin of either. */
  crossCampaignGapViolations: number;
  /** Plays not wholly inside the site's opening hours. */
  outsideHours: number;
}

export interface SimSummary {
  campaignId: string;
  /** Every campaign that ran on the simulated screens, in planning order. */
  campaigns: CampaignFigures[];
  checks: ScreenChecks;
  first: string;
  last: string;
  byVenueType: Record<string, GroupFigures>;
  overall: GroupFigures;
  /**
   * Per screen: plays owed (the day targets from the raise history), planned (the plans' day
   * targets, make-goods included, as the day ended) and delivered (completed plays stored).
   */
  perScreen: Array<{ screenId: string; owed: number; planned: number; makeGoods: number; delivered: number }>;
  totals: { owed: number; planned: number; makeGoods: number; delivered: number };
  /**
   * Failed plays of a screen's last day in the run that nothing could make good: too late to play
   * again that day (or past the day's make-good cap), and no later day (`at` is dd/mm/yyyy HH:mm
   * in the site's zone). Owed = delivered + these, unless something else was missed.
   */
  failedNoTimeLeft: Array<{ screenId: string; at: string }>;
  faults: string[];
  /** Screens that ran a real player core, and how often a core was stopped and started again. */
  coreScreens: number;
  coreRestarts: number;
  /**
   * Play rows the server stored, by who wrote them: a player core (its own `playerVersion`) or
   * the lightweight loop ('sim-0.1.0'); and rows whose hash chain the ingest flagged.
   */
  storedByCore: number;
  storedByLightweight: number;
  chainBroken: number;
  /**
   * Stored rows that count a showing twice: a second row with the same plan item (completed) or
   * the same journal sequence number of one screen. Always 0 unless something counted twice.
   */
  duplicatePlays: number;
  /**
   * Records a player sent again although the server held them: their ack never reached it (it
   * was killed, or the server stopped, between the batch's commit and its ack).
   */
  resentRecords: number;
  /** Players killed after their plays batch was stored and before its ack (`killed_mid_upload`). */
  killedMidUpload: number;
  /** Server restarts between a plays batch's commit and its ack (`restart_mid_upload`). */
  serverRestartsMidUpload: number;
  /**
   * Of those batches, the ones whose every record the player sent again to the restarted server
   * and then held no more (acked): equal to serverRestartsMidUpload unless a resend was missing.
   */
  ackedAfterServerRestart: number;
  /** Player restarts with a PC clock off the server's (`clock_offset`). */
  clockRestarts: number;
  weeklyReports: string[];
  campaignClosed: boolean;
  elapsedMs: number;
  dataDir: string;
}

/** Small deterministic PRNG (mulberry32), so a seed reproduces a run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(rand() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface SimScreen {
  id: string;
  /** Played by a real player core (its plays arrive through the gateway), not by the loop. */
  player?: SimPlayer;
  /** How to start that player again from its data dir after it was switched off. */
  restart?: () => Promise<SimPlayer>;
  playerDown?: boolean;
  siteId: string;
  venueType: VenueType;
  zone: string;
  seq: number;
  prevHash: string;
  /** The plans this player holds (date -> day), as of its last pull. */
  held: Map<string, StoredDay>;
  /** Records not yet uploaded (the server was down). */
  backlog: PlayRecord[];
  /** This PC's clock minus the server's (a `clock_offset` fault); 0 for a right clock. */
  pcOffsetMs: number;
}

interface ScreenDay {
  target: number;
  baseTarget: number;
  makeGood: number;
  played: number;
  peak: number;
  fault: string;
}

interface Running {
  url: string;
  app: FastifyInstance;
  db: Db;
  /** Built from the app's db exactly as the player gateway builds it. */
  plays: PlaysRepository;
}

export async function simulate(opts: SimOptions): Promise<SimSummary> {
  const t0 = performance.now();
  const log = opts.log ?? ((l: string) => console.log(l));
  const rand = prng(opts.seed ?? 20240817);
  const outageRate = opts.outageRate ?? 0.03;
  const failRate = opts.failRate ?? 0.005;
  // A RAM disk when there is one: every ingest batch is an fsync'd transaction, and a
  // simulation's database does not need to survive a power cut.
  const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ihanoi-sim-'));
  const dbFile = join(dataDir, 'signage.db');
  const clock = new VirtualClock(Date.parse('2024-08-16T12:00:00+07:00'));
  const config = testConfig({ dataDir, playlistsDir: opts.playlistsDir, cron: 'off', logLevel: 'silent' });

  // What the players' batches stored, as the gateway's `beforePlaysAck` hook sees them (once a
  // batch is durable, before its ack leaves): play ids seen, to count the records a player sent
  // again; and the faults that fall between the two (`killed_mid_upload` kills the player there,
  // `restart_mid_upload` stops the server there).
  const sentPlayIds = new Set<string>();
  let resentRecords = 0;
  let afterStored: (batch: StoredPlaysBatch, app: FastifyInstance) => Promise<void> = async () => {};
  let port = 0;
  async function startServer(): Promise<Running> {
    const { db } = openDatabase(dbFile, clock);
    // Assigned before the first batch can arrive (the app listens below).
    let self: FastifyInstance | null = null;
    const app = await buildApp({
      config,
      db,
      clock,
      hooks: {
        beforePlaysAck: async (batch) => {
          for (const id of batch.playIds) {
            if (sentPlayIds.has(id)) resentRecords++;
            else sentPlayIds.add(id);
          }
          if (self) await afterStored(batch, self);
        },
      },
    });
    self = app;
    // Real players connect to it; a restart comes back on the same port, as a real one would.
    await app.listen({ host: '127.0.0.1', port });
    const addr = app.server.address();
    if (addr && typeof addr === 'object') port = addr.port;
    return { url: `http://127.0.0.1:${port}`, app, db, plays: app.repos.plays };
  }
  let server: Running | null = await startServer();
  const srv = (): Running => {
    if (!server) throw new Error('the simulated server is down');
    return server;
  };
  // A restart comes back on the same port, so the address players hold stays valid.
  const serverUrl = server.url;

  await loadPlaylists({
    db: srv().db,
    repos: srv().app.repos,
    clock,
    playlistsDir: opts.playlistsDir,
    dataDir,
  });
  const campaignRow = srv()
    .app.repos.plans.campaigns()
    .find((c) => c.status === 'active');
  if (!campaignRow) throw new Error('playlists/ holds no active campaign to simulate');
  const campaign = toPlanCampaign(campaignRow);
  if (!campaign)
    throw new Error(`campaign ${campaignRow.id} has no video; the simulation needs its duration`);
  // Every campaign with a video shares the screens; the first in planning order leads the run.
  const allCampaigns = byPriority(
    srv()
      .app.repos.plans.campaigns()
      .filter((c) => c.status === 'active')
      .flatMap((c) => {
        const pc = toPlanCampaign(c);
        return pc ? [{ campaign: pc }] : [];
      }),
  ).map((x) => x.campaign);
  const first = opts.from && opts.from > campaign.firstDay ? opts.from : campaign.firstDay;
  const last = opts.until && opts.until < campaign.lastDay ? opts.until : campaign.lastDay;
  // The first day simulated: the campaign's, or a later one for a short run around a fault file.
  const from = opts.from && opts.from > campaign.firstDay ? opts.from : campaign.firstDay;
  if (from > last) throw new Error(`--from ${from} is after the last day simulated (${last})`);
  const participating = new Set(srv().app.repos.campaigns.participatingSiteIds(campaign.id));

  const siteRows = new Map<string, PlanSite>();
  for (const id of participating) {
    const row = srv().app.repos.plans.site(id);
    if (row) siteRows.set(id, toPlanSite(row));
  }

  // The fleet: the playlist's screens, or N generated ones spread over the same sites.
  // Paired the evening before the campaign, or at the midnight that starts a later first day (a
  // screen paired at midnight owes that whole day, and nothing before it).
  clock.set(
    from === campaign.firstDay
      ? startOfLocalDay(first, campaign.timeZone) - 3_600_000
      : startOfLocalDay(from, campaign.timeZone),
  );
  const repos = () => srv().app.repos;
  let fleetIds: string[];
  if (opts.screens) {
    for (const s of repos().plans.screens())
      repos().screens.revoke(s.id, 'simulate', 'replaced by generated screens');
    const sites = [...siteRows.keys()].sort();
    fleetIds = [];
    for (let i = 0; i < opts.screens; i++) {
      const id = `sim-${String(i + 1).padStart(6, '0')}`;
      repos().screens.create(
        { id, siteId: sites[i % sites.length]!, name: `Màn hình mô phỏng ${i + 1}`, source: 'simulate' },
        'simulate',
      );
      fleetIds.push(id);
    }
  } else {
    fleetIds = repos()
      .plans.screens()
      .filter((s) => participating.has(s.site_id))
      .map((s) => s.id);
  }
  const fleet: SimScreen[] = [];
  const useCores = opts.cores ?? !opts.screens;
  let lastProgress = 0;
  for (const [n, id] of fleetIds.entries()) {
    const row = repos().plans.screen(id)!;
    const site = siteRows.get(row.site_id)!;
    const screen: SimScreen = {
      id,
      siteId: row.site_id,
      venueType: site.venueType,
      zone: site.timeZone,
      seq: 0,
      prevHash: GENESIS_HASH,
      held: new Map(),
      backlog: [],
      pcOffsetMs: 0,
    };
    // Paired the evening before the campaign: from then on the screen owes its plays.
    if (useCores) {
      // The credentials a pairing hands over, kept in the player's data dir as a paired one does.
      const token = randomToken(32);
      repos().screens.setTokenHash(id, hashToken(token));
      const dir = join(dataDir, 'players', id);
      await writeCredentials(dir, { screenId: id, token, serverUrl });
      const start = () =>
        startSimPlayer({
          serverUrl,
          clock,
          pcOffsetMs: screen.pcOffsetMs,
          serverUp: server !== null,
          dir,
          name: id,
        });
      screen.player = await start();
      screen.restart = start;
      const now = performance.now();
      if (now - lastProgress > 1000 || n === fleetIds.length - 1) {
        log(`  … khởi động player core / starting player cores ${n + 1}/${fleetIds.length}`);
        lastProgress = now;
      }
    } else {
      repos().screens.setTokenHash(id, `sim-token-${id}`);
      repos().screens.touchSeen(id, { playerVersion: 'sim-0.1.0' });
    }
    fleet.push(screen);
  }

  // Real player cores, enrolled at sites of different venue types with provisioning files.
  const players: SimPlayer[] = [];
  if ((opts.players ?? 0) > 0) {
    ensureHead(srv().app);
    const order: VenueType[] = ['bus_station', 'hospital', 'airport', 'shopping_mall', 'citizen_reception'];
    const candidates = [...siteRows.values()].sort((x, y) => {
      const rank = (v: VenueType) => (order.indexOf(v) < 0 ? order.length : order.indexOf(v));
      return rank(x.venueType) - rank(y.venueType) || x.id.localeCompare(y.id);
    });
    const seen = new Set<VenueType>();
    const picked = [
      ...candidates.filter((c) => !seen.has(c.venueType) && seen.add(c.venueType)),
      ...candidates,
    ];
    for (let i = 0; i < opts.players!; i++) {
      const site = picked[i % picked.length]!;
      const token = randomToken(32);
      const now = clock.now();
      srv().app.repos.pairing.createEnrolment(
        hashToken(token),
        site.id,
        'Máy phát mô phỏng',
        1,
        'sim-head',
        now,
        now + 120 * 86_400_000,
      );
      const provisioning: ProvisioningFile = {
        kind: 'ihanoi-player-provisioning',
        v: PROTOCOL_VERSION,
        serverUrl: srv().url,
        siteId: site.id,
        siteName: site.id,
        enrolmentToken: token,
        uses: 1,
        expiresAt: toIsoWithOffset(now + 120 * 86_400_000, site.timeZone),
      };
      const start = () =>
        startSimPlayer({
          serverUrl,
          provisioning,
          clock,
          dir: join(dataDir, 'players', `enrolled-${i + 1}`),
          name: `Máy phát mô phỏng ${i + 1}`,
        });
      const p = await start();
      players.push(p);
      fleet.push({
        id: p.screenId,
        player: p,
        restart: start,
        siteId: site.id,
        venueType: site.venueType,
        zone: site.timeZone,
        seq: 0,
        prevHash: GENESIS_HASH,
        held: new Map(),
        backlog: [],
        pcOffsetMs: 0,
      });
    }
    srv().app.plans.replan({ screenIds: players.map((p) => p.screenId) });
  }
  const playerScreens = fleet.filter((s) => s.player);
  /** Every connected player has pulled the plan version the server holds, and has the video. */
  const playersSynced = async (which = playerScreens) => {
    for (const s of which) {
      if (s.playerDown) continue;
      const want = repos().plans.screen(s.id)?.plan_version ?? 0;
      // A plan may need no media at all (a school closed for the whole 7-day horizon, as on
      // the campaign's first day): then there is nothing to wait for in the cache.
      const stored = repos().planMessages.get(s.id);
      const media = stored ? ((JSON.parse(stored.message) as { media?: unknown[] }).media?.length ?? 0) : 1;
      await waitUntil(`player ${s.id} to pull plan version ${want}`, () => {
        const snap = s.player!.core.snapshot();
        return (
          snap.connected &&
          snap.planVersion >= want &&
          (snap.cache.total > 0 || media === 0) &&
          snap.cache.done === snap.cache.total
        );
      });
    }
  };
  const playersUploaded = async () => {
    for (const s of playerScreens)
      if (!s.playerDown)
        await waitUntil(
          `player ${s.id} to upload its plays`,
          () => s.player!.core.snapshot().connected && s.player!.core.snapshot().backlog === 0,
        );
  };
  const advanceTo = (t: number) => clock.set(Math.max(clock.now(), t));
  /**
   * Real cores that just came back report their backlog empty; that status settles their past
   * days and may re-plan them (server/cron/plan-service.ts, settled days). Waits for that to be
   * stored and planned, then for the cores to hold the new plans, and takes them as held.
   */
  const settledAndSynced = async (which: SimScreen[], date: string) => {
    const up = which.filter((s) => s.player && !s.playerDown);
    const now = clock.now();
    for (const s of up)
      await waitUntil(
        `player ${s.id} to report its backlog empty`,
        () => (repos().plans.screen(s.id)?.settled_ms ?? 0) >= now,
      );
    await srv().app.playerGateway.writer.barrier();
    await srv().app.plans.idle();
    await playersSynced(up);
    for (const s of up) pull(s, date);
  };
  let coreRestarts = 0;
  const stopCore = async (s: SimScreen) => {
    s.player!.display.close();
    await s.player!.core.stop();
    s.playerDown = true;
  };
  const startCore = async (s: SimScreen) => {
    s.player = await s.restart!();
    s.playerDown = false;
    coreRestarts++;
  };
  type CoreEvent = {
    at: number;
    kind: 'down' | 'up' | 'end' | 'start' | 'clock' | 'arm' | 'arm_restart';
    s: SimScreen;
    itemId: string;
    fail?: boolean;
    offsetMs?: number;
    downMs?: number;
  };
  const ORDER = { end: 0, down: 1, up: 2, clock: 3, arm: 4, arm_restart: 4, start: 5 } as const;
  // `killed_mid_upload`: screens whose next stored batch kills them, and those it killed.
  const armed = new Set<SimScreen>();
  const dying = new Set<SimScreen>();
  const killed = new Set<SimScreen>();
  let killedMidUpload = 0;
  let clockRestarts = 0;
  // `restart_mid_upload`: screens whose next stored batch stops the server (and for how long),
  // the batches cut that way whose records the player has not yet sent to a later server, and
  // when the server comes back (null: it is up, or down for a `restart` of the fault file).
  const armedRestart = new Map<SimScreen, number>();
  const cuts: Array<{ s: SimScreen; left: Set<string> }> = [];
  let stopping = false;
  // Only while the cores play a group of events: elsewhere the loop reads the server's tables
  // (a core restarted after an outage uploads its backlog while the loop waits for its status),
  // and a stop there would pull the database from under it. An armed batch outside is let pass.
  let cutOpen = false;
  let serverBackAt: number | null = null;
  let serverRestartsMidUpload = 0;
  let ackedAfterServerRestart = 0;
  afterStored = async (batch, app) => {
    for (const c of cuts) if (c.s.id === batch.screenId) for (const id of batch.playIds) c.left.delete(id);
    const k = [...armed].find((x) => x.id === batch.screenId);
    if (k && !k.playerDown) {
      armed.delete(k);
      dying.add(k);
      // The batch is durable; the ack has not left. The player dies now, so it never sees it.
      await stopCore(k);
      dying.delete(k);
      killed.add(k);
      killedMidUpload++;
      return;
    }
    const r = [...armedRestart.keys()].find((x) => x.id === batch.screenId);
    if (!r || !cutOpen || batch.playIds.length === 0 || !server || server.app !== app) return;
    const downMs = armedRestart.get(r)!;
    armedRestart.delete(r);
    stopping = true;
    cuts.push({ s: r, left: new Set(batch.playIds) });
    // The batch is durable; its ack has not left. The server stops now: its sockets close before
    // anything else, so the ack never reaches the player. A new app on the same file and port
    // starts `downMs` later (serverBackBy).
    const down = server;
    server = null;
    await down.app.close();
    down.db.close();
    serverBackAt = clock.now() + downMs;
    serverRestartsMidUpload++;
    stopping = false;
  };
  /** A batch cut by a server restart was sent again to the new server and acked: the player holds none of it. */
  const checkCuts = () => {
    for (const c of [...cuts]) {
      const snap = c.s.playerDown ? undefined : c.s.player?.core.snapshot();
      if (c.left.size === 0 && snap?.connected && snap.backlog === 0) {
        ackedAfterServerRestart++;
        cuts.splice(cuts.indexOf(c), 1);
      }
    }
  };
  /**
   * What a restarted server does first: catch up missed jobs; the players reconnect, upload
   * their backlog (records it never acked too) and report it empty, and pull their new plans.
   */
  const serverUp = async (date: string) => {
    serverBackAt = null;
    server = await startServer();
    await srv().app.cron.runDue();
    uploadAll(clock.now());
    await playersUploaded();
    await settledAndSynced(playerScreens, date);
    for (const s of fleet) pull(s, date);
    await playersSynced();
    checkCuts();
  };
  /** The server stopped by `restart_mid_upload` comes back if it is due by `t`. */
  const serverBackBy = async (t: number, date: string): Promise<boolean> => {
    if (server || serverBackAt === null || serverBackAt > t) return false;
    advanceTo(serverBackAt);
    await serverUp(date);
    return true;
  };
  /**
   * Moves the shared clock through the real cores' items and outages in [a, b). Everything due at
   * one instant is handed to the display stubs at once and then awaited together, so the cost of
   * a step is the cores' own work (journal, upload), not a timer.
   */
  const stepPlayers = async (date: string, a: number, b: number) => {
    const eventsOf = (s: SimScreen, a: number): CoreEvent[] => {
      const events: CoreEvent[] = [];
      // A core that comes back inside an item's slot would start it late; it comes back at the
      // slot's end instead, so the plays the loop expects are exactly the ones the core plays.
      const items = s.held.get(date)?.items ?? [];
      const down = (downtime.get(s.id) ?? []).map(([x, y]): [number, number] => [
        x,
        items.find((it) => it.start < y && y < it.end)?.end ?? y,
      ]);
      for (const [x, y] of down) {
        if (x >= a && x < b) events.push({ at: x, kind: 'down', s, itemId: '' });
        if (y >= a && y < b) events.push({ at: y, kind: 'up', s, itemId: '' });
      }
      // A PC restarted with a wrong clock comes back between two plays, as an outage does.
      for (const c of clockFaults.get(s.id) ?? []) {
        const t = items.find((it) => it.start < c.at && c.at < it.end)?.end ?? c.at;
        if (t >= a && t < b) events.push({ at: t, kind: 'clock', s, itemId: '', offsetMs: c.offsetMs });
      }
      for (const k of killFaults.get(s.id) ?? [])
        if (k >= a && k < b) events.push({ at: k, kind: 'arm', s, itemId: '' });
      for (const r of serverCutFaults.get(s.id) ?? [])
        if (r.at >= a && r.at < b)
          events.push({ at: r.at, kind: 'arm_restart', s, itemId: '', downMs: r.downMs });
      for (const it of items) {
        if (it.start < a || it.start >= b || down.some(([x, y]) => it.start < y && it.end > x)) continue;
        // Counted when the play fails (below): events are drawn again after a re-plan.
        const fail = rand() < failRate;
        events.push({ at: it.start, kind: 'start', s, itemId: it.id, fail });
        if (!fail) events.push({ at: it.end, kind: 'end', s, itemId: it.id });
      }
      return events;
    };
    const byTime = (x: CoreEvent, y: CoreEvent) => x.at - y.at || ORDER[x.kind] - ORDER[y.kind];
    const events = playerScreens.flatMap((s) => eventsOf(s, a)).sort(byTime);
    for (let i = 0; i < events.length;) {
      // The server stopped mid-upload comes back before the next events; the plans it hands
      // out then may differ, so every core's remaining events follow the plan it now holds.
      if (serverBackAt !== null && serverBackAt <= events[i]!.at) {
        const back = serverBackAt;
        await serverBackBy(back, date);
        const rest = events.splice(i).filter((e) => !playerScreens.includes(e.s));
        for (const s of playerScreens) rest.push(...eventsOf(s, back));
        events.push(...rest.sort(byTime));
        continue;
      }
      const at = events[i]!.at;
      const group: CoreEvent[] = [];
      while (i < events.length && events[i]!.at === at) group.push(events[i++]!);
      advanceTo(at);
      for (const e of group) {
        if (e.kind === 'down' && !e.s.playerDown) await stopCore(e.s);
        if (e.kind === 'up' && e.s.playerDown) {
          await startCore(e.s);
          if (server) await settledAndSynced([e.s], date);
        }
        if (e.kind === 'clock') {
          e.s.pcOffsetMs = e.offsetMs!;
          clockRestarts++;
          // Off (an outage): the clock is wrong when it comes back.
          if (!e.s.playerDown) {
            await stopCore(e.s);
            await startCore(e.s);
            if (server) await settledAndSynced([e.s], date);
          }
        }
        if (e.kind === 'arm') armed.add(e.s);
        if (e.kind === 'arm_restart') armedRestart.set(e.s, e.downMs!);
        if (e.kind === 'start' && e.fail) {
          e.s.player!.display.failNext(e.itemId);
          failedPlays.set(`${e.s.id}|${date}`, (failedPlays.get(`${e.s.id}|${date}`) ?? 0) + 1);
        }
      }
      // A core that came back may have been re-planned (its settled days): its remaining events
      // follow the plan it now holds.
      const replanned = (back: SimScreen[]) => {
        if (back.length === 0) return;
        const rest = events.splice(i).filter((e) => !back.includes(e.s));
        for (const s of back) rest.push(...eventsOf(s, at + 1));
        events.push(...rest.sort(byTime));
      };
      replanned(group.filter((e) => e.kind === 'up' || e.kind === 'clock').map((e) => e.s));
      cutOpen = true;
      for (const e of group) if (e.kind === 'start' || e.kind === 'end') e.s.player!.display.act();
      for (const e of group) {
        const d = e.s.player!.display;
        const core = e.s.player!.core;
        if (e.kind === 'start' && e.fail)
          await waitUntil(`${e.s.id} to fail ${e.itemId}`, () => (d.act(), d.failed.has(e.itemId)));
        else if (e.kind === 'start')
          await waitUntil(
            `${e.s.id} to start ${e.itemId}`,
            () => (d.act(), core.snapshot().current?.itemId === e.itemId),
          );
        else if (e.kind === 'end')
          await waitUntil(
            `${e.s.id} to finish ${e.itemId}`,
            () => d.ended.has(e.itemId) && core.snapshot().current?.itemId !== e.itemId,
          );
      }
      // A failed play is uploaded at once; once stored, the server re-plans the rest of the
      // screen's day (one more play if it fits). Its remaining events follow the new plan.
      const failedHere = server ? group.filter((e) => e.kind === 'start' && e.fail).map((e) => e.s) : [];
      for (const e of group) {
        if (!server || e.kind !== 'start' || !e.fail) continue;
        const core = e.s.player!.core;
        await waitUntil(
          `${e.s.id} to upload its failed play ${e.itemId}`,
          () =>
            srv().plays.failedItemStored(e.s.id, e.itemId) &&
            core.snapshot().connected &&
            core.snapshot().backlog === 0,
        );
      }
      if (failedHere.length > 0) {
        await srv().app.plans.idle();
        await playersSynced(failedHere);
        for (const s of failedHere) pull(s, date);
        replanned(failedHere);
      }
      // An armed player uploads the play it just finished; that batch is stored and kills it.
      // It starts again from its data dir at once and sends the unacked records again.
      if (server)
        for (const e of group)
          if (e.kind === 'end' && (armed.has(e.s) || dying.has(e.s)))
            await waitUntil(`${e.s.id} to be killed mid-upload`, () => killed.has(e.s));
      // The same for a server armed to stop: the batch with that play is stored and stops it.
      if (server)
        for (const e of group)
          if (e.kind === 'end' && armedRestart.has(e.s))
            await waitUntil(`${e.s.id}'s upload to stop the server`, () => !armedRestart.has(e.s));
      cutOpen = false;
      await waitUntil('the server to stop', () => !stopping);
      const restarted = [...killed];
      killed.clear();
      for (const s of restarted) {
        await startCore(s);
        if (server) await settledAndSynced([s], date);
      }
      replanned(restarted);
      if (await serverBackBy(at, date)) replanned(playerScreens);
    }
    await serverBackBy(b - 1, date);
  };
  log(
    `Mô phỏng / simulating ${allCampaigns.map((c) => c.id).join(' + ')}: ${fleet.length} màn hình / screens at ${siteRows.size} sites` +
      (playerScreens.length === fleet.length
        ? ` (tất cả qua player core thật + WebSocket / all through the real player core over the WebSocket)`
        : playerScreens.length
          ? ` (${playerScreens.length} qua player core thật / through the real player core; ${fleet.length - playerScreens.length} nhẹ / lightweight, no WebSocket hop)`
          : ` (nhẹ / lightweight: ingest trực tiếp, không qua WebSocket / straight to ingest, no WebSocket hop)`) +
      `, ${formatDate(from, campaign.timeZone)}–${formatDate(last, campaign.timeZone)}`,
  );

  // ---- Faults -----------------------------------------------------------------------------
  const faults: string[] = [];
  const zone = campaign.timeZone;
  const inRange = (d: string) => d >= from && d <= last;
  const file = opts.faults;
  // One screen off for 3 whole days (an office screen, so its misses fall on operating days).
  const longOff = fleet.find((s) => s.venueType === 'citizen_reception') ?? fleet[0]!;
  const longOffDays = new Set(file ? [] : ['2024-09-09', '2024-09-10', '2024-09-11'].filter(inRange));
  if (longOffDays.size > 0)
    faults.push(
      `${longOff.id}: tắt 3 ngày / off 3 days ${[...longOffDays].map((d) => formatDate(d, zone)).join(', ')}`,
    );
  // A site raising its frequency at 14:00 on a Monday.
  const defaultRaiseSite =
    [...siteRows.values()].find((s) => s.venueType === 'government_office') ?? [...siteRows.values()][0]!;
  const raises: Array<{ site: PlanSite; at: number; perDay: number; kind: 'raise' | 'lower' }> = file
    ? file.flatMap((f) => {
        if (f.kind !== 'raise' && f.kind !== 'lower') return [];
        const site = siteRows.get(f.site);
        if (!site) throw new Error(`fault file: no site ${f.site} takes part in the campaign`);
        return [{ site, at: Date.parse(f.at), perDay: f.perDay, kind: f.kind }];
      })
    : [
        {
          site: defaultRaiseSite,
          at: zonedToInstant('2024-09-16', '14:00', zone),
          perDay: 15,
          kind: 'raise',
        },
      ];
  // The server is down from Thursday 12:00 (before the 14:00 report) to Friday 09:00.
  const restarts: Array<{ down: number; up: number }> = file
    ? file.flatMap((f) => (f.kind === 'restart' ? [{ down: Date.parse(f.down), up: Date.parse(f.up) }] : []))
    : [
        {
          down: zonedToInstant('2024-09-19', '12:00', zone),
          up: zonedToInstant('2024-09-20', '09:00', zone),
        },
      ];
  for (const r of raises)
    if (inRange(localDateOf(r.at, zone)))
      faults.push(
        `${r.site.id}: ${r.kind === 'raise' ? 'tăng / raise' : 'hạ / lowering attempt'} → ${r.perDay} lượt/ngày / plays/day, ${toIsoWithOffset(r.at, zone)}`,
      );
  for (const r of restarts)
    faults.push(
      `máy chủ khởi động lại / server restart: down ${toIsoWithOffset(r.down, zone)} – up ${toIsoWithOffset(r.up, zone)}`,
    );
  const fileOutages = (file ?? []).flatMap((f) => (f.kind === 'outage' ? [f] : []));
  for (const f of fileOutages) {
    if (!fleet.some((s) => s.id === f.screen)) throw new Error(`fault file: no screen ${f.screen}`);
    faults.push(`${f.screen}: tắt / off ${f.from} – ${f.to}`);
  }

  // Player faults: a PC clock set off the server's, a player killed between a stored batch and
  // its ack. Both need a real player core, and happen while the server is up (a clock is
  // measured at `welcome`; an upload needs a server).
  const serverDownAt = (t: number) => restarts.some((r) => t >= r.down && t < r.up);
  const coreFault = (f: { screen: string; at: string }, what: string): SimScreen => {
    const s = fleet.find((x) => x.id === f.screen);
    if (!s) throw new Error(`fault file: no screen ${f.screen}`);
    if (!s.player)
      throw new Error(`fault file: ${what} needs a real player core, ${f.screen} is lightweight`);
    if (serverDownAt(Date.parse(f.at)))
      throw new Error(`fault file: ${what} at ${f.at} falls while the server is down`);
    return s;
  };
  const clockFaults = new Map<string, Array<{ at: number; offsetMs: number }>>();
  const killFaults = new Map<string, number[]>();
  const serverCutFaults = new Map<string, Array<{ at: number; downMs: number }>>();
  for (const f of file ?? []) {
    if (f.kind === 'clock_offset') {
      const s = coreFault(f, 'a clock offset');
      clockFaults.set(s.id, [
        ...(clockFaults.get(s.id) ?? []),
        { at: Date.parse(f.at), offsetMs: f.offsetMs },
      ]);
      faults.push(
        `${s.id}: đồng hồ máy lệch / PC clock off by ${formatOffset(f.offsetMs)} từ / from ${toIsoWithOffset(Date.parse(f.at), zone)}`,
      );
    }
    if (f.kind === 'killed_mid_upload') {
      const s = coreFault(f, 'a kill mid-upload');
      killFaults.set(s.id, [...(killFaults.get(s.id) ?? []), Date.parse(f.at)]);
      faults.push(
        `${s.id}: player bị tắt giữa lúc gửi / killed mid-upload (lô đã lưu, chưa nhận ack / batch stored, ack not received) từ / from ${toIsoWithOffset(Date.parse(f.at), zone)}`,
      );
    }
    if (f.kind === 'restart_mid_upload') {
      const s = coreFault(f, 'a server restart mid-upload');
      const downMs = f.downMs ?? 0;
      serverCutFaults.set(s.id, [...(serverCutFaults.get(s.id) ?? []), { at: Date.parse(f.at), downMs }]);
      faults.push(
        `${s.id}: máy chủ khởi động lại giữa lúc màn gửi / server restart mid-upload (lô đã lưu, ack chưa gửi / batch stored, ack not sent), ` +
          `tắt / down ${formatOffset(downMs).slice(1)} từ / from ${toIsoWithOffset(Date.parse(f.at), zone)}`,
      );
    }
  }

  const outages = new Map<string, Array<[number, number]>>();
  let randomOutages = 0;
  for (const date of eachDate(from, last)) {
    for (const s of fleet) {
      if (s === longOff && longOffDays.has(date)) {
        outages.set(`${s.id}|${date}`, [[startOfLocalDay(date, s.zone), startOfNextLocalDay(date, s.zone)]]);
        continue;
      }
      for (const f of fileOutages) {
        if (f.screen !== s.id) continue;
        const x = Math.max(Date.parse(f.from), startOfLocalDay(date, s.zone));
        const y = Math.min(Date.parse(f.to), startOfNextLocalDay(date, s.zone));
        if (x < y) outages.set(`${s.id}|${date}`, [...(outages.get(`${s.id}|${date}`) ?? []), [x, y]]);
      }
      if (file && opts.outageRate === undefined) continue;
      if (rand() < outageRate) {
        const day0 = startOfLocalDay(date, s.zone);
        // Whole milliseconds: a core is stopped at this instant and the clock is set to it.
        const len = Math.round((1 + rand() * 7) * 3_600_000);
        const at = day0 + Math.round(rand() * (24 * 3_600_000 - len));
        outages.set(`${s.id}|${date}`, [[at, at + len]]);
        randomOutages++;
      }
    }
  }
  // A real core is switched off for each outage: stopped at its start, started again from its
  // data dir at its end (back-to-back days of the 3 days off are one stretch).
  const downtime = new Map<string, Array<[number, number]>>();
  for (const s of playerScreens) {
    const spans = eachDate(from, last).flatMap((d) => outages.get(`${s.id}|${d}`) ?? []);
    const merged: Array<[number, number]> = [];
    for (const [x, y] of spans) {
      const prev = merged[merged.length - 1];
      if (prev && prev[1] >= x) prev[1] = Math.max(prev[1], y);
      else merged.push([x, y]);
    }
    if (merged.length) downtime.set(s.id, merged);
  }
  faults.push(
    `${randomOutages} lần mất điện/tắt máy ngẫu nhiên 1–8 giờ / random outages of 1–8 h` +
      (playerScreens.length
        ? ` (player core bị dừng rồi khởi động lại / the core is stopped, then restarted from its data dir)`
        : '') +
      `; ${(failRate * 100).toFixed(1)}% lượt phát lỗi / failed plays`,
  );

  // ---- The run ---------------------------------------------------------------------------
  const days = new Map<string, ScreenDay>();
  const csv: WriteStream | null = opts.csv ? createWriteStream(opts.csv) : null;
  csv?.write(
    'date,screen_id,site_id,venue_type,target,base_target,make_good,played,peak_played,on_target,fault\n',
  );

  const pull = (s: SimScreen, from: string) => {
    for (const row of repos().plans.plansFrom(s.id, from))
      s.held.set(row.local_date, planJson.day(row.plan, `${s.id}/${row.local_date}`));
  };
  /** The lightweight screens upload what they played, as one group commit (as the gateway does). */
  const uploadAll = (now: number) => {
    if (!server) return;
    const batch = fleet.filter((s) => !s.player && s.backlog.length > 0);
    if (batch.length === 0) return;
    const results = srv().plays.ingestMany(
      batch.map((s) => ({
        ctx: { screenId: s.id, siteId: s.siteId, timeZone: s.zone, now },
        records: s.backlog,
      })),
    );
    results.forEach((r, i) => {
      if (r.flagged.length > 0)
        throw new Error(`ingest flagged the chain of ${batch[i]!.id}: ${JSON.stringify(r.flagged[0])}`);
    });
    // Each lightweight player then reports its backlog empty, as a real core's status does: the
    // days behind it are settled, and a plan that presumed one of them played is redone.
    const presumed: string[] = [];
    for (const s of batch) {
      s.backlog = [];
      repos().screens.touchSeen(s.id);
      if (repos().plans.settle(s.id, now)) presumed.push(s.id);
    }
    if (presumed.length > 0) srv().app.plans.replan({ screenIds: presumed });
  };
  /** The player plays what it holds for [a, b). */
  const play = (s: SimScreen, date: string, a: number, b: number) => {
    const day = s.held.get(date);
    if (!day || s.player) return;
    const out = outages.get(`${s.id}|${date}`) ?? [];
    for (const it of day.items) {
      if (it.start < a || it.start >= b) continue;
      // The plan service always names the campaign; an item without one is not ours to play.
      if (it.campaignId === undefined) continue;
      if (out.some(([x, y]) => it.start < y && it.end > x)) continue;
      const failed = rand() < failRate;
      if (failed) failedPlays.set(`${s.id}|${date}`, (failedPlays.get(`${s.id}|${date}`) ?? 0) + 1);
      const rec: Omit<PlayRecord, 'hash'> = {
        playId: uuidFrom(rand),
        screenId: s.id,
        campaignId: it.campaignId,
        mediaSha256: it.mediaSha256,
        planItemId: it.id,
        plannedAt: isoAt(it.start, s.zone),
        startedAt: isoAt(it.start, s.zone),
        endedAt: isoAt(failed ? it.start + 2000 : it.end, s.zone),
        secondsShown: failed ? 2 : (it.end - it.start) / 1000,
        outcome: failed ? 'failed' : 'completed',
        reason: failed ? 'decoder error (simulated)' : null,
        playerVersion: 'sim-0.1.0',
        seq: s.seq + 1,
        prevHash: s.prevHash,
      };
      const record: PlayRecord = { ...rec, hash: hashRecord(rec) };
      s.seq = record.seq;
      s.prevHash = record.hash;
      s.backlog.push(record);
    }
  };

  const failedPlays = new Map<string, number>();
  const campaignDays = new Map<string, { target: number; baseTarget: number; faulty: boolean }>();
  const allDates = eachDate(from, last);
  const weeklyBefore = new Set<string>();
  lastProgress = 0;
  for (let di = 0; di < allDates.length; di++) {
    const date = allDates[di]!;
    const dayStart = startOfLocalDay(date, zone);
    const dayEnd = startOfNextLocalDay(date, zone);
    // Midnight: the server's jobs (rollover with make-goods, reports, closing) if it is up.
    advanceTo(dayStart + 5_000);
    await serverBackBy(dayStart + 5_000, date);
    if (server) {
      // Re-plans a player's report of settled days asked for come first, then the rollover.
      await srv().app.playerGateway.writer.barrier();
      await srv().app.plans.idle();
      await srv().app.cron.runDue();
      await srv().app.plans.idle();
      for (const s of fleet) pull(s, date);
      await playersSynced();
    }

    // Moments inside the day at which something happens, in order.
    const marks = [dayStart];
    const inDay = (t: number) => t > dayStart && t < dayEnd;
    for (const r of raises) if (inDay(r.at)) marks.push(r.at);
    for (const r of restarts) marks.push(...[r.down, r.up].filter(inDay));
    marks.push(dayEnd);
    const raiseMarks = new Set(raises.map((r) => r.at));
    marks.sort((x, y) => x - y);
    for (let k = marks.length - 1; k > 0; k--) if (marks[k] === marks[k - 1]) marks.splice(k, 1);
    for (let k = 0; k < marks.length - 1; k++) {
      const a = marks[k]!;
      const b = marks[k + 1]!;
      if (restarts.some((r) => r.down === a) && server) {
        advanceTo(a);
        await server.app.close();
        server.db.close();
        server = null;
      }
      if (restarts.some((r) => r.up === a) && !server) {
        advanceTo(a);
        await serverUp(date);
      }
      await serverBackBy(a, date);
      for (const r of raises) {
        if (r.at !== a || !server) continue;
        advanceTo(a);
        // What the override route allows: never below the city's average.
        if (r.perDay < campaign.targetPerDay) {
          faults.push(
            `${r.site.id}: hạ xuống ${r.perDay} bị từ chối (dưới mức của thành phố) / lowering to ${r.perDay} refused (below the city's ${campaign.targetPerDay})`,
          );
          continue;
        }
        const ok = checkFeasible(campaign, r.site, r.perDay, date);
        if (!ok.ok) throw new Error(ok.messageEn);
        ensureHead(srv().app);
        const current =
          repos().overrides.current(campaign.id, r.site.id)?.plays_per_day ?? campaign.targetPerDay;
        repos().overrides.add(
          {
            campaignId: campaign.id,
            siteId: r.site.id,
            playsPerDay: r.perDay,
            reason: 'mô phỏng / simulation',
            setBy: 'sim-head',
          },
          current,
        );
        // What the override route's event makes the plan service do.
        srv().app.plans.replan({ siteIds: [r.site.id] });
        for (const s of fleet) if (s.siteId === r.site.id) pull(s, date);
        await playersSynced();
      }
      for (const s of fleet) play(s, date, a, b);
      await stepPlayers(date, a, b);
      advanceTo(b - 1);
      // Players upload continuously; batching a day per screen keeps the run fast. Before a
      // mid-day raise the morning's plays must be in, since they count toward the new target.
      if (b === dayEnd || raiseMarks.has(b)) {
        uploadAll(b - 1);
        if (server) await playersUploaded();
      }
      // The cores say their backlog is empty before midnight, so the rollover counts the day
      // at what they played (settled), not presumed, and no re-plan lands mid-day after it.
      if (b === dayEnd && server) {
        const up = playerScreens.filter((s) => !s.playerDown);
        for (const s of up) s.player!.core.reportStatus();
        const at = clock.now();
        for (const s of up)
          await waitUntil(
            `player ${s.id} to settle the day`,
            () => (repos().plans.screen(s.id)?.settled_ms ?? 0) >= at,
          );
        await srv().app.playerGateway.writer.barrier();
        await srv().app.plans.idle();
      }
    }

    // The day's figures per screen, against the plan that was in force at the end of the day.
    for (const s of fleet) {
      const day = s.held.get(date);
      for (const c of day?.campaigns ?? [])
        campaignDays.set(`${c.campaignId}|${s.id}|${date}`, {
          target: c.target,
          baseTarget: c.baseTarget,
          faulty: outages.has(`${s.id}|${date}`) || failedPlays.has(`${s.id}|${date}`),
        });
      const facts = day?.campaigns.find((c) => c.campaignId === campaign.id);
      days.set(`${s.id}|${date}`, {
        target: facts?.target ?? 0,
        baseTarget: facts?.baseTarget ?? 0,
        makeGood: facts?.makeGood ?? 0,
        played: 0,
        peak: 0,
        fault: outages.has(`${s.id}|${date}`)
          ? s === longOff && longOffDays.has(date)
            ? 'off-3-days'
            : 'outage'
          : failedPlays.has(`${s.id}|${date}`)
            ? 'failed-play'
            : '',
      });
    }
    const now = performance.now();
    if (now - lastProgress > 1000 || di === allDates.length - 1) {
      log(`  … ${formatDate(date, zone)} (${di + 1}/${allDates.length} ngày / days)`);
      lastProgress = now;
    }
  }

  // The morning after the last day: the campaign closes.
  advanceTo(startOfNextLocalDay(last, zone) + 5_000);
  if (!server) server = await startServer();
  await srv().app.cron.runDue();
  uploadAll(clock.now());
  await playersUploaded();
  checkCuts();
  for (const s of playerScreens) {
    if (s.playerDown || !s.player) continue;
    s.player.display.close();
    await s.player.core.stop();
  }
  const campaignClosed = repos().campaigns.get(campaign.id)?.status === 'closed';
  let storedByCore = 0;
  let storedByLightweight = 0;
  let chainBroken = 0;
  let duplicatePlays = 0;
  for (const s of fleet) {
    const seqs = new Set<number>();
    const items = new Set<string>();
    for (const row of srv().plays.chain(s.id)) {
      if (row.player_version === PLAYER_VERSION) storedByCore++;
      else if (row.player_version === 'sim-0.1.0') storedByLightweight++;
      if (row.chain_status !== 'ok') chainBroken++;
      if (seqs.has(row.seq)) duplicatePlays++;
      seqs.add(row.seq);
      if (row.outcome === 'completed' && row.plan_item_id !== null) {
        if (items.has(row.plan_item_id)) duplicatePlays++;
        items.add(row.plan_item_id);
      }
    }
  }
  const weekly = repos()
    .reports.listReports()
    .filter((r) => r.kind === 'weekly')
    .sort((a, b) => a.period_first.localeCompare(b.period_first));
  for (const r of weekly)
    weeklyBefore.add(`${formatDate(r.period_first, zone)}–${formatDate(r.period_last, zone)}`);

  // ---- Figures, from what the server stored ----------------------------------------------
  const summary = figures(campaign, siteRows, fleet, days, srv().app, from, last);
  const several = severalFigures(allCampaigns, siteRows, fleet, campaignDays, srv().app);
  for (const [key, d] of days) {
    const [screenId, date] = key.split('|') as [string, string];
    const s = fleet.find((x) => x.id === screenId)!;
    csv?.write(
      `${date},${screenId},${s.siteId},${s.venueType},${d.target},${d.baseTarget},${d.makeGood},${d.played},${d.peak},${d.target > 0 ? (d.played === d.target ? 1 : 0) : ''},${d.fault}\n`,
    );
  }
  if (csv) await new Promise<void>((resolve) => csv.end(resolve));

  await srv().app.close();
  srv().db.close();
  if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  return {
    campaignId: campaign.id,
    ...several,
    first: from,
    last,
    ...summary,
    faults,
    coreScreens: playerScreens.length,
    coreRestarts,
    storedByCore,
    storedByLightweight,
    chainBroken,
    duplicatePlays,
    resentRecords,
    killedMidUpload,
    serverRestartsMidUpload,
    ackedAfterServerRestart,
    clockRestarts,
    weeklyReports: [...weeklyBefore],
    campaignClosed,
    elapsedMs: performance.now() - t0,
    dataDir,
  };
}

/** An offset for people: "+5 min", "-3 năm / years". */
function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  if (abs >= 365 * 86_400_000) return `${sign}${(abs / (365.25 * 86_400_000)).toFixed(1)} năm / years`;
  if (abs >= 86_400_000) return `${sign}${(abs / 86_400_000).toFixed(1)} ngày / days`;
  if (abs >= 60_000) return `${sign}${(abs / 60_000).toFixed(1)} phút / min`;
  return `${sign}${(abs / 1000).toFixed(1)} s`;
}

function isoAt(ms: number, zone: string): string {
  const z = instantToZoned(ms, zone);
  const sign = z.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(z.offsetMinutes);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${z.date}T${p(z.hour)}:${p(z.minute)}:${p(z.second)}${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
}

function ensureHead(app: FastifyInstance): void {
  if (app.repos.users.get('sim-head')) return;
  app.repos.users.insert({
    id: 'sim-head',
    username: 'sim-head',
    display_name: 'Trưởng đơn vị (mô phỏng)',
    role: 'office_head',
    password_hash: 'not-a-login',
    must_change_password: 0,
    created_at_ms: app.clock.now(),
  });
}

/** Open intervals of a site on a date, straight from its hours (independent of the scheduler). */
function openOn(hours: OpeningHours, date: string, zone: string): Array<[number, number]> {
  if (hours.closedDates.includes(date)) return [];
  return hours[WEEKDAYS[weekdayOf(date)]!].map(([a, b]) => [
    zonedToInstant(date, minutesOfDay(a), zone),
    zonedToInstant(date, minutesOfDay(b), zone),
  ]);
}

function figures(
  campaign: PlanCampaign,
  sites: Map<string, PlanSite>,
  fleet: SimScreen[],
  days: Map<string, ScreenDay>,
  app: FastifyInstance,
  first: string,
  last: string,
): {
  byVenueType: Record<string, GroupFigures>;
  overall: GroupFigures;
  perScreen: SimSummary['perScreen'];
  totals: SimSummary['totals'];
  failedNoTimeLeft: SimSummary['failedNoTimeLeft'];
} {
  const perScreen: SimSummary['perScreen'] = [];
  const windowStart = startOfLocalDay(first, campaign.timeZone);
  const screenOf = new Map(fleet.map((s) => [s.id, s]));
  const outsideWindow = new Map<string, number>();
  const outsideHours = new Map<string, number>();
  const openCache = new Map<string, Array<[number, number]>>();
  // Start instants of the plays that did not complete, per screen and local date.
  const failedOn = new Map<string, number[]>();
  const failedNoTimeLeft: SimSummary['failedNoTimeLeft'] = [];
  for (const p of app.repos.plans.playsOfCampaign(campaign.id)) {
    const s = screenOf.get(p.screen_id);
    if (!s) continue;
    const site = sites.get(s.siteId)!;
    const windowEnd = startOfNextLocalDay(campaign.lastDay, site.timeZone);
    if (
      p.started_ms < Math.min(windowStart, startOfLocalDay(campaign.firstDay, site.timeZone)) ||
      p.ended_ms > windowEnd
    ) {
      outsideWindow.set(s.id, (outsideWindow.get(s.id) ?? 0) + 1);
    }
    const key = `${site.id}|${p.local_date}`;
    let open = openCache.get(key);
    if (!open) openCache.set(key, (open = openOn(site.openingHours, p.local_date, site.timeZone)));
    if (!open.some(([a, b]) => p.started_ms >= a && p.ended_ms <= b))
      outsideHours.set(s.id, (outsideHours.get(s.id) ?? 0) + 1);
    if (p.outcome !== 'completed') {
      const key = `${s.id}|${p.local_date}`;
      failedOn.set(key, [...(failedOn.get(key) ?? []), p.started_ms]);
      continue;
    }
    const d = days.get(`${s.id}|${p.local_date}`);
    if (d) {
      d.played++;
      if (p.in_peak) d.peak++;
    }
  }

  // Plan-weighted peak share the profiles ask for, per screen-day.
  const shareCache = new Map<string, number>();
  const shareOf = (site: PlanSite, date: string) => {
    const key = `${site.id}|${date}`;
    let v = shareCache.get(key);
    if (v === undefined) {
      const profile: PeakProfile = profileFor(campaign, site);
      v = peakShareOf(
        weightedPieces(
          openIntervals(site.openingHours, date, site.timeZone),
          profileSlices(date, site.timeZone, profile),
        ),
      );
      shareCache.set(key, v);
    }
    return v;
  };

  const groups = new Map<string, GroupFigures & { _avgSum: number; _required: number }>();
  const group = (name: string) => {
    let g = groups.get(name);
    if (!g) {
      g = {
        screens: 0,
        screenDays: 0,
        onlineScreenDays: 0,
        onlineOnTarget: 0,
        allOnTarget: 0,
        plays: 0,
        peakPlays: 0,
        peakShareRequired: 0,
        minAverage: Infinity,
        minAverageScreen: '',
        meanAverage: 0,
        screensBelowTarget: 0,
        deficitPlays: 0,
        unexpectedDeficitScreens: 0,
        deficitNotes: [],
        outsideWindow: 0,
        outsideHours: 0,
        _avgSum: 0,
        _required: 0,
      };
      groups.set(name, g);
    }
    return g;
  };
  for (const s of fleet) {
    const site = sites.get(s.siteId)!;
    const operating = new Set(operatingDays(campaign, site).filter((d) => d >= first && d <= last));
    let achieved = 0;
    let owed = 0;
    let planned = 0;
    let makeGoods = 0;
    const gs = [group(s.venueType), group('overall'), ...(s.player ? [group('~ player core')] : [])];
    for (const date of eachDate(first, last)) {
      const d = days.get(`${s.id}|${date}`);
      if (!d || d.target === 0) continue;
      achieved += d.played;
      owed += d.baseTarget;
      planned += d.target;
      makeGoods += d.makeGood;
      for (const g of gs) {
        g.screenDays++;
        if (d.played === d.target) g.allOnTarget++;
        if (!d.fault) {
          g.onlineScreenDays++;
          if (d.played === d.target) g.onlineOnTarget++;
        }
        g.plays += d.played;
        g.peakPlays += d.peak;
        g._required += d.played * shareOf(site, date);
      }
    }
    perScreen.push({ screenId: s.id, owed, planned, makeGoods, delivered: achieved });
    // A failure is played again the same day when it fits, else made good on a later day; on
    // the screen's last day in the run, one too late to fit has no day left at all.
    const lastDay = eachDate(first, last)
      .filter((date) => (days.get(`${s.id}|${date}`)?.target ?? 0) > 0)
      .at(-1);
    const lastOfDay = lastDay ? days.get(`${s.id}|${lastDay}`) : undefined;
    if (lastDay && lastOfDay && owed > achieved) {
      const late = (failedOn.get(`${s.id}|${lastDay}`) ?? []).sort((a, b) => a - b);
      const n = Math.min(owed - achieved, Math.max(0, lastOfDay.target - lastOfDay.played), late.length);
      for (const at of late.slice(late.length - n))
        failedNoTimeLeft.push({ screenId: s.id, at: formatDateTime(at, site.timeZone) });
    }
    // The campaign average per operating day, against the day targets it was given.
    const average = operating.size > 0 ? achieved / operating.size : 0;
    const targetAverage = operating.size > 0 ? owed / operating.size : 0;
    for (const g of gs) {
      g.screens++;
      g._avgSum += average;
      if (average < g.minAverage) {
        g.minAverage = average;
        g.minAverageScreen = s.id;
      }
      if (average + 1e-9 < targetAverage) {
        g.screensBelowTarget++;
        g.deficitPlays += owed - achieved;
        if (g === gs[1]) {
          // Room left for make-goods after the last fault, at the campaign's cap.
          let lastFault = '';
          for (const date of eachDate(first, last)) if (days.get(`${s.id}|${date}`)?.fault) lastFault = date;
          // Make-goods start the day after a miss is known and spread over DEFAULT_SPREAD_DAYS
          // operating days; only a miss followed by that many days can be expected to be back.
          let room = 0;
          let after = 0;
          for (const date of eachDate(first, last)) {
            const d = days.get(`${s.id}|${date}`);
            if (!d || date <= lastFault || d.baseTarget === 0) continue;
            after++;
            room += Math.floor((d.baseTarget * campaign.makeGoodCapPct) / 100);
          }
          const fits = after > DEFAULT_SPREAD_DAYS && owed - achieved <= room;
          if (fits) for (const x of gs) x.unexpectedDeficitScreens++;
          g.deficitNotes.push(
            `${s.id}: thiếu / short ${owed - achieved}, lỗi cuối / last fault ${lastFault ? formatDate(lastFault, site.timeZone) : '—'}, ` +
              (fits
                ? `CÒN CHỖ BÙ mà chưa bù / room to make good was left (${room})`
                : `không còn ngày để bù / too late to make good (room ${room})`),
          );
        }
      }
      g.outsideWindow += outsideWindow.get(s.id) ?? 0;
      g.outsideHours += outsideHours.get(s.id) ?? 0;
    }
  }
  const out: Record<string, GroupFigures> = {};
  for (const [name, g] of groups) {
    const { _avgSum, _required, ...rest } = g;
    out[name] = {
      ...rest,
      meanAverage: g.screens ? _avgSum / g.screens : 0,
      peakShareRequired: g.plays ? _required / g.plays : 0,
    };
  }
  const { overall, ...byVenueType } = out;
  const totals = perScreen.reduce(
    (t, x) => ({
      owed: t.owed + x.owed,
      planned: t.planned + x.planned,
      makeGoods: t.makeGoods + x.makeGoods,
      delivered: t.delivered + x.delivered,
    }),
    { owed: 0, planned: 0, makeGoods: 0, delivered: 0 },
  );
  return { byVenueType, overall: overall!, perScreen, totals, failedNoTimeLeft };
}

/**
 * Per campaign: planned and delivered on the simulated screens; and over every stored play,
 * whatever its campaign, the overlaps, the cross-campaign gaps shorter than the quiet margin and
 * the plays outside opening hours (computed here from the rows, not through the scheduler).
 */
function severalFigures(
  campaigns: readonly PlanCampaign[],
  sites: Map<string, PlanSite>,
  fleet: SimScreen[],
  days: Map<string, { target: number; baseTarget: number; faulty: boolean }>,
  app: FastifyInstance,
): { campaigns: CampaignFigures[]; checks: ScreenChecks } {
  const screenOf = new Map(fleet.map((s) => [s.id, s]));
  const margin = new Map(campaigns.map((c) => [c.id, marginOf(c)]));
  const byScreen = new Map<string, Array<{ campaignId: string; start: number; end: number }>>();
  const delivered = new Map<string, number>();
  const checks: ScreenChecks = { plays: 0, overlaps: 0, crossCampaignGapViolations: 0, outsideHours: 0 };
  for (const c of campaigns) {
    for (const p of app.repos.plans.playsOfCampaign(c.id)) {
      const s = screenOf.get(p.screen_id);
      if (!s) continue;
      checks.plays++;
      const site = sites.get(s.siteId)!;
      const open = openOn(site.openingHours, p.local_date, site.timeZone);
      if (!open.some(([a, b]) => p.started_ms >= a && p.ended_ms <= b)) checks.outsideHours++;
      const list = byScreen.get(s.id) ?? [];
      list.push({ campaignId: c.id, start: p.started_ms, end: p.ended_ms });
      byScreen.set(s.id, list);
      if (p.outcome !== 'completed') continue;
      const key = `${c.id}|${s.id}|${p.local_date}`;
      delivered.set(key, (delivered.get(key) ?? 0) + 1);
    }
  }
  for (const list of byScreen.values()) {
    list.sort((x, y) => x.start - y.start || x.end - y.end);
    // The play that ends last so far: a long one can reach past several short ones.
    let last = list[0];
    for (const b of list.slice(1)) {
      const a = last!;
      if (b.start < a.end) checks.overlaps++;
      else if (
        a.campaignId !== b.campaignId &&
        b.start - a.end < Math.max(margin.get(a.campaignId)!, margin.get(b.campaignId)!)
      )
        checks.crossCampaignGapViolations++;
      if (b.end >= a.end) last = b;
    }
  }
  const out: CampaignFigures[] = campaigns.map((c) => ({
    campaignId: c.id,
    priority: priorityOf(c),
    screens: 0,
    screenDays: 0,
    onTarget: 0,
    owed: 0,
    planned: 0,
    delivered: 0,
    faultDays: 0,
    cleanDays: 0,
    cleanOnTarget: 0,
  }));
  const screensOf = new Map<string, Set<string>>();
  for (const [key, d] of days) {
    const [campaignId, screenId] = key.split('|') as [string, string, string];
    const f = out.find((x) => x.campaignId === campaignId);
    if (!f || d.target === 0) continue;
    const got = delivered.get(key) ?? 0;
    f.screenDays++;
    f.owed += d.baseTarget;
    f.planned += d.target;
    f.delivered += got;
    if (got === d.target) f.onTarget++;
    if (d.faulty) f.faultDays++;
    else {
      f.cleanDays++;
      if (got === d.target) f.cleanOnTarget++;
    }
    const set = screensOf.get(campaignId) ?? new Set<string>();
    set.add(screenId);
    screensOf.set(campaignId, set);
  }
  for (const f of out) f.screens = screensOf.get(f.campaignId)?.size ?? 0;
  return { campaigns: out, checks };
}

export function formatSummary(s: SimSummary): string[] {
  const pct = (a: number, b: number) => (b > 0 ? `${((a / b) * 100).toFixed(1)}%` : '—');
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `Kết quả mô phỏng / simulation result: ${s.campaignId}, ${s.first} → ${s.last} (${(s.elapsedMs / 1000).toFixed(1)} s)`,
  );
  lines.push(
    `  Đường chạy / path: ${s.coreScreens}/${s.overall.screens} màn qua player core thật + WebSocket / screens through the real player core over the WebSocket` +
      (s.coreScreens < s.overall.screens
        ? `; ${s.overall.screens - s.coreScreens} nhẹ / lightweight (ingest trực tiếp / straight to ingest)`
        : '') +
      `; khởi động lại core / core restarts: ${s.coreRestarts}`,
  );
  lines.push(
    `  Lượt phát đã lưu / play rows stored: ${s.storedByCore} từ player core / from player cores, ${s.storedByLightweight} từ đường nhẹ / from the lightweight path; ` +
      `chuỗi hash bị đánh dấu / hash-chain breaks: ${s.chainBroken}`,
  );
  for (const f of s.faults) lines.push(`  lỗi giả lập / fault: ${f}`);
  lines.push(
    `  Tắt giữa lúc gửi / killed mid-upload: ${s.killedMidUpload}, bản ghi gửi lại / records sent again: ${s.resentRecords}; ` +
      `máy chủ khởi động lại giữa lúc gửi / server restarts mid-upload: ${s.serverRestartsMidUpload}, ` +
      `lô được gửi lại và nhận ack sau đó / batches sent again and acked after it: ${s.ackedAfterServerRestart}; ` +
      `khởi động lại với đồng hồ lệch / restarts with a wrong clock: ${s.clockRestarts}; ` +
      `lượt phát bị đếm hai lần / plays counted twice: ${s.duplicatePlays}`,
  );
  lines.push(
    [
      'loại điểm / venue type'.padEnd(24),
      'màn'.padStart(5),
      'ngày online đúng MT / online days on target'.padStart(44),
      'mọi ngày đúng MT'.padStart(18),
      'TB/màn (min) / avg per screen (min)'.padStart(36),
      'cao điểm / peak (cần / req)'.padStart(28),
      'thiếu / deficit'.padStart(16),
      'ngoài giờ/cửa sổ'.padStart(18),
    ].join(' '),
  );
  const row = (name: string, g: GroupFigures) =>
    [
      name.padEnd(24),
      String(g.screens).padStart(5),
      `${g.onlineOnTarget}/${g.onlineScreenDays} (${pct(g.onlineOnTarget, g.onlineScreenDays)})`.padStart(44),
      pct(g.allOnTarget, g.screenDays).padStart(18),
      `${g.meanAverage.toFixed(2)} (${g.minAverage.toFixed(2)})`.padStart(36),
      `${pct(g.peakPlays, g.plays)} (${pct(g.peakShareRequired * g.plays, g.plays)})`.padStart(28),
      `${g.deficitPlays} / ${g.screensBelowTarget} màn`.padStart(16),
      `${g.outsideHours}/${g.outsideWindow}`.padStart(18),
    ].join(' ');
  for (const [name, g] of Object.entries(s.byVenueType).sort(([a], [b]) => a.localeCompare(b)))
    lines.push(row(name, g));
  lines.push(row('TỔNG / overall', s.overall));
  lines.push(
    `  Báo cáo tuần đã lập / weekly reports made: ${s.weeklyReports.length} (${s.weeklyReports.join(', ')})`,
  );
  lines.push(
    `  Chiến dịch đã đóng / campaign closed at its end: ${s.campaignClosed ? 'có / yes' : 'không / no'}`,
  );
  lines.push(`  Màn có TB thấp nhất / lowest average: ${s.overall.minAverageScreen}`);
  lines.push(
    `  ${'màn hình / screen'.padEnd(44)} ${'nợ / owed'.padStart(10)} ${'đã phát / delivered'.padStart(20)} ${'chênh / difference'.padStart(19)}`,
  );
  for (const x of s.perScreen)
    lines.push(
      `  ${x.screenId.padEnd(44)} ${String(x.owed).padStart(10)} ${String(x.delivered).padStart(20)} ${String(x.delivered - x.owed).padStart(19)}`,
    );
  lines.push(
    `  Tổng chiến dịch / campaign totals: kế hoạch / planned ${s.totals.planned} (= nợ / owed ${s.totals.planned - s.totals.makeGoods} + bù / make-goods ${s.totals.makeGoods} cho lượt lỡ / for missed plays), nợ / owed ${s.totals.owed}, đã phát / delivered ${s.totals.delivered}`,
  );
  lines.push(`  ${reconciliation(s)}`);
  lines.push(
    `  Màn dưới mục tiêu dù còn chỗ bù / below target although make-goods had room: ${s.overall.unexpectedDeficitScreens}`,
  );
  lines.push(`  Theo chiến dịch / per campaign (thứ tự ưu tiên / planning order; màn-ngày / screen-days):`);
  for (const c of s.campaigns)
    lines.push(
      `    ${c.priority}. ${c.campaignId.padEnd(24)} ${String(c.screens).padStart(3)} màn / screens, ` +
        `kế hoạch / planned ${c.planned} (nợ / owed ${c.owed}), đã phát / delivered ${c.delivered}, ` +
        `đúng mục tiêu / on target ${c.onTarget}/${c.screenDays} màn-ngày (không lỗi / fault-free ${c.cleanOnTarget}/${c.cleanDays})`,
    );
  lines.push(
    `  Trên mọi màn, mọi chiến dịch / every screen, every campaign: ${s.checks.plays} lượt / plays; ` +
      `chồng nhau / overlaps ${s.checks.overlaps}; ` +
      `khoảng nghỉ giữa hai chiến dịch quá ngắn / cross-campaign gaps too short ${s.checks.crossCampaignGapViolations}; ` +
      `ngoài giờ mở cửa / outside opening hours ${s.checks.outsideHours}`,
  );
  for (const n of s.overall.deficitNotes) lines.push(`    ${n}`);
  return lines;
}

/**
 * Owed against delivered, with what was not delivered named: failed plays with no time left to
 * make them good (listed), and anything else (which should be 0: it is printed so it shows).
 */
export function reconciliation(s: Pick<SimSummary, 'totals' | 'failedNoTimeLeft'>): string {
  const late = s.failedNoTimeLeft.length;
  const other = s.totals.owed - s.totals.delivered - late;
  return (
    `Đối chiếu / reconciliation: nợ / owed ${s.totals.owed} = đã phát / delivered ${s.totals.delivered}` +
    (late > 0
      ? ` + ${late} lượt lỗi không còn giờ bù / failed plays with no time left ` +
        `(màn, giờ / screen, time: ${s.failedNoTimeLeft.map((f) => `${f.screenId} ${f.at}`).join('; ')})`
      : '') +
    (other > 0
      ? ` + ${other} lượt lỡ khác chưa bù / other missed plays not made good`
      : other < 0
        ? ` − ${-other} lượt phát vượt mức nợ / plays above what was owed`
        : '')
  );
}

/**
 * Proof-of-play storage. Ingest is idempotent on the player's play id and durable before the
 * gateway acks: the batch is one transaction committed with synchronous=FULL, so an acked play
 * survives a power cut, and a batch sent twice is counted once.
 */
import type { PeakProfile, VenueType } from '#shared/schemas/domain.ts';
import { isPeakAtLocal } from '#shared/peak.ts';
import type { PlayRecord } from '#shared/schemas/protocol.ts';
import { instantToZoned, parseIsoInstant } from '#shared/time.ts';
import type { Db } from '../db/database.ts';
import { campaignJson } from './campaigns.ts';
import { CorruptColumnError } from './json-column.ts';
import { planJson } from './plans.ts';
import { siteJson } from './sites.ts';
import { isEnvironmentError } from '../db/errors.ts';
import { LOOP_MEDIA_KEY } from '../proof/ingest-rules.ts';
import { linkStatus, type ChainStatus } from '../proof/chain.ts';
import { rejection, type IngestLookup, type IssuedItem, type RejectedRecord } from '../proof/ingest-rules.ts';

export interface PlayRow {
  play_id: string;
  screen_id: string;
  site_id: string;
  campaign_id: string;
  media_sha256: string;
  plan_item_id: string | null;
  planned_at: string | null;
  planned_ms: number | null;
  started_at: string;
  started_ms: number;
  ended_at: string;
  ended_ms: number;
  seconds_shown: number;
  outcome: string;
  reason: string | null;
  player_version: string;
  seq: number;
  prev_hash: string;
  hash: string;
  chain_status: ChainStatus;
  local_date: string;
  local_hour: number;
  in_peak: number;
  received_at_ms: number;
  /** 'loop' for the venue's own loop (campaign_id ''), 'spot' for a campaign play (the default). */
  kind?: 'spot' | 'loop';
}

export interface IngestContext {
  screenId: string;
  siteId: string;
  timeZone: string;
  now: number;
  /** The upload's batchId, kept with quarantined records. */
  batchId?: string;
}

/** One screen's batch as ingest stores it: the records that passed the rules, and the others. */
export interface IngestJob {
  ctx: IngestContext;
  records: readonly PlayRecord[];
  /** Refused by the rules (server/proof/ingest-rules.ts); stored in the quarantine. */
  rejected?: readonly RejectedRecord[] | undefined;
}

export interface AckRejection {
  playId: string;
  reason: string;
  code: string;
  index?: number;
}

export interface IngestResult {
  inserted: number;
  duplicates: number;
  acked: string[];
  flagged: { playId: string; seq: number; status: ChainStatus }[];
  /** Every refused record, now durable in the quarantine. */
  rejected: AckRejection[];
  /** The screen's highest stored seq after this batch (set by the ingest writer). */
  lastSeq?: number;
}

export interface QuarantineRow {
  id: number;
  screen_id: string;
  site_id: string;
  play_id: string | null;
  batch_id: string;
  code: string;
  reason: string;
  record: string;
  received_at_ms: number;
}

export interface QuarantineQuery {
  from?: number | undefined;
  to?: number | undefined;
  screenId?: string | undefined;
  limit: number;
  offset: number;
}

export function rowToRecord(r: PlayRow): PlayRecord {
  return {
    playId: r.play_id,
    screenId: r.screen_id,
    campaignId: r.kind === 'loop' ? null : r.campaign_id,
    mediaSha256: r.media_sha256,
    planItemId: r.plan_item_id,
    plannedAt: r.planned_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    secondsShown: r.seconds_shown,
    outcome: r.outcome as PlayRecord['outcome'],
    reason: r.reason,
    playerVersion: r.player_version,
    seq: r.seq,
    prevHash: r.prev_hash,
    hash: r.hash,
    ...(r.kind === 'loop' ? { kind: 'loop' as const } : {}),
  };
}

export function playsRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO plays (play_id, screen_id, site_id, campaign_id, media_sha256, plan_item_id, planned_at, planned_ms,
       started_at, started_ms, ended_at, ended_ms, seconds_shown, outcome, reason, player_version, seq, prev_hash, hash,
       chain_status, local_date, local_hour, in_peak, received_at_ms, kind)
     VALUES (@playId, @screenId, @siteId, @campaignId, @mediaSha256, @planItemId, @plannedAt, @plannedMs,
       @startedAt, @startedMs, @endedAt, @endedMs, @secondsShown, @outcome, @reason, @playerVersion, @seq, @prevHash, @hash,
       @chainStatus, @localDate, @localHour, @inPeak, @receivedAt, @kind)
     ON CONFLICT (play_id) DO NOTHING`,
  );
  const bySeq = db.prepare<[string, number], { seq: number; hash: string }>(
    'SELECT seq, hash FROM plays WHERE screen_id = ? AND seq = ? ORDER BY received_at_ms LIMIT 1',
  );
  const lastSeq = db.prepare<[string], { s: number | null }>(
    'SELECT MAX(seq) AS s FROM plays WHERE screen_id = ?',
  );
  const chainRows = db.prepare<[string], PlayRow>(
    'SELECT * FROM plays WHERE screen_id = ? ORDER BY seq, received_at_ms',
  );
  const byId = db.prepare<[string], PlayRow>('SELECT * FROM plays WHERE play_id = ?');
  const notCompletedItem = db.prepare<[string, string], { n: number }>(
    `SELECT 1 AS n FROM plays WHERE screen_id = ? AND plan_item_id = ? AND outcome != 'completed'`,
  );
  const countForScreen = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM plays WHERE screen_id = ?',
  );
  const quarantine = db.prepare(
    `INSERT INTO plays_quarantine (screen_id, site_id, play_id, batch_id, code, reason, record, received_at_ms)
     VALUES (@screenId, @siteId, @playId, @batchId, @code, @reason, @record, @receivedAt)
     ON CONFLICT (screen_id, play_id) WHERE play_id IS NOT NULL DO NOTHING`,
  );
  const quarantineWhere = `received_at_ms >= @from AND received_at_ms < @to AND (@screen IS NULL OR screen_id = @screen)`;
  const quarantined = db.prepare<
    [{ from: number; to: number; screen: string | null; limit: number; offset: number }],
    QuarantineRow
  >(
    `SELECT * FROM plays_quarantine WHERE ${quarantineWhere} ORDER BY received_at_ms DESC, id DESC LIMIT @limit OFFSET @offset`,
  );
  const quarantinedCount = db.prepare<[{ from: number; to: number; screen: string | null }], { n: number }>(
    `SELECT COUNT(*) AS n FROM plays_quarantine WHERE ${quarantineWhere}`,
  );
  const holderOf = db.prepare<[string], { screen_id: string }>(
    'SELECT screen_id FROM plays WHERE play_id = ?',
  );
  const campaignForMedia = db.prepare<[string], { id: string }>(
    'SELECT id FROM campaigns WHERE media_sha256 = ? ORDER BY id LIMIT 1',
  );
  const issuedPlans = db.prepare<[string, string, string, string, string, string], { plan: string }>(
    `SELECT plan FROM screen_plans WHERE screen_id = ? AND local_date BETWEEN ? AND ?
     UNION ALL
     SELECT plan FROM screen_plans_history WHERE screen_id = ? AND local_date BETWEEN ? AND ?`,
  );
  const profileOf = db.prepare<
    [string, string],
    { site_profile: string | null; venue_type: string; campaign_profiles: string | null }
  >(
    `SELECT si.peak_profile AS site_profile, si.venue_type, c.peak_profiles AS campaign_profiles
     FROM sites si LEFT JOIN campaigns c ON c.id = ? WHERE si.id = ?`,
  );

  // Plays of a backlog cluster in the same minutes; Intl is the costly part of ingest otherwise.
  // Zone offsets change on minute boundaries, so the local date and hour of a minute are fixed.
  const localCache = new Map<string, { date: string; hour: number; minute: number; weekday: number }>();
  function localParts(ms: number, zone: string) {
    const key = `${zone}|${Math.floor(ms / 60_000)}`;
    let v = localCache.get(key);
    if (!v) {
      if (localCache.size > 50_000) localCache.clear();
      const z = instantToZoned(ms, zone);
      v = { date: z.date, hour: z.hour, minute: z.minute, weekday: z.weekday };
      localCache.set(key, v);
    }
    return v;
  }

  const profileCache = new Map<string, PeakProfile | null>();
  function peakProfile(siteId: string, campaignId: string): PeakProfile | null {
    const key = `${siteId}\u0000${campaignId}`;
    if (profileCache.has(key)) return profileCache.get(key)!;
    const row = profileOf.get(campaignId, siteId);
    // A corrupt profile fails the batch with the column named (its records go to the quarantine
    // with that reason) rather than storing plays with a peak flag worked out from nothing.
    let profile: PeakProfile | null = null;
    if (row?.site_profile) profile = siteJson.peakProfile(row.site_profile, siteId);
    else if (row?.campaign_profiles)
      profile =
        campaignJson.peakProfiles(row.campaign_profiles, campaignId)[row.venue_type as VenueType] ?? null;
    profileCache.set(key, profile);
    return profile;
  }

  function storeRejected(
    ctx: IngestContext,
    rejected: readonly RejectedRecord[],
    into: AckRejection[],
  ): void {
    for (const q of rejected) {
      let record: string;
      try {
        // undefined (not a string) when the record itself was undefined
        const text: string | undefined = JSON.stringify(q.record);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON.stringify(undefined) is undefined at run time
        record = text ?? 'null';
      } catch {
        record = 'null';
      }
      quarantine.run({
        screenId: ctx.screenId,
        siteId: ctx.siteId,
        playId: q.playId,
        batchId: ctx.batchId ?? '',
        code: q.code,
        reason: q.reason,
        record,
        receivedAt: ctx.now,
      });
      into.push({ playId: q.playId ?? '', reason: q.reason, code: q.code, index: q.index });
    }
  }

  const storeRejectedTx = db.transaction(storeRejected);

  const ingestTx = db.transaction((ctx: IngestContext, records: readonly PlayRecord[]): IngestResult => {
    const result: IngestResult = { inserted: 0, duplicates: 0, acked: [], flagged: [], rejected: [] };
    const sorted = [...records].sort((a, b) => a.seq - b.seq);
    let before: { seq: number; hash: string } | undefined;
    for (const r of sorted) {
      const startedMs = parseIsoInstant(r.startedAt)!;
      const local = localParts(startedMs, ctx.timeZone);
      const profile = r.campaignId === null ? null : peakProfile(ctx.siteId, r.campaignId);
      // The same windows, at the same precision, as the planner's (shared/peak.ts).
      const inPeak = profile ? isPeakAtLocal(profile, local.weekday, local.hour * 60 + local.minute) : false;
      // The predecessor is usually the record just before it in the same batch.
      const previous =
        r.seq === 1 ? undefined : before?.seq === r.seq - 1 ? before : bySeq.get(ctx.screenId, r.seq - 1);
      before = { seq: r.seq, hash: r.hash };
      const chainStatus = linkStatus(r, previous);
      const changes = insert.run({
        playId: r.playId,
        screenId: ctx.screenId,
        siteId: ctx.siteId,
        campaignId: r.campaignId ?? '',
        mediaSha256: r.mediaSha256,
        planItemId: r.planItemId,
        plannedAt: r.plannedAt,
        plannedMs: r.plannedAt ? parseIsoInstant(r.plannedAt) : null,
        startedAt: r.startedAt,
        startedMs,
        endedAt: r.endedAt,
        endedMs: parseIsoInstant(r.endedAt)!,
        secondsShown: r.secondsShown,
        outcome: r.outcome,
        reason: r.reason,
        playerVersion: r.playerVersion,
        seq: r.seq,
        prevHash: r.prevHash,
        hash: r.hash,
        chainStatus,
        localDate: local.date,
        localHour: local.hour,
        inPeak: inPeak ? 1 : 0,
        receivedAt: ctx.now,
        kind: r.kind ?? 'spot',
      }).changes;
      if (changes === 1) {
        result.inserted++;
        if (chainStatus !== 'ok') result.flagged.push({ playId: r.playId, seq: r.seq, status: chainStatus });
      } else {
        result.duplicates++;
      }
      result.acked.push(r.playId);
    }
    return result;
  });

  /**
   * One screen's job inside the group commit, in its own savepoint: if its rows fail to store
   * for a reason of their own (a constraint), that savepoint alone is rolled back and its records
   * go to the quarantine, so the other screens' plays still commit. A database that is locked,
   * read-only or full fails the whole group instead (nothing is acked; the players send again).
   */
  function ingestJob(job: IngestJob): IngestResult {
    let result: IngestResult;
    try {
      result = job.records.length
        ? ingestTx(job.ctx, job.records)
        : { inserted: 0, duplicates: 0, acked: [], flagged: [], rejected: [] };
    } catch (err) {
      if (isEnvironmentError(err)) throw err;
      result = { inserted: 0, duplicates: 0, acked: [], flagged: [], rejected: [] };
      const detail = err instanceof Error ? err.message : String(err);
      storeRejectedTx(
        job.ctx,
        job.records.map((r, i) => rejection(i, r, 'not_stored', detail)),
        result.rejected,
      );
    }
    if (job.rejected?.length) storeRejectedTx(job.ctx, job.rejected, result.rejected);
    return result;
  }

  const ingestManyTx = db.transaction((jobs: readonly IngestJob[]) => jobs.map(ingestJob));

  function issuedItems(screenId: string, first: string, last: string): Map<string, IssuedItem> {
    const out = new Map<string, IssuedItem>();
    for (const { plan } of issuedPlans.all(screenId, first, last, screenId, first, last)) {
      let day;
      try {
        day = planJson.day(plan, screenId);
      } catch (err) {
        // A plan that cannot be read issued nothing: plays against it go to the quarantine.
        if (err instanceof CorruptColumnError) continue;
        throw err;
      }
      // The venue's loop (v2): its media, under LOOP_MEDIA_KEY, for the loop plays' check.
      for (const li of day.loop?.items ?? [])
        out.set(`${LOOP_MEDIA_KEY}${li.mediaSha256}`, { campaignId: null, mediaSha256: li.mediaSha256 });
      for (const it of day.items) {
        out.set(it.id, { campaignId: it.campaignId ?? null, mediaSha256: it.mediaSha256 });
      }
    }
    return out;
  }

  const lookup: IngestLookup = {
    storedFor: (playId) => holderOf.get(playId)?.screen_id,
    issuedItems,
    campaignForMedia: (sha) => campaignForMedia.get(sha)?.id,
  };

  /** synchronous cannot change inside a transaction, so it is switched around it and restored. */
  function durably<T>(fn: () => T): T {
    // Profiles are read once per commit, not kept: an edited peak profile applies to the next batch.
    profileCache.clear();
    db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  }

  return {
    /** Inserts a batch in one transaction committed with synchronous=FULL. */
    ingest: (ctx: IngestContext, records: readonly PlayRecord[], rejected?: readonly RejectedRecord[]) =>
      durably(() => ingestManyTx([{ ctx, records, rejected }])[0]!),
    /**
     * Group commit: batches from many screens that arrived together go into one transaction
     * and one FULL commit, so a reconnect storm pays one fsync per group, not per screen.
     */
    ingestMany: (jobs: readonly IngestJob[]): IngestResult[] => durably(() => ingestManyTx(jobs)),
    /** What the ingest rules read (server/proof/ingest-rules.ts). */
    lookup,
    /**
     * One screen's job inside the caller's transaction (its own savepoint, as in ingestMany):
     * the ingest writer commits many in one durable group on its own connection (server/ingest/).
     */
    ingestInTransaction: (job: IngestJob): IngestResult => {
      const result = ingestJob(job);
      result.lastSeq = lastSeq.get(job.ctx.screenId)?.s ?? 0;
      return result;
    },
    /** Peak profiles are read once per group, not kept: an edited profile applies to the next one. */
    forgetProfiles: () => profileCache.clear(),
    /** Quarantined records, newest first, optionally of one screen. */
    quarantine: (q: QuarantineQuery): { total: number; rows: QuarantineRow[] } => {
      const where = { from: q.from ?? 0, to: q.to ?? Number.MAX_SAFE_INTEGER, screen: q.screenId ?? null };
      return {
        total: quarantinedCount.get(where)!.n,
        rows: quarantined.all({ ...where, limit: q.limit, offset: q.offset }),
      };
    },
    lastSeq: (screenId: string) => lastSeq.get(screenId)?.s ?? 0,
    chain: (screenId: string) => chainRows.all(screenId),
    get: (playId: string) => byId.get(playId),
    /** A play of this plan item that did not complete is stored (the simulator waits on it). */
    failedItemStored: (screenId: string, planItemId: string): boolean =>
      notCompletedItem.get(screenId, planItemId) !== undefined,
    count: (screenId: string) => countForScreen.get(screenId)!.n,
  };
}
export type PlaysRepository = ReturnType<typeof playsRepository>;

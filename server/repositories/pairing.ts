/**
 * What the player gateway needs from the database: pairing codes, enrolment tokens, screen
 * credentials and liveness, and the per-screen plans it hands out. Screens created here are the
 * same rows the screens resource manages; this module only adds the player-facing queries.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { AuditRepository } from './audit.ts';

export interface PlayerScreenRow {
  id: string;
  site_id: string;
  name: string;
  status: string;
  token_hash: string | null;
  plan_version: number;
  /** The earliest past day its plans presume played (not settled yet), or null. */
  unsettled_from: string | null;
  site_name: string;
  time_zone: string;
}

export interface PairingCodeRow {
  code: string;
  secret_hash: string;
  created_at_ms: number;
  expires_at_ms: number;
  claimed_screen_id: string | null;
  claimed_by: string | null;
  claimed_at_ms: number | null;
  delivered_at_ms: number | null;
  /** The credential handed to the waiting player, until it says hello with it. */
  pending_token_hash: string | null;
  /** That credential sealed under the pairing secret (server/auth/seal.ts), for a resume. */
  pending_token_box: string | null;
}

export interface EnrolmentRow {
  token_hash: string;
  site_id: string;
  name_prefix: string;
  uses_total: number;
  uses_left: number;
  created_by: string;
  expires_at_ms: number;
}

export interface ScreenPlanRow {
  local_date: string;
  version: number;
  plan: string;
}

export interface MediaRow {
  sha256: string;
  mime_type: string;
  bytes: number;
  duration_ms: number;
}

export type ClaimResult =
  | { ok: true; screenId: string; name: string; existing: boolean }
  | { ok: false; reason: 'unknown' | 'expired' | 'claimed' | 'name_taken' | 'site_unknown' };

/**
 * A screen's liveness as its sockets report it. Not audited (no person changed anything); the
 * ingest writer's thread runs these on its own connection.
 */
export interface ScreenLiveness {
  seen(id: string, now: number, playerVersion?: string): void;
  status(id: string, now: number, playerVersion: string, statusJson: string): void;
  /** Everything the player played up to `at` is stored (it reported no backlog). */
  settle(id: string, at: number): void;
  offline(id: string): void;
}

export function screenLiveness(db: Db): ScreenLiveness {
  const seenStmt = db.prepare(
    `UPDATE screens SET status = 'online', last_seen_ms = ?, player_version = COALESCE(?, player_version) WHERE id = ? AND status != 'revoked'`,
  );
  const statusUpdate = db.prepare(
    `UPDATE screens SET status = 'online', last_seen_ms = ?, player_version = ?, status_json = ? WHERE id = ? AND status != 'revoked'`,
  );
  const offlineStmt = db.prepare(`UPDATE screens SET status = 'offline' WHERE id = ? AND status = 'online'`);
  const settleStmt = db.prepare(
    'UPDATE screens SET settled_ms = MAX(COALESCE(settled_ms, 0), ?) WHERE id = ?',
  );
  return {
    seen: (id, now, playerVersion) => void seenStmt.run(now, playerVersion ?? null, id),
    status: (id, now, playerVersion, statusJson) => void statusUpdate.run(now, playerVersion, statusJson, id),
    settle: (id, at) => void settleStmt.run(at, id),
    offline: (id) => void offlineStmt.run(id),
  };
}

/** Every change a person (or a provisioning file they issued) makes here is audited in its transaction. */
export function pairingRepository(db: Db, audit: AuditRepository) {
  const screenCols = `s.id, s.site_id, s.name, s.status, s.token_hash, s.plan_version, s.unsettled_from, si.name AS site_name, si.time_zone`;
  const screenById = db.prepare<[string], PlayerScreenRow>(
    `SELECT ${screenCols} FROM screens s JOIN sites si ON si.id = s.site_id WHERE s.id = ?`,
  );
  const siteById = db.prepare<[string], { id: string; name: string; time_zone: string }>(
    'SELECT id, name, time_zone FROM sites WHERE id = ?',
  );
  const insertCode = db.prepare(
    'INSERT OR IGNORE INTO pairing_codes (code, secret_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)',
  );
  const purgeCodes = db.prepare(
    'DELETE FROM pairing_codes WHERE expires_at_ms < ? AND claimed_screen_id IS NULL',
  );
  const codeByCode = db.prepare<[string], PairingCodeRow>('SELECT * FROM pairing_codes WHERE code = ?');
  const screenByName = db.prepare<[string, string], { id: string; token_hash: string | null }>(
    'SELECT id, token_hash FROM screens WHERE site_id = ? AND name = ?',
  );
  const reopen = db.prepare(`UPDATE screens SET status = 'unpaired' WHERE id = ? AND token_hash IS NULL`);
  const nameTaken = db.prepare<[string, string], { n: number }>(
    'SELECT COUNT(*) AS n FROM screens WHERE site_id = ? AND name = ?',
  );
  const insertScreen = db.prepare(
    `INSERT INTO screens (id, site_id, name, status, token_hash, created_at_ms, paired_at_ms)
     VALUES (@id, @siteId, @name, @status, @tokenHash, @now, @pairedAt)`,
  );
  const markClaimed = db.prepare(
    'UPDATE pairing_codes SET claimed_screen_id = ?, claimed_by = ?, claimed_at_ms = ? WHERE code = ? AND claimed_screen_id IS NULL',
  );
  // The credential goes to the screen only at the player's first hello with it; before that the
  // screen has no credential, so a claim under its name takes it over (no 409 for a credential
  // that never arrived) and the console never shows it online.
  const setCredential = db.prepare(
    `UPDATE screens SET token_hash = ?, paired_at_ms = ? WHERE id = ? AND status != 'revoked' AND token_hash IS NULL`,
  );
  const stagePending = db.prepare(
    `UPDATE pairing_codes SET pending_token_hash = ?, pending_token_box = ?
     WHERE code = ? AND delivered_at_ms IS NULL
       AND claimed_screen_id IN (SELECT id FROM screens WHERE status != 'revoked')`,
  );
  const pendingFor = db.prepare<[string, string], { code: string }>(
    'SELECT code FROM pairing_codes WHERE claimed_screen_id = ? AND pending_token_hash = ? AND delivered_at_ms IS NULL',
  );
  const markDelivered = db.prepare(
    'UPDATE pairing_codes SET delivered_at_ms = ?, pending_token_box = NULL WHERE code = ?',
  );
  // Another code claimed for the same screen and never delivered loses its claim (its player
  // asks for a fresh code on resume), so two players never hold credentials for one screen.
  const dropOtherUndelivered = db.prepare(
    'DELETE FROM pairing_codes WHERE claimed_screen_id = ? AND delivered_at_ms IS NULL AND code != ?',
  );
  const revokedToken = db.prepare<[string], { revoked_token_hash: string | null }>(
    "SELECT revoked_token_hash FROM screens WHERE id = ? AND status = 'revoked'",
  );
  const screenByTokenHash = db.prepare<[string], PlayerScreenRow>(
    `SELECT ${screenCols} FROM screens s JOIN sites si ON si.id = s.site_id WHERE s.token_hash = ?`,
  );

  const insertEnrolment = db.prepare(
    `INSERT INTO enrolment_tokens (token_hash, site_id, name_prefix, uses_total, uses_left, created_by, created_at_ms, expires_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const enrolmentByHash = db.prepare<[string], EnrolmentRow>(
    'SELECT * FROM enrolment_tokens WHERE token_hash = ?',
  );
  const useEnrolment = db.prepare(
    'UPDATE enrolment_tokens SET uses_left = uses_left - 1 WHERE token_hash = ? AND uses_left > 0',
  );
  const plansFrom = db.prepare<[string, string], ScreenPlanRow>(
    'SELECT local_date, version, plan FROM screen_plans WHERE screen_id = ? AND local_date >= ? ORDER BY local_date',
  );
  const planVersion = db.prepare<[string], { v: number | null }>(
    'SELECT MAX(version) AS v FROM screen_plans WHERE screen_id = ?',
  );
  const mediaBySha = db.prepare<[string], MediaRow>(
    'SELECT sha256, mime_type, bytes, duration_ms FROM media WHERE sha256 = ?',
  );
  const campaignsByMedia = db.prepare<[string], { id: string }>(
    `SELECT id FROM campaigns WHERE media_sha256 = ? ORDER BY (status = 'active') DESC, updated_at_ms DESC`,
  );

  const auditPair = (actor: string, screenId: string, siteId: string, name: string, existing: boolean) =>
    audit.record({
      actor,
      action: 'screen.pair',
      objectType: 'screen',
      objectId: screenId,
      detail: { siteId, name, existingScreen: existing },
    });

  function uniqueName(siteId: string, wanted: string): string {
    if (nameTaken.get(siteId, wanted)!.n === 0) return wanted;
    for (let i = 2; ; i++) {
      const candidate = `${wanted} (${i})`;
      if (nameTaken.get(siteId, candidate)!.n === 0) return candidate;
    }
  }

  return {
    screen: (id: string) => screenById.get(id),
    site: (id: string) => siteById.get(id),
    screenByTokenHash: (hash: string) => screenByTokenHash.get(hash),
    /** Whether `hash` is the credential a now revoked screen had. */
    revokedTokenMatches: (screenId: string, hash: string) =>
      revokedToken.get(screenId)?.revoked_token_hash === hash,

    /** Inserts the code unless it is taken; false means "draw another". */
    createCode(code: string, secretHash: string, now: number, ttlMs: number): boolean {
      purgeCodes.run(now);
      return insertCode.run(code, secretHash, now, now + ttlMs).changes === 1;
    },
    code: (code: string) => codeByCode.get(code),

    /** Staff attach a waiting player to a site: the screen exists from now, without a credential. */
    claim: db.transaction(
      (code: string, siteId: string, screenName: string, userId: string, now: number): ClaimResult => {
        const row = codeByCode.get(code);
        if (!row) return { ok: false, reason: 'unknown' };
        if (row.claimed_screen_id) return { ok: false, reason: 'claimed' };
        if (row.expires_at_ms <= now) return { ok: false, reason: 'expired' };
        if (!siteById.get(siteId)) return { ok: false, reason: 'site_unknown' };
        // A screen defined in a playlist file (or one whose PC was replaced after a revoke) is
        // waiting under its name without a credential: the player takes it over, plans and all.
        const existing = screenByName.get(siteId, screenName);
        if (existing) {
          if (existing.token_hash) return { ok: false, reason: 'name_taken' };
          reopen.run(existing.id);
          markClaimed.run(existing.id, userId, now, code);
          dropOtherUndelivered.run(existing.id, code);
          auditPair(userId, existing.id, siteId, screenName, true);
          return { ok: true, screenId: existing.id, name: screenName, existing: true };
        }
        const screenId = `scr-${randomUUID()}`;
        insertScreen.run({
          id: screenId,
          siteId,
          name: screenName,
          status: 'unpaired',
          tokenHash: null,
          now,
          pairedAt: null,
        });
        markClaimed.run(screenId, userId, now, code);
        auditPair(userId, screenId, siteId, screenName, false);
        return { ok: true, screenId, name: screenName, existing: false };
      },
    ),

    /**
     * The credential about to be sent to the waiting player: its hash and its sealed form are
     * kept on the claimed code until the player says hello with it. False when the code is not
     * claimed, already delivered, or its screen was revoked.
     */
    stage: (code: string, tokenHash: string, box: string): boolean =>
      stagePending.run(tokenHash, box, code).changes === 1,

    /**
     * The player said hello with the credential staged for this screen: now it is delivered.
     * The screen takes the hash and its pairing instant; the sealed copy is dropped.
     */
    confirm: db.transaction((screenId: string, tokenHash: string, now: number): boolean => {
      const row = pendingFor.get(screenId, tokenHash);
      if (!row) return false;
      if (setCredential.run(tokenHash, now, screenId).changes !== 1) return false;
      markDelivered.run(now, row.code);
      dropOtherUndelivered.run(screenId, row.code);
      return true;
    }),

    /** A provisioning file's one-time token (only its hash), audited as the person's change. */
    createEnrolment: db.transaction(
      (
        tokenHash: string,
        siteId: string,
        namePrefix: string,
        uses: number,
        userId: string,
        now: number,
        expiresAt: number,
      ): void => {
        insertEnrolment.run(tokenHash, siteId, namePrefix, uses, uses, userId, now, expiresAt);
        audit.record({
          actor: userId,
          action: 'screen.provision',
          objectType: 'site',
          objectId: siteId,
          detail: { count: uses, namePrefix, expiresAt },
        });
      },
    ),

    /** One use of a provisioning file: a new screen with its credential, or why not. */
    enrol: db.transaction(
      (
        enrolmentHash: string,
        tokenHash: string,
        suggestedName: string | undefined,
        now: number,
      ):
        | { ok: true; screenId: string; siteId: string }
        | { ok: false; reason: 'unknown' | 'expired' | 'used_up' } => {
        const row = enrolmentByHash.get(enrolmentHash);
        if (!row) return { ok: false, reason: 'unknown' };
        if (row.expires_at_ms <= now) return { ok: false, reason: 'expired' };
        if (useEnrolment.run(enrolmentHash).changes !== 1) return { ok: false, reason: 'used_up' };
        const n = row.uses_total - row.uses_left + 1;
        const name = uniqueName(row.site_id, suggestedName ?? `${row.name_prefix} ${n}`);
        const screenId = `scr-${randomUUID()}`;
        insertScreen.run({
          id: screenId,
          siteId: row.site_id,
          name,
          // Online only between hello and close: the player has not said hello yet.
          status: 'offline',
          tokenHash,
          now,
          pairedAt: now,
        });
        // The player enrols itself; the person who issued the file is the one accountable.
        audit.record({
          actor: row.created_by,
          action: 'screen.enrol',
          objectType: 'screen',
          objectId: screenId,
          detail: { siteId: row.site_id, name, via: 'provisioning' },
        });
        return { ok: true, screenId, siteId: row.site_id };
      },
    ),

    ...screenLiveness(db),

    plansFrom: (screenId: string, fromDate: string) => plansFrom.all(screenId, fromDate),
    planVersion: (screenId: string) => planVersion.get(screenId)?.v ?? 0,
    media: (sha256: string) => mediaBySha.get(sha256),
    campaignForMedia: (sha256: string) => campaignsByMedia.get(sha256)?.id,
  };
}
export type PairingRepository = ReturnType<typeof pairingRepository>;

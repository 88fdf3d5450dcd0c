import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';
import type { ScreenStatus } from '#shared/schemas/domain.ts';
import { Status } from '#shared/schemas/protocol.ts';
import type { AuditRepository } from './audit.ts';
import { jsonColumn } from './json-column.ts';
import { diff } from './sites.ts';

/** The screens table's JSON column, read through its one checked mapper. */
export const screenJson = {
  /**
   * The player's last status message without its envelope. Older players send fewer fields,
   * so each is optional; the types of those present are checked, and unknown ones are kept.
   */
  status: jsonColumn('screens.status_json', Status.omit({ type: true, v: true }).partial().loose()),
};

export interface ScreenRow {
  id: string;
  site_id: string;
  name: string;
  resolution: string;
  orientation: string;
  status: ScreenStatus;
  token_hash: string | null;
  last_seen_ms: number | null;
  player_version: string | null;
  status_json: string | null;
  plan_version: number;
  source: string;
  created_at_ms: number;
  paired_at_ms: number | null;
  revoked_at_ms: number | null;
}

export interface NewScreen {
  id: string;
  siteId: string;
  name: string;
  resolution?: string;
  orientation?: string;
  source?: string;
}

/**
 * Screens as the REST API, the pairing flow and the player gateway use them. Writes that a
 * person makes are audited here; the gateway's frequent status touches are not.
 */
export function screensRepository(db: Db, clock: Clock, audit: AuditRepository) {
  const byId = db.prepare<[string], ScreenRow>('SELECT * FROM screens WHERE id = ?');
  const all = db.prepare<[], ScreenRow>('SELECT * FROM screens ORDER BY site_id, name');
  const bySite = db.prepare<[string], ScreenRow>('SELECT * FROM screens WHERE site_id = ? ORDER BY name');
  const byToken = db.prepare<[string], ScreenRow>(
    "SELECT * FROM screens WHERE token_hash = ? AND status <> 'revoked'",
  );
  const insert = db.prepare(
    `INSERT INTO screens (id, site_id, name, resolution, orientation, source, created_at_ms)
     VALUES (@id, @site_id, @name, @resolution, @orientation, @source, @now)`,
  );
  const replaceFromFile = db.prepare(
    'UPDATE screens SET site_id = @site_id, name = @name, resolution = @resolution, orientation = @orientation, source = @source WHERE id = @id',
  );
  const patchStmt = db.prepare(
    `UPDATE screens SET name = COALESCE(@name, name), site_id = COALESCE(@site_id, site_id),
       resolution = COALESCE(@resolution, resolution), orientation = COALESCE(@orientation, orientation)
       WHERE id = @id`,
  );
  const setStatus = db.prepare('UPDATE screens SET status = ? WHERE id = ?');
  const recordMove = db.prepare(
    'INSERT INTO screen_moves (screen_id, from_site_id, to_site_id, moved_at_ms, actor) VALUES (?, ?, ?, ?, ?)',
  );
  const revoke = db.prepare(
    "UPDATE screens SET status = 'revoked', revoked_token_hash = token_hash, token_hash = NULL, revoked_at_ms = ? WHERE id = ?",
  );
  const touch = db.prepare(
    `UPDATE screens SET last_seen_ms = @now, status = CASE WHEN status = 'revoked' THEN status ELSE 'online' END,
       player_version = COALESCE(@player_version, player_version), status_json = COALESCE(@status_json, status_json) WHERE id = @id`,
  );
  const setToken = db.prepare(
    "UPDATE screens SET token_hash = ?, revoked_token_hash = NULL, paired_at_ms = ?, revoked_at_ms = NULL, status = 'offline' WHERE id = ?",
  );
  const setPlanVersion = db.prepare('UPDATE screens SET plan_version = ? WHERE id = ?');

  const toInsert = (s: NewScreen) => ({
    id: s.id,
    site_id: s.siteId,
    name: s.name,
    resolution: s.resolution ?? '1920x1080',
    orientation: s.orientation ?? 'landscape',
    source: s.source ?? 'api',
    now: clock.now(),
  });

  return {
    get: (id: string) => byId.get(id),
    list: (filter: { siteId?: string | undefined; status?: ScreenStatus | undefined } = {}) => {
      const rows = filter.siteId ? bySite.all(filter.siteId) : all.all();
      return filter.status ? rows.filter((r) => r.status === filter.status) : rows;
    },
    listBySite: (siteId: string) => bySite.all(siteId),
    /** A revoked screen's credential no longer matches anything. */
    findByTokenHash: (tokenHash: string) => byToken.get(tokenHash),
    create: db.transaction((s: NewScreen, actor: string) => {
      insert.run(toInsert(s));
      audit.record({
        actor,
        action: 'screen.create',
        objectType: 'screen',
        objectId: s.id,
        detail: { siteId: s.siteId, name: s.name },
      });
      return byId.get(s.id)!;
    }),
    /** Insert or replace the file-defined fields (the playlist loader); pairing and status stay. */
    putFromFile: (s: NewScreen) => {
      if (byId.get(s.id)) replaceFromFile.run(toInsert(s));
      else insert.run(toInsert(s));
    },
    update: db.transaction(
      (
        id: string,
        patch: { name?: string; site_id?: string; resolution?: string; orientation?: string },
        actor: string,
        reason?: string,
      ) => {
        const before = byId.get(id);
        if (!before) return undefined;
        patchStmt.run({
          id,
          name: patch.name ?? null,
          site_id: patch.site_id ?? null,
          resolution: patch.resolution ?? null,
          orientation: patch.orientation ?? null,
        });
        const after = byId.get(id)!;
        if (after.site_id !== before.site_id)
          recordMove.run(id, before.site_id, after.site_id, clock.now(), actor);
        audit.record({
          actor,
          // A move is its own action, so the log can say "moved … from … to …".
          action:
            patch.site_id !== undefined && patch.site_id !== before.site_id ? 'screen.move' : 'screen.update',
          objectType: 'screen',
          objectId: id,
          detail: {
            ...diff(before, after, Object.keys(patch)),
            siteId: after.site_id,
            ...(reason ? { reason } : {}),
          },
        });
        return after;
      },
    ),
    setStatus: (id: string, status: ScreenStatus) => void setStatus.run(status, id),
    revoke: db.transaction((id: string, actor: string, reason?: string) => {
      const before = byId.get(id);
      if (!before) return undefined;
      revoke.run(clock.now(), id);
      audit.record({
        actor,
        action: 'screen.revoke',
        objectType: 'screen',
        objectId: id,
        detail: { siteId: before.site_id, previousStatus: before.status, reason: reason ?? null },
      });
      return byId.get(id)!;
    }),
    /** The player gateway calls this on every message; not audited (it is not a person's change). */
    touchSeen: (id: string, opts: { playerVersion?: string; statusJson?: string } = {}) =>
      void touch.run({
        id,
        now: clock.now(),
        player_version: opts.playerVersion ?? null,
        status_json: opts.statusJson ?? null,
      }),
    /** Pairing: stores only the hash of the new credential. Audit it in the pairing transaction. */
    setTokenHash: (id: string, tokenHash: string) => void setToken.run(tokenHash, clock.now(), id),
    setPlanVersion: (id: string, version: number) => void setPlanVersion.run(version, id),
  };
}
export type ScreensRepository = ReturnType<typeof screensRepository>;

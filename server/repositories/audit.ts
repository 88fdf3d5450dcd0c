import type { Db } from '../db/database.ts';
import type { Clock } from '#shared/clock.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  detail?: unknown;
}

export interface AuditRow {
  id: number;
  at_ms: number;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  detail: string;
}

export function auditRepository(db: Db, clock: Clock) {
  const insert = db.prepare(
    'INSERT INTO audit_log (at_ms, actor, action, object_type, object_id, detail) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const page = db.prepare<[number, number, number, number], AuditRow>(
    'SELECT * FROM audit_log WHERE at_ms >= ? AND at_ms < ? ORDER BY id DESC LIMIT ? OFFSET ?',
  );
  // Filters that are null pass everything. A site's entries: the site itself, entries whose
  // detail names it (siteId, or a screen moved from or to it), and its screens' entries.
  const filtered = db.prepare<
    {
      from: number;
      to: number;
      actor: string | null;
      action: string | null;
      site: string | null;
      screens: string;
      limit: number;
      offset: number;
    },
    AuditRow
  >(
    `SELECT * FROM audit_log WHERE at_ms >= @from AND at_ms < @to
       AND (@actor IS NULL OR actor = @actor)
       AND (@action IS NULL OR action = @action)
       AND (@site IS NULL
            OR (object_type = 'site' AND object_id = @site)
            OR json_extract(detail, '$.siteId') = @site
            OR json_extract(detail, '$.site_id.before') = @site
            OR json_extract(detail, '$.site_id.after') = @site
            OR (object_type = 'screen' AND object_id IN (SELECT value FROM json_each(@screens))))
     ORDER BY id DESC LIMIT @limit OFFSET @offset`,
  );
  const actors = db.prepare<[], { actor: string }>('SELECT DISTINCT actor FROM audit_log ORDER BY actor');
  const actions = db.prepare<[], { action: string }>('SELECT DISTINCT action FROM audit_log ORDER BY action');
  const iterate = db.prepare<[number, number], AuditRow>(
    'SELECT * FROM audit_log WHERE at_ms >= ? AND at_ms < ? ORDER BY id',
  );
  return {
    /** Call inside the same transaction as the change it records. */
    record: (e: AuditEntry) =>
      void insert.run(
        clock.now(),
        e.actor,
        e.action,
        e.objectType,
        e.objectId,
        JSON.stringify(e.detail ?? {}),
      ),
    page: (fromMs: number, toMs: number, limit: number, offset: number) =>
      page.all(fromMs, toMs, limit, offset),
    /** A page, newest first, narrowed by person, action and site (`screenIds`: the site's screens). */
    search: (f: {
      fromMs: number;
      toMs: number;
      actor?: string | undefined;
      action?: string | undefined;
      siteId?: string | undefined;
      screenIds?: string[] | undefined;
      limit: number;
      offset: number;
    }) =>
      filtered.all({
        from: f.fromMs,
        to: f.toMs,
        actor: f.actor ?? null,
        action: f.action ?? null,
        site: f.siteId ?? null,
        screens: JSON.stringify(f.screenIds ?? []),
        limit: f.limit,
        offset: f.offset,
      }),
    /** Who and which actions appear in the log, for the filters. */
    facets: () => ({ actors: actors.all().map((r) => r.actor), actions: actions.all().map((r) => r.action) }),
    /** Streams rows for exports without loading them all. */
    iterate: (fromMs: number, toMs: number) => iterate.iterate(fromMs, toMs),
  };
}
export type AuditRepository = ReturnType<typeof auditRepository>;

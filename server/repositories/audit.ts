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
    /** Streams rows for exports without loading them all. */
    iterate: (fromMs: number, toMs: number) => iterate.iterate(fromMs, toMs),
  };
}
export type AuditRepository = ReturnType<typeof auditRepository>;

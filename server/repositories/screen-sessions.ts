/**
 * Connection sessions per screen: when the player gateway had at least one authenticated socket
 * for it. Written by the gateway, read by reports, which take offline time as the complement.
 */
import type { Db } from '../db/database.ts';

export const SESSION_END_REASONS = ['closed', 'heartbeat_missed', 'server_stopped', 'revoked'] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

/** The migration that created the table: nothing was recorded before it was applied. */
const SESSIONS_MIGRATION = 30;

export interface ScreenSessionRow {
  id: number;
  screen_id: string;
  connected_at_ms: number;
  disconnected_at_ms: number | null;
  reason: SessionEndReason | null;
}

export interface SessionSpan {
  screen_id: string;
  connected_at_ms: number;
  disconnected_at_ms: number | null;
}

export function screenSessionsRepository(db: Db) {
  // The partial unique index allows one open row per screen; a second hello on another socket
  // of the same screen is the same session.
  const open = db.prepare('INSERT OR IGNORE INTO screen_sessions (screen_id, connected_at_ms) VALUES (?, ?)');
  // MAX: a virtual clock set back in time must not produce a session that ends before it began.
  const close = db.prepare(
    `UPDATE screen_sessions SET disconnected_at_ms = MAX(connected_at_ms, @now), reason = @reason
     WHERE screen_id = @screen AND disconnected_at_ms IS NULL`,
  );
  // A killed process left these open: the last message the screen sent is the best evidence of
  // when it was still connected.
  const closeDangling = db.prepare(
    `UPDATE screen_sessions
     SET disconnected_at_ms = MAX(connected_at_ms, COALESCE((SELECT last_seen_ms FROM screens s WHERE s.id = screen_sessions.screen_id), connected_at_ms)),
         reason = 'server_stopped'
     WHERE disconnected_at_ms IS NULL`,
  );
  const ofScreen = db.prepare<[string], ScreenSessionRow>(
    'SELECT * FROM screen_sessions WHERE screen_id = ? ORDER BY connected_at_ms, id',
  );
  const overlapping = db.prepare<{ start: number; end: number }, SessionSpan>(
    `SELECT screen_id, connected_at_ms, disconnected_at_ms FROM screen_sessions
       WHERE disconnected_at_ms > @start AND connected_at_ms < @end
     UNION ALL
     SELECT screen_id, connected_at_ms, disconnected_at_ms FROM screen_sessions
       WHERE disconnected_at_ms IS NULL AND connected_at_ms < @end`,
  );
  const since = db.prepare<[number], { applied: number | null; first: number | null }>(
    `SELECT (SELECT applied_at_ms FROM schema_migrations WHERE version = ?) AS applied,
            (SELECT MIN(connected_at_ms) FROM screen_sessions) AS first`,
  );
  const insertSpan = db.prepare(
    'INSERT INTO screen_sessions (screen_id, connected_at_ms, disconnected_at_ms, reason) VALUES (@screen_id, @connected_at_ms, @disconnected_at_ms, @reason)',
  );

  return {
    /** The screen's first authenticated socket said hello; no-op while a session is open. */
    open: (screenId: string, now: number): boolean => open.run(screenId, now).changes === 1,
    /** The screen's last socket went. */
    close: (screenId: string, now: number, reason: SessionEndReason): boolean =>
      close.run({ screen: screenId, now, reason }).changes === 1,
    /** On start: sessions a previous process never closed end at their screen's last_seen_ms. */
    closeDangling: (): number => closeDangling.run().changes,
    ofScreen: (screenId: string) => ofScreen.all(screenId),
    /** Sessions overlapping [start, end); an open one has disconnected_at_ms null. */
    overlapping: (start: number, end: number) => overlapping.all({ start, end }),
    /**
     * From when connection history exists: the migration's time, or the oldest session if one
     * is older (history imported or seeded). Before it, offline time is unknown, not zero.
     */
    trackingSince: (): number | null => {
      const r = since.get(SESSIONS_MIGRATION);
      const xs = [r?.applied, r?.first].filter((x): x is number => typeof x === 'number');
      return xs.length ? Math.min(...xs) : null;
    },
    /** Closed sessions as tests and the simulator seed them; the live path is the gateway. */
    insertClosed: db.transaction(
      (
        rows: Iterable<{
          screen_id: string;
          connected_at_ms: number;
          disconnected_at_ms: number;
          reason: SessionEndReason;
        }>,
      ) => {
        for (const r of rows) insertSpan.run(r);
      },
    ),
  };
}
export type ScreenSessionsRepository = ReturnType<typeof screenSessionsRepository>;

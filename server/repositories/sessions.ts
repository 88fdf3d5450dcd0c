import type { Db } from '../db/database.ts';

export function sessionsRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)',
  );
  const find = db.prepare<[string, number], { user_id: string; expires_at_ms: number }>(
    'SELECT user_id, expires_at_ms FROM sessions WHERE token_hash = ? AND expires_at_ms > ?',
  );
  const remove = db.prepare('DELETE FROM sessions WHERE token_hash = ?');
  const removeForUser = db.prepare('DELETE FROM sessions WHERE user_id = ?');
  const removeOthers = db.prepare('DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?');
  const purge = db.prepare('DELETE FROM sessions WHERE expires_at_ms <= ?');
  return {
    create: (tokenHash: string, userId: string, now: number, ttlMs: number) =>
      void insert.run(tokenHash, userId, now, now + ttlMs),
    findUserId: (tokenHash: string, now: number) => find.get(tokenHash, now)?.user_id,
    remove: (tokenHash: string) => void remove.run(tokenHash),
    removeForUser: (userId: string) => void removeForUser.run(userId),
    /** Ends every session of the user but `keepTokenHash` (none kept when it is undefined). */
    removeOthersOfUser: (userId: string, keepTokenHash: string | undefined) =>
      removeOthers.run(userId, keepTokenHash ?? null).changes,
    purgeExpired: (now: number) => purge.run(now).changes,
  };
}
export type SessionsRepository = ReturnType<typeof sessionsRepository>;

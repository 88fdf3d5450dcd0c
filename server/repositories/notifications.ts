import type { Db } from '../db/database.ts';

export interface NotificationRow {
  id: number;
  user_id: string;
  kind: string;
  dedupe_key: string;
  screen_id: string | null;
  site_id: string | null;
  subject: string;
  message: string;
  created_at_ms: number;
  read_at_ms: number | null;
  emailed_at_ms: number | null;
  email_error: string | null;
}

export type NewNotification = Pick<
  NotificationRow,
  'user_id' | 'kind' | 'dedupe_key' | 'screen_id' | 'site_id' | 'subject' | 'message' | 'created_at_ms'
>;

/** The console's notification list and the alerts' e-mail ledger. */
export function notificationsRepository(db: Db) {
  const insert = db.prepare<NewNotification>(
    `INSERT OR IGNORE INTO notifications (user_id, kind, dedupe_key, screen_id, site_id, subject, message, created_at_ms)
     VALUES (@user_id, @kind, @dedupe_key, @screen_id, @site_id, @subject, @message, @created_at_ms)`,
  );
  const byId = db.prepare<[number], NotificationRow>('SELECT * FROM notifications WHERE id = ?');
  const ofUser = db.prepare<[string, number], NotificationRow>(
    'SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT ?',
  );
  const unread = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM notifications WHERE user_id = ? AND read_at_ms IS NULL',
  );
  const markRead = db.prepare<[number, number, string]>(
    'UPDATE notifications SET read_at_ms = ? WHERE id = ? AND user_id = ? AND read_at_ms IS NULL',
  );
  const emailed = db.prepare<[number | null, string | null, number]>(
    'UPDATE notifications SET emailed_at_ms = ?, email_error = ? WHERE id = ?',
  );
  const email = db.prepare<[string], { email: string | null }>('SELECT email FROM users WHERE id = ?');
  const setEmail = db.prepare<[string | null, string]>('UPDATE users SET email = ? WHERE id = ?');
  return {
    /** Adds it unless this user already has one with the same key; returns the new row or undefined. */
    add(n: NewNotification): NotificationRow | undefined {
      const r = insert.run(n);
      return r.changes ? byId.get(Number(r.lastInsertRowid)) : undefined;
    },
    list: (userId: string, limit = 100) => ofUser.all(userId, limit),
    unread: (userId: string) => unread.get(userId)!.n,
    markRead: (id: number, userId: string, now: number) => markRead.run(now, id, userId).changes > 0,
    markEmailed: (id: number, at: number | null, error: string | null) => void emailed.run(at, error, id),
    emailOf: (userId: string) => email.get(userId)?.email ?? null,
    setEmail: (userId: string, address: string | null) => void setEmail.run(address, userId),
  };
}
export type NotificationsRepository = ReturnType<typeof notificationsRepository>;

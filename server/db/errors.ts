/**
 * SQLite errors that say something about the database's surroundings (another process holds
 * the lock, the file or directory became read-only, the disk is full or failing) rather than
 * about the data being written. They are transient from the server's point of view: the request
 * gets 503, the write is retried later, and nothing is acked in the meantime.
 */
const ENVIRONMENT = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|FULL|CANTOPEN|PROTOCOL|NOMEM)/;

export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function isEnvironmentError(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && ENVIRONMENT.test(code);
}

/** Why the database cannot take writes, in words for an operator (vi / en). */
export function environmentReason(err: unknown): string {
  const code = sqliteCode(err) ?? '';
  if (/^SQLITE_(BUSY|LOCKED)/.test(code))
    return 'Cơ sở dữ liệu đang bị khoá bởi tiến trình khác / The database is locked by another process';
  if (code.startsWith('SQLITE_READONLY')) return 'Cơ sở dữ liệu chỉ đọc được / The database is read-only';
  if (code === 'SQLITE_FULL') return 'Ổ đĩa đã đầy / The disk is full';
  return `Lỗi đọc ghi cơ sở dữ liệu (${code}) / Database I/O error (${code})`;
}

/** A UNIQUE or PRIMARY KEY constraint said no: someone else created the same thing first. */
export function isUniqueViolation(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

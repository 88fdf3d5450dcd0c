/**
 * An online backup of the signage database while the server runs: SQLite's backup API copies
 * the database page by page from a read snapshot, so the server keeps writing (WAL) and every
 * transaction committed before the backup started is in the copy. The copy is then checked
 * (integrity_check) and switched out of WAL mode so it is one self-contained file.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BackupResult {
  file: string;
  bytes: number;
  plays: number;
  schemaVersion: number;
}

export async function backupDatabase(source: string, target: string): Promise<BackupResult> {
  if (!existsSync(source)) throw new Error(`Không có cơ sở dữ liệu ở ${source} / No database at ${source}`);
  if (existsSync(target)) throw new Error(`Tệp đã có / The file exists: ${target}`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  // A reader never blocks the server; only a checkpoint in progress may briefly make it wait.
  db.pragma('busy_timeout = 5000');
  try {
    await db.backup(partial);
  } finally {
    db.close();
  }
  const copy = new Database(partial);
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`Bản sao lưu hỏng / The backup is damaged: ${String(check)}`);
    copy.pragma('journal_mode = DELETE');
    const plays = (copy.prepare('SELECT COUNT(*) AS n FROM plays').get() as { n: number }).n;
    const schemaVersion =
      (copy.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    const bytes = (
      copy.prepare('SELECT page_count * page_size AS b FROM pragma_page_count, pragma_page_size').get() as {
        b: number;
      }
    ).b;
    copy.close();
    // Only a complete, checked copy gets the final name.
    renameSync(partial, target);
    return { file: target, bytes, plays, schemaVersion };
  } catch (err) {
    if (copy.open) copy.close();
    rmSync(partial, { force: true });
    throw err;
  }
}

/**
 * `npm run backup`: an online backup of data/signage.db while the server runs (SQLite backup
 * API), checked and written to data/backups/signage-<UTC time>.db unless --out says where.
 * Restoring is described in docs/operations.md.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { realClock } from '#shared/clock.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { backupDatabase, type BackupResult } from '../db/backup.ts';

const HELP = `Sao lưu cơ sở dữ liệu khi máy chủ đang chạy / Back up the database while the server runs

Usage: npm run backup -- [--data-dir DIR] [--out FILE]

  --data-dir DIR   the server's data directory (IHANOI_DATA_DIR, default data)
  --out FILE       where to write the copy (default DIR/backups/signage-<UTC time>.db)

Media files (DIR/media/<sha256>) never change once written: copy them with any file tool.
Restore: docs/operations.md.`;

export async function backupCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: { log(s: string): void; error(s: string): void } = console,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.error(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.log(HELP);
    return 0;
  }
  let dataDir: string;
  try {
    const c = parseConfig(values['data-dir'] ? ['--data-dir', values['data-dir']] : [], env);
    if (c === 'help') return 0;
    dataDir = c.dataDir;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.error(err.message);
      return 2;
    }
    throw err;
  }
  const stamp = new Date(realClock.now()).toISOString().replace(/[:.]/g, '-');
  const out = values.out ? resolve(values.out) : join(dataDir, 'backups', `signage-${stamp}.db`);
  let r: BackupResult;
  try {
    r = await backupDatabase(join(dataDir, 'signage.db'), out);
  } catch (err) {
    io.error(`Sao lưu thất bại / Backup failed: ${(err as Error).message}`);
    return 1;
  }
  io.log(
    `Đã sao lưu / Backed up: ${r.file} (${(r.bytes / 1_048_576).toFixed(1)} MB, ${r.plays} lượt phát / plays, schema ${r.schemaVersion}, integrity ok)`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  backupCli(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

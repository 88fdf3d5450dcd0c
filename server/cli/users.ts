/**
 * `npm run users -- <command>`: manage accounts on the same data directory the server uses
 * (--data-dir or IHANOI_DATA_DIR, default data/). Safe while the server runs (SQLite WAL).
 * Passwords are never taken on the command line, where `ps` and shell history would keep them:
 * the CLI generates a one-time password, prints it once, and the user changes it at first login.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { realClock } from '#shared/clock.ts';
import { Role } from '#shared/schemas/domain.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { openDatabase, TOOL_BUSY_TIMEOUT_MS } from '../db/database.ts';
import { createRepositories } from '../repositories/index.ts';
import { accountService, SCOPED_ROLES, type ScopeRef } from '../auth/accounts.ts';
import { AppError } from '../errors.ts';

const HELP = `Quản lý tài khoản / Manage user accounts

Usage: npm run users -- <command> [arguments] [--data-dir DIR]

Commands:
  list                                   list accounts with role and scope
  add <username> --role ROLE [--name "Display name"] [--site ID]... [--region ID]...
                                         create an account; prints a one-time password
  set-role <username> ROLE               change the role
  set-scopes <username> [--site ID]... [--region ID]...
                                         replace the sites/regions the user acts on
  reset-password <username>              print a new one-time password; ends the user's sessions
  disable <username> | enable <username> lock or unlock an account

Roles: ${Role.options.join(', ')}
  office_head and venue_staff act only on their scope (a region covers every site below it).

Options:
  --data-dir DIR   data directory with signage.db (env IHANOI_DATA_DIR, default: data)
  --help           show this text

Examples:
  npm run users -- add lan.nguyen --role office_head --name "Nguyễn Thị Lan" --site mot-cua-phuong-bach-khoa
  npm run users -- set-scopes lan.nguyen --region ha-noi/hai-ba-trung
  npm run users -- reset-password admin`;

class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export interface CliIo {
  log(line: string): void;
  error(line: string): void;
}

/** Runs one command; returns the exit code (0 ok, 2 usage or input error). */
export async function usersCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo = console,
): Promise<number> {
  try {
    await run(argv, env, io);
    return 0;
  } catch (err) {
    if (err instanceof CliExit) return err.code;
    throw err;
  }
}

async function run(argv: string[], env: Record<string, string | undefined>, io: CliIo) {
  const fail: (message: string) => never = (message) => {
    io.error(message);
    throw new CliExit(2);
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        site: { type: 'string', multiple: true },
        region: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const [command, username, arg] = positionals;
  if (values.help || !command) {
    io.log(HELP);
    return;
  }

  let config;
  try {
    const c = parseConfig(values['data-dir'] ? ['--data-dir', values['data-dir']] : [], env);
    if (c === 'help') return;
    config = c;
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const dbFile = join(config.dataDir, 'signage.db');
  // Run from the wrong folder, the default data/ would be a new, empty database: say where we
  // looked instead of creating one. A directory named on purpose may be a fresh one.
  if (!existsSync(dbFile) && !values['data-dir'] && !env['IHANOI_DATA_DIR'])
    fail(
      `Không có cơ sở dữ liệu ở ${dbFile}: chạy lệnh trong thư mục của máy chủ, hoặc chỉ rõ --data-dir. / ` +
        `No database at ${dbFile}: run this in the server's folder, or name it with --data-dir.`,
    );
  const { db } = openDatabase(dbFile, realClock, { busyTimeoutMs: TOOL_BUSY_TIMEOUT_MS });
  const repos = createRepositories(db, realClock);
  const accounts = accountService(db, repos, realClock);
  const actor = 'cli';

  const scopes = (): ScopeRef[] => [
    ...(values.site ?? []).map((id) => ({ kind: 'site' as const, id })),
    ...(values.region ?? []).map((id) => ({ kind: 'region' as const, id })),
  ];
  const parseRole = (r: string | undefined) => {
    const role = Role.safeParse(r);
    if (!role.success)
      fail(`Vai trò không hợp lệ / Unknown role "${r ?? ''}"; expected one of: ${Role.options.join(', ')}`);
    return role.data;
  };
  const userOr = (name: string | undefined) => {
    if (!name) fail(`Thiếu tên đăng nhập / Missing <username>.\n\n${HELP}`);
    const u = repos.users.getByUsername(name);
    if (!u) fail(`Không có tài khoản / No user "${name}". Run \`npm run users -- list\`.`);
    return u;
  };
  const printPassword = (name: string, pw: string) => {
    io.log(`Mật khẩu dùng một lần của ${name} / One-time password for ${name}: ${pw}`);
    io.log(
      'Chỉ hiện một lần; người dùng phải đổi khi đăng nhập. / Shown once; the user must change it at login.',
    );
  };

  try {
    switch (command) {
      case 'list': {
        for (const u of repos.users.list()) {
          const sc = repos.users.scopes(u.id).map((s) => `${s.kind}:${s.ref_id}`);
          const flags = [
            u.disabled_at_ms !== null ? 'disabled' : '',
            u.must_change_password ? 'must-change-password' : '',
          ].filter(Boolean);
          io.log(
            `${u.username.padEnd(20)} ${u.role.padEnd(17)} ${sc.join(', ') || '-'}${flags.length ? `  [${flags.join(', ')}]` : ''}`,
          );
        }
        break;
      }
      case 'add': {
        if (!username) fail(`Thiếu tên đăng nhập / Missing <username>.\n\n${HELP}`);
        const role = parseRole(values.role);
        const sc = scopes();
        if (SCOPED_ROLES.includes(role) && sc.length === 0) {
          io.error(
            `Lưu ý / Note: ${role} without --site/--region can act on no site yet; add a scope with set-scopes.`,
          );
        }
        const { oneTimePassword } = await accounts.create(
          { username, displayName: values.name ?? username, role, scopes: sc },
          actor,
        );
        io.log(`Đã tạo / Created ${username} (${role}).`);
        printPassword(username, oneTimePassword!);
        break;
      }
      case 'set-role': {
        const u = userOr(username);
        const role = parseRole(arg ?? values.role);
        accounts.update(u.id, { role }, actor);
        io.log(`${u.username}: ${u.role} → ${role}`);
        break;
      }
      case 'set-scopes': {
        const u = userOr(username);
        accounts.update(u.id, { scopes: scopes() }, actor);
        io.log(
          `${u.username}: ${
            scopes()
              .map((s) => `${s.kind}:${s.id}`)
              .join(', ') || '(no scope)'
          }`,
        );
        break;
      }
      case 'reset-password': {
        const u = userOr(username);
        printPassword(u.username, await accounts.resetPassword(u.id, actor));
        break;
      }
      case 'disable':
      case 'enable': {
        const u = userOr(username);
        accounts.update(u.id, { disabled: command === 'disable' }, actor);
        io.log(`${u.username}: ${command}d`);
        break;
      }
      default:
        fail(`Lệnh không rõ / Unknown command "${command}".\n\n${HELP}`);
    }
  } catch (err) {
    if (err instanceof AppError) fail(err.message);
    throw err;
  } finally {
    db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  usersCli(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

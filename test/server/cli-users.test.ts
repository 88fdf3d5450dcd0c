import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '#shared/clock.ts';
import { openDatabase } from '#server/db/database.ts';
import { createRepositories } from '#server/repositories/index.ts';
import { verifyPassword } from '#server/auth/passwords.ts';
import { usersCli } from '#server/cli/users.ts';

async function users(dataDir: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await usersCli(
    [...args, '--data-dir', dataDir],
    {},
    { log: (l) => out.push(l), error: (l) => err.push(l) },
  );
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('npm run users', () => {
  it('runs as a command and prints its help', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli/users.ts', '--help'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('reset-password <username>');
  });

  it('list without --data-dir, run away from the server, says where it looked and creates nothing', async () => {
    const cwd = process.cwd();
    const elsewhere = mkdtempSync(join(tmpdir(), 'ihanoi-cli-cwd-'));
    process.chdir(elsewhere);
    try {
      const err: string[] = [];
      const code = await usersCli(['list'], {}, { log: () => {}, error: (l) => err.push(l) });
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/No database at \S*data\/signage\.db: .*--data-dir/);
      expect(existsSync(join(elsewhere, 'data'))).toBe(false);
    } finally {
      process.chdir(cwd);
    }
  });

  it('adds a user with a one-time password, changes role and scopes, resets the password, and audits it all', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ihanoi-cli-'));
    const add = await users(dataDir, 'add', 'kiem.toan', '--role', 'auditor', '--name', 'Kiểm toán viên');
    expect(add.code).toBe(0);
    const otp = /One-time password for kiem\.toan: (\S+)/.exec(add.stdout)![1]!;
    expect((await users(dataDir, 'add', 'kiem.toan', '--role', 'auditor')).stderr).toMatch(/is taken/);

    const king = await users(dataDir, 'set-role', 'kiem.toan', 'king');
    expect(king.code).toBe(2);
    expect(king.stderr).toContain('campaign_manager, office_head, venue_staff, auditor');
    expect((await users(dataDir, 'set-role', 'kiem.toan', 'venue_staff')).code).toBe(0);
    const badScope = await users(dataDir, 'set-scopes', 'kiem.toan', '--site', 'no-such-site');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('no-such-site');
    expect((await users(dataDir, 'reset-password', 'nobody')).stderr).toContain('No user "nobody"');
    const reset = await users(dataDir, 'reset-password', 'kiem.toan');
    const otp2 = /One-time password for kiem\.toan: (\S+)/.exec(reset.stdout)![1]!;
    expect(otp2).not.toBe(otp);
    const list = await users(dataDir, 'list');
    expect(list.stdout).toMatch(/kiem\.toan\s+venue_staff\s+-\s+\[must-change-password\]/);
    expect((await users(dataDir, 'nonsense')).code).toBe(2);

    const { db } = openDatabase(join(dataDir, 'signage.db'), new VirtualClock(0));
    try {
      const repos = createRepositories(db, new VirtualClock(0));
      const u = repos.users.getByUsername('kiem.toan')!;
      expect(u).toMatchObject({
        role: 'venue_staff',
        display_name: 'Kiểm toán viên',
        must_change_password: 1,
      });
      expect(await verifyPassword(otp2, u.password_hash)).toBe(true);
      expect(await verifyPassword(otp, u.password_hash)).toBe(false);
      const actions = repos.audit
        .page(0, Number.MAX_SAFE_INTEGER, 50, 0)
        .map((a) => `${a.actor} ${a.action}`);
      expect(actions).toEqual(['cli user.reset-password', 'cli user.update', 'cli user.create']);
    } finally {
      db.close();
    }
  });
});

/**
 * Another real process that takes a SQLite database's write lock (BEGIN EXCLUSIVE plus a write)
 * and holds it until told to let go: what a backup tool, a sqlite3 shell or a stuck second
 * server does to the signage server in the field.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

const SCRIPT = `
  const Database = require('better-sqlite3');
  const db = new Database(process.argv[1]);
  db.exec('BEGIN EXCLUSIVE');
  db.exec('UPDATE schema_migrations SET version = version WHERE 0');
  process.stdout.write('locked\\n');
  process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
`;

export class DbLocker {
  private readonly child: ChildProcessWithoutNullStreams;
  private out = '';
  private readonly waiters: { word: string; resolve: () => void }[] = [];

  constructor(file: string) {
    this.child = spawn(process.execPath, ['-e', SCRIPT, file], { cwd: ROOT });
    this.child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
      for (const w of this.waiters.splice(0)) {
        if (this.out.includes(w.word)) w.resolve();
        else this.waiters.push(w);
      }
    });
  }

  private when(word: string): Promise<void> {
    if (this.out.includes(word)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ word, resolve }));
  }

  /** Resolves once the other process holds the lock. */
  locked(): Promise<void> {
    return this.when('locked');
  }

  /** Commits and exits the other process; resolves once the lock is gone. */
  release(): Promise<void> {
    this.child.stdin.write('go\n');
    return this.when('released');
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

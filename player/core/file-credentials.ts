/** The headless player's credential store: a JSON file readable only by its owner (0600). */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CredentialStore, Credentials } from './credentials.ts';
import { writeFileAtomic } from './fsutil.ts';

const Stored = z.object({
  screenId: z.string().min(1),
  token: z.string().min(16),
  serverUrl: z.string().min(1),
});

export class FileCredentialStore implements CredentialStore {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = join(dataDir, 'credentials.json');
  }
  async load(): Promise<Credentials | null> {
    if (!existsSync(this.file)) return null;
    try {
      const parsed = Stored.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      // Unreadable: the screen shows a pairing code again rather than not starting at all.
      return null;
    }
  }
  async save(c: Credentials): Promise<void> {
    writeFileAtomic(this.file, JSON.stringify(c, null, 2));
  }
  async clear(): Promise<void> {
    rmSync(this.file, { force: true });
  }
}

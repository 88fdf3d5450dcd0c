/**
 * Where the Electron player keeps its pairing (screen id, token, server URL).
 *
 * With an OS keychain (DPAPI on Windows, libsecret/kwallet on Linux desktops) the credentials
 * are encrypted with Electron's safeStorage and written to credentials.enc in userData, so a
 * copied disk image or a backup does not carry a usable token. Without one, they go to a
 * credentials.json that only the kiosk user can read (0600), and the log says so, because that
 * is weaker and whoever runs the screens should know.
 *
 * safeStorage and the file system are parameters: the tests pass a fake encryptor (the OS
 * keychain is outside the machine's process boundary) and a real temp directory.
 * safeStorage only works after Electron's app 'ready' event; main.ts builds the store then.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { CredentialStore, Credentials } from '../core/credentials.ts';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only; 'basic_text' means a fixed key, i.e. obfuscation rather than protection. */
  getSelectedStorageBackend?(): string;
}

export interface CredentialFs {
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: string | Uint8Array, options: { mode: number }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: true }): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
}

const StoredCredentials = z.object({
  screenId: z.string().min(1).max(200),
  token: z.string().min(1).max(4096),
  serverUrl: z
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), 'the server URL must be http:// or https://'),
});

export const ENCRYPTED_FILE = 'credentials.enc';
export const PLAIN_FILE = 'credentials.json';

export interface SafeStorageCredentialOptions {
  safeStorage: SafeStorageLike;
  /** Electron's app.getPath('userData'). */
  dir: string;
  fs: CredentialFs;
  log?: (message: string) => void;
}

function isMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === 'ENOENT';
}

export function safeStorageCredentialStore(opts: SafeStorageCredentialOptions): CredentialStore {
  const { safeStorage, fs, dir } = opts;
  const log = opts.log ?? (() => {});
  const encPath = join(dir, ENCRYPTED_FILE);
  const plainPath = join(dir, PLAIN_FILE);
  let warnedPlain = false;

  const canEncrypt = () => {
    try {
      return safeStorage.isEncryptionAvailable();
    } catch {
      return false;
    }
  };

  async function readIfExists(path: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(path);
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  /** Temp file then rename: a power cut mid-write must not leave a half-written token. */
  async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    const tmp = `${path}.tmp`;
    await fs.writeFile(tmp, data, { mode: 0o600 });
    await fs.rename(tmp, path);
  }

  function parse(text: string, source: string): Credentials | null {
    try {
      const parsed = StoredCredentials.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // fall through
    }
    log(`ignored unreadable credentials in ${source}; the screen will need pairing again`);
    return null;
  }

  async function save(credentials: Credentials): Promise<void> {
    const checked = StoredCredentials.parse(credentials);
    const json = JSON.stringify(checked);
    if (canEncrypt()) {
      if (safeStorage.getSelectedStorageBackend?.() === 'basic_text') {
        log('no keyring on this Linux session: credentials are encrypted with a built-in key only');
      }
      await writeAtomically(encPath, safeStorage.encryptString(json));
      await fs.rm(plainPath, { force: true });
      return;
    }
    if (!warnedPlain) {
      log(
        `OS credential encryption is not available; storing the screen token in ${plainPath} ` +
          '(readable by this user only). On Linux, a desktop keyring (gnome-keyring or KWallet) fixes this.',
      );
      warnedPlain = true;
    }
    await writeAtomically(plainPath, json);
    await fs.rm(encPath, { force: true });
  }

  return {
    async load() {
      const encrypted = await readIfExists(encPath);
      if (encrypted) {
        if (!canEncrypt()) {
          log(`cannot decrypt ${encPath}: the OS keychain is not available in this session`);
          return null;
        }
        let text: string;
        try {
          text = safeStorage.decryptString(encrypted);
        } catch (err) {
          log(
            `cannot decrypt ${encPath} (${err instanceof Error ? err.message : String(err)}); the screen will need pairing again`,
          );
          return null;
        }
        return parse(text, encPath);
      }
      const plain = await readIfExists(plainPath);
      if (!plain) return null;
      const credentials = parse(plain.toString('utf8'), plainPath);
      // A keychain that appeared since (e.g. gnome-keyring installed later) takes over the file.
      if (credentials && canEncrypt()) {
        await save(credentials);
        log(`moved the credentials from ${PLAIN_FILE} to encrypted ${ENCRYPTED_FILE}`);
      }
      return credentials;
    },
    save,
    async clear() {
      await fs.rm(encPath, { force: true });
      await fs.rm(plainPath, { force: true });
    },
  };
}

import * as fsp from 'node:fs/promises';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ENCRYPTED_FILE,
  PLAIN_FILE,
  safeStorageCredentialStore,
  type SafeStorageLike,
} from '../../../player/electron/credentials-safe-storage.ts';

const CREDS = {
  screenId: 'scr_01J8ZK3Q',
  token: 'tok-7f3a9c…secret',
  serverUrl: 'https://signage.hanoi.example/',
};

/**
 * Stands in for the OS keychain (DPAPI, libsecret), which is outside this process: a keyed XOR
 * with a header, enough to show that the file on disk is not the plain text and that a
 * different key cannot read it.
 */
function fakeKeychain(key = 0x5a, available = true) {
  const k: SafeStorageLike & { available: boolean; backend: string } = {
    available,
    backend: 'gnome_libsecret',
    isEncryptionAvailable: () => k.available,
    encryptString: (plain: string) =>
      Buffer.concat([Buffer.from('v10'), Buffer.from(plain, 'utf8').map((b) => b ^ key)]),
    decryptString: (enc: Buffer) => {
      if (enc.subarray(0, 3).toString() !== 'v10')
        throw new Error('Error while decrypting the ciphertext provided');
      const plain = Buffer.from(enc.subarray(3).map((b) => b ^ key)).toString('utf8');
      if (!plain.startsWith('{')) throw new Error('Error while decrypting the ciphertext provided');
      return plain;
    },
    getSelectedStorageBackend: () => k.backend,
  };
  return k;
}

describe('safeStorageCredentialStore', () => {
  let dir: string;
  let logged: string[];
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'creds-')), 'userData');
    logged = [];
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const store = (safeStorage: SafeStorageLike) =>
    safeStorageCredentialStore({ safeStorage, dir, fs: fsp, log: (m) => logged.push(m) });

  it('encrypts with the OS keychain when there is one: nothing readable on disk', async () => {
    const s = store(fakeKeychain());
    await expect(s.load()).resolves.toBeNull();
    await s.save(CREDS);
    expect(readdirSync(dir)).toEqual([ENCRYPTED_FILE]);
    const onDisk = readFileSync(join(dir, ENCRYPTED_FILE));
    expect(onDisk.toString('latin1')).not.toContain('secret');
    expect(onDisk.toString('latin1')).not.toContain('scr_01J8ZK3Q');
    expect(statSync(join(dir, ENCRYPTED_FILE)).mode & 0o777).toBe(0o600);
    await expect(store(fakeKeychain()).load()).resolves.toEqual(CREDS);
    expect(logged).toEqual([]);
  });

  it('falls back to a 0600 JSON file with a warning, once', async () => {
    const s = store(fakeKeychain(0x5a, false));
    await s.save(CREDS);
    await s.save({ ...CREDS, token: 'rotated' });
    expect(readdirSync(dir)).toEqual([PLAIN_FILE]);
    expect(statSync(join(dir, PLAIN_FILE)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, PLAIN_FILE), 'utf8'))).toEqual({ ...CREDS, token: 'rotated' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/not available.*readable by this user only/);
    await expect(s.load()).resolves.toEqual({ ...CREDS, token: 'rotated' });
  });

  it('moves plain credentials into encrypted storage once a keychain appears', async () => {
    await store(fakeKeychain(0x5a, false)).save(CREDS);
    const s = store(fakeKeychain());
    await expect(s.load()).resolves.toEqual(CREDS);
    expect(readdirSync(dir)).toEqual([ENCRYPTED_FILE]);
    expect(logged.at(-1)).toContain('moved the credentials');
  });

  it('warns that the basic_text backend is not real protection', async () => {
    const k = fakeKeychain();
    k.backend = 'basic_text';
    await store(k).save(CREDS);
    expect(logged.some((m) => m.includes('built-in key only'))).toBe(true);
  });

  it('returns null (pair again) rather than crash when the ciphertext cannot be read', async () => {
    await store(fakeKeychain(0x5a)).save(CREDS);
    await expect(store(fakeKeychain(0x33)).load()).resolves.toBeNull(); // another user's / machine's key
    await expect(store(fakeKeychain(0x5a, false)).load()).resolves.toBeNull(); // keychain locked
    expect(logged.filter((m) => m.includes('cannot decrypt'))).toHaveLength(2);
  });

  it('ignores a damaged or tampered plain file', async () => {
    await fsp.mkdir(dir, { recursive: true });
    for (const bad of [
      '{"screenId":"x"',
      JSON.stringify({ ...CREDS, serverUrl: 'file:///etc/passwd' }),
      '[]',
    ]) {
      writeFileSync(join(dir, PLAIN_FILE), bad);
      await expect(store(fakeKeychain(0x5a, false)).load()).resolves.toBeNull();
    }
    expect(logged.every((m) => m.includes('pairing again'))).toBe(true);
  });

  it('refuses to save malformed credentials', async () => {
    const s = store(fakeKeychain());
    await expect(s.save({ ...CREDS, token: '' })).rejects.toThrow();
    await expect(s.save({ ...CREDS, serverUrl: 'javascript:alert(1)' })).rejects.toThrow();
    expect(existsSync(dir)).toBe(false);
  });

  it('clear() forgets both forms', async () => {
    await store(fakeKeychain(0x5a, false)).save(CREDS);
    await fsp.writeFile(join(dir, ENCRYPTED_FILE), 'stale');
    const s = store(fakeKeychain());
    await s.clear();
    expect(readdirSync(dir)).toEqual([]);
    await expect(s.load()).resolves.toBeNull();
  });
});

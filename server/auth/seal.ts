/**
 * A pairing credential waiting for its first hello is kept sealed (AES-256-GCM) under a key
 * derived from the pairing secret, which only the waiting player holds (the server keeps its
 * sha256, from which the key cannot be derived). A player that resumes with the secret gets the
 * same credential back; the database alone does not reveal it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const INFO = 'ihanoi-signage pairing credential v1';

function keyOf(secret: string): Buffer {
  return createHmac('sha256', secret).update(INFO).digest();
}

export function sealWithSecret(plain: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The sealed text, or null when the box was not sealed with this secret (or was altered). */
export function openWithSecret(box: string, secret: string): string | null {
  const raw = Buffer.from(box, 'base64url');
  if (raw.length < 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

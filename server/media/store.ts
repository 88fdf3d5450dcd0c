/**
 * The content-addressed media store: data/media/<sha256>. Files are written to a temp name while
 * hashing and only renamed into place once the digest is known and the bytes are checked, so a
 * half-written or rejected upload never appears under a real name.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Sent with stored media: should a polyglot file be opened as a page, it runs nothing. */
export const MEDIA_CSP =
  "default-src 'none'; media-src 'self'; img-src 'self'; sandbox; frame-ancestors 'none'";

export class UploadTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`upload exceeds ${limitBytes} bytes`);
  }
}

export interface StagedFile {
  tmpPath: string;
  sha256: string;
  bytes: number;
}

export class MediaStore {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'tmp'), { recursive: true });
  }

  pathOf(sha256: string): string {
    return join(this.dir, sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  size(sha256: string): number {
    return statSync(this.pathOf(sha256)).size;
  }

  /** Streams to a temp file, hashing and counting; aborts once `limitBytes` is passed. */
  async stage(source: Readable, limitBytes: number): Promise<StagedFile> {
    const tmpPath = join(this.dir, 'tmp', `${randomBytes(8).toString('hex')}.part`);
    const hash = createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > limitBytes) {
          done(new UploadTooLarge(limitBytes));
          return;
        }
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmpPath));
    } catch (err) {
      rmSync(tmpPath, { force: true });
      // Drain what is left so the client sees our answer instead of a reset connection.
      source.resume();
      throw err;
    }
    return { tmpPath, sha256: hash.digest('hex'), bytes };
  }

  /** Moves a staged file to its content address; identical bytes already stored are kept. */
  commit(staged: StagedFile): string {
    const dest = this.pathOf(staged.sha256);
    if (existsSync(dest)) rmSync(staged.tmpPath, { force: true });
    else renameSync(staged.tmpPath, dest);
    return dest;
  }

  /** Removes a stored file (an upload whose row could not be written). */
  remove(sha256: string): void {
    rmSync(this.pathOf(sha256), { force: true });
  }

  discard(staged: StagedFile): void {
    rmSync(staged.tmpPath, { force: true });
  }

  /** Copies a file in (the playlist loader), checking the digest the playlist expects. */
  async importFile(path: string, expectedSha256: string): Promise<void> {
    if (this.has(expectedSha256)) return;
    const staged = await this.stage(createReadStream(path), Number.MAX_SAFE_INTEGER);
    if (staged.sha256 !== expectedSha256) {
      this.discard(staged);
      throw new Error(`${path}: sha256 is ${staged.sha256}, expected ${expectedSha256}`);
    }
    this.commit(staged);
  }
}

export async function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

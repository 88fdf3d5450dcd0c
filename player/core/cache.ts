/**
 * The media cache: content-addressed files named by their sha256. A file is only used after
 * its bytes hashed to its name; downloads go to `<sha>.part`, resume with HTTP Range, and are
 * renamed into place atomically once verified. A corrupt or missing file is fetched again.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  statfsSync,
  utimesSync,
  fsyncSync,
  openSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CacheState, PlanMedia } from '#shared/schemas/protocol.ts';
import { fsyncDir } from './fsutil.ts';

export type Log = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  data?: Record<string, unknown>,
) => void;

export interface CacheProgress {
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
  error?: string | undefined;
}

/** Keep this much free beyond what the plan's media need, for the journal and the OS. */
const FREE_SPACE_MARGIN = 64 * 1024 * 1024;

export async function sha256OfFile(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

export function freeDiskBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export class MediaCache {
  readonly dir: string;
  private readonly verified = new Set<string>();
  private state: CacheProgress = { done: 0, total: 0, bytesDone: 0, bytesTotal: 0 };
  private running: Promise<void> | null = null;
  private again: { media: PlanMedia[]; baseUrl: string; token: string } | null = null;

  constructor(
    dataDir: string,
    private readonly log: Log,
    private readonly onProgress: (p: CacheProgress) => void = () => {},
    private readonly freeBytes: (dir: string) => number = freeDiskBytes,
  ) {
    this.dir = join(dataDir, 'media');
    mkdirSync(this.dir, { recursive: true });
  }

  fileOf(sha256: string): string {
    return join(this.dir, sha256);
  }

  isReady(sha256: string): boolean {
    return this.verified.has(sha256) && existsSync(this.fileOf(sha256));
  }

  /** Hashes of the files on disk (verified or not): what `hello.cachedMedia` reports. */
  onDisk(): string[] {
    return readdirSync(this.dir).filter((f) => /^[0-9a-f]{64}$/.test(f));
  }

  progress(): CacheProgress {
    return this.state;
  }

  cacheState(): CacheState {
    const { done, total, bytesDone, bytesTotal, error } = this.state;
    return { ready: done, needed: total, bytesDone, bytesTotal, ...(error ? { error } : {}) };
  }

  /** Marks a file as recently used, for LRU eviction. */
  touch(sha256: string, atMs: number): void {
    try {
      utimesSync(this.fileOf(sha256), atMs / 1000, atMs / 1000);
    } catch {
      /* evicted or never there: the next ensure() fetches it */
    }
  }

  /**
   * Brings the cache in line with the plan's media. Runs one pass at a time; a call while a
   * pass runs is remembered and run after it with the newest list.
   */
  ensure(media: PlanMedia[], baseUrl: string, token: string): Promise<void> {
    this.again = { media, baseUrl, token };
    if (!this.running) {
      this.running = (async () => {
        while (this.again) {
          const job = this.again;
          this.again = null;
          await this.pass(job.media, job.baseUrl, job.token);
        }
      })().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private emit(p: Partial<CacheProgress>): void {
    this.state = { ...this.state, ...p };
    this.onProgress(this.state);
  }

  private async pass(media: PlanMedia[], baseUrl: string, token: string): Promise<void> {
    const keep = new Set(media.map((m) => m.sha256));
    const bytesTotal = media.reduce((s, m) => s + m.bytes, 0);
    let bytesDone = 0;
    let done = 0;
    this.emit({ done: 0, total: media.length, bytesDone: 0, bytesTotal, error: undefined });
    let lastError: string | undefined;

    for (const m of media) {
      const file = this.fileOf(m.sha256);
      if (!this.verified.has(m.sha256) && existsSync(file)) {
        if ((await sha256OfFile(file)) === m.sha256) this.verified.add(m.sha256);
        else {
          this.log('warn', 'cached media is corrupt; fetching it again', { sha256: m.sha256 });
          rmSync(file, { force: true });
        }
      }
      if (this.isReady(m.sha256)) {
        done++;
        bytesDone += m.bytes;
        this.emit({ done, bytesDone });
        continue;
      }
      this.verified.delete(m.sha256);
      try {
        this.makeRoom(m.bytes, keep);
        await this.download(m, baseUrl, token, (n) => this.emit({ bytesDone: bytesDone + n }));
        done++;
        bytesDone += m.bytes;
        this.emit({ done, bytesDone });
      } catch (err) {
        lastError = (err as Error).message;
        this.log('warn', 'media download failed', { sha256: m.sha256, error: lastError });
      }
    }
    this.emit({ error: lastError });
    if (lastError) throw new Error(lastError);
  }

  /** Evicts media the plan no longer uses, least recently used first, until `bytes` fit. */
  private makeRoom(bytes: number, keep: ReadonlySet<string>): void {
    const need = bytes + FREE_SPACE_MARGIN;
    if (this.freeBytes(this.dir) >= need) return;
    const victims = this.onDisk()
      .filter((sha) => !keep.has(sha))
      .map((sha) => ({ sha, used: statSync(this.fileOf(sha)).mtimeMs }))
      .sort((a, b) => a.used - b.used);
    for (const v of victims) {
      rmSync(this.fileOf(v.sha), { force: true });
      this.verified.delete(v.sha);
      this.log('info', 'evicted unused media', { sha256: v.sha });
      if (this.freeBytes(this.dir) >= need) return;
    }
    throw new Error(
      `Không đủ dung lượng đĩa: cần ${Math.ceil(need / 1e6)} MB trống. / Not enough disk space: ${Math.ceil(need / 1e6)} MB free needed.`,
    );
  }

  /** Removes media that no plan needs any more (run after a plan is applied). */
  evictUnused(keep: ReadonlySet<string>): void {
    for (const sha of this.onDisk()) {
      if (keep.has(sha)) continue;
      rmSync(this.fileOf(sha), { force: true });
      this.verified.delete(sha);
    }
  }

  private async download(
    m: PlanMedia,
    baseUrl: string,
    token: string,
    progress: (bytes: number) => void,
  ): Promise<void> {
    const part = `${this.fileOf(m.sha256)}.part`;
    const url = new URL(m.url, baseUrl).toString();
    for (let attempt = 0; attempt < 2; attempt++) {
      let have = existsSync(part) ? statSync(part).size : 0;
      if (have > m.bytes) {
        rmSync(part, { force: true });
        have = 0;
      }
      if (have < m.bytes) {
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${token}`, ...(have > 0 ? { range: `bytes=${have}-` } : {}) },
        });
        if (res.status === 416) {
          rmSync(part, { force: true });
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} for ${url}`);
        // A server that ignores Range answers 200 with the whole file: start the part over.
        const append = res.status === 206 && have > 0;
        if (!append) have = 0;
        let written = have;
        const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
        body.on('data', (chunk: Buffer) => {
          written += chunk.length;
          progress(written);
        });
        await pipeline(body, createWriteStream(part, { flags: append ? 'a' : 'w', mode: 0o600 }));
      }
      const fd = openSync(part, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const actual = await sha256OfFile(part);
      if (actual === m.sha256) {
        renameSync(part, this.fileOf(m.sha256));
        fsyncDir(this.dir);
        this.verified.add(m.sha256);
        this.log('info', 'media downloaded and verified', { sha256: m.sha256, bytes: m.bytes });
        return;
      }
      // The bytes are wrong (corrupt resume, bad server copy): never use them, start over once.
      this.log('warn', 'downloaded media failed its sha256 check; discarded', { expected: m.sha256, actual });
      rmSync(part, { force: true });
    }
    throw new Error(
      `Tệp ${m.sha256.slice(0, 12)}… sai mã sha256 sau khi tải. / Media ${m.sha256.slice(0, 12)}… failed its sha256 check.`,
    );
  }
}

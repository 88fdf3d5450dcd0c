/**
 * The media cache against a real HTTP server on loopback: Range resume, sha256 gate, free
 * space check and LRU eviction of media the plan no longer needs.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MediaCache } from '#player/core/cache.ts';

let dir: string;
let server: Server;
let base: string;
const files = new Map<string, Buffer>();
const ranges: (string | undefined)[] = [];

function media(size: number) {
  const bytes = randomBytes(size);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  files.set(sha256, bytes);
  return { sha256, bytes, url: `/m/${sha256}`, size };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ihanoi-cache-'));
  ranges.length = 0;
  server = createServer((req, res) => {
    const sha = req.url!.slice(3);
    const body = files.get(sha);
    if (!body) return void res.writeHead(404).end();
    if (req.headers.authorization !== 'Bearer tok-123') return void res.writeHead(401).end();
    ranges.push(req.headers.range);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      res
        .writeHead(206, { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` })
        .end(body.subarray(start));
    } else res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const quiet = () => {};

it('resumes a partial download with Range and verifies the whole file', async () => {
  const m = media(300_000);
  mkdirSync(join(dir, 'media'), { recursive: true });
  writeFileSync(join(dir, 'media', `${m.sha256}.part`), m.bytes.subarray(0, 120_000));
  const cache = new MediaCache(dir, quiet);
  await cache.ensure(
    [{ sha256: m.sha256, url: m.url, bytes: m.size, mimeType: 'video/mp4' }],
    base,
    'tok-123',
  );
  expect(ranges).toEqual(['bytes=120000-']);
  expect(cache.isReady(m.sha256)).toBe(true);
  expect(readFileSync(cache.fileOf(m.sha256)).equals(m.bytes)).toBe(true);
  expect(readdirSync(join(dir, 'media'))).toEqual([m.sha256]);
});

it('a resumed part with wrong bytes fails the check and is downloaded again from the start', async () => {
  const m = media(200_000);
  mkdirSync(join(dir, 'media'), { recursive: true });
  writeFileSync(join(dir, 'media', `${m.sha256}.part`), randomBytes(50_000));
  const cache = new MediaCache(dir, quiet);
  await cache.ensure(
    [{ sha256: m.sha256, url: m.url, bytes: m.size, mimeType: 'video/mp4' }],
    base,
    'tok-123',
  );
  expect(ranges).toEqual(['bytes=50000-', undefined]);
  expect(readFileSync(cache.fileOf(m.sha256)).equals(m.bytes)).toBe(true);
});

it('evicts media the plan no longer uses, least recently played first, only as far as needed', async () => {
  const old1 = media(1000);
  const old2 = media(1000);
  const wanted = media(10_000);
  mkdirSync(join(dir, 'media'), { recursive: true });
  writeFileSync(join(dir, 'media', old1.sha256), old1.bytes);
  writeFileSync(join(dir, 'media', old2.sha256), old2.bytes);
  utimesSync(join(dir, 'media', old1.sha256), 1000, 1000); // played long ago
  utimesSync(join(dir, 'media', old2.sha256), 2000, 2000);
  // The disk has room only once one old file is gone.
  const cache = new MediaCache(dir, quiet, undefined, (d) =>
    readdirSync(d).length >= 2 ? 0 : Number.MAX_SAFE_INTEGER,
  );
  await cache.ensure(
    [{ sha256: wanted.sha256, url: wanted.url, bytes: wanted.size, mimeType: 'video/mp4' }],
    base,
    'tok-123',
  );
  expect(readdirSync(join(dir, 'media')).sort()).toEqual([old2.sha256, wanted.sha256].sort());
});

it('reports, in words a person can act on, when the disk is too full even after eviction', async () => {
  const m = media(1000);
  const cache = new MediaCache(dir, quiet, undefined, () => 0);
  await expect(
    cache.ensure([{ sha256: m.sha256, url: m.url, bytes: m.size, mimeType: 'video/mp4' }], base, 'tok-123'),
  ).rejects.toThrow(/Not enough disk space/);
  expect(cache.cacheState().error).toMatch(/Không đủ dung lượng/);
  expect(ranges).toEqual([]);
});

/**
 * Implausible media is refused, media is served as what its bytes are (never as a page), and an
 * upload that fails for any reason leaves nothing on disk.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, login, type Client } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { parseConfig } from '#server/config.ts';

const MP4 = readFileSync('playlists/media/ihanoi-promo.mp4');

/** The promo with its mvhd timescale and duration replaced. */
function withDuration(timescale: number, duration: number): Buffer {
  const b = Buffer.from(MP4);
  const at = b.indexOf('mvhd');
  expect(b[at + 4]).toBe(0); // version 0: 32-bit fields
  b.writeUInt32BE(timescale, at + 16);
  b.writeUInt32BE(duration, at + 20);
  return b;
}

/** Files under data/media, temp files included. */
function mediaFiles(s: TestServer): string[] {
  const dir = join(s.dataDir, 'media');
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function upload(s: TestServer, token: string, body: Buffer, type = 'video/mp4') {
  const res = await fetch(`${s.url}/api/v1/media?name=x.mp4`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${token}` },
    body: new Uint8Array(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { code: string; detail: string; sha256?: string },
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('media safety', () => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer({
      config: { adminPassword: ADMIN_PASSWORD, playlistsDir: 'playlists', maxUploadMb: 2 },
    });
    const { runStartup } = await import('#server/startup.ts');
    await runStartup(s.app, () => {});
    admin = await login(s, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => s.close());

  it('refuses a video that claims 136 years or 1 ms, with a message saying the range', async () => {
    const before = mediaFiles(s);
    for (const body of [withDuration(1, 0xfffffffe), withDuration(1000, 1), withDuration(1, 3601)]) {
      const r = await upload(s, admin.token!, body);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('MEDIA_DURATION_OUT_OF_RANGE');
      expect(r.body.detail).toMatch(
        /^Thời lượng .* 1 giây .* 1 giờ.* \/ The duration .* between 1 s and 1 h/,
      );
    }
    expect(mediaFiles(s)).toEqual(before);
    // The edges are fine.
    expect((await upload(s, admin.token!, withDuration(1, 3600))).status).toBe(201);
    expect((await upload(s, admin.token!, withDuration(1000, 1000))).status).toBe(201);
  });

  it('serves an MP4/HTML polyglot as video/mp4 with nosniff and a sandbox, never as a page', async () => {
    const page = Buffer.from(
      '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>',
    );
    const polyglot = Buffer.concat([withDuration(1000, 15_000), page]);
    const r = await upload(s, admin.token!, polyglot, 'application/octet-stream');
    expect(r.status).toBe(201);
    for (const path of [`/api/v1/media/${r.body.sha256}`]) {
      const res = await fetch(s.url + path, { headers: { authorization: `Bearer ${admin.token}` } });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/mp4');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain('sandbox');
    }
    // Sent as text/html, it is refused before a byte is stored.
    const html = await upload(s, admin.token!, polyglot, 'text/html');
    expect(html.status).toBe(415);
  });

  it('leaves nothing on disk when the upload is cut off mid-way', async () => {
    const before = mediaFiles(s);
    const port = Number(new URL(s.url).port);
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/media?name=cut.mp4',
      headers: {
        'content-type': 'video/mp4',
        'content-length': String(MP4.length),
        authorization: `Bearer ${admin.token}`,
      },
    });
    req.on('error', () => undefined);
    req.write(MP4.subarray(0, 64 * 1024));
    // Cut only once the server is writing the temp file: a cut before the handler started would
    // leave nothing to clean up, and a late start would leave a file behind for the next test.
    try {
      await until('the server to start the temp file', () => mediaFiles(s).some((f) => f.endsWith('.part')));
    } finally {
      // The client vanishes mid-upload.
      req.destroy();
    }
    await until('the temp file to go', () => JSON.stringify(mediaFiles(s)) === JSON.stringify(before));
  });

  it('leaves nothing on disk when storing the row fails after the bytes were checked', async () => {
    const before = mediaFiles(s);
    s.db.exec(
      `CREATE TRIGGER refuse_media BEFORE INSERT ON media BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    try {
      const r = await upload(s, admin.token!, withDuration(1000, 20_000));
      expect(r.status).toBe(500);
      expect(mediaFiles(s)).toEqual(before);
    } finally {
      s.db.exec('DROP TRIGGER refuse_media');
    }
  });

  it('leaves nothing on disk for a body over the limit, empty or not a video', async () => {
    const before = mediaFiles(s);
    expect((await upload(s, admin.token!, Buffer.alloc(3 * 1024 * 1024, 1))).status).toBe(413);
    expect((await upload(s, admin.token!, Buffer.alloc(0))).status).toBe(415);
    expect((await upload(s, admin.token!, Buffer.from('not a video at all'))).status).toBe(415);
    expect(mediaFiles(s)).toEqual(before);
  });

  it('takes the range from --media-min-seconds and --media-max-seconds', () => {
    const c = parseConfig(['--media-min-seconds', '5', '--media-max-seconds', '600'], {});
    expect(c).toMatchObject({ mediaMinSeconds: 5, mediaMaxSeconds: 600 });
    expect(parseConfig([], {})).toMatchObject({ mediaMinSeconds: 1, mediaMaxSeconds: 3600 });
    expect(() => parseConfig(['--media-min-seconds', '10', '--media-max-seconds', '5'], {})).toThrow();
  });
});

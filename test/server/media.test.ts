import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, Client, login, startSeededServer, userClient } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { hashToken, randomToken } from '#server/auth/passwords.ts';
import { sniffImage, sniffMedia, sniffVideo, bufferReader } from '#server/media/sniff.ts';

const MP4 = readFileSync('playlists/media/ihanoi-promo.mp4');
const WEBM = readFileSync('playlists/media/test-clip.webm');
const JPG = readFileSync('playlists/media/loop-notice.jpg');
const PNG = readFileSync('playlists/media/loop-qr.png');
const WEBP = readFileSync('playlists/media/loop-poster.webp');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function upload(
  s: TestServer,
  token: string | undefined,
  body: Buffer,
  type = 'video/mp4',
  name = 'promo.mp4',
  query: Record<string, string> = {},
) {
  const qs = new URLSearchParams({ name, ...query });
  const res = await fetch(`${s.url}/api/v1/media?${qs}`, {
    method: 'POST',
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: await res.json() };
}

describe('media: upload, sniffing and serving', () => {
  let s: TestServer;
  let admin: Client;
  beforeAll(async () => {
    s = await startTestServer({
      config: { adminPassword: ADMIN_PASSWORD, playlistsDir: 'playlists', maxUploadMb: 0.5 },
    });
    const { runStartup } = await import('#server/startup.ts');
    await runStartup(s.app, () => {});
    admin = await login(s, 'admin', ADMIN_PASSWORD);
  });
  afterAll(() => s.close());

  it('stores a WebM upload by its sha256 with the duration read from the file', async () => {
    const r = await upload(s, admin.token, WEBM, 'video/webm', 'clip.webm');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      sha256: sha(WEBM),
      mimeType: 'video/webm',
      durationMs: 5000,
      bytes: WEBM.length,
      originalName: 'clip.webm',
    });
    expect(readFileSync(`${s.dataDir}/media/${sha(WEBM)}`).equals(WEBM)).toBe(true);
    const again = await upload(s, admin.token, WEBM, 'application/octet-stream', 'same.webm');
    expect(again.status).toBe(200);
    const list = await admin.get('/api/v1/media');
    expect(list.body.items.map((m: { sha256: string }) => m.sha256)).toContain(sha(WEBM));
  });

  it('trusts the bytes, not the Content-Type: an MP4 sent as octet-stream is an MP4', async () => {
    const r = await upload(s, admin.token, MP4, 'application/octet-stream', 'x.bin');
    expect([200, 201]).toContain(r.status);
    expect(r.body).toMatchObject({ mimeType: 'video/mp4', durationMs: 15000 });
  });

  it('rejects bytes that are not a video with MEDIA_NOT_VIDEO and keeps nothing', async () => {
    const text = Buffer.from('<html>not a video</html>'.repeat(10));
    const r = await upload(s, admin.token, text, 'video/mp4', 'fake.mp4');
    expect(r.status).toBe(415);
    expect(r.body.code).toBe('MEDIA_NOT_VIDEO');
    expect(r.body.detail).toMatch(/neither an MP4 or WebM video nor a JPEG, PNG or WebP image/);
    // A truncated MP4 (no moov box) is refused too.
    const cut = await upload(s, admin.token, MP4.subarray(0, 32), 'video/mp4', 'cut.mp4');
    expect(cut.status).toBe(415);
    expect(s.app.repos.media.get(sha(text))).toBeUndefined();
  });

  it('stops an upload above --max-upload-mb with MEDIA_TOO_LARGE', async () => {
    const big = Buffer.concat([MP4, Buffer.alloc(600 * 1024)]);
    const r = await upload(s, admin.token, big);
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('MEDIA_TOO_LARGE');
    expect(s.app.repos.media.get(sha(big))).toBeUndefined();
  });

  it('lets managers, office heads and venue staff upload (for their loops), not auditors', async () => {
    const auditor = await userClient(s, 'aud', 'auditor');
    expect((await upload(s, auditor.token, JPG, 'image/jpeg', 'x.jpg')).status).toBe(403);
    expect((await upload(s, undefined, JPG, 'image/jpeg', 'x.jpg')).status).toBe(401);
    const staff = await userClient(s, 'staff', 'venue_staff');
    const r = await upload(s, staff.token, JPG, 'image/jpeg', 'notice.jpg');
    expect(r.status).toBe(201);
    // The uploader may rename it; another non-manager may not.
    const head = await userClient(s, 'head', 'office_head');
    const path = `/api/v1/media/${sha(JPG)}`;
    expect((await head.req('PATCH', path, { name: 'Mine now' })).status).toBe(403);
    expect((await staff.req('PATCH', path, { name: 'Giờ làm việc' })).body.name).toBe('Giờ làm việc');
  });

  it('takes JPEG, PNG and WebP images by their bytes, with size and a display duration', async () => {
    for (const [buf, type, mime] of [
      [PNG, 'application/octet-stream', 'image/png'],
      [WEBP, 'image/webp', 'image/webp'],
    ] as const) {
      const r = await upload(s, admin.token, buf, type, `still.${mime.slice(6)}`, { durationS: '7' });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        sha256: sha(buf),
        kind: 'image',
        mimeType: mime,
        durationMs: 7000,
        width: 640,
        height: 360,
        name: `still.${mime.slice(6)}`,
        thumbnailUrl: `/api/v1/media/${sha(buf)}/thumbnail`,
        usedBy: [],
      });
    }
    // Default display time 10 s; an image is its own thumbnail.
    const jpg = await admin.get(`/api/v1/media/${sha(JPG)}/info`);
    expect(jpg.body).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', durationMs: 10_000 });
    const thumb = await fetch(`${s.url}${jpg.body.thumbnailUrl}`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await thumb.arrayBuffer()).equals(JPG)).toBe(true);
    // An image's display time may change; a video's may not.
    const path = `/api/v1/media/${sha(PNG)}`;
    expect((await admin.req('PATCH', path, { durationMs: 12_000 })).body.durationMs).toBe(12_000);
    const vid = await admin.req('PATCH', `/api/v1/media/${sha(WEBM)}`, { durationMs: 12_000 });
    expect(vid.status).toBe(400);
    // A truncated image is refused with what is wrong with it, and nothing is kept.
    const cut = await upload(s, admin.token, PNG.subarray(0, PNG.length - 30), 'image/png', 'cut.png');
    expect(cut.status).toBe(415);
    expect(cut.body.detail).toMatch(/PNG cut short/);
    expect(s.app.repos.media.get(sha(PNG.subarray(0, PNG.length - 30)))).toBeUndefined();
  });

  it("keeps a video's first-frame thumbnail sent by the console, and says where media is used", async () => {
    const v = sha(MP4);
    expect((await admin.get(`/api/v1/media/${v}/info`)).body.thumbnailUrl).toBeNull();
    const notImage = await fetch(`${s.url}/api/v1/media/${v}/thumbnail`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'image/jpeg' },
      body: new Uint8Array(Buffer.from('not an image at all')),
    });
    expect(notImage.status).toBe(415);
    const put = await fetch(`${s.url}/api/v1/media/${v}/thumbnail`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'image/jpeg' },
      body: new Uint8Array(JPG),
    });
    expect(put.status).toBe(200);
    const info = (await admin.get(`/api/v1/media/${v}/info`)).body;
    expect(info.thumbnailUrl).toBe(`/api/v1/media/${v}/thumbnail`);
    const got = await fetch(`${s.url}${info.thumbnailUrl}`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(Buffer.from(await got.arrayBuffer()).equals(JPG)).toBe(true);
    // The promo video is the iHanoi campaign's spot.
    expect(info.usedBy).toEqual([{ kind: 'campaign', id: 'ihanoi-2024', name: expect.any(String) }]);
    const list = (await admin.get('/api/v1/media')).body.items as Array<{
      sha256: string;
      usedBy: unknown[];
    }>;
    expect(list.find((m) => m.sha256 === v)!.usedBy).toHaveLength(1);
  });

  it('serves the bytes with ETag, 304 on If-None-Match, and byte ranges', async () => {
    const url = `${s.url}/api/v1/media/${sha(MP4)}`;
    const auth = { authorization: `Bearer ${admin.token}` };
    const full = await fetch(url, { headers: auth });
    expect(full.status).toBe(200);
    expect(full.headers.get('etag')).toBe(`"${sha(MP4)}"`);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await full.arrayBuffer()).equals(MP4)).toBe(true);

    const cached = await fetch(url, { headers: { ...auth, 'if-none-match': `"${sha(MP4)}"` } });
    expect(cached.status).toBe(304);

    const part = await fetch(url, { headers: { ...auth, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${MP4.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(MP4.subarray(100, 200))).toBe(true);

    const tail = await fetch(url, { headers: { ...auth, range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(MP4.subarray(MP4.length - 10))).toBe(true);
    const rest = await fetch(url, { headers: { ...auth, range: `bytes=${MP4.length - 5}-` } });
    expect(rest.headers.get('content-length')).toBe('5');

    const bad = await fetch(url, { headers: { ...auth, range: `bytes=${MP4.length}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${MP4.length}`);
    expect((await bad.json()).code).toBe('RANGE_NOT_SATISFIABLE');

    // If-Range with another validator: the whole file, not a range of a different version.
    const stale = await fetch(url, { headers: { ...auth, range: 'bytes=0-9', 'if-range': '"other"' } });
    expect(stale.status).toBe(200);
  });

  it('lets a paired screen fetch media with its credential, and nobody else', async () => {
    const url = `${s.url}/api/v1/media/${sha(MP4)}`;
    expect((await fetch(url)).status).toBe(401);
    const token = randomToken();
    s.app.repos.screens.setTokenHash('ga-ha-noi/1', hashToken(token));
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, range: 'bytes=0-7' } });
    expect(res.status).toBe(206);
    s.app.repos.screens.revoke('ga-ha-noi/1', 'test');
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(
      (
        await fetch(`${s.url}/api/v1/media/${'0'.repeat(64)}`, {
          headers: { authorization: `Bearer ${admin.token}` },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await fetch(`${s.url}/api/v1/media/not-a-hash`, {
          headers: { authorization: `Bearer ${admin.token}` },
        })
      ).status,
    ).toBe(400);
  });
});

describe('video sniffing', () => {
  it('reads the mp4 mvhd and WebM Info durations and refuses other containers', () => {
    expect(sniffVideo(bufferReader(MP4))).toEqual({
      ok: true,
      facts: { mimeType: 'video/mp4', durationMs: 15000 },
    });
    expect(sniffVideo(bufferReader(WEBM))).toEqual({
      ok: true,
      facts: { mimeType: 'video/webm', durationMs: 5000 },
    });
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expect(sniffVideo(bufferReader(png)).ok).toBe(false);
    // An HEIF image is an ISO-BMFF file with an ftyp box, but not a video.
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(12)]);
    const r = sniffVideo(bufferReader(heic));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/image/);
  });
});

describe('image sniffing', () => {
  it('reads the size of JPEG, PNG and WebP (lossy, lossless, extended) and refuses cut files', () => {
    expect(sniffImage(bufferReader(JPG))).toEqual({
      ok: true,
      facts: { mimeType: 'image/jpeg', width: 640, height: 360 },
    });
    expect(sniffImage(bufferReader(PNG))).toEqual({
      ok: true,
      facts: { mimeType: 'image/png', width: 640, height: 360 },
    });
    expect(sniffImage(bufferReader(WEBP))).toEqual({
      ok: true,
      facts: { mimeType: 'image/webp', width: 640, height: 360 },
    });
    // Hand-built VP8 and VP8L headers: 300x200.
    const riff = (chunk: Buffer) => {
      const body = Buffer.concat([Buffer.from('WEBP'), chunk]);
      const head = Buffer.alloc(8);
      head.write('RIFF');
      head.writeUInt32LE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    const vp8 = Buffer.alloc(30);
    vp8.write('VP8 ');
    vp8.writeUInt32LE(22, 4);
    vp8.set([0x9d, 0x01, 0x2a], 11);
    vp8.writeUInt16LE(300, 14);
    vp8.writeUInt16LE(200, 16);
    expect(sniffImage(bufferReader(riff(vp8)))).toMatchObject({
      ok: true,
      facts: { width: 300, height: 200 },
    });
    const vp8l = Buffer.alloc(20);
    vp8l.write('VP8L');
    vp8l.writeUInt32LE(12, 4);
    vp8l[8] = 0x2f;
    vp8l.writeUInt32LE((300 - 1) | ((200 - 1) << 14), 9);
    expect(sniffImage(bufferReader(riff(vp8l)))).toMatchObject({
      ok: true,
      facts: { width: 300, height: 200 },
    });
    for (const cut of [JPG.subarray(0, 2000), PNG.subarray(0, 2000), WEBP.subarray(0, 2000)]) {
      expect(sniffImage(bufferReader(cut)).ok).toBe(false);
    }
    // A video is a video, an image an image, whatever the extension says.
    expect(sniffMedia(bufferReader(MP4))).toMatchObject({ ok: true, kind: 'video' });
    expect(sniffMedia(bufferReader(JPG))).toMatchObject({ ok: true, kind: 'image' });
  });
});

describe('media with the seeded campaign', () => {
  it('has the playlist video in the store after start', async () => {
    const s = await startSeededServer();
    try {
      const admin = await login(s, 'admin', ADMIN_PASSWORD);
      const res = await fetch(`${s.url}/api/v1/media/${sha(MP4)}`, {
        headers: { authorization: `Bearer ${admin.token}` },
      });
      expect(Buffer.from(await res.arrayBuffer()).equals(MP4)).toBe(true);
    } finally {
      await s.close();
    }
  });
});

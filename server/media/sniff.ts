/**
 * Checks that bytes really are a video container or a still image, and reads what the file
 * itself says: a video's duration from the mp4 `mvhd` box or the WebM Segment Info, an image's
 * size from its JPEG frame header, PNG IHDR or WebP chunk. The MIME type a browser sends is only
 * a hint; this is what decides.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type VideoFacts = { mimeType: 'video/mp4' | 'video/webm'; durationMs: number };
export type SniffResult = { ok: true; facts: VideoFacts } | { ok: false; reason: string };
export type ImageFacts = {
  mimeType: 'image/jpeg' | 'image/png' | 'image/webp';
  width: number;
  height: number;
};
export type ImageSniffResult = { ok: true; facts: ImageFacts } | { ok: false; reason: string };
/** What a media upload is: a video (with its duration) or a still image (with its size). */
export type MediaSniffResult =
  | { ok: true; kind: 'video'; facts: VideoFacts }
  | { ok: true; kind: 'image'; facts: ImageFacts }
  | { ok: false; reason: string };

interface Reader {
  size: number;
  read(offset: number, length: number): Buffer;
}

function fileReader(fd: number): Reader {
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(n);
      if (n > 0) readSync(fd, buf, 0, n, offset);
      return buf;
    },
  };
}

export function bufferReader(buf: Buffer): Reader {
  return {
    size: buf.length,
    read: (offset, length) => buf.subarray(offset, Math.min(buf.length, offset + length)),
  };
}

// ---------------------------------------------------------------------------------------------
// ISO base media (mp4): a sequence of boxes [size:u32][type:4cc], size 1 = 64-bit size follows,
// size 0 = to the end of the enclosing box.

interface Box {
  type: string;
  start: number;
  headerSize: number;
  end: number;
}

function boxAt(r: Reader, offset: number, limit: number): Box | null {
  if (offset + 8 > limit) return null;
  const h = r.read(offset, 16);
  if (h.length < 8) return null;
  let size = h.readUInt32BE(0);
  const type = h.toString('latin1', 4, 8);
  let headerSize = 8;
  if (size === 1) {
    if (h.length < 16) return null;
    size = Number(h.readBigUInt64BE(8));
    headerSize = 16;
  } else if (size === 0) {
    size = limit - offset;
  }
  if (size < headerSize || offset + size > limit) return null;
  return { type, start: offset, headerSize, end: offset + size };
}

function findChild(r: Reader, from: number, to: number, type: string): Box | null {
  let off = from;
  while (off < to) {
    const b = boxAt(r, off, to);
    if (!b) return null;
    if (b.type === type) return b;
    off = b.end;
  }
  return null;
}

function sniffMp4(r: Reader): SniffResult {
  const first = boxAt(r, 0, r.size);
  if (!first || first.type !== 'ftyp') return { ok: false, reason: 'no ftyp box at the start' };
  const brand = r.read(8, 4).toString('latin1');
  // HEIF images (heic/mif1/avif) are ISO files too, but not videos.
  if (/^(heic|heix|mif1|msf1|avif|avis)$/.test(brand))
    return { ok: false, reason: `an image container (brand ${brand}), not a video` };
  const moov = findChild(r, 0, r.size, 'moov');
  if (!moov) return { ok: false, reason: 'no moov box (the file is cut short or not a finished recording)' };
  const mvhd = findChild(r, moov.start + moov.headerSize, moov.end, 'mvhd');
  if (!mvhd) return { ok: false, reason: 'no mvhd box in moov' };
  const body = r.read(mvhd.start + mvhd.headerSize, 32);
  const version = body[0];
  let timescale: number;
  let duration: number;
  if (version === 1) {
    timescale = body.readUInt32BE(20);
    duration = Number(body.readBigUInt64BE(24));
  } else {
    timescale = body.readUInt32BE(12);
    duration = body.readUInt32BE(16);
  }
  if (!timescale || !duration || duration === 0xffffffff)
    return { ok: false, reason: 'the mvhd box gives no duration' };
  if (!findTrackOfKind(r, moov, 'vide')) return { ok: false, reason: 'no video track (audio only?)' };
  return {
    ok: true,
    facts: { mimeType: 'video/mp4', durationMs: Math.round((duration / timescale) * 1000) },
  };
}

function findTrackOfKind(r: Reader, moov: Box, handler: string): boolean {
  let off = moov.start + moov.headerSize;
  while (off < moov.end) {
    const b = boxAt(r, off, moov.end);
    if (!b) return false;
    if (b.type === 'trak') {
      const mdia = findChild(r, b.start + b.headerSize, b.end, 'mdia');
      const hdlr = mdia && findChild(r, mdia.start + mdia.headerSize, mdia.end, 'hdlr');
      if (hdlr && r.read(hdlr.start + hdlr.headerSize + 8, 4).toString('latin1') === handler) return true;
    }
    off = b.end;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// WebM (Matroska/EBML): elements [id: vint with marker][size: vint][data].

const EBML_HEADER = 0x1a45dfa3;
const DOC_TYPE = 0x4282;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const TRACKS = 0x1654ae6b;
const CLUSTER = 0x1f43b675;

function vint(
  buf: Buffer,
  off: number,
  keepMarker: boolean,
): { value: number; length: number; unknown: boolean } | null {
  const b = buf[off];
  if (b === undefined || b === 0) return null;
  let length = 1;
  while (length <= 8 && !(b & (0x80 >> (length - 1)))) length++;
  if (length > 8 || off + length > buf.length) return null;
  let value = keepMarker ? b : b & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[off + i]!;
    if (buf[off + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function readUint(buf: Buffer, off: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + buf[off + i]!;
  return v;
}

function sniffWebm(r: Reader): SniffResult {
  // Info sits before the first Cluster; 1 MB covers it in any sane file.
  const buf = r.read(0, Math.min(r.size, 1024 * 1024));
  const id = vint(buf, 0, true);
  if (!id || id.value !== EBML_HEADER) return { ok: false, reason: 'no EBML header' };
  const hsize = vint(buf, id.length, false);
  if (!hsize) return { ok: false, reason: 'a broken EBML header' };
  const headerEnd = id.length + hsize.length + hsize.value;
  let docType = '';
  for (let off = id.length + hsize.length; off < headerEnd;) {
    const e = vint(buf, off, true);
    const s = e && vint(buf, off + e.length, false);
    if (!e || !s) break;
    const data = off + e.length + s.length;
    if (e.value === DOC_TYPE) docType = buf.toString('latin1', data, data + s.value).replace(/\0+$/, '');
    off = data + s.value;
  }
  if (docType !== 'webm' && docType !== 'matroska')
    return { ok: false, reason: `EBML document type "${docType}" is not webm` };
  const seg = vint(buf, headerEnd, true);
  if (!seg || seg.value !== SEGMENT) return { ok: false, reason: 'no Segment after the EBML header' };
  const segSize = vint(buf, headerEnd + seg.length, false);
  if (!segSize) return { ok: false, reason: 'a broken Segment' };
  let off = headerEnd + seg.length + segSize.length;
  let scale = 1_000_000;
  let duration: number | null = null;
  let hasTracks = false;
  while (off < buf.length) {
    const e = vint(buf, off, true);
    const s = e && vint(buf, off + e.length, false);
    if (!e || !s) break;
    const data = off + e.length + s.length;
    if (e.value === INFO) {
      for (let o = data; o < data + s.value && o < buf.length;) {
        const ce = vint(buf, o, true);
        const cs = ce && vint(buf, o + ce.length, false);
        if (!ce || !cs) break;
        const cd = o + ce.length + cs.length;
        if (ce.value === TIMECODE_SCALE) scale = readUint(buf, cd, cs.value);
        if (ce.value === DURATION)
          duration = cs.value === 4 ? buf.readFloatBE(cd) : cs.value === 8 ? buf.readDoubleBE(cd) : null;
        o = cd + cs.value;
      }
    } else if (e.value === TRACKS) {
      hasTracks = true;
    } else if (e.value === CLUSTER || s.unknown) {
      break;
    }
    off = data + s.value;
  }
  if (!hasTracks) return { ok: false, reason: 'no Tracks element' };
  if (duration === null || !(duration > 0)) {
    return {
      ok: false,
      reason: 'no Duration in Segment Info (remux it, e.g. ffmpeg -i in.webm -c copy out.webm)',
    };
  }
  return { ok: true, facts: { mimeType: 'video/webm', durationMs: Math.round((duration * scale) / 1e6) } };
}

export function sniffVideo(r: Reader): SniffResult {
  const head = r.read(0, 12);
  if (head.length >= 8 && head.toString('latin1', 4, 8) === 'ftyp') return sniffMp4(r);
  if (head.length >= 4 && head.readUInt32BE(0) === EBML_HEADER) return sniffWebm(r);
  return { ok: false, reason: 'neither an MP4 (ftyp box) nor a WebM (EBML header) file' };
}

export function sniffVideoFile(path: string): SniffResult {
  const fd = openSync(path, 'r');
  try {
    return sniffVideo(fileReader(fd));
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Still images. Each check also looks at the end of the file, so an upload cut short is refused
// rather than shown half-drawn on a screen.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

function sniffPng(r: Reader): ImageSniffResult {
  const head = r.read(0, 24);
  if (head.length < 24 || head.toString('latin1', 12, 16) !== 'IHDR')
    return { ok: false, reason: 'a PNG without its IHDR header' };
  const width = head.readUInt32BE(16);
  const height = head.readUInt32BE(20);
  if (!width || !height) return { ok: false, reason: 'a PNG of zero size' };
  if (!r.read(r.size - 12, 12).equals(PNG_IEND))
    return { ok: false, reason: 'a PNG cut short (no IEND chunk at the end)' };
  return { ok: true, facts: { mimeType: 'image/png', width, height } };
}

function sniffJpeg(r: Reader): ImageSniffResult {
  // Frame headers sit before the scan data; 1 MB covers EXIF thumbnails and colour profiles.
  const buf = r.read(0, Math.min(r.size, 1024 * 1024));
  let off = 2;
  while (off + 4 <= buf.length) {
    if (buf[off] !== 0xff) return { ok: false, reason: `a broken JPEG marker at byte ${off}` };
    const marker = buf[off + 1]!;
    if (marker === 0xff) {
      off += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      off += 2;
      continue;
    }
    const length = buf.readUInt16BE(off + 2);
    if (length < 2) return { ok: false, reason: `a broken JPEG segment at byte ${off}` };
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (off + 9 > buf.length) break;
      const height = buf.readUInt16BE(off + 5);
      const width = buf.readUInt16BE(off + 7);
      if (!width || !height) return { ok: false, reason: 'a JPEG of zero size' };
      const tail = r.read(Math.max(0, r.size - 64), 64);
      if (tail.lastIndexOf(Buffer.from([0xff, 0xd9])) < 0)
        return { ok: false, reason: 'a JPEG cut short (no end-of-image marker)' };
      return { ok: true, facts: { mimeType: 'image/jpeg', width, height } };
    }
    if (marker === 0xda) break; // scan data before any frame header
    off += 2 + length;
  }
  return { ok: false, reason: 'a JPEG without a frame header (SOF)' };
}

function sniffWebp(r: Reader): ImageSniffResult {
  const head = r.read(0, 30);
  if (head.length < 30) return { ok: false, reason: 'a WebP file too short to hold an image' };
  const riffSize = head.readUInt32LE(4);
  if (riffSize + 8 > r.size) return { ok: false, reason: 'a WebP cut short (shorter than its RIFF size)' };
  const chunk = head.toString('latin1', 12, 16);
  let width = 0;
  let height = 0;
  if (chunk === 'VP8X') {
    width = head.readUIntLE(24, 3) + 1;
    height = head.readUIntLE(27, 3) + 1;
  } else if (chunk === 'VP8 ') {
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a)
      return { ok: false, reason: 'a lossy WebP without its frame start code' };
    width = head.readUInt16LE(26) & 0x3fff;
    height = head.readUInt16LE(28) & 0x3fff;
  } else if (chunk === 'VP8L') {
    if (head[20] !== 0x2f) return { ok: false, reason: 'a lossless WebP without its signature' };
    const bits = head.readUInt32LE(21);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
  } else {
    return { ok: false, reason: `a WebP whose first chunk is "${chunk}", not an image` };
  }
  if (!width || !height) return { ok: false, reason: 'a WebP of zero size' };
  return { ok: true, facts: { mimeType: 'image/webp', width, height } };
}

export function sniffImage(r: Reader): ImageSniffResult {
  const head = r.read(0, 12);
  if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) return sniffPng(r);
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return sniffJpeg(r);
  if (
    head.length >= 12 &&
    head.toString('latin1', 0, 4) === 'RIFF' &&
    head.toString('latin1', 8, 12) === 'WEBP'
  )
    return sniffWebp(r);
  return { ok: false, reason: 'neither a JPEG, a PNG nor a WebP image' };
}

/** A video or an image, whichever the bytes are. */
export function sniffMedia(r: Reader): MediaSniffResult {
  const image = sniffImage(r);
  if (image.ok) return { ok: true, kind: 'image', facts: image.facts };
  const video = sniffVideo(r);
  if (video.ok) return { ok: true, kind: 'video', facts: video.facts };
  // Say what the file looked like, not that it was not the other thing too.
  const head = r.read(0, 12);
  const looksImage =
    (head[0] === 0x89 && head[1] === 0x50) ||
    (head[0] === 0xff && head[1] === 0xd8) ||
    head.toString('latin1', 0, 4) === 'RIFF';
  if (looksImage) return { ok: false, reason: image.reason };
  if (video.reason.startsWith('neither'))
    return { ok: false, reason: 'neither an MP4 or WebM video nor a JPEG, PNG or WebP image' };
  return { ok: false, reason: video.reason };
}

export function sniffMediaFile(path: string): MediaSniffResult {
  const fd = openSync(path, 'r');
  try {
    return sniffMedia(fileReader(fd));
  } finally {
    closeSync(fd);
  }
}

export function sniffImageFile(path: string): ImageSniffResult {
  const fd = openSync(path, 'r');
  try {
    return sniffImage(fileReader(fd));
  } finally {
    closeSync(fd);
  }
}

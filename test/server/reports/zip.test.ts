/**
 * The XLSX export's zip writer (server/reports/zip.ts): what it writes is a zip whose every
 * entry inflates to what went in, with the CRC-32 and sizes in the local data descriptor and
 * in the central directory agreeing with the bytes; and a destination that closes mid-entry
 * fails the export instead of hanging it.
 */
import { Writable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZipWriter } from '#server/reports/zip.ts';

/** Collects what is written; `highWaterMark` small so that backpressure happens. */
function sink() {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      setImmediate(cb);
    },
  });
  const drained = (o: Writable) =>
    new Promise<void>((resolve, reject) => {
      o.once('drain', resolve);
      o.once('close', () => reject(new Error('closed')));
    });
  const send = async (bytes: Buffer) => {
    if (out.destroyed) throw new Error('closed');
    if (!out.write(bytes)) await drained(out);
  };
  return { out, chunks, send };
}

/** Entries as the central directory lists them, each checked against its local header and descriptor. */
function read(zip: Buffer) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBe(zip.length - 22);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  expect(p + zip.readUInt32LE(eocd + 12)).toBe(eocd);
  const entries = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    expect(zip.readUInt16LE(local + 6) & 0x0808).toBe(0x0808);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26);
    const data = inflateRawSync(zip.subarray(dataAt, dataAt + compressed));
    expect(data.length).toBe(size);
    expect(crc32(data) >>> 0).toBe(crc);
    const descriptor = dataAt + compressed;
    expect([0, 4, 8, 12].map((o) => zip.readUInt32LE(descriptor + o))).toEqual([
      0x08074b50,
      crc,
      compressed,
      size,
    ]);
    entries.set(name, data);
    p += 46 + nameLen;
  }
  return entries;
}

describe('zip writer', () => {
  it('writes entries that inflate to what went in, with matching CRC and sizes', async () => {
    const { out, chunks, send } = sink();
    const zip = new ZipWriter(send, 1);
    const parts: Buffer[] = [];
    await zip.begin('xl/worksheets/sheet1.xml');
    for (let i = 0; i < 300; i++) {
      // Text that compresses, and bytes that do not (a seeded generator, not random).
      const b = Buffer.alloc(1500, `<row r="${i}"><c><v>${i * 7}</v></c></row>`);
      for (let k = 0; k < 200; k++) b[k] = (i * 31 + k * 17) & 0xff;
      parts.push(b);
      await zip.write(b);
    }
    await zip.end();
    await zip.file('Thông tin - Dữ liệu.xml', 'Xin chào Hà Nội');
    await zip.begin('empty.xml');
    await zip.end();
    await zip.finish();
    await new Promise((resolve) => out.end(resolve));
    const entries = read(Buffer.concat(chunks));
    expect([...entries.keys()]).toEqual(['xl/worksheets/sheet1.xml', 'Thông tin - Dữ liệu.xml', 'empty.xml']);
    expect(entries.get('xl/worksheets/sheet1.xml')!.equals(Buffer.concat(parts))).toBe(true);
    expect(entries.get('Thông tin - Dữ liệu.xml')!.toString('utf8')).toBe('Xin chào Hà Nội');
    expect(entries.get('empty.xml')!.length).toBe(0);
  });

  it('fails, not hangs, when the destination closes mid-entry', async () => {
    const { out, send } = sink();
    const zip = new ZipWriter(send, 1);
    await zip.begin('sheet.xml');
    out.destroy();
    let failed: unknown = null;
    try {
      for (let i = 0; i < 1000; i++) await zip.write(Buffer.alloc(64 * 1024, i & 0xff));
      await zip.end();
    } catch (err) {
      failed = err;
    }
    expect(failed).toBeInstanceOf(Error);
  });
});

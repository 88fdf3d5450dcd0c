/**
 * A streaming zip writer for the XLSX export: entries one after another, each deflated by
 * zlib's raw deflate (on the threadpool) with its CRC-32 from zlib too (native), sizes and CRC
 * in a data descriptor after the data, and the central directory at the end. A workbook is a
 * handful of entries whose largest, a sheet of at most 1,048,576 rows, stays far below the
 * 4 GiB of a plain (not zip64) entry; past it the writer throws rather than write a file no
 * reader could open.
 */
import { crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';

const LIMIT = 0xffffffff;
/** Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8. */
const FLAGS = 0x0808;
const DEFLATE = 8;
const VERSION = 20;

export class ZipTooLarge extends Error {
  constructor(what: string) {
    super(`${what} passed 4 GiB, the limit of a zip without zip64`);
  }
}

interface Written {
  name: Buffer;
  offset: number;
  crc: number;
  compressed: number;
  size: number;
}

/**
 * Every entry's DOS time: 01/01/1980 00:00, so the same export makes the same bytes (the
 * workbook states when it was generated on its About sheet).
 */
const STAMP = { time: 0, date: (1 << 5) | 1 };

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

export class ZipWriter {
  private offset = 0;
  private readonly entries: Written[] = [];
  private readonly stamp = STAMP;
  private current: {
    name: Buffer;
    offset: number;
    deflate: DeflateRaw;
    crc: number;
    size: number;
    compressed: number;
    ended: Promise<void>;
  } | null = null;

  /**
   * @param send writes bytes to the destination and resolves when it may take more (it
   *   rejects when the destination has closed).
   */
  constructor(
    private readonly send: (bytes: Buffer) => Promise<void>,
    private readonly level = 1,
  ) {}

  private async put(bytes: Buffer): Promise<void> {
    this.offset += bytes.length;
    if (this.offset > LIMIT) throw new ZipTooLarge('the workbook');
    await this.send(bytes);
  }

  /** Starts an entry; its bytes go in through `write` until `end`. */
  async begin(name: string): Promise<void> {
    if (this.current) throw new Error(`zip entry ${this.current.name.toString()} is still open`);
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(VERSION, 4);
    header.writeUInt16LE(FLAGS, 6);
    header.writeUInt16LE(DEFLATE, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    // CRC and sizes (14–25) stay 0: the data descriptor carries them.
    header.writeUInt16LE(nameBytes.length, 26);
    const offset = this.offset;
    await this.put(Buffer.concat([header, nameBytes]));
    const deflate = createDeflateRaw({ level: this.level });
    const entry = {
      name: nameBytes,
      offset,
      deflate,
      crc: 0,
      size: 0,
      compressed: 0,
      ended: Promise.resolve(),
    };
    // Compressed bytes go out as they come; a full destination pauses the deflate stream, whose
    // input side then fills and makes `write` wait.
    let failure: unknown = null;
    entry.ended = new Promise<void>((resolve, reject) => {
      deflate.on('data', (chunk: Buffer) => {
        entry.compressed += chunk.length;
        deflate.pause();
        this.put(chunk).then(
          () => deflate.resume(),
          (err: unknown) => {
            failure = err;
            deflate.destroy();
            reject(asError(err));
          },
        );
      });
      deflate.once('error', (err) => reject(asError(failure ?? err)));
      // Each chunk's send resolved before the stream was resumed, so every byte has gone.
      deflate.once('end', () => resolve());
    });
    entry.ended.catch(() => undefined);
    this.current = entry;
  }

  /** Adds bytes to the open entry. */
  async write(bytes: Buffer): Promise<void> {
    const e = this.current;
    if (!e) throw new Error('no zip entry is open');
    e.crc = crc32(bytes, e.crc);
    e.size += bytes.length;
    if (e.size > LIMIT) throw new ZipTooLarge(e.name.toString());
    if (!e.deflate.write(bytes))
      await Promise.race([new Promise<void>((r) => e.deflate.once('drain', r)), e.ended]);
  }

  /** Ends the open entry: the rest of its deflate output, then its data descriptor. */
  async end(): Promise<void> {
    const e = this.current;
    if (!e) throw new Error('no zip entry is open');
    e.deflate.end();
    await e.ended;
    this.current = null;
    if (e.compressed > LIMIT) throw new ZipTooLarge(e.name.toString());
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(e.crc >>> 0, 4);
    descriptor.writeUInt32LE(e.compressed, 8);
    descriptor.writeUInt32LE(e.size, 12);
    await this.put(descriptor);
    this.entries.push({ name: e.name, offset: e.offset, crc: e.crc, compressed: e.compressed, size: e.size });
  }

  /** A whole entry from text. */
  async file(name: string, text: string): Promise<void> {
    await this.begin(name);
    await this.write(Buffer.from(text, 'utf8'));
    await this.end();
  }

  /** Writes the central directory; the zip is complete once this resolves. */
  async finish(): Promise<void> {
    if (this.current) throw new Error(`zip entry ${this.current.name.toString()} is still open`);
    const start = this.offset;
    const parts: Buffer[] = [];
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(VERSION, 4);
      h.writeUInt16LE(VERSION, 6);
      h.writeUInt16LE(FLAGS, 8);
      h.writeUInt16LE(DEFLATE, 10);
      h.writeUInt16LE(this.stamp.time, 12);
      h.writeUInt16LE(this.stamp.date, 14);
      h.writeUInt32LE(e.crc >>> 0, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      // Extra field, comment, disk, attributes (30–41): 0.
      h.writeUInt32LE(e.offset, 42);
      parts.push(h, e.name);
    }
    const directory = Buffer.concat(parts);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(start, 16);
    await this.put(Buffer.concat([directory, end]));
  }
}

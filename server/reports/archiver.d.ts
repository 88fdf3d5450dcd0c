// The few parts of archiver 5 that the XLSX writer uses (no @types package is installed).
declare module 'archiver' {
  import type { Transform, Readable } from 'node:stream';
  interface Archiver extends Transform {
    append(source: Readable | Buffer | string, data: { name: string }): this;
    finalize(): Promise<void>;
  }
  function archiver(format: 'zip', options?: { zlib?: { level?: number } }): Archiver;
  export default archiver;
}

import type { RawData } from 'ws';

/**
 * The text of a WebSocket frame. With ws's default `binaryType` ('nodebuffer') a message is one
 * Buffer; the other shapes of RawData only appear with other binary types, and are decoded the
 * same way rather than stringified as "[object ArrayBuffer]".
 */
export function frameText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

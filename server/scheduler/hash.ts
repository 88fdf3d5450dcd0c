/**
 * A small deterministic string hash for plan ids and input hashes. Not cryptographic: it only
 * has to be stable across runs and machines and spread well, and it must not need `node:crypto`
 * so the scheduler stays runnable anywhere.
 */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function lane(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h ^ text.length);
}

/** `hexChars` (up to 32) hex digits. */
export function stableHash(text: string, hexChars = 16): string {
  let out = '';
  const seeds = [0x811c9dc5, 0x9e3779b9, 0x7f4a7c15, 0x2545f491];
  for (const seed of seeds) {
    out += lane(text, seed).toString(16).padStart(8, '0');
    if (out.length >= hexChars) break;
  }
  return out.slice(0, hexChars);
}

/** JSON with object keys sorted, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  // JSON.stringify gives undefined (not a string) for these; they hash like JSON's own null.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

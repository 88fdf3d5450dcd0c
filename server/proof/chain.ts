/**
 * The per-screen hash chain of proof-of-play records (docs/decisions/006-proof-of-play.md).
 * Each record's hash is sha256 over its canonical JSON, which includes the previous record's
 * hash, so removing, inserting or editing any record breaks every link after it.
 */
import { createHash } from 'node:crypto';
import { canonicalPlayJson, GENESIS_HASH, type PlayRecord } from '#shared/schemas/protocol.ts';

export type ChainStatus = 'ok' | 'gap' | 'mismatch';

export function hashPlayRecord(record: Omit<PlayRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalPlayJson(record)).digest('hex');
}

/** The record's own hash is right for its content. */
export function recordIntact(record: PlayRecord): boolean {
  return hashPlayRecord(record) === record.hash;
}

/**
 * Status of `record` given the record before it in the screen's chain (seq - 1), if the server
 * has it. A missing predecessor is a gap; a predecessor whose hash differs from prevHash, or a
 * record whose content no longer matches its hash, is a mismatch (an edit).
 */
export function linkStatus(
  record: PlayRecord,
  previous: { seq: number; hash: string } | undefined,
): ChainStatus {
  if (!recordIntact(record)) return 'mismatch';
  if (record.seq === 1) return record.prevHash === GENESIS_HASH ? 'ok' : 'mismatch';
  if (!previous || previous.seq !== record.seq - 1) return 'gap';
  return previous.hash === record.prevHash ? 'ok' : 'mismatch';
}

export interface ChainProblem {
  playId: string;
  seq: number;
  status: Exclude<ChainStatus, 'ok'>;
}

/** Walks a whole chain (sorted by seq) and lists every record whose link is broken. */
export function verifyChain(records: readonly PlayRecord[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let previous: { seq: number; hash: string } | undefined;
  for (const r of records) {
    const status = linkStatus(r, previous);
    if (status !== 'ok') problems.push({ playId: r.playId, seq: r.seq, status });
    previous = { seq: r.seq, hash: r.hash };
  }
  return problems;
}

/**
 * The proof-of-play journal: an append-only file of JSON lines, each fsync'd before the call
 * returns, so a play that the display reported exists on disk before anything else happens.
 *
 * Lines:
 *   {"k":"head", screenId, seq, hash, played:[itemIds]}   first line after a compaction
 *   {"k":"start", playId, screenId, campaignId, mediaSha256, planItemId, plannedAt, startedAt, zone}
 *   {"k":"alive", playId, at}                          the play was still showing at `at`
 *   {"k":"rec", r: PlayRecord}                          the finished, hash-chained record
 * A start without a rec after a crash becomes an `interrupted` record on the next open.
 * Records leave the file only when the server acknowledged them (compaction rewrites the file
 * atomically and keeps the chain head, so the next record still links to the last one).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalPlayJson,
  GENESIS_HASH,
  type PlayOutcome,
  type PlayRecord,
} from '#shared/schemas/protocol.ts';
import { toIsoWithOffset } from '#shared/time.ts';
import { writeFileAtomic } from './fsutil.ts';

export interface PlayStart {
  playId: string;
  screenId: string;
  /** Null for a loop play (the venue's own content belongs to no campaign). */
  campaignId: string | null;
  /** 'loop' for the venue's loop; absent for a campaign spot. */
  kind?: 'loop';
  mediaSha256: string;
  planItemId: string | null;
  /** Epoch ms on the core clock; null when the play was not planned. */
  plannedAt: number | null;
  startedAt: number;
  /** The site's zone, so the ISO times carry the site's offset. */
  zone: string;
}

interface OpenPlay extends PlayStart {
  lastAlive: number;
}

interface Head {
  screenId: string | null;
  seq: number;
  hash: string;
}

type Line =
  | { k: 'head'; screenId: string | null; seq: number; hash: string; played: string[] }
  | ({ k: 'start' } & PlayStart)
  | { k: 'alive'; playId: string; at: number }
  | { k: 'rec'; r: PlayRecord };

/** Plan items played within this many records are remembered so a restart never replays one. */
const PLAYED_MEMORY = 2000;
/**
 * Loop showings are remembered apart and for less: a loop changes item every few seconds and
 * must not push the spots out of PLAYED_MEMORY; their ids start with LOOP_ID_PREFIX.
 */
const LOOP_MEMORY = 500;
export const LOOP_ID_PREFIX = 'loop:';

export function hashRecord(record: Omit<PlayRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalPlayJson(record)).digest('hex');
}

export class Journal {
  readonly file: string;
  private fd: number;
  private head: Head = { screenId: null, seq: 0, hash: GENESIS_HASH };
  private readonly open = new Map<string, OpenPlay>();
  private records: PlayRecord[] = [];
  private readonly played: string[] = [];
  private readonly playedSet = new Set<string>();
  private readonly loopPlayed: string[] = [];
  /** Lines that could not be parsed when the file was read (a torn last write). */
  readonly skippedLines: number;

  constructor(
    dir: string,
    private readonly playerVersion: string,
  ) {
    this.file = join(dir, 'journal.jsonl');
    let skipped = 0;
    if (existsSync(this.file)) {
      let text = readFileSync(this.file, 'utf8');
      // A torn final append (no newline) would glue itself to the next line: cut it off.
      if (text.length && !text.endsWith('\n')) {
        const keep = text.lastIndexOf('\n') + 1;
        truncateSync(this.file, Buffer.byteLength(text.slice(0, keep)));
        text = text.slice(0, keep);
        skipped++;
      }
      for (const raw of text.split('\n')) {
        if (!raw.trim()) continue;
        let line: Line;
        try {
          line = JSON.parse(raw) as Line;
        } catch {
          skipped++;
          continue;
        }
        this.apply(line);
      }
    }
    this.skippedLines = skipped;
    this.fd = openSync(this.file, 'a', 0o600);
  }

  private apply(line: Line): void {
    switch (line.k) {
      case 'head':
        this.head = { screenId: line.screenId, seq: line.seq, hash: line.hash };
        for (const id of line.played) this.remember(id);
        return;
      case 'start':
        this.open.set(line.playId, { ...line, lastAlive: line.startedAt });
        if (line.planItemId) this.remember(line.planItemId);
        return;
      case 'alive': {
        const o = this.open.get(line.playId);
        if (o) o.lastAlive = Math.max(o.lastAlive, line.at);
        return;
      }
      case 'rec':
        this.open.delete(line.r.playId);
        this.records.push(line.r);
        this.head = { screenId: line.r.screenId, seq: line.r.seq, hash: line.r.hash };
        if (line.r.planItemId) this.remember(line.r.planItemId);
        return;
    }
  }

  private remember(itemId: string): void {
    if (this.playedSet.has(itemId)) return;
    this.playedSet.add(itemId);
    if (itemId.startsWith(LOOP_ID_PREFIX)) {
      this.loopPlayed.push(itemId);
      while (this.loopPlayed.length > LOOP_MEMORY) this.playedSet.delete(this.loopPlayed.shift()!);
      return;
    }
    this.played.push(itemId);
    while (this.played.length > PLAYED_MEMORY) this.playedSet.delete(this.played.shift()!);
  }

  private append(line: Line): void {
    writeSync(this.fd, JSON.stringify(line) + '\n');
    fsyncSync(this.fd);
    this.apply(line);
  }

  /** Plays that were started and never finished: the player was killed or lost power. */
  recover(): PlayRecord[] {
    const out: PlayRecord[] = [];
    for (const o of [...this.open.values()]) {
      out.push(
        this.finishOpen(
          o,
          o.lastAlive,
          (o.lastAlive - o.startedAt) / 1000,
          'interrupted',
          'player stopped during the play (recovered at start)',
        ),
      );
    }
    return out;
  }

  start(s: PlayStart): void {
    if (this.open.has(s.playId)) return;
    this.append({ k: 'start', ...s });
  }

  alive(playId: string, at: number): void {
    if (this.open.has(playId)) this.append({ k: 'alive', playId, at });
  }

  isOpen(playId: string): boolean {
    return this.open.has(playId);
  }

  openPlays(): PlayStart[] {
    return [...this.open.values()];
  }

  hasPlayed(itemId: string): boolean {
    return this.playedSet.has(itemId);
  }

  finish(
    playId: string,
    endedAt: number,
    secondsShown: number,
    outcome: PlayOutcome,
    reason: string | null,
  ): PlayRecord | undefined {
    const o = this.open.get(playId);
    if (!o) return undefined;
    return this.finishOpen(o, endedAt, secondsShown, outcome, reason);
  }

  /** A play that failed before it ever started (media missing, page refused). */
  failedWithoutStart(s: PlayStart, reason: string): PlayRecord {
    return this.finishOpen({ ...s, lastAlive: s.startedAt }, s.startedAt, 0, 'failed', reason);
  }

  private finishOpen(
    o: OpenPlay,
    endedAt: number,
    secondsShown: number,
    outcome: PlayOutcome,
    reason: string | null,
  ): PlayRecord {
    // A new credential (re-paired screen) starts a new chain.
    const sameChain = this.head.screenId === o.screenId;
    const seq = sameChain ? this.head.seq + 1 : 1;
    const prevHash = sameChain ? this.head.hash : GENESIS_HASH;
    const body: Omit<PlayRecord, 'hash'> = {
      playId: o.playId,
      screenId: o.screenId,
      campaignId: o.campaignId,
      mediaSha256: o.mediaSha256,
      planItemId: o.planItemId,
      plannedAt: o.plannedAt === null ? null : toIsoWithOffset(o.plannedAt, o.zone),
      startedAt: toIsoWithOffset(o.startedAt, o.zone),
      endedAt: toIsoWithOffset(Math.max(endedAt, o.startedAt), o.zone),
      secondsShown: Math.round(Math.max(0, secondsShown) * 1000) / 1000,
      outcome,
      reason,
      playerVersion: this.playerVersion,
      seq,
      prevHash,
      ...(o.kind === 'loop' ? { kind: 'loop' as const } : {}),
    };
    const record: PlayRecord = { ...body, hash: hashRecord(body) };
    this.append({ k: 'rec', r: record });
    return record;
  }

  /** Finished records not yet acknowledged by the server, oldest first. */
  pending(): readonly PlayRecord[] {
    return this.records;
  }

  chainHead(): Readonly<Head> {
    return this.head;
  }

  /** Drops acknowledged records: the file is rewritten atomically with the chain head first. */
  ack(playIds: Iterable<string>): number {
    const ids = new Set(playIds);
    const before = this.records.length;
    this.records = this.records.filter((r) => !ids.has(r.playId));
    const removed = before - this.records.length;
    if (removed > 0) this.compact();
    return removed;
  }

  private compact(): void {
    const lines: Line[] = [
      {
        k: 'head',
        screenId: this.head.screenId,
        seq: this.head.seq,
        hash: this.head.hash,
        played: [...this.played, ...this.loopPlayed],
      },
    ];
    for (const o of this.open.values()) {
      const { lastAlive, ...start } = o;
      lines.push({ k: 'start', ...start });
      if (lastAlive > o.startedAt) lines.push({ k: 'alive', playId: o.playId, at: lastAlive });
    }
    for (const r of this.records) lines.push({ k: 'rec', r });
    closeSync(this.fd);
    writeFileAtomic(this.file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    this.fd = openSync(this.file, 'a', 0o600);
  }

  close(): void {
    closeSync(this.fd);
  }
}

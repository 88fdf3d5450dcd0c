import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { GENESIS_HASH } from '#shared/schemas/protocol.ts';
import { hashRecord, Journal, type PlayStart } from '#player/core/journal.ts';

const T = Date.parse('2024-09-05T08:00:00+07:00');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ihanoi-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function start(i: number, screenId = 'scr-1'): PlayStart {
  return {
    playId: randomUUID(),
    screenId,
    campaignId: 'c',
    mediaSha256: 'a'.repeat(64),
    planItemId: `it-${i}`,
    plannedAt: T + i * 1000,
    startedAt: T + i * 1000 + 20,
    zone: 'Asia/Ho_Chi_Minh',
  };
}

function play(j: Journal, i: number, screenId?: string) {
  const s = start(i, screenId);
  j.start(s);
  return j.finish(s.playId, s.startedAt + 10_000, 10, 'completed', null)!;
}

it('chains records, writes times with the site offset, and keeps the chain across acks and reopening', () => {
  const j = new Journal(dir, '1.0');
  const a = play(j, 1);
  const b = play(j, 2);
  expect(a).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, startedAt: '2024-09-05T08:00:01+07:00' });
  expect(b.prevHash).toBe(a.hash);
  const { hash, ...body } = b;
  expect(hashRecord(body)).toBe(hash);

  expect(j.ack([a.playId, 'unknown'])).toBe(1);
  expect(j.pending().map((r) => r.playId)).toEqual([b.playId]);
  j.ack([b.playId]);
  j.close();

  const reopened = new Journal(dir, '1.0');
  expect(reopened.pending()).toEqual([]);
  expect(reopened.hasPlayed('it-1')).toBe(true);
  const c = play(reopened, 3);
  expect(c).toMatchObject({ seq: 3, prevHash: b.hash });
  reopened.close();
});

it('recovers an unfinished play as interrupted, up to the last moment it was seen alive', () => {
  const j = new Journal(dir, '1.0');
  const s = start(1);
  j.start(s);
  j.alive(s.playId, s.startedAt + 6000);
  j.close();
  // A power cut tore the last append: the partial line is ignored.
  appendFileSync(join(dir, 'journal.jsonl'), '{"k":"alive","playId":"');
  const again = new Journal(dir, '1.0');
  expect(again.skippedLines).toBe(1);
  const [rec] = again.recover();
  expect(rec).toMatchObject({ playId: s.playId, outcome: 'interrupted', secondsShown: 6, seq: 1 });
  expect(again.recover()).toEqual([]);
  again.close();
  // The record written after the torn line is intact on the next read.
  const third = new Journal(dir, '1.0');
  expect(third.skippedLines).toBe(0);
  expect(third.pending().map((r) => r.outcome)).toEqual(['interrupted']);
  third.close();
  expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).toContain('"outcome":"interrupted"');
});

it('a new screen id (re-paired) starts a new chain at seq 1', () => {
  const j = new Journal(dir, '1.0');
  play(j, 1, 'scr-old');
  const n = play(j, 2, 'scr-new');
  expect(n).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
  j.close();
});

it('matches the test vector of docs/protocol.md', () => {
  const hash = hashRecord({
    playId: '2f1b6f0e-3c1a-4c57-9d51-0f2a8c1b9e11',
    screenId: 'scr-1',
    campaignId: 'ihanoi-2024',
    mediaSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    planItemId: 'it-1',
    plannedAt: '2024-09-05T08:00:30+07:00',
    startedAt: '2024-09-05T08:00:30+07:00',
    endedAt: '2024-09-05T08:01:00+07:00',
    secondsShown: 30,
    outcome: 'completed',
    reason: null,
    playerVersion: '0.1.0',
    seq: 1,
    prevHash: GENESIS_HASH,
  });
  expect(hash).toBe('52d3c76e8d6013cd2a0ae86b2a92f51c4818e43349ed0bd0abfcac7cc800006d');
  expect(readFileSync(join(import.meta.dirname, '../../../docs/protocol.md'), 'utf8')).toContain(hash);
});

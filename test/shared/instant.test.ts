/**
 * Timestamps are parsed, not pattern-matched: every field of an ISO instant must be real.
 */
import { describe, expect, it } from 'vitest';
import { parseIsoInstant } from '../../shared/time.ts';
import { IsoInstant } from '../../shared/schemas/domain.ts';
import { PlayRecord } from '../../shared/schemas/protocol.ts';
import { AuditQuery } from '../../shared/schemas/api.ts';

const IMPOSSIBLE = [
  '2024-13-45T25:61:61+07:00',
  '0000-00-00T00:00:00Z',
  '9999-99-99T99:99:99+99:99',
  '2023-02-29T00:00:00Z',
  '2024-04-31T10:00:00+07:00',
  '2024-09-05T24:00:00Z',
  '2024-09-05T07:60:00Z',
  '2024-09-05T07:55:60Z',
  '2024-09-05T07:55:00+14:01',
  '2024-09-05T07:55:00-15:00',
  '2024-09-05T07:55:00+07:60',
  '2024-09-05T07:55:00',
  '2024-09-05 07:55:00Z',
  '2024-9-5T07:55:00Z',
];

describe('parseIsoInstant', () => {
  it('reads real instants with any offset up to ±14:00', () => {
    expect(parseIsoInstant('2024-09-05T07:55:00+07:00')).toBe(Date.parse('2024-09-05T00:55:00Z'));
    expect(parseIsoInstant('2024-02-29T23:59:59.123Z')).toBe(Date.parse('2024-02-29T23:59:59.123Z'));
    expect(parseIsoInstant('2024-09-05T07:55:00+14:00')).toBe(Date.parse('2024-09-04T17:55:00Z'));
    expect(parseIsoInstant('2024-09-05T07:55:00-12:00')).toBe(Date.parse('2024-09-05T19:55:00Z'));
    expect(parseIsoInstant('2024-09-05T07:55:00+05:45')).toBe(Date.parse('2024-09-05T02:10:00Z'));
    expect(parseIsoInstant('2000-02-29T00:00:00Z')).toBe(Date.parse('2000-02-29T00:00:00Z'));
    // Microseconds are accepted and truncated to the millisecond.
    expect(parseIsoInstant('2024-09-05T07:55:00.123456+07:00')).toBe(Date.parse('2024-09-05T00:55:00.123Z'));
  });

  it('years below 100 are not shifted into the 1900s', () => {
    expect(new Date(parseIsoInstant('0050-01-01T00:00:00Z')!).getUTCFullYear()).toBe(50);
  });

  it.each(IMPOSSIBLE)('refuses %s', (s) => {
    expect(parseIsoInstant(s)).toBeNull();
    expect(IsoInstant.safeParse(s).success).toBe(false);
  });

  it('guards every timestamp of the protocol and the API', () => {
    const record = {
      playId: '6f1c2a4e-8b1d-4c3e-9f2a-1b2c3d4e5f60',
      screenId: 's',
      campaignId: 'c',
      mediaSha256: 'a'.repeat(64),
      planItemId: 'i',
      plannedAt: '2024-09-05T07:55:00+07:00',
      startedAt: '2024-09-05T07:55:00+07:00',
      endedAt: '2024-09-05T07:55:30+07:00',
      secondsShown: 30,
      outcome: 'completed',
      reason: null,
      playerVersion: 'x',
      seq: 1,
      prevHash: '0'.repeat(64),
      hash: 'b'.repeat(64),
    };
    expect(PlayRecord.safeParse(record).success).toBe(true);
    for (const field of ['plannedAt', 'startedAt', 'endedAt'])
      expect(PlayRecord.safeParse({ ...record, [field]: '2024-13-45T25:61:61+07:00' }).success).toBe(false);
    expect(AuditQuery.safeParse({ from: '2024-02-30T00:00:00Z' }).success).toBe(false);
    expect(AuditQuery.safeParse({ from: '2024-01-01T00:00:00+23:59' }).success).toBe(false);
  });
});

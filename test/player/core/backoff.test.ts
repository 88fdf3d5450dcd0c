import { expect, it } from 'vitest';
import { backoffDelayMs } from '#shared/schemas/protocol.ts';

it('reconnect delays grow exponentially up to the cap, with full jitter from 0', () => {
  expect([0, 1, 2, 3, 10].map((a) => backoffDelayMs(a, 0.999999, 1000, 60_000))).toEqual([
    999, 1999, 3999, 7999, 59_999,
  ]);
  expect(backoffDelayMs(5, 0, 1000, 60_000)).toBe(0);
  expect(backoffDelayMs(4, 0.5, 1000, 60_000)).toBe(8000);
  // Huge attempt counts do not overflow past the cap.
  expect(backoffDelayMs(5000, 0.5, 1000, 60_000)).toBe(30_000);
});

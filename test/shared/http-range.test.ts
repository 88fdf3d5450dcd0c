import { expect, it } from 'vitest';
import { parseRange } from '#shared/http-range.ts';

it('parses the byte ranges the server, the player media route and the display server answer', () => {
  expect(parseRange(undefined, 100)).toEqual({ kind: 'none' });
  expect(parseRange('bytes=0-', 100)).toEqual({ kind: 'range', start: 0, end: 99 });
  expect(parseRange('bytes=10-19', 100)).toEqual({ kind: 'range', start: 10, end: 19 });
  expect(parseRange('bytes=90-500', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
  expect(parseRange('bytes=-30', 100)).toEqual({ kind: 'range', start: 70, end: 99 });
  expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
  expect(parseRange('bytes=20-10', 100)).toEqual({ kind: 'unsatisfiable' });
  expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'none' });
  expect(parseRange('items=0-1', 100)).toEqual({ kind: 'none' });
});

/** The painter's pure helpers: copying a day onto others, and which hours of the week are open. */
import { expect, it } from 'vitest';
import { copyDay, openCountsByHour, refine } from '#shared/peak.ts';
import { OpeningHours } from '#shared/schemas/domain.ts';

const flat = () => Array.from({ length: 168 }, () => 1);

it('copies a day hour by hour onto the chosen days, leaving closed hours as they were', () => {
  const p = flat();
  p[3 * 24 + 9] = 5; // Thursday 09:00
  p[3 * 24 + 20] = 0; // Thursday 20:00
  p[0 * 24 + 20] = 2; // Monday 20:00, closed on Monday
  const closedMonEvening = (i: number) => i !== 0 * 24 + 20;
  const out = copyDay(p, 3, [0, 1, 3], closedMonEvening);
  expect(out[0 * 24 + 9]).toBe(5);
  expect(out[1 * 24 + 9]).toBe(5);
  expect(out[1 * 24 + 20]).toBe(0);
  expect(out[0 * 24 + 20]).toBe(2); // closed: kept
  expect(out[2 * 24 + 9]).toBe(1); // not chosen
  expect(p[0 * 24 + 9]).toBe(1); // the input is not changed
});

it('copies every step of an hour in a finer profile', () => {
  const p = refine(flat(), 4);
  p[(3 * 24 + 6) * 4 + 3] = 3; // Thursday 06:45–07:00
  const out = copyDay(p, 3, [4]);
  expect(out.slice((4 * 24 + 6) * 4, (4 * 24 + 7) * 4)).toEqual([1, 1, 1, 3]);
});

it('counts the sites open in some part of each hour of the week', () => {
  const office = OpeningHours.parse({ mon: [['08:00', '17:00']], tue: [['07:30', '11:30']] });
  const late = OpeningHours.parse({ mon: [['16:00', '24:00']] });
  const c = openCountsByHour([office, late]);
  expect(c[7]).toBe(0);
  expect(c[8]).toBe(1);
  expect(c[16]).toBe(2); // both
  expect(c[17]).toBe(1); // the office closes at 17:00 sharp
  expect(c[23]).toBe(1);
  expect([c[24 + 7], c[24 + 11], c[24 + 12]]).toEqual([1, 1, 0]);
  expect(c.slice(5 * 24).every((n) => n === 0)).toBe(true);
});

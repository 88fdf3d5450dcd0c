/** A fair first day: the pairing day owes the target in proportion to the open time left after pairing. */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/clock.ts';
import { addDays, zonedToInstant } from '../../../shared/time.ts';
import { pairingDayTarget, planHorizon } from '../../../server/scheduler/index.ts';
import { HCM, campaign, office, street } from './fixtures.ts';

describe('the pairing day', () => {
  it('a screen paired at 23:52 owes almost nothing that day, and the next week stays at target', () => {
    const paired = zonedToInstant('2024-09-09', '23:52', HCM);
    expect(pairingDayTarget(street(), '2024-09-09', 10, paired)).toBe(0);
    const next = new VirtualClock(zonedToInstant('2024-09-10', '00:00:05', HCM));
    const { plans, makeGoods } = planHorizon({
      campaign: campaign(),
      site: street(),
      screen: { id: 's' },
      clock: next,
      achieved: {},
      accountableFrom: '2024-09-09',
      pairedAt: paired,
    });
    expect(makeGoods.deficit).toBe(0);
    expect(plans.map((p) => p.items.length)).toEqual([10, 10, 10, 10, 10, 10, 10]);
  });

  it('paired at noon on an always-open site: half the day, half the target; the plan of that day agrees', () => {
    const noon = zonedToInstant('2024-09-09', '12:00', HCM);
    expect(pairingDayTarget(street(), '2024-09-09', 10, noon)).toBe(5);
    const { plans } = planHorizon({
      campaign: campaign(),
      site: street(),
      screen: { id: 's' },
      clock: new VirtualClock(noon),
      achieved: {},
      accountableFrom: '2024-09-09',
      pairedAt: noon,
    });
    expect(plans[0]!.baseTarget).toBe(5);
    expect(plans[0]!.items).toHaveLength(5);
    expect(plans[1]!.baseTarget).toBe(10);
  });

  it('an office paired after closing owes nothing that day; before opening, the whole day', () => {
    expect(pairingDayTarget(office(), '2024-09-10', 10, zonedToInstant('2024-09-10', '18:00', HCM))).toBe(0);
    expect(pairingDayTarget(office(), '2024-09-10', 10, zonedToInstant('2024-09-10', '06:00', HCM))).toBe(10);
    // Paired the day before: the day is owed in full.
    expect(
      pairingDayTarget(office(), '2024-09-10', 10, zonedToInstant(addDays('2024-09-10', -1), '12:00', HCM)),
    ).toBe(10);
  });
});

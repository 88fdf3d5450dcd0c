import { describe, expect, it } from 'vitest';
import { keepDisplayAwake, type PowerSaveBlockerLike } from '../../../player/electron/power.ts';

/** Stands in for the OS power manager, which sits outside the process. */
function fakeBlocker() {
  let next = 1;
  const held = new Map<number, string>();
  const blocker: PowerSaveBlockerLike = {
    start: (type) => {
      held.set(next, type);
      return next++;
    },
    stop: (id) => void held.delete(id),
    isStarted: (id) => held.has(id),
  };
  return { blocker, held, drop: () => held.clear() };
}

describe('keepDisplayAwake', () => {
  it('holds a prevent-display-sleep blocker until stopped', () => {
    const { blocker, held } = fakeBlocker();
    const awake = keepDisplayAwake(blocker);
    expect([...held.values()]).toEqual(['prevent-display-sleep']);
    expect(awake.isActive()).toBe(true);
    awake.stop();
    expect(held.size).toBe(0);
    expect(awake.isActive()).toBe(false);
  });

  it('takes the blocker again when the OS dropped it, once only', () => {
    const { blocker, held, drop } = fakeBlocker();
    const awake = keepDisplayAwake(blocker);
    drop();
    expect(awake.isActive()).toBe(false);
    expect(awake.ensure()).toBe(true);
    expect(awake.ensure()).toBe(true);
    expect(held.size).toBe(1);
  });

  it('does not come back after stop()', () => {
    const { blocker, held } = fakeBlocker();
    const awake = keepDisplayAwake(blocker);
    awake.stop();
    awake.stop();
    expect(awake.ensure()).toBe(false);
    expect(held.size).toBe(0);
  });
});

/** The store adapters take a `Clock`; the older `now` function still works while callers move over. */
import { systemClock } from '../../lambda/incidents/time';
import { clockFrom } from '../../lambda/store/clock';

const T0 = new Date('2024-02-18T15:30:00.000Z');
const T1 = new Date('2024-02-18T16:00:00.000Z');

describe('clockFrom', () => {
  it('uses the clock given', () => {
    const clock = { now: () => T0 };
    expect(clockFrom({ clock })).toBe(clock);
  });

  it('prefers the clock when both are given', () => {
    expect(clockFrom({ clock: { now: () => T0 }, now: () => T1 }).now()).toBe(T0);
  });

  it('wraps a now function', () => {
    expect(clockFrom({ now: () => T1 }).now()).toBe(T1);
  });

  it('falls back to the system clock', () => {
    expect(clockFrom({})).toBe(systemClock);
  });
});

import { type Clock, systemClock } from '../incidents/time';

/** How a store adapter is given its clock (for leases and expiry); tests pass one they move. */
export interface ClockOptions {
  clock?: Clock;
}

export function clockFrom(options: ClockOptions): Clock {
  return options.clock ?? systemClock;
}

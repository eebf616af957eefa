import { type Clock, systemClock } from '../incidents/time';

/** How a store adapter is given its clock (for leases and expiry); tests pass one they move. */
export interface ClockOptions {
  clock?: Clock;
  /** @deprecated Pass `clock`; kept while callers move over. Ignored when `clock` is given. */
  now?: () => Date;
}

export function clockFrom(options: ClockOptions): Clock {
  if (options.clock) return options.clock;
  const { now } = options;
  return now ? { now } : systemClock;
}

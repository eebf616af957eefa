/** Pieces several verbs share: the event time of an intent, and the " at 15:42" of an echo. */
import { formatClock, resolveEventTime, type TimeInput } from '../time';
import type { Incident, TimelineEvent } from '../types';
import type { DecideContext } from '../verb';

/** When an event typed with an optional `<time>` happened: within the incident, never in the future. */
export function eventTime(incident: Incident, input: TimeInput | undefined, ctx: DecideContext): string {
  return resolveEventTime(input, {
    startedAt: incident.startedAt,
    now: ctx.now,
    tz: ctx.tz,
    resolvedAt: incident.resolvedAt,
  });
}

/** " at 15:42" of the event a change recorded, or nothing when it recorded none. */
export function atClock(event: TimelineEvent | undefined, tz: string): string {
  return event ? ` at ${formatClock(event.at, tz)}` : '';
}

/** "15:42" of the event a change recorded. */
export function clockOf(event: TimelineEvent | undefined, tz: string): string {
  return event ? formatClock(event.at, tz) : '';
}

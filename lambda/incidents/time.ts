/**
 * All time math of the domain, on dayjs with the utc/timezone/duration plugins. Pure: "now" is always
 * passed in, never read from the system clock.
 */
import dayjs, { type Dayjs } from 'dayjs';
import advancedFormat from 'dayjs/plugin/advancedFormat';
import duration from 'dayjs/plugin/duration';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { IncidentError } from './errors';

dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.extend(duration);
dayjs.extend(advancedFormat);

/** A time as a responder typed it: a wall-clock `HH:MM`, or an ISO-8601 instant with a zone. */
export type TimeInput = { type: 'clock'; hour: number; minute: number } | { type: 'instant'; iso: string };

/** An injected clock: production passes `systemClock`, tests a fixed one. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function inZone(iso: string, tz: string): Dayjs {
  return dayjs(iso).tz(tz);
}

/** `HH:MM` on the calendar day of `day` in `tz`. */
function clockOnDay(day: Dayjs, input: { hour: number; minute: number }, tz: string): Dayjs {
  const date = day.format('YYYY-MM-DD');
  const hh = String(input.hour).padStart(2, '0');
  const mm = String(input.minute).padStart(2, '0');
  return dayjs.tz(`${date} ${hh}:${mm}`, 'YYYY-MM-DD HH:mm', tz);
}

/**
 * When an incident being declared started. `HH:MM` is the latest such wall-clock time at or before
 * now (so `open 23:50` typed at 00:05 means yesterday); an instant must not be in the future.
 */
export function resolveStartTime(input: TimeInput | undefined, nowIso: string, tz: string): string {
  const now = dayjs(nowIso);
  if (!input) return now.toISOString();
  if (input.type === 'instant') {
    const at = dayjs(input.iso);
    if (at.isAfter(now)) throw futureError(at, tz);
    return at.toISOString();
  }
  let at = clockOnDay(now.tz(tz), input, tz);
  if (at.isAfter(now)) at = clockOnDay(now.tz(tz).subtract(1, 'day'), input, tz);
  return at.toISOString();
}

export interface EventTimeContext {
  startedAt: string;
  now: string;
  tz: string;
  /** Set for a resolved incident: a later event time is refused. */
  resolvedAt?: string;
}

/**
 * When an event on an existing incident happened. `HH:MM` falls on the day the incident started,
 * or the next day when that would be before the start. Future times and times before the start are
 * errors, as are times after the resolution of a resolved incident.
 */
export function resolveEventTime(input: TimeInput | undefined, ctx: EventTimeContext): string {
  const now = dayjs(ctx.now);
  const start = dayjs(ctx.startedAt);
  let at: Dayjs;
  if (!input) {
    at = now;
  } else if (input.type === 'instant') {
    at = dayjs(input.iso);
  } else {
    at = clockOnDay(start.tz(ctx.tz), input, ctx.tz);
    if (at.isBefore(start)) at = clockOnDay(start.tz(ctx.tz).add(1, 'day'), input, ctx.tz);
  }
  if (at.isAfter(now)) throw futureError(at, ctx.tz);
  if (at.isBefore(start)) {
    throw new IncidentError(
      'TIME_BEFORE_START',
      `${formatDateTime(at.toISOString(), ctx.tz)} is before the incident started (${formatDateTime(ctx.startedAt, ctx.tz)}).`,
    );
  }
  if (ctx.resolvedAt && at.isAfter(dayjs(ctx.resolvedAt))) {
    throw new IncidentError(
      'TIME_AFTER_RESOLUTION',
      `The incident was resolved at ${formatDateTime(ctx.resolvedAt, ctx.tz)}; give a time at or before it.`,
    );
  }
  return at.toISOString();
}

function futureError(at: Dayjs, tz: string): IncidentError {
  return new IncidentError('TIME_IN_FUTURE', `${formatDateTime(at.toISOString(), tz)} is in the future.`);
}

/** Short zone name shown after times: `UTC`, or the zone's abbreviation (`CET`, `GMT+1`). */
function zoneLabel(at: Dayjs, tz: string): string {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 'UTC';
  return at.format('z');
}

/** `February 18, 2024, 15:30 UTC` */
export function formatDateTime(iso: string, tz: string): string {
  const at = inZone(iso, tz);
  return `${at.format('MMMM D, YYYY, HH:mm')} ${zoneLabel(at, tz)}`;
}

/**
 * A zone's UTC offset is constant within any quarter hour of UTC (every zone changes its offset on
 * a quarter-hour boundary), so it is looked up once per quarter hour and zone: a postmortem of
 * 10,000 events then costs a few zone look-ups instead of one slow `Intl` conversion per event.
 */
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const offsetCache = new Map<string, number>();
const MAX_CACHED_OFFSETS = 10_000;

function zoneOffsetMs(epochMs: number, tz: string): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  const key = `${tz}|${Math.floor(epochMs / QUARTER_HOUR_MS)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    offset = dayjs(epochMs).tz(tz).utcOffset() * 60 * 1000;
    if (offsetCache.size >= MAX_CACHED_OFFSETS) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

/** Wall-clock fields of an instant in `tz`, read from a Date shifted by the zone's offset. */
function wallClock(iso: string, tz: string): Date {
  const epochMs = Date.parse(iso);
  return new Date(epochMs + zoneOffsetMs(epochMs, tz));
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `15:30` */
export function formatClock(iso: string, tz: string): string {
  const at = wallClock(iso, tz);
  return `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
}

/** `Feb 19 00:10` */
export function formatShortDateTime(iso: string, tz: string): string {
  const at = wallClock(iso, tz);
  return `${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()} ${formatClock(iso, tz)}`;
}

function calendarDay(iso: string, tz: string): string {
  const at = wallClock(iso, tz);
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
}

/** True when the two instants fall on different calendar days in `tz`. */
export function spansDays(fromIso: string, toIso: string, tz: string): boolean {
  return calendarDay(fromIso, tz) !== calendarDay(toIso, tz);
}

/** `3 hours 15 minutes`, `45 minutes`, `2 days 1 hour`, `0 minutes`; rounded down to the minute. */
export function formatDuration(fromIso: string, toIso: string): string {
  const totalMinutes = Math.max(0, Math.floor(dayjs(toIso).diff(dayjs(fromIso), 'minute')));
  const days = Math.floor(totalMinutes / (24 * 60));
  const hours = Math.floor((totalMinutes % (24 * 60)) / 60);
  const minutes = totalMinutes % 60;
  const parts: string[] = [];
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (days) parts.push(unit(days, 'day'));
  if (hours) parts.push(unit(hours, 'hour'));
  if (minutes || parts.length === 0) parts.push(unit(minutes, 'minute'));
  return parts.join(' ');
}

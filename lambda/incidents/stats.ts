/**
 * Insights across incidents, pure: what `/incident stats`, App Home's trend chart and `incident-bot
 * export` show. Every function takes the incidents (from the store's index) and the instant.
 *
 * - Time to acknowledge runs from declaration (when paging starts) to the acknowledgement, or from
 *   the start when a back-dated incident was acknowledged before it was declared: the postmortem's
 *   own measure (`acknowledgeWaitStart`).
 * - Time to resolve runs from the start (back-dated or not) to the resolution.
 * - An incident belongs to the period it was declared in; the previous period is as long, just before.
 * - Median: the middle value, or the mean of the two middle ones; p90: the nearest-rank 90th percentile.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { type FollowUp, type Incident, SEVERITIES, type Severity } from './types';

dayjs.extend(utc);
dayjs.extend(timezone);

export const STATS_PERIODS = ['30d', '90d', '365d'] as const;
export type StatsPeriod = (typeof STATS_PERIODS)[number];
export const DEFAULT_STATS_PERIOD: StatsPeriod = '30d';

const DAY_MS = 24 * 3600_000;
const TOP_SOURCES = 5;

export function periodDays(period: StatsPeriod): number {
  return Number(period.slice(0, -1));
}

/**
 * Where the wait for an acknowledgement starts: pages start at declaration, but a back-dated incident
 * may have been acknowledged before it was declared in the bot, and then the wait runs from its start.
 */
export function acknowledgeWaitStart(incident: Incident): string {
  return incident.acknowledgedAt && Date.parse(incident.acknowledgedAt) < Date.parse(incident.declaredAt)
    ? incident.startedAt
    : incident.declaredAt;
}

/** Milliseconds from the wait's start to the acknowledgement; undefined when never acknowledged. */
export function timeToAcknowledgeMs(incident: Incident): number | undefined {
  if (!incident.acknowledgedAt) return undefined;
  return Math.max(0, Date.parse(incident.acknowledgedAt) - Date.parse(acknowledgeWaitStart(incident)));
}

/** Milliseconds from the start to the resolution; undefined while open. */
export function timeToResolveMs(incident: Incident): number | undefined {
  if (!incident.resolvedAt) return undefined;
  return Math.max(0, Date.parse(incident.resolvedAt) - Date.parse(incident.startedAt));
}

export interface Spread {
  /** How many incidents had a value. */
  count: number;
  medianMs?: number;
  p90Ms?: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const medianMs =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const p90Ms = sorted[Math.ceil(0.9 * sorted.length) - 1] as number;
  return { count: sorted.length, medianMs, p90Ms };
}

export interface SeverityStats {
  severity: Severity;
  incidents: number;
  previousIncidents: number;
  acknowledge: Spread;
  resolve: Spread;
  previousAcknowledge: Spread;
  previousResolve: Spread;
}

export interface IncidentStats {
  days: number;
  /** The period: [from, to). */
  from: string;
  to: string;
  incidents: number;
  previousIncidents: number;
  /** Of this period's incidents, those still open. */
  unresolved: number;
  /** Every severity, sev1 first, including those with no incident. */
  bySeverity: SeverityStats[];
  /** The alerts that declared most of this period's incidents, most first (ties by name). */
  topSources: { source: string; incidents: number }[];
  /** This period's incidents declared by a person, not an alert. */
  declaredByPeople: number;
  /** Follow-ups whose ticket is not closed, of every period. */
  openFollowUps: number;
  /** The oldest open follow-up's age in whole days. */
  oldestOpenFollowUpDays?: number;
}

/** The first instant of the previous period: what to read from the store for `incidentStats`. */
export function statsReadFrom(now: string, days: number): string {
  return new Date(Date.parse(now) - 2 * days * DAY_MS).toISOString();
}

export function incidentStats(
  incidents: readonly Incident[],
  followUps: readonly FollowUp[],
  options: { now: string; days: number },
): IncidentStats {
  const to = Date.parse(options.now);
  const from = to - options.days * DAY_MS;
  const previousFrom = from - options.days * DAY_MS;
  const declared = (incident: Incident) => Date.parse(incident.declaredAt);
  const current = incidents.filter((i) => declared(i) >= from && declared(i) < to);
  const previous = incidents.filter((i) => declared(i) >= previousFrom && declared(i) < from);
  const measured = (list: Incident[], measure: (i: Incident) => number | undefined) =>
    spread(list.map(measure).filter((value): value is number => value !== undefined));

  const bySeverity = SEVERITIES.map((severity): SeverityStats => {
    const now = current.filter((i) => i.severity === severity);
    const before = previous.filter((i) => i.severity === severity);
    return {
      severity,
      incidents: now.length,
      previousIncidents: before.length,
      acknowledge: measured(now, timeToAcknowledgeMs),
      resolve: measured(now, timeToResolveMs),
      previousAcknowledge: measured(before, timeToAcknowledgeMs),
      previousResolve: measured(before, timeToResolveMs),
    };
  });

  const sources = new Map<string, number>();
  for (const incident of current) {
    if (incident.alertSource) sources.set(incident.alertSource, (sources.get(incident.alertSource) ?? 0) + 1);
  }
  const topSources = [...sources]
    .map(([source, count]) => ({ source, incidents: count }))
    .sort((a, b) => b.incidents - a.incidents || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))
    .slice(0, TOP_SOURCES);

  const open = followUps.filter((f) => f.ticketState !== 'closed');
  const oldest = open.reduce<string | undefined>(
    (min, f) => (!min || f.createdAt < min ? f.createdAt : min),
    undefined,
  );

  return {
    days: options.days,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    incidents: current.length,
    previousIncidents: previous.length,
    unresolved: current.filter((i) => i.status !== 'resolved').length,
    bySeverity,
    topSources,
    declaredByPeople: current.filter((i) => !i.alertSource).length,
    openFollowUps: open.length,
    ...(oldest ? { oldestOpenFollowUpDays: Math.floor((to - Date.parse(oldest)) / DAY_MS) } : {}),
  };
}

export interface WeekPoint {
  /** The Monday the week starts on, `YYYY-MM-DD` in the zone. */
  week: string;
  incidents: number;
  /** The median time to resolve of the week's resolved incidents. */
  resolve: Spread;
}

/**
 * The last `weeks` calendar weeks (Monday to Sunday in `tz`), oldest first, the current week last:
 * incidents declared in each and their time to resolve. Weeks without incidents are there, as zeros.
 */
export function weeklyTrend(
  incidents: readonly Incident[],
  options: { now: string; weeks: number; tz: string },
): WeekPoint[] {
  const today = dayjs(options.now).tz(options.tz).startOf('day');
  const monday = today.subtract((today.day() + 6) % 7, 'day');
  const starts = Array.from({ length: options.weeks }, (_, i) =>
    monday.subtract(options.weeks - 1 - i, 'week'),
  );
  return starts.map((start) => {
    const end = start.add(1, 'week');
    const inWeek = incidents.filter((incident) => {
      const at = dayjs(incident.declaredAt);
      return !at.isBefore(start) && at.isBefore(end);
    });
    return {
      week: start.format('YYYY-MM-DD'),
      incidents: inWeek.length,
      resolve: spread(inWeek.map(timeToResolveMs).filter((ms): ms is number => ms !== undefined)),
    };
  });
}

/** One sentence saying what the trend chart shows (pictures/trend-chart.ts), for alt text and where no picture can be shown. */
export function trendSummary(points: readonly WeekPoint[]): string {
  const counts = points.map((p) => p.incidents);
  const total = counts.reduce((a, b) => a + b, 0);
  const recent = [...points].reverse().find((p) => p.resolve.medianMs !== undefined);
  const first = points[0];
  const weeks = points.length === 1 ? 'week' : `${points.length} weeks`;
  const since = first ? ` since ${dayjs(first.week).format('D MMM YYYY')}` : '';
  const resolve = recent
    ? `; median time to resolve ${shortDuration(recent.resolve.medianMs as number)} in the week of ${dayjs(recent.week).format('D MMM')}`
    : '';
  return `${total} incidents in the last ${weeks}${since}, per week oldest first: ${counts.join(', ')}${resolve}.`;
}

/** `45s`, `12m`, `3h 05m`, `2d 4h`: short enough for a table cell. */
export function shortDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.floor(ms / 1000)}s`;
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

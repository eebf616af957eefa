/**
 * `incident-bot export`: the data behind `/incident stats` and App Home's trend chart, one row per
 * incident, as CSV for a spreadsheet or JSON for a script. Times to acknowledge and resolve come from
 * lambda/incidents/stats.ts, so they are the ones `/incident stats` summarizes.
 */
import { writeFileSync } from 'node:fs';
import { timeToAcknowledgeMs, timeToResolveMs } from '../../lambda/incidents/stats';
import type { FollowUp, Incident, Severity, Status } from '../../lambda/incidents/types';
import { dayOrInstant, EXIT, type ExitCode, FileError, formatInstant, type Io, UsageError } from '../common';

export const EXPORT_USAGE = `Usage: incident-bot export --since DATE [--format csv|json] [--out FILE]

Writes every incident declared at or after DATE, oldest first, one row each: what
/incident stats and the App Home chart count.
--since DATE     a day, 2026-11-01 (00:00 UTC), or an ISO-8601 date-time with a
                 zone (2026-11-01T09:00+01:00)
--format F       csv (the default: RFC 4180, CRLF line ends, a header row) or json
                 ({"since", "exportedAt", "incidents": [...]})
--out FILE       write FILE (a one-line summary goes to stderr); default: stdout

Columns: id, title, severity, status, declaredAt, startedAt, acknowledgedAt,
resolvedAt, alertSource, declaredBy (a Slack user id, or 'alert'),
timeToAcknowledgeSeconds, timeToResolveSeconds, channel (Slack channel id),
openFollowUps (follow-ups whose ticket is not closed). Missing values are empty
in CSV and null in JSON. A CSV text cell starting with = + - @ or a tab or
carriage return gets a leading ' so a spreadsheet does not run it as a formula.

The store, as the bot finds it: DYNAMODB_ENDPOINT (and TABLE_NAME, default
incident-bot) when set; else TABLE_NAME in AWS DynamoDB (default credentials);
else the local server's store under DATA_DIR (default .incident-bot), which must
exist and must not be open in a running server.`;

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One incident as exported: the CSV's columns in order, and the JSON's keys. */
export interface ExportRow {
  id: string;
  title: string;
  severity: Severity;
  status: Status;
  declaredAt: string;
  startedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  alertSource: string | null;
  /** The Slack user id of the person who declared it, or `alert` for an incident an alert declared. */
  declaredBy: string;
  timeToAcknowledgeSeconds: number | null;
  timeToResolveSeconds: number | null;
  /** The incident channel's Slack id. */
  channel: string | null;
  /** Its follow-ups whose ticket is not closed (as `/incident stats` counts open follow-ups). */
  openFollowUps: number;
}

export const EXPORT_COLUMNS = [
  'id',
  'title',
  'severity',
  'status',
  'declaredAt',
  'startedAt',
  'acknowledgedAt',
  'resolvedAt',
  'alertSource',
  'declaredBy',
  'timeToAcknowledgeSeconds',
  'timeToResolveSeconds',
  'channel',
  'openFollowUps',
] as const satisfies readonly (keyof ExportRow)[];

/** Free text a person or an alert wrote: the cells a formula could hide in. */
const TEXT_COLUMNS: ReadonlySet<keyof ExportRow> = new Set(['title', 'alertSource', 'declaredBy', 'channel']);

const seconds = (ms: number | undefined) => (ms === undefined ? null : ms / 1000);

export function exportRows(incidents: readonly Incident[], followUps: readonly FollowUp[]): ExportRow[] {
  const open = new Map<string, number>();
  for (const followUp of followUps) {
    if (followUp.ticketState !== 'closed') {
      open.set(followUp.incidentId, (open.get(followUp.incidentId) ?? 0) + 1);
    }
  }
  return incidents.map((incident) => ({
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    declaredAt: incident.declaredAt,
    startedAt: incident.startedAt,
    acknowledgedAt: incident.acknowledgedAt ?? null,
    resolvedAt: incident.resolvedAt ?? null,
    alertSource: incident.alertSource ?? null,
    declaredBy: incident.alertSource ? 'alert' : incident.declaredBy,
    timeToAcknowledgeSeconds: seconds(timeToAcknowledgeMs(incident)),
    timeToResolveSeconds: seconds(timeToResolveMs(incident)),
    channel: incident.channelId ?? null,
    openFollowUps: open.get(incident.id) ?? 0,
  }));
}

/** A spreadsheet runs a cell starting with one of these as a formula (or strips it and then does). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: guarded when it is free text, quoted (quotes doubled) when it must be (RFC 4180). */
export function csvField(value: string | number | null, text: boolean): string {
  if (value === null) return '';
  let field = String(value);
  if (text && FORMULA_START.test(field)) field = `'${field}`;
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function toCsv(rows: readonly ExportRow[]): string {
  const lines = [
    EXPORT_COLUMNS.join(','),
    ...rows.map((row) =>
      EXPORT_COLUMNS.map((column) => csvField(row[column], TEXT_COLUMNS.has(column))).join(','),
    ),
  ];
  return lines.map((line) => `${line}\r\n`).join('');
}

export function toJson(rows: readonly ExportRow[], since: Date, exportedAt: Date): string {
  return `${JSON.stringify({ since: since.toISOString(), exportedAt: exportedAt.toISOString(), incidents: rows }, null, 2)}\n`;
}

function exportFormat(value: string | undefined): ExportFormat {
  if (value === undefined) return 'csv';
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new UsageError(`--format: expected csv or json; got '${value}'`);
}

/** What the store says, read through its index (never a scan); store errors become FileErrors. */
async function readStore(io: Io, since: Date): Promise<{ incidents: Incident[]; followUps: FollowUp[] }> {
  const { describeSource, openStore, storeSource } = await import('../store');
  const source = storeSource(io.env);
  const where = describeSource(source);
  const opened = await openStore(source);
  try {
    const [incidents, followUps] = await Promise.all([
      opened.store.listIncidentsDeclaredSince(since.toISOString()),
      opened.store.listFollowUps(),
    ]);
    return { incidents, followUps };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ResourceNotFoundException') throw new FileError(`${where}: no such table`);
    throw new FileError(`${where}: cannot read it: ${(error as Error).message}`);
  } finally {
    await opened.close();
  }
}

export async function exportIncidents(
  options: { since?: string; format?: string; out?: string },
  io: Io,
): Promise<ExitCode> {
  const since = dayOrInstant(options.since, '--since');
  const format = exportFormat(options.format);
  if (options.out === '') throw new UsageError('--out: expected a file name');
  const { incidents, followUps } = await readStore(io, since);
  const rows = exportRows(incidents, followUps);
  const text = format === 'csv' ? toCsv(rows) : toJson(rows, since, io.now());
  if (options.out === undefined) {
    io.write(text);
    return EXIT.ok;
  }
  try {
    writeFileSync(options.out, text);
  } catch (error) {
    throw new FileError(`${options.out}: cannot write it: ${(error as Error).message}`);
  }
  const count = `${rows.length} incident${rows.length === 1 ? '' : 's'}`;
  io.err(`exported ${count} since ${formatInstant(since)} to ${options.out}`);
  return EXIT.ok;
}

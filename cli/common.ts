/**
 * What the CLI's commands share: how they print, how they fail, how they read a policy file and an
 * instant. Every command is a function of its arguments and an `Io`, so the entry point owns
 * process.exit and the commands stay testable in-process.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../lambda/incidents/errors';
import { type EscalationPolicy, parsePolicy } from '../lambda/incidents/policy';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Writes text to standard output as it is, no line end added (`export`'s CSV ends lines with CRLF). */
  write(text: string): void;
  /** The instant `--at` defaults to. */
  now(): Date;
  /** The environment (`export` finds the store through the bot's variables). */
  env: Readonly<Record<string, string | undefined>>;
}

/** The process's own standard output, standard error, clock and environment. */
export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    write: (text) => process.stdout.write(text),
    now: () => new Date(),
    env: process.env,
  };
}

/** Exit codes: 0 fine, 1 the file (or what it says) is bad, 2 the command line is bad. */
export const EXIT = { ok: 0, bad: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A command line that cannot run: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A file that cannot be used (unreadable, not YAML, invalid), or a store that cannot be read: its
 * message is printed as is, exit 1.
 */
export class FileError extends Error {
  override readonly name = 'FileError';
}

/** Reads and validates a policy file; every problem becomes a FileError naming the file. */
export function readPolicy(file: string): EscalationPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FileError(`${file}: cannot read it: ${(error as Error).message}`);
  }
  try {
    return parsePolicy(text, file);
  } catch (error) {
    if (error instanceof ConfigError) throw new FileError(error.message);
    throw error;
  }
}

/** ISO-8601 with a date, a time and a zone (`2026-12-02T10:00Z`, `…+01:00`): no guessing the zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** `--at`, or now; a value that is not an ISO-8601 instant with a zone is a usage error. */
export function instant(at: string | undefined, io: Io): Date {
  if (at === undefined) return io.now();
  const ms = ISO_INSTANT.test(at) ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--at: expected an ISO-8601 date-time with a zone, like 2026-12-02T10:00Z; got '${at}'`,
    );
  }
  return new Date(ms);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** Whether text starting `YYYY-MM-DD` names a day of the calendar (Date.parse takes 2026-02-30 as 2 March). */
function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A required date option (`--since`): a day, `2026-11-01`, taken as 00:00 UTC, or an ISO-8601 instant
 * with a zone as `--at` takes it. Missing, not of that form, or not a day of the calendar: a usage error.
 */
export function dayOrInstant(value: string | undefined, option: string): Date {
  if (value === undefined) throw new UsageError(`${option} is required`);
  let ms = Number.NaN;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && isCalendarDate(value)) ms = Date.parse(`${value}T00:00:00Z`);
  else if (ISO_INSTANT.test(value) && isCalendarDate(value)) ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${option}: expected a date like 2026-11-01 (00:00 UTC) or an ISO-8601 date-time with a zone like 2026-11-01T09:00+01:00; got '${value}'`,
    );
  }
  return new Date(ms);
}

/** `2026-12-02T10:00:00Z`: seconds, no milliseconds, as a person reads it. */
export function formatInstant(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Rows as columns separated by two spaces, the last column unpadded. */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Structured logs for every Lambda entry: Powertools Logger (one JSON object a line on stdout, which
 * CloudWatch Logs Insights queries by key), with the container's secrets redacted from every line.
 *
 * Handlers depend on the small `StructuredLog` interface, so tests capture lines without stdout and the
 * local server can pass its own.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Logger as BoltLogger, LogLevel as BoltLogLevel } from '@slack/bolt';

export type LogKeys = Record<string, unknown>;

/** What handlers log through: Powertools Logger fits it; keys go per call or are appended for a job. */
export interface StructuredLog {
  debug(message: string, ...extra: LogKeys[]): void;
  info(message: string, ...extra: LogKeys[]): void;
  warn(message: string, ...extra: LogKeys[]): void;
  error(message: string, ...extra: LogKeys[]): void;
  /** Keys on every later line until removed (incident id, job type while a job runs). */
  appendKeys?(keys: LogKeys): void;
  removeKeys?(keys: string[]): void;
}

export const REDACTED = '[redacted]';
/** Shorter values are not secrets worth the name, and would redact ordinary words. */
const MIN_SECRET_LENGTH = 8;
const secrets = new Set<string>();

/**
 * Values that must never reach a log line: every secret read from Secrets Manager is registered here
 * when read (a rotated value too), so a message, a key or an error that happens to carry one prints
 * `[redacted]` instead.
 */
export function registerSecrets(...values: Array<string | undefined>): void {
  for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * A Powertools Logger whose every string (message, keys, error message and stack, nested values) passes
 * through `redact` as the line is serialized. The service is the function's name, so one Logs Insights
 * query across the stack's log groups still tells the functions apart.
 */
export function createLogger(options: { serviceName?: string; logLevel?: string } = {}): Logger {
  return new Logger({
    serviceName: options.serviceName ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'incident-bot',
    // Outside Lambda (tests, scripts) only what needs attention, so test output stays readable.
    logLevel: (options.logLevel ??
      process.env.POWERTOOLS_LOG_LEVEL ??
      (process.env.AWS_LAMBDA_FUNCTION_NAME ? 'INFO' : 'WARN')) as 'INFO',
    jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redact(value) : value),
  });
}

let shared: Logger | undefined;

/** The container's logger, made on first use. */
export function lambdaLogger(): Logger {
  shared ??= createLogger();
  return shared;
}

/** A plain `(line) => void` log (the bot's internals) written through a structured one, as a warning. */
export function lineLog(log: StructuredLog): (line: string) => void {
  return (line) => log.warn(line);
}

/** Bolt's logger interface over a structured one, so Bolt's own warnings are JSON lines too. */
export function boltLogger(log: StructuredLog, level: BoltLogLevel): BoltLogger {
  let current = level;
  const text = (parts: unknown[]) =>
    parts
      .map((part) =>
        typeof part === 'string' ? part : part instanceof Error ? part.message : JSON.stringify(part),
      )
      .join(' ');
  const at = (wanted: string) => {
    const order = ['debug', 'info', 'warn', 'error'];
    return order.indexOf(wanted) >= order.indexOf(current);
  };
  return {
    debug: (...parts) => at('debug') && log.debug(text(parts), { source: 'bolt' }),
    info: (...parts) => at('info') && log.info(text(parts), { source: 'bolt' }),
    warn: (...parts) => at('warn') && log.warn(text(parts), { source: 'bolt' }),
    error: (...parts) => at('error') && log.error(text(parts), { source: 'bolt' }),
    setLevel: (next) => {
      current = next;
    },
    getLevel: () => current,
    setName: () => {},
  } as BoltLogger;
}

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** The appended keys at the time, then the call's own. */
  keys: LogKeys;
}

/** A log kept in memory, appended keys included (tests; anywhere stdout is not wanted). */
export function memoryLog(): StructuredLog & { lines: LoggedLine[]; messages(): string[] } {
  const lines: LoggedLine[] = [];
  let appended: LogKeys = {};
  const at =
    (level: LoggedLine['level']) =>
    (message: string, ...extra: LogKeys[]) => {
      lines.push({ level, message, keys: Object.assign({}, appended, ...extra) });
    };
  return {
    lines,
    messages: () => lines.map((line) => line.message),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    appendKeys: (keys) => {
      appended = { ...appended, ...keys };
    },
    removeKeys: (keys) => {
      appended = Object.fromEntries(Object.entries(appended).filter(([key]) => !keys.includes(key)));
    },
  };
}

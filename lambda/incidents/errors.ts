import { type Message, plainText } from './message';

/**
 * Named errors with a stable code, so callers (the Slack listener, tests) branch on `code`, never on
 * message text. Messages are written for the responder who will read them in Slack.
 */

export type IncidentErrorCode =
  | 'ALREADY_RESOLVED'
  | 'NOT_OPEN'
  | 'ALREADY_ACKNOWLEDGED'
  | 'TIME_IN_FUTURE'
  | 'TIME_BEFORE_START'
  | 'TIME_AFTER_RESOLUTION'
  | 'NO_CHANGE'
  | 'TEXT_TOO_LONG'
  | 'INCIDENT_NOT_FOUND'
  | 'NO_INCIDENT_IN_CHANNEL';

export class IncidentError extends Error {
  override readonly name = 'IncidentError';
  /** What the responder reads, with the people it names as ids (rendered by slack/). */
  readonly said: Message;
  constructor(
    readonly code: IncidentErrorCode,
    message: string | Message,
  ) {
    const said = typeof message === 'string' ? [message] : message;
    super(plainText(said));
    this.said = said;
  }
}

/** The store refused a write because another writer changed the incident first. */
export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
  readonly code = 'CONCURRENT_UPDATE';
  constructor(incidentId: string, expectedVersion: number) {
    super(`${incidentId} changed since version ${expectedVersion} was read`);
  }
}

/** Configuration that cannot be used; the message names every bad key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'BAD_CONFIG';
}

/**
 * What an error says, for logs and failure notes: its message, else its name, else the value itself.
 * Duck-typed: errors from Node's own fetch are not `instanceof` the Error a test sandbox sees.
 */
export function errorMessage(error: unknown): string {
  const { message, name } = (error ?? {}) as { message?: unknown; name?: unknown };
  if (typeof message === 'string' && message) return message;
  if (typeof name === 'string' && typeof error === 'object') return name;
  return String(error);
}

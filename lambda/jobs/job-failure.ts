/**
 * What a failed job means for the queue, decided here and only here: try it again later, or give up
 * now because no number of tries can make it succeed. A job given up is recorded (a log line with its
 * reason, the JobsFailedPermanently metric) and acknowledged; retrying it would only wait out the
 * visibility timeout five times and land it in the dead-letter queue, where an operator learns nothing
 * more than the log already said.
 *
 * Permanent:
 * - the message is not a job (not JSON, or not a job the schema knows): `malformed`;
 * - the job's incident does not exist: `unknown-incident`;
 * - Slack refuses the call for a reason another try will not change (channel_not_found,
 *   not_in_channel, is_archived, invalid_auth and the other bad-token codes, any other platform error
 *   that is not a Slack hiccup, HTTP 4xx): `slack:<code>`. The token errors are here too: the worker
 *   checks the token once per container, so a job that meets one has a token revoked under it, and
 *   the reconciler redoes what the incident record lacks once the token is fixed.
 * Everything else (the store, the network, Slack 5xx and timeouts, an unknown error) is transient.
 */
import { errorMessage, IncidentError } from '../incidents/errors';
import { classifySlackError } from '../slack/errors';
import { isRetryLater, type RetryLaterError } from './retry-later';

export type JobFailure =
  | { kind: 'later'; error: RetryLaterError }
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; reason: string };

export function isUnknownIncident(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'INCIDENT_NOT_FOUND';
}

/** A job whose incident is not in the store: never worth another try. */
export function unknownIncident(incidentId: string, cause?: unknown): IncidentError {
  const error = new IncidentError('INCIDENT_NOT_FOUND', `${incidentId} not found`);
  if (cause !== undefined) (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

export function classifyJobFailure(error: unknown): JobFailure {
  if (isRetryLater(error)) return { kind: 'later', error };
  if (isUnknownIncident(error))
    return { kind: 'permanent', reason: `unknown-incident: ${errorMessage(error)}` };
  const code = (error as { code?: unknown } | undefined)?.code;
  // Only errors the Slack client raised (codes `slack_webapi_…`); anything else says nothing about Slack.
  if (typeof code === 'string' && code.startsWith('slack_')) {
    const slack = classifySlackError(error);
    if (slack.kind === 'permanent' || slack.kind === 'not-in-channel') {
      return { kind: 'permanent', reason: `slack:${slack.code}` };
    }
    return { kind: 'transient', reason: `slack:${slack.code}` };
  }
  return { kind: 'transient', reason: errorMessage(error) };
}

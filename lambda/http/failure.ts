/**
 * How an outgoing HTTP call failed, in words and numbers, for the adapters that call vendors (paging
 * in lambda/paging/http.ts, trackers in lambda/trackers/http.ts and github.ts). Each throws its own
 * error type (`PageError`, `TrackerError`); what goes into it is worked out here.
 */
import { STATUS_CODES } from 'node:http';
import { errorMessage } from '../incidents/errors';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** A hung vendor must not hold the caller (or the Lambda) until its own timeout. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** The most of a vendor's words an error message carries. */
export const MAX_ERROR_TEXT = 300;

/** Text as one line (white space folded), at most `MAX_ERROR_TEXT` long. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_TEXT);
}

/** `Retry-After` in seconds or as an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Network errors aside, these are the answers worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * What an answer with an unwanted status means for the caller: the message (`describeStatus`), whether
 * another try may do better (429, 5xx), and the status and `Retry-After` for its error's details.
 */
export function statusFailure(
  who: string,
  response: Response,
  said: string,
): { message: string; retryable: boolean; details: { status: number; retryAfterMs: number | undefined } } {
  return {
    message: describeStatus(who, response, said),
    retryable: isRetryableStatus(response.status),
    details: { status: response.status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) },
  };
}

/** `<who> answered 503 Service Unavailable: <what it said>`; the status text from Node when the answer has none. */
export function describeStatus(
  who: string,
  answer: { status: number; statusText?: string },
  said: string,
): string {
  const statusText = answer.statusText || STATUS_CODES[answer.status] || '';
  return `${who} answered ${answer.status}${statusText ? ` ${statusText}` : ''}${said ? `: ${said}` : ''}`;
}

/**
 * Why a call got no answer: the timeout, else the network error. A URL that cannot be parsed will not
 * parse on the next try either; anything else is worth another.
 */
export function describeUnanswered(
  error: unknown,
  timeoutMs: number,
): { reason: string; retryable: boolean } {
  const timedOut = (error as Error | undefined)?.name === 'TimeoutError';
  return {
    reason: timedOut ? `no answer within ${timeoutMs} ms` : describeNetworkError(error),
    retryable: causeCode(error) !== 'ERR_INVALID_URL',
  };
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in `cause`. */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  const detail = causeCode(error) ?? (typeof cause?.message === 'string' ? cause.message : '');
  const message = errorMessage(error);
  return detail ? `${message} (${detail})` : message;
}

/** The system error code under a fetch failure (`ECONNREFUSED`, `ERR_INVALID_URL`…). */
export function causeCode(error: unknown): string | undefined {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

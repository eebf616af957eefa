/**
 * The one HTTP call the HTTP-based paging adapters make, with the failure classification `withRetry`
 * relies on: network errors, timeouts, 429 and 5xx are retryable; every other unexpected status is final.
 */
import { STATUS_CODES } from 'node:http';
import { errorMessage } from '../incidents/errors';
import { PageError } from './retry';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** A hung service must not hold the page (or the Lambda) until its own timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpPost {
  service: string;
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** The status that means "accepted" (or any 2xx); any other is a failure. */
  expect: number | 'any-2xx';
  fetch: FetchLike;
  timeoutMs: number;
}

const MAX_ERROR_TEXT = 300;

/** What the service said, in one line: its `message` and `errors` when JSON, else the start of the text. */
function summarize(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof body.message === 'string') parts.push(body.message);
    if (Array.isArray(body.errors)) parts.push(`(${body.errors.map(String).join('; ')})`);
    if (parts.length > 0) return parts.join(' ').slice(0, MAX_ERROR_TEXT);
  } catch {
    // Not JSON: the raw text says what it says.
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_TEXT);
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export async function postJson(request: HttpPost): Promise<void> {
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // Read to the end even when unused, so the connection goes back to the pool.
    text = await response.text();
  } catch (error) {
    const timedOut = (error as Error | undefined)?.name === 'TimeoutError';
    const reason = timedOut ? `no answer within ${request.timeoutMs} ms` : describeNetworkError(error);
    // A URL that cannot be parsed will not parse on the next try either.
    const badUrl = causeCode(error) === 'ERR_INVALID_URL';
    throw new PageError(`${request.service} unreachable: ${reason}`, !badUrl, { cause: error });
  }
  const accepted =
    request.expect === 'any-2xx'
      ? response.status >= 200 && response.status < 300
      : response.status === request.expect;
  if (accepted) return;
  const said = summarize(text);
  const statusText = response.statusText || STATUS_CODES[response.status] || '';
  throw new PageError(
    `${request.service} answered ${response.status}${statusText ? ` ${statusText}` : ''}${said ? `: ${said}` : ''}`,
    isRetryableStatus(response.status),
    { status: response.status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) },
  );
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  const detail = causeCode(error) ?? (typeof cause?.message === 'string' ? cause.message : '');
  const message = errorMessage(error);
  return detail ? `${message} (${detail})` : message;
}

function causeCode(error: unknown): string | undefined {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

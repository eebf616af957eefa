/**
 * The one HTTP call the HTTP-based paging adapters make, with the failure classification `withRetry`
 * relies on: network errors, timeouts, 429 and 5xx are retryable; every other unexpected status is final.
 */
import { describeUnanswered, type FetchLike, MAX_ERROR_TEXT, oneLine, statusFailure } from '../http/failure';
import { PageError } from './retry';

export {
  DEFAULT_HTTP_TIMEOUT_MS as DEFAULT_TIMEOUT_MS,
  type FetchLike,
  isRetryableStatus,
} from '../http/failure';

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
  return oneLine(text);
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
    const { reason, retryable } = describeUnanswered(error, request.timeoutMs);
    throw new PageError(`${request.service} unreachable: ${reason}`, retryable, { cause: error });
  }
  const accepted =
    request.expect === 'any-2xx'
      ? response.status >= 200 && response.status < 300
      : response.status === request.expect;
  if (accepted) return;
  const failure = statusFailure(request.service, response, summarize(text));
  throw new PageError(failure.message, failure.retryable, failure.details);
}

/**
 * The HTTP call every tracker adapter makes (GitHub, Jira, Linear), with the failure classification
 * `TrackerError` documents: network errors, timeouts, 429 and 5xx are retryable; every other
 * unexpected status is permanent, with what the vendor said in the message.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describeUnanswered, type FetchLike, MAX_ERROR_TEXT, oneLine, statusFailure } from '../http/failure';
import { TrackerError } from './tracker';

export {
  DEFAULT_HTTP_TIMEOUT_MS as DEFAULT_TRACKER_TIMEOUT_MS,
  type FetchLike,
  isRetryableStatus,
  retryAfterMs,
} from '../http/failure';

export interface TrackerRequest {
  /** Who is called, for messages: `Jira`, `Linear`, `GitHub`. */
  service: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Sent as JSON when defined. */
  body?: unknown;
  /** Added to `accept: application/json` (and `content-type: application/json` with a body), or replacing them. */
  headers?: Record<string, string>;
  fetch: FetchLike;
  timeoutMs: number;
  /**
   * Which statuses resolve (default: any 2xx); the caller reads the rest itself. GraphQL APIs answer
   * some errors with 400 and a body that says more than the status.
   */
  accept?: (status: number) => boolean;
}

export interface TrackerResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; `undefined` when empty or not JSON. */
  json: unknown;
  text: string;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the vendor said, in one line. Knows the error shapes of the trackers: GitHub's
 * `{message, errors: [{message|code, field}]}`, Jira's `{errorMessages: [], errors: {field: text}}`
 * and GraphQL's `{errors: [{message}]}`; anything else is the start of the text.
 */
export function vendorMessage(json: unknown, text = ''): string {
  if (isRecord(json)) {
    const parts: string[] = [];
    if (typeof json.message === 'string') parts.push(json.message);
    if (Array.isArray(json.errorMessages)) parts.push(...json.errorMessages.map(String));
    if (Array.isArray(json.errors)) {
      for (const error of json.errors) {
        if (typeof error === 'string') parts.push(error);
        else if (isRecord(error)) {
          const said = error.message ?? error.code;
          const field = typeof error.field === 'string' ? `${error.field}: ` : '';
          if (said !== undefined) parts.push(`${field}${String(said)}`);
        }
      }
    } else if (isRecord(json.errors)) {
      for (const [field, said] of Object.entries(json.errors)) parts.push(`${field}: ${String(said)}`);
    }
    if (parts.length > 0) return parts.join('; ').slice(0, MAX_ERROR_TEXT);
  }
  return oneLine(text);
}

/** Sends one request; resolves with any 2xx answer, throws `TrackerError` for everything else. */
export async function trackerRequest(request: TrackerRequest): Promise<TrackerResponse> {
  let response: Response;
  let text: string;
  try {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.headers,
    };
    response = await request.fetch(request.url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    // Read to the end even when unused, so the connection goes back to the pool.
    text = await response.text();
  } catch (error) {
    const { reason, retryable } = describeUnanswered(error, request.timeoutMs);
    throw new TrackerError(`${request.service} unreachable: ${reason}`, retryable, { cause: error });
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const accepted = request.accept ?? ((status: number) => status >= 200 && status < 300);
  if (accepted(response.status)) {
    return { status: response.status, headers: response.headers, json, text };
  }
  const failure = statusFailure(request.service, response, vendorMessage(json, text));
  throw new TrackerError(failure.message, failure.retryable, failure.details);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** At most `max` UTF-16 units, cut between graphemes; a cut text ends in `…`, counted in `max`. */
export function clipTitle(text: string, max: number): string {
  const whole = text.replace(/\s+/g, ' ').trim();
  if (whole.length <= max) return whole;
  const room = max - 1;
  let kept = '';
  for (const { segment } of segmenter.segment(whole)) {
    if (kept.length + segment.length > room) break;
    kept += segment;
  }
  return `${kept.trimEnd()}…`;
}

/** A header by name, whatever its case in the record (Lambda, Node and tests spell them differently). */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** True when `hex` is the HMAC-SHA256 of `body` under `secret`, compared in constant time. */
export function hmacSha256HexMatches(secret: string, body: string, hex: string | undefined): boolean {
  if (!secret || !hex || !/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(body, 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

/**
 * One reading of what a failed Web API call means, for everything that calls Slack: the job queue
 * (reschedule or give up), the pager (retry or report) and the messages people see.
 *
 * Errors are duck-typed by `code` (the `ErrorCode` values of `@slack/web-api`), so fakes can raise them
 * and errors from another copy of the package are read the same way.
 */
import { ErrorCode } from '@slack/web-api';

export type SlackFailure =
  /** Slack said to come back later: reschedule after `retryAfterMs`, do not sleep on it. */
  | { kind: 'rate-limited'; retryAfterMs: number; code: 'ratelimited' }
  /** The same call may work if sent again: network trouble, a timeout, HTTP 5xx, a Slack hiccup. */
  | { kind: 'transient'; code: string }
  /** The same call will fail the same way: tell someone, never retry forever. */
  | { kind: 'permanent'; code: string }
  /** The bot must join the channel first (possible only in a public channel). */
  | { kind: 'not-in-channel'; code: 'not_in_channel' };

/**
 * The code of a call the client gave up on. Other codes that are not Slack platform errors:
 * `http_<status>` (HTTP 5xx transient, other statuses permanent), a Node network code such as
 * `ECONNREFUSED`, `request_error` (any other request failure) and `unknown_error` (not a Slack error).
 */
export const TIMEOUT_CODE = 'timeout';

/** When a 429 or `ratelimited` carries no usable Retry-After: Slack's limits are per minute. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;

/** Platform errors that say "Slack had a bad moment", not "this request is wrong". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** Platform errors that mean the bot token itself is unusable. */
export const BAD_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'account_inactive',
  'token_expired',
]);

interface DuckSlackError {
  code?: unknown;
  statusCode?: unknown;
  retryAfter?: unknown;
  original?: unknown;
  message?: unknown;
  data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
}

function retryAfterMs(seconds: unknown): number {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? seconds * 1000
    : DEFAULT_RETRY_AFTER_MS;
}

function rateLimited(seconds: unknown): SlackFailure {
  return { kind: 'rate-limited', retryAfterMs: retryAfterMs(seconds), code: 'ratelimited' };
}

/** What went wrong under a request error: the client's timeout, a network code, or neither. */
function requestErrorCode(original: unknown): string {
  const seen = new Set<unknown>();
  let current = original as
    | { name?: unknown; code?: unknown; message?: unknown; cause?: unknown }
    | undefined;
  // fetch wraps the socket's error (ECONNREFUSED, …) in `cause`; the timeout is the abort reason, a
  // DOMException that WebClient re-wraps as `Error("TimeoutError: …")` when it is not `instanceof Error`.
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return TIMEOUT_CODE;
    if (typeof current.message === 'string' && /^(TimeoutError|AbortError)\b/.test(current.message)) {
      return TIMEOUT_CODE;
    }
    if (current.code === 'ETIMEDOUT' || current.code === 'UND_ERR_CONNECT_TIMEOUT') return TIMEOUT_CODE;
    if (typeof current.code === 'string' && /^E[A-Z_]+$/.test(current.code)) return current.code;
    current = current.cause as typeof current;
  }
  return 'request_error';
}

/** What a failed `@slack/web-api` call means for whoever would try it again. */
export function classifySlackError(error: unknown): SlackFailure {
  const failure = (error ?? {}) as DuckSlackError;
  switch (failure.code) {
    case ErrorCode.RateLimitedError:
      return rateLimited(failure.retryAfter);
    case ErrorCode.RequestError:
      return { kind: 'transient', code: requestErrorCode(failure.original) };
    case ErrorCode.HTTPError: {
      const status = typeof failure.statusCode === 'number' ? failure.statusCode : 0;
      if (status === 429) return rateLimited(undefined);
      if (status >= 500 || status === 0) return { kind: 'transient', code: `http_${status}` };
      return { kind: 'permanent', code: `http_${status}` };
    }
    case ErrorCode.PlatformError: {
      const code = typeof failure.data?.error === 'string' ? failure.data.error : 'unknown_error';
      if (code === 'ratelimited') return rateLimited(failure.data?.response_metadata?.retryAfter);
      if (code === 'not_in_channel') return { kind: 'not-in-channel', code };
      if (TRANSIENT_PLATFORM_ERRORS.has(code)) return { kind: 'transient', code };
      return { kind: 'permanent', code };
    }
    default: {
      // WebClient raises a plain Error for a 429 whose Retry-After it cannot read.
      const message = typeof failure.message === 'string' ? failure.message : '';
      if (/rate limit was exceeded|Retry header did not contain a valid timeout/i.test(message)) {
        return rateLimited(undefined);
      }
      return { kind: 'permanent', code: 'unknown_error' };
    }
  }
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}

/** A short sentence for people: a channel notice, a log line, an ephemeral reply. */
export function describeSlackFailure(failure: SlackFailure): string {
  switch (failure.kind) {
    case 'rate-limited':
      return `Slack rate-limited the bot (retry in ${seconds(failure.retryAfterMs)})`;
    case 'not-in-channel':
      return 'Slack says not_in_channel: the bot is not a member of that channel';
    case 'transient': {
      const { code } = failure;
      if (code === TIMEOUT_CODE) return 'Slack did not answer in time';
      const http = /^http_(\d+)$/.exec(code);
      if (http) return `Slack answered HTTP ${http[1]}`;
      if (code === 'request_error' || /^E[A-Z_]+$/.test(code)) return `Could not reach Slack (${code})`;
      return `Slack says ${code}`;
    }
    case 'permanent': {
      const { code } = failure;
      if (BAD_TOKEN_ERRORS.has(code)) return `Slack refused the bot token (${code})`;
      const http = /^http_(\d+)$/.exec(code);
      if (http) return `Slack answered HTTP ${http[1]}`;
      if (code === 'unknown_error') return 'The Slack call failed unexpectedly';
      return `Slack says ${code}`;
    }
  }
}

/** Thrown by `verifyAuth` when Slack refuses the bot token: fix the configuration, not the call. */
export class InvalidBotTokenError extends Error {
  override readonly name = 'InvalidBotTokenError';

  constructor(
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The Slack bot token is invalid: Slack answered auth.test with ${code}. Check SLACK_BOT_TOKEN ` +
        '(or botToken in the Slack secret on AWS): it must be the xoxb- token of the installed app.',
      options,
    );
  }
}

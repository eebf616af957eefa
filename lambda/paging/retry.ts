/**
 * Bounded retries for page deliveries. Only failures marked retryable are retried (the request may
 * succeed if sent again: network errors, timeouts, HTTP 429 and 5xx); anything else, such as a 4xx
 * for a bad routing key, fails the same way every time and is reported at once.
 */
import { errorMessage } from '../incidents/errors';

/** A delivery failure, with whether sending the same request again could succeed. */
export class PageError extends Error {
  override readonly name = 'PageError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly details: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

export function isRetryable(error: unknown): boolean {
  return (error as { retryable?: unknown } | undefined)?.retryable === true;
}

export interface RetryOptions {
  /** Total tries, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1); full jitter spreads the retries of many pages sent at once. Inject for exact delays. */
  random?: () => number;
}

export type RetryResult<T> =
  | { ok: true; attempts: number; value: T }
  | { ok: false; attempts: number; error: string; retryable: boolean; retryAfterMs?: number };

export const DEFAULT_RETRY = { attempts: 4, baseDelayMs: 200, maxDelayMs: 2000 } as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The longest wait before retry number `retry` (1 = the first retry): base·2^(retry-1), capped. */
export function backoffCapMs(retry: number, baseDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
}

function retryAfterOf(error: unknown): number {
  const ms = (error as Partial<PageError> | undefined)?.details?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : 0;
}

/** Never throws: the last failure comes back as `error`. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<RetryResult<T>> {
  const wanted = options.attempts ?? DEFAULT_RETRY.attempts;
  // NaN would compare false against every attempt and retry forever.
  const attempts = Number.isFinite(wanted) ? Math.max(1, Math.floor(wanted)) : DEFAULT_RETRY.attempts;
  const baseDelayMs = Math.max(0, options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs);
  const maxDelayMs = Math.max(0, options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs);
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, attempts: attempt, value: await fn(attempt) };
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) {
        const retryAfterMs = retryAfterOf(error);
        return {
          ok: false,
          attempts: attempt,
          error: errorMessage(error),
          retryable: isRetryable(error),
          ...(retryAfterMs > 0 ? { retryAfterMs } : {}),
        };
      }
      const jittered = Math.round(backoffCapMs(attempt, baseDelayMs, maxDelayMs) * random());
      // A service that says when to come back is believed, but never past the cap: a page that
      // waits a minute for a throttled API is a page that arrives a minute late.
      const retryAfterMs = retryAfterOf(error);
      await sleep(Math.min(maxDelayMs, Math.max(jittered, retryAfterMs)));
    }
  }
}

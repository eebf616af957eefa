/**
 * A job that cannot run now but will later: Slack answered 429 with Retry-After, say. The queue
 * reschedules it after `delayMs` (locally a delayed requeue at the head of the incident's lane; on
 * SQS the message's visibility), and no worker sleeps through the wait.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';

  constructor(
    message: string,
    readonly delayMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRetryLater(error: unknown): error is RetryLaterError {
  return (error as { name?: unknown } | undefined)?.name === 'RetryLaterError';
}

/**
 * What every Lambda entry (slack, worker, escalation, alerts) does around its invocation, in one
 * place: the Lambda request id on every log line (addContext), keys for this invocation only, the
 * failure logged next to the function's error alarm and rethrown (so Lambda retries it), and the
 * invocation's metrics flushed (a frozen container would otherwise hold them).
 */
import type { Context } from 'aws-lambda';
import { errorMessage } from '../incidents/errors';
import { type LogKeys, lambdaLogger, type StructuredLog } from './log';
import { type BotMetrics, lambdaMetrics } from './metrics';

export interface ObservabilityOptions<E> {
  /**
   * Logged at error level with the error's message when the invocation throws; the error is rethrown
   * either way. Unset: the entry reports its own failures.
   */
  failure?: string;
  /** Keys on every line of this invocation, read from its event. */
  keys?: (event: E) => LogKeys | undefined;
  /** Keys removed when the invocation ends: those of `keys`, and any the entry appends itself. */
  removeKeys?: string[];
  /** @default the container's Powertools logger */
  log?: () => StructuredLog & { addContext?(context: Context): void };
  /** @default the container's metrics */
  metrics?: () => BotMetrics;
}

/** A Lambda entry: an event, and the context Lambda passes (tests may leave it out). */
type Entry = (event: never, context: never) => Promise<unknown>;

/** The entry, observed; its type (the event, the answer, an optional context) is kept as it is. */
export function withObservability<H extends Entry>(
  handler: H,
  options: ObservabilityOptions<Parameters<H>[0]> = {},
): H {
  const observed = async (event: Parameters<H>[0], context?: Context) => {
    const logger = options.log?.() ?? lambdaLogger();
    if (context) logger.addContext?.(context);
    const keys = options.keys?.(event);
    if (keys) logger.appendKeys?.(keys);
    try {
      return await handler(event, context as never);
    } catch (error) {
      if (options.failure) logger.error(options.failure, { error: errorMessage(error) });
      throw error;
    } finally {
      if (options.removeKeys) logger.removeKeys?.(options.removeKeys);
      (options.metrics?.() ?? lambdaMetrics()).flush();
    }
  };
  return observed as unknown as H;
}

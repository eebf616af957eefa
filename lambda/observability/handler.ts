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

export function withObservability<E, C extends Partial<Context> | undefined, R>(
  handler: (event: E, context: C) => Promise<R>,
  options: ObservabilityOptions<E> = {},
): (event: E, context: C) => Promise<R> {
  return async (event, context) => {
    const logger = options.log?.() ?? lambdaLogger();
    if (context) logger.addContext?.(context as Context);
    const keys = options.keys?.(event);
    if (keys) logger.appendKeys?.(keys);
    try {
      return await handler(event, context);
    } catch (error) {
      if (options.failure) logger.error(options.failure, { error: errorMessage(error) });
      throw error;
    } finally {
      if (options.removeKeys) logger.removeKeys?.(options.removeKeys);
      (options.metrics?.() ?? lambdaMetrics()).flush();
    }
  };
}

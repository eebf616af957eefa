/**
 * withObservability, around every Lambda entry: the request id and the invocation's keys on its lines
 * and on none after, a failure logged once and rethrown, the metrics flushed however it ends.
 */
import type { Context } from 'aws-lambda';
import { withObservability } from '../../lambda/observability/handler';
import { memoryLog } from '../../lambda/observability/log';
import { recordingMetrics } from '../../lambda/observability/metrics';

function observed() {
  const contexts: Context[] = [];
  const log = Object.assign(memoryLog(), {
    contexts,
    addContext: (context: Context) => {
      contexts.push(context);
    },
  });
  const metrics = recordingMetrics();
  return { log, metrics, options: { log: () => log, metrics: () => metrics } };
}

describe('withObservability', () => {
  it('adds the context and the event keys for the invocation only, and flushes the metrics', async () => {
    const { log, metrics, options } = observed();
    const handler = withObservability(
      async (event: { id: string }, _context?: Context) => {
        log.appendKeys?.({ step: 'inside' });
        log.info('working');
        return `done ${event.id}`;
      },
      { ...options, keys: (event) => ({ eventId: event.id }), removeKeys: ['eventId', 'step'] },
    );
    const context = { awsRequestId: 'r-1' } as Context;
    await expect(handler({ id: 'e-1' }, context)).resolves.toBe('done e-1');
    log.info('after');
    expect(log.contexts).toEqual([context]);
    expect(log.lines).toEqual([
      { level: 'info', message: 'working', keys: { eventId: 'e-1', step: 'inside' } },
      { level: 'info', message: 'after', keys: {} },
    ]);
    expect(metrics.flushes).toBe(1);
  });

  it('logs a failure with its message when asked, rethrows it, and still flushes', async () => {
    const { log, metrics, options } = observed();
    const failing = withObservability(
      async (_event: unknown, _context?: Context) => {
        throw new Error('store unavailable');
      },
      { ...options, failure: 'invocation failed' },
    );
    await expect(failing({}, undefined)).rejects.toThrow('store unavailable');
    expect(log.contexts).toEqual([]);
    expect(log.lines).toEqual([
      { level: 'error', message: 'invocation failed', keys: { error: 'store unavailable' } },
    ]);
    expect(metrics.flushes).toBe(1);

    const quiet = withObservability(async (_event: unknown, _context?: Context) => {
      throw new Error('reported by the entry itself');
    }, options);
    await expect(quiet({}, undefined)).rejects.toThrow('reported by the entry itself');
    expect(log.lines).toHaveLength(1);
    expect(metrics.flushes).toBe(2);
  });
});

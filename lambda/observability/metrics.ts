/**
 * Metrics as CloudWatch embedded metric format (EMF) through Powertools Metrics: a JSON line in the
 * function's log that CloudWatch turns into metrics, with no PutMetricData call and no extra IAM.
 *
 * Namespace `IncidentBot`; every metric has the `service` dimension (the function's name). Each
 * metric name × dimension values is one custom metric ($0.30 a month while it reports), so the only
 * other dimension is `pager` on the page counts (slack, pagerduty, opsgenie, webhook: four values).
 * Job type, incident id and the like go in log keys, which cost nothing per value.
 *
 * Outside Lambda (the local server, tests) nothing is emitted: EMF lines would only clutter stdout.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Pager } from '../paging/pager';

export const METRICS_NAMESPACE = 'IncidentBot';

export type MetricName =
  /** A page that reached its channel (dimension `pager`). */
  | 'PagesSent'
  /** A page try that failed (dimension `pager`); the engine's backoff may try again. */
  | 'PagesFailed'
  /** A job handed back to the queue for another try (a transient failure or a postponement). */
  | 'JobsRetried'
  /** A job that failed on its last allowed receive: SQS moves it to the dead-letter queue. */
  | 'JobsDeadLettered'
  /** A job that can never succeed (see jobs/job-failure.ts): recorded and acknowledged, not retried. */
  | 'JobsFailedPermanently'
  /** An alarm about the bot itself posted to OPS_CHANNEL / that could not be posted. */
  | 'OpsAlarmsPosted'
  | 'OpsAlarmsNotPosted'
  /** The Slack function's time from invocation to answer, in ms. */
  | 'AnswerLatency';

export interface BotMetrics {
  count(name: MetricName, value?: number, dimensions?: { pager: string }): void;
  milliseconds(name: MetricName, value: number): void;
  /** Writes what this invocation recorded; call once at its end. */
  flush(): void;
}

export const noMetrics: BotMetrics = { count() {}, milliseconds() {}, flush() {} };

/** Powertools Metrics under the namespace, the service being the function's name. */
export function powertoolsMetrics(serviceName: string): BotMetrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  return {
    count(name, value = 1, dimensions) {
      if (dimensions) {
        // A metric with its own dimension set is written at once, apart from the stored ones.
        metrics.singleMetric().addDimensions(dimensions).addMetric(name, MetricUnit.Count, value);
        return;
      }
      metrics.addMetric(name, MetricUnit.Count, value);
    },
    milliseconds(name, value) {
      metrics.addMetric(name, MetricUnit.Milliseconds, value);
    },
    flush() {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

let shared: BotMetrics | undefined;

/** The container's metrics: Powertools in Lambda, nothing elsewhere. */
export function lambdaMetrics(env: Record<string, string | undefined> = process.env): BotMetrics {
  shared ??= env.AWS_LAMBDA_FUNCTION_NAME ? powertoolsMetrics(env.AWS_LAMBDA_FUNCTION_NAME) : noMetrics;
  return shared;
}

/** For tests: what was counted, in order. */
export function recordingMetrics(): BotMetrics & {
  recorded: Array<{ name: MetricName; value: number; dimensions?: { pager: string } }>;
  flushes: number;
} {
  const recorded: Array<{ name: MetricName; value: number; dimensions?: { pager: string } }> = [];
  const self = {
    recorded,
    flushes: 0,
    count(name: MetricName, value = 1, dimensions?: { pager: string }) {
      recorded.push({ name, value, ...(dimensions ? { dimensions } : {}) });
    },
    milliseconds(name: MetricName, value: number) {
      recorded.push({ name, value });
    },
    flush() {
      self.flushes++;
    },
  };
  return self;
}

/**
 * Counts what a pager's triggers did: one PagesSent or PagesFailed per delivery, by pager. A delivery
 * that was never tried (attempts 0: waiting for the incident channel, a configuration gap the engine
 * reports itself) is neither. Acknowledge and resolve notices are not pages.
 */
export function countingPages(pager: Pager, metrics: BotMetrics): Pager {
  return {
    async page(target, action, options) {
      const outcomes = await pager.page(target, action, options);
      if (action === 'trigger') {
        for (const outcome of outcomes) {
          if (outcome.ok) metrics.count('PagesSent', 1, { pager: outcome.channel });
          else if (outcome.attempts > 0) metrics.count('PagesFailed', 1, { pager: outcome.channel });
        }
      }
      return outcomes;
    },
  };
}

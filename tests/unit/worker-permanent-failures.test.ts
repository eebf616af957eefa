/**
 * Jobs that can never succeed (malformed, unknown incident, a permanent Slack error) are recorded and
 * acknowledged, not retried into the dead-letter queue; transient failures still go back.
 */
import type { SQSRecord } from 'aws-lambda';
import { createWorkerHandler, type WorkerBot } from '../../lambda/handlers/worker';
import { classifyJobFailure, unknownIncident } from '../../lambda/jobs/job-failure';
import type { Job } from '../../lambda/jobs/jobs';
import { RetryLaterError } from '../../lambda/jobs/retry-later';
import { createJobRunner, type JobDeps } from '../../lambda/jobs/run-job';
import { memoryLog } from '../../lambda/observability/log';
import { recordingMetrics } from '../../lambda/observability/metrics';

const slackError = (error: string) =>
  Object.assign(new Error(`An API error occurred: ${error}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error },
  });
const httpError = (statusCode: number) =>
  Object.assign(new Error(`An HTTP protocol error occurred: statusCode = ${statusCode}`), {
    code: 'slack_webapi_http_error',
    statusCode,
  });

const job: Job = { type: 'refresh-summary', incidentId: 'INC-4' };
const record = (body: string, receiveCount = 1): SQSRecord =>
  ({
    messageId: 'm1',
    body,
    receiptHandle: 'r1',
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: {},
  }) as unknown as SQSRecord;
const context = { getRemainingTimeInMillis: () => 60_000 };

function worker(run: (job: Job) => Promise<void>) {
  const logger = memoryLog();
  const metrics = recordingMetrics();
  const bot: WorkerBot = { runJob: run, reconcile: async () => {} };
  const handler = createWorkerHandler({ bot: async () => bot, logger, metrics });
  return { handler, logger, metrics };
}

describe('the worker and jobs that can never succeed', () => {
  it.each([
    ['an unknown incident', unknownIncident('INC-4'), 'unknown-incident: INC-4 not found'],
    ['channel_not_found', slackError('channel_not_found'), 'slack:channel_not_found'],
    ['not_in_channel', slackError('not_in_channel'), 'slack:not_in_channel'],
    ['is_archived', slackError('is_archived'), 'slack:is_archived'],
    ['invalid_auth', slackError('invalid_auth'), 'slack:invalid_auth'],
    ['HTTP 404 from Slack', httpError(404), 'slack:http_404'],
  ])('acknowledges a job failing with %s, logging why and counting it', async (_name, error, reason) => {
    const { handler, logger, metrics } = worker(async () => {
      throw error;
    });
    const result = await handler({ Records: [record(JSON.stringify(job))] }, context);
    expect(result.batchItemFailures).toEqual([]);
    expect(metrics.recorded).toEqual([{ name: 'JobsFailedPermanently', value: 1 }]);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        keys: expect.objectContaining({
          reason,
          messageId: 'm1',
          jobType: 'refresh-summary',
          incidentId: 'INC-4',
        }),
      }),
    ]);
    expect(metrics.flushes).toBe(1);
  });

  it.each([
    ['a store error', new Error('ProvisionedThroughputExceededException')],
    ['Slack 500', httpError(500)],
    ['a Slack hiccup', slackError('internal_error')],
    ['a network error', Object.assign(new Error('request failed'), { code: 'slack_webapi_request_error' })],
  ])('hands back a job failing with %s, counting a retry', async (_name, error) => {
    const { handler, metrics } = worker(async () => {
      throw error;
    });
    const result = await handler({ Records: [record(JSON.stringify(job))] }, context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(metrics.recorded).toEqual([{ name: 'JobsRetried', value: 1 }]);
  });

  it('counts a transient failure on the last receive as dead-lettered', async () => {
    const { handler, logger, metrics } = worker(async () => {
      throw new Error('still down');
    });
    const result = await handler({ Records: [record(JSON.stringify(job), 5)] }, context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(metrics.recorded).toEqual([{ name: 'JobsDeadLettered', value: 1 }]);
    expect(logger.lines[0]?.message).toMatch(/dead-letter queue: still down/);
  });

  it('acknowledges malformed messages as permanent failures', async () => {
    const { handler, metrics } = worker(async () => {});
    const result = await handler(
      { Records: [record('not json'), record(JSON.stringify({ type: 'setup-channel' }))] },
      context,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(metrics.recorded.map((m) => m.name)).toEqual(['JobsFailedPermanently', 'JobsFailedPermanently']);
  });

  it('classifies a rate limit as later, never permanent', () => {
    expect(classifyJobFailure(new RetryLaterError('wait', 1000)).kind).toBe('later');
    expect(classifyJobFailure(slackError('ratelimited')).kind).toBe('transient');
  });
});

describe('the job runner and unknown incidents', () => {
  const deps = (escalation?: unknown): JobDeps =>
    ({
      enqueue: async () => {},
      store: { getRecord: async () => undefined, getIncident: async () => undefined },
      chat: {},
      archive: {},
      clock: { now: () => new Date() },
      settings: { timeZone: 'UTC' },
      escalation,
      log: () => {},
    }) as unknown as JobDeps;

  it('says INCIDENT_NOT_FOUND when the job loads a missing incident', async () => {
    const run = createJobRunner(deps());
    await expect(run({ type: 'store-postmortem', incidentId: 'INC-9' })).rejects.toMatchObject({
      code: 'INCIDENT_NOT_FOUND',
    });
  });

  it('says INCIDENT_NOT_FOUND when another part failed on a missing incident (the escalation engine)', async () => {
    const run = createJobRunner(
      deps({
        start: async () => {
          throw new Error('INC-9 not found');
        },
      }),
    );
    const failure = await run({ type: 'escalation-start', incidentId: 'INC-9' }).catch((error) => error);
    expect(classifyJobFailure(failure)).toEqual({
      kind: 'permanent',
      reason: 'unknown-incident: INC-9 not found',
    });
  });

  it('keeps the original error when the incident exists', async () => {
    const run = createJobRunner({
      ...deps({
        start: async () => {
          throw new Error('DynamoDB throttled');
        },
      }),
      store: { getIncident: async () => ({ id: 'INC-9' }) } as unknown as JobDeps['store'],
    });
    const failure = await run({ type: 'escalation-start', incidentId: 'INC-9' }).catch((error) => error);
    expect(classifyJobFailure(failure)).toEqual({ kind: 'transient', reason: 'DynamoDB throttled' });
  });
});

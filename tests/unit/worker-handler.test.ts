/**
 * The worker Lambda entry: SQS batches of jobs (with a cut-off before the timeout and rate-limited
 * jobs postponed through their message visibility) and the reconcile schedule's event.
 */
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createWorkerHandler,
  sqsVisibility,
  visibilitySeconds,
  type WorkerBot,
  type WorkerContext,
} from '../../lambda/handlers/worker';
import type { Job } from '../../lambda/jobs/jobs';
import { RetryLaterError } from '../../lambda/jobs/retry-later';
import { memoryLog } from '../../lambda/observability/log';

const record = (messageId: string, body: string): SQSRecord =>
  ({
    messageId,
    body,
    receiptHandle: `receipt-${messageId}`,
    attributes: {},
    messageAttributes: {},
  }) as unknown as SQSRecord;

const jobRecord = (messageId: string, job: Job) => record(messageId, JSON.stringify(job));
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A Lambda context whose remaining time is read from a list, one value per call (the last repeats). */
function contextWith(...remainingMs: number[]): WorkerContext & { calls: number } {
  const context = {
    calls: 0,
    getRemainingTimeInMillis: () => {
      const value = remainingMs[Math.min(context.calls, remainingMs.length - 1)] as number;
      context.calls++;
      return value;
    },
  };
  return context;
}

function fakeBot(run: (job: Job) => Promise<void> = async () => {}) {
  const ran: Job[] = [];
  const reconciles: Array<{ deadline?: number } | undefined> = [];
  const bot: WorkerBot = {
    runJob: async (job) => {
      ran.push(job);
      await run(job);
    },
    reconcile: async (options) => {
      reconciles.push(options);
      return { done: 0 };
    },
  };
  return { bot, ran, reconciles };
}

describe('worker handler: SQS batches', () => {
  it('starts no job once less than the reserve remains, and hands back that one and all after it', async () => {
    // prepare
    const { bot, ran } = fakeBot();
    const logged = memoryLog();
    const handler = createWorkerHandler({ bot: async () => bot, logger: logged });
    const event = batch(
      jobRecord('m1', { type: 'setup-channel', incidentId: 'INC-1' }),
      jobRecord('m2', { type: 'refresh-summary', incidentId: 'INC-1' }),
      jobRecord('m3', { type: 'publish-postmortem', incidentId: 'INC-2' }),
      record('m4', 'not json'),
    );
    // act: 20 s left before the first job, 14.999 s before the second
    const result = await handler(event, contextWith(20_000, 14_999));
    // assess
    expect(ran).toEqual([{ type: 'setup-channel', incidentId: 'INC-1' }]);
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'm2' },
      { itemIdentifier: 'm3' },
      { itemIdentifier: 'm4' },
    ]);
    expect(logged.messages().join('\n')).toMatch(/3 job\(s\) left for redelivery/);
  });

  it('runs nothing at all when the reserve is gone before the first job', async () => {
    const { bot, ran } = fakeBot();
    const handler = createWorkerHandler({ bot: async () => bot, reserveMs: 5_000, logger: memoryLog() });
    const event = batch(
      jobRecord('m1', { type: 'setup-channel', incidentId: 'INC-1' }),
      jobRecord('m2', { type: 'refresh-summary', incidentId: 'INC-1' }),
    );
    const result = await handler(event, contextWith(4_999));
    expect(ran).toEqual([]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
  });

  it('runs the whole batch while enough time remains', async () => {
    const { bot, ran } = fakeBot();
    const handler = createWorkerHandler({ bot: async () => bot, logger: memoryLog() });
    const event = batch(
      jobRecord('m1', { type: 'setup-channel', incidentId: 'INC-1' }),
      jobRecord('m2', { type: 'refresh-summary', incidentId: 'INC-1' }),
    );
    const result = await handler(event, contextWith(60_000, 30_000, 15_000));
    expect(ran.map((job) => job.type)).toEqual(['setup-channel', 'refresh-summary']);
    expect(result.batchItemFailures).toEqual([]);
  });

  it('postpones a rate-limited job through its message visibility, rounded up to whole seconds', async () => {
    const { bot, ran } = fakeBot(async (job) => {
      if (job.type === 'refresh-summary') throw new RetryLaterError('Slack 429, Retry-After 2.1 s', 2_100);
    });
    const visibility: Array<[string, number]> = [];
    const handler = createWorkerHandler({
      bot: async () => bot,
      changeVisibility: async (receiptHandle, seconds) => {
        visibility.push([receiptHandle, seconds]);
      },
      logger: memoryLog(),
    });
    const event = batch(
      jobRecord('m1', { type: 'refresh-summary', incidentId: 'INC-1' }),
      jobRecord('m2', { type: 'setup-channel', incidentId: 'INC-2' }),
    );
    const started = Date.now();
    const result = await handler(event, contextWith(60_000));
    // No sleeping in the worker: the wait is the queue's.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(visibility).toEqual([['receipt-m1', 3]]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(ran.map((job) => job.incidentId)).toEqual(['INC-1', 'INC-2']);
  });

  it('sets the visibility with SQS ChangeMessageVisibility on the jobs queue, client made once', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const made: SQSClient[] = [];
    const { bot } = fakeBot(async () => {
      throw new RetryLaterError('rate limited', 61_000);
    });
    const handler = createWorkerHandler({
      bot: async () => bot,
      changeVisibility: sqsVisibility({
        queueUrl: async () => 'https://sqs/jobs',
        client: () => {
          const client = new SQSClient({ region: 'eu-west-1' });
          made.push(client);
          return client;
        },
      }),
      logger: memoryLog(),
    });
    const event = batch(
      jobRecord('m1', { type: 'refresh-summary', incidentId: 'INC-1' }),
      jobRecord('m2', { type: 'refresh-summary', incidentId: 'INC-2' }),
    );
    const result = await handler(event, contextWith(60_000));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: 'https://sqs/jobs', ReceiptHandle: 'receipt-m1', VisibilityTimeout: 61 },
      { QueueUrl: 'https://sqs/jobs', ReceiptHandle: 'receipt-m2', VisibilityTimeout: 61 },
    ]);
    expect(made).toHaveLength(1);
    sqs.restore();
  });

  it('still hands a postponed job back when its visibility cannot be changed', async () => {
    const { bot } = fakeBot(async () => {
      throw new RetryLaterError('rate limited', 1_000);
    });
    const logged = memoryLog();
    const handler = createWorkerHandler({
      bot: async () => bot,
      changeVisibility: async () => {
        throw new Error('ReceiptHandleIsInvalid');
      },
      logger: logged,
    });
    const result = await handler(
      batch(jobRecord('m1', { type: 'refresh-summary', incidentId: 'INC-1' })),
      contextWith(60_000),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(logged.lines).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/could not be set to 1 s: ReceiptHandleIsInvalid/),
        keys: expect.objectContaining({ messageId: 'm1', jobType: 'refresh-summary', incidentId: 'INC-1' }),
      }),
    ]);
  });

  it('keeps the visibility within what SQS accepts', () => {
    expect(visibilitySeconds(0)).toBe(0);
    expect(visibilitySeconds(1)).toBe(1);
    expect(visibilitySeconds(1_000)).toBe(1);
    expect(visibilitySeconds(1_001)).toBe(2);
    expect(visibilitySeconds(-5)).toBe(0);
    expect(visibilitySeconds(24 * 3_600_000)).toBe(43_200);
    expect(visibilitySeconds(Number.POSITIVE_INFINITY)).toBe(43_200);
    expect(visibilitySeconds(Number.NaN)).toBe(0);
  });

  it('reports other failures as batch item failures without touching visibility', async () => {
    const { bot } = fakeBot(async () => {
      throw new Error('Slack is down');
    });
    const changeVisibility = jest.fn(async () => {});
    const logged = memoryLog();
    const handler = createWorkerHandler({
      bot: async () => bot,
      changeVisibility,
      logger: logged,
    });
    const result = await handler(
      batch(jobRecord('m1', { type: 'publish-home', userId: 'U1' })),
      contextWith(60_000),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(changeVisibility).not.toHaveBeenCalled();
    expect(logged.lines).toEqual([
      {
        level: 'warn',
        message: 'job failed; retried: Slack is down',
        keys: { messageId: 'm1', receiveCount: 1, jobType: 'publish-home' },
      },
    ]);
  });

  it('drops malformed records with a log line and runs the rest', async () => {
    const { bot, ran } = fakeBot();
    const logged = memoryLog();
    const handler = createWorkerHandler({ bot: async () => bot, logger: logged });
    const event = batch(
      record('m1', 'not json'),
      record('m2', JSON.stringify({ type: 'no-such-job', incidentId: 'INC-3' })),
      record('m3', JSON.stringify({ type: 'setup-channel', incidentId: 'incident seven' })),
      jobRecord('m4', { type: 'setup-channel', incidentId: 'INC-4' }),
    );
    const result = await handler(event, contextWith(60_000));
    expect(result.batchItemFailures).toEqual([]);
    expect(ran).toEqual([{ type: 'setup-channel', incidentId: 'INC-4' }]);
    expect(logged.lines.map((line) => [line.keys.messageId, line.keys.reason, line.level])).toEqual([
      ['m1', 'malformed', 'error'],
      ['m2', 'malformed', 'error'],
      ['m3', 'malformed', 'error'],
    ]);
    expect(logged.messages()[0]).toMatch(/body is not JSON/);
    expect(logged.messages()[2]).toMatch(/expected an incident id like INC-7/);
  });
});

describe('worker handler: the reconcile schedule', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reconciles with a deadline that leaves the reserve before the timeout', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const { bot, ran, reconciles } = fakeBot();
    const handler = createWorkerHandler({ bot: async () => bot, logger: memoryLog() });
    const result = await handler({ type: 'reconcile' }, contextWith(60_000));
    expect(result).toBeUndefined();
    expect(reconciles).toEqual([{ deadline: 1_700_000_000_000 + 60_000 - 15_000 }]);
    expect(ran).toEqual([]);
  });

  it('uses the configured reserve', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const { bot, reconciles } = fakeBot();
    const handler = createWorkerHandler({ bot: async () => bot, reserveMs: 5_000 });
    await handler({ type: 'reconcile' }, contextWith(30_000));
    expect(reconciles).toEqual([{ deadline: 1_000_000 + 30_000 - 5_000 }]);
  });

  it('fails the invocation when the reconcile fails, so it is dead-lettered', async () => {
    const bot: WorkerBot = {
      runJob: async () => {},
      reconcile: async () => {
        throw new Error('DynamoDB unavailable');
      },
    };
    const handler = createWorkerHandler({ bot: async () => bot });
    await expect(handler({ type: 'reconcile' }, contextWith(60_000))).rejects.toThrow('DynamoDB unavailable');
  });

  it('refuses an event that is neither an SQS batch nor the reconcile input', async () => {
    const { bot, ran, reconciles } = fakeBot();
    const handler = createWorkerHandler({ bot: async () => bot });
    await expect(
      handler({ type: 'reconcile-all' } as unknown as SQSEvent, contextWith(60_000)),
    ).rejects.toThrow(/neither an SQS batch nor \{"type":"reconcile"\}/);
    expect([ran, reconciles]).toEqual([[], []]);
  });
});

/**
 * Lambda entry for slow work. Two kinds of event reach it:
 * - SQS batches from the jobs queue. It reports partial batch failures, so one failing job is retried
 *   (and in the end dead-lettered) without re-running its batch mates.
 * - `{"type":"reconcile"}` from the EventBridge Scheduler schedule that runs every minute: the
 *   reconciler does whatever the incident records say is missing, so a lost job costs a minute; and
 *   the on-call tick tells handoffs and syncs user groups (oncall/handoffs.ts); and tickets of a
 *   tracker without a webhook are polled for their state (trackers/poll.ts).
 *
 * Neither waits: a job a rate limit postpones goes back to the queue with its visibility set to the
 * wait, and work that could not finish before the function's timeout is left for the next delivery.
 */

import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { errorMessage } from '../incidents/errors';
import { classifyJobFailure } from '../jobs/job-failure';
import type { Job } from '../jobs/jobs';
import type { RetryLaterError } from '../jobs/retry-later';
import { jobSchema } from '../jobs/sqs-jobs';
import { withObservability } from '../observability/handler';
import { lambdaLogger, type StructuredLog } from '../observability/log';
import { type BotMetrics, lambdaMetrics, noMetrics } from '../observability/metrics';
import { createLambdaEnvironment, type LambdaBot, type LambdaEnvironment } from './lambda-bot';

/** What the worker needs of the bot. */
export interface WorkerBot {
  runJob: (job: Job) => Promise<void>;
  /** Do what the records of open and recently resolved incidents lack; start nothing after `deadline` (epoch ms). */
  reconcile: (options?: { deadline?: number }) => Promise<unknown>;
  /** The minute's on-call work: handoff messages and user groups (oncall/handoffs.ts). @default none */
  syncOnCall?: () => Promise<unknown>;
  /** The minute's ticket polling, where no webhook is configured (trackers/poll.ts). @default none */
  pollTickets?: (options?: { deadline?: number }) => Promise<unknown>;
}

export interface WorkerDeps {
  bot: () => Promise<WorkerBot>;
  /** SQS ChangeMessageVisibility on the jobs queue. @default none: a postponed job waits out the queue's visibility timeout */
  changeVisibility?: (receiptHandle: string, seconds: number) => Promise<void>;
  /** @default the container's Powertools logger */
  logger?: StructuredLog;
  /** @default none */
  metrics?: BotMetrics;
  /** Time left before the function's timeout below which no new work starts. @default 15 s */
  reserveMs?: number;
  /**
   * The jobs queue's redrive maxReceiveCount: a job failing on this receive goes to the dead-letter
   * queue (counted as JobsDeadLettered rather than JobsRetried). @default 5
   */
  maxReceiveCount?: number;
}

/** The reconcile schedule's input, exactly. */
export interface ReconcileEvent {
  type: 'reconcile';
}
export type WorkerEvent = SQSEvent | ReconcileEvent;
export type WorkerContext = Pick<Context, 'getRemainingTimeInMillis'>;

export interface WorkerHandler {
  (event: SQSEvent, context: WorkerContext): Promise<SQSBatchResponse>;
  (event: ReconcileEvent, context: WorkerContext): Promise<void>;
  (event: WorkerEvent, context: WorkerContext): Promise<SQSBatchResponse | undefined>;
}

export const DEFAULT_RESERVE_MS = 15_000;
export const DEFAULT_MAX_RECEIVE_COUNT = 5;
/** SQS refuses a longer visibility timeout (12 hours). */
export const MAX_VISIBILITY_SECONDS = 43_200;

const isSqsEvent = (event: unknown): event is SQSEvent =>
  Array.isArray((event as { Records?: unknown } | null)?.Records);

const isReconcileEvent = (event: unknown): event is ReconcileEvent =>
  (event as { type?: unknown } | null)?.type === 'reconcile';

/** Whole seconds, rounded up, within what SQS accepts. */
export function visibilitySeconds(delayMs: number): number {
  if (Number.isNaN(delayMs)) return 0;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
}

/** Keys on every line logged while a job runs (the bot's own lines included). */
const JOB_KEYS = ['messageId', 'jobType', 'incidentId', 'receiveCount'];

export function createWorkerHandler(deps: WorkerDeps): WorkerHandler {
  const logger = deps.logger ?? lambdaLogger();
  const metrics = deps.metrics ?? noMetrics;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const maxReceiveCount = deps.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;

  /** Acknowledged without a retry: no try can make it succeed (jobs/job-failure.ts). */
  function givenUp(reason: string, detail: string): void {
    logger.error(`job failed permanently, not retried: ${detail}`, { reason });
    metrics.count('JobsFailedPermanently');
  }

  /** Handed back to the queue: another try later, or its last one, after which SQS dead-letters it. */
  function retried(record: SQSRecord, reason: string): void {
    const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    if (receives >= maxReceiveCount) {
      logger.error(`job failed on its last try (${receives}); it goes to the dead-letter queue: ${reason}`);
      metrics.count('JobsDeadLettered');
      return;
    }
    logger.warn(`job failed; retried: ${reason}`);
    metrics.count('JobsRetried');
  }

  /** Must wait (a rate limit): its visibility set to the wait, and handed back. */
  async function postponed(record: SQSRecord, error: RetryLaterError): Promise<void> {
    metrics.count('JobsRetried');
    const seconds = visibilitySeconds(error.delayMs);
    if (!deps.changeVisibility) {
      logger.warn(`job postponed: ${error.message}; retried when visible again`);
      return;
    }
    try {
      await deps.changeVisibility(record.receiptHandle, seconds);
      logger.info(`job postponed ${seconds} s: ${error.message}`, { delaySeconds: seconds });
    } catch (changeError) {
      // It still goes back: it reappears after the queue's own visibility timeout instead.
      logger.warn(
        `job postponed, but its visibility could not be set to ${seconds} s: ${errorMessage(changeError)}`,
      );
    }
  }

  /** True when the job must go back to the queue. */
  async function runRecord(bot: WorkerBot, record: SQSRecord): Promise<boolean> {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      givenUp('malformed', 'the body is not JSON');
      return false;
    }
    const parsed = jobSchema.safeParse(body);
    if (!parsed.success) {
      givenUp('malformed', parsed.error.issues.map((issue) => issue.message).join(', '));
      return false;
    }
    const job = parsed.data;
    logger.appendKeys?.({ jobType: job.type, ...(job.incidentId ? { incidentId: job.incidentId } : {}) });
    try {
      await bot.runJob(job);
      return false;
    } catch (error) {
      const failure = classifyJobFailure(error);
      switch (failure.kind) {
        case 'permanent':
          givenUp(failure.reason, errorMessage(error));
          return false;
        case 'later':
          await postponed(record, failure.error);
          return true;
        case 'transient':
          retried(record, errorMessage(error));
          return true;
      }
    }
  }

  async function runBatch(event: SQSEvent, context: WorkerContext): Promise<SQSBatchResponse> {
    const bot = await deps.bot();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const [index, record] of event.Records.entries()) {
      if (context.getRemainingTimeInMillis() < reserveMs) {
        // Started now, a job could be cut off by the timeout half-way; handed back, it is redelivered.
        const unstarted = event.Records.slice(index);
        logger.warn(`${unstarted.length} job(s) left for redelivery: less than ${reserveMs} ms remain`);
        batchItemFailures.push(...unstarted.map((r) => ({ itemIdentifier: r.messageId })));
        break;
      }
      logger.appendKeys?.({
        messageId: record.messageId,
        receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
      });
      try {
        if (await runRecord(bot, record)) batchItemFailures.push({ itemIdentifier: record.messageId });
      } finally {
        logger.removeKeys?.(JOB_KEYS);
      }
    }
    return { batchItemFailures };
  }

  async function reconcile(context: WorkerContext): Promise<void> {
    const bot = await deps.bot();
    // All run, whatever the others do; a failure of any then propagates: the invocation fails, and
    // the stack dead-letters it for the operators.
    const deadline = Date.now() + context.getRemainingTimeInMillis() - reserveMs;
    const [reconciled, synced, polled] = await Promise.allSettled([
      bot.reconcile({ deadline }),
      bot.syncOnCall?.(),
      bot.pollTickets?.({ deadline }),
    ]);
    if (synced.status === 'rejected') logger.error(`on-call sync failed: ${errorMessage(synced.reason)}`);
    if (polled.status === 'rejected') logger.error(`ticket polling failed: ${errorMessage(polled.reason)}`);
    if (reconciled.status === 'rejected') throw reconciled.reason;
    if (synced.status === 'rejected') throw synced.reason;
    if (polled.status === 'rejected') throw polled.reason;
  }

  const handler = async (event: WorkerEvent, context: WorkerContext) => {
    try {
      if (isSqsEvent(event)) return await runBatch(event, context);
      if (isReconcileEvent(event)) return await reconcile(context);
      throw new Error('worker: the event is neither an SQS batch nor {"type":"reconcile"}');
    } finally {
      // Per invocation: a frozen container would otherwise hold this invocation's counts.
      metrics.flush();
    }
  };
  return handler as WorkerHandler;
}

/**
 * ChangeMessageVisibility on the jobs queue. The client is made on first use, once, unless one is
 * given.
 */
export function sqsVisibility(options: {
  queueUrl: () => Promise<string | undefined>;
  client?: () => SQSClient;
}): NonNullable<WorkerDeps['changeVisibility']> {
  let client: SQSClient | undefined;
  const sqs = () => {
    client ??= options.client?.() ?? new SQSClient({});
    return client;
  };
  return async (receiptHandle, seconds) => {
    const queueUrl = await options.queueUrl();
    if (!queueUrl) throw new Error('no jobs queue configured (JOBS_QUEUE_URL)');
    await sqs().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  };
}

let verified: { bot: LambdaBot; checked: Promise<LambdaBot> } | undefined;

let environment: LambdaEnvironment | undefined;

/**
 * The worker's container environment: the jobs draw charts, so its bot has the WebAssembly renderer,
 * imported on the first chart (the other functions' bundles do not carry it).
 */
function workerEnvironment(): LambdaEnvironment {
  environment ??= createLambdaEnvironment({
    renderPng: async (svg) => (await import('../pictures/png-wasm')).renderPngWasm(svg),
  });
  return environment;
}

const lambdaBot = () => workerEnvironment().bot();

/**
 * The bot, its token checked once per container and again after a rotation (one auth.test per bot,
 * never per job): with a bad token every job and every reconcile run fails at once with that reason,
 * which the function's error alarm reports, instead of each Slack call failing on its own. The Slack
 * function skips this: its answers must stay within Slack's 3 s, and its jobs run here.
 */
async function verifiedBot(): Promise<LambdaBot> {
  const bot = await lambdaBot();
  if (verified?.bot !== bot) {
    const checked = bot.chat.verifyAuth().then(() => bot);
    verified = { bot, checked };
    checked.catch(() => {
      if (verified?.checked === checked) verified = undefined;
    });
  }
  return verified.checked;
}

let lambdaWorker: WorkerHandler | undefined;

export const handler = withObservability(
  async (event: WorkerEvent, context: Context) => {
    lambdaWorker ??= createWorkerHandler({
      bot: verifiedBot,
      changeVisibility: sqsVisibility({ queueUrl: async () => (await lambdaBot()).config.jobsQueueUrl }),
      logger: lambdaLogger(),
      metrics: lambdaMetrics(),
      maxReceiveCount: workerEnvironment().config().jobsMaxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
    });
    return lambdaWorker(event, context);
  },
  // The whole invocation failed (the bot could not be built, its token refused, a reconcile run):
  // Lambda retries it; the line says why next to the function's error alarm.
  { failure: 'worker invocation failed' },
) as WorkerHandler;

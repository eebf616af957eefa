/**
 * Lambda entry for slow work. Two kinds of event reach it:
 * - SQS batches from the jobs queue. It reports partial batch failures, so one failing job is retried
 *   (and in the end dead-lettered) without re-running its batch mates.
 * - `{"type":"reconcile"}` from the EventBridge Scheduler schedule that runs every minute: the
 *   reconciler does whatever the incident records say is missing, so a lost job costs a minute.
 *
 * Neither waits: a job a rate limit postpones goes back to the queue with its visibility set to the
 * wait, and work that could not finish before the function's timeout is left for the next delivery.
 */
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Job } from '../jobs/jobs';
import { isRetryLater } from '../jobs/retry-later';
import { jobSchema } from '../jobs/sqs-jobs';
import { type LambdaBot, lambdaBot } from './environment';

/** What the worker needs of the bot. */
export interface WorkerBot {
  runJob: (job: Job) => Promise<void>;
  /** Do what the records of open and recently resolved incidents lack; start nothing after `deadline` (epoch ms). */
  reconcile: (options?: { deadline?: number }) => Promise<unknown>;
}

export interface WorkerDeps {
  bot: () => Promise<WorkerBot>;
  /** SQS ChangeMessageVisibility on the jobs queue. @default none: a postponed job waits out the queue's visibility timeout */
  changeVisibility?: (receiptHandle: string, seconds: number) => Promise<void>;
  /** @default console.error */
  log?: (line: string) => void;
  /** Time left before the function's timeout below which no new work starts. @default 15 s */
  reserveMs?: number;
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
/** SQS refuses a longer visibility timeout (12 hours). */
export const MAX_VISIBILITY_SECONDS = 43_200;

const isSqsEvent = (event: unknown): event is SQSEvent =>
  Array.isArray((event as { Records?: unknown } | null)?.Records);

const isReconcileEvent = (event: unknown): event is ReconcileEvent =>
  (event as { type?: unknown } | null)?.type === 'reconcile';

const jobLabel = (job: Job) => (job.incidentId ? `${job.type} ${job.incidentId}` : job.type);

/** Whole seconds, rounded up, within what SQS accepts. */
export function visibilitySeconds(delayMs: number): number {
  if (Number.isNaN(delayMs)) return 0;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
}

export function createWorkerHandler(deps: WorkerDeps): WorkerHandler {
  const log = deps.log ?? console.error;
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;

  /** A job that failed for good or must wait: log it and hand it back to the queue. */
  async function failed(record: SQSRecord, job: Job, error: unknown): Promise<void> {
    if (!isRetryLater(error)) {
      log(`job ${record.messageId} (${jobLabel(job)}) failed: ${(error as Error)?.message ?? String(error)}`);
      return;
    }
    const seconds = visibilitySeconds(error.delayMs);
    if (!deps.changeVisibility) {
      log(
        `job ${record.messageId} (${jobLabel(job)}) postponed: ${error.message}; retried when visible again`,
      );
      return;
    }
    try {
      await deps.changeVisibility(record.receiptHandle, seconds);
      log(`job ${record.messageId} (${jobLabel(job)}) postponed ${seconds} s: ${error.message}`);
    } catch (changeError) {
      // It still goes back: it reappears after the queue's own visibility timeout instead.
      log(
        `job ${record.messageId} (${jobLabel(job)}) postponed, but its visibility could not be set to ${seconds} s: ${(changeError as Error)?.message ?? String(changeError)}`,
      );
    }
  }

  async function runBatch(event: SQSEvent, context: WorkerContext): Promise<SQSBatchResponse> {
    const bot = await deps.bot();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const [index, record] of event.Records.entries()) {
      if (context.getRemainingTimeInMillis() < reserveMs) {
        // Started now, a job could be cut off by the timeout half-way; handed back, it is redelivered.
        const unstarted = event.Records.slice(index);
        log(`${unstarted.length} job(s) left for redelivery: less than ${reserveMs} ms remain`);
        batchItemFailures.push(...unstarted.map((r) => ({ itemIdentifier: r.messageId })));
        break;
      }
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        log(`job ${record.messageId}: body is not JSON; dropped`);
        continue;
      }
      const parsed = jobSchema.safeParse(body);
      if (!parsed.success) {
        // Retrying a malformed job cannot help; say so and drop it.
        log(
          `job ${record.messageId}: ${parsed.error.issues.map((issue) => issue.message).join(', ')}; dropped`,
        );
        continue;
      }
      try {
        await bot.runJob(parsed.data);
      } catch (error) {
        await failed(record, parsed.data, error);
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  }

  async function reconcile(context: WorkerContext): Promise<void> {
    const bot = await deps.bot();
    // A failure propagates: the invocation fails, and the stack dead-letters it for the operators.
    await bot.reconcile({ deadline: Date.now() + context.getRemainingTimeInMillis() - reserveMs });
  }

  const handler = async (event: WorkerEvent, context: WorkerContext) => {
    if (isSqsEvent(event)) return runBatch(event, context);
    if (isReconcileEvent(event)) return reconcile(context);
    throw new Error('worker: the event is neither an SQS batch nor {"type":"reconcile"}');
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

let verified: Promise<LambdaBot> | undefined;

/**
 * The bot, its token checked once per container (one auth.test at start, never per job): with a bad
 * token every job and every reconcile run fails at once with that reason, which the function's error
 * alarm reports, instead of each Slack call failing on its own. The Slack function skips this: its
 * answers must stay within Slack's 3 s, and its jobs run here.
 */
function verifiedBot(): Promise<LambdaBot> {
  verified ??= lambdaBot()
    .then(async (bot) => {
      await bot.chat.verifyAuth();
      return bot;
    })
    .catch((error: unknown) => {
      verified = undefined;
      throw error;
    });
  return verified;
}

export const handler = createWorkerHandler({
  bot: verifiedBot,
  changeVisibility: sqsVisibility({ queueUrl: async () => (await lambdaBot()).config.jobsQueueUrl }),
});

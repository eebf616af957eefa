/**
 * The Lambda composition root: every function (slack, worker, escalation, alerts) builds the same bot
 * from the environment and Secrets Manager, once per container, with the AWS adapters.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { PostmortemArchive } from '../archive/archive';
import { type LambdaConfig, loadLambdaConfig } from '../config';
import { systemClock } from '../incidents/time';
import { InlineJobs, type Jobs } from '../jobs/jobs';
import { SqsJobs } from '../jobs/sqs-jobs';
import { type Bot, createBot } from '../runtime';
import type { Scheduler } from '../scheduling/scheduler';
import { SlackChat } from '../slack/chat';
import { makeDocumentClient } from '../store/client';
import { DynamoIncidentStore } from '../store/dynamo-store';

const slackSecretSchema = z.object({
  signingSecret: z.string().min(1, { error: 'signingSecret is empty' }),
  botToken: z.string().min(1, { error: 'botToken is empty' }),
  webhookSigningSecret: z.string().optional(),
  /** Bearer token (or basic-auth password) the alert routes require. */
  alertToken: z.string().optional(),
});
export type SlackSecret = z.infer<typeof slackSecretSchema>;

/** The Slack secrets from Secrets Manager: never plaintext environment values in the template. */
export async function readSlackSecret(client: SecretsManagerClient, arn: string): Promise<SlackSecret> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const parsed = slackSecretSchema.safeParse(JSON.parse(result.SecretString ?? '{}'));
  if (!parsed.success) {
    throw new Error(`Slack secret ${arn}: ${parsed.error.issues.map((issue) => issue.message).join(', ')}`);
  }
  return parsed.data;
}

/** Builds once, on first use. */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}

/**
 * S3 and EventBridge Scheduler are only used by slow work. With a jobs queue the Slack function never
 * does slow work, so their SDK clients are loaded on first use rather than on every cold start.
 */
function lazyArchive(bucket: string): PostmortemArchive {
  const archive = lazy(async () => {
    const [{ S3Client }, { S3Archive }] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('../archive/s3-archive'),
    ]);
    return new S3Archive({ client: new S3Client({}), bucket });
  });
  return {
    put: async (fileName, markdown) => (await archive()).put(fileName, markdown),
    get: async (fileName) => (await archive()).get(fileName),
  };
}

function lazyScheduler(options: NonNullable<LambdaConfig['scheduler']>): Scheduler {
  const scheduler = lazy(async () => {
    const [{ SchedulerClient }, { EventBridgeScheduler }] = await Promise.all([
      import('@aws-sdk/client-scheduler'),
      import('../scheduling/eventbridge'),
    ]);
    return new EventBridgeScheduler({ client: new SchedulerClient({}), ...options });
  });
  return {
    schedule: async (timer) => (await scheduler()).schedule(timer),
    cancel: async (timerId) => (await scheduler()).cancel(timerId),
  };
}

/** A scheduler that refuses: a stack without EventBridge settings cannot set tier timers. */
const noScheduler: Scheduler = {
  async schedule(timer) {
    throw new Error(`No scheduler configured: cannot set timer ${timer.id}`);
  },
  async cancel() {},
};

export interface LambdaBot extends Bot {
  config: LambdaConfig;
  secret: SlackSecret;
}

async function build(): Promise<LambdaBot> {
  const config = loadLambdaConfig();
  const secret = await readSlackSecret(new SecretsManagerClient({}), config.slackSecretArn);
  const store = new DynamoIncidentStore({ client: makeDocumentClient({}), tableName: config.tableName });
  const chat = new SlackChat({ botToken: secret.botToken, slackApiUrl: config.slackApiUrl });
  const { jobsQueueUrl } = config;
  const bot = createBot({
    store,
    chat,
    archive: lazyArchive(config.postmortemBucket),
    clock: systemClock,
    settings: config,
    pagers: { webhookSigningSecret: secret.webhookSigningSecret },
    // Timers fire in the escalation function (EventBridge invokes it), not through this callback.
    scheduler: () => (config.scheduler ? lazyScheduler(config.scheduler) : noScheduler),
    // Without a queue (a minimal stack) the slow work runs before the answer, as it must in Lambda.
    jobs: (runner): Jobs =>
      jobsQueueUrl
        ? new SqsJobs({ client: new SQSClient({}), queueUrl: jobsQueueUrl })
        : new InlineJobs(runner),
  });
  return { ...bot, config, secret };
}

let cached: Promise<LambdaBot> | undefined;

/** The bot of this container; a failed build is not cached, so the next invocation tries again. */
export function lambdaBot(): Promise<LambdaBot> {
  cached ??= build().catch((error) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/**
 * Wires Lambda: the AWS adapters (DynamoDB, SlackChat, S3, EventBridge Scheduler, SQS, Powertools)
 * from the environment and Secrets Manager, handed to the one composition root (bot.ts
 * `createBot`), which builds the rest. Every function (slack, worker, escalation, alerts) gets the same
 * bot, once per container and again only when a rotation changed the Slack secret (read through a
 * 5-minute cache, handlers/secrets.ts).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { PostmortemArchive } from '../archive/archive';
import { type Bot, createBot } from '../bot';
import { type LambdaConfig, loadLambdaConfig } from '../config';
import { systemClock } from '../incidents/time';
import { InlineJobs, type Jobs } from '../jobs/jobs';
import { SqsJobs } from '../jobs/sqs-jobs';
import { lambdaLogger, lineLog, type StructuredLog } from '../observability/log';
import { type BotMetrics, lambdaMetrics } from '../observability/metrics';
import { usablePhoneNumbers } from '../paging/phone-numbers';
import type { TextSender } from '../paging/sms';
import type { Scheduler } from '../scheduling/scheduler';
import { SlackChat } from '../slack/chat';
import { makeDocumentClient } from '../store/client';
import { DynamoIncidentStore } from '../store/dynamo-store';
import {
  cachedSecret,
  readAlertSecret,
  readSlackSecret,
  type SlackSecret,
  trackerSecretsOf,
} from './secrets';

export { readSlackSecret, type SlackSecret } from './secrets';

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

/** SMS through SNS, its client loaded on the first text (only the worker sends them). */
function lazyTextSender(): TextSender {
  const sender = lazy(async () => {
    const [{ SNSClient }, { SnsTextSender }] = await Promise.all([
      import('@aws-sdk/client-sns'),
      import('../paging/sms'),
    ]);
    return new SnsTextSender({ client: new SNSClient({}) });
  });
  return { send: async (phoneNumber, text) => (await sender()).send(phoneNumber, text) };
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
  /** The Slack secret this bot was built with: a rotated secret builds a new bot. */
  secret: SlackSecret;
}

function build(
  config: LambdaConfig,
  secret: SlackSecret,
  log: StructuredLog,
  metrics: BotMetrics,
  renderPng?: (svg: string) => Promise<Buffer>,
): LambdaBot {
  const client = makeDocumentClient({});
  const store = new DynamoIncidentStore({ client, tableName: config.tableName });
  const chat = new SlackChat({ botToken: secret.botToken, slackApiUrl: config.slackApiUrl });
  const { jobsQueueUrl } = config;
  const { phoneNumbers, problems } = usablePhoneNumbers(secret.phoneNumbers);
  for (const problem of problems) log.error(`Slack secret: ${problem}; that entry is not used`);
  const bot = createBot({
    store,
    chat,
    archive: lazyArchive(config.postmortemBucket),
    clock: systemClock,
    settings: config,
    pagers: { webhookSigningSecret: secret.webhookSigningSecret },
    ...(Object.keys(phoneNumbers).length > 0 ? { sms: { sender: lazyTextSender(), phoneNumbers } } : {}),
    alertLinks: { client, tableName: config.tableName },
    trackers: { secrets: trackerSecretsOf(secret) },
    // Timers fire in the escalation function (EventBridge invokes it), not through this callback.
    scheduler: () => (config.scheduler ? lazyScheduler(config.scheduler) : noScheduler),
    // Without a queue (a minimal stack) the slow work runs before the answer, as it must in Lambda.
    jobs: (runner): Jobs =>
      jobsQueueUrl
        ? new SqsJobs({ client: new SQSClient({}), queueUrl: jobsQueueUrl })
        : new InlineJobs(runner),
    log: lineLog(log),
    metrics,
    ...(renderPng ? { renderPng } : {}),
    // With a queue, the worker (which renders) runs the jobs a command queues.
    chartsDrawn: renderPng !== undefined || jobsQueueUrl !== undefined,
  });
  return { ...bot, config, secret };
}

export interface LambdaEnvironment {
  config(): LambdaConfig;
  /** The bot for the current Slack secret: the same object until the secret changes. */
  bot(): Promise<LambdaBot>;
  /** ALERT_SECRET_ARN's alertToken, else the Slack secret's (older stacks); undefined refuses every HTTP alert. */
  alertToken(): Promise<string | undefined>;
}

export interface EnvironmentOptions {
  env?: Record<string, string | undefined>;
  secrets?: () => SecretsManagerClient;
  /** Epoch ms, for the secrets' TTL. */
  now?: () => number;
  log?: StructuredLog;
  metrics?: BotMetrics;
  ttlMs?: number;
  /** SVG → PNG, for the function that runs jobs (the worker: pictures/png-wasm.ts). @default none */
  renderPng?: (svg: string) => Promise<Buffer>;
}

/**
 * The environment of one container: the config, parsed once; the secrets, cached with a TTL
 * (handlers/secrets.ts); the bot, rebuilt when the Slack secret it was built with changed (a rotated
 * bot token or webhook signing secret is used within the TTL, without a deploy).
 */
export function createLambdaEnvironment(options: EnvironmentOptions = {}): LambdaEnvironment {
  const log = options.log ?? lambdaLogger();
  const now = options.now ?? (() => Date.now());
  let config: LambdaConfig | undefined;
  let client: SecretsManagerClient | undefined;
  const secretsClient = () => {
    client ??= options.secrets?.() ?? new SecretsManagerClient({});
    return client;
  };
  const loadConfig = () => {
    config ??= loadLambdaConfig(options.env ?? process.env);
    return config;
  };
  let slack: (() => Promise<SlackSecret>) | undefined;
  const slackSecret = () => {
    slack ??= cachedSecret({
      name: 'Slack',
      read: () => readSlackSecret(secretsClient(), loadConfig().slackSecretArn),
      now,
      log,
      ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
    });
    return slack();
  };
  let alert: (() => Promise<{ alertToken: string }>) | undefined;
  let current: LambdaBot | undefined;

  return {
    config: loadConfig,
    async bot() {
      const cfg = loadConfig();
      const secret = await slackSecret();
      if (current?.secret !== secret) {
        current = build(cfg, secret, log, options.metrics ?? lambdaMetrics(options.env), options.renderPng);
      }
      return current;
    },
    async alertToken() {
      const { alertSecretArn } = loadConfig();
      if (!alertSecretArn) return (await slackSecret()).alertToken || undefined;
      alert ??= cachedSecret({
        name: 'Alert',
        read: () => readAlertSecret(secretsClient(), alertSecretArn),
        now,
        log,
        ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
      });
      return (await alert()).alertToken;
    },
  };
}

let shared: LambdaEnvironment | undefined;

/** The container's environment. */
export function lambdaEnvironment(): LambdaEnvironment {
  shared ??= createLambdaEnvironment();
  return shared;
}

/** The bot of this container, for the current Slack secret; a failed build is not kept. */
export function lambdaBot(): Promise<LambdaBot> {
  return lambdaEnvironment().bot();
}

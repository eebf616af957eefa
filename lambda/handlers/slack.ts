/**
 * Lambda entry for Slack's request URL: slash commands, interactivity and events, verified with the
 * signing secret by Bolt's AwsLambdaReceiver. The local server serves this same handler.
 */

import { AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { withObservability } from '../observability/handler';
import { boltLogger, lambdaLogger, type StructuredLog } from '../observability/log';
import { type BotMetrics, lambdaMetrics, noMetrics } from '../observability/metrics';
import { createSlackApp, type SlackAppBot } from '../slack-app';
import { type LambdaBot, lambdaBot } from './lambda-bot';

export type SlackHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

export interface SlackHandlerOptions {
  signingSecret: string;
  botToken: string;
  slackApiUrl?: string;
  logLevel?: LogLevel;
  /** Bolt's own lines and the listeners' go here. @default Bolt's console logger */
  log?: StructuredLog;
  /** AnswerLatency per request. @default none */
  metrics?: BotMetrics;
}

/** The bot's Bolt app on an AwsLambdaReceiver, as a handler of API Gateway v2 events. */
export function createSlackHandler(bot: SlackAppBot, options: SlackHandlerOptions): SlackHandler {
  const logLevel = options.logLevel ?? LogLevel.WARN;
  const logger = options.log ? boltLogger(options.log, logLevel) : undefined;
  const metrics = options.metrics ?? noMetrics;
  const receiver = new AwsLambdaReceiver({
    signingSecret: options.signingSecret,
    logLevel,
    ...(logger ? { logger } : {}),
  });
  createSlackApp(bot, receiver, {
    botToken: options.botToken,
    logLevel,
    ...(logger ? { logger } : {}),
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
  });
  const handle = receiver.toHandler();
  return async (event, context) => {
    const started = performance.now();
    try {
      return await handle(event, context ?? ({} as Context));
    } finally {
      // Time to answer Slack (which gives up after 3 s), measured where the answer leaves.
      metrics.milliseconds('AnswerLatency', Math.round(performance.now() - started));
    }
  };
}

/** Bolt's app is built on the signing secret and bot token: after a rotation, a new app on the new ones. */
let cached: { bot: LambdaBot; handler: SlackHandler } | undefined;

export const handler = withObservability(
  async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResult> => {
    const bot = await lambdaBot();
    if (cached?.bot !== bot) {
      cached = {
        bot,
        handler: createSlackHandler(bot, {
          signingSecret: bot.secret.signingSecret,
          botToken: bot.secret.botToken,
          slackApiUrl: bot.config.slackApiUrl,
          log: lambdaLogger(),
          metrics: lambdaMetrics(),
        }),
      };
    }
    return cached.handler(event, context);
  },
  {
    failure: 'Slack request failed',
    // Slack retries an unanswered request with these headers: worth seeing next to a slow answer.
    keys: (event) => {
      const retry = event.headers?.['x-slack-retry-num'];
      return retry
        ? { slackRetryNum: retry, slackRetryReason: event.headers?.['x-slack-retry-reason'] }
        : undefined;
    },
    removeKeys: ['slackRetryNum', 'slackRetryReason'],
  },
);

/**
 * Lambda entry for Slack's request URL: slash commands, interactivity and events, verified with the
 * signing secret by Bolt's AwsLambdaReceiver. The local server serves this same handler.
 */

import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorMessage } from '../incidents/errors';
import { boltLogger, lambdaLogger, type StructuredLog } from '../observability/log';
import { type BotMetrics, lambdaMetrics, noMetrics } from '../observability/metrics';
import { type ListenerDeps, registerListeners } from '../slack/listeners';
import { type LambdaBot, lambdaBot } from './environment';

export type SlackHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

export interface SlackHandlerOptions extends Omit<ListenerDeps, 'logger'> {
  signingSecret: string;
  botToken: string;
  slackApiUrl?: string;
  logLevel?: LogLevel;
  /** Bolt's own lines and the listeners' go here. @default Bolt's console logger */
  log?: StructuredLog;
  /** AnswerLatency per request. @default none */
  metrics?: BotMetrics;
}

export function createSlackHandler(options: SlackHandlerOptions): SlackHandler {
  const logLevel = options.logLevel ?? LogLevel.WARN;
  const logger = options.log ? boltLogger(options.log, logLevel) : undefined;
  const metrics = options.metrics ?? noMetrics;
  const receiver = new AwsLambdaReceiver({
    signingSecret: options.signingSecret,
    logLevel,
    ...(logger ? { logger } : {}),
  });
  // A fixed authorize: Bolt would otherwise call auth.test before the first ack of every container.
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: options.botToken }),
    logLevel,
    ...(logger ? { logger } : {}),
    ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
  });
  registerListeners(app, { ...options, logger: app.logger });
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

export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  const logger = lambdaLogger();
  logger.addContext(context);
  // Slack retries an unanswered request with these headers: worth seeing next to a slow answer.
  const retry = event.headers?.['x-slack-retry-num'];
  if (retry)
    logger.appendKeys({ slackRetryNum: retry, slackRetryReason: event.headers?.['x-slack-retry-reason'] });
  try {
    const bot = await lambdaBot();
    if (cached?.bot !== bot) {
      cached = {
        bot,
        handler: createSlackHandler({
          ...bot,
          signingSecret: bot.secret.signingSecret,
          botToken: bot.secret.botToken,
          slackApiUrl: bot.config.slackApiUrl,
          settings: bot.config,
          log: logger,
          metrics: lambdaMetrics(),
        }),
      };
    }
    return await cached.handler(event, context);
  } catch (error) {
    logger.error('Slack request failed', { error: errorMessage(error) });
    throw error;
  } finally {
    logger.removeKeys(['slackRetryNum', 'slackRetryReason']);
    lambdaMetrics().flush();
  }
};

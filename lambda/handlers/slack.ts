/**
 * Lambda entry for Slack's request URL: slash commands, interactivity and events, verified with the
 * signing secret by Bolt's AwsLambdaReceiver. The local server serves this same handler.
 */

import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type ListenerDeps, registerListeners } from '../slack/listeners';
import { lambdaBot } from './environment';

export type SlackHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

export interface SlackHandlerOptions extends Omit<ListenerDeps, 'logger'> {
  signingSecret: string;
  botToken: string;
  slackApiUrl?: string;
  logLevel?: LogLevel;
}

export function createSlackHandler(options: SlackHandlerOptions): SlackHandler {
  const receiver = new AwsLambdaReceiver({
    signingSecret: options.signingSecret,
    logLevel: options.logLevel ?? LogLevel.WARN,
  });
  // A fixed authorize: Bolt would otherwise call auth.test before the first ack of every container.
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: options.botToken }),
    logLevel: options.logLevel ?? LogLevel.WARN,
    ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
  });
  registerListeners(app, { ...options, logger: app.logger });
  const handle = receiver.toHandler();
  return (event, context) => handle(event, context ?? ({} as Context));
}

let cached: SlackHandler | undefined;

export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  if (!cached) {
    const bot = await lambdaBot();
    cached = createSlackHandler({
      ...bot,
      signingSecret: bot.secret.signingSecret,
      botToken: bot.secret.botToken,
      slackApiUrl: bot.config.slackApiUrl,
      settings: bot.config,
    });
  }
  return cached(event, context);
};

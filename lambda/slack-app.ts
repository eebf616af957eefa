/**
 * The bot's Bolt `App` on a given receiver: the one place the listeners are registered, for the
 * AwsLambdaReceiver (the Slack function, and the local server's HTTP path) and the SocketModeReceiver
 * (the local server with SLACK_APP_TOKEN). Part of the composition root (bot.ts builds the bot it
 * serves), in a module of its own so that only the Slack function bundles Bolt.
 */
import { App, type Logger, LogLevel, type Receiver } from '@slack/bolt';
import type { Bot } from './bot';
import { registerListeners } from './slack/listeners';

/** What the listeners use of the bot. */
export type SlackAppBot = Pick<Bot, 'commands' | 'store' | 'jobs' | 'chat' | 'clock' | 'settings'>;

export interface SlackAppOptions {
  botToken: string;
  /** The Web API base (SLACK_API_URL); Slack's own when unset. */
  slackApiUrl?: string;
  /** @default LogLevel.WARN */
  logLevel?: LogLevel;
  /** @default Bolt's console logger */
  logger?: Logger;
}

export function createSlackApp(bot: SlackAppBot, receiver: Receiver, options: SlackAppOptions): App {
  const logLevel = options.logLevel ?? LogLevel.WARN;
  // A fixed authorize: Bolt would otherwise call auth.test before the first ack of every container.
  const app = new App({
    receiver,
    authorize: async () => ({ botToken: options.botToken }),
    logLevel,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
  });
  registerListeners(app, { ...bot, logger: app.logger });
  return app;
}

/**
 * Lambda entry for Slack's request URL: slash commands, interactivity and events, verified with the
 * signing secret by Bolt's AwsLambdaReceiver. The local server serves this same handler.
 */

import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { S3Archive } from '../archive/archive';
import { loadLambdaConfig } from '../config';
import { systemClock } from '../incidents/time';
import { InlineJobs } from '../jobs/jobs';
import { createBot } from '../runtime';
import type { CommandService } from '../service/command-service';
import { SlackChat } from '../slack/chat';
import { registerListeners } from '../slack/listeners';
import { makeDocumentClient } from '../store/client';
import { DynamoIncidentStore } from '../store/dynamo-store';

export type SlackHandler = (
  event: APIGatewayProxyEventV2,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

export interface SlackHandlerOptions {
  signingSecret: string;
  botToken: string;
  commands: CommandService;
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
  });
  registerListeners(app, { commands: options.commands, logger: app.logger });
  const handle = receiver.toHandler();
  return (event, context) => handle(event, context ?? ({} as Context));
}

const slackSecretSchema = z.object({
  signingSecret: z.string().min(1, { error: 'signingSecret is empty' }),
  botToken: z.string().min(1, { error: 'botToken is empty' }),
});

/** The Slack secrets from Secrets Manager: read once per container, never from plaintext env. */
export async function readSlackSecret(client: SecretsManagerClient, arn: string) {
  const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const parsed = slackSecretSchema.safeParse(JSON.parse(result.SecretString ?? '{}'));
  if (!parsed.success)
    throw new Error(`Slack secret ${arn}: ${parsed.error.issues.map((i) => i.message).join(', ')}`);
  return parsed.data;
}

async function fromEnvironment(): Promise<SlackHandler> {
  const config = loadLambdaConfig();
  const secret = await readSlackSecret(new SecretsManagerClient({}), config.slackSecretArn);
  const bot = createBot({
    store: new DynamoIncidentStore({ client: makeDocumentClient({}), tableName: config.tableName }),
    chat: new SlackChat({ botToken: secret.botToken, slackApiUrl: config.slackApiUrl }),
    archive: new S3Archive({ client: new S3Client({}), bucket: config.postmortemBucket }),
    clock: systemClock,
    settings: config,
    jobs: (runner) => new InlineJobs(runner),
  });
  return createSlackHandler({
    signingSecret: secret.signingSecret,
    botToken: secret.botToken,
    commands: bot.commands,
  });
}

let cached: Promise<SlackHandler> | undefined;

export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  cached ??= fromEnvironment().catch((error) => {
    cached = undefined; // let the next invocation try again rather than caching a failure
    throw error;
  });
  return (await cached)(event, context);
};

/**
 * Secrets Manager values cached per container for a TTL, so a rotation takes effect within minutes
 * without a deploy, and a Secrets Manager hiccup never takes the bot down: a failed re-read keeps
 * serving the last good value (and says so in the log) and tries again a little later.
 */

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { errorMessage } from '../incidents/errors';
import { registerSecrets, type StructuredLog } from '../observability/log';
import { secretStrings } from '../paging/phone-numbers';
import type { TrackerSecrets } from '../trackers/setup';

/** How long a read value is used before it is read again. */
export const SECRET_TTL_MS = 5 * 60_000;
/** After a failed re-read, the last good value is used this long before the next try. */
export const SECRET_RETRY_MS = 30_000;

const slackSecretSchema = z.object({
  signingSecret: z.string().min(1, { error: 'signingSecret is empty' }),
  botToken: z.string().min(1, { error: 'botToken is empty' }),
  webhookSigningSecret: z.string().optional(),
  /** Older stacks: the alert token in the Slack secret (used when ALERT_SECRET_ARN is unset). */
  alertToken: z.string().optional(),
  /**
   * Slack user id → E.164 number: texts (SMS) for unacknowledged pages. Absent or empty: none. Checked
   * where it is used (`usablePhoneNumbers`), so a mistyped number costs that person's texts, not the bot.
   */
  phoneNumbers: z.unknown().optional(),
  /** Tracker credentials and webhook secrets (docs/trackers.md); only what the policy uses is needed. */
  githubToken: z.string().min(1).optional(),
  githubWebhookSecret: z.string().min(1).optional(),
  jiraEmail: z.string().min(1).optional(),
  jiraApiToken: z.string().min(1).optional(),
  jiraWebhookSecret: z.string().min(1).optional(),
  linearApiKey: z.string().min(1).optional(),
  linearWebhookSecret: z.string().min(1).optional(),
});
export type SlackSecret = z.infer<typeof slackSecretSchema>;

const alertSecretSchema = z.object({
  /** Bearer token (or basic-auth password) the alert routes require. */
  alertToken: z.string().min(1, { error: 'alertToken is empty' }),
});
export type AlertSecret = z.infer<typeof alertSecretSchema>;

async function readJsonSecret<T>(
  client: SecretsManagerClient,
  arn: string,
  what: string,
  schema: z.ZodType<T>,
): Promise<T> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  let json: unknown;
  try {
    json = JSON.parse(result.SecretString ?? '{}');
  } catch {
    // JSON.parse's message quotes the text, which is the secret.
    throw new Error(`${what} secret ${arn}: not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${what} secret ${arn}: ${parsed.error.issues.map((issue) => issue.message).join(', ')}`);
  }
  return parsed.data;
}

/** The Slack secrets from Secrets Manager: never plaintext environment values in the template. */
export async function readSlackSecret(client: SecretsManagerClient, arn: string): Promise<SlackSecret> {
  const secret = await readJsonSecret(client, arn, 'Slack', slackSecretSchema);
  // Registered before anything can log them, so no line ever carries them.
  registerSecrets(
    secret.signingSecret,
    secret.botToken,
    secret.webhookSigningSecret,
    secret.alertToken,
    ...secretStrings(secret.phoneNumbers),
    ...Object.values(trackerSecretsOf(secret)),
  );
  return secret;
}

/** The tracker credentials the Slack secret holds (the environment's GITHUB_TOKEN… locally). */
export function trackerSecretsOf(secret: SlackSecret): TrackerSecrets {
  const { githubToken, githubWebhookSecret, jiraEmail, jiraApiToken, jiraWebhookSecret } = secret;
  const { linearApiKey, linearWebhookSecret } = secret;
  const all = {
    githubToken,
    githubWebhookSecret,
    jiraEmail,
    jiraApiToken,
    jiraWebhookSecret,
    linearApiKey,
    linearWebhookSecret,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

/** The generated alert token, in its own secret so that filling in the Slack secret cannot delete it. */
export async function readAlertSecret(client: SecretsManagerClient, arn: string): Promise<AlertSecret> {
  const secret = await readJsonSecret(client, arn, 'Alert', alertSecretSchema);
  registerSecrets(secret.alertToken);
  return secret;
}

export interface SecretCacheOptions<T> {
  /** Names the secret in log lines (never its value). */
  name: string;
  read: () => Promise<T>;
  now: () => number;
  log: StructuredLog;
  ttlMs?: number;
  retryMs?: number;
}

/**
 * The secret, read on first use and again on the first use after the TTL. A re-read that returns
 * the same content returns the same object, so callers that build on a secret (the bot, Bolt's app)
 * rebuild only when it really changed: compare by identity.
 */
export function cachedSecret<T>(options: SecretCacheOptions<T>): () => Promise<T> {
  const ttlMs = options.ttlMs ?? SECRET_TTL_MS;
  const retryMs = options.retryMs ?? SECRET_RETRY_MS;
  let value: T | undefined;
  let freshUntil = 0;
  let reading: Promise<T> | undefined;

  const reread = async (): Promise<T> => {
    try {
      const next = await options.read();
      if (value === undefined || JSON.stringify(next) !== JSON.stringify(value)) {
        if (value !== undefined) options.log.info(`${options.name} secret changed; using the new value`);
        value = next;
      }
      freshUntil = options.now() + ttlMs;
      return value;
    } catch (error) {
      // Nothing good yet: the caller fails (a cold start that cannot read its secret must say so).
      if (value === undefined) throw error;
      freshUntil = options.now() + Math.min(retryMs, ttlMs);
      options.log.error(`${options.name} secret could not be re-read; keeping the last good value`, {
        error: errorMessage(error),
        retryInMs: Math.min(retryMs, ttlMs),
      });
      return value;
    }
  };

  return () => {
    if (value !== undefined && options.now() < freshUntil) return Promise.resolve(value);
    if (!reading) {
      // Concurrent callers share one read.
      const current = reread();
      reading = current;
      const done = () => {
        if (reading === current) reading = undefined;
      };
      current.then(done, done);
    }
    return reading;
  };
}

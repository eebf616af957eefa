/**
 * The environment, parsed once with zod. A missing or bad key is named in the error, so a server or
 * a cold start fails with one clear line instead of later with an undefined.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseHostRule, type SnsTrust } from './alerts/sns-signature';
import { ConfigError } from './incidents/errors';
import { checkPolicy, type EscalationPolicy, parsePolicy } from './incidents/policy';
import { isValidTimeZone } from './incidents/time';
import { type PhoneNumbers, phoneNumbersJson } from './paging/phone-numbers';
import { TABLE } from './store/table';
import { missingTrackerSecrets, type TrackerEndpoints, type TrackerSecrets } from './trackers/setup';
import { describeIssues } from './validation';

type Env = Record<string, string | undefined>;

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

const timeZone = z
  .string()
  .default('UTC')
  .refine(isValidTimeZone, { error: 'expected an IANA time zone like Europe/Berlin' });

/** A comma-separated list, each entry checked; unset or blank: undefined. */
function commaList(valid: (entry: string) => boolean, expected: string) {
  return optionalText
    .transform((value) =>
      value
        ?.split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .check((ctx) => {
      const entries = ctx.value;
      if (!entries) return;
      const bad = entries.filter((entry) => !valid(entry));
      if (entries.length === 0 || bad.length > 0) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `expected ${expected}${bad.length ? `, not ${bad.map((entry) => JSON.stringify(entry)).join(', ')}` : ''}`,
        });
      }
    });
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

const sharedSchema = {
  SLACK_API_URL: optionalText.pipe(z.url({ error: 'expected a URL' }).optional()),
  INCIDENTS_CHANNEL: optionalText,
  INCIDENT_TIMEZONE: timeZone,
  ESCALATION_POLICY: optionalText,
  PAGERDUTY_EVENTS_URL: z.url().default('https://events.pagerduty.com/v2/enqueue'),
  OPSGENIE_API_URL: z.url().default('https://api.opsgenie.com'),
  ALERTS_SNS_SIGNATURES: optionalText.pipe(
    z.enum(['require', 'off'], { error: 'expected require or off' }).default('require'),
  ),
  SNS_TRUSTED_CERT_HOSTS: commaList(
    (entry) => parseHostRule(entry) !== undefined,
    'comma-separated hosts or host:port (no scheme or path)',
  ),
  ALERTS_SNS_TOPIC_ARNS: commaList(
    (entry) => SNS_TOPIC_ARN.test(entry),
    'comma-separated SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>)',
  ),
  /** Trackers for follow-ups and postmortem pull requests (docs/trackers.md); their keys are secrets. */
  GITHUB_API_URL: z.url({ error: 'expected a URL' }).default('https://api.github.com'),
  JIRA_BASE_URL: optionalText.pipe(
    z.url({ error: 'expected a URL like https://acme.atlassian.net' }).optional(),
  ),
  LINEAR_API_URL: z.url({ error: 'expected a URL' }).default('https://api.linear.app/graphql'),
};

/** Where the local server keeps its store and postmortems unless DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = '.incident-bot';

const localSchema = z.object({
  ...sharedSchema,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SLACK_SIGNING_SECRET: z.string({ error: 'required' }).min(1, { error: 'required' }),
  SLACK_BOT_TOKEN: z.string({ error: 'required' }).min(1, { error: 'required' }),
  SLACK_APP_TOKEN: optionalText,
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  DYNAMODB_ENDPOINT: optionalText.pipe(z.url({ error: 'expected a URL' }).optional()),
  TABLE_NAME: z.string().default(TABLE.defaultName),
  ALERT_TOKEN: optionalText,
  WEBHOOK_SIGNING_SECRET: optionalText,
  /** `{"U0ANNA":"+4915112345678"}`: texts for unacknowledged pages (AWS: the Slack secret's phoneNumbers). */
  ONCALL_PHONE_NUMBERS: optionalText.pipe(phoneNumbersJson.optional()),
  /** Tracker credentials (docs/trackers.md); in AWS the Slack secret's fields of the same meaning. */
  GITHUB_TOKEN: optionalText,
  GITHUB_WEBHOOK_SECRET: optionalText,
  JIRA_EMAIL: optionalText,
  JIRA_API_TOKEN: optionalText,
  JIRA_WEBHOOK_SECRET: optionalText,
  LINEAR_API_KEY: optionalText,
  LINEAR_WEBHOOK_SECRET: optionalText,
  /** Seconds between reconciler runs; 0 runs it only at start. */
  RECONCILE_INTERVAL: z.coerce
    .number({ error: 'expected a number of seconds' })
    .int({ error: 'expected a whole number of seconds' })
    .min(0, { error: 'expected 0 (only at start) or more seconds' })
    .default(60),
});

const lambdaSchema = z.object({
  ...sharedSchema,
  TABLE_NAME: z.string({ error: 'required' }).min(1),
  POSTMORTEM_BUCKET: z.string({ error: 'required' }).min(1),
  SLACK_SECRET_ARN: z.string({ error: 'required' }).min(1),
  /** The alert token's own secret (`{"alertToken": "…"}`); unset: the Slack secret's alertToken (older stacks). */
  ALERT_SECRET_ARN: optionalText,
  /** The ops topic: its alarms are about the bot itself, posted to OPS_CHANNEL, never incidents. */
  OPS_TOPIC_ARN: optionalText.pipe(
    z
      .string()
      .regex(SNS_TOPIC_ARN, { error: 'expected an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)' })
      .optional(),
  ),
  /** Slack channel id for the ops alarms; unset: they are only logged (the email subscription remains). */
  OPS_CHANNEL: optionalText,
  /** The jobs queue's redrive maxReceiveCount, to count a job's last failure as dead-lettered. */
  JOBS_MAX_RECEIVE_COUNT: z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(1, { error: 'expected 1 or more' })
    .optional(),
  /**
   * The policy itself, for Lambda where no policy file ships. The stack reads the YAML file at synth,
   * checks it and passes it as JSON, checked again here: the Lambda bundles have no YAML parser
   * (lambda/bundle-stubs/yaml.ts), and code and environment are deployed together.
   */
  ESCALATION_POLICY_JSON: optionalText,
  JOBS_QUEUE_URL: optionalText,
  SCHEDULE_GROUP: optionalText,
  ESCALATION_FUNCTION_ARN: optionalText,
  SCHEDULER_ROLE_ARN: optionalText,
  SCHEDULER_DEAD_LETTER_ARN: optionalText,
});

/** What every runtime (Lambda, local server, tests) needs, whatever supplies it. */
export interface BotSettings {
  timeZone: string;
  incidentsChannel?: string;
  slackApiUrl?: string;
  policy?: EscalationPolicy;
  pagerDutyEventsUrl: string;
  opsgenieApiUrl: string;
  /** Where GitHub, Jira and Linear are (their credentials are secrets: `TrackerSecrets`). */
  trackerEndpoints: TrackerEndpoints;
}

/**
 * Which SNS messages over HTTP are trusted (ALERTS_SNS_SIGNATURES, SNS_TRUSTED_CERT_HOSTS,
 * ALERTS_SNS_TOPIC_ARNS); pass to createSnsVerifier.
 */
export type AlertsSnsSettings = Pick<SnsTrust, 'signatures' | 'trustedCertHosts' | 'topicArns'>;

export interface LocalConfig extends BotSettings {
  port: number;
  signingSecret: string;
  botToken: string;
  appToken?: string;
  dataDir: string;
  dynamoEndpoint?: string;
  tableName: string;
  alertToken?: string;
  webhookSigningSecret?: string;
  /** Slack user id → E.164 number (ONCALL_PHONE_NUMBERS): texts for unacknowledged pages; unset: none. */
  phoneNumbers?: PhoneNumbers;
  /** Tracker credentials from the environment (GITHUB_TOKEN…); only what the policy uses is needed. */
  trackerSecrets: TrackerSecrets;
  /** Seconds between reconciler runs (0: only at start). */
  reconcileIntervalSeconds: number;
  alertsSns: AlertsSnsSettings;
}

export interface LambdaConfig extends BotSettings {
  tableName: string;
  postmortemBucket: string;
  slackSecretArn: string;
  alertSecretArn?: string;
  /** Alarms about the bot itself arrive from this topic; posted to `opsChannel` when set. */
  ops: { topicArn?: string; channel?: string };
  jobsQueueUrl?: string;
  /** The jobs queue's maxReceiveCount, when the stack says it. */
  jobsMaxReceiveCount?: number;
  alertsSns: AlertsSnsSettings;
  /** EventBridge Scheduler: all three, or no timers (tiers past the first do not fire). */
  scheduler?: { groupName: string; targetArn: string; roleArn: string; deadLetterArn?: string };
}

function definedOnly<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(`Bad environment:\n${describeIssues(result.error).join('\n')}`);
  }
  return result.data;
}

function policyFromJson(text: string): EscalationPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`ESCALATION_POLICY_JSON: not JSON (${(error as Error).message})`);
  }
  return checkPolicy(raw, 'ESCALATION_POLICY_JSON');
}

export function loadPolicyFile(file: string | undefined): EscalationPolicy | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`ESCALATION_POLICY: cannot read ${file}: ${(error as Error).message}`);
  }
  return parsePolicy(text, path.basename(file));
}

function settings(
  env: z.infer<typeof localSchema> | z.infer<typeof lambdaSchema>,
  policy: EscalationPolicy | undefined,
): BotSettings {
  return {
    timeZone: env.INCIDENT_TIMEZONE,
    incidentsChannel: env.INCIDENTS_CHANNEL,
    slackApiUrl: env.SLACK_API_URL,
    policy,
    pagerDutyEventsUrl: env.PAGERDUTY_EVENTS_URL,
    opsgenieApiUrl: env.OPSGENIE_API_URL,
    trackerEndpoints: {
      githubApiUrl: env.GITHUB_API_URL,
      ...(env.JIRA_BASE_URL ? { jiraBaseUrl: env.JIRA_BASE_URL } : {}),
      linearApiUrl: env.LINEAR_API_URL,
    },
  };
}

function alertsSns(env: z.infer<typeof localSchema> | z.infer<typeof lambdaSchema>): AlertsSnsSettings {
  return {
    signatures: env.ALERTS_SNS_SIGNATURES,
    ...(env.SNS_TRUSTED_CERT_HOSTS ? { trustedCertHosts: env.SNS_TRUSTED_CERT_HOSTS } : {}),
    ...(env.ALERTS_SNS_TOPIC_ARNS ? { topicArns: env.ALERTS_SNS_TOPIC_ARNS } : {}),
  };
}

export function loadLocalConfig(env: Env = process.env): LocalConfig {
  const parsed = parseEnv(localSchema, env);
  const config: LocalConfig = {
    ...settings(parsed, loadPolicyFile(parsed.ESCALATION_POLICY)),
    port: parsed.PORT,
    signingSecret: parsed.SLACK_SIGNING_SECRET,
    botToken: parsed.SLACK_BOT_TOKEN,
    appToken: parsed.SLACK_APP_TOKEN,
    dataDir: parsed.DATA_DIR,
    dynamoEndpoint: parsed.DYNAMODB_ENDPOINT,
    tableName: parsed.TABLE_NAME,
    alertToken: parsed.ALERT_TOKEN,
    webhookSigningSecret: parsed.WEBHOOK_SIGNING_SECRET,
    ...(parsed.ONCALL_PHONE_NUMBERS && Object.keys(parsed.ONCALL_PHONE_NUMBERS).length > 0
      ? { phoneNumbers: parsed.ONCALL_PHONE_NUMBERS }
      : {}),
    trackerSecrets: definedOnly({
      githubToken: parsed.GITHUB_TOKEN,
      githubWebhookSecret: parsed.GITHUB_WEBHOOK_SECRET,
      jiraEmail: parsed.JIRA_EMAIL,
      jiraApiToken: parsed.JIRA_API_TOKEN,
      jiraWebhookSecret: parsed.JIRA_WEBHOOK_SECRET,
      linearApiKey: parsed.LINEAR_API_KEY,
      linearWebhookSecret: parsed.LINEAR_WEBHOOK_SECRET,
    }),
    reconcileIntervalSeconds: parsed.RECONCILE_INTERVAL,
    alertsSns: alertsSns(parsed),
  };
  // Before anything starts: a tracker the policy names needs its credentials (AWS: the Slack secret).
  const missing = missingTrackerSecrets(config.policy, config.trackerEndpoints, config.trackerSecrets);
  if (missing.length > 0) {
    throw new ConfigError(
      `the escalation policy's followups/postmortems need ${missing.join(', ')} (docs/trackers.md)`,
    );
  }
  return config;
}

export function loadLambdaConfig(env: Env = process.env): LambdaConfig {
  const parsed = parseEnv(lambdaSchema, env);
  const policy = parsed.ESCALATION_POLICY_JSON
    ? policyFromJson(parsed.ESCALATION_POLICY_JSON)
    : loadPolicyFile(parsed.ESCALATION_POLICY);
  const {
    SCHEDULE_GROUP: groupName,
    ESCALATION_FUNCTION_ARN: targetArn,
    SCHEDULER_ROLE_ARN: roleArn,
  } = parsed;
  return {
    ...settings(parsed, policy),
    tableName: parsed.TABLE_NAME,
    postmortemBucket: parsed.POSTMORTEM_BUCKET,
    slackSecretArn: parsed.SLACK_SECRET_ARN,
    ...(parsed.ALERT_SECRET_ARN ? { alertSecretArn: parsed.ALERT_SECRET_ARN } : {}),
    ops: {
      ...(parsed.OPS_TOPIC_ARN ? { topicArn: parsed.OPS_TOPIC_ARN } : {}),
      ...(parsed.OPS_CHANNEL ? { channel: parsed.OPS_CHANNEL } : {}),
    },
    jobsQueueUrl: parsed.JOBS_QUEUE_URL,
    ...(parsed.JOBS_MAX_RECEIVE_COUNT ? { jobsMaxReceiveCount: parsed.JOBS_MAX_RECEIVE_COUNT } : {}),
    alertsSns: alertsSns(parsed),
    ...(groupName && targetArn && roleArn
      ? { scheduler: { groupName, targetArn, roleArn, deadLetterArn: parsed.SCHEDULER_DEAD_LETTER_ARN } }
      : {}),
  };
}

/**
 * Lambda entry for monitoring alerts, invoked two ways:
 * - by the HTTP API for `POST /alerts/cloudwatch` and `POST /alerts/alertmanager` (payload v2),
 *   authorized with the `alertToken` key of the Slack secret;
 * - by the alarm SNS topic directly (an SNSEvent). Only the stack's topics may invoke the function,
 *   so these carry no token;
 * - by the HTTP API for `POST /webhooks/github|jira|linear`: a tracker says a ticket was closed or
 *   reopened (trackers/webhooks.ts). It is inbound HTTP from another service, as alerts are, so it
 *   lands here rather than in the Slack function (which bundles Bolt and answers Slack within 3 s) or
 *   the worker (which takes no HTTP). Verified by the tracker's own signature with its webhook secret
 *   from the Slack secret, over the body exactly as received; the alert token is not asked for.
 *
 * A record from the ops topic (OPS_TOPIC_ARN) is an alarm about the bot itself (its errors, its queues,
 * its API): never an incident, which the broken bot may be unable to run. It is posted to OPS_CHANNEL
 * when Slack is reachable, and otherwise only logged: it never throws, since the topic's email
 * subscription is the reliable path and a retry would only land it in the alert dead-letter queue.
 */

import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SNSEvent,
  SNSEventRecord,
} from 'aws-lambda';
import type { AlertService } from '../alerts/alert-service';
import { type AlertHttpDeps, type AlertRoute, answerBeforeBody, handleAlertHttp } from '../alerts/http';
import { type AlertSignal, parseSnsLambdaEvent } from '../alerts/payloads';
import { createSnsVerifier } from '../alerts/sns-signature';
import { errorMessage } from '../incidents/errors';
import { withObservability } from '../observability/handler';
import { lambdaLogger, type StructuredLog } from '../observability/log';
import { type BotMetrics, lambdaMetrics, noMetrics } from '../observability/metrics';
import { handleTrackerWebhook, type WebhookDeps } from '../trackers/webhooks';
import { type LambdaBot, lambdaBot, lambdaEnvironment } from './lambda-bot';

export interface AlertsRuntime {
  service: Pick<AlertService, 'handle'>;
  /** The token HTTP senders must present; without one every HTTP alert is refused. */
  token?: string;
  /** Checks SNS envelopes posted over HTTP (`createSnsVerifier`); SNS invoking the function directly needs none. */
  verifySns: AlertHttpDeps['verifySns'];
}

/** Where alarms about the bot itself go. */
export interface OpsAlarms {
  /** OPS_TOPIC_ARN: records from it are ops alarms; unset: there are none. */
  topicArn?: string;
  /** OPS_CHANNEL; unset: ops alarms are only logged. */
  channel?: string;
  /** Posts to Slack; built only when an ops alarm comes. */
  post: () => Promise<(channel: string, text: string) => Promise<unknown>>;
}

export interface AlertsHandlerOptions {
  /** @default the container's Powertools logger */
  log?: StructuredLog;
  /** @default none */
  metrics?: BotMetrics;
  /** Read per SNS event, so a bad setting fails that event, not the module's load. @default none */
  ops?: () => OpsAlarms;
  /**
   * The bot's trackers, store and job queue, for `POST /webhooks/<kind>`; built only when a delivery
   * comes. @default none: those routes answer 404
   */
  webhooks?: () => Promise<WebhookDeps>;
}

const STATE_NAMES: Record<AlertSignal['state'], string> = {
  firing: 'ALARM',
  ok: 'OK',
  'no-data': 'INSUFFICIENT_DATA',
};
const STATE_ICONS: Record<AlertSignal['state'], string> = {
  firing: ':rotating_light:',
  ok: ':white_check_mark:',
  'no-data': ':grey_question:',
};

/** The Slack text of an ops alarm: name, new state, reason, console link. Plain mrkdwn, no mentions. */
export function opsAlarmText(signal: AlertSignal): string {
  const lines = [
    `${STATE_ICONS[signal.state]} *incident-bot alarm* \`${signal.name}\` is *${STATE_NAMES[signal.state]}*`,
    signal.reason,
  ];
  if (signal.link) lines.push(`<${signal.link}|Open the alarm in the CloudWatch console>`);
  return lines.join('\n');
}

export type AlertsEvent = APIGatewayProxyEventV2 | SNSEvent;

const ROUTES: Readonly<Record<string, AlertRoute>> = {
  '/alerts/cloudwatch': 'cloudwatch',
  '/alerts/alertmanager': 'alertmanager',
};

function isSnsEvent(event: AlertsEvent): event is SNSEvent {
  return Array.isArray((event as Partial<SNSEvent>).Records);
}

export function createAlertsHandler(
  runtime: () => Promise<AlertsRuntime>,
  options: AlertsHandlerOptions = {},
) {
  const log = options.log ?? lambdaLogger();
  const metrics = options.metrics ?? noMetrics;

  /** Never throws: see the module comment. */
  async function fromOps(records: SNSEventRecord[], ops: OpsAlarms): Promise<void> {
    const parsed = parseSnsLambdaEvent({ Records: records });
    if (!parsed.ok) {
      log.error(`ops alarm unreadable: ${parsed.error}`, { opsAlarm: true });
      metrics.count('OpsAlarmsNotPosted');
      return;
    }
    for (const signal of parsed.signals) {
      const keys = { opsAlarm: true, alarmName: signal.name, state: STATE_NAMES[signal.state] };
      // The alarm in the log in any case: it is the record of last resort when Slack is down.
      log.warn(`ops alarm ${signal.name} is ${STATE_NAMES[signal.state]}: ${signal.reason}`, {
        ...keys,
        ...(signal.link ? { link: signal.link } : {}),
      });
      if (!ops.channel) {
        log.warn('ops alarm not posted: OPS_CHANNEL is not set', keys);
        metrics.count('OpsAlarmsNotPosted');
        continue;
      }
      try {
        const post = await ops.post();
        await post(ops.channel, opsAlarmText(signal));
        metrics.count('OpsAlarmsPosted');
      } catch (error) {
        log.error(`ops alarm not posted to ${ops.channel}: ${errorMessage(error)}`, keys);
        metrics.count('OpsAlarmsNotPosted');
      }
    }
  }

  async function fromSns(event: SNSEvent): Promise<void> {
    const ops = options.ops?.();
    const isOps = (record: SNSEventRecord) =>
      Boolean(ops?.topicArn) && record.Sns?.TopicArn === ops?.topicArn;
    const opsRecords = event.Records.filter(isOps);
    if (ops && opsRecords.length > 0) await fromOps(opsRecords, ops);
    const alertRecords = event.Records.filter((record) => !isOps(record));
    if (alertRecords.length === 0) return;
    const parsed = parseSnsLambdaEvent({ ...event, Records: alertRecords });
    if (!parsed.ok) {
      // Retrying cannot mend a malformed message; the dead-letter queue is for alarms that failed.
      log.warn(`SNS alert dropped: ${parsed.error}`);
      return;
    }
    const { service } = await runtime();
    // A failure throws, so Lambda's retries and then the dead-letter queue keep the alarm.
    for (const signal of parsed.signals) {
      const outcome = await service.handle(signal);
      log.info(
        `alert ${signal.key}: ${outcome.action}${outcome.incidentId ? ` ${outcome.incidentId}` : ''}`,
        {
          alertKey: signal.key,
          action: outcome.action,
          ...(outcome.incidentId ? { incidentId: outcome.incidentId } : {}),
        },
      );
    }
  }

  /** A tracker's webhook delivery: verified over the raw body, then the follow-up takes the state. */
  async function fromTracker(
    kind: string,
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const answer = (status: number, body: string) => ({
      statusCode: status,
      headers: { 'content-type': 'text/plain' },
      body,
    });
    if (!options.webhooks) return answer(404, `no ${kind} webhook is configured (docs/trackers.md)`);
    // Payload v2 joins repeated headers with commas and may keep the sender's case: lower-cased here,
    // as Node gives them to the local server.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) {
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
    // The signature is over the bytes the tracker sent: a binary-looking body comes base64-encoded.
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    try {
      const deps = await options.webhooks();
      const result = await handleTrackerWebhook(deps, kind, headers, body);
      if (result.status >= 400) log.warn(`${kind} webhook refused (${result.status}): ${result.body}`);
      return answer(result.status, result.body);
    } catch (error) {
      // The store failing: the tracker retries (GitHub's redelivery, Jira's and Linear's retries).
      log.error(`${kind} webhook failed: ${errorMessage(error)}`);
      return answer(500, 'internal error');
    }
  }

  async function fromApi(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const post = event.requestContext?.http?.method === 'POST';
    const webhook = post ? /^\/webhooks\/([a-z]+)$/.exec(event.rawPath ?? '') : null;
    if (webhook) return fromTracker(webhook[1] as string, event);
    const route = post ? ROUTES[event.rawPath] : undefined;
    if (!route) {
      return {
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"error":"not found"}',
      };
    }
    const { service, token, verifySns } = await runtime();
    const deps = { service, token, verifySns };
    const headers = event.headers ?? {};
    // The token before anything is done with the body; then its size (as the local server does).
    const raw = event.body ?? '';
    const bytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
    const refused = answerBeforeBody(headers, token, bytes);
    if (refused) return refused;
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    return handleAlertHttp(route, { headers, body }, deps);
  }

  return async (event: AlertsEvent): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
    if (!isSnsEvent(event)) return fromApi(event);
    await fromSns(event);
    return undefined;
  };
}

let cached: { bot: LambdaBot; runtime: Omit<AlertsRuntime, 'token'> } | undefined;

/**
 * The bot's alert service, with an SNS verifier per bot (a rotated Slack secret builds a new one);
 * the alert token is read per request through the secrets' cache, so its rotation needs no rebuild.
 */
async function lambdaRuntime(): Promise<AlertsRuntime> {
  const bot = await lambdaBot();
  if (cached?.bot !== bot) {
    cached = { bot, runtime: { service: bot.alerts, verifySns: createSnsVerifier(bot.config.alertsSns) } };
  }
  // A secret without the key (or with an empty one) refuses every HTTP alert.
  return { ...cached.runtime, token: await lambdaEnvironment().alertToken() };
}

const alertsHandler = createAlertsHandler(lambdaRuntime, {
  log: lambdaLogger(),
  metrics: lambdaMetrics(),
  ops: () => {
    const { ops } = lambdaEnvironment().config();
    return {
      ...ops,
      post: async () => {
        const bot = await lambdaBot();
        return (channel, text) => bot.chat.postMessage(channel, { text });
      },
    };
  },
  webhooks: async () => {
    const bot = await lambdaBot();
    const log = lambdaLogger();
    return {
      trackers: bot.trackers,
      store: bot.store,
      enqueue: (job) => bot.jobs.enqueue(job),
      log: (line) => log.info(line),
    };
  },
});

// No failure line here: a failed SNS alert is retried and dead-lettered, and HTTP answers say why.
export const handler = withObservability(
  async (event: AlertsEvent, _context?: Context): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
    // Read (through the cache) on every path, SNS ones too, so the alert token is known to the log's
    // redaction before anything is logged; a failure here is the HTTP path's to report, not this one's.
    await lambdaEnvironment()
      .alertToken()
      .catch(() => undefined);
    return alertsHandler(event);
  },
);

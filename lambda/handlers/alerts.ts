/**
 * Lambda entry for monitoring alerts, invoked two ways:
 * - by the HTTP API for `POST /alerts/cloudwatch` and `POST /alerts/alertmanager` (payload v2),
 *   authorized with the `alertToken` key of the Slack secret;
 * - by the alarm SNS topic directly (an SNSEvent). Only the stack's topics may invoke the function,
 *   so these carry no token.
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

  async function fromApi(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const route = event.requestContext?.http?.method === 'POST' ? ROUTES[event.rawPath] : undefined;
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

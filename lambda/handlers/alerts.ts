/**
 * Lambda entry for monitoring alerts, invoked two ways:
 * - by the HTTP API for `POST /alerts/cloudwatch` and `POST /alerts/alertmanager` (payload v2),
 *   authorized with the `alertToken` key of the Slack secret;
 * - by the alarm SNS topic directly (an SNSEvent). Only the stack's topic may invoke the function,
 *   so these carry no token.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SNSEvent } from 'aws-lambda';
import { type AlertService, createAlertService } from '../alerts/alert-service';
import { type AlertHttpDeps, type AlertRoute, answerBeforeBody, handleAlertHttp } from '../alerts/http';
import { parseSnsLambdaEvent } from '../alerts/payloads';
import { createSnsVerifier } from '../alerts/sns-signature';
import { alertRules } from '../incidents/policy';
import { systemClock } from '../incidents/time';
import { makeDocumentClient } from '../store/client';
import { DynamoIncidentStore } from '../store/dynamo-store';
import { lambdaBot } from './environment';

export interface AlertsRuntime {
  service: Pick<AlertService, 'handle'>;
  /** The token HTTP senders must present; without one every HTTP alert is refused. */
  token?: string;
  /** Checks SNS envelopes posted over HTTP (`createSnsVerifier`); SNS invoking the function directly needs none. */
  verifySns: AlertHttpDeps['verifySns'];
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
  log: (line: string) => void = console.error,
) {
  async function fromSns(event: SNSEvent): Promise<void> {
    const parsed = parseSnsLambdaEvent(event);
    if (!parsed.ok) {
      // Retrying cannot mend a malformed message; the dead-letter queue is for alarms that failed.
      log(`SNS alert dropped: ${parsed.error}`);
      return;
    }
    const { service } = await runtime();
    // A failure throws, so Lambda's retries and then the dead-letter queue keep the alarm.
    for (const signal of parsed.signals) {
      const outcome = await service.handle(signal);
      log(`alert ${signal.key}: ${outcome.action}${outcome.incidentId ? ` ${outcome.incidentId}` : ''}`);
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

let cached: Promise<AlertsRuntime> | undefined;

/** Built once per container, like the bot it wraps; a failed build is retried by the next call. */
function lambdaRuntime(): Promise<AlertsRuntime> {
  cached ??= (async () => {
    const bot = await lambdaBot();
    const client = makeDocumentClient({});
    const { tableName } = bot.config;
    const service = createAlertService({
      commands: bot.commands,
      store: new DynamoIncidentStore({ client, tableName }),
      jobs: bot.jobs,
      rules: alertRules(bot.config.policy),
      client,
      tableName,
      clock: systemClock,
    });
    // A secret without the key (or with an empty one) refuses every HTTP alert.
    return {
      service,
      token: bot.secret.alertToken || undefined,
      verifySns: createSnsVerifier(bot.config.alertsSns),
    };
  })().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

export const handler = createAlertsHandler(lambdaRuntime);

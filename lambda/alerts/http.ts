/**
 * The alert routes (`POST /alerts/cloudwatch`, `POST /alerts/alertmanager`), free of any server: the
 * local server and the Lambda entry both hand a request here and send back what it returns.
 */

import { AlertBusyError, type AlertOutcome, type AlertService } from './alert-service';
import { ALERT_AUTH_CHALLENGE, isAuthorizedAlert, MAX_ALERT_BODY_BYTES } from './auth';
import { type AlertSignal, parseAlertmanagerBody, parseSnsHttpBody } from './payloads';
import type { SnsVerdict } from './sns-signature';

export type AlertRoute = 'cloudwatch' | 'alertmanager';

export interface AlertHttpRequest {
  headers: Record<string, string | undefined>;
  body: string;
}

export interface AlertHttpResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export interface AlertHttpDeps {
  service: Pick<AlertService, 'handle'>;
  /** ALERT_TOKEN; without one every request is refused. */
  token?: string;
  /**
   * Whether an SNS envelope posted over HTTP really comes from SNS (its signature) and from a topic we
   * take (`createSnsVerifier`, one per process: it caches certificates). Required: the token alone
   * proves nothing about who wrote the message.
   */
  verifySns: (envelope: Record<string, unknown>) => Promise<SnsVerdict>;
  /** Confirms an SNS subscription by visiting its SubscribeURL; defaults to a GET with fetch. */
  confirmSubscription?: (url: string) => Promise<void>;
}

export type AlertResult = AlertOutcome & { key: string };

/** How long SNS is asked to wait before retrying a delivery that met an incident being opened. */
const RETRY_AFTER_SECONDS = 5;
const CONFIRM_TIMEOUT_MS = 10_000;

function json(statusCode: number, value: unknown, headers: Record<string, string> = {}): AlertHttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

/**
 * Visits the URL as SNS asks. The parser only lets through https URLs on SNS's own hosts, so this
 * cannot be pointed at anything else.
 */
export async function visitSubscribeUrl(url: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(CONFIRM_TIMEOUT_MS) });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`SNS answered ${response.status}`);
}

/** 413: what a body over MAX_ALERT_BODY_BYTES gets, declared or found while reading it. */
export function bodyTooLarge(): AlertHttpResponse {
  return json(413, { error: `alert bodies are limited to ${MAX_ALERT_BODY_BYTES} bytes` });
}

/**
 * The answer due before the body is read, if any: 401 without the token, then 413 for a body declared
 * larger than MAX_ALERT_BODY_BYTES. The local server and the Lambda entry ask this first, so a stranger
 * or an oversized body costs no memory.
 */
export function answerBeforeBody(
  headers: AlertHttpRequest['headers'],
  token: string | undefined,
  declaredBytes?: number,
): AlertHttpResponse | undefined {
  if (!isAuthorizedAlert(headers, token)) {
    return json(401, { error: 'unauthorized' }, { 'www-authenticate': ALERT_AUTH_CHALLENGE });
  }
  if (declaredBytes !== undefined && declaredBytes > MAX_ALERT_BODY_BYTES) return bodyTooLarge();
  return undefined;
}

export async function handleAlertHttp(
  route: AlertRoute,
  request: AlertHttpRequest,
  deps: AlertHttpDeps,
): Promise<AlertHttpResponse> {
  const refused = answerBeforeBody(request.headers, deps.token);
  if (refused) return refused;

  let signals: AlertSignal[];
  if (route === 'alertmanager') {
    const parsed = parseAlertmanagerBody(request.body);
    if (!parsed.ok) return json(400, { error: parsed.error });
    signals = parsed.signals;
  } else {
    const parsed = parseSnsHttpBody(request.body);
    if (!parsed.ok) return json(400, { error: parsed.error });
    // Parsed above, so the body is a JSON object; checked before anything is done with it.
    const verdict = await deps.verifySns(JSON.parse(request.body) as Record<string, unknown>);
    if (!verdict.ok) return json(403, { error: `not accepted as an SNS message: ${verdict.reason}` });
    const message = parsed.value;
    if (message.kind === 'subscription-confirmation') {
      try {
        await (deps.confirmSubscription ?? visitSubscribeUrl)(message.subscribeUrl);
      } catch (error) {
        // SNS re-sends the confirmation request when it gets no 2xx, so the failure is worth a retry.
        return json(502, { error: `could not confirm the subscription: ${(error as Error).message}` });
      }
      return json(200, { confirmed: message.topicArn });
    }
    if (message.kind === 'unsubscribe-confirmation') return json(200, { results: [] });
    signals = message.signals;
  }

  const results: AlertResult[] = [];
  // In order, so one notification's incidents are numbered as its alerts are listed.
  for (const signal of signals) {
    try {
      results.push({ key: signal.key, ...(await deps.service.handle(signal)) });
    } catch (error) {
      if (!(error instanceof AlertBusyError)) throw error;
      // Signals handled before this one are recorded under ids the retry reproduces, so it adds
      // nothing twice.
      return json(503, { error: error.message, results }, { 'retry-after': String(RETRY_AFTER_SECONDS) });
    }
  }
  return json(200, { results });
}

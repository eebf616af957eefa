/**
 * Monitoring alerts in (product.md, "Alerts in"): the payloads CloudWatch (through SNS) and Prometheus
 * Alertmanager really send, validated with zod and reduced to one shape, AlertSignal, that the alert
 * handler turns into incidents and notes. Pure: no I/O, and no input makes these functions throw.
 *
 * Keys, which decide whether a firing opens an incident or adds a note to an open one:
 * - CloudWatch: `cloudwatch:<AWSAccountId>:<region code>:<AlarmName>`. The region code comes from
 *   AlarmArn (the alarm's `Region` field is a display name such as `EU (Ireland)`); without a usable
 *   AlarmArn the display name stands in, which is just as stable for a given alarm.
 * - Alertmanager: `alertmanager:<alertname>:{<label>="<value>",…}` over the alert's labels sorted by
 *   name, without `alertname` itself and without VOLATILE_LABELS. Not the groupKey: that names a
 *   notification group, which holds several distinct alerts and changes with the routing tree. Not the
 *   fingerprint: it hashes every label, so a rule that raises `severity` from warning to critical
 *   would open a second incident for the same problem. Keys longer than MAX_KEY_LENGTH become
 *   `alertmanager:sha256:<hex>` of the readable form so they fit a DynamoDB key.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Severity } from '../incidents/types';
import { clip } from '../slack/text';

export interface AlertSignal {
  source: 'cloudwatch' | 'alertmanager';
  /** Stable per alarm (see the module comment), so a repeat firing finds its open incident. */
  key: string;
  /** AlarmName / alertname, as sent. */
  name: string;
  state: 'firing' | 'ok';
  /** NewStateReason / annotations.description, else annotations.summary; at most MAX_REASON_LENGTH. */
  reason: string;
  /** ISO UTC: StateChangeTime, or startsAt (firing) / endsAt (resolved). */
  at: string;
  /** Incident title: `CloudWatch alarm: <AlarmName>` / annotations.summary; one line, ≤ MAX_TITLE_LENGTH. */
  title: string;
  /** From a `sev1`…`sev4` tag in the alarm description or name, or Alertmanager's `severity` label. */
  severity?: Severity;
  /** Console link to the alarm / generatorURL (else externalURL), when there is an http(s) one. */
  link?: string;
}

export type CloudWatchRequest =
  | { kind: 'subscription-confirmation'; subscribeUrl: string; topicArn: string }
  | { kind: 'unsubscribe-confirmation'; topicArn: string }
  | { kind: 'signals'; signals: AlertSignal[] };

type Failure = { ok: false; error: string };

export const MAX_TITLE_LENGTH = 200;
export const MAX_REASON_LENGTH = 2000;
export const MAX_KEY_LENGTH = 512;

/**
 * Labels left out of Alertmanager keys: `severity` because warning and critical rules for one problem
 * share an alertname and should share an incident; the replica labels because an HA pair of
 * Prometheus servers sends the same alert from each replica.
 */
export const VOLATILE_LABELS: ReadonlySet<string> = new Set([
  'severity',
  'prometheus_replica',
  'replica',
  '__replica__',
]);

/** Alertmanager `severity` label values (lower-cased) → incident severity; others mean "default". */
const LABEL_SEVERITIES: Readonly<Record<string, Severity>> = {
  critical: 'sev1',
  page: 'sev1',
  p1: 'sev1',
  sev1: 'sev1',
  error: 'sev2',
  high: 'sev2',
  major: 'sev2',
  p2: 'sev2',
  sev2: 'sev2',
  warning: 'sev3',
  warn: 'sev3',
  medium: 'sev3',
  minor: 'sev3',
  p3: 'sev3',
  sev3: 'sev3',
  info: 'sev4',
  low: 'sev4',
  p4: 'sev4',
  sev4: 'sev4',
};

/** `sev1`, `SEV-2`, `[sev 3]`, `api_sev4`; not `sev12` or `mysev1`, which are other words. */
const SEVERITY_TAG = /(?<![a-z0-9])sev[-_ ]?([1-4])(?![0-9])/i;

export function severityFromLabel(value: string | undefined): Severity | undefined {
  return value === undefined ? undefined : LABEL_SEVERITIES[value.trim().toLowerCase()];
}

export function severityFromTag(text: string | null | undefined): Severity | undefined {
  const match = text ? SEVERITY_TAG.exec(text) : null;
  return match ? (`sev${match[1]}` as Severity) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Validation helpers

/** Error text for a field: "is missing" when absent, else what was expected. */
function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is missing' : `expected ${what}`);
}

function text(what = 'a non-empty string') {
  return z.string({ error: expected(what) }).min(1, { error: expected(what) });
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * RFC 3339 → ISO UTC with milliseconds. Checked by hand because CloudWatch writes `+0000` (no colon),
 * Alertmanager writes nanoseconds, and Date.parse rolls `02-30` over into March instead of refusing it.
 */
export function normalizeTime(value: string): string | undefined {
  const match = RFC3339.exec(value.trim());
  if (!match) return undefined;
  const part = (index: number) => Number(match[index] ?? 0);
  const [year, month, day, hour, minute, second] = [part(1), part(2), part(3), part(4), part(5), part(6)];
  const local = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are.
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, Number((match[7] ?? '').padEnd(3, '0').slice(0, 3)));
  const rolledOver =
    local.getUTCFullYear() !== year ||
    local.getUTCMonth() !== month - 1 ||
    local.getUTCDate() !== day ||
    local.getUTCHours() !== hour ||
    local.getUTCMinutes() !== minute ||
    local.getUTCSeconds() !== second;
  if (rolledOver || part(10) > 23 || part(11) > 59) return undefined;
  const offsetMinutes = (match[9] === '-' ? -1 : 1) * (part(10) * 60 + part(11));
  return new Date(local.getTime() - offsetMinutes * 60_000).toISOString();
}

const isoTime = z.string({ error: expected('an ISO-8601 time') }).transform((value, ctx) => {
  const normalized = normalizeTime(value);
  if (normalized === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 time' });
    return z.NEVER;
  }
  return normalized;
});

/**
 * `Records[0].Sns.Message.NewStateValue`: the issue's path under `base`, the field that held the
 * value parsed; `whole` names the value itself when both are empty.
 */
function formatPath(base: string, path: readonly PropertyKey[], whole: string): string {
  let out = base;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || whole;
}

/** The first problem, as one sentence naming its field. */
function failure(base: string, error: z.ZodError, whole = 'body'): Failure {
  const issue = error.issues[0];
  if (!issue) return { ok: false, error: `${base || whole}: is invalid` };
  return { ok: false, error: `${formatPath(base, issue.path, whole)}: ${issue.message}` };
}

function parseJson(textValue: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(textValue) as unknown };
  } catch {
    return { ok: false };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line: alert summaries are often templated over several lines. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function httpUrl(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// CloudWatch alarms

const alarmSchema = z.object(
  {
    AlarmName: text('the alarm name'),
    AlarmDescription: z.string({ error: expected('a string or null') }).nullish(),
    AWSAccountId: text('the AWS account id'),
    NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA'], {
      error: expected('ALARM, OK or INSUFFICIENT_DATA'),
    }),
    NewStateReason: z.string({ error: expected('a string') }),
    StateChangeTime: isoTime,
    Region: text('the region name'),
    AlarmArn: z.string({ error: expected('a string') }).optional(),
  },
  { error: expected('a JSON object') },
);

type Alarm = z.infer<typeof alarmSchema>;

const ALARM_ARN = /^arn:([a-z-]+):cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d+):\d{12}:alarm:/;

/** Console hosts per partition; regions in other partitions get no link rather than a wrong one. */
const CONSOLES: Readonly<Record<string, (region: string) => string>> = {
  aws: (region) => `https://${region}.console.aws.amazon.com`,
  'aws-cn': (region) => `https://${region}.console.amazonaws.cn`,
  'aws-us-gov': () => 'https://console.amazonaws-us-gov.com',
};

function alarmSignal(alarm: Alarm): AlertSignal | undefined {
  // Neither failing nor recovered: nothing a responder should hear about.
  if (alarm.NewStateValue === 'INSUFFICIENT_DATA') return undefined;
  const arn = ALARM_ARN.exec(alarm.AlarmArn ?? '');
  const partition = arn?.[1];
  const region = arn?.[2] ?? alarm.Region;
  const consoleHost = partition ? CONSOLES[partition] : undefined;
  const severity = severityFromTag(alarm.AlarmDescription) ?? severityFromTag(alarm.AlarmName);
  const signal: AlertSignal = {
    source: 'cloudwatch',
    key: `cloudwatch:${alarm.AWSAccountId}:${region}:${alarm.AlarmName}`,
    name: alarm.AlarmName,
    state: alarm.NewStateValue === 'ALARM' ? 'firing' : 'ok',
    reason: clip(
      alarm.NewStateReason.trim() || `${alarm.AlarmName} is ${alarm.NewStateValue}`,
      MAX_REASON_LENGTH,
    ),
    at: alarm.StateChangeTime,
    title: clip(oneLine(`CloudWatch alarm: ${alarm.AlarmName}`), MAX_TITLE_LENGTH),
  };
  if (severity) signal.severity = severity;
  if (consoleHost) {
    signal.link = `${consoleHost(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}`;
  }
  return signal;
}

/** The alarm JSON that SNS carries as a string in `Message`; `base` is that field's path. */
function alarmSignals(message: string, base: string): { ok: true; signals: AlertSignal[] } | Failure {
  const json = parseJson(message);
  if (!json.ok) return { ok: false, error: `${base}: is not JSON (expected a CloudWatch alarm)` };
  return alarmObjectSignals(json.value, base);
}

function alarmObjectSignals(value: unknown, base: string): { ok: true; signals: AlertSignal[] } | Failure {
  const alarm = alarmSchema.safeParse(value);
  if (!alarm.success) return failure(base, alarm.error);
  const signal = alarmSignal(alarm.data);
  return { ok: true, signals: signal ? [signal] : [] };
}

// ---------------------------------------------------------------------------------------------------
// SNS over HTTP(S)

const SNS_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;

const envelopeSchema = z.object({
  Type: z.enum(SNS_TYPES, {
    error: expected('Notification, SubscriptionConfirmation or UnsubscribeConfirmation'),
  }),
  TopicArn: text('the topic ARN'),
});

const notificationSchema = z.object({ Message: z.string({ error: expected('a string') }) });

const subscriptionSchema = z.object({
  SubscribeURL: text('the https URL that confirms the subscription'),
});

/**
 * SNS's own endpoints only (`sns.<region>.amazonaws.com`, `.com.cn` in China): the handler fetches
 * this URL, so anything wider would let whoever can post here make the bot request a URL of their
 * choosing, including buckets and APIs of their own under amazonaws.com.
 */
const SNS_HOST = /^sns(?:-fips)?\.[a-z]{2}(?:-[a-z]+)+-\d+\.amazonaws\.com(?:\.cn)?$/;

export function isSnsUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    url.protocol === 'https:' &&
    url.port === '' &&
    url.username === '' &&
    url.password === '' &&
    SNS_HOST.test(url.hostname)
  );
}

/**
 * The JSON SNS POSTs to an HTTP(S) subscriber (sent as text/plain, so read the raw body). With raw
 * message delivery enabled the body is the alarm itself, without the envelope; that is accepted too.
 */
export function parseSnsHttpBody(body: string): { ok: true; value: CloudWatchRequest } | Failure {
  const json = parseJson(body);
  if (!json.ok) return { ok: false, error: 'body is not JSON' };
  if (!isObject(json.value)) return { ok: false, error: 'body: expected a JSON object' };
  if (!('Type' in json.value) && 'AlarmName' in json.value) {
    const raw = alarmObjectSignals(json.value, '');
    return raw.ok ? { ok: true, value: { kind: 'signals', signals: raw.signals } } : raw;
  }
  const envelope = envelopeSchema.safeParse(json.value);
  if (!envelope.success) return failure('', envelope.error);
  const { Type: type, TopicArn: topicArn } = envelope.data;
  if (type === 'Notification') {
    const notification = notificationSchema.safeParse(json.value);
    if (!notification.success) return failure('', notification.error);
    const result = alarmSignals(notification.data.Message, 'Message');
    return result.ok ? { ok: true, value: { kind: 'signals', signals: result.signals } } : result;
  }
  if (type === 'UnsubscribeConfirmation') {
    return { ok: true, value: { kind: 'unsubscribe-confirmation', topicArn } };
  }
  const subscription = subscriptionSchema.safeParse(json.value);
  if (!subscription.success) return failure('', subscription.error);
  const subscribeUrl = subscription.data.SubscribeURL;
  if (!isSnsUrl(subscribeUrl)) {
    return { ok: false, error: 'SubscribeURL: expected an https URL on sns.<region>.amazonaws.com' };
  }
  return { ok: true, value: { kind: 'subscription-confirmation', subscribeUrl, topicArn } };
}

// ---------------------------------------------------------------------------------------------------
// SNS invoking a Lambda function directly

const lambdaEventSchema = z.object(
  {
    Records: z
      .array(
        z.object(
          {
            EventSource: z.literal('aws:sns', { error: expected('aws:sns') }),
            Sns: z.object(
              { Message: z.string({ error: expected('a string') }) },
              { error: expected('an object') },
            ),
          },
          { error: expected('an object') },
        ),
        { error: expected('an array of SNS records') },
      )
      .min(1, { error: expected('at least one record') }),
  },
  { error: expected('an SNS event object') },
);

/** The SNSEvent a Lambda function receives when the alarm's topic invokes it (Records[].Sns.Message). */
export function parseSnsLambdaEvent(event: unknown): { ok: true; signals: AlertSignal[] } | Failure {
  const parsed = lambdaEventSchema.safeParse(event);
  if (!parsed.success) return failure('', parsed.error, 'event');
  const signals: AlertSignal[] = [];
  for (const [index, record] of parsed.data.Records.entries()) {
    const result = alarmSignals(record.Sns.Message, `Records[${index}].Sns.Message`);
    if (!result.ok) return result;
    signals.push(...result.signals);
  }
  return { ok: true, signals };
}

// ---------------------------------------------------------------------------------------------------
// Alertmanager webhook, payload version 4

const labelValue = z.string({ error: expected('a string') });

const alertSchema = z
  .object(
    {
      status: z.enum(['firing', 'resolved'], { error: expected('firing or resolved') }),
      labels: z
        .object({ alertname: text('the alert name') }, { error: expected('an object of labels') })
        .catchall(labelValue),
      annotations: z
        .record(z.string(), labelValue, { error: expected('an object of annotations') })
        .default({}),
      startsAt: isoTime,
      // Firing alerts carry Go's zero time (0001-01-01T00:00:00Z) here; it parses and goes unused.
      endsAt: isoTime.optional(),
      generatorURL: z.string({ error: expected('a string') }).optional(),
    },
    { error: expected('an object') },
  )
  .superRefine((alert, ctx) => {
    if (alert.status === 'resolved' && alert.endsAt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'is missing (a resolved alert needs it)' });
    }
  });

const alertmanagerSchema = z.object(
  {
    version: z.literal('4', { error: expected('"4", the Alertmanager webhook payload version supported') }),
    externalURL: z.string({ error: expected('a string') }).optional(),
    alerts: z
      .array(alertSchema, { error: expected('an array of alerts') })
      // Alertmanager never notifies with no alerts; an empty list means a sender is misconfigured.
      .min(1, { error: expected('at least one alert') }),
  },
  { error: expected('a JSON object') },
);

type Alert = z.infer<typeof alertSchema>;

function quoteLabelName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

/** See the module comment. Sorted by code unit, not locale, so every runtime builds the same key. */
export function alertmanagerKey(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .filter((name) => name !== 'alertname' && !VOLATILE_LABELS.has(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${quoteLabelName(name)}=${JSON.stringify(labels[name])}`);
  const readable = `alertmanager:${labels.alertname ?? ''}:{${pairs.join(',')}}`;
  if (readable.length <= MAX_KEY_LENGTH) return readable;
  return `alertmanager:sha256:${createHash('sha256').update(readable).digest('hex')}`;
}

function alertSignal(alert: Alert, externalURL: string | undefined): AlertSignal {
  const name = alert.labels.alertname;
  const firing = alert.status === 'firing';
  const summary = alert.annotations.summary?.trim();
  const description = alert.annotations.description?.trim();
  const signal: AlertSignal = {
    source: 'alertmanager',
    key: alertmanagerKey(alert.labels),
    name,
    state: firing ? 'firing' : 'ok',
    reason: clip(description || summary || `${name} is ${alert.status}`, MAX_REASON_LENGTH),
    // endsAt is present for resolved alerts: the schema refuses them without it.
    at: firing ? alert.startsAt : (alert.endsAt as string),
    title: clip(oneLine(summary || `Alertmanager alert: ${name}`), MAX_TITLE_LENGTH),
  };
  const severity = severityFromLabel(alert.labels.severity);
  if (severity) signal.severity = severity;
  const link = httpUrl(alert.generatorURL) ?? httpUrl(externalURL);
  if (link) signal.link = link;
  return signal;
}

/**
 * An Alertmanager webhook notification: one signal per alert, each by its own status (a firing group
 * can carry resolved alerts). Alerts beyond the receiver's max_alerts are counted in truncatedAlerts
 * but not sent, so they cannot be reported here.
 */
export function parseAlertmanagerBody(body: string): { ok: true; signals: AlertSignal[] } | Failure {
  const json = parseJson(body);
  if (!json.ok) return { ok: false, error: 'body is not JSON' };
  const parsed = alertmanagerSchema.safeParse(json.value);
  if (!parsed.success) return failure('', parsed.error);
  const { alerts, externalURL } = parsed.data;
  return { ok: true, signals: alerts.map((alert) => alertSignal(alert, externalURL)) };
}

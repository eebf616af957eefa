/**
 * Monitoring alerts in (docs/architecture.md, "Alerts → alert service"): the payloads CloudWatch (through SNS) and Prometheus
 * Alertmanager really send, validated with zod and reduced to one shape, AlertSignal, that the alert
 * handler turns into incidents and notes. Pure: no I/O, and no input makes these functions throw.
 *
 * Keys, which decide whether a firing opens an incident or adds a note to an open one:
 * - CloudWatch: `cloudwatch:<AWSAccountId>:<region code>:<AlarmName>`. The region code comes from
 *   AlarmArn (the alarm's `Region` field is a display name such as `EU (Ireland)`); without a usable
 *   AlarmArn the display name stands in, which is just as stable for a given alarm.
 * - Alertmanager: `alertmanager-group:<groupKey>`, one incident per notification group. Alertmanager
 *   builds groupKey from the route and the group's label values, so both members of an HA pair send
 *   the same one (their externalURL differs and is left out). The group's alerts travel with the
 *   signal (`group.alerts`), each to become a timeline event under an id from groupKey, its
 *   fingerprint (else its labels), its status and its startsAt/endsAt.
 * - An Alertmanager alert outside any group (a body without groupKey, or an alert that does not carry
 *   its group's labels) is a group of its own, keyed as before grouping:
 *   `alertmanager:<alertname>:{<label>="<value>",…}` over its labels sorted by name, without
 *   `alertname` itself and without VOLATILE_LABELS (a rule raising `severity` keeps its incident).
 * Keys longer than MAX_KEY_LENGTH are hashed (`…:sha256:<hex>`) so they fit a DynamoDB key.
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
  /** `no-data`: a CloudWatch alarm in INSUFFICIENT_DATA, neither failing nor recovered. */
  state: 'firing' | 'ok' | 'no-data';
  /** NewStateReason / annotations.description, else annotations.summary; at most MAX_REASON_LENGTH. */
  reason: string;
  /** ISO UTC: StateChangeTime, or startsAt (firing) / endsAt (resolved). */
  at: string;
  /**
   * Incident title, one line, ≤ MAX_TITLE_LENGTH: `CloudWatch alarm: <AlarmName> (<what> <op> <threshold>)`
   * (the metric, or a metric-math expression's label), `CloudWatch composite alarm: <AlarmName>
   * (<children that triggered it>)`, or the Alertmanager group's summary.
   */
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
    // What the alarm watches, only ever read to word titles and reasons: read leniently (see
    // readTrigger, childNames), so an odd field never costs the alarm.
    Trigger: z.unknown().optional(),
    AlarmRule: z.unknown().optional(),
    TriggeringChildren: z.unknown().optional(),
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

const COMPARISONS: Readonly<Record<string, string>> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
  GreaterThanUpperThreshold: 'above its band',
  LessThanLowerThreshold: 'below its band',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside its band',
};

const ALARM_ARN_ANYWHERE = /arn:[a-z-]+:cloudwatch:[a-z0-9-]+:\d{12}:alarm:([^\s,;)"]+)/g;

/**
 * What a metric alarm compares, as `5XXError > 0.05`: the metric's name, or for metric math the
 * label (else the expression) of the query that returns data; anomaly bands read "outside its band".
 * Undefined when the trigger says too little to word it.
 */
function condition(trigger: unknown): string | undefined {
  if (!isObject(trigger)) return undefined;
  const op =
    typeof trigger.ComparisonOperator === 'string' ? COMPARISONS[trigger.ComparisonOperator] : undefined;
  let what = typeof trigger.MetricName === 'string' ? trigger.MetricName.trim() : '';
  if (Array.isArray(trigger.Metrics)) {
    const queries = trigger.Metrics.filter(isObject);
    const returned = queries.find((query) => query.ReturnData === true) ?? queries[0];
    const band = queries.find((query) => query.Id === trigger.ThresholdMetricId);
    const chosen = returned === band ? queries.find((query) => query !== band) : returned;
    const label = [chosen?.Label, chosen?.Expression, chosen?.Id].find(
      (value): value is string => typeof value === 'string' && value.trim() !== '',
    );
    what = label?.trim() ?? what;
  }
  if (!what || !op) return what || undefined;
  if (op.includes('band')) return `${what} ${op}`;
  return typeof trigger.Threshold === 'number' ? `${what} ${op} ${trigger.Threshold}` : what;
}

/** A composite alarm's children that put it in its state, by name (TriggeringChildren's ARNs). */
function childNames(children: unknown): string[] {
  if (!Array.isArray(children)) return [];
  return children.flatMap((child) => {
    if (!isObject(child) || typeof child.Arn !== 'string') return [];
    const name = /:alarm:(.+)$/.exec(child.Arn)?.[1];
    return name ? [name] : [];
  });
}

function alarmSignal(alarm: Alarm): AlertSignal {
  const arn = ALARM_ARN.exec(alarm.AlarmArn ?? '');
  const partition = arn?.[1];
  const region = arn?.[2] ?? alarm.Region;
  const consoleHost = partition ? CONSOLES[partition] : undefined;
  const severity = severityFromTag(alarm.AlarmDescription) ?? severityFromTag(alarm.AlarmName);
  const composite = typeof alarm.AlarmRule === 'string' && alarm.AlarmRule.trim() !== '';
  // A composite alarm's reason names its children by ARN; their names are what people know.
  let reason = alarm.NewStateReason.trim().replace(ALARM_ARN_ANYWHERE, (_, name: string) => name);
  if (composite)
    reason = `${reason || `${alarm.AlarmName} is ${alarm.NewStateValue}`} (rule: ${String(alarm.AlarmRule).trim()})`;
  const detail = composite ? childNames(alarm.TriggeringChildren).join(', ') : condition(alarm.Trigger);
  const title = `CloudWatch ${composite ? 'composite alarm' : 'alarm'}: ${alarm.AlarmName}${detail ? ` (${detail})` : ''}`;
  const signal: AlertSignal = {
    source: 'cloudwatch',
    key: `cloudwatch:${alarm.AWSAccountId}:${region}:${alarm.AlarmName}`,
    name: alarm.AlarmName,
    state: alarm.NewStateValue === 'ALARM' ? 'firing' : alarm.NewStateValue === 'OK' ? 'ok' : 'no-data',
    reason: clip(reason || `${alarm.AlarmName} is ${alarm.NewStateValue}`, MAX_REASON_LENGTH),
    at: alarm.StateChangeTime,
    title: clip(oneLine(title), MAX_TITLE_LENGTH),
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
  return { ok: true, signals: [alarmSignal(alarm.data)] };
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
//
// One notification is one group (`groupKey`); the group is the unit that opens an incident. Only the
// envelope is validated strictly (a JSON object with `version: "4"` and a non-empty `alerts` array);
// each alert is read leniently, so one odd alert (no alertname, a number as a label, a bad time) never
// costs the others: Alertmanager retries only 5xx, so a 400 would lose the whole group.

/** One alert of a group, as its timeline event on the group's incident. */
export interface GroupAlert {
  /** Who the alert is within the group: its fingerprint, else the key of its labels. */
  id: string;
  /** alertname, or the fallback name of an alert without one. */
  name: string;
  state: 'firing' | 'ok';
  /** ISO UTC: startsAt (firing) / endsAt (resolved); absent when the alert gave no readable time. */
  at?: string;
  /** The event text: name, state, distinguishing labels, summary, description, generatorURL. */
  text: string;
}

export const UNNAMED_ALERT = 'unnamed alert';
const GO_ZERO_YEAR = 1970;

/** Fields a group signal carries besides AlertSignal's own. */
export interface AlertGroupFields {
  /** The notification's groupKey, or the alert's labels key for an alert outside any group. */
  groupKey: string;
  alerts: GroupAlert[];
  /** Alerts Alertmanager left out of the notification (its max_alerts), when more than 0. */
  truncatedAlerts?: number;
}

export type AlertGroupSignal = AlertSignal & { group: AlertGroupFields };

export function isGroupSignal(signal: AlertSignal): signal is AlertGroupSignal {
  return (signal as Partial<AlertGroupSignal>).group !== undefined;
}

const envelopeV4Schema = z.object(
  {
    version: z.union([z.literal('4'), z.literal(4)], {
      error: (issue) =>
        issue.input === undefined
          ? 'is missing'
          : String(issue.input) === '3'
            ? 'Alertmanager webhook payload version 3 is not supported; expected "4" (Alertmanager 0.14 or later)'
            : 'expected "4", the Alertmanager webhook payload version supported',
    }),
    alerts: z
      .array(z.unknown(), { error: expected('an array of alerts') })
      // Alertmanager never notifies with no alerts; an empty list means a sender is misconfigured.
      .min(1, { error: expected('at least one alert') }),
  },
  { error: expected('a JSON object') },
);

function quoteLabelName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : JSON.stringify(name);
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The key of one alert outside any group (a body without groupKey, or an alert that does not carry
 * its group's labels): see the module comment. Sorted by code unit, not locale, so every runtime
 * builds the same key.
 */
export function alertmanagerKey(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(labels)
    .filter((name) => name !== 'alertname' && !VOLATILE_LABELS.has(name))
    .sort(byCodeUnit)
    .map((name) => `${quoteLabelName(name)}=${JSON.stringify(labels[name])}`);
  const readable = `alertmanager:${labels.alertname ?? ''}:{${pairs.join(',')}}`;
  if (readable.length <= MAX_KEY_LENGTH) return readable;
  return `alertmanager:sha256:${createHash('sha256').update(readable).digest('hex')}`;
}

/**
 * The key of a notification group: its groupKey, which Alertmanager builds from the route and the
 * group's label values, the same on both members of an HA pair (externalURL differs, and is left out).
 */
export function alertmanagerGroupKey(groupKey: string): string {
  const readable = `alertmanager-group:${groupKey}`;
  if (readable.length <= MAX_KEY_LENGTH) return readable;
  return `alertmanager-group:sha256:${createHash('sha256').update(groupKey).digest('hex')}`;
}

/** String-valued entries of an object; anything else is dropped (an alert is never refused for it). */
function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'string') out[name] = item;
    else if (typeof item === 'number' || typeof item === 'boolean') out[name] = String(item);
  }
  return out;
}

/** `a="1", b="2"`, sorted by name. */
function labelText(labels: Readonly<Record<string, string>>, names?: readonly string[]): string {
  return (names ?? Object.keys(labels))
    .slice()
    .sort(byCodeUnit)
    .map((name) => `${name}=${labels[name]}`)
    .join(', ');
}

/** A time Alertmanager sent, or undefined for none, a bad one, or Go's zero time (0001-01-01). */
function alertTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const time = normalizeTime(value);
  return time && Number(time.slice(0, 4)) >= GO_ZERO_YEAR ? time : undefined;
}

interface ReadAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  name: string;
  state: 'firing' | 'ok';
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
}

function readAlert(value: unknown, groupState: 'firing' | 'ok'): ReadAlert {
  const alert = isObject(value) ? value : {};
  const labels = stringRecord(alert.labels);
  const annotations = stringRecord(alert.annotations);
  const alertname = labels.alertname?.trim();
  const rest = labelText(Object.fromEntries(Object.entries(labels).filter(([name]) => name !== 'alertname')));
  const name = alertname || (rest ? `${UNNAMED_ALERT} {${rest}}` : UNNAMED_ALERT);
  const state = alert.status === 'resolved' ? 'ok' : alert.status === 'firing' ? 'firing' : groupState;
  const read: ReadAlert = { labels, annotations, name: clip(oneLine(name), MAX_TITLE_LENGTH), state };
  const startsAt = alertTime(alert.startsAt);
  const endsAt = alertTime(alert.endsAt);
  if (startsAt) read.startsAt = startsAt;
  if (endsAt) read.endsAt = endsAt;
  const link = httpUrl(typeof alert.generatorURL === 'string' ? alert.generatorURL : undefined);
  if (link) read.generatorURL = link;
  if (typeof alert.fingerprint === 'string' && alert.fingerprint) read.fingerprint = alert.fingerprint;
  return read;
}

/**
 * The alert's timeline text: `Alert HighLatency firing [instance=10.0.0.7:9100, job=node]: summary —
 * description — generatorURL`. The labels named are those that tell it apart from the rest of its
 * group (not in commonLabels); when none do (a group of one), those beyond the group's own labels.
 */
function alertText(
  alert: ReadAlert,
  common: Readonly<Record<string, string>>,
  groupLabels: Readonly<Record<string, string>>,
): string {
  const own = (skip: Readonly<Record<string, string>>) =>
    Object.keys(alert.labels).filter((name) => name !== 'alertname' && skip[name] !== alert.labels[name]);
  let names = own(common);
  if (names.length === 0) names = own(groupLabels);
  const labels = names.length > 0 ? ` [${labelText(alert.labels, names)}]` : '';
  const state = alert.state === 'firing' ? 'firing' : 'resolved';
  const parts = [
    alert.annotations.summary?.trim(),
    alert.annotations.description?.trim(),
    alert.generatorURL,
  ].filter((part): part is string => Boolean(part));
  return clip(
    `Alert ${alert.name} ${state}${labels}${parts.length > 0 ? `: ${parts.join(' — ')}` : ''}`,
    MAX_REASON_LENGTH,
  );
}

function mostSevere(alerts: readonly ReadAlert[]): Severity | undefined {
  const found = alerts
    .map((alert) => severityFromLabel(alert.labels.severity))
    .filter((severity): severity is Severity => severity !== undefined)
    .sort();
  return found[0];
}

function earliest(times: readonly (string | undefined)[]): string | undefined {
  return times.filter((time): time is string => time !== undefined).sort()[0];
}

function latest(times: readonly (string | undefined)[]): string | undefined {
  return times
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);
}

interface GroupInput {
  key: string;
  groupKey: string;
  /** The group's labels as text (`alertname=HighLatency, service=api`). */
  label: string;
  alerts: ReadAlert[];
  common: Record<string, string>;
  groupLabels: Record<string, string>;
  truncatedAlerts: number;
  externalURL?: string;
}

function groupSignal(input: GroupInput): AlertGroupSignal {
  const { alerts, truncatedAlerts } = input;
  const firing = alerts.filter((alert) => alert.state === 'firing');
  // Firing while any of its alerts fires, whatever the notification's status says.
  const state = firing.length > 0 ? 'firing' : 'ok';
  const count = alerts.length + truncatedAlerts;
  const only = alerts.length === 1 && truncatedAlerts === 0 ? alerts[0] : undefined;
  const summary = only?.annotations.summary?.trim();
  const title = summary
    ? `${summary} (${input.label})`
    : `${input.label} (${count} ${count === 1 ? 'alert' : 'alerts'})`;
  const description = only ? only.annotations.description?.trim() || summary : undefined;
  const reason =
    description ||
    (state === 'firing'
      ? `${firing.length} of ${count} ${count === 1 ? 'alert' : 'alerts'} firing`
      : `${count === 1 ? 'the alert' : `all ${count} alerts`} resolved`);
  const at =
    state === 'firing'
      ? earliest(firing.map((alert) => alert.startsAt))
      : latest(alerts.map((alert) => alert.endsAt));
  const signal: AlertGroupSignal = {
    source: 'alertmanager',
    key: input.key,
    name: input.label,
    state,
    reason: clip(reason, MAX_REASON_LENGTH),
    at: at ?? '',
    title: clip(oneLine(title), MAX_TITLE_LENGTH),
    group: {
      groupKey: input.groupKey,
      alerts: alerts.map((alert) => {
        const item: GroupAlert = {
          id: alert.fingerprint ?? alertmanagerKey({ ...alert.labels, alertname: alert.name }),
          name: alert.name,
          state: alert.state,
          text: alertText(alert, input.common, input.groupLabels),
        };
        const time = alert.state === 'firing' ? alert.startsAt : alert.endsAt;
        if (time) item.at = time;
        return item;
      }),
    },
  };
  if (truncatedAlerts > 0) signal.group.truncatedAlerts = truncatedAlerts;
  const severity = mostSevere(state === 'firing' ? firing : alerts);
  if (severity) signal.severity = severity;
  const link = (only ? only.generatorURL : undefined) ?? httpUrl(input.externalURL);
  if (link) signal.link = link;
  return signal;
}

/**
 * An Alertmanager webhook notification: one signal for its group (groupKey), whose alerts are each
 * read by their own status (a firing group can carry resolved alerts). An alert that does not carry
 * the group's labels (Alertmanager never sends one; a hand-made or merged body can) and every alert
 * of a body without groupKey are groups of their own, keyed by their labels as before grouping.
 */
export function parseAlertmanagerBody(body: string): { ok: true; signals: AlertGroupSignal[] } | Failure {
  const json = parseJson(body);
  if (!json.ok) return { ok: false, error: 'body is not JSON' };
  const envelope = envelopeV4Schema.safeParse(json.value);
  if (!envelope.success) return failure('', envelope.error);
  const raw = json.value as Record<string, unknown>;
  const groupState = raw.status === 'resolved' ? 'ok' : 'firing';
  const alerts = envelope.data.alerts.map((alert) => readAlert(alert, groupState));
  const groupLabels = stringRecord(raw.groupLabels);
  const common = stringRecord(raw.commonLabels);
  const externalURL = typeof raw.externalURL === 'string' ? raw.externalURL : undefined;
  const truncated = Number(raw.truncatedAlerts);
  const truncatedAlerts = Number.isSafeInteger(truncated) && truncated > 0 ? truncated : 0;
  const groupKey = typeof raw.groupKey === 'string' && raw.groupKey ? raw.groupKey : undefined;
  const inGroup = (alert: ReadAlert) =>
    groupKey !== undefined &&
    Object.entries(groupLabels).every(([name, value]) => alert.labels[name] === value);

  const signals: AlertGroupSignal[] = [];
  const members = alerts.filter(inGroup);
  if (groupKey !== undefined && members.length > 0) {
    const label =
      labelText(groupLabels) ||
      `all alerts of ${typeof raw.receiver === 'string' ? raw.receiver : 'the receiver'}`;
    const input: GroupInput = {
      key: alertmanagerGroupKey(groupKey),
      groupKey,
      label: clip(oneLine(label), MAX_TITLE_LENGTH),
      alerts: members,
      common,
      groupLabels,
      truncatedAlerts,
    };
    if (externalURL) input.externalURL = externalURL;
    signals.push(groupSignal(input));
  }
  for (const alert of alerts.filter((alert) => !inGroup(alert))) {
    const key = alertmanagerKey({ ...alert.labels, alertname: alert.labels.alertname ?? '' });
    const input: GroupInput = {
      key,
      groupKey: key,
      label: clip(oneLine(`alertname=${alert.name}`), MAX_TITLE_LENGTH),
      alerts: [alert],
      common: alert.labels,
      groupLabels: { alertname: alert.labels.alertname ?? '' },
      truncatedAlerts: 0,
    };
    if (externalURL) input.externalURL = externalURL;
    signals.push(groupSignal(input));
  }
  return { ok: true, signals };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import fc from 'fast-check';
import {
  type AlertGroupSignal,
  type AlertSignal,
  alertmanagerKey,
  isSnsUrl,
  MAX_KEY_LENGTH,
  MAX_TITLE_LENGTH,
  normalizeTime,
  parseAlertmanagerBody,
  parseSnsHttpBody,
  parseSnsLambdaEvent,
  severityFromLabel,
  severityFromTag,
} from '../../lambda/alerts/payloads';
import snsLambdaEvent from '../fixtures/alerts/sns-lambda-event.json';

/** The raw bytes, as the route receives them. */
function fixture(name: string): string {
  return readFileSync(join(__dirname, '../fixtures/alerts', name), 'utf8');
}

function json(name: string): Record<string, unknown> {
  return JSON.parse(fixture(name)) as Record<string, unknown>;
}

/** The SNS envelope of the ALARM fixture around a different alarm message. */
function snsWith(alarm: Record<string, unknown>): string {
  return JSON.stringify({ ...json('cloudwatch-alarm-sns.json'), Message: JSON.stringify(alarm) });
}

function fixtureAlarm(): Record<string, unknown> {
  return JSON.parse(json('cloudwatch-alarm-sns.json').Message as string) as Record<string, unknown>;
}

function signalsOf(result: ReturnType<typeof parseSnsHttpBody>): AlertSignal[] {
  if (!result.ok) throw new Error(`expected signals, got error: ${result.error}`);
  if (result.value.kind !== 'signals') throw new Error(`expected signals, got ${result.value.kind}`);
  return result.value.signals;
}

function errorOf(result: { ok: true } | { ok: false; error: string }): string {
  if (result.ok) throw new Error('expected a failure, got success');
  return result.error;
}

function alertmanagerSignals(body: string): AlertGroupSignal[] {
  const result = parseAlertmanagerBody(body);
  if (!result.ok) throw new Error(`expected signals, got error: ${result.error}`);
  return result.signals;
}

/** A firing Alertmanager payload holding one alert with these labels and annotations. */
function alertmanagerWith(alert: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  const payload = json('alertmanager-firing.json');
  const [first] = payload.alerts as Record<string, unknown>[];
  return JSON.stringify({ ...payload, ...top, alerts: [{ ...first, ...alert }] });
}

const CHECKOUT_KEY = 'cloudwatch:123456789012:eu-west-1:checkout-api-5xx-rate';

describe('parseSnsHttpBody', () => {
  it('turns an ALARM notification into one firing signal', () => {
    // prepare
    const body = fixture('cloudwatch-alarm-sns.json');

    // act
    const signals = signalsOf(parseSnsHttpBody(body));

    // assess
    expect(signals).toEqual([
      {
        source: 'cloudwatch',
        key: CHECKOUT_KEY,
        name: 'checkout-api-5xx-rate',
        state: 'firing',
        reason:
          'Threshold Crossed: 2 out of the last 3 datapoints [0.0741 (18/02/24 15:28:00), 0.0698 (18/02/24 15:27:00)] were greater than the threshold (0.05) (minimum 2 datapoints for OK -> ALARM transition).',
        at: '2024-02-18T15:29:42.310Z',
        title: 'CloudWatch alarm: checkout-api-5xx-rate (5XXError > 0.05)',
        severity: 'sev2',
        link: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-api-5xx-rate',
      },
    ]);
  });

  it('turns an OK notification into an ok signal with the same key', () => {
    // prepare
    const firing = signalsOf(parseSnsHttpBody(fixture('cloudwatch-alarm-sns.json')));

    // act
    const ok = signalsOf(parseSnsHttpBody(fixture('cloudwatch-ok-sns.json')));

    // assess
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ key: firing[0]?.key, state: 'ok', at: '2024-02-18T16:06:12.904Z' });
    expect(ok[0]?.reason).toMatch(/^Threshold Crossed: 1 out of the last 3 datapoints/);
  });

  it('gives a repeat firing of the same alarm the same key', () => {
    // prepare
    const repeat = {
      ...fixtureAlarm(),
      NewStateReason:
        'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (0.05).',
      StateChangeTime: '2024-02-18T17:45:00.001+0000',
      OldStateValue: 'OK',
    };

    // act
    const first = signalsOf(parseSnsHttpBody(fixture('cloudwatch-alarm-sns.json')));
    const second = signalsOf(parseSnsHttpBody(snsWith(repeat)));

    // assess
    expect(second[0]?.key).toBe(first[0]?.key);
    expect(second[0]?.at).toBe('2024-02-18T17:45:00.001Z');
  });

  it('keeps alarms of the same name in other accounts or regions apart', () => {
    // prepare
    const otherRegion = {
      ...fixtureAlarm(),
      Region: 'US East (N. Virginia)',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-api-5xx-rate',
    };
    const otherAccount = {
      ...fixtureAlarm(),
      AWSAccountId: '999999999999',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:999999999999:alarm:checkout-api-5xx-rate',
    };

    // act
    const keys = [otherRegion, otherAccount].map(
      (alarm) => signalsOf(parseSnsHttpBody(snsWith(alarm)))[0]?.key,
    );

    // assess
    expect(keys).toEqual([
      'cloudwatch:123456789012:us-east-1:checkout-api-5xx-rate',
      'cloudwatch:999999999999:eu-west-1:checkout-api-5xx-rate',
    ]);
  });

  it('falls back to the region name and no link when AlarmArn is absent', () => {
    // prepare
    const { AlarmArn: _arn, ...alarm } = fixtureAlarm();

    // act
    const [signal] = signalsOf(parseSnsHttpBody(snsWith(alarm)));

    // assess
    expect(signal?.key).toBe('cloudwatch:123456789012:EU (Ireland):checkout-api-5xx-rate');
    expect(signal?.link).toBeUndefined();
  });

  it('links to the console of the partition the alarm lives in', () => {
    // prepare
    const china = {
      ...fixtureAlarm(),
      AlarmName: 'orders/queue depth',
      AlarmArn: 'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:orders/queue depth',
    };

    // act
    const [signal] = signalsOf(parseSnsHttpBody(snsWith(china)));

    // assess
    expect(signal?.link).toBe(
      'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/orders%2Fqueue%20depth',
    );
  });

  it('says which state the alarm entered when it gives no reason', () => {
    // prepare
    const body = snsWith({ ...fixtureAlarm(), NewStateReason: ' ' });

    // act
    const [signal] = signalsOf(parseSnsHttpBody(body));

    // assess
    expect(signal?.reason).toBe('checkout-api-5xx-rate is ALARM');
  });

  it('reads INSUFFICIENT_DATA as a no-data signal, keyed like the alarm', () => {
    // act
    const [signal] = signalsOf(parseSnsHttpBody(fixture('cloudwatch-insufficient-data-sns.json')));

    // assess
    expect(signal).toMatchObject({
      key: CHECKOUT_KEY,
      state: 'no-data',
      reason: 'Insufficient Data: 3 datapoints were unknown.',
      at: '2024-02-18T15:41:42.100Z',
    });
  });

  it('titles a metric-math alarm with the label of the expression it compares', () => {
    // act
    const [signal] = signalsOf(parseSnsHttpBody(fixture('cloudwatch-metric-math-sns.json')));

    // assess
    expect(signal?.title).toBe('CloudWatch alarm: checkout-error-ratio (checkout 5xx % > 5)');
    expect(signal?.state).toBe('firing');
  });

  it('falls back to the expression, and words anomaly bands, when a metric-math alarm has no label', () => {
    // prepare
    const alarm = JSON.parse(json('cloudwatch-metric-math-sns.json').Message as string) as {
      Trigger: { Metrics: Record<string, unknown>[]; [field: string]: unknown };
    };
    const [ratio] = alarm.Trigger.Metrics;
    if (ratio) delete ratio.Label;
    const band = {
      ...alarm,
      Trigger: {
        ...alarm.Trigger,
        ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        ThresholdMetricId: 'band',
        Metrics: [
          ...alarm.Trigger.Metrics,
          { Id: 'band', Expression: 'ANOMALY_DETECTION_BAND(ratio, 2)', ReturnData: true },
        ],
      },
    };

    // act
    const [plain] = signalsOf(parseSnsHttpBody(snsWith(alarm)));
    const [anomaly] = signalsOf(parseSnsHttpBody(snsWith(band)));

    // assess
    expect(plain?.title).toBe('CloudWatch alarm: checkout-error-ratio (100*(errors/requests) > 5)');
    expect(anomaly?.title).toBe(
      'CloudWatch alarm: checkout-error-ratio (100*(errors/requests) outside its band)',
    );
  });

  it('titles a composite alarm with the children that triggered it and names them, not their ARNs, in the reason', () => {
    // act
    const [signal] = signalsOf(parseSnsHttpBody(fixture('cloudwatch-composite-sns.json')));

    // assess
    expect(signal).toMatchObject({
      key: 'cloudwatch:123456789012:eu-west-1:checkout-degraded',
      title: 'CloudWatch composite alarm: checkout-degraded (checkout-api-5xx-rate)',
      reason:
        'checkout-api-5xx-rate transitioned to ALARM at Sunday 18 February, 2024 15:29:42 UTC (rule: ALARM("checkout-api-5xx-rate") OR ALARM("checkout-api-p99-latency"))',
      severity: 'sev1',
      link: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-degraded',
    });
  });

  it('keeps an alarm whose trigger or children are odd, titled by its name alone', () => {
    // prepare
    const odd = snsWith({ ...fixtureAlarm(), Trigger: 'n/a', TriggeringChildren: [{ Arn: 7 }] });

    // act
    const [signal] = signalsOf(parseSnsHttpBody(odd));

    // assess
    expect(signal?.title).toBe('CloudWatch alarm: checkout-api-5xx-rate');
  });

  it.each([
    ['a sev tag in the description', 'sev1: page now', 'api-latency', 'sev1'],
    ['the description before the name', 'SEV-4 informational', 'api-latency-sev2', 'sev4'],
    ['a tag in the name when the description has none', 'latency above 2s', 'api-latency [sev2]', 'sev2'],
    ['a tag in the name when the description is null', null, 'api_latency_sev3', 'sev3'],
    ['no tag at all', 'latency above 2s', 'api-latency', undefined],
    ['sev12, which is not a tag', 'see sev12 dashboard', 'mysev1-latency', undefined],
  ])('takes severity from %s', (_case, description, name, severity) => {
    // prepare
    const body = snsWith({ ...fixtureAlarm(), AlarmDescription: description, AlarmName: name });

    // act
    const [signal] = signalsOf(parseSnsHttpBody(body));

    // assess
    expect(signal?.severity).toBe(severity);
  });

  it('accepts the bare alarm that raw message delivery posts', () => {
    // prepare
    const body = JSON.stringify(fixtureAlarm());

    // act
    const [signal] = signalsOf(parseSnsHttpBody(body));

    // assess
    expect(signal).toMatchObject({ key: CHECKOUT_KEY, state: 'firing' });
  });

  it('clips a long alarm name to a title of at most 200 characters', () => {
    // prepare
    const name = `checkout-${'x'.repeat(240)}`;

    // act
    const [signal] = signalsOf(parseSnsHttpBody(snsWith({ ...fixtureAlarm(), AlarmName: name })));

    // assess
    expect(signal?.title).toHaveLength(MAX_TITLE_LENGTH);
    expect(signal?.title).toMatch(/^CloudWatch alarm: checkout-x+…$/);
    expect(signal?.name).toBe(name);
  });

  it('returns the subscription confirmation with its SubscribeURL and topic', () => {
    // prepare
    const body = fixture('sns-subscription-confirmation.json');

    // act
    const result = parseSnsHttpBody(body);

    // assess
    expect(result).toEqual({
      ok: true,
      value: {
        kind: 'subscription-confirmation',
        subscribeUrl: expect.stringMatching(
          /^https:\/\/sns\.eu-west-1\.amazonaws\.com\/\?Action=ConfirmSubscription&TopicArn=.*&Token=2336412f/,
        ),
        topicArn: 'arn:aws:sns:eu-west-1:123456789012:incident-bot-alarms',
      },
    });
  });

  it('returns an unsubscribe confirmation with its topic', () => {
    // prepare
    const body = JSON.stringify({
      ...json('sns-subscription-confirmation.json'),
      Type: 'UnsubscribeConfirmation',
    });

    // act
    const result = parseSnsHttpBody(body);

    // assess
    expect(result).toEqual({
      ok: true,
      value: {
        kind: 'unsubscribe-confirmation',
        topicArn: 'arn:aws:sns:eu-west-1:123456789012:incident-bot-alarms',
      },
    });
  });

  it.each([
    ['another host', 'https://attacker.example.com/?Action=ConfirmSubscription'],
    ['a look-alike host', 'https://sns.eu-west-1.amazonaws.com.attacker.example/?Action=ConfirmSubscription'],
    ['a bucket under amazonaws.com', 'https://attacker.s3.amazonaws.com/confirm'],
    ['plain http', 'http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription'],
    ['a port', 'https://sns.eu-west-1.amazonaws.com:8443/?Action=ConfirmSubscription'],
    ['credentials', 'https://user:pw@sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription'],
    ['not a URL', 'sns.eu-west-1.amazonaws.com'],
  ])('refuses a SubscribeURL on %s', (_case, url) => {
    // prepare
    const body = JSON.stringify({ ...json('sns-subscription-confirmation.json'), SubscribeURL: url });

    // act
    const error = errorOf(parseSnsHttpBody(body));

    // assess
    expect(error).toBe('SubscribeURL: expected an https URL on sns.<region>.amazonaws.com');
  });

  it.each([
    ['not JSON', 'Type=Notification', 'body is not JSON'],
    ['empty', '', 'body is not JSON'],
    ['a JSON array', '[]', 'body: expected a JSON object'],
    ['JSON null', 'null', 'body: expected a JSON object'],
    [
      'an unknown Type',
      JSON.stringify({ Type: 'Ping', TopicArn: 'arn:aws:sns:eu-west-1:1:t' }),
      'Type: expected Notification, SubscriptionConfirmation or UnsubscribeConfirmation',
    ],
    ['no TopicArn', JSON.stringify({ Type: 'Notification', Message: '{}' }), 'TopicArn: is missing'],
    [
      'no Message',
      JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:eu-west-1:1:t' }),
      'Message: is missing',
    ],
    [
      'a Message that is not JSON',
      JSON.stringify({ ...json('cloudwatch-alarm-sns.json'), Message: 'hello from the console' }),
      'Message: is not JSON (expected a CloudWatch alarm)',
    ],
    [
      'a Message that is a JSON string',
      JSON.stringify({ ...json('cloudwatch-alarm-sns.json'), Message: '"hello"' }),
      'Message: expected a JSON object',
    ],
    [
      'a confirmation without SubscribeURL',
      JSON.stringify({ Type: 'SubscriptionConfirmation', TopicArn: 'arn:aws:sns:eu-west-1:1:t' }),
      'SubscribeURL: is missing',
    ],
  ])('refuses a body that is %s', (_case, body, message) => {
    // act
    const error = errorOf(parseSnsHttpBody(body));

    // assess
    expect(error).toBe(message);
  });

  it.each([
    ['a missing AlarmName', { AlarmName: undefined }, 'Message.AlarmName: is missing'],
    ['an empty AlarmName', { AlarmName: '' }, 'Message.AlarmName: expected the alarm name'],
    [
      'a bad NewStateValue',
      { NewStateValue: 'FIRING' },
      'Message.NewStateValue: expected ALARM, OK or INSUFFICIENT_DATA',
    ],
    ['a missing AWSAccountId', { AWSAccountId: undefined }, 'Message.AWSAccountId: is missing'],
    ['a numeric NewStateReason', { NewStateReason: 42 }, 'Message.NewStateReason: expected a string'],
    [
      'a bad StateChangeTime',
      { StateChangeTime: 'yesterday' },
      'Message.StateChangeTime: expected an ISO-8601 time',
    ],
    [
      'an impossible date',
      { StateChangeTime: '2024-02-30T10:00:00.000+0000' },
      'Message.StateChangeTime: expected an ISO-8601 time',
    ],
  ])('names the field for an alarm with %s', (_case, change, message) => {
    // prepare
    const body = snsWith({ ...fixtureAlarm(), ...change });

    // act
    const error = errorOf(parseSnsHttpBody(body));

    // assess
    expect(error).toBe(message);
  });
});

describe('parseSnsLambdaEvent', () => {
  it('turns the SNS event a topic invokes Lambda with into signals', () => {
    // prepare
    const event: SNSEvent = snsLambdaEvent;

    // act
    const result = parseSnsLambdaEvent(event);

    // assess
    expect(result).toEqual({
      ok: true,
      signals: [
        {
          source: 'cloudwatch',
          key: 'cloudwatch:210987654321:us-east-1:orders-db-cpu-high [sev1]',
          name: 'orders-db-cpu-high [sev1]',
          state: 'firing',
          reason: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints \[97\.83/),
          at: '2024-02-18T15:32:05.617Z',
          title: 'CloudWatch alarm: orders-db-cpu-high [sev1] (CPUUtilization >= 90)',
          severity: 'sev1',
          link: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/orders-db-cpu-high%20%5Bsev1%5D',
        },
      ],
    });
  });

  it('gives the same alarm the same key whether it arrives by HTTP or by Lambda', () => {
    // prepare
    const [record] = snsLambdaEvent.Records;
    const message = JSON.parse(record?.Sns.Message ?? '') as Record<string, unknown>;

    // act
    const viaLambda = parseSnsLambdaEvent(snsLambdaEvent);
    const viaHttp = signalsOf(parseSnsHttpBody(snsWith(message)));

    // assess
    expect(viaLambda).toEqual({ ok: true, signals: viaHttp });
  });

  it.each([
    ['not an object', 'hello', 'event: expected an SNS event object'],
    ['without Records', {}, 'Records: is missing'],
    ['with no records', { Records: [] }, 'Records: expected at least one record'],
    [
      'from SQS',
      { Records: [{ EventSource: 'aws:sqs', body: '{}' }] },
      'Records[0].EventSource: expected aws:sns',
    ],
    [
      'without a Message',
      { Records: [{ EventSource: 'aws:sns', Sns: {} }] },
      'Records[0].Sns.Message: is missing',
    ],
    [
      'with an alarm missing its name',
      {
        Records: [
          {
            EventSource: 'aws:sns',
            Sns: { Message: JSON.stringify({ ...fixtureAlarm(), AlarmName: undefined }) },
          },
        ],
      },
      'Records[0].Sns.Message.AlarmName: is missing',
    ],
  ])('refuses an event %s', (_case, event, message) => {
    // act
    const error = errorOf(parseSnsLambdaEvent(event));

    // assess
    expect(error).toBe(message);
  });
});

describe('parseAlertmanagerBody', () => {
  const GROUP_KEY = 'alertmanager-group:{}/{severity="critical"}:{alertname="HighErrorRate"}';

  it('turns a firing notification into one signal for its group, carrying each alert', () => {
    // prepare
    const body = fixture('alertmanager-firing.json');

    // act
    const signals = alertmanagerSignals(body);

    // assess
    expect(signals).toEqual([
      {
        source: 'alertmanager',
        key: GROUP_KEY,
        name: 'alertname=HighErrorRate',
        state: 'firing',
        reason: '2 of 2 alerts firing',
        at: '2024-02-18T15:29:12.503Z',
        title: 'alertname=HighErrorRate (2 alerts)',
        severity: 'sev1',
        link: 'http://alertmanager-main-0.monitoring.svc:9093/',
        group: {
          groupKey: '{}/{severity="critical"}:{alertname="HighErrorRate"}',
          alerts: [
            {
              id: '3f1c2a9d8e7b6a50',
              name: 'HighErrorRate',
              state: 'firing',
              at: '2024-02-18T15:29:12.503Z',
              text: expect.stringMatching(
                /^Alert HighErrorRate firing \[service=checkout\]: High 5xx rate on checkout — 7\.4% of checkout requests failed with 5xx over the last 5 minutes \(threshold 5%\)\. — http:\/\/prometheus-k8s-0\.monitoring\.svc:9090\/graph\?g0\.expr=.*checkout/,
              ),
            },
            {
              id: 'a84e0d5c7b2f1936',
              name: 'HighErrorRate',
              state: 'firing',
              at: '2024-02-18T15:30:42.117Z',
              text: expect.stringMatching(
                /^Alert HighErrorRate firing \[service=payments\]: High 5xx rate on payments/,
              ),
            },
          ],
        },
      },
    ]);
  });

  it('turns a resolved notification into an ok signal for the same group, each alert timed at its endsAt', () => {
    // prepare
    const body = fixture('alertmanager-resolved.json');

    // act
    const [signal] = alertmanagerSignals(body);

    // assess
    expect(signal).toMatchObject({ key: GROUP_KEY, state: 'ok', at: '2024-02-18T16:07:12.503Z' });
    expect(signal?.group.alerts.map(({ id, state, at }) => ({ id, state, at }))).toEqual([
      { id: '3f1c2a9d8e7b6a50', state: 'ok', at: '2024-02-18T16:07:12.503Z' },
      { id: 'a84e0d5c7b2f1936', state: 'ok', at: '2024-02-18T16:02:57.117Z' },
    ]);
  });

  it('reads each alert by its own status inside a firing group', () => {
    // prepare
    const firing = json('alertmanager-firing.json');
    const resolved = json('alertmanager-resolved.json');
    const alerts = [(firing.alerts as unknown[])[0], (resolved.alerts as unknown[])[1]];

    // act
    const [signal] = alertmanagerSignals(JSON.stringify({ ...firing, alerts }));

    // assess
    expect(signal?.state).toBe('firing');
    expect(signal?.group.alerts.map((alert) => alert.state)).toEqual(['firing', 'ok']);
  });

  it('gives the same group from the other Alertmanager of an HA pair the same key and alert ids', () => {
    // prepare
    const other = alertmanagerWith({}, { externalURL: 'http://alertmanager-main-1.monitoring.svc:9093' });

    // act
    const [first] = alertmanagerSignals(alertmanagerWith({}));
    const [second] = alertmanagerSignals(other);

    // assess
    expect(second?.key).toBe(first?.key);
    expect(second?.group.alerts.map((alert) => alert.id)).toEqual(
      first?.group.alerts.map((alert) => alert.id),
    );
  });

  it('names each alert by the labels not common to its group, and by those beyond the group labels when alone', () => {
    // prepare
    const alone = alertmanagerWith({});

    // act
    const [signal] = alertmanagerSignals(alone);

    // assess: commonLabels says service is not common, so it is named
    expect(signal?.group.alerts[0]?.text).toContain('[service=checkout]');
    const [bare] = alertmanagerSignals(alertmanagerWith({}, { commonLabels: undefined }));
    expect(bare?.group.alerts[0]?.text).toContain(
      '[namespace=shop, prometheus=monitoring/k8s, service=checkout, severity=critical]',
    );
  });

  it.each([
    ['critical', 'sev1'],
    ['error', 'sev2'],
    ['high', 'sev2'],
    ['warning', 'sev3'],
    ['info', 'sev4'],
    ['Critical', 'sev1'],
    ['sev2', 'sev2'],
    ['none', undefined],
  ])('maps severity label %s to %s', (label, severity) => {
    // prepare
    const body = alertmanagerWith({
      labels: { alertname: 'HighErrorRate', service: 'checkout', severity: label },
    });

    // act
    const [signal] = alertmanagerSignals(body);

    // assess
    expect(signal?.severity).toBe(severity);
  });

  it('takes the most severe firing alert for the group', () => {
    // prepare
    const payload = json('alertmanager-firing.json');
    const [first, second] = payload.alerts as Record<string, Record<string, string>>[];
    const alerts = [
      { ...first, labels: { ...first?.labels, severity: 'warning' } },
      { ...second, labels: { ...second?.labels, severity: 'error' } },
    ];

    // act
    const [signal] = alertmanagerSignals(JSON.stringify({ ...payload, alerts }));

    // assess
    expect(signal?.severity).toBe('sev2');
  });

  it('leaves severity undefined without a severity label', () => {
    // prepare
    const body = alertmanagerWith({ labels: { alertname: 'HighErrorRate', service: 'checkout' } });

    // act
    const [signal] = alertmanagerSignals(body);

    // assess
    expect(signal?.severity).toBeUndefined();
  });

  it('keys an alert outside any group on the labels that identify it, whatever its severity or replica', () => {
    // prepare: no groupKey, as a hand-made sender may post
    const labels = {
      service: 'checkout',
      alertname: 'HighErrorRate',
      severity: 'warning',
      namespace: 'shop',
    };
    const escalated = {
      alertname: 'HighErrorRate',
      namespace: 'shop',
      prometheus_replica: 'prometheus-k8s-1',
      service: 'checkout',
      severity: 'critical',
    };

    // act
    const [first] = alertmanagerSignals(alertmanagerWith({ labels }, { groupKey: undefined }));
    const [second] = alertmanagerSignals(alertmanagerWith({ labels: escalated }, { groupKey: undefined }));

    // assess
    expect(first?.key).toBe('alertmanager:HighErrorRate:{namespace="shop",service="checkout"}');
    expect(second?.key).toBe(first?.key);
  });

  it('gives an alert that does not carry its group labels a group of its own', () => {
    // prepare
    const payload = json('alertmanager-firing.json');
    const [first, second] = payload.alerts as Record<string, Record<string, string>>[];
    const stray = { ...second, labels: { ...second?.labels, alertname: 'DiskFull' } };

    // act
    const signals = alertmanagerSignals(JSON.stringify({ ...payload, alerts: [first, stray] }));

    // assess
    expect(signals.map((signal) => [signal.key, signal.group.alerts.length])).toEqual([
      [GROUP_KEY, 1],
      ['alertmanager:DiskFull:{namespace="shop",prometheus="monitoring/k8s",service="payments"}', 1],
    ]);
  });

  it('quotes label values so different label sets never share a key', () => {
    // prepare
    const joined = { alertname: 'A', x: '1,y="2"' };
    const split = { alertname: 'A', x: '1', y: '2' };

    // act
    const keys = [alertmanagerKey(joined), alertmanagerKey(split)];

    // assess
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('hashes keys that would be too long for a table key', () => {
    // prepare
    const labels = { alertname: 'HighErrorRate', query: 'q'.repeat(600) };

    // act
    const key = alertmanagerKey(labels);
    const [group] = alertmanagerSignals(
      alertmanagerWith({}, { groupKey: `{}:{query="${'q'.repeat(600)}"}` }),
    );

    // assess
    expect(key).toMatch(/^alertmanager:sha256:[0-9a-f]{64}$/);
    expect(key.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
    expect(alertmanagerKey({ ...labels })).toBe(key);
    expect(group?.key).toMatch(/^alertmanager-group:sha256:[0-9a-f]{64}$/);
  });

  it('titles a group of one by its summary and group labels, else by its labels and count', () => {
    // prepare
    const onlySummary = alertmanagerWith({ annotations: { summary: 'Disk\n  almost full on db-1' } });
    const none = alertmanagerWith({ annotations: {} });

    // act
    const [withSummary] = alertmanagerSignals(onlySummary);
    const [bare] = alertmanagerSignals(none);

    // assess
    expect(withSummary).toMatchObject({
      title: 'Disk almost full on db-1 (alertname=HighErrorRate)',
      reason: 'Disk\n  almost full on db-1',
    });
    expect(bare).toMatchObject({
      title: 'alertname=HighErrorRate (1 alert)',
      reason: '1 of 1 alert firing',
    });
  });

  it('links a group of one to its generatorURL, else to Alertmanager', () => {
    // act
    const [withUrl] = alertmanagerSignals(alertmanagerWith({}));
    const [without] = alertmanagerSignals(alertmanagerWith({ generatorURL: '' }));

    // assess
    expect(withUrl?.link).toMatch(/^http:\/\/prometheus-k8s-0\.monitoring\.svc:9090\/graph\?/);
    expect(without?.link).toBe('http://alertmanager-main-0.monitoring.svc:9093/');
  });

  it('clips a long summary to a title of at most 200 characters without splitting an emoji', () => {
    // prepare
    const body = alertmanagerWith({ annotations: { summary: `${'a'.repeat(198)}🔥🔥🔥` } });

    // act
    const [signal] = alertmanagerSignals(body);

    // assess
    expect(signal?.title).toBe(`${'a'.repeat(198)}…`);
  });

  it('clips a title between whole graphemes: a ZWJ family or a skin tone is kept whole or dropped whole', () => {
    // prepare: 195 letters, then a family (11 UTF-16 units) that does not fit whole
    const body = alertmanagerWith({ annotations: { summary: `${'a'.repeat(195)}👨‍👩‍👧‍👦 down` } });

    // act
    const [signal] = alertmanagerSignals(body);

    // assess
    expect(signal?.title).toBe(`${'a'.repeat(195)}…`);
  });

  it('keeps an alert without alertname under a fallback name naming its labels', () => {
    // prepare
    const body = alertmanagerWith(
      { labels: { job: 'nightly-export', instance: 'runner-1' } },
      { groupLabels: {} },
    );
    const empty = alertmanagerWith({ labels: {} }, { groupLabels: {} });

    // act
    const [signal] = alertmanagerSignals(body);
    const [unlabelled] = alertmanagerSignals(empty);

    // assess
    expect(signal?.group.alerts[0]?.name).toBe('unnamed alert {instance=runner-1, job=nightly-export}');
    expect(unlabelled?.group.alerts[0]?.name).toBe('unnamed alert');
    expect(signal?.title).toBe('High 5xx rate on checkout (all alerts of incident-bot)');
  });

  it.each([
    ['a bad status', { status: 'pending' }, { state: 'firing' }],
    ['a bad startsAt', { startsAt: '15:29' }, { state: 'firing', at: undefined }],
    [
      'a resolved alert without endsAt',
      { status: 'resolved', endsAt: undefined },
      { state: 'ok', at: undefined },
    ],
    [
      'a label that is not a string',
      { labels: { alertname: 'HighErrorRate', replicas: 3 } },
      { state: 'firing' },
    ],
    ['an alert that is not an object', null, { name: 'unnamed alert', state: 'firing' }],
  ])('keeps an alert with %s rather than losing its group', (_case, alert, expected) => {
    // prepare
    const payload = json('alertmanager-firing.json');
    const [good] = payload.alerts as unknown[];
    const odd = alert === null ? 'not an alert' : { ...(good as object), ...alert };

    // act
    const signals = alertmanagerSignals(JSON.stringify({ ...payload, alerts: [good, odd], groupLabels: {} }));

    // assess
    const alerts = signals.flatMap((signal) => signal.group.alerts);
    expect(alerts).toHaveLength(2);
    expect({ at: undefined, ...alerts[1] }).toMatchObject(expected);
  });

  it('carries truncatedAlerts, counting the left-out alerts in the title', () => {
    // act
    const [signal] = alertmanagerSignals(alertmanagerWith({}, { truncatedAlerts: 12 }));
    const [none] = alertmanagerSignals(alertmanagerWith({}, { truncatedAlerts: 0 }));

    // assess
    expect(signal?.group.truncatedAlerts).toBe(12);
    expect(signal?.title).toBe('alertname=HighErrorRate (13 alerts)');
    expect(none?.group.truncatedAlerts).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"version":', 'body is not JSON'],
    ['a JSON array', '[]', 'body: expected a JSON object'],
    [
      'version 3',
      fixture('alertmanager-v3.json'),
      'version: Alertmanager webhook payload version 3 is not supported; expected "4" (Alertmanager 0.14 or later)',
    ],
    [
      'version 5',
      JSON.stringify({ ...json('alertmanager-firing.json'), version: '5' }),
      'version: expected "4", the Alertmanager webhook payload version supported',
    ],
    ['no version', JSON.stringify({ alerts: [] }), 'version: is missing'],
    ['no alerts', JSON.stringify({ version: '4' }), 'alerts: is missing'],
    [
      'alerts that are not a list',
      JSON.stringify({ version: '4', alerts: {} }),
      'alerts: expected an array of alerts',
    ],
    [
      'an empty alerts array',
      JSON.stringify({ version: '4', alerts: [] }),
      'alerts: expected at least one alert',
    ],
  ])('refuses a payload with %s', (_case, body, message) => {
    // act
    const error = errorOf(parseAlertmanagerBody(body));

    // assess
    expect(error).toBe(message);
  });
});

describe('normalizeTime', () => {
  it.each([
    ['2023-08-12T22:30:10.123+0000', '2023-08-12T22:30:10.123Z'],
    ['2024-02-18T15:29:12.503495182Z', '2024-02-18T15:29:12.503Z'],
    ['2024-02-18T16:30:00+01:00', '2024-02-18T15:30:00.000Z'],
    ['2024-02-29T23:59:59.9-0130', '2024-03-01T01:29:59.900Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (input, output) => {
    expect(normalizeTime(input)).toBe(output);
  });

  it.each([
    '2023-02-29T00:00:00Z',
    '2024-02-18T24:00:00Z',
    '2024-02-18T15:30:00',
    '2024-02-18T15:30:00+2400',
    'now',
  ])('refuses %s', (input) => {
    expect(normalizeTime(input)).toBeUndefined();
  });
});

describe('severity helpers', () => {
  it('reads sev tags and severity labels, and nothing else', () => {
    // act
    const tags = ['[SEV1] db', 'sev 2', 'sev_3', 'sev-4', 'sev5', 'severe', undefined].map(severityFromTag);
    const labels = ['page', 'major', 'minor', 'low', 'debug', undefined].map(severityFromLabel);

    // assess
    expect(tags).toEqual(['sev1', 'sev2', 'sev3', 'sev4', undefined, undefined, undefined]);
    expect(labels).toEqual(['sev1', 'sev2', 'sev3', 'sev4', undefined, undefined]);
  });
});

describe('isSnsUrl', () => {
  it('accepts the SNS endpoints of commercial, FIPS and China regions', () => {
    // act
    const accepted = [
      'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription',
      'https://sns-fips.us-gov-west-1.amazonaws.com/?Action=ConfirmSubscription',
      'https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription',
    ].map(isSnsUrl);

    // assess
    expect(accepted).toEqual([true, true, true]);
  });
});

describe('properties', () => {
  const parsers: [string, (input: string) => { ok: boolean; error?: string }][] = [
    ['parseSnsHttpBody', parseSnsHttpBody],
    ['parseAlertmanagerBody', parseAlertmanagerBody],
    ['parseSnsLambdaEvent', (input) => parseSnsLambdaEvent(JSON.parse(input))],
  ];

  function okOrExplained(result: { ok: boolean; error?: string }): boolean {
    return result.ok || (typeof result.error === 'string' && result.error.length > 0);
  }

  it.each(parsers.slice(0, 2))(
    '%s never throws on arbitrary strings and explains every refusal',
    (_name, parse) => {
      fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (input) => okOrExplained(parse(input))));
    },
  );

  it.each(parsers)('%s never throws on arbitrary JSON and explains every refusal', (_name, parse) => {
    fc.assert(fc.property(fc.json(), (input) => okOrExplained(parse(input))));
  });

  it('parseSnsLambdaEvent never throws on arbitrary values', () => {
    fc.assert(fc.property(fc.anything(), (input) => okOrExplained(parseSnsLambdaEvent(input))));
  });

  const labelName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/).filter((name) => name !== 'alertname');
  const labelSet = fc.dictionary(labelName, fc.string(), { maxKeys: 8 });

  it('keys Alertmanager alerts the same whatever the label order, severity and firing details', () => {
    fc.assert(
      fc.property(
        labelSet,
        fc.string({ minLength: 1 }),
        fc.constantFrom('critical', 'warning', 'info'),
        fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2099-12-31') }),
        (labels, alertname, severity, startsAt) => {
          const forward = { alertname, ...labels };
          const backward = Object.fromEntries(Object.entries({ ...forward, severity }).reverse());
          const [first] = alertmanagerSignals(alertmanagerWith({ labels: forward }));
          const [second] = alertmanagerSignals(
            alertmanagerWith({ labels: backward, startsAt: startsAt.toISOString(), annotations: {} }),
          );
          return first?.key === second?.key;
        },
      ),
    );
  });

  it('keeps every alert of a v4 notification, whatever each alert holds, on exactly one signal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.anything(), fc.record({ labels: fc.dictionary(labelName, fc.anything()) })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.option(fc.string(), { nil: undefined }),
        fc.dictionary(labelName, fc.string(), { maxKeys: 3 }),
        (alerts, groupKey, groupLabels) => {
          const result = parseAlertmanagerBody(
            JSON.stringify({ version: '4', alerts, groupKey, groupLabels }),
          );
          if (!result.ok) return false;
          const kept = result.signals.reduce((sum, signal) => sum + signal.group.alerts.length, 0);
          return (
            kept === alerts.length &&
            result.signals.every((signal) => signal.title.length <= MAX_TITLE_LENGTH)
          );
        },
      ),
    );
  });

  it('gives CloudWatch signals a title of at most 200 characters and an ISO UTC time', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 255, unit: 'binary' }),
        fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2099-12-31') }),
        (name, when) => {
          const stamp = when.toISOString().replace('Z', '+0000');
          const [signal] = signalsOf(
            parseSnsHttpBody(snsWith({ ...fixtureAlarm(), AlarmName: name, StateChangeTime: stamp })),
          );
          return (signal?.title.length ?? Infinity) <= MAX_TITLE_LENGTH && signal?.at === when.toISOString();
        },
      ),
    );
  });
});

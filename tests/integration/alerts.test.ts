/**
 * Monitoring alerts through the local server's alert routes (docs/architecture.md, "Alerts → alert service"), with the real
 * CloudWatch-through-SNS and Alertmanager payloads in tests/fixtures/alerts. The store is a dynalite
 * of the test's own (DYNAMODB_ENDPOINT), so "nothing written" can be checked on the whole table.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, SNSEvent } from 'aws-lambda';
import { AlertService, createAlertService } from '../../lambda/alerts/alert-service';
import { ALERT_AUTH_CHALLENGE } from '../../lambda/alerts/auth';
import { handleAlertHttp } from '../../lambda/alerts/http';
import { type AlertSignal, parseSnsHttpBody } from '../../lambda/alerts/payloads';
import { createSnsVerifier } from '../../lambda/alerts/sns-signature';
import { createAlertsHandler } from '../../lambda/handlers/alerts';
import type { Incident, TimelineEvent } from '../../lambda/incidents/types';
import { memoryLog } from '../../lambda/observability/log';
import { CommandService } from '../../lambda/service/command-service';
import { DynamoAlertLinks } from '../../lambda/store/alert-links';
import { fixedClock, startHarness } from '../helpers/harness';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

const TOKEN = 't0ken';
const NOW = '2024-02-18T16:30:00.000Z';
const CHECKOUT_ALARM_KEY = 'cloudwatch:123456789012:eu-west-1:checkout-api-5xx-rate';
const ALARM_REASON =
  'Threshold Crossed: 2 out of the last 3 datapoints [0.0741 (18/02/24 15:28:00), 0.0698 (18/02/24 15:27:00)] were greater than the threshold (0.05) (minimum 2 datapoints for OK -> ALARM transition).';
const OK_REASON =
  'Threshold Crossed: 1 out of the last 3 datapoints [0.0112 (18/02/24 16:05:00)] was not greater than the threshold (0.05) (minimum 1 datapoint for ALARM -> OK transition).';

const POLICY = `
teams:
  oncall: { slack: S0ONCALL }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
`;

function fixture(name: string): string {
  return readFileSync(path.join(__dirname, '..', 'fixtures', 'alerts', name), 'utf8');
}

/** The SNS notification of the fixture alarm, with fields of the alarm JSON inside it replaced. */
function alarmNotification(name: 'cloudwatch-alarm-sns.json' | 'cloudwatch-ok-sns.json', alarm = {}): string {
  const envelope = JSON.parse(fixture(name)) as { Message: string };
  const message = { ...(JSON.parse(envelope.Message) as Record<string, unknown>), ...alarm };
  return JSON.stringify({ ...envelope, MessageId: randomUUID(), Message: JSON.stringify(message) });
}

const ALARM = fixture('cloudwatch-alarm-sns.json');
const OK = fixture('cloudwatch-ok-sns.json');
/** The same alarm entering ALARM again at a later time. */
const alarmAgain = (at: string) => alarmNotification('cloudwatch-alarm-sns.json', { StateChangeTime: at });

/** AWS's sample envelopes carry AWS's signatures, not checkable offline (see startBot). */
const unsigned = createSnsVerifier({ signatures: 'off' });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** What an SNS subscription URL `https://alerts:<token>@host/...` sends. */
const basic = (token: string) => ({
  authorization: `Basic ${Buffer.from(`alerts:${token}`).toString('base64')}`,
});

interface Posted {
  status: number;
  headers: Headers;
  json: { results?: { key: string; action: string; incidentId?: string }[]; error?: string };
}

let dynamo: TestDynamo;
let policyFile: string;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  policyFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'incident-bot-alerts-')), 'policy.yaml');
  await writeFile(policyFile, POLICY);
});

afterAll(() => dynamo?.close());

/** A bot on a table of its own, its alert routes open to TOKEN unless `env` says otherwise. */
async function startBot(env: Record<string, string> = { ALERT_TOKEN: TOKEN }) {
  const tableName = await dynamo.freshTable('alerts-test');
  const clock = fixedClock(NOW);
  const harness = await startHarness({
    clock,
    env: {
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: tableName,
      ESCALATION_POLICY: policyFile,
      // AWS's sample notifications are signed by AWS, whose certificate is not reachable here; SNS
      // signatures through this route are tested in alerts-sns-route.test.ts.
      ALERTS_SNS_SIGNATURES: 'off',
      ...env,
    },
  });
  const commands = new CommandService({
    store: harness.server.store,
    jobs: harness.server.jobs,
    clock,
    settings: { timeZone: 'UTC' },
  });
  // The service as the Lambda entry builds it, on the server's table and job queue.
  const service = createAlertService({
    commands,
    store: harness.server.store,
    jobs: harness.server.jobs,
    client: dynamo.client,
    tableName,
    clock,
  });

  async function post(
    route: 'cloudwatch' | 'alertmanager',
    body: string,
    headers: Record<string, string> = bearer(TOKEN),
  ): Promise<Posted> {
    const response = await fetch(`${harness.server.url}/alerts/${route}`, {
      method: 'POST',
      // SNS posts its JSON as text/plain.
      headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers },
      body,
    });
    const text = await response.text();
    // The slow work an alert queued (channel, escalation) is done before the test looks.
    await harness.server.jobs.drain();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
  }

  /** Every item in the table, to show that a refused request wrote nothing at all. */
  async function items(): Promise<string[]> {
    const { Items = [] } = await dynamo.client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true }),
    );
    return Items.map((item) => JSON.stringify(item)).sort();
  }

  async function incidents(): Promise<Incident[]> {
    const all: Incident[] = [];
    for (let number = 1; ; number++) {
      const incident = await harness.server.store.getIncident(`INC-${number}`);
      if (!incident) return all;
      all.push(incident);
    }
  }

  async function events(incidentId: string, kind?: string): Promise<TimelineEvent[]> {
    const record = await harness.server.store.getRecord(incidentId);
    return (record?.events ?? []).filter((event) => kind === undefined || event.kind === kind);
  }

  return { harness, tableName, commands, service, clock, post, items, incidents, events };
}

type Bot = Awaited<ReturnType<typeof startBot>>;

describe('CloudWatch alarms through SNS', () => {
  let bot: Bot;

  beforeEach(async () => {
    bot = await startBot();
  });
  afterEach(() => bot.harness.close());

  it('opens an incident for a firing alarm, with its detection event, channel and first page', async () => {
    // act
    const posted = await bot.post('cloudwatch', ALARM);

    // assess
    expect(posted.status).toBe(200);
    expect(posted.json.results).toEqual([{ key: CHECKOUT_ALARM_KEY, action: 'opened', incidentId: 'INC-1' }]);
    const incident = await bot.harness.server.store.getIncident('INC-1');
    expect(incident?.commander).toBeUndefined();
    expect(incident).toMatchObject({
      title: 'CloudWatch alarm: checkout-api-5xx-rate (5XXError > 0.05)',
      // From the `sev2:` tag in the alarm description.
      severity: 'sev2',
      status: 'investigating',
      declaredBy: 'bot',
      startedAt: '2024-02-18T15:29:42.310Z',
      declaredAt: NOW,
    });
    const detection = await bot.events('INC-1', 'detection');
    expect(detection.map((event) => [event.at, event.text, event.author])).toEqual([
      [
        '2024-02-18T15:29:42.310Z',
        // The alarm's console page, where responders look first.
        `Monitoring alert checkout-api-5xx-rate: ${ALARM_REASON} — https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-api-5xx-rate`,
        'bot',
      ],
    ]);
    const channelId = await bot.harness.channelOf('INC-1');
    expect(bot.harness.slack.channels.get(channelId)?.name).toMatch(/^inc-1-/);
    // The channel was set up to the end, although nobody (only the bot) declared it.
    expect((await bot.harness.server.store.getIncident('INC-1'))?.summaryTs).toBeDefined();
    const pages = await bot.events('INC-1', 'escalation');
    expect(pages.map((event) => [event.team, event.page?.tier])).toEqual([['oncall', 0]]);
  });

  it('accepts the token as the basic-auth password, which is all SNS can send', async () => {
    // act
    const posted = await bot.post('cloudwatch', ALARM, basic(TOKEN));

    // assess
    expect(posted.status).toBe(200);
    expect(posted.json.results?.[0]?.action).toBe('opened');
  });

  it('adds a note to the open incident when the alarm fires again, opening no second one', async () => {
    // prepare
    await bot.post('cloudwatch', ALARM);

    // act
    const again = await bot.post('cloudwatch', alarmAgain('2024-02-18T15:45:00.000+0000'));

    // assess
    expect(again.json.results).toEqual([{ key: CHECKOUT_ALARM_KEY, action: 'noted', incidentId: 'INC-1' }]);
    expect((await bot.incidents()).map((incident) => incident.id)).toEqual(['INC-1']);
    const notes = await bot.events('INC-1', 'note');
    expect(notes.map((event) => [event.at, event.text, event.author])).toEqual([
      ['2024-02-18T15:45:00.000Z', `Alert checkout-api-5xx-rate fired again: ${ALARM_REASON}`, 'bot'],
    ]);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(1);
  });

  it('adds nothing for a re-delivery of a notification already recorded', async () => {
    // prepare
    await bot.post('cloudwatch', ALARM);
    await bot.post('cloudwatch', alarmAgain('2024-02-18T15:45:00.000+0000'));
    const before = await bot.items();

    // act
    const opening = await bot.post('cloudwatch', ALARM);
    const note = await bot.post('cloudwatch', alarmAgain('2024-02-18T15:45:00.000+0000'));

    // assess
    expect([opening.json.results, note.json.results]).toEqual([
      [{ key: CHECKOUT_ALARM_KEY, action: 'ignored', incidentId: 'INC-1' }],
      [{ key: CHECKOUT_ALARM_KEY, action: 'ignored', incidentId: 'INC-1' }],
    ]);
    expect(await bot.items()).toEqual(before);
  });

  it('notes a return to OK and leaves the incident open', async () => {
    // prepare
    await bot.post('cloudwatch', ALARM);

    // act
    const ok = await bot.post('cloudwatch', OK);

    // assess
    expect(ok.json.results).toEqual([{ key: CHECKOUT_ALARM_KEY, action: 'noted', incidentId: 'INC-1' }]);
    const notes = await bot.events('INC-1', 'note');
    expect(notes.map((event) => [event.at, event.text])).toEqual([
      ['2024-02-18T16:06:12.904Z', `Alert checkout-api-5xx-rate returned to OK: ${OK_REASON}`],
    ]);
    expect((await bot.harness.server.store.getIncident('INC-1'))?.status).toBe('investigating');
    expect(await bot.events('INC-1', 'resolved')).toEqual([]);
  });

  it('notes INSUFFICIENT_DATA on the open incident, which stays open', async () => {
    // prepare
    await bot.post('cloudwatch', ALARM);

    // act
    const noData = await bot.post('cloudwatch', fixture('cloudwatch-insufficient-data-sns.json'));

    // assess
    expect(noData.json.results).toEqual([{ key: CHECKOUT_ALARM_KEY, action: 'noted', incidentId: 'INC-1' }]);
    const notes = await bot.events('INC-1', 'note');
    expect(notes.map((event) => [event.at, event.text])).toEqual([
      [
        '2024-02-18T15:41:42.100Z',
        'Alert checkout-api-5xx-rate has insufficient data (neither in alarm nor OK): Insufficient Data: 3 datapoints were unknown.',
      ],
    ]);
    expect((await bot.harness.server.store.getIncident('INC-1'))?.status).toBe('investigating');
  });

  it('ignores INSUFFICIENT_DATA of an alarm with no open incident, writing nothing', async () => {
    // prepare
    const before = await bot.items();

    // act
    const noData = await bot.post('cloudwatch', fixture('cloudwatch-insufficient-data-sns.json'));

    // assess
    expect(noData.json.results).toEqual([{ key: CHECKOUT_ALARM_KEY, action: 'ignored' }]);
    expect(await bot.items()).toEqual(before);
  });

  it.each([
    [
      'composite',
      'cloudwatch-composite-sns.json',
      'CloudWatch composite alarm: checkout-degraded (checkout-api-5xx-rate)',
    ],
    [
      'metric-math',
      'cloudwatch-metric-math-sns.json',
      'CloudWatch alarm: checkout-error-ratio (checkout 5xx % > 5)',
    ],
  ])(
    'opens a %s alarm as an incident titled by what it watches, its console link in the detection',
    async (_, file, title) => {
      // act
      const posted = await bot.post('cloudwatch', fixture(file));

      // assess
      expect(posted.json.results?.[0]).toMatchObject({ action: 'opened', incidentId: 'INC-1' });
      expect((await bot.harness.server.store.getIncident('INC-1'))?.title).toBe(title);
      const [detection] = await bot.events('INC-1', 'detection');
      expect(detection?.text).toMatch(
        / — https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#alarmsV2:alarm\/checkout-/,
      );
    },
  );

  it('ignores a return to OK of an alarm with no open incident, writing nothing', async () => {
    // prepare
    const before = await bot.items();

    // act
    const ok = await bot.post('cloudwatch', OK);

    // assess
    expect(ok.status).toBe(200);
    expect(ok.json.results).toEqual([{ key: CHECKOUT_ALARM_KEY, action: 'ignored' }]);
    expect(await bot.items()).toEqual(before);
  });

  it('notes a repeat within an hour of resolution on the resolved incident and tells its channel, once', async () => {
    // prepare
    await bot.post('cloudwatch', ALARM);
    const channelId = await bot.harness.channelOf('INC-1');
    await bot.harness.command('resolve Rolled back the deploy', { channelId });
    const pages = (await bot.events('INC-1', 'escalation')).length;

    // act: the alarm still fires 50 minutes later, delivered twice
    bot.clock.set('2024-02-18T17:20:00.000Z');
    const repeat = alarmAgain('2024-02-18T17:20:00.000+0000');
    const first = await bot.post('cloudwatch', repeat);
    const second = await bot.post('cloudwatch', repeat);

    // assess
    expect([first.json.results, second.json.results]).toEqual([
      [{ key: CHECKOUT_ALARM_KEY, action: 'noted', incidentId: 'INC-1' }],
      [{ key: CHECKOUT_ALARM_KEY, action: 'ignored', incidentId: 'INC-1' }],
    ]);
    expect((await bot.incidents()).map((incident) => incident.id)).toEqual(['INC-1']);
    expect((await bot.events('INC-1', 'note')).map((event) => event.text)).toEqual([
      expect.stringMatching(/^Alert checkout-api-5xx-rate still firing after resolution: /),
    ]);
    expect((await bot.events('INC-1', 'escalation')).length).toBe(pages);
    const told = bot.harness.slack.messages.filter(
      (m) => m.channel === channelId && /still firing after this incident was resolved/.test(m.text ?? ''),
    );
    expect(told).toHaveLength(1);
  });

  it('opens a new incident naming the previous one when the alarm fires more than an hour after resolution', async () => {
    // prepare
    await bot.post('cloudwatch', ALARM);
    const channelId = await bot.harness.channelOf('INC-1');
    await bot.harness.command('resolve Rolled back the deploy', { channelId });

    // act
    bot.clock.set('2024-02-18T17:31:00.000Z');
    const reopened = await bot.post('cloudwatch', alarmAgain('2024-02-18T17:31:00.000+0000'));
    const again = await bot.post('cloudwatch', alarmAgain('2024-02-18T17:35:00.000+0000'));

    // assess
    expect([reopened.json.results, again.json.results]).toEqual([
      [{ key: CHECKOUT_ALARM_KEY, action: 'opened', incidentId: 'INC-2' }],
      [{ key: CHECKOUT_ALARM_KEY, action: 'noted', incidentId: 'INC-2' }],
    ]);
    expect((await bot.incidents()).map((incident) => [incident.id, incident.status])).toEqual([
      ['INC-1', 'resolved'],
      ['INC-2', 'investigating'],
    ]);
    expect(await bot.events('INC-1', 'note')).toEqual([]);
    const [detection] = await bot.events('INC-2', 'detection');
    expect(detection?.at).toBe('2024-02-18T17:31:00.000Z');
    expect(detection?.text).toContain('it fired before in INC-1');
  });

  it('opens one incident for the same notification delivered 20 times at once, adding no notes', async () => {
    // act
    const posted = await Promise.all(Array.from({ length: 20 }, () => bot.post('cloudwatch', ALARM)));

    // assess
    const actions = posted.map((response) => response.json.results?.[0]?.action).sort();
    expect(actions).toEqual([...Array<string>(19).fill('ignored'), 'opened']);
    expect((await bot.incidents()).map((incident) => incident.id)).toEqual(['INC-1']);
    expect(await bot.events('INC-1', 'note')).toEqual([]);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(1);
  });

  it('opens one incident for 20 concurrent firings of one alarm, noting the other 19', async () => {
    // prepare: the same alarm, each notification a state change of its own
    const bodies = Array.from({ length: 20 }, (_, index) =>
      alarmAgain(`2024-02-18T15:${String(30 + index).padStart(2, '0')}:00.000+0000`),
    );

    // act
    const posted = await Promise.all(bodies.map((body) => bot.post('cloudwatch', body)));

    // assess
    expect(posted.map((response) => response.status)).toEqual(Array(20).fill(200));
    const actions = posted.map((response) => response.json.results?.[0]?.action).sort();
    expect(actions).toEqual([...Array<string>(19).fill('noted'), 'opened']);
    expect((await bot.incidents()).map((incident) => incident.id)).toEqual(['INC-1']);
    expect(await bot.events('INC-1', 'note')).toHaveLength(19);
    expect(await bot.events('INC-1', 'detection')).toHaveLength(1);
  });
});

describe('SNS subscription confirmation', () => {
  let bot: Bot;
  const realFetch = globalThis.fetch;
  const visited: string[] = [];
  let snsStatus: number;

  beforeEach(async () => {
    bot = await startBot();
    visited.length = 0;
    snsStatus = 200;
    // The server runs in this process: catch its GET of the SubscribeURL instead of reaching AWS.
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith('https://sns.')) return realFetch(input, init);
      visited.push(url);
      return new Response('<ConfirmSubscriptionResponse/>', { status: snsStatus });
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await bot.harness.close();
  });

  it('visits the SubscribeURL and writes nothing', async () => {
    // prepare
    const body = fixture('sns-subscription-confirmation.json');
    const before = await bot.items();

    // act
    const posted = await bot.post('cloudwatch', body);

    // assess
    expect(posted.status).toBe(200);
    expect(visited).toEqual([(JSON.parse(body) as { SubscribeURL: string }).SubscribeURL]);
    expect(await bot.items()).toEqual(before);
  });

  it('answers 502 when SNS refuses the confirmation, so SNS asks again', async () => {
    // prepare
    snsStatus = 403;

    // act
    const posted = await bot.post('cloudwatch', fixture('sns-subscription-confirmation.json'));

    // assess
    expect(visited).toHaveLength(1);
    expect(posted.status).toBe(502);
    expect(posted.json.error).toBe('could not confirm the subscription: SNS answered 403');
  });

  it('does not confirm without the token', async () => {
    // act
    const posted = await bot.post('cloudwatch', fixture('sns-subscription-confirmation.json'), {});

    // assess
    expect(posted.status).toBe(401);
    expect(visited).toEqual([]);
  });
});

describe('Alertmanager webhooks', () => {
  let bot: Bot;

  beforeEach(async () => {
    bot = await startBot();
  });
  afterEach(() => bot.harness.close());

  const GROUP_KEY = 'alertmanager-group:{}/{severity="critical"}:{alertname="HighErrorRate"}';

  it('opens one incident for a firing group, each alert a detection event', async () => {
    // act
    const posted = await bot.post('alertmanager', fixture('alertmanager-firing.json'));

    // assess
    expect(posted.status).toBe(200);
    expect(posted.json.results).toEqual([{ key: GROUP_KEY, action: 'opened', incidentId: 'INC-1' }]);
    expect((await bot.incidents()).map((incident) => [incident.title, incident.severity])).toEqual([
      ['alertname=HighErrorRate (2 alerts)', 'sev1'],
    ]);
    const detection = (await bot.events('INC-1', 'detection')).map((event) => event.text);
    expect(detection.filter((text) => text.startsWith('Monitoring alert group'))).toEqual([
      'Monitoring alert group alertname=HighErrorRate: 2 of 2 alerts firing',
    ]);
    expect(detection.filter((text) => text.startsWith('Alert '))).toEqual([
      expect.stringMatching(
        /^Alert HighErrorRate firing \[service=checkout\]: High 5xx rate on checkout — 7\.4% of checkout .* — http:\/\/prometheus-k8s-0/,
      ),
      expect.stringMatching(
        /^Alert HighErrorRate firing \[service=payments\]: High 5xx rate on payments — 5\.9%/,
      ),
    ]);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(1);
  });

  it('notes the resolved alerts and the group resolving on its incident, which stays open', async () => {
    // prepare
    await bot.post('alertmanager', fixture('alertmanager-firing.json'));

    // act
    const posted = await bot.post('alertmanager', fixture('alertmanager-resolved.json'));

    // assess
    expect(posted.json.results).toEqual([{ key: GROUP_KEY, action: 'noted', incidentId: 'INC-1' }]);
    expect((await bot.events('INC-1', 'note')).map((event) => [event.at, event.text.slice(0, 60)])).toEqual([
      ['2024-02-18T16:02:57.117Z', 'Alert HighErrorRate resolved [service=payments]: High 5xx ra'],
      ['2024-02-18T16:07:12.503Z', 'Alert HighErrorRate resolved [service=checkout]: High 5xx ra'],
      ['2024-02-18T16:07:12.503Z', 'Alert group alertname=HighErrorRate resolved: all 2 alerts r'],
    ]);
    expect((await bot.incidents()).map((incident) => incident.status)).toEqual(['investigating']);
  });

  it('adds nothing when Alertmanager repeats a group that is still firing', async () => {
    // prepare
    await bot.post('alertmanager', fixture('alertmanager-firing.json'));
    const before = await bot.items();

    // act
    const repeated = await bot.post('alertmanager', fixture('alertmanager-firing.json'));

    // assess
    expect(repeated.json.results?.map((result) => result.action)).toEqual(['ignored']);
    expect(await bot.items()).toEqual(before);
  });

  it('notes a group still firing within an hour of resolution on the resolved incident, opening nothing', async () => {
    // prepare: the group opened INC-1, then a new alert joins it after INC-1 is resolved
    await bot.post('alertmanager', fixture('alertmanager-firing.json'));
    await bot.harness.command('resolve INC-1');
    const body = JSON.parse(fixture('alertmanager-firing.json')) as { alerts: Record<string, unknown>[] };
    const joined = {
      ...body.alerts[0],
      fingerprint: 'f0000000000000aa',
      labels: { ...(body.alerts[0]?.labels as object), instance: 'late-joiner:9100' },
    };

    // act
    bot.clock.set('2024-02-18T17:00:00.000Z');
    const posted = await bot.post(
      'alertmanager',
      JSON.stringify({ ...body, alerts: [...body.alerts, joined] }),
    );

    // assess
    expect(posted.json.results).toEqual([{ key: GROUP_KEY, action: 'noted', incidentId: 'INC-1' }]);
    expect((await bot.incidents()).map((incident) => incident.status)).toEqual(['resolved']);
    expect(JSON.stringify(await bot.events('INC-1', 'note'))).toContain('late-joiner:9100');
  });

  it('opens a new incident when the group fires after its incident was resolved', async () => {
    // prepare
    await bot.post('alertmanager', fixture('alertmanager-firing.json'));
    await bot.harness.command('resolve INC-1');

    // act: more than the policy's reopenAfter (1h by default) later; within it, a note (see CloudWatch)
    bot.clock.set('2024-02-18T17:31:00.000Z');
    const posted = await bot.post('alertmanager', fixture('alertmanager-firing.json'));

    // assess
    expect(posted.json.results).toEqual([{ key: GROUP_KEY, action: 'opened', incidentId: 'INC-2' }]);
    expect((await bot.incidents()).map((incident) => incident.status)).toEqual(['resolved', 'investigating']);
  });
});

describe('refused requests', () => {
  // One bot for every refusal: each writes nothing, which each test checks.
  let bot: Bot;

  beforeAll(async () => {
    bot = await startBot();
  });
  afterAll(() => bot.harness.close());

  async function expectNothingWritten(send: () => Promise<Posted>, to = bot): Promise<Posted> {
    const before = await to.items();
    const calls = to.harness.slack.calls.length;
    const posted = await send();
    expect(await to.items()).toEqual(before);
    expect(await to.incidents()).toEqual([]);
    expect(to.harness.slack.calls.length).toBe(calls);
    return posted;
  }

  it.each([
    ['no credentials', {}],
    ['a wrong bearer token', bearer('not-the-token')],
    ['a wrong basic-auth password', basic('not-the-token')],
  ])('answers 401 with a challenge to %s, writing nothing', async (_, headers) => {
    // act
    const cloudwatch = await expectNothingWritten(() => bot.post('cloudwatch', ALARM, headers));
    const alertmanager = await expectNothingWritten(() =>
      bot.post('alertmanager', fixture('alertmanager-firing.json'), headers),
    );

    // assess
    for (const posted of [cloudwatch, alertmanager]) {
      expect(posted.status).toBe(401);
      expect(posted.headers.get('www-authenticate')).toBe(ALERT_AUTH_CHALLENGE);
    }
  });

  it('refuses every alert when no ALERT_TOKEN is configured', async () => {
    // prepare
    const tokenless = await startBot({});

    try {
      // act
      const posted = await expectNothingWritten(
        () => tokenless.post('cloudwatch', ALARM, bearer(TOKEN)),
        tokenless,
      );

      // assess
      expect(posted.status).toBe(401);
    } finally {
      await tokenless.harness.close();
    }
  });

  it.each([
    ['cloudwatch', 'not json', 'body is not JSON'],
    [
      'cloudwatch',
      alarmNotification('cloudwatch-alarm-sns.json', { NewStateValue: undefined }),
      'Message.NewStateValue: is missing',
    ],
    [
      'alertmanager',
      fixture('alertmanager-v3.json'),
      'version: Alertmanager webhook payload version 3 is not supported; expected "4"',
    ],
  ] as const)(
    'answers 400 with the reason to a malformed %s payload, writing nothing',
    async (route, body, reason) => {
      // act
      const posted = await expectNothingWritten(() => bot.post(route, body));

      // assess
      expect(posted.status).toBe(400);
      expect(posted.json.error).toContain(reason);
    },
  );
});

describe('the Lambda entry', () => {
  let bot: Bot;
  let logged = memoryLog();

  beforeEach(async () => {
    bot = await startBot();
    logged = memoryLog();
  });
  afterEach(() => bot.harness.close());

  /** `tokenless`: the Slack secret has no alertToken key. */
  function lambdaHandler(options: { tokenless?: boolean } = {}) {
    return createAlertsHandler(
      async () => ({
        service: bot.service,
        verifySns: unsigned,
        ...(options.tokenless ? {} : { token: TOKEN }),
      }),
      { log: logged },
    );
  }

  function apiEvent(rawPath: string, body: string, headers: Record<string, string>, base64 = false) {
    return {
      version: '2.0',
      routeKey: `POST ${rawPath}`,
      rawPath,
      rawQueryString: '',
      headers,
      requestContext: { http: { method: 'POST', path: rawPath } },
      body: base64 ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: base64,
    } as unknown as APIGatewayProxyEventV2;
  }

  it('opens an incident for an alarm its SNS topic delivers directly', async () => {
    // prepare
    const event = JSON.parse(fixture('sns-lambda-event.json')) as SNSEvent;

    // act
    const result = await lambdaHandler()(event);
    await bot.harness.server.jobs.drain();

    // assess
    expect(result).toBeUndefined();
    expect(await bot.harness.server.store.getIncident('INC-1')).toMatchObject({
      title: 'CloudWatch alarm: orders-db-cpu-high [sev1] (CPUUtilization >= 90)',
      severity: 'sev1',
      startedAt: '2024-02-18T15:32:05.617Z',
    });
    expect(logged.messages()).toEqual([
      'alert cloudwatch:210987654321:us-east-1:orders-db-cpu-high [sev1]: opened INC-1',
    ]);
    expect(logged.lines[0]?.keys).toMatchObject({ incidentId: 'INC-1', action: 'opened' });
  });

  it('logs and drops a malformed SNS message rather than failing the invocation', async () => {
    // prepare
    const event = JSON.parse(fixture('sns-lambda-event.json')) as SNSEvent;
    const record = event.Records[0] as SNSEvent['Records'][number];
    record.Sns.Message = 'not json';
    const before = await bot.items();

    // act
    const result = await lambdaHandler()(event);

    // assess
    expect(result).toBeUndefined();
    expect(logged.messages()).toEqual([
      'SNS alert dropped: Records[0].Sns.Message: is not JSON (expected a CloudWatch alarm)',
    ]);
    expect(await bot.items()).toEqual(before);
  });

  it('fails the invocation when an alarm could not be handled, so Lambda retries it', async () => {
    // prepare
    const handler = createAlertsHandler(
      async () => ({
        verifySns: unsigned,
        service: {
          handle: async () => {
            throw new Error('DynamoDB is unavailable');
          },
        },
      }),
      { log: logged },
    );
    const event = JSON.parse(fixture('sns-lambda-event.json')) as SNSEvent;

    // act
    const invocation = handler(event);

    // assess
    await expect(invocation).rejects.toThrow('DynamoDB is unavailable');
  });

  it('serves both HTTP routes from API Gateway events, base64-encoded bodies too', async () => {
    // act
    const alertmanager = await lambdaHandler()(
      apiEvent('/alerts/alertmanager', fixture('alertmanager-firing.json'), bearer(TOKEN), true),
    );
    const cloudwatch = await lambdaHandler()(apiEvent('/alerts/cloudwatch', ALARM, basic(TOKEN)));
    await bot.harness.server.jobs.drain();

    // assess
    expect(alertmanager?.statusCode).toBe(200);
    expect(cloudwatch?.statusCode).toBe(200);
    expect(JSON.parse(String(cloudwatch?.body))).toEqual({
      results: [{ key: CHECKOUT_ALARM_KEY, action: 'opened', incidentId: 'INC-2' }],
    });
    // One incident for the Alertmanager group (its two alerts), one for the alarm.
    expect((await bot.incidents()).map((incident) => incident.id)).toEqual(['INC-1', 'INC-2']);
  });

  it('answers 404 to other paths and 401 when the secret holds no alert token, writing nothing', async () => {
    // prepare
    const before = await bot.items();

    // act
    const elsewhere = await lambdaHandler()(apiEvent('/alerts/nagios', ALARM, bearer(TOKEN)));
    const tokenless = await lambdaHandler({ tokenless: true })(
      apiEvent('/alerts/cloudwatch', ALARM, bearer(TOKEN)),
    );

    // assess
    expect(elsewhere?.statusCode).toBe(404);
    expect(tokenless?.statusCode).toBe(401);
    expect(tokenless?.headers?.['www-authenticate']).toBe(ALERT_AUTH_CHALLENGE);
    expect(await bot.items()).toEqual(before);
  });
});

describe('deliveries that overlap', () => {
  let bot: Bot;
  let clock: ReturnType<typeof fixedClock>;
  let links: DynamoAlertLinks;

  beforeEach(async () => {
    bot = await startBot();
    clock = fixedClock(NOW);
    links = new DynamoAlertLinks({ client: dynamo.client, tableName: bot.tableName, clock });
  });
  afterEach(() => bot.harness.close());

  /** A service that waits `waitMs` for another delivery's link, on the bot's table. */
  function serviceWaiting(waitMs: number): AlertService {
    return new AlertService({
      commands: bot.commands,
      store: bot.harness.server.store,
      jobs: bot.harness.server.jobs,
      links,
      clock,
      waitMs,
    });
  }

  function signalOf(body: string): AlertSignal {
    const parsed = parseSnsHttpBody(body);
    if (!parsed.ok || parsed.value.kind !== 'signals' || !parsed.value.signals[0]) {
      throw new Error(`not an alarm: ${body}`);
    }
    return parsed.value.signals[0];
  }

  it('answers 503 with Retry-After while another delivery is opening the incident, writing nothing', async () => {
    // prepare
    await links.reserve(CHECKOUT_ALARM_KEY);
    const before = await bot.items();

    // act
    const response = await handleAlertHttp(
      'cloudwatch',
      { headers: bearer(TOKEN), body: ALARM },
      { service: serviceWaiting(300), token: TOKEN, verifySns: unsigned },
    );

    // assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('5');
    expect(await bot.items()).toEqual(before);
  });

  it('opens the incident once the lease of a crashed delivery has run out', async () => {
    // prepare: a delivery reserved the key and died before declaring
    await links.reserve(CHECKOUT_ALARM_KEY);
    clock.set(new Date(Date.parse(NOW) + links.leaseMs).toISOString());

    // act
    const outcome = await serviceWaiting(300).handle(signalOf(ALARM));

    // assess
    expect(outcome).toEqual({ action: 'opened', incidentId: 'INC-1' });
    expect(await links.get(CHECKOUT_ALARM_KEY)).toMatchObject({ state: 'open', incidentId: 'INC-1' });
  });

  it('takes over a crashed replacement as the replacement: the new incident still names the one it replaces', async () => {
    // prepare: INC-1 resolved two hours ago; a delivery of the alarm firing again reserved the key to
    // replace it, and died before declaring
    await bot.post('cloudwatch', ALARM);
    await bot.harness.command('resolve INC-1');
    clock.set('2024-02-18T18:30:00.000Z');
    expect(await links.reserve(CHECKOUT_ALARM_KEY, 'INC-1')).toBe(true);
    clock.set(new Date(Date.parse('2024-02-18T18:30:00.000Z') + links.leaseMs).toISOString());

    // act
    const outcome = await serviceWaiting(300).handle(signalOf(alarmAgain('2024-02-18T18:29:00.000+0000')));

    // assess
    expect(outcome).toEqual({ action: 'opened', incidentId: 'INC-2' });
    const [detection] = await bot.events('INC-2', 'detection');
    expect(detection?.text).toContain('it fired before in INC-1');
    expect(await links.get(CHECKOUT_ALARM_KEY)).toEqual({
      key: CHECKOUT_ALARM_KEY,
      state: 'open',
      incidentId: 'INC-2',
      reservedAt: Date.parse('2024-02-18T18:31:00.000Z'),
    });
  });

  it('holds an OK that overtook its firing until the incident is linked, then notes it', async () => {
    // prepare: the firing's delivery has reserved the key and is declaring
    await links.reserve(CHECKOUT_ALARM_KEY);
    const okHandled = serviceWaiting(5_000).handle(signalOf(OK));
    const incident = await bot.commands.declare({
      title: 'CloudWatch alarm: checkout-api-5xx-rate (5XXError > 0.05)',
      severity: 'sev2',
      declaredBy: 'bot',
      eventId: 'declared-by-the-firing',
    });

    // act
    await links.link(CHECKOUT_ALARM_KEY, incident.id);
    const outcome = await okHandled;

    // assess
    expect(outcome).toEqual({ action: 'noted', incidentId: 'INC-1' });
    expect((await bot.events('INC-1', 'note')).map((event) => event.text)).toEqual([
      `Alert checkout-api-5xx-rate returned to OK: ${OK_REASON}`,
    ]);
  });
});

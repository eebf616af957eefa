/**
 * Alertmanager notification groups through the local server's alert route (docs/architecture.md, "Alerts → alert service";
 * issue 10, items 1 and 2): one incident per group (groupKey), each alert a timeline event, alerts
 * joining or resolving later as notes, HA duplicates and re-sends recorded once, odd alerts kept,
 * truncatedAlerts noted, version 3 refused. Payloads are the v4 group fixtures in
 * tests/fixtures/alerts, posted with the bearer token to a bot on a dynalite table of its own.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident, TimelineEvent } from '../../lambda/incidents/types';
import { fixedClock, startHarness } from '../helpers/harness';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

const TOKEN = 't0ken';
const NOW = '2024-02-18T16:30:00.000Z';
const GROUP_KEY = 'alertmanager-group:{}/{severity="critical"}:{alertname="HighLatency", service="api"}';
const GROUP_TITLE = 'alertname=HighLatency, service=api';

const POLICY = `
teams:
  oncall: { slack: S0ONCALL }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
`;

interface Alert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

interface Notification {
  status: string;
  alerts: Alert[];
  externalURL: string;
  truncatedAlerts: number;
  [field: string]: unknown;
}

function fixture(name: string): string {
  return readFileSync(path.join(__dirname, '..', 'fixtures', 'alerts', name), 'utf8');
}

function group(name = 'alertmanager-group-60.json'): Notification {
  return JSON.parse(fixture(name)) as Notification;
}

/** The two alerts that join the 60-alert group later: two more instances, fired a minute after. */
function joiningAlerts(): Alert[] {
  const [template] = group().alerts;
  if (!template) throw new Error('the fixture has no alert');
  return ['10.0.3.10:8080', '10.0.3.11:8080'].map((instance, index) => ({
    ...template,
    labels: { ...template.labels, instance, pod: `api-7d9f8c6b5-zz${index}` },
    annotations: { ...template.annotations, summary: `p99 latency above 500ms on ${instance}` },
    startsAt: `2024-02-18T15:41:0${index}.000000000Z`,
    fingerprint: `f00dfeed0000000${index}`,
  }));
}

/** The alert resolved at `endsAt`, as Alertmanager sends it. */
function resolved(alert: Alert, endsAt: string): Alert {
  return { ...alert, status: 'resolved', endsAt };
}

interface Posted {
  status: number;
  headers: Headers;
  json: { results?: { key: string; action: string; incidentId?: string }[]; error?: string };
}

let dynamo: TestDynamo;
let policyFile: string;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  policyFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'incident-bot-grouping-')), 'policy.yaml');
  await writeFile(policyFile, POLICY);
});

afterAll(() => dynamo?.close());

async function startBot() {
  const tableName = await dynamo.freshTable('alerts-grouping');
  const clock = fixedClock(NOW);
  const harness = await startHarness({
    clock,
    env: {
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: tableName,
      ESCALATION_POLICY: policyFile,
      ALERT_TOKEN: TOKEN,
    },
  });

  async function send(body: unknown): Promise<Posted> {
    const response = await fetch(`${harness.server.url}/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
  }

  /** Posts and waits for the slow work it queued (channel, pages). */
  async function post(body: unknown): Promise<Posted> {
    const posted = await send(body);
    await harness.server.jobs.drain();
    return posted;
  }

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

  /** Alert events: the group's detection and notes written by the bot, without the declaration. */
  async function alertEvents(incidentId: string): Promise<TimelineEvent[]> {
    return (await events(incidentId)).filter(
      (event) => (event.kind === 'detection' || event.kind === 'note') && event.author === 'bot',
    );
  }

  const slackMessages = () =>
    harness.slack.callsTo('chat.postMessage').length + harness.slack.callsTo('chat.postEphemeral').length;

  return { harness, clock, send, post, items, incidents, events, alertEvents, slackMessages };
}

type Bot = Awaited<ReturnType<typeof startBot>>;

describe('one incident per Alertmanager notification group', () => {
  let bot: Bot;

  beforeEach(async () => {
    bot = await startBot();
  });
  afterEach(() => bot.harness.close());

  it('opens one incident, one channel and one page for a group of one alert, naming the group', async () => {
    // act
    const posted = await bot.post(group('alertmanager-group-1.json'));

    // assess
    expect(posted.status).toBe(200);
    expect(posted.json.results).toEqual([{ key: GROUP_KEY, action: 'opened', incidentId: 'INC-1' }]);
    expect((await bot.incidents()).map((incident) => [incident.title, incident.severity])).toEqual([
      [`p99 latency above 500ms on 10.0.0.10:8080 (${GROUP_TITLE})`, 'sev1'],
    ]);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(1);
    expect(await bot.events('INC-1', 'escalation')).toHaveLength(1);
    const detection = (await bot.events('INC-1', 'detection')).map((event) => event.text);
    expect(detection).toHaveLength(2);
    expect(detection[0]).toBe(
      `Monitoring alert group ${GROUP_TITLE}: p99 request latency on 10.0.0.10:8080 is 0.512s over the last 5 minutes (threshold 0.5s).`,
    );
    // The alert's own labels beyond the group's, its annotations and where it came from.
    expect(detection[1]).toContain('Alert HighLatency firing [');
    expect(detection[1]).toContain('instance=10.0.0.10:8080');
    expect(detection[1]).toContain('p99 latency above 500ms on 10.0.0.10:8080');
    expect(detection[1]).toContain('http://prometheus-k8s-0.monitoring.svc:9090/graph?g0.expr=');
  });

  it('opens one incident, one channel and one page for a group of 60 alerts, each alert an event', async () => {
    // act
    const posted = await bot.post(group());
    const messages = bot.slackMessages();

    // assess
    expect(posted.status).toBe(200);
    expect(posted.json.results).toEqual([{ key: GROUP_KEY, action: 'opened', incidentId: 'INC-1' }]);
    const incidents = await bot.incidents();
    expect(incidents.map((incident) => incident.title)).toEqual([`${GROUP_TITLE} (60 alerts)`]);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(1);
    expect(await bot.events('INC-1', 'escalation')).toHaveLength(1);
    const alerts = (await bot.events('INC-1', 'detection')).slice(1);
    expect(alerts).toHaveLength(60);
    // Each names its distinguishing labels (not the common ones) and its own generatorURL.
    const instances = group().alerts.map((alert) => alert.labels.instance);
    expect(alerts.map((event) => /instance=([^,\]]+)/.exec(event.text)?.[1]).sort()).toEqual(
      [...instances].sort(),
    );
    for (const event of alerts) {
      expect(event.text).toMatch(/\[instance=[^\]]*pod=api-/);
      expect(event.text).not.toContain('cluster=prod-eu-1');
      expect(event.text).toContain('g0.expr=');
    }

    // As much Slack traffic as a group of one (another group, on the same bot) makes.
    const before = bot.slackMessages();
    const other = await bot.post({
      ...group('alertmanager-group-1.json'),
      groupKey: '{}/{severity="critical"}:{alertname="HighLatency", service="search"}',
    });
    expect(other.json.results?.[0]).toMatchObject({ action: 'opened', incidentId: 'INC-2' });
    expect(bot.slackMessages() - before).toBe(messages);
  });

  it('records a re-sent group (repeat_interval, retries) once: nothing is written again', async () => {
    // prepare
    await bot.post(group());
    const before = await bot.items();
    const messages = bot.slackMessages();

    // act
    const again = await bot.post(group());

    // assess
    expect(again.json.results).toEqual([{ key: GROUP_KEY, action: 'ignored', incidentId: 'INC-1' }]);
    expect(await bot.items()).toEqual(before);
    expect(bot.slackMessages()).toBe(messages);
  });

  it('lands the same group from both Alertmanagers of an HA pair, arriving together, on one incident', async () => {
    // prepare
    const first = group();
    const second = { ...group(), externalURL: 'http://alertmanager-main-1.monitoring.svc:9093' };

    // act
    const answers = await Promise.all([bot.send(first), bot.send(second)]);
    await bot.harness.server.jobs.drain();

    // assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers.flatMap((answer) => answer.json.results?.map((result) => result.incidentId))).toEqual([
      'INC-1',
      'INC-1',
    ]);
    expect((await bot.incidents()).map((incident) => incident.id)).toEqual(['INC-1']);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(1);
    expect(await bot.events('INC-1', 'escalation')).toHaveLength(1);
    expect(await bot.alertEvents('INC-1')).toHaveLength(61);
  });

  it('notes alerts that join the group later on the same incident, without paging again', async () => {
    // prepare
    await bot.post(group());
    const joined = group();
    joined.alerts.push(...joiningAlerts());

    // act
    const posted = await bot.post(joined);

    // assess
    expect(posted.json.results).toEqual([{ key: GROUP_KEY, action: 'noted', incidentId: 'INC-1' }]);
    expect(await bot.incidents()).toHaveLength(1);
    const notes = (await bot.events('INC-1', 'note')).map((event) => event.text);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('Alert HighLatency firing [instance=10.0.3.10:8080');
    expect(notes[1]).toContain('instance=10.0.3.11:8080');
    expect(await bot.events('INC-1', 'escalation')).toHaveLength(1);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(1);
  });

  it('notes alerts resolving and the whole group resolving, once each, and leaves the incident open', async () => {
    // prepare
    await bot.post(group());
    const partly = group();
    partly.alerts = partly.alerts.map((alert, index) =>
      index < 2 ? resolved(alert, '2024-02-18T16:05:00.000000000Z') : alert,
    );
    const all = group();
    all.status = 'resolved';
    // The two resolved first keep their endsAt, as Alertmanager keeps it.
    all.alerts = all.alerts.map((alert, index) =>
      resolved(alert, index < 2 ? '2024-02-18T16:05:00.000000000Z' : '2024-02-18T16:20:00.000000000Z'),
    );

    // act
    const first = await bot.post(partly);
    const whole = await bot.post(all);
    const before = await bot.items();
    const repeated = await bot.post(all);

    // assess
    expect(first.json.results).toEqual([{ key: GROUP_KEY, action: 'noted', incidentId: 'INC-1' }]);
    expect(whole.json.results).toEqual([{ key: GROUP_KEY, action: 'noted', incidentId: 'INC-1' }]);
    expect(repeated.json.results).toEqual([{ key: GROUP_KEY, action: 'ignored', incidentId: 'INC-1' }]);
    expect(await bot.items()).toEqual(before);
    const notes = await bot.events('INC-1', 'note');
    // 2 resolved in the first notification, the other 58 in the second, then the group itself.
    expect(notes.filter((event) => event.text.startsWith('Alert HighLatency resolved'))).toHaveLength(60);
    expect(
      notes.filter((event) => event.text.startsWith(`Alert group ${GROUP_TITLE} resolved`)),
    ).toHaveLength(1);
    expect(notes.find((event) => event.text.includes('10.0.0.10:8080'))?.at).toBe('2024-02-18T16:05:00.000Z');
    expect((await bot.incidents()).map((incident) => incident.status)).toEqual(['investigating']);
  });

  it('keeps alerts without alertname under a fallback name, with the named alerts of their group', async () => {
    // act
    const posted = await bot.post(group('alertmanager-no-alertname.json'));

    // assess
    expect(posted.status).toBe(200);
    expect(posted.json.results).toEqual([
      { key: 'alertmanager-group:{}:{job="nightly-export"}', action: 'opened', incidentId: 'INC-1' },
    ]);
    expect((await bot.incidents()).map((incident) => incident.title)).toEqual([
      'job=nightly-export (3 alerts)',
    ]);
    const texts = (await bot.events('INC-1', 'detection')).map((event) => event.text);
    expect(texts).toEqual([
      'Monitoring alert group job=nightly-export: 3 of 3 alerts firing',
      expect.stringMatching(
        /^Alert unnamed alert \{instance=batch-runner-1, job=nightly-export, team=data\} firing \[instance=batch-runner-1\]: Nightly export failed$/,
      ),
      expect.stringMatching(
        /^Alert unnamed alert \{instance=batch-runner-2, job=nightly-export, team=data\} firing \[instance=batch-runner-2\]$/,
      ),
      expect.stringMatching(
        /^Alert ExportLag firing \[instance=batch-runner-1, severity=warning\]: Export lag above 2h — http:/,
      ),
    ]);
  });

  it('notes how many alerts Alertmanager left out of the group, once', async () => {
    // prepare
    const truncated = { ...group(), truncatedAlerts: 12 };

    // act
    const posted = await bot.post(truncated);
    await bot.post(truncated);

    // assess
    expect(posted.json.results?.[0]?.action).toBe('opened');
    expect((await bot.incidents()).map((incident) => incident.title)).toEqual([`${GROUP_TITLE} (72 alerts)`]);
    expect((await bot.events('INC-1', 'note')).map((event) => event.text)).toEqual([
      expect.stringMatching(/^Alertmanager left out 12 alerts of this group/),
    ]);
  });

  it.each([
    [
      'version 3',
      fixture('alertmanager-v3.json'),
      'version: Alertmanager webhook payload version 3 is not supported; expected "4"',
    ],
    ['not a webhook at all', JSON.stringify({ text: 'HighLatency is firing' }), 'version: is missing'],
    ['alerts that are not a list', JSON.stringify({ version: '4', alerts: {} }), 'alerts: expected an array'],
  ])('answers 400 with the reason to %s, writing nothing', async (_case, body, reason) => {
    // prepare
    const before = await bot.items();

    // act
    const posted = await bot.post(body);

    // assess
    expect(posted.status).toBe(400);
    expect(posted.json.error).toContain(reason);
    expect(await bot.items()).toEqual(before);
    expect(bot.harness.slack.calls).toHaveLength(0);
  });
});

/** A group of one alert of its own service `service`: its own groupKey, so its own incident. */
function serviceGroup(service: string, status: 'firing' | 'resolved' = 'firing'): Notification {
  const base = group('alertmanager-group-1.json');
  const alerts = base.alerts.map((alert) => ({
    ...alert,
    status,
    labels: { ...alert.labels, service },
    fingerprint: createHash('sha256').update(service).digest('hex').slice(0, 16),
    ...(status === 'resolved' ? { endsAt: '2024-02-18T16:29:00Z' } : {}),
  }));
  return {
    ...base,
    status,
    alerts,
    groupLabels: { alertname: 'HighLatency', service },
    groupKey: `{}/{severity="critical"}:{alertname="HighLatency", service="${service}"}`,
  };
}

const STORM_TITLE = 'Alert storm: more than 5 new incidents from alerts in a minute';

describe('the storm cap (policy alerts.maxNewIncidentsPerMinute, default 5)', () => {
  let bot: Bot;

  beforeEach(async () => {
    bot = await startBot();
  });
  afterEach(() => bot.harness.close());

  it('opens five incidents in a minute, then one storm incident that collects every further group and pages once', async () => {
    // act: 12 groups at once, all in the same minute
    const services = Array.from({ length: 12 }, (_, index) => `svc-${index}`);
    const answers = await Promise.all(services.map((service) => bot.send(serviceGroup(service))));
    await bot.harness.server.jobs.drain();

    // assess
    expect(answers.map((answer) => answer.status)).toEqual(services.map(() => 200));
    const incidents = await bot.incidents();
    expect(incidents).toHaveLength(6);
    const storms = incidents.filter((incident) => incident.title === STORM_TITLE);
    expect(storms).toHaveLength(1);
    const [storm] = storms;
    if (!storm) throw new Error('no storm incident');
    // Alerts say critical (sev1): the storm takes the severity of the alert that opened it, at least sev2.
    expect(storm.severity).toMatch(/^sev[12]$/);
    expect(bot.harness.slack.callsTo('conversations.create')).toHaveLength(6);
    // One page per incident: five for the groups, one for the storm, none per stormed alert.
    for (const incident of incidents) expect(await bot.events(incident.id, 'escalation')).toHaveLength(1);
    // Every alert is on some timeline: five on their own incidents, seven on the storm's.
    const stormed = answers.filter((answer) => answer.json.results?.[0]?.incidentId === storm.id);
    expect(stormed).toHaveLength(7);
    const stormEvents = (await bot.alertEvents(storm.id)).map((event) => event.text);
    expect(
      stormEvents.filter((text) => text.startsWith('Alert storm: alerts asked for more than 5')),
    ).toHaveLength(1);
    for (const service of services) {
      const home = answers[services.indexOf(service)]?.json.results?.[0]?.incidentId;
      if (!home) throw new Error(`no incident for ${service}`);
      const texts = (await bot.alertEvents(home)).map((event) => event.text).join('\n');
      expect(texts).toContain(`service=${service}`);
    }
    expect(stormEvents.filter((text) => text.includes('during the alert storm'))).toHaveLength(7);
  });

  it('notes a stormed group firing again and resolving on the storm incident, without opening or paging', async () => {
    // prepare: five incidents, then svc-5 into the storm
    for (let index = 0; index < 6; index++) await bot.post(serviceGroup(`svc-${index}`));
    const storm = (await bot.incidents()).find((incident) => incident.title === STORM_TITLE);
    if (!storm) throw new Error('no storm incident');
    const before = await bot.alertEvents(storm.id);
    bot.clock.set('2024-02-18T16:45:00.000Z');

    // act: a minute later svc-5 is re-sent (repeat_interval), then resolves
    const again = await bot.post(serviceGroup('svc-5'));
    const resolved = await bot.post(serviceGroup('svc-5', 'resolved'));

    // assess
    expect(again.json.results?.[0]).toMatchObject({ action: 'ignored', incidentId: storm.id });
    expect(resolved.json.results?.[0]).toMatchObject({ action: 'noted', incidentId: storm.id });
    expect(await bot.incidents()).toHaveLength(6);
    expect(await bot.events(storm.id, 'escalation')).toHaveLength(1);
    const added = (await bot.alertEvents(storm.id)).slice(before.length).map((event) => event.text);
    expect(added.join('\n')).toContain('Alert group alertname=HighLatency, service=svc-5 resolved');
  });

  it('opens incidents again in the next minute, and keeps a twin of an opened group on its incident', async () => {
    // prepare: the budget of 16:30 used up, the storm open
    for (let index = 0; index < 6; index++) await bot.post(serviceGroup(`svc-${index}`));

    // act: svc-0 again from the HA twin (same minute), and a new group at 16:31
    const twin = await bot.post({ ...serviceGroup('svc-0'), externalURL: 'http://alertmanager-main-1:9093' });
    bot.clock.set('2024-02-18T16:31:00.000Z');
    const next = await bot.post(serviceGroup('svc-new'));

    // assess
    expect(twin.json.results?.[0]).toMatchObject({ incidentId: 'INC-1' });
    expect(next.json.results?.[0]).toMatchObject({ action: 'opened', incidentId: 'INC-7' });
    expect((await bot.incidents()).map((incident) => incident.title)).toContain(
      'p99 latency above 500ms on 10.0.0.10:8080 (alertname=HighLatency, service=svc-new)',
    );
  });

  it('opens a new storm incident once the previous one is resolved', async () => {
    // prepare
    for (let index = 0; index < 6; index++) await bot.post(serviceGroup(`svc-${index}`));
    const first = (await bot.incidents()).find((incident) => incident.title === STORM_TITLE);
    if (!first) throw new Error('no storm incident');
    await bot.harness.command(`resolve ${first.id}`);
    await bot.harness.server.jobs.drain();

    // act
    const overflow = await bot.post(serviceGroup('svc-6'));

    // assess
    const storms = (await bot.incidents()).filter((incident) => incident.title === STORM_TITLE);
    expect(storms.map((incident) => incident.id)).toEqual([first.id, 'INC-7']);
    expect(overflow.json.results?.[0]).toMatchObject({ action: 'opened', incidentId: 'INC-7' });
  });
});

/**
 * Issue 10, item 8, through the local server and the Slack stand-in (which refuses messages that
 * break Block Kit's limits): an incident opened by an alert has no commander, and its pinned summary
 * says so with an "I'll lead" button. Clicking it does what `/incident commander <@clicker>` does;
 * the first click wins and a later one is told who leads, through the interaction's response_url.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { messageProblems } from '../../local/block-kit-limits';
import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { ALICE, type Harness, startHarness } from '../helpers/harness';
import { buttonClick } from '../helpers/interactions';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server';

const TOKEN = 'lead-t0ken';
const BOB = 'U0BOB';

/** An Alertmanager v4 notification of one firing alert, as Alertmanager posts it. */
function alertmanagerBody(alertname: string): string {
  const labels = { alertname, service: 'checkout', severity: 'critical' };
  return JSON.stringify({
    receiver: 'incident-bot',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `${alertname} on checkout` },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
        fingerprint: 'a1b2c3d4e5f60718',
      },
    ],
    groupLabels: { alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
  });
}

/** `user` clicks "I'll lead" on the incident's summary; the bot answers refusals at `responseUrl`. */
const leadClick = (user: string, incidentId: string, channelId: string, id: string, responseUrl: string) =>
  buttonClick({
    actionId: 'incident.lead',
    blockId: 'incident.lead',
    label: "I'll lead",
    value: incidentId,
    channelId,
    id,
    user,
    responseUrl,
  });

type Block = {
  type: string;
  block_id?: string;
  text?: { text?: string };
  accessory?: Record<string, unknown>;
};

describe("an alert-opened incident asks someone to lead it ('I'll lead')", () => {
  let harness: Harness;
  /** Stands in for Slack's response_url endpoint. */
  let receiver: RecordingServer;
  let responseUrl: string;
  const answered = () => receiver.json<{ response_type?: string; text?: string }>();

  beforeAll(async () => {
    receiver = await startRecordingServer({
      answer: { headers: { 'content-type': 'text/plain' }, body: 'ok' },
    });
    responseUrl = `${receiver.url}/actions/1`;
  });
  afterAll(() => receiver.close());
  beforeEach(async () => {
    receiver.reset();
    harness = await startHarness({ env: { ALERT_TOKEN: TOKEN } });
  });
  afterEach(() => harness.close());

  /** Posts an alert and returns the incident it opened, with its channel set up. */
  async function alertOpened(alertname = 'CheckoutDown') {
    const response = await fetch(`${harness.server.url}/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: alertmanagerBody(alertname),
    });
    expect(response.status).toBe(200);
    await harness.server.jobs.drain();
    const incident = await harness.server.store.getIncident('INC-1');
    if (!incident) throw new Error('the alert opened no incident');
    return { incident, channelId: await harness.channelOf(incident.id) };
  }

  /** The pinned summary as the channel shows it now (after every chat.update). */
  async function summary(incidentId: string) {
    const incident = await harness.server.store.getIncident(incidentId);
    const message = harness.slack.messages.find((m) => m.ts === incident?.summaryTs);
    if (!message) throw new Error('no pinned summary');
    return message as { text?: string; blocks?: Block[] };
  }

  const leadBlock = (blocks: Block[] | undefined) =>
    blocks?.find((block) => block.block_id === 'incident.lead');

  it('pins a summary saying nobody leads, with a primary "I\'ll lead" button that passes Block Kit checks', async () => {
    const { incident } = await alertOpened();
    expect(incident.declaredBy).toBe('bot');
    expect(incident.commander).toBeUndefined();
    const pinned = await summary(incident.id);
    const block = leadBlock(pinned.blocks);
    expect(block?.text?.text).toContain('No one is leading this incident');
    expect(block?.accessory).toMatchObject({
      type: 'button',
      action_id: 'incident.lead',
      style: 'primary',
      value: incident.id,
      text: { type: 'plain_text', text: "I'll lead" },
    });
    // The stand-in accepted it; checked here too, so a block it would refuse fails this test by name.
    expect(messageProblems({ text: pinned.text, blocks: pinned.blocks })).toEqual([]);
  });

  it('a click makes the clicker the commander, logs it, invites them and refreshes the summary', async () => {
    const { incident, channelId } = await alertOpened();
    const summaryTs = incident.summaryTs;
    expect(leadBlock((await summary(incident.id)).blocks)).toBeDefined();
    expect(harness.slack.channels.get(channelId)?.members.has(BOB)).toBe(false);

    const response = await harness.interact(leadClick(BOB, incident.id, channelId, 'L1', responseUrl));

    expect(response.status).toBe(200);
    const after = await harness.server.store.getIncident(incident.id);
    expect(after?.commander).toBe(BOB);
    const record = await harness.server.store.getRecord(incident.id);
    const logged = record?.events.filter((event) => event.kind === 'commander') ?? [];
    expect(logged.map((event) => [event.author, event.subject, event.text])).toEqual([
      [BOB, BOB, 'is now the incident commander'],
    ]);
    expect(harness.slack.channels.get(channelId)?.members.has(BOB)).toBe(true);
    // Said in the channel, where the button was clicked, as `/incident commander` typed there would.
    const said = harness.slack.messages.filter((m) => m.channel === channelId).map((m) => m.text ?? '');
    expect(said).toContainEqual(
      expect.stringContaining(`<@${BOB}> is now the incident commander of ${incident.id}`),
    );
    // The same pinned message, edited: the commander shows and the button is gone.
    expect(after?.summaryTs).toBe(summaryTs);
    const pinned = await summary(incident.id);
    expect(leadBlock(pinned.blocks)).toBeUndefined();
    expect(JSON.stringify(pinned.blocks)).not.toContain('incident.lead');
    expect(JSON.stringify(pinned.blocks)).toContain(`<@${BOB}>`);
    expect(receiver.requests).toEqual([]);
  });

  it('a second click, by someone else, is told who leads through the response_url; nothing changes', async () => {
    const { incident, channelId } = await alertOpened();
    await harness.interact(leadClick(BOB, incident.id, channelId, 'L1', responseUrl));
    const before = await harness.server.store.getRecord(incident.id);
    const messages = harness.slack.messages.length;

    await harness.interact(leadClick(ALICE, incident.id, channelId, 'L2', responseUrl));

    expect(receiver.requests.map((request) => request.path)).toEqual(['/actions/1']);
    expect(answered()).toEqual([
      {
        response_type: 'ephemeral',
        text: expect.stringContaining(`<@${BOB}> is already leading ${incident.id}`),
      },
    ]);
    const after = await harness.server.store.getRecord(incident.id);
    expect(after?.incident.commander).toBe(BOB);
    expect(after?.incident.version).toBe(before?.incident.version);
    expect(after?.events).toHaveLength(before?.events.length ?? -1);
    expect(harness.slack.messages.length).toBe(messages);
  });

  it('of two clicks at the same moment, exactly one takes the lead', async () => {
    const { incident, channelId } = await alertOpened();

    await Promise.all([
      harness.interact(leadClick(BOB, incident.id, channelId, 'R1', responseUrl)),
      harness.interact(leadClick(ALICE, incident.id, channelId, 'R2', responseUrl)),
    ]);
    await harness.server.jobs.drain();

    const record = await harness.server.store.getRecord(incident.id);
    const leader = record?.incident.commander;
    expect([BOB, ALICE]).toContain(leader);
    expect(record?.events.filter((event) => event.kind === 'commander')).toHaveLength(1);
    expect(answered().map((answer) => answer.text)).toEqual([
      expect.stringContaining(`<@${leader}> is already leading ${incident.id}`),
    ]);
  });

  it('the same person clicking twice is told they already lead', async () => {
    const { incident, channelId } = await alertOpened();
    await harness.interact(leadClick(BOB, incident.id, channelId, 'L1', responseUrl));
    await harness.interact(leadClick(BOB, incident.id, channelId, 'L2', responseUrl));
    expect(answered().map((answer) => answer.text)).toEqual([
      expect.stringContaining(`You are already leading ${incident.id}`),
    ]);
    const record = await harness.server.store.getRecord(incident.id);
    expect(record?.events.filter((event) => event.kind === 'commander')).toHaveLength(1);
  });

  it('a typed /incident open makes the declarer the commander, so its summary asks nobody', async () => {
    await harness.command('open sev2 Checkout slow');
    const incident = await harness.server.store.getIncident('INC-1');
    expect(incident?.commander).toBe(ALICE);
    expect(leadBlock((await summary('INC-1')).blocks)).toBeUndefined();
  });
});

describe('pages link to the incident channel, also when they went out before it existed', () => {
  let pagerduty: PagerDutyStub;
  /** Opsgenie's Alert API and the team's webhook, on one loopback receiver. */
  let receiver: RecordingServer;
  /** The team with every pager, and one without Slack (nothing in Slack waits for the channel). */
  const policyFiles: Record<'every pager' | 'no Slack', string> = { 'every pager': '', 'no Slack': '' };
  let harness: Harness;
  const received = () =>
    receiver.requests.map((r) => ({ url: r.path, body: JSON.parse(r.body) as Record<string, unknown> }));

  beforeAll(async () => {
    pagerduty = await startPagerDutyStub();
    receiver = await startRecordingServer({
      answer: { status: 202, headers: { 'content-type': 'application/json' }, body: { result: 'ok' } },
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-lead-'));
    const policy = (slack: string) => `teams:
  oncall:
${slack}    pagerduty: R0UTINGKEY0ONCALL000000000000000
    opsgenie: genie-key-oncall
    webhook: ${receiver.url}/hook
escalation:
  default:
    - { after: 0s, notify: [oncall] }
`;
    policyFiles['every pager'] = path.join(dir, 'every-pager.yaml');
    await writeFile(policyFiles['every pager'], policy('    slack: S0ONCALL\n    users: [U0ANNA]\n'));
    policyFiles['no Slack'] = path.join(dir, 'no-slack.yaml');
    await writeFile(policyFiles['no Slack'], policy(''));
  });
  afterAll(async () => {
    await pagerduty.close();
    await receiver.close();
  });
  async function start(team: keyof typeof policyFiles): Promise<void> {
    receiver.reset();
    pagerduty.reset();
    harness = await startHarness({
      env: {
        ALERT_TOKEN: TOKEN,
        ESCALATION_POLICY: policyFiles[team],
        PAGERDUTY_EVENTS_URL: pagerduty.url,
        OPSGENIE_API_URL: receiver.url,
        WEBHOOK_SIGNING_SECRET: 'whsec-lead-test',
      },
    });
  }
  afterEach(() => harness.close());

  it.each(['every pager', 'no Slack'] as const)(
    'every pager of an alert-opened incident carries the channel link, on the same page (a team with %s)',
    async (team) => {
      await start(team);
      const response = await fetch(`${harness.server.url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: alertmanagerBody('CheckoutDown'),
      });
      expect(response.status).toBe(200);
      await harness.server.jobs.drain();
      const channelId = await harness.channelOf('INC-1');
      const link = `https://slack.com/app_redirect?channel=${channelId}`;
      const dedupKey = 'incident-bot/INC-1/oncall';

      // PagerDuty: the link is on a trigger of the one alert (same dedup_key) that paged the team.
      const triggers = pagerduty.events.filter((event) => event.event_action === 'trigger');
      expect(triggers.length).toBeGreaterThan(0);
      expect(new Set(triggers.map((event) => event.dedup_key))).toEqual(new Set([dedupKey]));
      expect(triggers.at(-1)?.links).toEqual([{ href: link, text: 'Incident channel' }]);
      expect(triggers.length).toBeLessThanOrEqual(2);

      // Opsgenie: the alert it opened has the link as its `channel` detail, at creation or added after.
      const alias = encodeURIComponent(dedupKey);
      const created = received().filter((r) => r.url === '/v2/alerts');
      expect(created).toHaveLength(1);
      const detailed = received().filter((r) => r.url === `/v2/alerts/${alias}/details?identifierType=alias`);
      const channelDetails = [
        (created[0]?.body.details as Record<string, string> | undefined)?.channel,
        ...detailed.map((r) => (r.body.details as Record<string, string>).channel),
      ].filter(Boolean);
      expect(channelDetails).toEqual([link]);

      // The webhook: its page, or the `incident.channel` that follows it, names the channel's URL.
      const hooks = received().filter((r) => r.url === '/hook');
      expect(hooks.map((r) => r.body.type)).toContain('incident.page');
      const urls = hooks.map((r) => (r.body.incident as { channelUrl?: string }).channelUrl).filter(Boolean);
      expect(urls).toEqual([link]);

      // Slack: the page waiting for the channel mentions the team there once it exists.
      const inChannel = harness.slack.messages
        .filter((m) => m.channel === channelId)
        .map((m) => m.text ?? '');
      if (team === 'every pager') {
        expect(inChannel).toContainEqual(expect.stringContaining('Paging *oncall* <!subteam^S0ONCALL>'));
      }
    },
  );
});

/**
 * Issue 9's truthful replies through the local server: `escalate` never claims a page that did not
 * happen and asks "did you mean" for a near-miss team; actions from another channel are echoed in
 * the incident channel; the commander is invited.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { ALICE, GENERAL, type Harness, startHarness } from '../helpers/harness';
import { click, openedView, selectInput, textInput, viewSubmission } from '../helpers/interactions';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server';

const POLICY = `
teams:
  oncall: { slack: S0ONCALL, pagerduty: R0UTINGKEY0ONCALL000000000000000 }
  sre:    { pagerduty: R0UTINGKEY0SRE000000000000000000 }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
    - { after: 1h, notify: [sre] }
  sev1:
    - { after: 0s, notify: [oncall, sre] }
`;

describe('truthful escalate', () => {
  let pagerduty: PagerDutyStub;
  let policyFile: string;
  let harness: Harness;

  beforeAll(async () => {
    pagerduty = await startPagerDutyStub();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-policy-'));
    policyFile = path.join(dir, 'policy.yaml');
    await writeFile(policyFile, POLICY);
  });
  afterAll(() => pagerduty.close());
  beforeEach(async () => {
    harness = await startHarness({
      env: { ESCALATION_POLICY: policyFile, PAGERDUTY_EVENTS_URL: pagerduty.url },
    });
  });
  afterEach(async () => {
    await harness.close();
    pagerduty.reset();
  });

  const triggers = () => pagerduty.events.filter((event) => event.event_action === 'trigger');
  const escalations = async () =>
    ((await harness.server.store.getRecord('INC-1'))?.events ?? []).filter(
      (event) => event.kind === 'escalation' && event.author !== 'bot',
    );

  it('asks "did you mean" for a near-miss team and writes nothing', async () => {
    await harness.command('open sev2 Disk full');
    const before = triggers().length;
    const reply = await harness.command('escalate INC-1 srr please look');
    expect(reply.text).toMatch(/^Did you mean `sre`\?/);
    expect(reply.text).toContain('/incident escalate');
    expect(await escalations()).toHaveLength(0);
    expect(triggers()).toHaveLength(before);
  });

  it('says nobody was paged and lists the teams when no tier is left; the event is still logged', async () => {
    await harness.command('open sev1 Everything down'); // tier 0 pages both teams
    const paged = triggers().length;
    const reply = await harness.command('escalate INC-1 dba please look');
    expect(reply.text).toContain('Nobody was paged');
    expect(reply.text).toContain('`oncall`, `sre`');
    expect(reply.text).not.toMatch(/Paging/);
    expect(triggers()).toHaveLength(paged);
    const logged = await escalations();
    expect(logged).toHaveLength(1);
    expect(logged[0]?.text).toBe('dba please look');
    expect(logged[0]?.pageTeams).toEqual([]);
  });

  it('the Escalate button says the same when no tier is left', async () => {
    await harness.command('open sev1 Everything down');
    const channelId = await harness.channelOf('INC-1');
    await click(harness, { actionId: 'incident.escalate', value: 'INC-1', channelId, id: 'E1' });
    const said = harness.slack.messages.filter((m) => m.channel === channelId).map((m) => m.text ?? '');
    const told = [...said, ...harness.slack.ephemerals.map((e) => e.text ?? '')].filter((text) =>
      /Escalated INC-1/.test(text),
    );
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('Nobody was paged');
    expect(told[0]).not.toMatch(/Paging/);
  });

  it('pages the next tier and says whom', async () => {
    await harness.command('open sev2 Disk full');
    const reply = await harness.command('escalate INC-1 need more hands', { channelId: GENERAL });
    expect(reply.text).toContain('Paging sre now');
    expect(
      triggers().filter((event) => event.routing_key === 'R0UTINGKEY0SRE000000000000000000'),
    ).toHaveLength(1);
  });
});

describe('actions from another channel', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  const channelTexts = (channelId: string) =>
    harness.slack.messages.filter((m) => m.channel === channelId).map((m) => m.text ?? '');

  it('are echoed in the incident channel: who, what, from where; once per request', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('ack INC-1', { channelId: GENERAL, userId: 'U0BOB' });
    await harness.command('severity INC-1 sev4', { channelId: GENERAL });
    await harness.command('log INC-1 rolled back &lt;v2&gt;', { channelId: GENERAL });
    const redelivered = { channelId: GENERAL, triggerId: 'same-trigger' };
    await harness.command('impact INC-1 Card payments failing', redelivered);
    await harness.command('impact INC-1 Card payments failing', redelivered);
    const echoes = channelTexts(channelId).filter((text) => / from <#C0GENERAL>$/.test(text));
    expect(echoes).toEqual([
      expect.stringMatching(/^<@U0BOB> acknowledged INC-1 at \d\d:\d\d from <#C0GENERAL>$/),
      expect.stringMatching(/^<@U0ALICE> set the severity of INC-1 to \*sev4\* at /),
      expect.stringMatching(/^<@U0ALICE> logged \*note\* at \d\d:\d\d on INC-1: rolled back &lt;v2&gt; from/),
      '<@U0ALICE> set the impact of INC-1: Card payments failing from <#C0GENERAL>',
    ]);
  });

  it('are not echoed when taken in the incident channel', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    const before = channelTexts(channelId).length;
    await harness.command('status identified', { channelId });
    expect(channelTexts(channelId).filter((text) => /from </.test(text))).toHaveLength(0);
    expect(channelTexts(channelId).length).toBeGreaterThanOrEqual(before);
  });

  it('/incident commander invites the new commander, wherever it is typed', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    expect(harness.slack.channels.get(channelId)?.members.has('U0CAROL')).toBe(false);
    await harness.command('commander INC-1 <@U0CAROL|carol>', { channelId: GENERAL });
    expect(harness.slack.channels.get(channelId)?.members.has('U0CAROL')).toBe(true);
    expect(channelTexts(channelId)).toContainEqual(
      expect.stringMatching(
        /^<@U0ALICE> made <@U0CAROL> the incident commander of INC-1 at .* from <#C0GENERAL>$/,
      ),
    );
    // Again, from the channel itself: already a member is fine.
    await harness.command('commander <@U0CAROL>', { channelId });
    expect(harness.slack.channels.get(channelId)?.members.has('U0CAROL')).toBe(true);
  });
});

describe('replies reach people where they are', () => {
  let harness: Harness;
  /** Stands in for Slack's response_url endpoint. */
  let receiver: RecordingServer;

  beforeAll(async () => {
    receiver = await startRecordingServer({
      answer: { headers: { 'content-type': 'text/plain' }, body: 'ok' },
    });
  });
  afterAll(() => receiver.close());
  beforeEach(async () => {
    receiver.reset();
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  it("a button's ephemeral answer goes to the interaction's response_url, not chat.postEphemeral", async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('ack', { channelId });
    const ephemerals = harness.slack.ephemerals.length;
    await click(harness, {
      actionId: 'incident.acknowledge',
      value: 'INC-1',
      channelId,
      id: 'A2',
      responseUrl: `${receiver.url}/actions/1`,
    });
    expect(receiver.requests.map((request) => request.path)).toEqual(['/actions/1']);
    expect(receiver.json()).toEqual([
      { response_type: 'ephemeral', text: expect.stringContaining('already acknowledged') },
    ]);
    expect(harness.slack.ephemerals).toHaveLength(ephemerals);
  });

  it('falls back to chat.postEphemeral when the response_url does not answer', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('ack', { channelId });
    await click(harness, {
      actionId: 'incident.acknowledge',
      value: 'INC-1',
      channelId,
      id: 'A3',
      responseUrl: 'http://127.0.0.1:1/actions/closed',
    });
    expect(harness.slack.ephemerals.at(-1)?.text).toContain('already acknowledged');
  });

  it('the declare modal confirms in the channel where /incident was typed', async () => {
    harness.slack.channels.get(GENERAL)?.members.add(ALICE); // chat.postEphemeral needs a member
    await harness.command('', { channelId: GENERAL });
    await harness.interact(
      viewSubmission(
        openedView(harness),
        { title: textInput('Payments failing'), severity: selectInput('sev2') },
        'V1',
      ),
    );
    expect(await harness.server.store.getIncident('INC-1')).toBeDefined();
    const confirmation = harness.slack.ephemerals.find((e) => e.channel === GENERAL && e.user === ALICE);
    expect(confirmation?.text).toMatch(/^:rotating_light: Declared \*INC-1\* \(sev2\): Payments failing\./);
  });
});

describe('late facts and long text', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  it('a log after resolve without a time is stamped now and marked as a late addition', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('resolve Rolled back', { channelId });
    const reply = await harness.command('log the retry storm began at the LB', { channelId });
    expect(reply.text).toMatch(/^Logged \*note\* at \d\d:\d\d on INC-1 \(a late addition/);
    const record = await harness.server.store.getRecord('INC-1');
    const late = record?.events.find((event) => event.text.startsWith('the retry storm'));
    expect(late?.text).toBe('the retry storm began at the LB (added after resolution)');
    expect(Date.parse(late?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(record?.incident.resolvedAt ?? ''));
  });

  it('refuses free text over 3,000 characters with a clear message, and writes nothing', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    const before = (await harness.server.store.getRecord('INC-1'))?.events.length;
    const long = 'x'.repeat(3001);
    for (const verb of ['log', 'impact', 'cause', 'fix', 'task', 'resolve']) {
      const reply = await harness.command(`${verb} ${long}`, { channelId });
      expect(reply.text).toMatch(
        /is 3,001 characters long; keep it to 3,000 or fewer\. Nothing was recorded\./,
      );
      expect(reply.text).not.toContain(long);
    }
    const record = await harness.server.store.getRecord('INC-1');
    expect(record?.events.length).toBe(before);
    expect(record?.followUps).toHaveLength(0);
    expect(record?.incident.status).not.toBe('resolved');
    expect(record?.incident.impact).toBeUndefined();
    const ok = await harness.command(`log ${'y'.repeat(3000)}`, { channelId });
    expect(ok.text).toMatch(/^Logged/);
  });
});

describe('decoded once, people by name', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  it('a 📌 capture is decoded; the postmortem shows people by name in every section; confirmations mention', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    // As Slack sends it: the mention raw, the typed `&` escaped.
    const impact = await harness.command('impact <@U0BOB|bob> saw checkout &amp; cart fail', { channelId });
    expect(impact.text).toBe('Impact of INC-1 set: <@U0BOB> saw checkout &amp; cart fail');
    await harness.command('cause a bad config from <@U0CAROL>', { channelId });
    await harness.command('fix ask <@U0BOB|bob> to add a canary <@U0CAROL>', { channelId });

    harness.slack.messages.push({
      channel: channelId,
      ts: '1700000100.000200',
      text: 'rollback of &lt;svc&gt; &amp; cache done',
      user: 'U0BOB',
    });
    await harness.event({
      type: 'reaction_added',
      user: ALICE,
      reaction: 'pushpin',
      item: { type: 'message', channel: channelId, ts: '1700000100.000200' },
      item_user: 'U0BOB',
      event_ts: '1700000200.000300',
    });
    const record = await harness.server.store.getRecord('INC-1');
    const pinned = record?.events.find((event) => event.text.startsWith('rollback'));
    expect(pinned?.text).toMatch(/^rollback of <svc> & cache done/);

    await harness.command('resolve reverted by <@U0CAROL|carol>', { channelId });
    const doc =
      harness.slack.uploads.filter((upload) => upload.filename.endsWith('.md')).at(-1)?.content ?? '';
    expect(doc).toContain('rollback of <svc> & cache done');
    expect(doc).not.toContain('&amp;');
    expect(doc).not.toContain('&lt;');
    expect(doc).not.toMatch(/<@U0/);
    expect(doc).not.toMatch(/@U0(BOB|CAROL)\b/); // names, not ids
    const section = (heading: string) => (doc.split(`### ${heading}\n`)[1]?.split('\n#')[0] ?? '').trim();
    expect(section('Impact')).toMatch(/^@\S.* saw checkout & cart fail/);
    expect(section('Root Cause')).toMatch(/^a bad config from @\S/);
    expect(doc.split('### Resolution\n').at(-1)?.trim()).toMatch(/^reverted by @\S/);
    expect(section('Improvements/Fixes')).toMatch(/^- ask @\S.* to add a canary/);
  });
});

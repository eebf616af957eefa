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

const USER = { id: ALICE, username: 'alice', name: 'alice', team_id: 'T0LOCAL' };

function buttonPress(actionId: string, incidentId: string, channelId: string, id: string) {
  return {
    type: 'block_actions',
    team: { id: 'T0LOCAL', domain: 'local' },
    user: USER,
    api_app_id: 'A0LOCAL',
    token: 'deprecated',
    container: { type: 'message', message_ts: '1.000100', channel_id: channelId, is_ephemeral: false },
    trigger_id: `trigger-${id}`,
    channel: { id: channelId, name: 'incident' },
    message: { type: 'message', ts: '1.000100', text: 'summary' },
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'incident.summary_actions',
        value: incidentId,
        action_ts: '1.000200',
      },
    ],
  };
}

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
    await harness.interact(buttonPress('incident.escalate', 'INC-1', channelId, 'E1'));
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

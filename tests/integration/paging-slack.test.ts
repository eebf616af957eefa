import type { Incident } from '../../lambda/incidents/types';
import type { PageTarget } from '../../lambda/paging/pager';
import { TeamPager } from '../../lambda/paging/team-pager';
import { SlackChat } from '../../lambda/slack/chat';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';
import { anIncident } from '../fixtures/incidents';

const CHANNEL = 'C0INC7';

function incident(overrides: Partial<Incident> = {}): Incident {
  return anIncident({
    title: 'Checkout <latency> & errors',
    severity: 'sev1',
    channelId: CHANNEL,
    ...overrides,
  });
}

function target(overrides: Partial<PageTarget> = {}): PageTarget {
  return {
    incident: incident(),
    team: 'sre',
    config: { slack: 'S0SRE', users: ['U0BOB', 'U0CAROL'] },
    reason: 'no ack from oncall',
    tier: 2,
    ...overrides,
  };
}

describe('TeamPager → Slack (stand-in on 127.0.0.1)', () => {
  let stub: SlackApiStub;
  let pager: TeamPager;

  beforeEach(async () => {
    stub = await startSlackApiStub({ channels: [{ id: CHANNEL, name: 'inc-7-checkout-latency' }] });
    pager = new TeamPager({
      pagerDutyEventsUrl: 'http://127.0.0.1:9/unused',
      chat: new SlackChat({ botToken: 'xoxb-test', slackApiUrl: stub.url }),
      retry: { sleep: async () => {} },
    });
  });

  afterEach(async () => {
    await stub.close();
  });

  it('mentions the user group in the incident channel and DMs each on-call user', async () => {
    // act
    const outcomes = await pager.page(target(), 'trigger');

    // assess
    expect(outcomes).toEqual([
      { channel: 'slack', ok: true, attempts: 1, recipient: CHANNEL },
      { channel: 'slack', ok: true, attempts: 1, recipient: 'U0BOB' },
      { channel: 'slack', ok: true, attempts: 1, recipient: 'U0CAROL' },
    ]);
    const inChannel = stub.messages.filter((message) => message.channel === CHANNEL);
    expect(inChannel).toHaveLength(1);
    expect(inChannel[0]?.text).toBe(
      ':rotating_light: Paging *sre* <!subteam^S0SRE>: *INC-7: Checkout &lt;latency&gt; &amp; errors* (sev1, tier 3) — no ack from oncall',
    );
    const dms = stub.callsTo('chat.postMessage').filter((call) => call.args.channel !== CHANNEL);
    expect(dms.map((call) => call.args.channel).sort()).toEqual(['U0BOB', 'U0CAROL']);
    for (const dm of dms) {
      expect(dm.args.text).toContain('*INC-7: Checkout &lt;latency&gt; &amp; errors* (sev1, tier 3)');
      expect(dm.args.text).toContain(`<#${CHANNEL}>`);
    }
    expect(stub.messages.filter((message) => message.channel.startsWith('D'))).toHaveLength(2);
  });

  it('mentions the listed users in the channel when the team has no user group', async () => {
    // act
    const outcomes = await pager.page(target({ config: { users: ['U0BOB'] } }), 'trigger');

    // assess
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const inChannel = stub.messages.find((message) => message.channel === CHANNEL);
    expect(inChannel?.text).toMatch(/^:rotating_light: Paging \*sre\* <@U0BOB>: /);
  });

  it('says nothing to anyone on acknowledge and resolve', async () => {
    // act
    const acknowledged = await pager.page(target(), 'acknowledge');
    const resolved = await pager.page(target(), 'resolve');

    // assess
    expect(acknowledged).toEqual([]);
    expect(resolved).toEqual([]);
    expect(stub.calls).toHaveLength(0);
  });

  it('still DMs the users of an incident without a channel, and reports the group it could not mention', async () => {
    // act
    const outcomes = await pager.page(target({ incident: incident({ channelId: undefined }) }), 'trigger');

    // assess
    expect(outcomes).toEqual([
      {
        channel: 'slack',
        ok: false,
        attempts: 0,
        error: 'INC-7 has no channel to mention <!subteam^S0SRE> in',
      },
      { channel: 'slack', ok: true, attempts: 1, recipient: 'U0BOB' },
      { channel: 'slack', ok: true, attempts: 1, recipient: 'U0CAROL' },
    ]);
    expect(stub.callsTo('chat.postMessage').map((call) => call.args.channel)).toEqual(['U0BOB', 'U0CAROL']);
  });

  it('retries a transient Slack error on the failed delivery only', async () => {
    // prepare: whichever post arrives first hits a Slack hiccup
    stub.failNext('chat.postMessage', 'internal_error');

    // act
    const outcomes = await pager.page(target(), 'trigger');

    // assess
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(outcomes.map((outcome) => outcome.attempts).sort()).toEqual([1, 1, 2]);
    expect(stub.callsTo('chat.postMessage')).toHaveLength(4);
    // Three recipients, one message each: the retry did not re-send the deliveries that had worked.
    const conversations = stub.messages.map((message) => message.channel);
    expect(conversations).toHaveLength(3);
    expect(new Set(conversations).size).toBe(3);
  });

  it('does not retry a Slack error that would repeat, and names it', async () => {
    // act
    const outcomes = await pager.page(
      target({ incident: incident({ channelId: 'C0GONE' }), config: { slack: 'S0SRE' } }),
      'trigger',
    );

    // assess
    expect(outcomes).toEqual([
      {
        channel: 'slack',
        ok: false,
        attempts: 1,
        recipient: 'C0GONE',
        error: 'Slack channel message failed: channel_not_found',
        retryable: false,
      },
    ]);
    expect(stub.callsTo('chat.postMessage')).toHaveLength(1);
  });
});

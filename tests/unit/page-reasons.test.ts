/**
 * The reason typed with `/incident escalate <team> <reason>` reaches every pager. The engine puts it
 * on the `PageTarget` (tests/integration/escalation.test.ts follows it to PagerDuty end to end);
 * `TeamPager` hands that one target to every adapter, and each adapter renders it: PagerDuty's summary
 * and details, Opsgenie's description and details, the webhook body, and the Slack channel message and
 * DMs (escaped there, as user text).
 */
import { opsgenieRequest } from '../../lambda/paging/opsgenie';
import type { PageTarget } from '../../lambda/paging/pager';
import { pagerDutyEvent } from '../../lambda/paging/pagerduty';
import { TeamPager } from '../../lambda/paging/team-pager';
import { webhookBody } from '../../lambda/paging/webhook';
import type { ChatGateway, ChatMessage } from '../../lambda/slack/chat';
import { channelPageText, directPageText } from '../../lambda/slack/page-text';
import { anIncident } from '../fixtures/incidents';

const REASON = 'db looks fine, need eyes on the <LB> & DNS';
const ESCAPED = 'db looks fine, need eyes on the &lt;LB&gt; &amp; DNS';

const INCIDENT = anIncident();

function target(overrides: Partial<PageTarget> = {}): PageTarget {
  return {
    incident: INCIDENT,
    team: 'sre',
    config: {
      pagerduty: 'pd-routing-key',
      opsgenie: 'genie-key',
      webhook: 'https://hooks.example.com/page',
      slack: 'S0SRE',
      users: ['U0BOB'],
    },
    reason: REASON,
    ...overrides,
  };
}

describe("each pager's rendering of the escalation reason", () => {
  it('PagerDuty: in the summary after the title, and as its own detail', () => {
    // act
    const event = pagerDutyEvent(target(), 'trigger') as {
      payload: { summary: string; custom_details: Record<string, unknown> };
    };

    // assess
    expect(event.payload.summary).toBe(`INC-7: Checkout latency — ${REASON}`);
    expect(event.payload.custom_details.reason).toBe(REASON);
  });

  it('Opsgenie: a line of the description, and a detail', () => {
    // act
    const { body } = opsgenieRequest(target(), 'trigger') as {
      body: { description: string; details: Record<string, string> };
    };

    // assess
    expect(body.description.split('\n')).toContain(`Reason: ${REASON}`);
    expect(body.details.reason).toBe(REASON);
  });

  it('webhook: a field of the body, as typed', () => {
    // act
    const body = webhookBody(target(), 'trigger', new Date('2024-02-18T15:40:00.000Z'));

    // assess
    expect(body.reason).toBe(REASON);
  });

  it('Slack: at the end of the channel message and of each DM, escaped', () => {
    // act
    const inChannel = channelPageText(target());
    const direct = directPageText(target());

    // assess
    expect(inChannel).toBe(
      `:rotating_light: Paging *sre* <!subteam^S0SRE>: *INC-7: Checkout latency* (sev2) — ${ESCAPED}`,
    );
    expect(direct).toBe(
      `:rotating_light: You are paged as on call for *sre*: *INC-7: Checkout latency* (sev2) — ${ESCAPED}. Join <#C0INC7>.`,
    );
  });

  it('no pager invents a reason when none was given', () => {
    // act
    const page = target({ reason: undefined });

    // assess
    expect((pagerDutyEvent(page, 'trigger') as { payload: { summary: string } }).payload.summary).toBe(
      'INC-7: Checkout latency',
    );
    expect((opsgenieRequest(page, 'trigger').body as { description: string }).description).not.toContain(
      'Reason:',
    );
    expect(webhookBody(page, 'trigger', new Date()).reason).toBeUndefined();
    expect(channelPageText(page)).not.toContain(' — ');
    expect(directPageText(page)).not.toContain(' — ');
  });
});

describe('one page to a team with every service', () => {
  it('carries the reason to PagerDuty, Opsgenie, the webhook and Slack alike', async () => {
    // prepare
    const posted: Array<{ url: string; body: string }> = [];
    const fetch = async (url: string, init: RequestInit) => {
      posted.push({ url, body: String(init.body) });
      return new Response('{}', { status: 202 });
    };
    const messages: Array<{ conversation: string; message: ChatMessage }> = [];
    const chat = {
      postMessage: async (conversation: string, message: ChatMessage) => {
        messages.push({ conversation, message });
        return '1700000000.000100';
      },
    } as unknown as ChatGateway;
    const pager = new TeamPager({
      pagerDutyEventsUrl: 'https://events.pagerduty.example/v2/enqueue',
      opsgenieBaseUrl: 'https://opsgenie.example',
      webhookSigningSecret: 'webhook-secret',
      chat,
      fetch,
      retry: { sleep: async () => {} },
      clock: { now: () => new Date('2024-02-18T15:40:00.000Z') },
    });

    // act
    const outcomes = await pager.page(target(), 'trigger');

    // assess
    expect(outcomes.map((outcome) => [outcome.channel, outcome.ok])).toEqual([
      ['pagerduty', true],
      ['opsgenie', true],
      ['slack', true],
      ['slack', true],
      ['webhook', true],
    ]);
    const byHost = Object.fromEntries(posted.map(({ url, body }) => [new URL(url).host, JSON.parse(body)]));
    expect(byHost['events.pagerduty.example'].payload.custom_details.reason).toBe(REASON);
    expect(byHost['opsgenie.example'].details.reason).toBe(REASON);
    expect(byHost['hooks.example.com'].reason).toBe(REASON);
    expect(messages.map(({ conversation }) => conversation)).toEqual(['C0INC7', 'U0BOB']);
    for (const { message } of messages) expect(message.text).toContain(`— ${ESCAPED}`);
  });
});

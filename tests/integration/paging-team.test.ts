import type { PageTarget } from '../../lambda/paging/pager';
import { TeamPager } from '../../lambda/paging/team-pager';
import { verifyWebhookSignature } from '../../lambda/paging/webhook';
import { SlackChat } from '../../lambda/slack/chat';
import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';
import { anIncident } from '../fixtures/incidents';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server';

const SECRET = 'whsec-test-0123456789';
const CHANNEL = 'C0INC7';

/** One server standing in for both Opsgenie (202 to /v2/alerts…) and a team's webhook receiver (204). */
const startHttpReceiver = () =>
  startRecordingServer({
    answer: (request) => ({ status: request.path.startsWith('/v2/alerts') ? 202 : 204 }),
  });

describe('TeamPager across every configured channel', () => {
  let pagerDuty: PagerDutyStub;
  let slack: SlackApiStub;
  let http: RecordingServer;
  let pager: TeamPager;
  let target: PageTarget;

  beforeEach(async () => {
    [pagerDuty, slack, http] = await Promise.all([
      startPagerDutyStub(),
      startSlackApiStub({ channels: [{ id: CHANNEL, name: 'inc-7-checkout-latency' }] }),
      startHttpReceiver(),
    ]);
    pager = new TeamPager({
      pagerDutyEventsUrl: pagerDuty.url,
      opsgenieBaseUrl: http.url,
      webhookSigningSecret: SECRET,
      chat: new SlackChat({ botToken: 'xoxb-test', slackApiUrl: slack.url }),
      retry: { attempts: 2, sleep: async () => {} },
    });
    target = {
      incident: anIncident({ severity: 'sev1', channelId: CHANNEL }),
      team: 'sre',
      config: {
        slack: 'S0SRE',
        users: ['U0BOB'],
        pagerduty: 'R0UTINGKEY0000000000000000000001',
        opsgenie: 'genie-key',
        webhook: `${http.url}/hook`,
      },
      tier: 1,
    };
  });

  afterEach(async () => {
    await Promise.all([pagerDuty.close(), slack.close(), http.close()]);
  });

  it('pages through all of them and reports each', async () => {
    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes).toEqual([
      { channel: 'pagerduty', ok: true, attempts: 1, dedupKey: 'incident-bot/INC-7/sre' },
      { channel: 'opsgenie', ok: true, attempts: 1, dedupKey: 'incident-bot/INC-7/sre' },
      { channel: 'slack', ok: true, attempts: 1, recipient: CHANNEL },
      { channel: 'slack', ok: true, attempts: 1, recipient: 'U0BOB' },
      { channel: 'webhook', ok: true, attempts: 1, recipient: http.host },
    ]);
    expect(pagerDuty.events).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    expect(http.requests.map((request) => request.path).sort()).toEqual(['/hook', '/v2/alerts']);
    const hook = http.requests.find((request) => request.path === '/hook');
    expect(
      verifyWebhookSignature(SECRET, hook?.body ?? '', hook?.headers['x-incident-bot-signature'] as string),
    ).toBe(true);
  });

  it('reports a failing channel without holding back the others', async () => {
    // prepare
    pagerDuty.respondWith([500, 500]);

    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([
      {
        channel: 'pagerduty',
        ok: false,
        attempts: 2,
        dedupKey: 'incident-bot/INC-7/sre',
        error: 'PagerDuty answered 500 Internal Server Error: Internal Server Error',
        retryable: true,
      },
    ]);
    expect(outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.channel)).toEqual([
      'opsgenie',
      'slack',
      'slack',
      'webhook',
    ]);
  });

  it('on resolve, closes what the trigger opened and leaves Slack users alone', async () => {
    // act
    const outcomes = await pager.page(target, 'resolve');

    // assess
    expect(outcomes.map((outcome) => [outcome.channel, outcome.ok])).toEqual([
      ['pagerduty', true],
      ['opsgenie', true],
      ['webhook', true],
    ]);
    expect(pagerDuty.events[0]).toMatchObject({
      event_action: 'resolve',
      dedup_key: 'incident-bot/INC-7/sre',
    });
    expect(slack.calls).toHaveLength(0);
  });
});

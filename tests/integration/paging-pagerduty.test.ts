import type { Severity } from '../../lambda/incidents/types';
import type { PageTarget } from '../../lambda/paging/pager';
import { TeamPager } from '../../lambda/paging/team-pager';
import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { anIncident, noChat } from '../fixtures/incidents';

const ROUTING_KEY = 'R0UTINGKEY0000000000000000000001';

function target(overrides: Partial<PageTarget> = {}): PageTarget {
  return { incident: anIncident(), team: 'sre', config: { pagerduty: ROUTING_KEY }, ...overrides };
}

describe('TeamPager → PagerDuty Events API v2 (stand-in on 127.0.0.1)', () => {
  let stub: PagerDutyStub;
  let delays: number[];
  let pager: TeamPager;

  beforeEach(async () => {
    stub = await startPagerDutyStub();
    delays = [];
    pager = new TeamPager({
      pagerDutyEventsUrl: stub.url,
      chat: noChat,
      retry: { attempts: 4, sleep: async (ms) => void delays.push(ms) },
    });
  });

  afterEach(async () => {
    await stub.close();
  });

  it('triggers with the dedup key, a summary naming the incident, details and the channel link', async () => {
    // prepare
    const page = target({
      reason: 'p99 above 2 s',
      tier: 2,
      channelLink: 'https://acme.slack.com/archives/C0INC7',
    });

    // act
    const outcomes = await pager.page(page, 'trigger');

    // assess
    expect(outcomes).toEqual([
      { channel: 'pagerduty', ok: true, attempts: 1, dedupKey: 'incident-bot/INC-7/sre' },
    ]);
    expect(stub.events).toHaveLength(1);
    expect(stub.events[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'incident-bot/INC-7/sre',
      links: [{ href: 'https://acme.slack.com/archives/C0INC7', text: 'Incident channel' }],
    });
    expect(stub.events[0]?.payload).toEqual({
      summary: 'INC-7: Checkout latency — p99 above 2 s',
      source: 'incident-bot',
      severity: 'error',
      custom_details: {
        incident: 'INC-7',
        severity: 'sev2',
        status: 'investigating',
        team: 'sre',
        tier: 3, // index 2, shown from 1
        reason: 'p99 above 2 s',
      },
    });
  });

  it('leaves out the reason and the link when there are none', async () => {
    // act
    await pager.page(target(), 'trigger');

    // assess
    expect(stub.events[0]?.payload?.summary).toBe('INC-7: Checkout latency');
    expect(stub.events[0]?.links).toBeUndefined();
  });

  it.each<[Severity, string]>([
    ['sev1', 'critical'],
    ['sev2', 'error'],
    ['sev3', 'warning'],
    ['sev4', 'info'],
  ])('maps %s to PagerDuty severity %s', async (severity, expected) => {
    // act
    const outcomes = await pager.page(target({ incident: anIncident({ severity }) }), 'trigger');

    // assess
    expect(outcomes[0]?.ok).toBe(true);
    expect(stub.events[0]?.payload?.severity).toBe(expected);
  });

  it('acknowledges and resolves with the dedup key of the trigger, without a payload', async () => {
    // act
    await pager.page(target(), 'trigger');
    const acknowledged = await pager.page(target(), 'acknowledge');
    const resolved = await pager.page(target(), 'resolve');

    // assess
    expect(acknowledged).toEqual([
      { channel: 'pagerduty', ok: true, attempts: 1, dedupKey: 'incident-bot/INC-7/sre' },
    ]);
    expect(resolved[0]?.ok).toBe(true);
    expect(stub.events.map((event) => [event.event_action, event.dedup_key])).toEqual([
      ['trigger', 'incident-bot/INC-7/sre'],
      ['acknowledge', 'incident-bot/INC-7/sre'],
      ['resolve', 'incident-bot/INC-7/sre'],
    ]);
    expect(stub.events[1]?.payload).toBeUndefined();
    expect(stub.events[2]?.payload).toBeUndefined();
  });

  it('gives each team of an incident its own dedup key', async () => {
    // act
    await pager.page(target({ team: 'sre' }), 'trigger');
    await pager.page(target({ team: 'oncall' }), 'trigger');

    // assess
    expect(stub.events.map((event) => event.dedup_key)).toEqual([
      'incident-bot/INC-7/sre',
      'incident-bot/INC-7/oncall',
    ]);
  });

  it('retries through two 500s and records exactly one accepted event', async () => {
    // prepare
    stub.respondWith([500, 500]);

    // act
    const outcomes = await pager.page(target(), 'trigger');

    // assess
    expect(outcomes).toEqual([
      { channel: 'pagerduty', ok: true, attempts: 3, dedupKey: 'incident-bot/INC-7/sre' },
    ]);
    expect(stub.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 202]);
    expect(stub.events).toHaveLength(1);
    expect(delays).toHaveLength(2);
  });

  it('retries a 429', async () => {
    // prepare
    stub.respondWith([429]);

    // act
    const outcomes = await pager.page(target(), 'trigger');

    // assess
    expect(outcomes[0]).toMatchObject({ ok: true, attempts: 2 });
    expect(stub.events).toHaveLength(1);
  });

  it('fails after the attempt limit when PagerDuty keeps answering 500', async () => {
    // prepare
    stub.respondWith([500, 500, 500, 500, 500]);

    // act
    const outcomes = await pager.page(target(), 'trigger');

    // assess
    expect(outcomes).toEqual([
      {
        channel: 'pagerduty',
        ok: false,
        attempts: 4,
        dedupKey: 'incident-bot/INC-7/sre',
        error: 'PagerDuty answered 500 Internal Server Error: Internal Server Error',
        retryable: true,
      },
    ]);
    expect(stub.attempts).toHaveLength(4);
    expect(stub.events).toHaveLength(0);
    expect(delays).toHaveLength(3);
  });

  it('does not retry an event PagerDuty calls invalid, and says why', async () => {
    // prepare
    await stub.close();
    stub = await startPagerDutyStub({ strictRoutingKey: true });
    pager = new TeamPager({ pagerDutyEventsUrl: stub.url, chat: noChat, retry: { sleep: async () => {} } });

    // act
    const outcomes = await pager.page(target({ config: { pagerduty: 'too-short' } }), 'trigger');

    // assess
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ channel: 'pagerduty', ok: false, attempts: 1 });
    expect(outcomes[0]?.error).toBe(
      "PagerDuty answered 400 Bad Request: Event object is invalid (Length of 'routing_key' is incorrect (should be 32 characters))",
    );
    expect(stub.attempts.map((attempt) => attempt.status)).toEqual([400]);
  });

  it('retries when PagerDuty cannot be reached at all', async () => {
    // prepare
    const url = stub.url;
    await stub.close();
    pager = new TeamPager({
      pagerDutyEventsUrl: url,
      chat: noChat,
      retry: { attempts: 3, sleep: async () => {} },
    });

    // act
    const outcomes = await pager.page(target(), 'trigger');

    // assess
    expect(outcomes[0]).toMatchObject({ ok: false, attempts: 3 });
    expect(outcomes[0]?.error).toBe('PagerDuty unreachable: fetch failed (ECONNREFUSED)');
  });

  it('sends nothing for a team without a routing key', async () => {
    // act
    const outcomes = await pager.page(target({ config: {} }), 'trigger');

    // assess
    expect(outcomes).toEqual([]);
    expect(stub.attempts).toHaveLength(0);
  });
});

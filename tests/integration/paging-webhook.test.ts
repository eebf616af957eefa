import type { PageTarget } from '../../lambda/paging/pager';
import { TeamPager } from '../../lambda/paging/team-pager';
import { signWebhookBody, verifyWebhookSignature } from '../../lambda/paging/webhook';
import { anIncident, noChat } from '../fixtures/incidents';
import {
  type RecordedRequest,
  type RecordingServer,
  startRecordingServer,
} from '../helpers/recording-server';

const SECRET = 'whsec-test-0123456789';
const NOW = new Date('2024-02-18T15:45:12.345Z');

/** The receiver's answer: `status` with a short text body. */
const answer = (status: number) => ({ status, headers: { 'content-type': 'text/plain' }, body: 'thanks' });

describe('TeamPager → signed webhook (receiver on 127.0.0.1)', () => {
  let receiver: RecordingServer;
  let pager: TeamPager;
  let target: PageTarget;

  beforeEach(async () => {
    receiver = await startRecordingServer({ answer: answer(200) });
    pager = new TeamPager({
      pagerDutyEventsUrl: 'http://127.0.0.1:9/unused',
      webhookSigningSecret: SECRET,
      chat: noChat,
      retry: { attempts: 3, sleep: async () => {} },
      clock: { now: () => NOW },
    });
    target = {
      incident: anIncident({ severity: 'sev1' }),
      team: 'sre',
      config: { webhook: `${receiver.url}/hooks/incident?token=s3cret` },
      reason: 'no ack from oncall',
      tier: 1,
    };
  });

  afterEach(async () => {
    await receiver.close();
  });

  it('posts the page as JSON, signed with the secret', async () => {
    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes).toEqual([{ channel: 'webhook', ok: true, attempts: 1, recipient: receiver.host }]);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0] as RecordedRequest;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks/incident?token=s3cret');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      type: 'incident.page',
      incident: {
        id: 'INC-7',
        title: 'Checkout latency',
        severity: 'sev1',
        status: 'investigating',
        channelId: 'C0INC7',
      },
      team: 'sre',
      tier: 1,
      reason: 'no ack from oncall',
      sentAt: NOW.toISOString(),
    });
    expect(request.headers['x-incident-bot-timestamp']).toBe(String(Math.floor(NOW.getTime() / 1000)));
    const signature = request.headers['x-incident-bot-signature'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, request.body, signature)).toBe(true);
    expect(verifyWebhookSignature('another-secret', request.body, signature)).toBe(false);
  });

  it.each([
    ['acknowledge', 'incident.acknowledge'],
    ['resolve', 'incident.resolve'],
  ] as const)('sends %s as %s', async (action, type) => {
    // act
    const outcomes = await pager.page(target, action);

    // assess
    expect(outcomes[0]?.ok).toBe(true);
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}').type).toBe(type);
  });

  it('retries a 503 with the same signed body', async () => {
    // prepare
    receiver.answerNext(answer(503));

    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes).toEqual([{ channel: 'webhook', ok: true, attempts: 2, recipient: receiver.host }]);
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = receiver.requests as [RecordedRequest, RecordedRequest];
    expect(second.body).toBe(first.body);
    expect(second.headers['x-incident-bot-signature']).toBe(first.headers['x-incident-bot-signature']);
    expect(
      verifyWebhookSignature(SECRET, second.body, second.headers['x-incident-bot-signature'] as string),
    ).toBe(true);
  });

  it('gives up after the attempt limit when the receiver keeps answering 503', async () => {
    // prepare
    receiver.answerNext(answer(503), answer(503), answer(503), answer(503));

    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes).toEqual([
      {
        channel: 'webhook',
        ok: false,
        attempts: 3,
        recipient: receiver.host,
        error: 'Webhook answered 503 Service Unavailable: thanks',
        retryable: true,
      },
    ]);
    expect(receiver.requests).toHaveLength(3);
  });

  it('does not retry a receiver that refuses the request', async () => {
    // prepare
    receiver.answerNext(answer(401));

    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes[0]).toMatchObject({
      ok: false,
      attempts: 1,
      error: 'Webhook answered 401 Unauthorized: thanks',
    });
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries a receiver that does not answer in time', async () => {
    // prepare
    receiver.answerNext('hang', 'hang');
    pager = new TeamPager({
      pagerDutyEventsUrl: 'http://127.0.0.1:9/unused',
      webhookSigningSecret: SECRET,
      chat: noChat,
      retry: { attempts: 2, sleep: async () => {} },
      timeoutMs: 100,
    });

    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes[0]).toMatchObject({
      ok: false,
      attempts: 2,
      error: 'Webhook unreachable: no answer within 100 ms',
    });
    expect(receiver.requests).toHaveLength(2);
  });

  it('refuses to send unsigned when no signing secret is configured', async () => {
    // prepare
    pager = new TeamPager({ pagerDutyEventsUrl: 'http://127.0.0.1:9/unused', chat: noChat });

    // act
    const outcomes = await pager.page(target, 'trigger');

    // assess
    expect(outcomes).toEqual([
      {
        channel: 'webhook',
        ok: false,
        attempts: 0,
        recipient: receiver.host,
        error: 'no webhook signing secret is configured',
      },
    ]);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"type":"incident.page","team":"sre"}';

  it('accepts the signature of the exact body and nothing else', () => {
    // prepare
    const header = signWebhookBody(SECRET, body);

    // act
    const verdicts = {
      exact: verifyWebhookSignature(SECRET, body, header),
      asBuffer: verifyWebhookSignature(SECRET, Buffer.from(body), header),
      reserialized: verifyWebhookSignature(SECRET, JSON.stringify(JSON.parse(body), null, 1), header),
      tampered: verifyWebhookSignature(SECRET, body.replace('sre', 'ops'), header),
      otherSecret: verifyWebhookSignature('another-secret', body, header),
      bareHex: verifyWebhookSignature(SECRET, body, header.slice('sha256='.length)),
      missing: verifyWebhookSignature(SECRET, body, undefined),
      empty: verifyWebhookSignature(SECRET, body, ''),
    };

    // assess
    expect(verdicts).toEqual({
      exact: true,
      asBuffer: true,
      reserialized: false,
      tampered: false,
      otherSecret: false,
      bareHex: false,
      missing: false,
      empty: false,
    });
  });
});

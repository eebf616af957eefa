import type { Severity } from '../../lambda/incidents/types';
import type { PageTarget } from '../../lambda/paging/pager';
import { TeamPager } from '../../lambda/paging/team-pager';
import { anIncident, noChat } from '../fixtures/incidents';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server';

const GENIE_KEY = 'eb243592-faa2-4ba2-a551q-1afdf565c889';

/** Opsgenie's Alert API as far as paging uses it: 202, or `status` with Opsgenie's error body. */
function opsgenieAnswer(status = 202) {
  const body =
    status === 202
      ? { result: 'Request will be processed', took: 0.01, requestId: 'req-1' }
      : { message: status === 422 ? 'Message can not be empty.' : 'Try again later', took: 0.01 };
  return { status, headers: { 'content-type': 'application/json' }, body };
}

const ALIAS = 'incident-bot/INC-7/sre';
const ALIAS_IN_PATH = 'incident-bot%2FINC-7%2Fsre';

describe('TeamPager → Opsgenie Alert API (server on 127.0.0.1)', () => {
  let opsgenie: RecordingServer;
  let pager: TeamPager;

  function target(overrides: Partial<PageTarget> = {}): PageTarget {
    return { incident: anIncident(), team: 'sre', config: { opsgenie: GENIE_KEY }, ...overrides };
  }

  beforeEach(async () => {
    opsgenie = await startRecordingServer({ answer: opsgenieAnswer() });
    pager = new TeamPager({
      pagerDutyEventsUrl: 'http://127.0.0.1:9/unused',
      // A trailing slash, as a configured base URL might have.
      opsgenieBaseUrl: `${opsgenie.url}/`,
      chat: noChat,
      retry: { attempts: 3, sleep: async () => {} },
    });
  });

  afterEach(async () => {
    await opsgenie.close();
  });

  it('creates an alert aliased by the dedup key, with the GenieKey header', async () => {
    // prepare
    const page = target({
      reason: 'p99 above 2 s',
      tier: 2,
      channelLink: 'https://acme.slack.com/archives/C0INC7',
    });

    // act
    const outcomes = await pager.page(page, 'trigger');

    // assess
    expect(outcomes).toEqual([{ channel: 'opsgenie', ok: true, attempts: 1, dedupKey: ALIAS }]);
    expect(opsgenie.requests).toHaveLength(1);
    const [request] = opsgenie.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v2/alerts');
    expect(request?.headers.authorization).toBe(`GenieKey ${GENIE_KEY}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(opsgenie.json()).toEqual([
      {
        message: 'INC-7: Checkout latency',
        alias: ALIAS,
        description: [
          'INC-7: Checkout latency',
          'Severity: sev2',
          'Status: investigating',
          'Team: sre (tier 3)',
          'Reason: p99 above 2 s',
          'Incident channel: https://acme.slack.com/archives/C0INC7',
        ].join('\n'),
        priority: 'P2',
        details: {
          incident: 'INC-7',
          severity: 'sev2',
          status: 'investigating',
          team: 'sre',
          tier: '3',
          reason: 'p99 above 2 s',
          channel: 'https://acme.slack.com/archives/C0INC7',
        },
        source: 'incident-bot',
      },
    ]);
  });

  it.each<[Severity, string]>([
    ['sev1', 'P1'],
    ['sev2', 'P2'],
    ['sev3', 'P3'],
    ['sev4', 'P4'],
  ])('maps %s to priority %s', async (severity, priority) => {
    // act
    await pager.page(target({ incident: anIncident({ severity }) }), 'trigger');

    // assess
    expect(opsgenie.json()[0]).toMatchObject({ priority });
  });

  it('acknowledges and closes the alert by alias', async () => {
    // act
    const acknowledged = await pager.page(target({ reason: 'Bob is on it' }), 'acknowledge');
    const closed = await pager.page(target(), 'resolve');

    // assess
    expect(acknowledged).toEqual([{ channel: 'opsgenie', ok: true, attempts: 1, dedupKey: ALIAS }]);
    expect(closed).toEqual([{ channel: 'opsgenie', ok: true, attempts: 1, dedupKey: ALIAS }]);
    expect(opsgenie.requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      `POST /v2/alerts/${ALIAS_IN_PATH}/acknowledge?identifierType=alias`,
      `POST /v2/alerts/${ALIAS_IN_PATH}/close?identifierType=alias`,
    ]);
    expect(opsgenie.requests.map((request) => request.headers.authorization)).toEqual([
      `GenieKey ${GENIE_KEY}`,
      `GenieKey ${GENIE_KEY}`,
    ]);
    expect(opsgenie.json()).toEqual([
      { source: 'incident-bot', note: 'Bob is on it' },
      { source: 'incident-bot' },
    ]);
  });

  it('retries a 5xx and does not retry a 422', async () => {
    // prepare
    opsgenie.answerNext(opsgenieAnswer(503));

    // act
    const retried = await pager.page(target(), 'trigger');
    opsgenie.answerNext(opsgenieAnswer(422));
    const refused = await pager.page(target(), 'trigger');

    // assess
    expect(retried[0]).toMatchObject({ ok: true, attempts: 2 });
    expect(refused[0]).toMatchObject({
      ok: false,
      attempts: 1,
      error: 'Opsgenie answered 422 Unprocessable Entity: Message can not be empty.',
    });
    expect(opsgenie.requests).toHaveLength(3);
  });
});

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Incident, Severity } from '../../lambda/incidents/types';
import type { PageTarget } from '../../lambda/paging/pager';
import { TeamPager } from '../../lambda/paging/team-pager';
import { anIncident, noChat } from '../fixtures/incidents';

const GENIE_KEY = 'eb243592-faa2-4ba2-a551q-1afdf565c889';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** Opsgenie's Alert API as far as paging uses it: records requests, answers 202 unless scripted. */
async function startOpsgenie() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
      });
      const status = statuses.shift() ?? 202;
      const body =
        status === 202
          ? { result: 'Request will be processed', took: 0.01, requestId: 'req-1' }
          : { message: status === 422 ? 'Message can not be empty.' : 'Try again later', took: 0.01 };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // A trailing slash, as a configured base URL might have.
    baseUrl: `http://127.0.0.1:${port}/`,
    received,
    respondWith: (next: number[]) => statuses.push(...next),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Opsgenie = Awaited<ReturnType<typeof startOpsgenie>>;

function incident(overrides: Partial<Incident> = {}): Incident {
  return anIncident({ ...overrides });
}

const ALIAS = 'incident-bot/INC-7/sre';
const ALIAS_IN_PATH = 'incident-bot%2FINC-7%2Fsre';

describe('TeamPager → Opsgenie Alert API (server on 127.0.0.1)', () => {
  let opsgenie: Opsgenie;
  let pager: TeamPager;

  function target(overrides: Partial<PageTarget> = {}): PageTarget {
    return { incident: incident(), team: 'sre', config: { opsgenie: GENIE_KEY }, ...overrides };
  }

  beforeEach(async () => {
    opsgenie = await startOpsgenie();
    pager = new TeamPager({
      pagerDutyEventsUrl: 'http://127.0.0.1:9/unused',
      opsgenieBaseUrl: opsgenie.baseUrl,
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
    expect(opsgenie.received).toHaveLength(1);
    const request = opsgenie.received[0] as Received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v2/alerts');
    expect(request.headers.authorization).toBe(`GenieKey ${GENIE_KEY}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toEqual({
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
    });
  });

  it.each<[Severity, string]>([
    ['sev1', 'P1'],
    ['sev2', 'P2'],
    ['sev3', 'P3'],
    ['sev4', 'P4'],
  ])('maps %s to priority %s', async (severity, priority) => {
    // act
    await pager.page(target({ incident: incident({ severity }) }), 'trigger');

    // assess
    expect(opsgenie.received[0]?.body).toMatchObject({ priority });
  });

  it('acknowledges and closes the alert by alias', async () => {
    // act
    const acknowledged = await pager.page(target({ reason: 'Bob is on it' }), 'acknowledge');
    const closed = await pager.page(target(), 'resolve');

    // assess
    expect(acknowledged).toEqual([{ channel: 'opsgenie', ok: true, attempts: 1, dedupKey: ALIAS }]);
    expect(closed).toEqual([{ channel: 'opsgenie', ok: true, attempts: 1, dedupKey: ALIAS }]);
    expect(opsgenie.received.map(({ method, url }) => `${method} ${url}`)).toEqual([
      `POST /v2/alerts/${ALIAS_IN_PATH}/acknowledge?identifierType=alias`,
      `POST /v2/alerts/${ALIAS_IN_PATH}/close?identifierType=alias`,
    ]);
    expect(opsgenie.received.map((request) => request.headers.authorization)).toEqual([
      `GenieKey ${GENIE_KEY}`,
      `GenieKey ${GENIE_KEY}`,
    ]);
    expect(opsgenie.received.map((request) => request.body)).toEqual([
      { source: 'incident-bot', note: 'Bob is on it' },
      { source: 'incident-bot' },
    ]);
  });

  it('retries a 5xx and does not retry a 422', async () => {
    // prepare
    opsgenie.respondWith([503]);

    // act
    const retried = await pager.page(target(), 'trigger');
    opsgenie.respondWith([422]);
    const refused = await pager.page(target(), 'trigger');

    // assess
    expect(retried[0]).toMatchObject({ ok: true, attempts: 2 });
    expect(refused[0]).toMatchObject({
      ok: false,
      attempts: 1,
      error: 'Opsgenie answered 422 Unprocessable Entity: Message can not be empty.',
    });
    expect(opsgenie.received).toHaveLength(3);
  });
});

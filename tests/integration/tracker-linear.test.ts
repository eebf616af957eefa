import {
  createLinearWebhook,
  LinearTracker,
  linearDescription,
  linearIssueId,
  linearWebhook,
} from '../../lambda/trackers/linear';
import type { TicketRequest } from '../../lambda/trackers/tracker';
import { type LinearStub, startLinearStub } from '../../local/linear-stub';
import { trackerErrorOf, webhookReceiverPerTest } from '../helpers/trackers';

const ANNA = '6f1c2a9e-0b1d-4c3e-9f4a-5b6c7d8e9f01';
const SECRET = 'lin_wh_secret';

function request(overrides: Partial<TicketRequest> = {}): TicketRequest {
  return {
    title: 'Add a circuit breaker to the auth client',
    paragraphs: [
      'Follow-up from INC-7.',
      '**Owner** said: <!channel> [click](javascript:alert(1)) # not a heading',
    ],
    links: [
      { text: 'Incident channel', url: 'https://acme.slack.com/archives/C0INC7' },
      { text: 'Post[mortem]', url: 'https://github.com/acme/postmortems/pull/3?a=(1)' },
    ],
    labels: ['incident', 'INC-7', 'sev2'],
    assignee: ANNA,
    idempotencyKey: 'INC-7/followup/1',
    ...overrides,
  };
}

describe('LinearTracker against the Linear stand-in', () => {
  let stub: LinearStub;
  let tracker: LinearTracker;

  const trackerFor = (overrides: Partial<ConstructorParameters<typeof LinearTracker>[0]> = {}) =>
    new LinearTracker({ apiUrl: stub.url, apiKey: stub.apiKey, team: 'OPS', timeoutMs: 2000, ...overrides });

  beforeEach(async () => {
    stub = await startLinearStub({ labels: ['incident'] });
    tracker = trackerFor();
  });

  afterEach(async () => {
    await stub.close();
  });

  it('resolves the team, finds or creates the labels, and creates the issue with escaped Markdown', async () => {
    // act
    const ticket = await tracker.create(request());

    // assess
    const issue = stub.issues[0];
    expect(ticket).toEqual({
      tracker: 'linear',
      key: 'OPS-1',
      url: 'https://linear.app/acme/issue/ops-1',
      id: linearIssueId('OPS', 'INC-7/followup/1'),
    });
    expect(issue?.title).toBe('Add a circuit breaker to the auth client');
    expect(issue?.assignee?.id).toBe(ANNA);
    expect(issue?.description).toBe(
      [
        'Follow\\-up from INC\\-7\\.',
        '\\*\\*Owner\\*\\* said\\: \\<\\!channel\\> \\[click\\]\\(javascript\\:alert\\(1\\)\\) \\# not a heading',
        [
          '- [Incident channel](<https://acme.slack.com/archives/C0INC7>)',
          '- [Post\\[mortem\\]](<https://github.com/acme/postmortems/pull/3?a=(1)>)',
        ].join('\n'),
      ].join('\n\n'),
    );
    const labelNames = issue?.labelIds.map((id) => stub.labels.find((label) => label.id === id)?.name);
    expect(labelNames).toEqual(['incident', 'INC-7', 'sev2']);
    // The workspace label was reused; the two missing ones were made in the team.
    expect(stub.labels.map((label) => [label.name, label.team?.key ?? null])).toEqual([
      ['incident', null],
      ['INC-7', 'OPS'],
      ['sev2', 'OPS'],
    ]);
    expect(stub.calls.map((call) => call.operationName)).toEqual([
      'IncidentBotTeam',
      'IncidentBotFind',
      'IncidentBotLabels',
      'IncidentBotLabelCreate',
      'IncidentBotLabelCreate',
      'IncidentBotCreate',
    ]);
    expect(stub.calls.every((call) => call.status === 200 && call.errors === undefined)).toBe(true);
    expect(stub.calls[0]?.headers.authorization).toBe(stub.apiKey);
  });

  it('reuses a label whose name differs only in case instead of creating a duplicate Linear refuses', async () => {
    // arrange
    await stub.close();
    stub = await startLinearStub({ labels: ['Incident', 'SEV2'] });
    tracker = trackerFor();

    // act
    await tracker.create(request({ labels: ['incident', 'sev2', 'INC-7'] }));

    // assess
    expect(stub.labels.map((label) => label.name)).toEqual(['Incident', 'SEV2', 'INC-7']);
    const used = stub.issues[0]?.labelIds.map((id) => stub.labels.find((label) => label.id === id)?.name);
    expect(used).toEqual(['Incident', 'SEV2', 'INC-7']);
  });

  it('asks for the team and the labels once', async () => {
    // arrange
    await tracker.create(request());
    stub.calls.length = 0;

    // act
    const second = await tracker.create(request({ idempotencyKey: 'INC-7/followup/2', assignee: undefined }));

    // assess
    expect(second.key).toBe('OPS-2');
    expect(stub.calls.map((call) => call.operationName)).toEqual(['IncidentBotFind', 'IncidentBotCreate']);
    expect(stub.issues[1]?.assignee).toBeNull();
  });

  it('finds the issue a lost answer created instead of creating a second one', async () => {
    // arrange: team and look-up answered; the create runs but its answer never comes back
    stub.failNext('pass', 'pass', 'drop');
    const impatient = trackerFor({ timeoutMs: 300 });
    const plain = request({ labels: [] });

    // act
    const lost = await trackerErrorOf(impatient.create(plain));
    const retried = await impatient.create(plain);

    // assess
    expect(lost.retryable).toBe(true);
    expect(stub.issues).toHaveLength(1);
    expect(retried).toMatchObject({ key: 'OPS-1', id: linearIssueId('OPS', 'INC-7/followup/1') });
    expect(stub.calls.filter((call) => call.operationName === 'IncidentBotCreate')).toHaveLength(1);
  });

  it('returns the twin when another delivery of the same request created the issue first', async () => {
    // arrange: just before our create reaches Linear, a twin sends the very same create
    let twinSent = false;
    const racing = trackerFor({
      fetch: async (url, init) => {
        if (!twinSent && String(init.body).includes('IncidentBotCreate')) {
          twinSent = true;
          await fetch(url, init);
        }
        return fetch(url, init);
      },
    });

    // act
    const ticket = await racing.create(request({ labels: [] }));

    // assess
    expect(twinSent).toBe(true);
    expect(stub.issues).toHaveLength(1);
    expect(ticket).toMatchObject({ key: 'OPS-1', id: linearIssueId('OPS', 'INC-7/followup/1') });
    const creates = stub.calls.filter((call) => call.operationName === 'IncidentBotCreate');
    expect(creates.map((call) => call.errors)).toEqual([undefined, ['Entity already exists: Issue']]);
  });

  it('reports 500, 429, RATELIMITED and a hung Linear as retryable, with when to retry', async () => {
    // arrange
    const resetAt = Date.now() + 60_000;
    stub.failNext(
      { status: 500 },
      { status: 429, retryAfterSeconds: 9 },
      { code: 'RATELIMITED', message: 'Rate limit exceeded', status: 200, resetAtMs: resetAt },
      { code: 'RATELIMITED', message: 'Rate limit exceeded', status: 400 },
      'hang',
    );
    const impatient = trackerFor({ timeoutMs: 300 });

    // act
    const serverError = await trackerErrorOf(tracker.create(request()));
    const tooMany = await trackerErrorOf(tracker.create(request()));
    const limitedWith200 = await trackerErrorOf(tracker.create(request()));
    const limitedWith400 = await trackerErrorOf(tracker.create(request()));
    const hung = await trackerErrorOf(impatient.create(request()));

    // assess
    expect(serverError).toMatchObject({ retryable: true, status: 500 });
    expect(tooMany).toMatchObject({ retryable: true, status: 429, retryAfterMs: 9000 });
    expect(limitedWith200).toMatchObject({ retryable: true, status: 200 });
    expect(limitedWith200.message).toContain('Rate limit exceeded (RATELIMITED)');
    expect(limitedWith200.retryAfterMs).toBeGreaterThan(0);
    expect(limitedWith200.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(limitedWith400).toMatchObject({ retryable: true, status: 400 });
    expect(hung.retryable).toBe(true);
    expect(stub.issues).toHaveLength(0);
  });

  it("reports auth and input errors as permanent, with Linear's message, GraphQL errors on HTTP 200 included", async () => {
    // arrange
    const wrongKey = trackerFor({ apiKey: 'lin_api_wrong' });
    const bearer = trackerFor({ apiKey: `Bearer ${stub.apiKey}` });
    const noTeam = trackerFor({ team: 'NOPE' });

    // act
    const unauthenticated = await trackerErrorOf(wrongKey.create(request()));
    const withBearer = await trackerErrorOf(bearer.create(request()));
    const unknownTeam = await trackerErrorOf(noTeam.create(request()));
    const unknownAssignee = await trackerErrorOf(tracker.create(request({ assignee: 'no-such-user' })));
    const failedCreate = stub.calls.filter((call) => call.operationName === 'IncidentBotCreate').at(-1);

    // assess
    expect(unauthenticated).toMatchObject({ retryable: false, status: 401 });
    expect(unauthenticated.message).toContain(
      'Authentication required, not authenticated (AUTHENTICATION_ERROR)',
    );
    expect(withBearer).toMatchObject({ retryable: false, status: 401 });
    expect(unknownTeam.retryable).toBe(false);
    expect(unknownTeam.message).toContain('no team with the key NOPE');
    expect(failedCreate).toMatchObject({ status: 200, errors: [expect.stringContaining('referenced User')] });
    expect(unknownAssignee).toMatchObject({ retryable: false, status: 200 });
    expect(unknownAssignee.message).toContain('Could not find referenced User. (INVALID_INPUT)');
    expect(stub.issues).toHaveLength(0);
  });

  it('reads the status: open, closed when completed or canceled', async () => {
    // arrange
    const first = await tracker.create(request());
    const second = await tracker.create(request({ idempotencyKey: 'INC-7/followup/2' }));
    const open = await tracker.status(first);

    // act
    await stub.setState(first.key, 'started');
    const started = await tracker.status(first);
    await stub.setState(first.key, 'completed');
    const completed = await tracker.status(first);
    await stub.setState(second.key, 'canceled');
    const canceled = await tracker.status(second);

    // assess
    expect(open).toEqual({ state: 'open' });
    expect(started).toEqual({ state: 'open' });
    expect(completed).toEqual({ state: 'closed', closedAt: stub.issues[0]?.completedAt });
    expect(completed.closedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(canceled).toEqual({ state: 'closed', closedAt: stub.issues[1]?.canceledAt });
  });

  describe('the webhook', () => {
    const receiver = webhookReceiverPerTest();
    const sentAt = Date.parse('2026-03-04T05:06:07.000Z');
    const at = (ms: number) => createLinearWebhook(() => ms);

    async function delivered() {
      const ticket = await tracker.create(request());
      await stub.setState(ticket.key, 'completed', {
        url: `${receiver.url()}/webhooks/linear`,
        secret: SECRET,
        timestampMs: sentAt,
      });
      return receiver.firstDelivery();
    }

    it('accepts a signed, fresh delivery and reads the state change', async () => {
      // act
      const { headers, body } = await delivered();

      // assess
      expect(headers['linear-signature']).toMatch(/^[0-9a-f]{64}$/);
      expect(at(sentAt + 59_000).verify(headers, body, SECRET)).toBe(true);
      expect(at(sentAt - 59_000).verify(headers, body, SECRET)).toBe(true);
      expect(linearWebhook.read(JSON.parse(body))).toEqual({
        tracker: 'linear',
        id: linearIssueId('OPS', 'INC-7/followup/1'),
        key: 'OPS-1',
        state: 'closed',
        at: stub.issues[0]?.updatedAt,
      });
    });

    it('rejects a wrong secret, a missing signature, a tampered body and a stale or future timestamp', async () => {
      // arrange
      const { headers, body } = await delivered();
      const tampered = body.replace('"completed"', '"started"');
      const fresh = at(sentAt + 1000);

      // act
      const verdicts = {
        wrongSecret: fresh.verify(headers, body, 'other'),
        emptySecret: fresh.verify(headers, body, ''),
        missing: fresh.verify({ 'content-type': 'application/json' }, body, SECRET),
        tampered: fresh.verify(headers, tampered, SECRET),
        stale: at(sentAt + 61_000).verify(headers, body, SECRET),
        future: at(sentAt - 61_000).verify(headers, body, SECRET),
      };

      // assess
      expect(tampered).not.toBe(body);
      expect(verdicts).toEqual({
        wrongSecret: false,
        emptySecret: false,
        missing: false,
        tampered: false,
        stale: false,
        future: false,
      });
    });

    it('reads a reopened issue as open and ignores updates that change no state', async () => {
      // arrange
      const ticket = await tracker.create(request());
      await stub.setState(ticket.key, 'completed');
      await stub.setState(ticket.key, 'unstarted');
      const reopened = JSON.parse(stub.webhookDelivery(ticket.key, SECRET, sentAt).body) as Record<
        string,
        unknown
      >;
      const retitled = {
        ...reopened,
        updatedFrom: { title: 'old title', updatedAt: '2026-01-01T00:00:00.000Z' },
      };

      // act
      const events = [
        linearWebhook.read(reopened),
        linearWebhook.read(retitled),
        linearWebhook.read({ ...reopened, type: 'Comment' }),
        linearWebhook.read({ ...reopened, action: 'create' }),
      ];

      // assess
      expect(events[0]).toMatchObject({ tracker: 'linear', key: 'OPS-1', state: 'open' });
      expect(events.slice(1)).toEqual([undefined, undefined, undefined]);
    });
  });

  describe("the stand-in holds requests to Linear's schema", () => {
    const send = (query: string, variables: Record<string, unknown> = {}) =>
      fetch(stub.url, {
        method: 'POST',
        headers: { authorization: stub.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
    const teamId = () => stub.teams[0]?.id ?? '';
    const create =
      'mutation C($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id } } }';

    it('runs a query that matches the schema', async () => {
      // act
      const response = await send(create, { input: { teamId: teamId(), title: 'ok' } });

      // assess
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ data: { issueCreate: { success: true } } });
    });

    it.each([
      [
        'a misspelt input field',
        create,
        { input: { teamId: 'x', title: 'ok', assigneID: 'u' } },
        'assigneID',
      ],
      ['a missing required input field', create, { input: { title: 'ok' } }, 'teamId'],
      [
        'a misspelt selection',
        'query Q { teams(first: 1) { nodes { id identifer } } }',
        {},
        'Cannot query field \\"identifer\\" on type \\"Team\\"',
      ],
      [
        'an unknown filter field',
        'query Q { issues(filter: { descriptionText: { contains: "x" } }) { nodes { id } } }',
        {},
        'descriptionText',
      ],
      ['an unknown root field', 'query Q { issueByKey(key: "OPS-1") { id } }', {}, 'issueByKey'],
    ])('refuses %s with 400', async (_name, query, variables, message) => {
      // act
      const response = await send(query, variables);
      const text = await response.text();

      // assess
      expect(response.status).toBe(400);
      expect(text).toContain(message);
      expect(stub.issues).toHaveLength(0);
    });

    it('renders descriptions the way the adapter sends them', () => {
      // act
      const markdown = linearDescription({ paragraphs: ['    indented `code`\nsecond'], links: [] });

      // assess
      expect(markdown).toBe('indented \\`code\\`\\\nsecond');
    });
  });
});

import { JiraTracker, jiraIdempotencyLabel, jiraWebhook } from '../../lambda/trackers/jira';
import type { TicketRequest } from '../../lambda/trackers/tracker';
import { type JiraStub, startJiraStub } from '../../local/jira-stub';
import { trackerErrorOf, webhookReceiverPerTest } from '../helpers/trackers';

const ANNA = '5b10a2844c20165700ede21g';
const SECRET = 'jira-webhook-secret';

function request(overrides: Partial<TicketRequest> = {}): TicketRequest {
  return {
    title: 'Add a circuit breaker to the auth client',
    paragraphs: ['Follow-up from INC-7.', 'Owner said: <!channel> *now* [click](javascript:alert(1))'],
    links: [
      { text: 'Incident channel', url: 'https://acme.slack.com/archives/C0INC7' },
      { text: 'Postmortem', url: 'https://github.com/acme/postmortems/pull/3' },
    ],
    labels: ['incident', 'INC-7', 'sev2', 'needs  review'],
    assignee: ANNA,
    idempotencyKey: 'INC-7/followup/1',
    ...overrides,
  };
}

describe('JiraTracker against the Jira Cloud stand-in', () => {
  let stub: JiraStub;
  let tracker: JiraTracker;

  const trackerFor = (overrides: Partial<ConstructorParameters<typeof JiraTracker>[0]> = {}) =>
    new JiraTracker({
      baseUrl: stub.url,
      email: stub.email,
      apiToken: stub.apiToken,
      project: 'OPS',
      timeoutMs: 2000,
      ...overrides,
    });

  beforeEach(async () => {
    stub = await startJiraStub({ accountIds: [ANNA] });
    tracker = trackerFor();
  });

  afterEach(async () => {
    await stub.close();
  });

  it('creates an issue with labels, assignee and an ADF description holding the user text as data', async () => {
    // act
    const ticket = await tracker.create(request());

    // assess
    expect(ticket).toEqual({ tracker: 'jira', key: 'OPS-1', url: `${stub.url}/browse/OPS-1`, id: '10001' });
    const create = stub.calls.find((call) => call.method === 'POST' && call.path === '/rest/api/3/issue');
    expect(create?.status).toBe(201);
    expect(create?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${stub.email}:${stub.apiToken}`).toString('base64')}`,
    );
    const fields = (create?.body as { fields?: Record<string, unknown> } | undefined)?.fields;
    expect(fields).toEqual({
      project: { key: 'OPS' },
      issuetype: { name: 'Task' },
      summary: 'Add a circuit breaker to the auth client',
      labels: ['incident', 'INC-7', 'sev2', 'needs-review', jiraIdempotencyLabel('INC-7/followup/1')],
      assignee: { accountId: ANNA },
      description: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Follow-up from INC-7.' }] },
          {
            type: 'paragraph',
            content: [{ type: 'text', text: 'Owner said: <!channel> *now* [click](javascript:alert(1))' }],
          },
          {
            type: 'bulletList',
            content: [
              {
                type: 'listItem',
                content: [
                  {
                    type: 'paragraph',
                    content: [
                      {
                        type: 'text',
                        text: 'Incident channel',
                        marks: [{ type: 'link', attrs: { href: 'https://acme.slack.com/archives/C0INC7' } }],
                      },
                    ],
                  },
                ],
              },
              {
                type: 'listItem',
                content: [
                  {
                    type: 'paragraph',
                    content: [
                      {
                        type: 'text',
                        text: 'Postmortem',
                        marks: [
                          { type: 'link', attrs: { href: 'https://github.com/acme/postmortems/pull/3' } },
                        ],
                      },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(stub.calls.every((call) => call.status >= 200 && call.status < 300)).toBe(true);
  });

  it('keeps line breaks, empty paragraphs and non-web links valid ADF, and cuts a long summary visibly', async () => {
    // act
    const ticket = await tracker.create(
      request({
        title: `${'x'.repeat(300)}\nsecond line`,
        paragraphs: ['line one\nline two', ''],
        links: [{ text: 'Runbook', url: 'javascript:alert(1)' }],
        assignee: undefined,
      }),
    );

    // assess
    expect(ticket.key).toBe('OPS-1');
    const fields = stub.issues[0]?.fields as { summary: string; description: unknown; assignee?: unknown };
    expect(fields.summary).toHaveLength(254);
    expect(fields.summary.endsWith('…')).toBe(true);
    expect(fields.assignee).toBeUndefined();
    expect(fields.description).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'line one' },
            { type: 'hardBreak' },
            { type: 'text', text: 'line two' },
          ],
        },
        { type: 'paragraph' },
        {
          type: 'bulletList',
          content: [
            {
              type: 'listItem',
              content: [
                { type: 'paragraph', content: [{ type: 'text', text: 'Runbook: javascript:alert(1)' }] },
              ],
            },
          ],
        },
      ],
    });
  });

  it('finds the ticket a lost answer created instead of creating a second one', async () => {
    // arrange: the search is answered, the create is done but its answer never comes back
    stub.failNext('pass', 'drop');
    const impatient = trackerFor({ timeoutMs: 300 });

    // act
    const lost = await trackerErrorOf(impatient.create(request()));
    const retried = await impatient.create(request());

    // assess
    expect(lost.retryable).toBe(true);
    expect(stub.issues).toHaveLength(1);
    expect(retried).toEqual({ tracker: 'jira', key: 'OPS-1', url: `${stub.url}/browse/OPS-1`, id: '10001' });
    const creates = stub.calls.filter((call) => call.path === '/rest/api/3/issue');
    expect(creates).toHaveLength(1);
    const searches = stub.calls.filter((call) => call.path === '/rest/api/3/search/jql');
    expect(searches.map((call) => (call.body as { jql: string }).jql)).toEqual([
      `project = "OPS" AND labels = "${jiraIdempotencyLabel('INC-7/followup/1')}" ORDER BY created ASC`,
      `project = "OPS" AND labels = "${jiraIdempotencyLabel('INC-7/followup/1')}" ORDER BY created ASC`,
    ]);
  });

  it('makes a second ticket for a different follow-up', async () => {
    // act
    const first = await tracker.create(request());
    const second = await tracker.create(request({ idempotencyKey: 'INC-7/followup/2' }));

    // assess
    expect([first.key, second.key]).toEqual(['OPS-1', 'OPS-2']);
  });

  it('reports 500, 429 and a hung Jira as retryable, with Retry-After', async () => {
    // arrange
    stub.failNext({ status: 500 }, { status: 429, retryAfterSeconds: 7 }, 'hang');
    const impatient = trackerFor({ timeoutMs: 300 });

    // act
    const serverError = await trackerErrorOf(tracker.create(request()));
    const limited = await trackerErrorOf(tracker.create(request()));
    const hung = await trackerErrorOf(impatient.create(request()));

    // assess
    expect(serverError).toMatchObject({ retryable: true, status: 500 });
    expect(limited).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    expect(hung.retryable).toBe(true);
    expect(hung.message).toContain('no answer within 300 ms');
    expect(stub.issues).toHaveLength(0);
  });

  it("reports 400 and 401 as permanent, with Jira's own message", async () => {
    // arrange
    const stranger = 'not-an-account';
    const badToken = trackerFor({ apiToken: 'wrong' });
    const noProject = trackerFor({ project: 'NOPE' });
    const noType = trackerFor({ issueType: 'Epic' });

    // act
    const unknownAssignee = await trackerErrorOf(tracker.create(request({ assignee: stranger })));
    const unauthenticated = await trackerErrorOf(badToken.create(request()));
    const unknownProject = await trackerErrorOf(noProject.create(request()));
    const unknownType = await trackerErrorOf(noType.create(request()));

    // assess
    expect(unknownAssignee).toMatchObject({ retryable: false, status: 400 });
    expect(unknownAssignee.message).toContain(
      'assignee: Specified user does not exist or you do not have required permissions',
    );
    expect(unauthenticated).toMatchObject({ retryable: false, status: 401 });
    expect(unauthenticated.message).toContain('Client must be authenticated to access this resource.');
    expect(unknownProject).toMatchObject({ retryable: false, status: 400 });
    expect(unknownProject.message).toContain("The value 'NOPE' does not exist for the field 'project'.");
    expect(unknownType).toMatchObject({ retryable: false, status: 400 });
    expect(unknownType.message).toContain('issuetype: Specify a valid issue type');
    expect(stub.issues).toHaveLength(0);
  });

  it('reads the status: open, then closed with the resolution date', async () => {
    // arrange
    const ticket = await tracker.create(request());
    const open = await tracker.status(ticket);

    // act
    await stub.transition(ticket.key, { name: 'In Progress', category: 'indeterminate' });
    const started = await tracker.status(ticket);
    await stub.transition(ticket.key, { name: 'Done', category: 'done', at: '2026-03-04T05:06:07.000Z' });
    const done = await tracker.status(ticket);

    // assess
    expect(open).toEqual({ state: 'open' });
    expect(started).toEqual({ state: 'open' });
    expect(done).toEqual({ state: 'closed', closedAt: '2026-03-04T05:06:07.000Z' });
    const lookup = stub.calls.filter((call) => call.method === 'GET').at(-1);
    expect(lookup?.path).toBe('/rest/api/3/issue/10001?fields=status,resolutiondate');
  });

  it('reports an issue Jira no longer shows as a permanent error', async () => {
    // act
    const missing = await trackerErrorOf(
      tracker.status({ tracker: 'jira', key: 'OPS-99', url: '', id: '99999' }),
    );

    // assess
    expect(missing).toMatchObject({ retryable: false, status: 404 });
    expect(missing.message).toContain('Issue does not exist or you do not have permission to see it.');
  });

  describe('the webhook', () => {
    const receiver = webhookReceiverPerTest();

    async function delivered() {
      const ticket = await tracker.create(request());
      await stub.transition(
        ticket.key,
        { name: 'Done', category: 'done', at: '2026-03-04T05:06:07.000Z' },
        { url: `${receiver.url()}/webhooks/jira`, secret: SECRET },
      );
      return receiver.firstDelivery();
    }

    it('accepts a delivery signed with the secret and reads the status change', async () => {
      // act
      const { headers, body } = await delivered();

      // assess
      expect(headers['x-hub-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(jiraWebhook.verify(headers, body, SECRET)).toBe(true);
      expect(jiraWebhook.verify({ 'X-Hub-Signature': headers['x-hub-signature'] }, body, SECRET)).toBe(true);
      expect(jiraWebhook.read(JSON.parse(body))).toEqual({
        tracker: 'jira',
        id: '10001',
        key: 'OPS-1',
        state: 'closed',
        at: '2026-03-04T05:06:07.000Z',
      });
    });

    it('rejects a wrong secret, a missing or malformed signature and a tampered body', async () => {
      // arrange
      const { headers, body } = await delivered();
      const signature = headers['x-hub-signature'] ?? '';
      const tampered = body.replace('"Done"', '"Dome"');

      // act
      const verdicts = {
        wrongSecret: jiraWebhook.verify(headers, body, 'another-secret'),
        emptySecret: jiraWebhook.verify(headers, body, ''),
        missing: jiraWebhook.verify({ 'content-type': 'application/json' }, body, SECRET),
        bareHex: jiraWebhook.verify({ 'x-hub-signature': signature.slice('sha256='.length) }, body, SECRET),
        otherAlgorithm: jiraWebhook.verify(
          { 'x-hub-signature': signature.replace('sha256', 'sha1') },
          body,
          SECRET,
        ),
        truncated: jiraWebhook.verify({ 'x-hub-signature': signature.slice(0, -2) }, body, SECRET),
        tampered: jiraWebhook.verify(headers, tampered, SECRET),
      };

      // assess
      expect(tampered).not.toBe(body);
      expect(verdicts).toEqual({
        wrongSecret: false,
        emptySecret: false,
        missing: false,
        bareHex: false,
        otherAlgorithm: false,
        truncated: false,
        tampered: false,
      });
    });

    it('reads a move back to an open status as open, and ignores events that change no status', async () => {
      // arrange
      const ticket = await tracker.create(request());
      await stub.transition(ticket.key, { name: 'Done', category: 'done' });
      await stub.transition(ticket.key, { name: 'To Do', category: 'new' });
      const reopened = JSON.parse(stub.webhookDelivery(ticket.key, SECRET).body) as Record<string, unknown>;
      const renamed = {
        ...reopened,
        changelog: { id: '1', items: [{ field: 'summary', fieldtype: 'jira', fieldId: 'summary' }] },
      };

      // act
      const events = [
        jiraWebhook.read(reopened),
        jiraWebhook.read(renamed),
        jiraWebhook.read({ ...reopened, webhookEvent: 'jira:issue_created' }),
        jiraWebhook.read('not an object'),
      ];

      // assess
      expect(events[0]).toMatchObject({ tracker: 'jira', id: '10001', key: 'OPS-1', state: 'open' });
      expect(events.slice(1)).toEqual([undefined, undefined, undefined]);
    });
  });

  describe('the stand-in holds requests to Jira Cloud’s published description', () => {
    const auth = () => `Basic ${Buffer.from(`${stub.email}:${stub.apiToken}`).toString('base64')}`;
    const post = (path: string, body: unknown) =>
      fetch(`${stub.url}${path}`, {
        method: 'POST',
        headers: { authorization: auth(), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const valid = {
      project: { key: 'OPS' },
      issuetype: { name: 'Task' },
      summary: 'ok',
      description: {
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'hi' }] }],
      },
    };

    it('accepts a well-formed create', async () => {
      // act
      const response = await post('/rest/api/3/issue', { fields: valid });

      // assess
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ id: '10001', key: 'OPS-1' });
    });

    it.each([
      ['a misspelt field', { fields: { ...valid, sumary: 'typo' } }, "Field 'sumary' cannot be set"],
      [
        'no summary',
        { fields: { ...valid, summary: undefined } },
        'You must specify a summary of the issue.',
      ],
      [
        'a 255-character summary',
        { fields: { ...valid, summary: 'x'.repeat(255) } },
        'less than 255 characters',
      ],
      ['a label with a space', { fields: { ...valid, labels: ['needs review'] } }, 'contains spaces'],
      ['a plain-text description', { fields: { ...valid, description: 'hello' } }, 'Atlassian Document'],
      [
        'an ADF document without its version',
        { fields: { ...valid, description: { type: 'doc', content: [] } } },
        "'version' is required",
      ],
      [
        'an empty ADF text node',
        {
          fields: {
            ...valid,
            description: {
              type: 'doc',
              version: 1,
              content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }],
            },
          },
        },
        'Atlassian Document',
      ],
    ])('refuses a create with %s', async (_name, body, message) => {
      // act
      const response = await post('/rest/api/3/issue', body);
      const text = await response.text();

      // assess
      expect(response.status).toBe(400);
      expect(text).toContain(message);
      expect(stub.issues).toHaveLength(0);
    });

    it('refuses a search whose body has a misspelt property, and the deprecated search endpoint', async () => {
      // act
      const misspelt = await post('/rest/api/3/search/jql', { jql: 'project = OPS', maxResult: 1 });
      const deprecated = await fetch(`${stub.url}/rest/api/3/search?jql=project%3DOPS`, {
        headers: { authorization: auth() },
      });
      const unknownParam = await fetch(`${stub.url}/rest/api/3/issue/10001?field=status`, {
        headers: { authorization: auth() },
      });

      // assess
      expect(misspelt.status).toBe(400);
      expect(await misspelt.text()).toContain("unknown property 'maxResult'");
      expect(deprecated.status).toBe(404);
      expect(unknownParam.status).toBe(400);
      expect(await unknownParam.text()).toContain("Unknown query parameter 'field'");
    });
  });
});

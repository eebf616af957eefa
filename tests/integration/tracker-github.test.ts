import {
  GitHubPostmortems,
  GitHubTracker,
  githubWebhook,
  signGitHubDelivery,
} from '../../lambda/trackers/github';
import type { TicketRequest } from '../../lambda/trackers/tracker';
import { type GitHubStub, startGitHubStub } from '../../local/github-stub';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server';
import { trackerErrorOf } from '../helpers/trackers';

/** GitHub's mention syntax: `@login` or `@org/team` after a non-word character. */
const MENTION = /(^|[^\w`])@[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9_-]+)?/;

const request = (overrides: Partial<TicketRequest> = {}): TicketRequest => ({
  title: 'Add a canary for the auth service',
  paragraphs: ['Follow-up from INC-7 (sev1): login failures after the 15:30 deploy.'],
  links: [
    { text: 'Incident channel #inc-7-auth', url: 'https://acme.slack.com/archives/C0INC7' },
    { text: 'Postmortem', url: 'https://github.com/acme/postmortems/pull/3' },
  ],
  labels: ['incident', 'INC-7', 'sev1'],
  assignee: 'octocat',
  idempotencyKey: 'INC-7.fix.1',
  ...overrides,
});

describe('GitHub tracker against the GitHub stand-in', () => {
  let stub: GitHubStub;
  let tracker: GitHubTracker;

  beforeAll(async () => {
    stub = await startGitHubStub({ repos: ['acme/ops', 'acme/postmortems'], collaborators: ['octocat'] });
  });

  afterAll(async () => {
    await stub.close();
  });

  beforeEach(() => {
    stub.reset();
    tracker = new GitHubTracker({ apiUrl: stub.url, token: stub.token, repo: 'acme/ops', timeoutMs: 2000 });
  });

  it('creates an issue with labels and an assignee, sending the headers GitHub requires', async () => {
    // act
    const ticket = await tracker.create(request());

    // assess
    const [issue] = stub.issues('acme/ops');
    expect(stub.issues('acme/ops')).toHaveLength(1);
    expect(ticket).toEqual({
      tracker: 'github',
      key: 'acme/ops#1',
      url: 'https://github.com/acme/ops/issues/1',
      id: '1',
    });
    expect(issue).toMatchObject({
      number: 1,
      title: 'Add a canary for the auth service',
      labels: ['incident', 'INC-7', 'sev1'],
      assignees: ['octocat'],
      state: 'open',
    });
    expect(issue?.body).toContain(
      '[Incident channel \\#inc\\-7\\-auth](<https://acme.slack.com/archives/C0INC7>)',
    );
    expect(stub.labels('acme/ops').map((l) => l.name)).toEqual(['incident', 'INC-7', 'sev1']);
    const create = stub.calls.find((call) => call.operationId === 'issues/create');
    expect(create?.headers).toMatchObject({
      authorization: `Bearer ${stub.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'incident-bot',
    });
    expect(stub.calls.every((call) => call.operationId !== undefined && call.status < 300)).toBe(true);
  });

  it('renders text so that it cannot mention anyone or inject HTML, and cuts a long title', async () => {
    // arrange
    const hostile =
      '@acme/everyone <img src=x onerror=alert(1)> **now** [click](javascript:alert(1)) cc @octocat';

    // act
    await tracker.create(
      request({
        title: `Page @acme/everyone <img src=x> ${'x'.repeat(300)}`,
        paragraphs: [hostile, 'second line\n# not a heading'],
        links: [
          { text: '@acme/sre', url: 'https://acme.slack.com/archives/C0INC7' },
          { text: 'evil', url: 'javascript:alert(1)' },
        ],
      }),
    );

    // assess
    const [issue] = stub.issues('acme/ops');
    const body = issue?.body ?? '';
    expect(body).not.toMatch(MENTION);
    expect(body).not.toContain('<img');
    expect(body).not.toMatch(/\]\(\s*<?javascript:/i);
    expect(body).not.toMatch(/^#/m);
    expect(body).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    // Only the bot's own markup: the link target and the hidden marker.
    expect(body.replace(/<https:[^>\s]+>/g, '').replace(/<!-- incident-bot:key=[^>]+ -->/, '')).not.toMatch(
      /[<>]/,
    );
    expect(issue?.title).not.toMatch(MENTION);
    expect([...(issue?.title ?? '')]).toHaveLength(256);
    expect(issue?.title.endsWith('…')).toBe(true);
  });

  it('finds the issue a lost answer created instead of creating a second', async () => {
    // arrange
    stub.failNext(1, 'lose', { operationId: 'issues/create' });
    const lost = await trackerErrorOf(tracker.create(request()));

    // act
    const retried = await tracker.create(request());
    const other = await tracker.create(request({ idempotencyKey: 'INC-7.fix.2', title: 'Another fix' }));

    // assess
    expect(lost.retryable).toBe(true);
    expect(stub.calls.filter((c) => c.operationId === 'issues/create').map((c) => c.status)).toEqual([
      0, 201,
    ]);
    expect(retried).toMatchObject({ key: 'acme/ops#1', id: '1' });
    expect(other).toMatchObject({ key: 'acme/ops#2' });
    expect(stub.issues('acme/ops').map((i) => i.title)).toEqual([
      'Add a canary for the auth service',
      'Another fix',
    ]);
  });

  it('finds the earlier issue when the severity label changed between attempts', async () => {
    // arrange
    await tracker.create(
      request({
        labels: ['incident', 'INC-7', 'sev1'],
        title: 'Other follow-up',
        idempotencyKey: 'INC-7.task.1',
      }),
    );
    stub.failNext(1, 'lose', { operationId: 'issues/create' });
    await trackerErrorOf(tracker.create(request({ labels: ['incident', 'INC-7', 'sev2'] })));

    // act
    const retried = await tracker.create(request({ labels: ['incident', 'INC-7', 'sev1'] }));

    // assess
    expect(retried.id).toBe('2');
    expect(stub.issues('acme/ops')).toHaveLength(2);
  });

  it('finds an earlier issue even when GitHub dropped its labels (no push access)', async () => {
    // arrange
    stub.setCanPush(false);
    await tracker.create(request());

    // act
    const again = await tracker.create(request());

    // assess
    expect(again.id).toBe('1');
    expect(stub.issues('acme/ops')).toHaveLength(1);
    expect(stub.issues('acme/ops')[0]?.labels).toEqual([]);
  });

  it('reports 500, 429, a secondary rate limit and no answer as retryable', async () => {
    // arrange
    const hurried = new GitHubTracker({
      apiUrl: stub.url,
      token: stub.token,
      repo: 'acme/ops',
      timeoutMs: 300,
    });

    // act
    stub.failNext(1, 500, { operationId: 'issues/create' });
    const serverError = await trackerErrorOf(tracker.create(request()));
    stub.failNext(1, 429, { retryAfterSeconds: 7 });
    const throttled = await trackerErrorOf(tracker.create(request()));
    stub.failNext(1, 'secondary-rate-limit', { retryAfterSeconds: 30 });
    const secondary = await trackerErrorOf(tracker.create(request()));
    stub.failNext(1, 'hang');
    const hung = await trackerErrorOf(hurried.create(request()));

    // assess
    expect(serverError).toMatchObject({ retryable: true, status: 500 });
    expect(throttled).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    expect(secondary).toMatchObject({ retryable: true, status: 403, retryAfterMs: 30_000 });
    expect(secondary.message).toContain('secondary rate limit');
    expect(hung.retryable).toBe(true);
    expect(hung.message).toContain('no answer within 300 ms');
    expect(stub.issues('acme/ops')).toHaveLength(0);
  });

  it('reports a spent primary rate limit as retryable once the limit resets', async () => {
    // arrange
    const now = Date.UTC(2026, 11, 2, 15, 0, 0);
    const clocked = new GitHubTracker({
      apiUrl: stub.url,
      token: stub.token,
      repo: 'acme/ops',
      now: () => now,
    });
    stub.failNext(1, 'rate-limit', { resetAt: now / 1000 + 90 });

    // act
    const limited = await trackerErrorOf(clocked.create(request()));

    // assess
    expect(limited).toMatchObject({ retryable: true, status: 403, retryAfterMs: 90_000 });
    expect(limited.message).toContain('API rate limit exceeded');
  });

  it('reports 422 and 401 as permanent, with what GitHub said', async () => {
    // act
    const invalid = await trackerErrorOf(tracker.create(request({ assignee: 'mallory' })));
    const wrongToken = new GitHubTracker({ apiUrl: stub.url, token: 'ghp_wrong', repo: 'acme/ops' });
    const unauthorized = await trackerErrorOf(wrongToken.create(request()));
    const missingRepo = new GitHubTracker({ apiUrl: stub.url, token: stub.token, repo: 'acme/nope' });
    const notFound = await trackerErrorOf(
      missingRepo.status({ tracker: 'github', key: 'acme/nope#1', url: '', id: '1' }),
    );

    // assess
    expect(invalid).toMatchObject({ retryable: false, status: 422 });
    expect(invalid.message).toContain('Validation Failed; assignees: invalid');
    expect(unauthorized).toMatchObject({ retryable: false, status: 401 });
    expect(unauthorized.message).toContain('Bad credentials');
    expect(notFound).toMatchObject({ retryable: false, status: 404 });
    expect(stub.issues('acme/ops')).toHaveLength(0);
  });

  it('reads an issue status from open to closed', async () => {
    // arrange
    const ticket = await tracker.create(request());
    const before = await tracker.status(ticket);

    // act
    await stub.setIssueState('acme/ops', 1, 'closed');
    const after = await tracker.status(ticket);

    // assess
    expect(before).toEqual({ state: 'open' });
    expect(after).toEqual({
      state: 'closed',
      closedAt: new Date(stub.issues('acme/ops')[0]?.closedAt ?? '').toISOString(),
    });
    expect(stub.issues('acme/ops')[0]?.closedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  describe('postmortems as a pull request', () => {
    let postmortems: GitHubPostmortems;
    const publication = (markdown: string) => ({
      incidentId: 'INC-7',
      markdown,
      title: 'Postmortem INC-7: login failures',
      body: 'The postmortem of INC-7, kept up to date by incident-bot.',
    });

    beforeEach(() => {
      postmortems = new GitHubPostmortems({
        apiUrl: stub.url,
        token: stub.token,
        repo: 'acme/postmortems',
        branch: 'main',
        path: 'postmortems',
      });
    });

    it('opens one pull request, updates its file on a change, and commits nothing when unchanged', async () => {
      // act
      const first = await postmortems.publish(publication('# INC-7 — Postmortem\n\nDraft.\n'));
      const second = await postmortems.publish(publication('# INC-7 — Postmortem\n\nWith the root cause.\n'));
      const putsBefore = stub.calls.filter((c) => c.method === 'PUT').length;
      const third = await postmortems.publish(publication('# INC-7 — Postmortem\n\nWith the root cause.\n'));

      // assess
      expect(first).toMatchObject({ number: 1, updated: true, opened: true, branch: 'incident-bot/INC-7' });
      expect(first.url).toBe('https://github.com/acme/postmortems/pull/1');
      expect(second).toMatchObject({ number: 1, updated: true, opened: false });
      expect(third).toMatchObject({ number: 1, updated: false, opened: false });
      expect(stub.pulls('acme/postmortems')).toHaveLength(1);
      expect(stub.pulls('acme/postmortems')[0]).toMatchObject({
        head: 'incident-bot/INC-7',
        base: 'main',
        state: 'open',
        title: 'Postmortem INC-7: login failures',
      });
      expect(stub.commitsOn('acme/postmortems', 'incident-bot/INC-7')).toHaveLength(2);
      expect(stub.file('acme/postmortems', 'incident-bot/INC-7', 'postmortems/INC-7.md')).toBe(
        '# INC-7 — Postmortem\n\nWith the root cause.\n',
      );
      expect(stub.file('acme/postmortems', 'main', 'postmortems/INC-7.md')).toBeUndefined();
      expect(stub.calls.filter((c) => c.method === 'PUT')).toHaveLength(putsBefore);
      expect(stub.calls.every((call) => call.operationId !== undefined)).toBe(true);
    });

    it('after a merge, answers with the merged pull request when nothing changed, and opens a new one on a change', async () => {
      // arrange
      await postmortems.publish(publication('# v1\n'));
      stub.mergePull('acme/postmortems', 1, { deleteBranch: true });

      // act
      const unchanged = await postmortems.publish(publication('# v1\n'));
      const changed = await postmortems.publish(publication('# v2\n'));

      // assess
      expect(unchanged).toMatchObject({ number: 1, opened: false, updated: false });
      expect(changed).toMatchObject({ number: 2, opened: true, updated: true });
      expect(stub.file('acme/postmortems', 'main', 'postmortems/INC-7.md')).toBe('# v1\n');
      expect(stub.file('acme/postmortems', 'incident-bot/INC-7', 'postmortems/INC-7.md')).toBe('# v2\n');
      expect(stub.pulls('acme/postmortems').map((p) => [p.number, p.state, p.merged])).toEqual([
        [1, 'closed', true],
        [2, 'open', false],
      ]);
    });

    it('retried after lost answers, still makes one commit and opens one pull request', async () => {
      // arrange
      stub.failNext(1, 'lose', { operationId: 'repos/create-or-update-file-contents' });
      stub.failNext(1, 'lose', { operationId: 'pulls/create' });
      const lostCommit = await trackerErrorOf(postmortems.publish(publication('# v1\n')));
      const lostPull = await trackerErrorOf(postmortems.publish(publication('# v1\n')));

      // act
      const settled = await postmortems.publish(publication('# v1\n'));

      // assess
      expect([lostCommit.retryable, lostPull.retryable]).toEqual([true, true]);
      expect(settled).toMatchObject({ number: 1, opened: false, updated: false });
      expect(stub.pulls('acme/postmortems')).toHaveLength(1);
      expect(stub.commitsOn('acme/postmortems', 'incident-bot/INC-7')).toHaveLength(1);
    });

    it('opens a new pull request once the earlier one is closed with unmerged changes', async () => {
      // arrange
      await postmortems.publish(publication('# v1\n'));
      await stub.setIssueState('acme/postmortems', 1, 'closed');

      // act
      const again = await postmortems.publish(publication('# v2\n'));

      // assess
      expect(again).toMatchObject({ number: 2, opened: true, updated: true });
      expect(stub.pulls('acme/postmortems').map((p) => p.state)).toEqual(['closed', 'open']);
    });
  });

  describe('the issues webhook', () => {
    let receiver: RecordingServer;
    const secret = 'whsec-github-test';

    beforeAll(async () => {
      receiver = await startRecordingServer();
    });

    afterAll(async () => {
      await receiver.close();
    });

    beforeEach(() => {
      receiver.reset();
      stub.setWebhook({ url: `${receiver.url}/webhooks/github`, secret });
    });

    const delivered = () => {
      const [delivery] = receiver.requests;
      if (!delivery) throw new Error('no delivery');
      const headers = Object.fromEntries(
        Object.entries(delivery.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value[0] : value,
        ]),
      );
      return { headers, rawBody: delivery.body };
    };

    it('verifies a signed closed delivery and reads it as a ticket event', async () => {
      // arrange
      await tracker.create(request());

      // act
      await stub.setIssueState('acme/ops', 1, 'closed');
      const { headers, rawBody } = delivered();

      // assess
      expect(receiver.requests[0]?.path).toBe('/webhooks/github');
      expect(githubWebhook.verify(headers, rawBody, secret)).toBe(true);
      expect(githubWebhook.read(JSON.parse(rawBody), headers)).toEqual({
        tracker: 'github',
        id: '1',
        key: 'acme/ops#1',
        state: 'closed',
        at: new Date(stub.issues('acme/ops')[0]?.closedAt ?? '').toISOString(),
      });
    });

    it('reads a reopened delivery as open', async () => {
      // arrange
      await tracker.create(request());
      await stub.setIssueState('acme/ops', 1, 'closed');
      receiver.reset();

      // act
      await stub.setIssueState('acme/ops', 1, 'open');
      const { headers, rawBody } = delivered();

      // assess
      expect(githubWebhook.verify(headers, rawBody, secret)).toBe(true);
      expect(githubWebhook.read(JSON.parse(rawBody), headers)).toMatchObject({ id: '1', state: 'open' });
    });

    it('rejects a wrong or missing signature and a body changed after signing', async () => {
      // arrange
      await tracker.create(request());
      await stub.setIssueState('acme/ops', 1, 'closed');
      const { headers, rawBody } = delivered();
      const changed = rawBody.replace('"closed"', '"reopened"');
      const { 'x-hub-signature-256': _signature, ...unsigned } = headers;

      // act
      const verdicts = {
        wrongSecret: githubWebhook.verify(headers, rawBody, 'another-secret'),
        missing: githubWebhook.verify(unsigned, rawBody, secret),
        sha1Only: githubWebhook.verify({ 'x-hub-signature': headers['x-hub-signature'] }, rawBody, secret),
        changedBody: githubWebhook.verify(headers, changed, secret),
        garbage: githubWebhook.verify({ ...headers, 'x-hub-signature-256': 'sha256=zz' }, rawBody, secret),
        emptySecret: githubWebhook.verify(
          { 'x-hub-signature-256': signGitHubDelivery(rawBody, '') },
          rawBody,
          '',
        ),
        upperCaseHeader: githubWebhook.verify(
          { 'X-Hub-Signature-256': signGitHubDelivery(rawBody, secret) },
          rawBody,
          secret,
        ),
      };

      // assess
      expect(changed).not.toBe(rawBody);
      expect(verdicts).toEqual({
        wrongSecret: false,
        missing: false,
        sha1Only: false,
        changedBody: false,
        garbage: false,
        emptySecret: false,
        upperCaseHeader: true,
      });
    });

    it('accepts the example GitHub documents for X-Hub-Signature-256', () => {
      // arrange: docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries (testing the validation)
      const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

      // act
      const good = githubWebhook.verify(
        { 'X-Hub-Signature-256': signature },
        'Hello, World!',
        "It's a Secret to Everybody",
      );
      const bad = githubWebhook.verify(
        { 'X-Hub-Signature-256': signature },
        'Hello, World?',
        "It's a Secret to Everybody",
      );

      // assess
      expect([good, bad]).toEqual([true, false]);
    });

    it('reads nothing from deliveries that change no status', () => {
      // arrange
      const issue = { number: 3, closed_at: null, updated_at: '2026-12-02T15:00:00Z' };

      // act
      const labeled = githubWebhook.read({ action: 'labeled', issue });
      const ping = githubWebhook.read({ zen: 'Keep it logically awesome.', hook_id: 1 });
      const otherEvent = githubWebhook.read(
        { action: 'closed', issue },
        { 'x-github-event': 'pull_request' },
      );

      // assess
      expect([labeled, ping, otherEvent]).toEqual([undefined, undefined, undefined]);
    });
  });

  describe('the stand-in checks requests against GitHub’s REST description', () => {
    const mainSha = async () => {
      const ref = (await (await call('GET', '/repos/acme/postmortems/git/ref/heads/main')).json()) as {
        object: { sha: string };
      };
      return ref.object.sha;
    };

    /** `headers` override the defaults; an empty value leaves that header out. */
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const sent: Record<string, string> = {
        authorization: `Bearer ${stub.token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'incident-bot-test',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      };
      return fetch(`${stub.url}${path}`, {
        method,
        headers: Object.fromEntries(Object.entries(sent).filter(([, value]) => value !== '')),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    };

    it('refuses a method and path that are not a GitHub operation', async () => {
      // act
      const wrongPath = await call('POST', '/repos/acme/ops/issue', { title: 't' });
      const wrongMethod = await call('PUT', '/repos/acme/ops/issues', { title: 't' });
      const right = await call('POST', '/repos/acme/ops/issues', { title: 't' });

      // assess
      expect(wrongPath.status).toBe(404);
      expect(await wrongPath.json()).toMatchObject({ message: 'Not Found' });
      expect(wrongMethod.status).toBe(404);
      expect(right.status).toBe(201);
      expect(stub.calls.map((c) => c.operationId)).toEqual([undefined, undefined, 'issues/create']);
      expect(stub.calls[0]?.errors?.[0]).toContain("not an operation of GitHub's REST description");
    });

    it('refuses a body missing a required property or with a wrong type', async () => {
      // act
      const noTitle = await call('POST', '/repos/acme/ops/issues', { body: 'text', labels: ['incident'] });
      const labelsNotArray = await call('POST', '/repos/acme/ops/issues', { title: 't', labels: 'incident' });
      const refNoSha = await call('POST', '/repos/acme/postmortems/git/refs', { ref: 'refs/heads/x' });
      const misspelt = await call('POST', '/repos/acme/ops/issues', { title: 't', assignee_ids: [1] });
      const pullNoBase = await call('POST', '/repos/acme/postmortems/pulls', { title: 't', head: 'x' });

      // assess
      expect(noTitle.status).toBe(422);
      expect(((await noTitle.json()) as { message: string }).message).toContain('"title" wasn\'t supplied.');
      expect(labelsNotArray.status).toBe(422);
      expect(((await labelsNotArray.json()) as { message: string }).message).toContain('is not an array');
      expect(refNoSha.status).toBe(422);
      expect(((await refNoSha.json()) as { message: string }).message).toContain('"sha" wasn\'t supplied.');
      expect(misspelt.status).toBe(422);
      expect(pullNoBase.status).toBe(422);
      expect(stub.issues('acme/ops')).toHaveLength(0);
    });

    it('enforces GitHub’s own rules for files, branches and pull requests', async () => {
      // arrange
      const put = (body: Record<string, unknown>) =>
        call('PUT', '/repos/acme/postmortems/contents/postmortems/INC-9.md', { message: 'm', ...body });
      await call('POST', '/repos/acme/postmortems/git/refs', {
        ref: 'refs/heads/b',
        sha: await mainSha(),
      });

      // act
      const created = await put({ content: Buffer.from('one').toString('base64'), branch: 'b' });
      const withoutSha = await put({ content: Buffer.from('two').toString('base64'), branch: 'b' });
      const staleSha = await put({
        content: Buffer.from('two').toString('base64'),
        branch: 'b',
        sha: 'f'.repeat(40),
      });
      const noBranch = await put({ content: Buffer.from('two').toString('base64'), branch: 'nope' });
      const firstPull = await call('POST', '/repos/acme/postmortems/pulls', {
        title: 't',
        head: 'b',
        base: 'main',
      });
      const secondPull = await call('POST', '/repos/acme/postmortems/pulls', {
        title: 't',
        head: 'b',
        base: 'main',
      });
      const sameRef = await call('POST', '/repos/acme/postmortems/git/refs', {
        ref: 'refs/heads/b',
        sha: 'x',
      });

      // assess
      expect([created.status, withoutSha.status, staleSha.status, noBranch.status]).toEqual([
        201, 422, 409, 404,
      ]);
      expect([firstPull.status, secondPull.status, sameRef.status]).toEqual([201, 422, 422]);
      expect(((await secondPull.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe(
        'A pull request already exists for acme:b.',
      );
      expect(stub.file('acme/postmortems', 'b', 'postmortems/INC-9.md')).toBe('one');
    });

    it('refuses an undeclared or ill-typed query parameter, a missing version header and a bad token', async () => {
      // act
      const badFilter = await call('GET', '/repos/acme/ops/issues?label=incident');
      const badState = await call('GET', '/repos/acme/ops/issues?state=done');
      const noVersion = await call('GET', '/repos/acme/ops/issues', undefined, {
        'x-github-api-version': '',
      });
      const oldVersion = await call('GET', '/repos/acme/ops/issues', undefined, {
        'x-github-api-version': '2021-01-01',
      });
      const badToken = await call('GET', '/repos/acme/ops/issues', undefined, {
        authorization: 'Bearer nope',
      });
      const ok = await call('GET', '/repos/acme/ops/issues?state=all&labels=incident,INC-7&per_page=100');

      // assess
      expect(badFilter.status).toBe(400);
      expect(badState.status).toBe(400);
      expect(noVersion.status).toBe(400);
      expect(oldVersion.status).toBe(400);
      expect(badToken.status).toBe(401);
      expect(await badToken.json()).toMatchObject({ message: 'Bad credentials' });
      expect(ok.status).toBe(200);
    });
  });
});

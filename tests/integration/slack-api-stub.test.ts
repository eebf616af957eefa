import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';

/** The Slack error code carried by a WebClient platform error, or a description of what was thrown instead. */
async function slackErrorOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const failure = error as { code?: string; data?: { error?: string } };
    if (failure.code === ErrorCode.PlatformError) return failure.data?.error ?? 'no error code';
    return `unexpected ${String(error)}`;
  }
  return 'resolved';
}

describe('local Slack Web API stub driven by the real WebClient', () => {
  let stub: SlackApiStub;
  let client: WebClient;

  beforeEach(async () => {
    stub = await startSlackApiStub();
    client = new WebClient('xoxb-test', {
      slackApiUrl: stub.url,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
  });

  afterEach(async () => {
    await stub.close();
  });

  it('binds to loopback on a free port and answers auth.test as the bot', async () => {
    // act
    const auth = await client.auth.test();

    // assess
    expect(stub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    expect(auth.user_id).toBe(stub.botUserId);
    expect(auth.team_id).toBe(stub.teamId);
    expect(stub.callsTo('auth.test')).toHaveLength(1);
  });

  it('creates a channel, then refuses the same name with name_taken', async () => {
    // act
    const created = await client.conversations.create({ name: 'inc-42-db-latency' });
    const again = await slackErrorOf(client.conversations.create({ name: 'inc-42-db-latency' }));

    // assess
    expect(created.channel?.id).toMatch(/^C[A-Z0-9]+$/);
    expect(created.channel?.name).toBe('inc-42-db-latency');
    expect(again).toBe('name_taken');
    expect(stub.channels.size).toBe(1);
    expect(stub.calls.map((call) => call.method)).toEqual(['conversations.create', 'conversations.create']);
  });

  it('applies Slack channel-name rules', async () => {
    // act
    const upper = await slackErrorOf(client.conversations.create({ name: 'Inc-42' }));
    const spaces = await slackErrorOf(client.conversations.create({ name: 'inc 42' }));
    const long = await slackErrorOf(client.conversations.create({ name: 'a'.repeat(81) }));
    const longest = await client.conversations.create({ name: 'a'.repeat(80) });

    // assess
    expect(upper).toBe('invalid_name_specials');
    expect(spaces).toBe('invalid_name_specials');
    expect(long).toBe('invalid_name_maxlength');
    expect(longest.ok).toBe(true);
  });

  it('invites users and reports already_in_channel when all of them are members', async () => {
    // prepare
    const created = await client.conversations.create({ name: 'inc-7' });
    const channel = created.channel?.id ?? '';

    // act
    await client.conversations.invite({ channel, users: 'U0ALICE,U0BOB' });
    const partlyNew = await client.conversations.invite({ channel, users: 'U0BOB, U0CAROL' });
    const allMembers = await slackErrorOf(client.conversations.invite({ channel, users: 'U0ALICE,U0CAROL' }));

    // assess
    expect(partlyNew.ok).toBe(true);
    expect(allMembers).toBe('already_in_channel');
    expect([...(stub.channels.get(channel)?.members ?? [])].sort()).toEqual(
      [stub.botUserId, 'U0ALICE', 'U0BOB', 'U0CAROL'].sort(),
    );
  });

  it('sets the topic and answers with the channel carrying it', async () => {
    // prepare
    const created = await client.conversations.create({ name: 'inc-8' });
    const channel = created.channel?.id ?? '';

    // act
    const set = await client.conversations.setTopic({ channel, topic: 'SEV1 | IC: <@U0ALICE>' });

    // assess
    expect(set.channel?.topic?.value).toBe('SEV1 | IC: <@U0ALICE>');
    expect(stub.channels.get(channel)?.topic).toBe('SEV1 | IC: <@U0ALICE>');
  });

  it('posts, updates in place and pins a message', async () => {
    // prepare
    const created = await client.conversations.create({ name: 'inc-9' });
    const channel = created.channel?.id ?? '';
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Status:* investigating' } }];

    // act
    const first = await client.chat.postMessage({ channel, text: 'Incident declared', blocks });
    const second = await client.chat.postMessage({ channel, text: 'Timeline', thread_ts: first.ts ?? '' });
    await client.chat.update({ channel, ts: first.ts ?? '', text: 'Incident mitigated' });
    await client.pins.add({ channel, timestamp: first.ts ?? '' });
    const pinnedTwice = await slackErrorOf(client.pins.add({ channel, timestamp: first.ts ?? '' }));
    const unknownTs = await slackErrorOf(client.chat.update({ channel, ts: '1.000000', text: 'x' }));

    // assess
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    expect(first.channel).toBe(channel);
    expect(first.message?.text).toBe('Incident declared');
    expect(stub.messages).toHaveLength(2);
    expect(stub.messages[0]).toMatchObject({ channel, ts: first.ts, text: 'Incident mitigated', blocks });
    expect(stub.messages[0]?.updatedAt).toEqual(expect.any(Number));
    expect(stub.messages[1]?.thread_ts).toBe(first.ts);
    expect(stub.channels.get(channel)?.pins).toEqual([first.ts]);
    expect(pinnedTwice).toBe('already_pinned');
    expect(unknownTs).toBe('message_not_found');
  });

  it('answers ephemeral, permalink and users.info calls in Slack shapes', async () => {
    // prepare
    stub.addUser('U0ALICE');
    const created = await client.conversations.create({ name: 'inc-10' });
    const channel = created.channel?.id ?? '';
    await client.conversations.invite({ channel, users: 'U0ALICE' });
    const posted = await client.chat.postMessage({ channel, text: 'Incident declared' });

    // act
    const ephemeral = await client.chat.postEphemeral({ channel, user: 'U0ALICE', text: 'Only you' });
    const outsider = await slackErrorOf(client.chat.postEphemeral({ channel, user: 'U0BOB', text: 'Hi' }));
    const link = await client.chat.getPermalink({ channel, message_ts: posted.ts ?? '' });
    const user = await client.users.info({ user: 'U0ALICE' });

    // assess
    expect(ephemeral.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(outsider).toBe('user_not_in_channel');
    expect(link.permalink).toContain(`/archives/${channel}/p`);
    expect(user.user?.real_name).toContain('U0ALICE');
    expect(user.user?.profile?.display_name).toContain('u0alice');
  });

  it('opens a modal for an issued trigger id', async () => {
    // prepare
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Declare incident' },
      blocks: [],
    };
    const triggerId = stub.issueTriggerId('123.456.abc');

    // act
    const opened = await client.views.open({ trigger_id: triggerId, view });

    // assess
    expect(opened.view?.id).toMatch(/^V/);
    expect(opened.view?.title?.text).toBe('Declare incident');
    expect(stub.views.get(opened.view?.id ?? '')?.triggerId).toBe('123.456.abc');
    expect(stub.callsTo('views.open')[0]?.args.view).toMatchObject({ type: 'modal' });
  });

  it('stores Markdown uploaded with files.uploadV2 against the channel', async () => {
    // prepare
    const created = await client.conversations.create({ name: 'inc-11' });
    const channel = created.channel?.id ?? '';
    const markdown = '# Postmortem: INC-11\n\n## Timeline\n- 10:02 paged — naïve retry storm\n';

    // act
    const result = await client.files.uploadV2({
      channel_id: channel,
      content: markdown,
      filename: 'postmortem-inc-11.md',
      title: 'Postmortem INC-11',
    });

    // assess
    expect(result.ok).toBe(true);
    expect(stub.uploads).toHaveLength(1);
    expect(stub.uploads[0]).toMatchObject({
      filename: 'postmortem-inc-11.md',
      title: 'Postmortem INC-11',
      channelId: channel,
      content: markdown,
    });
    expect(stub.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    const completion = stub.callsTo('files.completeUploadExternal')[0];
    expect(completion?.args.files).toEqual([expect.objectContaining({ content: markdown })]);
  });

  it('makes WebClient throw a platform error with the injected code, then recovers', async () => {
    // prepare
    stub.failNext('chat.postMessage', 'channel_not_found', 2);
    const created = await client.conversations.create({ name: 'inc-12' });
    const channel = created.channel?.id ?? '';

    // act
    const thrown = await client.chat.postMessage({ channel, text: 'hello' }).catch((error: unknown) => error);
    const secondError = await slackErrorOf(client.chat.postMessage({ channel, text: 'hello' }));
    const third = await client.chat.postMessage({ channel, text: 'hello' });

    // assess
    expect(thrown).toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    expect(secondError).toBe('channel_not_found');
    expect(third.ok).toBe(true);
    expect(stub.messages).toHaveLength(1);
    expect(stub.callsTo('chat.postMessage')).toHaveLength(3);
  });

  it('adds the configured latency to every call', async () => {
    // prepare
    stub.setDelay(150);
    const started = Date.now();

    // act
    await client.auth.test();
    const elapsed = Date.now() - started;

    // assess
    expect(elapsed).toBeGreaterThanOrEqual(150);
  });

  it('rejects a wrong or missing token when one is configured', async () => {
    // prepare
    const guarded = await startSlackApiStub({ token: 'xoxb-right' });
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: guarded.url, retryConfig: { retries: 0 } });
    const anonymous = new WebClient(undefined, { slackApiUrl: guarded.url, retryConfig: { retries: 0 } });
    const right = new WebClient('xoxb-right', { slackApiUrl: guarded.url, retryConfig: { retries: 0 } });

    try {
      // act
      const wrongError = await slackErrorOf(wrong.auth.test());
      const anonymousError = await slackErrorOf(anonymous.auth.test());
      const ok = await right.auth.test();

      // assess
      expect(wrongError).toBe('invalid_auth');
      expect(anonymousError).toBe('not_authed');
      expect(ok.ok).toBe(true);
    } finally {
      await guarded.close();
    }
  });

  it('answers unknown methods with unknown_method', async () => {
    // act
    const error = await slackErrorOf(client.apiCall('incidents.explode', {}));

    // assess
    expect(error).toBe('unknown_method');
  });

  it('accepts JSON bodies as well as form encoding', async () => {
    // act
    const response = await fetch(`${stub.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'U0ALICE', text: 'direct message', blocks: [{ type: 'divider' }] }),
    });
    const body = (await response.json()) as { ok: boolean; channel: string };

    // assess
    expect(response.status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.channel).toMatch(/^D/);
    expect(stub.messages[0]).toMatchObject({ text: 'direct message', blocks: [{ type: 'divider' }] });
  });

  it('waitFor resolves once the state matches and explains a timeout', async () => {
    // prepare
    const pending = stub.waitFor((s) => s.messages.some((m) => m.text === 'later'), 2000);
    const seeded = stub.addChannel('incidents');

    // act
    await client.chat.postMessage({ channel: '#incidents', text: 'later' });
    const timedOut = await stub.waitFor((s) => s.messages.length > 5, 50).catch((error: Error) => error);

    // assess
    await expect(pending).resolves.toBeUndefined();
    expect(stub.messages[0]?.channel).toBe(seeded.id);
    expect(timedOut).toBeInstanceOf(Error);
    expect((timedOut as Error).message).toMatch(/not met within 50 ms.*chat\.postMessage/);
  });

  it('reset forgets calls and workspace state', async () => {
    // prepare
    await client.conversations.create({ name: 'inc-13' });
    stub.failNext('auth.test', 'fatal_error');

    // act
    stub.reset();
    const auth = await client.auth.test();

    // assess
    expect(auth.ok).toBe(true);
    expect(stub.channels.size).toBe(0);
    expect(stub.calls.map((call) => call.method)).toEqual(['auth.test']);
  });
});

/**
 * SlackChat over the real WebClient against the Slack stand-in: every call is bounded, a rate limit
 * comes back at once with its Retry-After, a missing membership is repaired once, and a bad token is
 * named as such.
 */
import type { ModalView } from '@slack/types';
import { SlackChat } from '../../lambda/slack/chat';
import { classifySlackError, InvalidBotTokenError } from '../../lambda/slack/errors';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';

const GENERAL = 'C0GENERAL';
const OUTSIDE = 'C0OUTSIDE'; // public, the bot is not a member
const SECRET = 'C0SECRET'; // private, the bot is not a member

const MODAL: ModalView = {
  type: 'modal',
  callback_id: 'incident.declare',
  title: { type: 'plain_text', text: 'Declare incident' },
  blocks: [],
};

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('SlackChat against the Slack stand-in', () => {
  let stub: SlackApiStub;
  let chat: SlackChat;

  beforeEach(async () => {
    stub = await startSlackApiStub({
      token: 'xoxb-test',
      channels: [
        { id: GENERAL, name: 'general' },
        { id: OUTSIDE, name: 'outside', members: ['U0ALICE'] },
        { id: SECRET, name: 'secret', members: ['U0ALICE'], isPrivate: true },
      ],
    });
    chat = new SlackChat({
      botToken: 'xoxb-test',
      slackApiUrl: stub.url,
      timeoutMs: 300,
      interactiveTimeoutMs: 300,
    });
  });

  afterEach(async () => {
    await stub.close();
  });

  it('gives up on a call Slack never answers after its timeout, as a transient failure', async () => {
    // prepare
    stub.fault('chat.postMessage', { hang: true });
    const started = Date.now();

    // act
    const error = await failureOf(chat.postMessage(GENERAL, { text: 'hello' }));
    const elapsed = Date.now() - started;

    // assess
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    expect(classifySlackError(error)).toEqual({ kind: 'transient', code: 'timeout' });
    expect(stub.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('uses the default 10 s timeout when none is given, without failing a prompt call', async () => {
    // prepare
    const defaults = new SlackChat({ botToken: 'xoxb-test', slackApiUrl: stub.url });
    stub.fault('chat.postMessage', { delayMs: 400, times: 1 });

    // act
    const ts = await defaults.postMessage(GENERAL, { text: 'slow but answered' });

    // assess
    expect(ts).toMatch(/^\d{10}\.\d{6}$/);
  });

  it('rejects a rate-limited call at once with its Retry-After, without sleeping or retrying', async () => {
    // prepare
    stub.fault('chat.postMessage', { error: 'ratelimited', retryAfterSeconds: 30, times: 1 });
    const started = Date.now();

    // act
    const error = await failureOf(chat.postMessage(GENERAL, { text: 'hello' }));
    const elapsed = Date.now() - started;

    // assess
    expect(elapsed).toBeLessThan(1000);
    expect(classifySlackError(error)).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 30_000,
      code: 'ratelimited',
    });
    expect(stub.callsTo('chat.postMessage')).toHaveLength(1);
    expect(stub.messages).toHaveLength(0);
  });

  it('does not retry an HTTP 5xx inside the client', async () => {
    // prepare
    stub.fault('conversations.create', { status: 503, times: 1 });

    // act
    const error = await failureOf(chat.createChannel('inc-1-db'));

    // assess
    expect(classifySlackError(error)).toEqual({ kind: 'transient', code: 'http_503' });
    expect(stub.callsTo('conversations.create')).toHaveLength(1);
  });

  it('joins a public channel it is not in, then sets the topic and pins', async () => {
    // prepare
    const ts = await chat.postMessage(OUTSIDE, { text: 'summary' }); // chat:write.public: no join needed

    // act
    await chat.setTopic(OUTSIDE, 'sev1 · investigating');
    await chat.pin(OUTSIDE, ts);

    // assess
    expect(stub.calls.map((call) => call.method)).toEqual([
      'chat.postMessage',
      'conversations.setTopic',
      'conversations.join',
      'conversations.setTopic',
      'pins.add',
    ]);
    expect(stub.channels.get(OUTSIDE)?.topic).toBe('sev1 · investigating');
    expect(stub.channels.get(OUTSIDE)?.pins).toEqual([ts]);
    expect(stub.channels.get(OUTSIDE)?.members.has(stub.botUserId)).toBe(true);
  });

  it('joins and invites, and joins before posting when Slack says not_in_channel', async () => {
    // prepare
    stub.fault('chat.postMessage', { error: 'not_in_channel', times: 1 });

    // act
    await chat.invite(OUTSIDE, ['U0BOB']);
    const ts = await chat.postMessage(GENERAL, { text: 'hello' });

    // assess
    expect(stub.calls.map((call) => call.method)).toEqual([
      'conversations.invite',
      'conversations.join',
      'conversations.invite',
      'chat.postMessage',
      'conversations.join',
      'chat.postMessage',
    ]);
    expect(stub.channels.get(OUTSIDE)?.members.has('U0BOB')).toBe(true);
    expect(stub.messages.map((message) => message.ts)).toEqual([ts]);
  });

  it('retries only once after joining', async () => {
    // prepare
    stub.fault('conversations.setTopic', { error: 'not_in_channel', times: 2 });

    // act
    const error = await failureOf(chat.setTopic(GENERAL, 'topic'));

    // assess
    expect(classifySlackError(error)).toEqual({ kind: 'not-in-channel', code: 'not_in_channel' });
    expect(stub.calls.map((call) => call.method)).toEqual([
      'conversations.setTopic',
      'conversations.join',
      'conversations.setTopic',
    ]);
  });

  it('throws the original not_in_channel when the join fails (a private channel)', async () => {
    // act
    const error = await failureOf(chat.setTopic(SECRET, 'topic'));

    // assess
    expect(classifySlackError(error)).toEqual({ kind: 'not-in-channel', code: 'not_in_channel' });
    expect(stub.calls.map((call) => call.method)).toEqual(['conversations.setTopic', 'conversations.join']);
    expect(stub.channels.get(SECRET)?.topic).toBeUndefined();
  });

  it('joins a channel directly, a repeat join included', async () => {
    // act
    await chat.joinChannel(OUTSIDE);
    await chat.joinChannel(OUTSIDE);

    // assess
    expect(stub.channels.get(OUTSIDE)?.members.has(stub.botUserId)).toBe(true);
    expect(stub.callsTo('conversations.join')).toHaveLength(2);
  });

  it('verifies its token: who the bot is', async () => {
    // act
    const auth = await chat.verifyAuth();

    // assess
    expect(auth).toEqual({ userId: stub.botUserId, teamId: stub.teamId });
    expect(stub.callsTo('auth.test')).toHaveLength(1);
  });

  it('says clearly that the bot token is invalid when Slack refuses it', async () => {
    // prepare
    const wrong = new SlackChat({ botToken: 'xoxb-wrong', slackApiUrl: stub.url });

    // act
    const error = await failureOf(wrong.verifyAuth());

    // assess
    expect(error).toBeInstanceOf(InvalidBotTokenError);
    expect((error as Error).message).toMatch(/bot token is invalid.*invalid_auth/);
    expect((error as Error).message).toContain('SLACK_BOT_TOKEN');
  });

  it('does not call a Slack outage an invalid token', async () => {
    // prepare
    stub.fault('auth.test', { status: 503, times: 1 });

    // act
    const error = await failureOf(chat.verifyAuth());

    // assess
    expect(error).not.toBeInstanceOf(InvalidBotTokenError);
    expect((error as Error).message).toBe('Could not verify the Slack bot token: Slack answered HTTP 503');
  });

  it('opens a modal for a trigger_id', async () => {
    // prepare
    stub.issueTriggerId('123.456.abc'); // as Slack does when it sends the interaction

    // act
    await chat.openView('123.456.abc', MODAL);

    // assess
    expect(stub.callsTo('views.open')[0]?.args).toMatchObject({
      trigger_id: '123.456.abc',
      view: { callback_id: 'incident.declare' },
    });
  });

  it('gives up on opening a modal after the interactive timeout', async () => {
    // prepare
    stub.fault('views.open', { hang: true });
    const started = Date.now();

    // act
    const error = await failureOf(chat.openView('123.456.abc', MODAL));
    const elapsed = Date.now() - started;

    // assess
    expect(elapsed).toBeLessThan(1500);
    expect(classifySlackError(error)).toEqual({ kind: 'transient', code: 'timeout' });
  });

  it('opens modals on a shorter timeout than other calls by default', async () => {
    // prepare
    const defaults = new SlackChat({ botToken: 'xoxb-test', slackApiUrl: stub.url });
    stub.fault('views.open', { hang: true });
    const started = Date.now();

    // act
    const error = await failureOf(defaults.openView('123.456.abc', MODAL));
    const elapsed = Date.now() - started;

    // assess
    expect(classifySlackError(error)).toEqual({ kind: 'transient', code: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(2400);
    expect(elapsed).toBeLessThan(3000);
  });
});

/**
 * The Slack stand-in's fault injection, seen through the real WebClient (one attempt per call, so what
 * the stub answered is what the client reports) and, where the wire matters, through plain fetch.
 */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';

interface CaughtSlackError {
  code?: string;
  statusCode?: number;
  retryAfter?: number;
  data?: { error?: string };
  original?: { name?: string };
}

async function failureOf(call: Promise<unknown>): Promise<CaughtSlackError> {
  try {
    await call;
  } catch (error) {
    return error as CaughtSlackError;
  }
  throw new Error('the call succeeded');
}

function clientFor(stub: SlackApiStub, options: { timeout?: number } = {}): WebClient {
  return new WebClient('xoxb-test', {
    slackApiUrl: stub.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

describe('Slack stand-in: fault injection', () => {
  let stub: SlackApiStub;
  let client: WebClient;

  beforeEach(async () => {
    stub = await startSlackApiStub({ channels: [{ id: 'C0GENERAL', name: 'general' }] });
    client = clientFor(stub);
  });

  afterEach(async () => {
    await stub.close();
  });

  it('answers a faulted HTTP status, until cleared when no count is given', async () => {
    // prepare
    stub.fault('chat.postMessage', { status: 503 });

    // act
    const first = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'one' }));
    const second = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'two' }));
    stub.clearFaults('chat.postMessage');
    const third = await client.chat.postMessage({ channel: 'C0GENERAL', text: 'three' });

    // assess
    expect(first).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect(second).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    expect(third.ok).toBe(true);
    expect(stub.messages.map((message) => message.text)).toEqual(['three']);
    expect(stub.callsTo('chat.postMessage')).toHaveLength(3);
  });

  it('answers a platform error with HTTP 200 and { ok: false, error }', async () => {
    // prepare
    stub.fault('conversations.setTopic', { error: 'restricted_action', times: 1 });

    // act
    const response = await fetch(`${stub.url}conversations.setTopic`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0GENERAL', topic: 'x' }),
    });
    const body = await response.json();
    const next = await client.conversations.setTopic({ channel: 'C0GENERAL', topic: 'y' });

    // assess
    expect(response.status).toBe(200);
    expect(body).toEqual({ ok: false, error: 'restricted_action' });
    expect(next.ok).toBe(true);
  });

  it('answers ratelimited with HTTP 429 and Retry-After, as Slack does', async () => {
    // prepare
    stub.fault('chat.postMessage', { error: 'ratelimited', retryAfterSeconds: 7, times: 2 });

    // act
    const response = await fetch(`${stub.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0GENERAL', text: 'x' }),
    });
    const body = await response.json();
    const thrown = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'y' }));

    // assess
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(body).toEqual({ ok: false, error: 'ratelimited' });
    expect(thrown).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(stub.messages).toHaveLength(0);
  });

  it('gives a faulted 429 a Retry-After of 1 s by default', async () => {
    // prepare
    stub.fault('auth.test', { status: 429, times: 1 });

    // act
    const response = await fetch(`${stub.url}auth.test`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test' },
    });

    // assess
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('delays the answer, then answers normally and does the work', async () => {
    // prepare
    stub.fault('chat.postMessage', { delayMs: 200, times: 1 });
    const started = Date.now();

    // act
    const posted = await client.chat.postMessage({ channel: 'C0GENERAL', text: 'slow' });
    const elapsed = Date.now() - started;

    // assess
    expect(posted.ok).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(stub.messages.map((message) => message.text)).toEqual(['slow']);
  });

  it('delays, then answers the faulted status', async () => {
    // prepare
    stub.fault('pins.add', { delayMs: 150, status: 500, times: 1 });
    const started = Date.now();

    // act
    const thrown = await failureOf(client.pins.add({ channel: 'C0GENERAL', timestamp: '1.000001' }));

    // assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(thrown).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
  });

  it('never answers a hung call: recorded, without effect, and the client gives up on its timeout', async () => {
    // prepare
    stub.fault('chat.postMessage', { hang: true });
    const impatient = clientFor(stub, { timeout: 200 });
    const started = Date.now();

    // act
    const thrown = await failureOf(impatient.chat.postMessage({ channel: 'C0GENERAL', text: 'lost' }));
    const elapsed = Date.now() - started;

    // assess
    expect(thrown.code).toBe(ErrorCode.RequestError);
    expect(String(thrown.original)).toContain('TimeoutError');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
    expect(stub.callsTo('chat.postMessage')).toHaveLength(1);
    expect(stub.callsTo('chat.postMessage')[0]?.args).toMatchObject({ text: 'lost' });
    expect(stub.messages).toHaveLength(0);
  });

  it('closes promptly while calls hang', async () => {
    // prepare: a client that would wait forever
    stub.fault('views.open', { hang: true });
    const patient = new WebClient('xoxb-test', {
      slackApiUrl: stub.url,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    const pending = failureOf(
      patient.views.open({
        trigger_id: '1.2.3',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    );
    await stub.waitFor((s) => s.callsTo('views.open').length === 1);
    const started = Date.now();

    // act
    await stub.close();
    const thrown = await pending;

    // assess
    expect(Date.now() - started).toBeLessThan(1000);
    expect(thrown.code).toBe(ErrorCode.RequestError);
  });

  it('applies a fault `times` times, then answers normally', async () => {
    // prepare
    stub.fault('auth.test', { status: 500, times: 2 });

    // act
    const results: string[] = [];
    for (let call = 0; call < 3; call += 1) {
      results.push(
        await client.auth.test().then(
          () => 'ok',
          (error: CaughtSlackError) => `HTTP ${error.statusCode}`,
        ),
      );
    }

    // assess
    expect(results).toEqual(['HTTP 500', 'HTTP 500', 'ok']);
  });

  it("faults every method with '*', after a method's own faults", async () => {
    // prepare
    stub.fault('*', { error: 'fatal_error', times: 3 });
    stub.fault('users.info', { error: 'user_not_found', times: 1 });

    // act
    const auth = await failureOf(client.auth.test());
    const user = await failureOf(client.users.info({ user: 'U0ALICE' }));
    const again = await failureOf(client.users.info({ user: 'U0ALICE' }));
    const post = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' }));
    const recovered = await client.auth.test();

    // assess
    expect(auth.data?.error).toBe('fatal_error');
    expect(user.data?.error).toBe('user_not_found');
    expect(again.data?.error).toBe('fatal_error');
    expect(post.data?.error).toBe('fatal_error');
    expect(recovered.ok).toBe(true);
  });

  it("clears one method's faults or all of them", async () => {
    // prepare
    stub.fault('*', { status: 503 });
    stub.fault('auth.test', { status: 500 });

    // act
    stub.clearFaults('auth.test');
    const starred = await failureOf(client.auth.test());
    stub.clearFaults();
    const clear = await client.auth.test();

    // assess
    expect(starred.statusCode).toBe(503);
    expect(clear.ok).toBe(true);
  });

  it('applies the faults of one method in the order they were added', async () => {
    // prepare
    stub.fault('auth.test', { error: 'internal_error', times: 1 });
    stub.fault('auth.test', { status: 502, times: 1 });

    // act
    const first = await failureOf(client.auth.test());
    const second = await failureOf(client.auth.test());
    const third = await client.auth.test();

    // assess
    expect(first.data?.error).toBe('internal_error');
    expect(second.statusCode).toBe(502);
    expect(third.ok).toBe(true);
  });

  it('keeps failNext working on top of fault()', async () => {
    // prepare
    stub.failNext('chat.postMessage', 'ratelimited');

    // act
    const limited = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' }));
    const posted = await client.chat.postMessage({ channel: 'C0GENERAL', text: 'y' });

    // assess
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    expect(posted.ok).toBe(true);
  });

  it('forgets faults on reset', async () => {
    // prepare
    stub.fault('*', { hang: true });

    // act
    stub.reset();
    const auth = await client.auth.test();

    // assess
    expect(auth.ok).toBe(true);
  });

  it('refuses a fault that would do nothing or makes no sense', () => {
    // act, assess
    expect(() => stub.fault('auth.test', {})).toThrow(TypeError);
    expect(() => stub.fault('auth.test', { status: 42 })).toThrow(/status/);
    expect(() => stub.fault('auth.test', { error: 'internal_error', times: 0 })).toThrow(/times/);
  });

  it('answers invalid_auth to a token other than the configured one, faults or not', async () => {
    // prepare
    const guarded = await startSlackApiStub({ token: 'xoxb-right' });
    const wrong = new WebClient('xoxb-wrong', {
      slackApiUrl: guarded.url,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    guarded.fault('chat.postMessage', { error: 'channel_not_found' });

    try {
      // act
      const auth = await failureOf(wrong.auth.test());
      const post = await failureOf(wrong.chat.postMessage({ channel: 'C0X', text: 'x' }));

      // assess
      expect(auth.data?.error).toBe('invalid_auth');
      expect(post.data?.error).toBe('invalid_auth');
    } finally {
      await guarded.close();
    }
  });
});

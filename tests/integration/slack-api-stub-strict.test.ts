/**
 * The Slack stand-in is as strict as Slack where the bot could get it wrong, seen through the real
 * WebClient: membership (chat.postEphemeral, files.completeUploadExternal), trigger ids (single use,
 * 3 s), the user directory (users.info) and each method's rate-limit tier (HTTP 429 + Retry-After).
 */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { FORM_NOT_OPENED } from '../../lambda/slack/listeners';
import { WEB_API_METHODS } from '../../lambda/slack/methods';
import { type SlackApiStub, type SlackApiStubOptions, startSlackApiStub } from '../../local/slack-api-stub';
import { SLACK_RATE_LIMITS, SlackRateLimiter, TIER_PER_MINUTE } from '../../local/slack-rate-limits';
import { ANNOUNCEMENTS, startHarness } from '../helpers/harness';

const GENERAL = 'C0GENERAL';
const OUTSIDE = 'C0OUTSIDE'; // public, the bot is not a member
const SECRET = 'C0SECRET'; // private, the bot is not a member
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

const MODAL = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Declare' }, blocks: [] };

interface CaughtSlackError {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
}

/** The Slack error code a call ends with, `ratelimited <n>s` for a 429, or `ok`. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (caught) {
    const error = caught as CaughtSlackError;
    if (error.code === ErrorCode.RateLimitedError) return `ratelimited ${error.retryAfter}s`;
    if (error.code === ErrorCode.PlatformError) return error.data?.error ?? 'no error code';
    throw caught;
  }
}

function clientFor(stub: SlackApiStub, token = 'xoxb-test'): WebClient {
  return new WebClient(token, {
    slackApiUrl: stub.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
}

describe('Slack stand-in: as strict as Slack', () => {
  let stub: SlackApiStub;
  let client: WebClient;
  let now: number;

  async function start(options: SlackApiStubOptions = {}): Promise<void> {
    now = Date.now();
    stub = await startSlackApiStub({
      now: () => now,
      users: [ALICE, BOB],
      channels: [
        { id: GENERAL, name: 'general', members: ['U0000000BOT', ALICE] },
        { id: OUTSIDE, name: 'outside', members: [ALICE] },
        { id: SECRET, name: 'secret', members: [ALICE], isPrivate: true },
      ],
      ...options,
    });
    client = clientFor(stub);
  }

  afterEach(async () => {
    await stub.close();
  });

  describe('membership', () => {
    beforeEach(() => start());

    it('sends an ephemeral message only to a member of the channel: user_not_in_channel otherwise', async () => {
      // act
      const toMember = await outcome(
        client.chat.postEphemeral({ channel: GENERAL, user: ALICE, text: 'hi' }),
      );
      const toOutsider = await outcome(
        client.chat.postEphemeral({ channel: GENERAL, user: BOB, text: 'hi' }),
      );

      // assess
      expect([toMember, toOutsider]).toEqual(['ok', 'user_not_in_channel']);
      expect(stub.ephemerals.map((e) => e.user)).toEqual([ALICE]);
    });

    it('refuses an ephemeral message where the bot is not: not_in_channel, or channel_not_found if private', async () => {
      // act
      const publicChannel = await outcome(
        client.chat.postEphemeral({ channel: OUTSIDE, user: ALICE, text: 'hi' }),
      );
      const privateChannel = await outcome(
        client.chat.postEphemeral({ channel: SECRET, user: ALICE, text: 'hi' }),
      );

      // assess: chat:write.public (which the bot has) is for chat.postMessage only
      expect([publicChannel, privateChannel]).toEqual(['not_in_channel', 'channel_not_found']);
      expect(stub.ephemerals).toHaveLength(0);
    });

    it("counts a DM's user and the bot as its members, and no one else", async () => {
      // act
      const toItsUser = await outcome(
        client.chat.postEphemeral({ channel: 'D0ALICE', user: ALICE, text: 'hi' }),
      );
      const toSomeoneElse = await outcome(
        client.chat.postEphemeral({ channel: 'D0ALICE', user: BOB, text: 'hi' }),
      );
      const upload = await outcome(
        client.files.uploadV2({ channel_id: 'D0ALICE', content: '# notes', filename: 'notes.md' }),
      );

      // assess
      expect([toItsUser, toSomeoneElse, upload]).toEqual(['ok', 'user_not_in_channel', 'ok']);
      expect(stub.uploads.map((u) => u.channelId)).toEqual(['D0ALICE']);
    });

    it('shares an upload only in a channel the bot is in: not_in_channel otherwise', async () => {
      // act
      const inside = await outcome(
        client.files.uploadV2({ channel_id: GENERAL, content: '# INC-1', filename: 'inc-1.md' }),
      );
      const outside = await outcome(
        client.files.uploadV2({ channel_id: OUTSIDE, content: '# INC-2', filename: 'inc-2.md' }),
      );
      const secret = await outcome(
        client.files.uploadV2({ channel_id: SECRET, content: '# INC-3', filename: 'inc-3.md' }),
      );

      // assess
      expect([inside, outside, secret]).toEqual(['ok', 'not_in_channel', 'channel_not_found']);
      expect(stub.uploads.map((u) => u.filename)).toEqual(['inc-1.md']);
    });

    it('shows an uploaded image in an image block by its id, and refuses any other file', async () => {
      // prepare: an image shared nowhere, and a Markdown file
      const png = Buffer.from('89504e470d0a1a0a', 'hex');
      await client.files.uploadV2({ file: png, filename: 'chart.png' });
      await client.files.uploadV2({ channel_id: GENERAL, content: '# INC-1', filename: 'inc-1.md' });
      const [image, markdown] = stub.uploads.map((u) => u.fileId);
      const show = (id: string | undefined) => [{ type: 'image', alt_text: 'chart', slack_file: { id } }];

      // act
      const shown = await outcome(
        client.chat.postMessage({ channel: GENERAL, text: 'c', blocks: show(image) }),
      );
      const notAnImage = await outcome(
        client.chat.postMessage({ channel: GENERAL, text: 'c', blocks: show(markdown) }),
      );
      const unknown = await outcome(
        client.chat.postMessage({ channel: GENERAL, text: 'c', blocks: show('F0NOSUCHFILE') }),
      );
      const home = await outcome(
        client.views.publish({ user_id: ALICE, view: { type: 'home', blocks: show('F0NOSUCHFILE') } }),
      );

      // assess
      expect([shown, notAnImage, unknown, home]).toEqual([
        'ok',
        'invalid_blocks',
        'invalid_blocks',
        'invalid_arguments',
      ]);
    });
  });

  describe('trigger ids', () => {
    beforeEach(() => start());

    it('opens a modal for an issued trigger id, once: exchanged_trigger_id the second time', async () => {
      // prepare
      const triggerId = stub.issueTriggerId();

      // act
      const first = await outcome(client.views.open({ trigger_id: triggerId, view: MODAL }));
      const second = await outcome(client.views.open({ trigger_id: triggerId, view: MODAL }));

      // assess
      expect([first, second]).toEqual(['ok', 'exchanged_trigger_id']);
      expect(stub.views.size).toBe(1);
    });

    it('refuses a trigger id Slack never issued: invalid_trigger_id', async () => {
      // act
      const result = await outcome(
        client.views.open({ trigger_id: '12345.98765.abcd2358fdea', view: MODAL }),
      );

      // assess
      expect(result).toBe('invalid_trigger_id');
      expect(stub.views.size).toBe(0);
    });

    it('takes a trigger id for 3 s after it was issued: expired_trigger_id after', async () => {
      // prepare
      const fresh = stub.issueTriggerId('1.1.fresh');
      const stale = stub.issueTriggerId('1.1.stale');
      now += 3000;
      const atTheLimit = await outcome(client.views.open({ trigger_id: fresh, view: MODAL }));
      now += 1;

      // act
      const late = await outcome(client.views.open({ trigger_id: stale, view: MODAL }));

      // assess
      expect([atTheLimit, late]).toEqual(['ok', 'expired_trigger_id']);
    });

    it('keeps the first issue of a trigger id issued again (a redelivered payload), so reuse is refused', async () => {
      // prepare
      const triggerId = stub.issueTriggerId('2.2.redelivered');
      await client.views.open({ trigger_id: triggerId, view: MODAL });

      // act
      stub.issueTriggerId(triggerId);
      const again = await outcome(client.views.open({ trigger_id: triggerId, view: MODAL }));

      // assess
      expect(again).toBe('exchanged_trigger_id');
    });
  });

  describe('users', () => {
    beforeEach(() => start());

    it('answers users.info for the workspace users only: user_not_found for others', async () => {
      // prepare
      stub.addUser('U0CAROL', { display_name: 'carol', real_name: 'Carol Danvers' });

      // act
      const alice = await client.users.info({ user: ALICE });
      const carol = await client.users.info({ user: 'U0CAROL' });
      const bot = await client.users.info({ user: stub.botUserId });
      const stranger = await outcome(client.users.info({ user: 'U0NOBODY' }));

      // assess
      expect(alice.user?.id).toBe(ALICE);
      expect(carol.user?.profile?.display_name).toBe('carol');
      expect(carol.user?.profile?.real_name).toBe('Carol Danvers');
      expect(bot.user?.is_bot).toBe(true);
      expect(stranger).toBe('user_not_found');
    });

    it('forgets added users on reset, keeping the seeded ones', async () => {
      // prepare
      stub.addUser('U0CAROL');

      // act
      stub.reset();
      const carol = await outcome(client.users.info({ user: 'U0CAROL' }));
      const alice = await outcome(client.users.info({ user: ALICE }));

      // assess
      expect([carol, alice]).toEqual(['user_not_found', 'ok']);
    });
  });

  describe('Block Kit limits', () => {
    beforeEach(() => start());

    it('refuses a message whose header is over 150 characters with invalid_blocks, naming the field', async () => {
      // prepare
      const header = (text: string) => [{ type: 'header', text: { type: 'plain_text', text } }];

      // act
      const atLimit = await outcome(
        client.chat.postMessage({ channel: GENERAL, text: 'x', blocks: header('🔥'.repeat(150)) }),
      );
      let messages: string[] = [];
      const over = await outcome(
        client.chat
          .postMessage({ channel: GENERAL, text: 'x', blocks: header('a'.repeat(151)) })
          .catch((error) => {
            messages =
              (error as { data?: { response_metadata?: { messages?: string[] } } }).data?.response_metadata
                ?.messages ?? [];
            throw error;
          }),
      );

      // assess: 150 emoji are 150 characters to Slack (code points), not 300 UTF-16 units
      expect([atLimit, over]).toEqual(['ok', 'invalid_blocks']);
      expect(messages.join('\n')).toContain('[json-pointer:/blocks/0/text/text]');
    });

    it('refuses message text over 40,000 characters with msg_too_long, and a message with nothing with no_text', async () => {
      // act
      const long = await outcome(client.chat.postMessage({ channel: GENERAL, text: 'a'.repeat(40_001) }));
      const empty = await outcome(client.chat.postMessage({ channel: GENERAL, text: '' }));

      // assess
      expect([long, empty]).toEqual(['msg_too_long', 'no_text']);
    });

    it('refuses a modal whose title is over 24 characters with invalid_arguments', async () => {
      // prepare
      const trigger = stub.issueTriggerId();

      // act
      const result = await outcome(
        client.views.open({
          trigger_id: trigger,
          view: { ...MODAL, title: { type: 'plain_text', text: 'Declare a brand new incident' } },
        }),
      );

      // assess
      expect(result).toBe('invalid_arguments');
    });
  });

  describe('methods the bot never calls', () => {
    beforeEach(() => start());

    it.each([
      'conversations.info',
      'conversations.archive',
      'conversations.members',
      'conversations.open',
      'views.push',
      'views.update',
    ])('answers %s with unknown_method', async (method) => {
      // act
      const result = await outcome(client.apiCall(method, { channel: GENERAL }));

      // assess
      expect(result).toBe('unknown_method');
    });
  });

  describe('rate limits', () => {
    it('holds a Tier 2 method to 20 calls a minute per token, with Retry-After until the window frees', async () => {
      // prepare
      await start();
      for (let i = 0; i < 20; i++) await client.conversations.create({ name: `inc-${i}` });
      now += 15_000;

      // act
      const over = await outcome(client.conversations.create({ name: 'inc-20' }));
      const otherToken = await outcome(
        clientFor(stub, 'xoxb-other').conversations.create({ name: 'inc-21' }),
      );
      const otherMethod = await outcome(client.conversations.setTopic({ channel: GENERAL, topic: 'x' }));
      now += 45_000;
      const freed = await outcome(client.conversations.create({ name: 'inc-22' }));

      // assess
      expect(over).toBe('ratelimited 45s');
      expect([otherToken, otherMethod, freed]).toEqual(['ok', 'ok', 'ok']);
      expect(stub.channels.has(GENERAL)).toBe(true);
      expect([...stub.channels.values()].some((c) => c.name === 'inc-20')).toBe(false);
    });

    it('answers HTTP 429 with { ok: false, error: ratelimited } and Retry-After in whole seconds', async () => {
      // prepare
      await start();
      for (let i = 0; i < 20; i++)
        await client.pins.add({ channel: GENERAL, timestamp: '1.1' }).catch(() => {});
      now += 500;

      // act
      const response = await fetch(`${stub.url}pins.add`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json' },
        body: JSON.stringify({ channel: GENERAL, timestamp: '1.1' }),
      });

      // assess
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('60');
      expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
    });

    it('lets chat.postMessage burst to 10 in a channel, then about one a second; other channels apart', async () => {
      // prepare
      await start();
      const post = (channel: string) => outcome(client.chat.postMessage({ channel, text: 'update' }));
      const burst: string[] = [];
      for (let i = 0; i < 10; i++) {
        burst.push(await post(GENERAL));
        now += 100;
      }

      // act
      const eleventh = await post('#general'); // by name: the same channel, the same limit
      const elsewhere = await post(OUTSIDE);
      now += 9000; // the burst's first message leaves the 10 s window
      const afterASecond = await post(GENERAL);
      const tooSoon = await post(GENERAL);

      // assess
      expect(burst).toEqual(Array(10).fill('ok'));
      expect(eleventh).toBe('ratelimited 9s');
      expect([elsewhere, afterASecond, tooSoon]).toEqual(['ok', 'ok', 'ratelimited 1s']);
    });

    it('scales the limits with { scale } and drops them with off', async () => {
      // prepare
      const scaled = await startSlackApiStub({ rateLimits: { scale: 2 }, now: () => now });
      const off = await startSlackApiStub({ rateLimits: 'off' });
      await start();
      try {
        const create = async (target: SlackApiStub, n: number) => {
          const results: string[] = [];
          for (let i = 0; i < n; i++) {
            results.push(await outcome(clientFor(target).conversations.create({ name: `inc-${i}` })));
          }
          return results;
        };

        // act
        const slack = await create(stub, 21);
        const doubled = await create(scaled, 41);
        const none = await create(off, 60);

        // assess
        expect(slack.filter((r) => r === 'ok')).toHaveLength(20);
        expect(doubled.filter((r) => r === 'ok')).toHaveLength(40);
        expect(none.every((r) => r === 'ok')).toBe(true);
      } finally {
        await scaled.close();
        await off.close();
      }
    });

    it('does not count refused calls against the window', () => {
      // prepare
      let clock = 0;
      const limiter = new SlackRateLimiter({ now: () => clock });
      limiter.take('apps.connections.open', 'xapp', undefined);
      for (let i = 1; i < TIER_PER_MINUTE[3]; i++) limiter.take('apps.connections.open', 'xapp');
      clock = 30_000;
      const refused = [1, 2, 3].map(() => limiter.take('apps.connections.open', 'xapp'));

      // act
      clock = 60_000;
      const next = limiter.take('apps.connections.open', 'xapp');

      // assess
      expect(refused).toEqual(Array(3).fill({ ok: false, retryAfterSeconds: 30 }));
      expect(next).toEqual({ ok: true });
    });

    it('has a documented tier for every method the bot calls', () => {
      // act
      const methods = [...Object.keys(WEB_API_METHODS), 'apps.connections.open'];

      // assess
      for (const method of methods) {
        expect({ method, source: SLACK_RATE_LIMITS[method]?.source }).toEqual({
          method,
          source: expect.stringMatching(/^https:\/\/docs\.slack\.dev\//),
        });
      }
      expect(Object.keys(SLACK_RATE_LIMITS).sort()).toEqual(methods.sort());
    });
  });

  describe('through the bot', () => {
    it("copes with Slack's rate limit: an announcement refused with 429 is posted after Retry-After", async () => {
      // prepare: eleven incidents in a few seconds announce eleven times in one channel, one more
      // than chat.postMessage's burst allows
      const harness = await startHarness();
      stub = await startSlackApiStub();
      const announced = () => harness.slack.messages.filter((m) => m.channel === ANNOUNCEMENTS).length;
      try {
        // act
        for (let i = 1; i <= 11; i++) await harness.command(`open sev3 Burst ${i}`);
        await harness.slack.waitFor(() => announced() === 11, 20_000);

        // assess
        const posts = harness.slack.calls.filter(
          (call) => call.method === 'chat.postMessage' && call.args.channel === ANNOUNCEMENTS,
        );
        expect(posts.length).toBeGreaterThan(11); // at least one was refused and tried again
        expect(announced()).toBe(11);
      } finally {
        await harness.close();
      }
    }, 30_000);

    it('opens the declare modal for a fresh trigger, and refuses a reused one as Slack would', async () => {
      // prepare
      const harness = await startHarness();
      stub = await startSlackApiStub(); // closed by afterEach; the harness closes its own
      try {
        // act
        const first = await harness.command('', { triggerId: '3.3.declare' });
        const reused = await harness.command('', { triggerId: '3.3.declare' });

        // assess
        expect(first.text).toBe('');
        expect(reused.text).toBe(FORM_NOT_OPENED);
        expect(harness.slack.views.size).toBe(1);
      } finally {
        await harness.close();
      }
    });
  });
});

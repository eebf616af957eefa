/**
 * The Slack stand-in grants a token only its scopes, as Slack does: a method needing a scope the
 * token lacks answers `missing_scope`, and a public channel the bot has not joined takes messages
 * only with chat:write.public. The real WebClient raises what it would raise against Slack.
 */
import { WebClient } from '@slack/web-api';
import { requiredBotScopes } from '../../lambda/slack/methods';
import { startSlackApiStub } from '../../local/slack-api-stub';

function platformError(error: unknown): { error?: string; needed?: string } {
  return ((error as { data?: { error?: string; needed?: string } }).data ?? {}) as {
    error?: string;
    needed?: string;
  };
}

describe('Slack stand-in scopes', () => {
  it('answers missing_scope for a method whose scope the token lacks, naming it', async () => {
    // prepare
    const stub = await startSlackApiStub({
      scopes: requiredBotScopes().filter((scope) => scope !== 'pins:write'),
    });
    const client = new WebClient('xoxb-test', { slackApiUrl: stub.url, retryConfig: { retries: 0 } });
    try {
      const channel = stub.addChannel('ops');
      const { ts } = await client.chat.postMessage({ channel: channel.id, text: 'hello' });

      // act
      const failure = await client.pins.add({ channel: channel.id, timestamp: ts as string }).catch((e) => e);

      // assess
      expect(platformError(failure)).toMatchObject({ error: 'missing_scope', needed: 'pins:write' });
    } finally {
      await stub.close();
    }
  });

  it('lets the bot post into a public channel it has not joined only with chat:write.public', async () => {
    // prepare
    const withPublic = await startSlackApiStub({});
    const without = await startSlackApiStub({
      scopes: requiredBotScopes().filter((scope) => scope !== 'chat:write.public'),
    });
    try {
      const post = async (stub: typeof withPublic) => {
        const channel = stub.addChannel('announcements', { members: ['U0SOMEONE'] });
        const client = new WebClient('xoxb-test', { slackApiUrl: stub.url, retryConfig: { retries: 0 } });
        return client.chat.postMessage({ channel: channel.id, text: 'INC-1 declared' }).then(
          () => 'posted',
          (error) => platformError(error).error,
        );
      };

      // act
      const results = [await post(withPublic), await post(without)];

      // assess
      expect(results).toEqual(['posted', 'not_in_channel']);
    } finally {
      await withPublic.close();
      await without.close();
    }
  });
});

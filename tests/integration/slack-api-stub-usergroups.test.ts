/**
 * usergroups.users.update on the Slack stand-in is as strict as Slack, through the real WebClient:
 * it needs `usergroups:write`, a group the workspace has, users it knows, and a plan with user
 * groups; SlackChat reads a plan without user groups as NoUsergroupsOnPlanError.
 */
import { WebClient } from '@slack/web-api';
import { NoUsergroupsOnPlanError, SlackChat } from '../../lambda/slack/chat';
import { requiredBotScopes } from '../../lambda/slack/methods';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';

const errorOf = (error: unknown) => (error as { data?: { error?: string; needed?: string } }).data ?? {};

describe('usergroups.users.update on the Slack stand-in', () => {
  let stub: SlackApiStub;
  let client: WebClient;
  beforeEach(async () => {
    stub = await startSlackApiStub({ users: ['U0ANNA', 'U0BOB'], usergroups: ['S0ONCALL'] });
    client = new WebClient('xoxb-test', { slackApiUrl: stub.url, retryConfig: { retries: 0 } });
  });
  afterEach(() => stub.close());

  it("replaces the group's members and records the call", async () => {
    // act
    const result = await client.usergroups.users.update({ usergroup: 'S0ONCALL', users: 'U0ANNA,U0BOB' });

    // assess
    expect(result.usergroup?.users).toEqual(['U0ANNA', 'U0BOB']);
    expect(stub.usergroups.get('S0ONCALL')?.users).toEqual(['U0ANNA', 'U0BOB']);
    expect(stub.callsTo('usergroups.users.update').map((call) => call.args)).toEqual([
      { usergroup: 'S0ONCALL', users: 'U0ANNA,U0BOB' },
    ]);
  });

  it('refuses a group the workspace lacks, users it does not know, and no users', async () => {
    // act
    const answers = await Promise.all(
      [
        { usergroup: 'S0NOPE', users: 'U0ANNA' },
        { usergroup: 'S0ONCALL', users: 'U0ANNA,U0STRANGER' },
        { usergroup: 'S0ONCALL', users: 'not-a-user' },
        { usergroup: 'S0ONCALL', users: '' },
      ].map((args) =>
        client.usergroups.users.update(args).then(
          () => 'ok',
          (error) => errorOf(error).error,
        ),
      ),
    );

    // assess
    expect(answers).toEqual(['no_such_subteam', 'invalid_users', 'invalid_users', 'no_users_provided']);
    expect(stub.usergroups.get('S0ONCALL')?.users).toEqual([]);
  });

  it('answers missing_scope without usergroups:write', async () => {
    // prepare
    const narrow = await startSlackApiStub({
      usergroups: ['S0ONCALL'],
      users: ['U0ANNA'],
      scopes: requiredBotScopes().filter((scope) => scope !== 'usergroups:write'),
    });
    try {
      const narrowClient = new WebClient('xoxb-test', {
        slackApiUrl: narrow.url,
        retryConfig: { retries: 0 },
      });

      // act
      const failure = await narrowClient.usergroups.users
        .update({ usergroup: 'S0ONCALL', users: 'U0ANNA' })
        .catch((error) => error);

      // assess
      expect(errorOf(failure)).toMatchObject({ error: 'missing_scope', needed: 'usergroups:write' });
    } finally {
      await narrow.close();
    }
  });

  it('answers paid_teams_only on the free plan, which SlackChat reads as NoUsergroupsOnPlanError', async () => {
    // prepare
    stub.setPlan('free');
    const chat = new SlackChat({ botToken: 'xoxb-test', slackApiUrl: stub.url });

    // act
    const failure = await chat.setUsergroupMembers('S0ONCALL', ['U0ANNA']).catch((error) => error);

    // assess
    expect(failure).toBeInstanceOf(NoUsergroupsOnPlanError);
    expect(failure.message).toBe("the workspace's Slack plan has no user groups (paid_teams_only)");
    expect(stub.usergroups.get('S0ONCALL')?.users).toEqual([]);
  });

  it('forgets the plan and the groups added since the start on reset', async () => {
    // prepare
    stub.setPlan('free');
    stub.addUsergroup('S0EXTRA', { users: ['U0BOB'] });

    // act
    stub.reset();
    await client.usergroups.users.update({ usergroup: 'S0ONCALL', users: 'U0BOB' });

    // assess
    expect([...stub.usergroups.keys()]).toEqual(['S0ONCALL']);
    expect(stub.usergroups.get('S0ONCALL')?.users).toEqual(['U0BOB']);
  });
});

/**
 * Polling where no webhook is configured, through the real local server, the real GitHub adapter and
 * the GitHub stand-in (no webhook set, so closing an issue on "github.com" delivers nothing): the
 * minute tick asks GitHub for the open ticket's state, asks again only 15 minutes later, and then
 * finds the issue closed and closes the follow-up. The clock is fixed and moved by the test; the
 * periodic tick is off (RECONCILE_INTERVAL=0), so every poll comes from `server.tick()`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type GitHubStub, startGitHubStub } from '../../local/github-stub';
import { fixedClock, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

const POLICY = `teams:
  oncall: { slack: S0ONCALL }
escalation:
  default:
    - { after: 0m, notify: [oncall] }
followups: { tracker: github, repo: acme/ops }
`;
const T0 = Date.parse('2026-12-02T10:00:00Z');
const at = (minutes: number, seconds = 0) => new Date(T0 + minutes * 60_000 + seconds * 1000).toISOString();

describe('ticket polling through the local server (GitHub without a webhook)', () => {
  let github: GitHubStub;
  let dir: string;
  let harness: Harness;
  const clock = fixedClock(at(0));

  beforeAll(async () => {
    github = await startGitHubStub({ collaborators: ['octocat'] });
    dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-polling-'));
    await writeFile(path.join(dir, 'policy.yaml'), POLICY);
    harness = await startHarness({
      clock,
      env: {
        ESCALATION_POLICY: path.join(dir, 'policy.yaml'),
        GITHUB_API_URL: github.url,
        GITHUB_TOKEN: github.token,
        RECONCILE_INTERVAL: '0',
      },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await github?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const followUp = async () => (await harness.server.store.getRecord('INC-1'))?.followUps[0];

  it('polls the open issue on a tick, not again within 15 minutes, then finds it closed and closes the follow-up', async () => {
    // prepare: an incident with a follow-up whose issue is open on GitHub
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('task Add a canary for checkout', { channelId });
    await until(async () => Boolean((await followUp())?.ticket));
    const number = Number((await followUp())?.ticket?.id);
    const issuePath = `/repos/acme/ops/issues/${number}`;
    const polls = () => github.calls.filter((call) => call.method === 'GET' && call.path === issuePath);
    expect(polls()).toHaveLength(0);

    // act 1: a tick while the issue is open
    clock.set(at(1));
    await harness.server.tick();

    // assess 1: asked once, still open
    expect(polls().map((call) => call.status)).toEqual([200]);
    expect((await followUp())?.ticketState).toBe('open');

    // act 2: the issue is closed on GitHub, which tells nobody (no webhook); a tick 14 minutes later
    const { delivery } = await github.setIssueState('acme/ops', number, 'closed');
    expect(delivery).toBeUndefined();
    clock.set(at(15));
    await harness.server.tick();

    // assess 2: not asked again within 15 minutes, so the follow-up is still open
    expect(polls()).toHaveLength(1);
    expect((await followUp())?.ticketState).toBe('open');

    // act 3: a tick past 15 minutes since the first poll
    clock.set(at(16, 1));
    await harness.server.tick();

    // assess 3: asked again, found closed at GitHub's closed_at; the follow-ups list no longer shows it
    expect(polls()).toHaveLength(2);
    const closed = await followUp();
    expect(closed?.ticketState).toBe('closed');
    expect(closed?.ticketClosedAt).toBe(
      new Date(String(github.issues('acme/ops')[0]?.closedAt)).toISOString(),
    );
    const listed = await harness.command('followups');
    expect(listed.text).not.toContain('Add a canary for checkout');

    // act 4: much later, another tick
    clock.set(at(60));
    await harness.server.tick();

    // assess 4: a closed ticket is not polled
    expect(polls()).toHaveLength(2);
  });
});

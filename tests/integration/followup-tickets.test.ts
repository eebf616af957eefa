/**
 * Follow-ups become GitHub issues, through the real local server, the real GitHub adapter and the
 * GitHub stand-in (checked against GitHub's REST description): the seed scenario's six follow-ups
 * become six issues with their titles and labels, the postmortem links each, and a GitHub that
 * answers 500 delays the ticket, never the command.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type GitHubStub, startGitHubStub } from '../../local/github-stub';
import { startJiraStub } from '../../local/jira-stub';
import { startLinearStub } from '../../local/linear-stub';
import { readScenario, replayScenario } from '../../local/replay';
import { GENERAL, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

const root = path.resolve(__dirname, '../..');
const POLICY = `teams:
  oncall: { slack: S0ONCALL }
escalation:
  default:
    - { after: 0m, notify: [oncall] }
followups: { tracker: github, repo: acme/ops, labels: [postmortem-followup] }
people:
  U0ALICE: { github: octocat }
postmortems: { github: { repo: acme/postmortems, branch: main, path: postmortems } }
`;
const WEBHOOK_SECRET = 'github-webhook-secret';

let github: GitHubStub;

beforeAll(async () => {
  github = await startGitHubStub({ collaborators: ['octocat'] });
});
afterAll(() => github.close());

const env = () => ({
  GITHUB_API_URL: github.url,
  GITHUB_TOKEN: github.token,
  GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
});

describe('the seed scenario with a GitHub tracker', () => {
  let harness: Harness;
  let postmortem: string;

  beforeAll(async () => {
    github.reset();
    harness = await startHarness({ policy: POLICY, env: env() });
    github.setWebhook({ url: `${harness.server.url}/webhooks/github`, secret: WEBHOOK_SECRET });
    await replayScenario(readScenario(path.join(root, 'examples/seed-auth-outage.txt')), {
      botUrl: harness.server.url,
      signingSecret: harness.signingSecret,
      slack: harness.slack,
      userId: 'U0ALICE',
      generalChannelId: GENERAL,
      settle: () => harness.server.jobs.drain(),
    });
    await harness.server.jobs.drain();
    postmortem = await readFile(path.join(harness.server.postmortemDir, 'INC-1.md'), 'utf8');
  });
  afterAll(() => harness.close());

  it('opens one issue per follow-up, titled by its text, labelled incident, INC-1, its severity and the policy labels', async () => {
    const record = await harness.server.store.getRecord('INC-1');
    const issues = github.issues('acme/ops');
    expect(issues).toHaveLength(6);
    expect(issues.map((issue) => issue.title).sort()).toEqual(record?.followUps.map((f) => f.text).sort());
    const severity = record?.incident.severity as string;
    for (const issue of issues) {
      expect([...issue.labels].sort()).toEqual(['INC-1', 'incident', 'postmortem-followup', severity].sort());
      // Markdown-escaped by the adapter: the link to the incident channel.
      expect(issue.body).toMatch(
        /\[INC\\-1 incident channel\]\(<https:\/\/slack\.com\/app_redirect\?channel=C\w+>\)/,
      );
    }
    expect(record?.followUps.every((f) => f.ticket?.key.startsWith('acme/ops#'))).toBe(true);
  });

  it('links each ticket next to its follow-up in the postmortem', async () => {
    const record = await harness.server.store.getRecord('INC-1');
    for (const followUp of record?.followUps ?? []) {
      const line = postmortem.split('\n').find((l) => l.startsWith(`- ${followUp.text}`));
      expect(line).toContain(`— ticket: [${followUp.ticket?.key}](${followUp.ticket?.url})`);
    }
  });

  it('tells the incident channel each ticket, once', async () => {
    const channelId = await harness.channelOf('INC-1');
    const told = harness.slack.calls.filter(
      (call) =>
        call.method === 'chat.postMessage' &&
        call.args.channel === channelId &&
        String(call.args.text).startsWith(':ticket: GitHub'),
    );
    expect(told).toHaveLength(6);
  });

  it('opens one pull request on resolution whose file is the postmortem, tickets linked', async () => {
    const pulls = github.pulls('acme/postmortems');
    expect(pulls.map((pull) => [pull.head, pull.base, pull.state])).toEqual([
      ['incident-bot/INC-1', 'main', 'open'],
    ]);
    const stored = await readFile(path.join(harness.server.postmortemDir, 'INC-1.md'), 'utf8');
    expect(github.file('acme/postmortems', 'incident-bot/INC-1', 'postmortems/INC-1.md')).toBe(stored);
    expect(stored).toContain('— ticket: [acme/ops#');
    const channelId = await harness.channelOf('INC-1');
    const told = harness.slack.calls.filter(
      (call) =>
        call.method === 'chat.postMessage' &&
        call.args.channel === channelId &&
        String(call.args.text).includes('pull request'),
    );
    expect(told).toHaveLength(1);
  });

  it('a task added after resolution opens its issue, re-publishes the postmortem saying what changed, and updates the pull request', async () => {
    const channelId = await harness.channelOf('INC-1');
    const uploadsBefore = harness.slack.uploads.length;

    await harness.command('task Review the load balancer runbook', { channelId });
    await harness.server.jobs.drain();

    expect(github.issues('acme/ops').map((issue) => issue.title)).toContain(
      'Review the load balancer runbook',
    );
    const republished = harness.slack.uploads.slice(uploadsBefore);
    expect(republished.map((upload) => [upload.filename, upload.initialComment])).toEqual([
      ['INC-1.md', ':memo: Postmortem updated: added a task “Review the load balancer runbook”.'],
    ]);
    expect(republished[0]?.content).toContain('- Review the load balancer runbook — owner: unassigned');
    expect(github.pulls('acme/postmortems')).toHaveLength(1);
    const stored = await readFile(path.join(harness.server.postmortemDir, 'INC-1.md'), 'utf8');
    expect(github.file('acme/postmortems', 'incident-bot/INC-1', 'postmortems/INC-1.md')).toBe(stored);
    expect(stored).toMatch(
      /- Review the load balancer runbook — owner: unassigned — ticket: \[acme\/ops#\d+\]/,
    );

    const draft = await harness.command('postmortem', { channelId });
    expect(draft.text).toContain('Unchanged since it was published in the channel');
  });

  it('a closed-issue webhook closes the follow-up: /incident followups and App Home show it', async () => {
    const record = await harness.server.store.getRecord('INC-1');
    const followUp = record?.followUps.find((f) => f.text.startsWith('Implement a regular audit'));
    const number = Number(followUp?.ticket?.id);

    const { delivery } = await github.setIssueState('acme/ops', number, 'closed');

    expect(delivery?.status).toBe(200);
    await until(async () => {
      const again = await harness.server.store.getRecord('INC-1');
      return again?.followUps.find((f) => f.id === followUp?.id)?.ticketState === 'closed';
    });
    const listed = await harness.command('followups');
    expect(listed.text).toContain('*Open follow-ups*: 6 (14% of the 7 created in the last 30 days closed)');
    expect(listed.text).not.toContain('Implement a regular audit');
    expect(listed.text).toContain('Review the load balancer runbook');

    await harness.event(
      { type: 'app_home_opened', user: 'U0ALICE', tab: 'home' },
      { eventId: 'Ev-home-followups' },
    );
    await until(() => harness.slack.calls.some((call) => call.method === 'views.publish'));
    const home = JSON.stringify(
      harness.slack.calls.filter((call) => call.method === 'views.publish').at(-1)?.args.view,
    );
    expect(home).toContain('*Open follow-ups*: 6 (14% of the 7 created in the last 30 days closed)');
  });

  it('refuses a webhook delivery signed with another secret, writing nothing', async () => {
    const body = JSON.stringify({ action: 'reopened', issue: { number: 1 } });
    const response = await fetch(`${harness.server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-hub-signature-256': 'sha256=00',
      },
      body,
    });
    expect(response.status).toBe(401);
  });
});

describe('a tracker that fails', () => {
  let harness: Harness;

  beforeAll(async () => {
    github.reset();
    harness = await startHarness({ policy: POLICY, env: env() });
  });
  afterAll(() => harness.close());

  it('answers the command at once while GitHub answers 500, and opens the ticket once it recovers', async () => {
    await harness.command('open sev2 Checkout errors');
    const channelId = await harness.channelOf('INC-1');
    github.failNext(2, 500, { operationId: 'issues/create' });

    const reply = await harness.command('task Add a canary for checkout <@U0ALICE>', { channelId });

    expect(reply.text).toContain('Added task to INC-1: Add a canary for checkout');
    await until(async () => Boolean((await harness.server.store.getRecord('INC-1'))?.followUps[0]?.ticket));
    const issues = github.issues('acme/ops');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.assignees).toEqual(['octocat']);
    const creates = github.calls.filter(
      (call) => call.method === 'POST' && call.path === '/repos/acme/ops/issues',
    );
    expect(creates.map((call) => call.status)).toEqual([500, 500, 201]);
  });
});

describe('Jira and Linear through the server', () => {
  const task = 'task Rotate the load balancer certificates';

  it('opens a Jira issue in the project, its description in Atlassian Document Format', async () => {
    const jira = await startJiraStub();
    const harness = await startHarness({
      policy: 'teams: {}\nfollowups: { tracker: jira, project: OPS }\n',
      env: { JIRA_BASE_URL: jira.url, JIRA_EMAIL: jira.email, JIRA_API_TOKEN: jira.apiToken },
    });
    try {
      await harness.command('open sev2 Checkout errors');
      const channelId = await harness.channelOf('INC-1');
      await harness.command(task, { channelId });
      await until(async () => Boolean((await harness.server.store.getRecord('INC-1'))?.followUps[0]?.ticket));
      const [issue] = jira.issues;
      expect(issue?.fields.summary).toBe('Rotate the load balancer certificates');
      expect(issue?.fields.labels).toEqual(expect.arrayContaining(['incident', 'INC-1', 'sev2']));
      expect(issue?.fields.description).toMatchObject({ type: 'doc', version: 1 });
      const followUp = (await harness.server.store.getRecord('INC-1'))?.followUps[0];
      expect(followUp?.ticket).toMatchObject({
        tracker: 'jira',
        key: issue?.key,
        url: `${jira.url}/browse/${issue?.key}`,
      });
    } finally {
      await harness.close();
      await jira.close();
    }
  });

  it('opens a Linear issue in the team', async () => {
    const linear = await startLinearStub();
    const harness = await startHarness({
      policy: 'teams: {}\nfollowups: { tracker: linear, team: OPS }\n',
      env: { LINEAR_API_URL: linear.url, LINEAR_API_KEY: linear.apiKey },
    });
    try {
      await harness.command('open sev2 Checkout errors');
      const channelId = await harness.channelOf('INC-1');
      await harness.command(task, { channelId });
      await until(async () => Boolean((await harness.server.store.getRecord('INC-1'))?.followUps[0]?.ticket));
      const [issue] = linear.issues;
      expect(issue?.title).toBe('Rotate the load balancer certificates');
      const followUp = (await harness.server.store.getRecord('INC-1'))?.followUps[0];
      expect(followUp?.ticket).toMatchObject({ tracker: 'linear', key: issue?.identifier });
    } finally {
      await harness.close();
      await linear.close();
    }
  });

  it('refuses to start when the policy names a tracker whose credentials are missing', async () => {
    await expect(
      startHarness({ policy: 'teams: {}\nfollowups: { tracker: jira, project: OPS }\n' }),
    ).rejects.toThrow(
      "the escalation policy's followups/postmortems need JIRA_EMAIL, JIRA_API_TOKEN, JIRA_BASE_URL (docs/trackers.md)",
    );
  });
});

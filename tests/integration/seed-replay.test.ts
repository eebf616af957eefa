/**
 * The first acceptance case: the seed incident typed as slash commands, through real HTTP and the
 * real handler, ends in a postmortem that holds every sentence of the seed in the seed's section.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readScenario, replayScenario } from '../../local/replay';
import { ANNOUNCEMENTS, GENERAL, type Harness, startHarness } from '../helpers/harness';
import { missingSeedSentences, PRODUCT_HEADINGS } from '../helpers/seed-sections';

const root = path.resolve(__dirname, '../..');

describe('replaying the seed scenario', () => {
  let harness: Harness;
  let postmortem: string;
  let seed: string;

  beforeAll(async () => {
    harness = await startHarness({
      env: { ESCALATION_POLICY: path.join(root, 'examples/escalation-policy.yaml') },
    });
    seed = await readFile(path.join(root, 'tests/fixtures/postmortem-seed.md'), 'utf8');
    const steps = await replayScenario(readScenario(path.join(root, 'examples/seed-auth-outage.txt')), {
      botUrl: harness.server.url,
      signingSecret: harness.signingSecret,
      slack: harness.slack,
      userId: 'U0ALICE',
      generalChannelId: GENERAL,
      settle: () => harness.server.jobs.drain(),
    });
    for (const step of steps) {
      expect({ line: step.command.line, status: step.status, usage: /Usage:/.test(step.reply) }).toEqual({
        line: step.command.line,
        status: 200,
        usage: false,
      });
    }
    postmortem = await readFile(path.join(harness.server.postmortemDir, 'INC-1.md'), 'utf8');
  });

  afterAll(() => harness.close());

  it('puts every seed sentence in its own section', () => {
    expect(missingSeedSentences(seed, postmortem)).toEqual([]);
  });

  it('has the postmortem headings in order, then extra sections only after them', () => {
    const headings = postmortem.split('\n').filter((line) => /^#{1,3} /.test(line));
    expect(headings.slice(0, 20)).toEqual([
      '# INC-1: Login failures on the user authentication service — Postmortem',
      ...PRODUCT_HEADINGS,
      '## Metrics',
      '## Responders',
    ]);
  });

  it('created the incident channel, invited the declarer, posted and pinned the summary', async () => {
    const channelId = await harness.channelOf('INC-1');
    const channel = harness.slack.channels.get(channelId);
    expect(channel?.name).toBe('inc-1-login-failures-on-the-user-authentication-service');
    expect(channel?.members.has('U0ALICE')).toBe(true);
    const incident = await harness.server.store.getIncident('INC-1');
    expect(channel?.pins).toContain(incident?.summaryTs);
  });

  it('uploaded the same document to the channel as a Markdown file', async () => {
    const channelId = await harness.channelOf('INC-1');
    const upload = harness.slack.uploads.find((file) => file.filename === 'INC-1.md');
    expect(upload?.channelId).toBe(channelId);
    expect(upload?.content).toBe(postmortem);
  });

  it('posted the resolution summary to the channel and to the announcement channel', async () => {
    const channelId = await harness.channelOf('INC-1');
    for (const channel of [channelId, ANNOUNCEMENTS]) {
      const summary = harness.slack.messages.find(
        (message) => message.channel === channel && /INC-1 resolved/.test(message.text ?? ''),
      );
      const blocksText = JSON.stringify(summary?.blocks);
      expect(blocksText).toContain('3 hours 15 minutes');
      expect(blocksText).toContain('30% increase in login failures');
      expect(blocksText).toContain('misconfiguration in the load balancer settings');
      expect(blocksText).toContain('Provide additional training');
    }
  });
});

/**
 * Text people type, through the real handler to the Slack stand-in: a title holding `<!channel>`, an
 * emoji ZWJ family and a disguised link never reaches Slack as a broadcast or a link label, and the
 * topic (cut to 250) never holds half an emoji.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fixedClock, type Harness, startHarness } from '../helpers/harness';
import { LONE_SURROGATE, strings } from '../helpers/request-text';

const INJECTION = '<!channel> :wave: 👨‍👩‍👧‍👦 <https://evil.example|click here>';

describe('user text with Slack control sequences and emoji', () => {
  const clock = fixedClock('2024-03-02T10:00:00Z');
  let harness: Harness;
  let replies: string[];

  beforeAll(async () => {
    harness = await startHarness({ clock });
    replies = [];
    replies.push((await harness.command(`open sev2 ${INJECTION}`)).text);
    const channelId = await harness.channelOf('INC-1');
    replies.push((await harness.command(`impact ${INJECTION} <!here> & <!everyone>`, { channelId })).text);
    replies.push((await harness.command(`cause ${'👍🏽'.repeat(2000)}`, { channelId })).text);
    replies.push((await harness.command(`fix ${INJECTION} <!subteam^S0EVIL>`, { channelId })).text);
    replies.push((await harness.command(`resolve ${INJECTION}`, { channelId })).text);
  });
  afterAll(() => harness.close());

  it('resolves the incident it declared', async () => {
    const incident = await harness.server.store.getIncident('INC-1');
    expect(incident?.status).toBe('resolved');
    expect(incident?.title).toContain('<!channel>');
  });

  it('sends Slack no broadcast and no disguised link, in any request', () => {
    expect(harness.slack.calls.length).toBeGreaterThan(0);
    for (const call of harness.slack.calls) {
      for (const [path, text] of strings(call.args)) {
        // The postmortem document itself (Markdown, postmortem.ts): a file's bytes, not message text.
        if (call.method.startsWith('files.') && /^files\[\d+\]\.content$/.test(path)) continue;
        const where = `${call.method} ${path}: ${text.slice(0, 200)}`;
        expect({ where, broadcast: /<!(channel|here|everyone|subteam)/.test(text) }).toEqual({
          where,
          broadcast: false,
        });
        expect({ where, label: text.includes('|click here>') }).toEqual({ where, label: false });
        expect({ where, lone: LONE_SURROGATE.test(text) }).toEqual({ where, lone: false });
      }
    }
  });

  it('announces, summarises and sets the topic with the text escaped', () => {
    const posted = harness.slack.calls
      .filter((call) => call.method === 'chat.postMessage' || call.method === 'chat.update')
      .flatMap((call) => strings(call.args).map(([, text]) => text))
      .join('\n');
    expect(posted).toContain('&lt;!channel&gt;');
    expect(posted).toContain('👨‍👩‍👧‍👦');
    const topics = harness.slack.callsTo('conversations.setTopic');
    expect(topics.length).toBeGreaterThan(0);
    for (const call of topics) {
      const topic = String(call.args.topic);
      expect(topic.length).toBeLessThanOrEqual(250);
      expect(topic).not.toMatch(LONE_SURROGATE);
      expect(topic).not.toContain('<!channel>');
    }
  });

  it('replies without a broadcast either', () => {
    for (const reply of replies) {
      expect(reply).not.toMatch(/<!(channel|here|everyone|subteam)/);
      expect(reply).not.toContain('|click here>');
    }
  });
});

describe('an alert whose name and reason hold Slack control sequences', () => {
  const clock = fixedClock('2024-02-18T16:30:00.000Z');
  let harness: Harness;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-text-'));
    const policy = path.join(dir, 'policy.yaml');
    await writeFile(
      policy,
      `teams:\n  oncall: { slack: S0ONCALL, users: [U0ANNA] }\nescalation:\n  default:\n    - { after: 0s, notify: [oncall] }\n`,
    );
    harness = await startHarness({
      clock,
      // Unsigned SNS envelopes: signatures are tested in alerts-sns-route.test.ts.
      env: { ALERT_TOKEN: 't0ken', ALERTS_SNS_SIGNATURES: 'off', ESCALATION_POLICY: policy },
    });
    const fixture = readFileSync(
      path.join(__dirname, '..', 'fixtures', 'alerts', 'cloudwatch-alarm-sns.json'),
      'utf8',
    );
    const envelope = JSON.parse(fixture) as { Message: string };
    const alarm = {
      ...(JSON.parse(envelope.Message) as Record<string, unknown>),
      AlarmName: `checkout ${INJECTION} <!here>`,
      NewStateReason: `${'🇩🇪'.repeat(300)} <!everyone> <https://evil.example|click here>`,
    };
    const response = await fetch(`${harness.server.url}/alerts/cloudwatch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', authorization: 'Bearer t0ken' },
      body: JSON.stringify({ ...envelope, MessageId: randomUUID(), Message: JSON.stringify(alarm) }),
    });
    expect(response.status).toBeLessThan(300);
    await harness.server.jobs.drain();
  });
  afterAll(() => harness.close());

  it('declares, pages and announces without a broadcast, a link label or a lone surrogate', async () => {
    const incident = await harness.server.store.getIncident('INC-1');
    expect(incident?.title).toContain('<!channel>');
    const posts = harness.slack.callsTo('chat.postMessage');
    // The page in the incident channel mentions the bot's own group, and DMs the on-call user.
    expect(posts.some((call) => String(call.args.text).includes('<!subteam^S0ONCALL>'))).toBe(true);
    expect(posts.some((call) => call.args.channel === 'U0ANNA')).toBe(true);
    for (const call of harness.slack.calls) {
      for (const [key, text] of strings(call.args)) {
        const where = `${call.method} ${key}: ${text.slice(0, 200)}`;
        const withoutOurGroup = text.split('<!subteam^S0ONCALL>').join('');
        expect({ where, broadcast: withoutOurGroup.includes('<!') }).toEqual({ where, broadcast: false });
        expect({ where, label: text.includes('|click here>') }).toEqual({ where, label: false });
        expect({ where, lone: LONE_SURROGATE.test(text) }).toEqual({ where, lone: false });
      }
    }
  });
});

/**
 * Text at every limit, through the real handler to the Slack stand-in: a 200-character title made of
 * emoji, an impact of exactly 3,000 characters (and one of 3,001), 200 open incidents in
 * `/incident list` and 200 follow-ups on one incident. Whatever the bot sends stays within Slack's
 * limits (header 150, section 3,000, field 2,000, topic 250, message text 40,000), never holds a lone
 * surrogate, and a long list is cut between whole items and says how many it left out.
 */

import { declareIncident } from '../../lambda/incidents/incident';
import type { FollowUp, Severity } from '../../lambda/incidents/types';
import { graphemes } from '../../lambda/slack/text';
import type { RecordedCall } from '../../local/slack-api-stub';
import { ALICE, ANNOUNCEMENTS, fixedClock, type Harness, startHarness } from '../helpers/harness';
import { LONE_SURROGATE, strings } from '../helpers/request-text';

type Block = {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { text?: string }[];
};

/** Slack's limits, checked on every request: what broke one is named in the failure. */
function limitBreaches(calls: RecordedCall[]): string[] {
  const breaches: string[] = [];
  for (const call of calls) {
    for (const [key, text] of strings(call.args)) {
      if (LONE_SURROGATE.test(text)) breaches.push(`${call.method} ${key}: lone surrogate`);
    }
    const { text, topic, blocks } = call.args as { text?: unknown; topic?: unknown; blocks?: unknown };
    if (typeof text === 'string' && text.length > 40_000)
      breaches.push(`${call.method} text: ${text.length}`);
    if (typeof topic === 'string' && topic.length > 250)
      breaches.push(`${call.method} topic: ${topic.length}`);
    for (const block of Array.isArray(blocks) ? (blocks as Block[]) : []) {
      if (block.type === 'header' && (block.text?.text.length ?? 0) > 150) {
        breaches.push(`${call.method} header: ${block.text?.text.length}`);
      }
      if (block.type === 'section' && (block.text?.text.length ?? 0) > 3000) {
        breaches.push(`${call.method} section: ${block.text?.text.length}`);
      }
      for (const field of block.fields ?? []) {
        if (field.text.length > 2000) breaches.push(`${call.method} field: ${field.text.length}`);
      }
      for (const element of block.type === 'context' ? (block.elements ?? []) : []) {
        if ((element.text?.length ?? 0) > 3000)
          breaches.push(`${call.method} context: ${element.text?.length}`);
      }
    }
  }
  return breaches;
}

/** The text of the first block of `type` whose text starts with `prefix`, in the given messages. */
function blockText(calls: RecordedCall[], type: string, prefix: string): string | undefined {
  for (const call of calls) {
    for (const block of (call.args.blocks as Block[] | undefined) ?? []) {
      if (block.type === type && block.text?.text.startsWith(prefix)) return block.text.text;
    }
  }
  return undefined;
}

/** Exactly `codePoints` code points (the product counts titles and text so) of whole emoji graphemes. */
function emojiText(codePoints: number): string {
  const kinds = ['👍🏽', '🇩🇪', '👨‍👩‍👧‍👦', 'e\u0301', 'שלום', '🔥'];
  let text = '';
  let count = 0;
  for (let i = 0; ; i += 1) {
    const next = kinds[i % kinds.length] as string;
    const size = [...next].length;
    if (count + size > codePoints) break;
    text += next;
    count += size;
  }
  while (count < codePoints) {
    text += '🔥';
    count += 1;
  }
  return text;
}

describe('a title of 200 characters, all emoji', () => {
  const title = emojiText(200);
  let harness: Harness;
  let reply: { text: string; responseType?: string };

  beforeAll(async () => {
    harness = await startHarness({ clock: fixedClock('2024-03-02T10:00:00Z') });
    reply = await harness.command(`open sev2 ${title}`);
  });
  afterAll(() => harness.close());

  it('is accepted whole', async () => {
    expect([...title]).toHaveLength(200);
    expect(title.length).toBeGreaterThan(250); // UTF-16 units: more than even the topic holds
    expect(reply.responseType).toBe('in_channel');
    expect(reply.text).toContain(title);
    expect((await harness.server.store.getIncident('INC-1'))?.title).toBe(title);
  });

  it('sets a topic of at most 250 characters, cut between whole emoji', () => {
    const topics = harness.slack.callsTo('conversations.setTopic').map((call) => String(call.args.topic));
    expect(topics.length).toBeGreaterThan(0);
    for (const topic of topics) {
      expect(topic.length).toBeLessThanOrEqual(250);
      expect(topic).toMatch(/^INC-1 · sev2 · investigating · .+…$/u);
      const shown = topic.replace(/^INC-1 · sev2 · investigating · /, '').slice(0, -1);
      expect(title.startsWith(shown)).toBe(true);
      // The cut is on a grapheme boundary: what is shown is a run of the title's own graphemes.
      const whole = graphemes(title);
      expect(graphemes(shown)).toEqual(whole.slice(0, graphemes(shown).length));
    }
  });

  it('heads the pinned summary with at most 150 characters, cut between whole emoji', () => {
    const header = blockText(harness.slack.callsTo('chat.postMessage'), 'header', 'INC-1: ');
    expect(header).toBeDefined();
    expect(header?.length).toBeLessThanOrEqual(150);
    expect(header?.endsWith('…')).toBe(true);
    const shown = (header ?? '').replace(/^INC-1: /, '').slice(0, -1);
    expect(shown.length).toBeGreaterThan(100);
    expect(title.startsWith(shown)).toBe(true);
    expect(graphemes(shown)).toEqual(graphemes(title).slice(0, graphemes(shown).length));
  });

  it('announces the incident with the whole title', () => {
    const announcement = harness.slack
      .callsTo('chat.postMessage')
      .find((call) => call.args.channel === ANNOUNCEMENTS);
    expect(String(announcement?.args.text)).toContain(`INC-1 declared (sev2): ${title}.`);
  });

  it('stays within every Slack limit and sends no lone surrogate', () => {
    expect(harness.slack.calls.length).toBeGreaterThan(3);
    expect(limitBreaches(harness.slack.calls)).toEqual([]);
  });
});

describe('free text at the 3,000-character limit', () => {
  // 3,000 characters with entities to escape, so the shown text is longer than what was typed.
  const unit = 'Checkout & payments <eu-west-1> failing for 40% of users; ';
  const impact = unit.repeat(Math.ceil(3000 / unit.length)).slice(0, 3000);
  let harness: Harness;
  let channelId: string;

  beforeAll(async () => {
    harness = await startHarness({ clock: fixedClock('2024-03-02T10:00:00Z') });
    await harness.command('open sev2 Checkout errors');
    channelId = await harness.channelOf('INC-1');
  });
  afterAll(() => harness.close());

  it('refuses 3,001 characters clearly and writes nothing', async () => {
    const before = await harness.server.store.getRecord('INC-1');
    const calls = harness.slack.calls.length;
    const reply = await harness.command(`impact ${impact}x`, { channelId });
    expect(reply.responseType).toBe('ephemeral');
    expect(reply.text).toMatch(
      /is 3,001 characters long; keep it to 3,000 or fewer\. Nothing was recorded\./,
    );
    const after = await harness.server.store.getRecord('INC-1');
    expect(after?.incident.impact).toBeUndefined();
    expect(after?.incident.version).toBe(before?.incident.version);
    expect(after?.events).toHaveLength(before?.events.length ?? -1);
    expect(harness.slack.calls.slice(calls)).toEqual([]);
  });

  it('accepts exactly 3,000 characters, keeps them whole and shows them within the limit', async () => {
    expect(impact).toHaveLength(3000);
    const reply = await harness.command(`impact ${impact}`, { channelId });
    expect(reply.text).not.toMatch(/characters long/);
    expect((await harness.server.store.getIncident('INC-1'))?.impact).toBe(impact);

    await harness.command('resolve Rolled back the payment gateway', { channelId });
    const posts = harness.slack.callsTo('chat.postMessage');
    const shown = blockText(posts, 'section', '*Impact*\n');
    expect(shown).toBeDefined();
    expect(shown?.length).toBeLessThanOrEqual(3000);
    // Escaped (so longer than typed) and cut between whole entities, ending in `…`.
    expect(shown).toMatch(/^\*Impact\*\nCheckout &amp; payments &lt;eu-west-1&gt; failing/);
    expect(shown).toMatch(/…$/);
    expect(shown).not.toMatch(/&[a-z]*…$/);
    expect(limitBreaches(harness.slack.calls)).toEqual([]);

    // The postmortem holds it whole.
    const upload = harness.slack.uploads.find((file) => file.filename.endsWith('.md'));
    expect(upload?.content).toContain(impact);
  });
});

describe('200 open incidents in /incident list', () => {
  let harness: Harness;
  const severities: Severity[] = ['sev3', 'sev2', 'sev4', 'sev1'];

  beforeAll(async () => {
    // The reconciler only at start (RECONCILE_INTERVAL=0): it would otherwise make these incidents'
    // channels. They are written through the store, not 200 `/incident open`s: Slack allows
    // conversations.create about 20 times a minute (Tier 2), and list only reads the store.
    harness = await startHarness({
      clock: fixedClock('2024-03-02T10:00:00Z'),
      env: { RECONCILE_INTERVAL: '0' },
    });
    for (let number = 1; number <= 200; number += 1) {
      const incident = declareIncident({
        number,
        // 200 characters: the longest title `/incident open` takes; alert titles may be longer still.
        title: `Alert storm ${number}: checkout-api p99 latency & error rate above <threshold> in eu-west-1 `
          .padEnd(200, 'x')
          .slice(0, 200),
        severity: severities[number % severities.length] as Severity,
        startedAt: new Date(Date.parse('2024-03-02T09:00:00Z') + number * 1000).toISOString(),
        declaredAt: '2024-03-02T09:59:00Z',
        declaredBy: ALICE,
      });
      await harness.server.store.createIncident({ ...incident, channelId: `C0INC${number}` });
    }
  });
  afterAll(() => harness.close());

  it('answers within the reply limit, whole lines only, most severe first, ending in "…and N more"', async () => {
    const reply = await harness.command('list');
    expect(reply.responseType).toBe('ephemeral');
    expect(reply.text.length).toBeLessThanOrEqual(40_000);
    const [heading, ...rest] = reply.text.split('\n');
    expect(heading).toBe('*Open incidents (200)*');
    const more = /^…and (\d+) more$/.exec(rest.at(-1) ?? '');
    expect(more).not.toBeNull();
    const lines = rest.slice(0, -1);
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.length + Number(more?.[1])).toBe(200);
    for (const line of lines) {
      expect(line).toMatch(
        /^• <#C0INC\d+> \*INC-\d+\* sev[1-4] · investigating · Alert storm \d+: checkout-api p99 latency &amp; error rate above &lt;threshold&gt; in eu-west-1 x+ · open [^·]+ · <@U0ALICE>$/,
      );
    }
    const shownSeverities = lines.map((line) => /\* (sev[1-4]) ·/.exec(line)?.[1]);
    expect(shownSeverities).toEqual([...shownSeverities].sort());
    // All 50 sev1 incidents are shown, oldest first; the cut drops the least severe.
    expect(shownSeverities.filter((severity) => severity === 'sev1')).toHaveLength(50);
    expect(lines[0]).toContain('*INC-3* sev1');
    expect(reply.text).not.toContain('*INC-2* sev4');
  });
});

describe('200 follow-ups on one incident', () => {
  let harness: Harness;
  let channelId: string;
  const followUpText = (n: number) => `Follow-up ${n}: add an alert on checkout-api saturation & retries`;

  beforeAll(async () => {
    harness = await startHarness({ clock: fixedClock('2024-03-02T10:00:00Z') });
    await harness.command('open sev2 Checkout errors');
    channelId = await harness.channelOf('INC-1');
    await harness.command(`fix ${followUpText(1)} <@${ALICE}>`, { channelId });
    // The other 199 through the store: one slash command each would be 199 summary refreshes and
    // channel echoes against Slack's rate limits, and the resolution post reads only the store.
    for (let n = 2; n <= 200; n += 1) {
      const followUp: FollowUp = {
        id: `f-${n}`,
        incidentId: 'INC-1',
        type: n <= 100 ? 'fix' : 'task',
        text: followUpText(n),
        ...(n % 2 ? { owner: ALICE } : {}),
        author: ALICE,
        createdAt: '2024-03-02T10:00:00Z',
      };
      await harness.server.store.addFollowUp(followUp);
    }
    await harness.command('resolve Rolled back the payment gateway', { channelId });
  });
  afterAll(() => harness.close());

  it('has all 200 recorded', async () => {
    expect((await harness.server.store.getRecord('INC-1'))?.followUps).toHaveLength(200);
  });

  it('posts the resolution within limits, cut between whole follow-ups, ending in "…and N more"', () => {
    const posts = harness.slack.callsTo('chat.postMessage');
    const resolutions = posts.filter((call) =>
      ((call.args.blocks as Block[] | undefined) ?? []).some((b) =>
        b.text?.text.startsWith('✅ INC-1 resolved'),
      ),
    );
    // In the incident's channel and in the announcement channel.
    expect(resolutions.map((call) => call.args.channel).sort()).toEqual([ANNOUNCEMENTS, channelId].sort());
    for (const resolution of resolutions) {
      const section = blockText([resolution], 'section', '*Follow-ups*\n');
      expect(section?.length).toBeLessThanOrEqual(3000);
      const [, ...lines] = (section ?? '').split('\n');
      const more = /^…and (\d+) more$/.exec(lines.at(-1) ?? '');
      expect(more).not.toBeNull();
      const shown = lines.slice(0, -1);
      expect(shown[0]).toBe('*Fixes*');
      const items = shown.filter((line) => line !== '*Fixes*' && line !== '*Tasks*');
      expect(items.length).toBeGreaterThan(10);
      // N counts follow-ups, not lines (a `*Tasks*` heading left out is no follow-up).
      expect(items.length + Number(more?.[1])).toBe(200);
      // Whole items only, each once: none cut mid-word.
      const expected = new Set(
        Array.from(
          { length: 200 },
          (_, i) =>
            `• Follow-up ${i + 1}: add an alert on checkout-api saturation &amp; retries (${(i + 1) % 2 ? '<@U0ALICE>' : 'unassigned'})`,
        ),
      );
      for (const line of items) expect({ line, known: expected.has(line) }).toEqual({ line, known: true });
      expect(new Set(items).size).toBe(items.length);
    }
    expect(limitBreaches(harness.slack.calls)).toEqual([]);
  });

  it('lists all 200 in the postmortem', () => {
    const upload = harness.slack.uploads.find((file) => file.filename.endsWith('.md'));
    expect(upload).toBeDefined();
    for (let n = 1; n <= 200; n += 1) expect(upload?.content).toContain(followUpText(n));
  });
});

import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import type { Team } from '../../lambda/incidents/policy';
import type { FollowUp, Incident, IncidentRecord } from '../../lambda/incidents/types';
import { opsgenieRequest } from '../../lambda/paging/opsgenie';
import type { PageTarget } from '../../lambda/paging/pager';
import { pagerDutyEvent } from '../../lambda/paging/pagerduty';
import { channelPageText, directPageText } from '../../lambda/paging/slack-pager';
import {
  channelTopic,
  declaredAnnouncement,
  incidentSummary,
  resolutionSummary,
  severityAnnouncement,
} from '../../lambda/slack/format';
import {
  channelMention,
  clip,
  clipMrkdwn,
  escapeClip,
  escapeText,
  graphemes,
  groupMention,
  inertMrkdwn,
  joinLinesWithin,
  userMention,
  wellFormed,
} from '../../lambda/slack/text';
import { addToTimelineModal, appHome, pinnedSummary } from '../../lambda/slack/views';
import { anIncident } from '../fixtures/incidents';
import { LONE_SURROGATE, strings } from '../helpers/request-text';

const CTX = { tz: 'UTC', now: '2024-02-18T20:00:00.000Z' };

describe('escapeText', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['<!subteam^S1>', '&lt;!subteam^S1&gt;'],
    ['<@U1>', '&lt;@U1&gt;'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
    ['x > y < z', 'x &gt; y &lt; z'],
    ['*bold* _it_ :wave: 👍🏽', '*bold* _it_ :wave: 👍🏽'],
    ['שלום', 'שלום'],
  ])('%s → %s', (input, expected) => {
    expect(escapeText(input)).toBe(expected);
  });

  it('replaces a lone surrogate, which would make the Web API client throw "URI malformed"', () => {
    expect(escapeText('a\uD83Db')).toBe('a\uFFFDb');
    expect(() => encodeURIComponent(escapeText('\uDC00x\uD800'))).not.toThrow();
  });
});

describe('mentions the bot makes', () => {
  it('stay mentions for ids of Slack shape', () => {
    expect(userMention('U0ANNA')).toBe('<@U0ANNA>');
    expect(userMention('W012ABC')).toBe('<@W012ABC>');
    expect(groupMention('S0SRE')).toBe('<!subteam^S0SRE>');
    expect(channelMention('C0INC1')).toBe('<#C0INC1>');
  });

  it.each(['U1>|<!channel', '!channel', 'u0anna', '', 'here>'])(
    'an id of any other shape is escaped text: %p',
    (id) => {
      for (const made of [userMention(id), groupMention(id), channelMention(id)]) {
        expect(made).not.toMatch(/<|>/);
      }
    },
  );
});

const SAMPLES = {
  skinTone: '👍🏽',
  family: '👨‍👩‍👧‍👦',
  flag: '🇩🇪',
  combining: 'e\u0301',
  rtl: 'שלום',
};

describe('clip', () => {
  it('leaves text within the limit as it is', () => {
    expect(clip('short', 5)).toBe('short');
  });

  it('ends a cut in … within the limit', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abcdef', 4).length).toBe(4);
  });

  it.each(Object.entries(SAMPLES))('never splits a grapheme (%s)', (_name, sample) => {
    const text = `ab${sample.repeat(20)}`;
    for (let max = 1; max <= text.length + 1; max += 1) {
      const cut = clip(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(LONE_SURROGATE);
      const kept = cut.endsWith('…') && cut !== text ? cut.slice(0, -1) : cut;
      // Every grapheme kept is a whole grapheme of the input.
      expect(graphemes(text).slice(0, graphemes(kept).length).join('')).toBe(kept);
    }
  });

  it('counts UTF-16 units, the stricter count for astral characters', () => {
    expect(clip('😀😀😀', 4)).toBe('😀…');
  });

  it('escapeClip cuts escaped text without half an entity', () => {
    const cut = escapeClip('<<<<<<', 10);
    expect(cut).toBe('&lt;&lt;…');
    expect(cut.length).toBeLessThanOrEqual(10);
  });

  it('clipMrkdwn never leaves half a mention or entity', () => {
    expect(clipMrkdwn('see <@U0ANNA> now', 10)).toBe('see …');
    expect(clipMrkdwn('a &amp; b', 5)).toBe('a …');
  });

  it('wellFormed keeps pairs and replaces halves', () => {
    expect(wellFormed('😀')).toBe('😀');
    expect(wellFormed('\uD83D')).toBe('\uFFFD');
  });
});

describe('inertMrkdwn (a message as Slack sent it, shown back)', () => {
  it.each([
    ['<!channel> look', '&lt;!channel&gt; look'],
    ['<!here|here>', '&lt;!here|here&gt;'],
    ['<!subteam^S1|@sre>', '&lt;!subteam^S1|@sre&gt;'],
    ['<https://evil.example|click here>', 'click here (<https://evil.example>)'],
    ['<https://ok.example>', '<https://ok.example>'],
    ['<@U0ALICE> and <#C0INC|inc-1>', '<@U0ALICE> and <#C0INC|inc-1>'],
    ['a &amp; b &lt;- c', 'a &amp; b &lt;- c'],
  ])('%s → %s', (input, expected) => {
    expect(inertMrkdwn(input)).toBe(expected);
  });
});

describe('the add-to-timeline modal', () => {
  it('shows the message without its broadcast or disguised link', () => {
    const view = addToTimelineModal({
      incidentId: 'INC-7',
      text: '<!channel> see <https://evil.example|the dashboard> &amp; <@U0ALICE>',
      author: 'U0ALICE',
      messageTs: '1700000000.000100',
      channelId: 'C0INC7',
    });
    const shown = JSON.stringify(view.blocks);
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('|the dashboard>');
    expect(shown).toContain('<@U0ALICE>');
    expect(shown).toContain('the dashboard (<https://evil.example>)');
  });
});

describe('joinLinesWithin', () => {
  it('keeps whole lines and says how many more', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `• follow-up ${i}`);
    const text = joinLinesWithin(lines, 300);
    expect(text.length).toBeLessThanOrEqual(300);
    const shown = text.split('\n');
    const last = shown.pop();
    expect(last).toBe(`…and ${200 - shown.length} more`);
    expect(shown).toEqual(lines.slice(0, shown.length));
  });

  it('returns the list unchanged when it fits', () => {
    expect(joinLinesWithin(['a', 'b'], 10)).toBe('a\nb');
  });
});

// ---------------------------------------------------------------------------------------------------
// Every formatter, over an injection alphabet

const ALPHABET = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S1>',
  '<@U1>',
  '<https://evil.example|click>',
  '&',
  '<',
  '>',
  '👍🏽',
  '👨‍👩‍👧‍👦',
  '🇩🇪',
  'e\u0301',
  'שלום',
  'checkout',
  ' ',
  'latency',
  '*',
];

const userText = (maxLength: number) =>
  fc.array(fc.constantFrom(...ALPHABET), { minLength: 1, maxLength }).map((parts) => parts.join(''));

const BOT_GROUP = 'S0SRE';

function incidentOf(title: string, impact: string, cause: string): Incident {
  return anIncident({
    title,
    status: 'resolved',
    commander: 'U0ANNA',
    declaredBy: 'U0BOB',
    startedAt: '2024-02-18T18:00:00.000Z',
    declaredAt: '2024-02-18T18:00:00.000Z',
    acknowledgedAt: '2024-02-18T18:05:00.000Z',
    acknowledgedBy: 'U0CAROL',
    resolvedAt: '2024-02-18T19:00:00.000Z',
    impact,
    rootCause: cause,
  });
}

function expectSafe(where: string, text: string): void {
  const withoutOurGroup = text.split(`<!subteam^${BOT_GROUP}>`).join('');
  if (withoutOurGroup.includes('<!')) throw new Error(`${where} broadcasts: ${text}`);
  if (/<https?:[^>]*\|/.test(text)) throw new Error(`${where} carries a link label: ${text}`);
  if (LONE_SURROGATE.test(text)) throw new Error(`${where} holds a lone surrogate`);
}

/** Slack's limits on the blocks these formatters build. */
function expectBlocksWithin(blocks: KnownBlock[] | undefined, where: string): void {
  for (const block of blocks ?? []) {
    const b = block as { type: string; text?: { text: string }; fields?: Array<{ text: string }> };
    if (b.type === 'header' && (b.text?.text.length ?? 0) > 150) throw new Error(`${where}: header over 150`);
    if (b.type === 'section' && (b.text?.text.length ?? 0) > 3000)
      throw new Error(`${where}: section over 3000`);
    for (const field of b.fields ?? []) {
      if (field.text.length > 2000) throw new Error(`${where}: field over 2000`);
    }
    const elements = (block as { elements?: Array<{ text?: unknown }> }).elements ?? [];
    for (const element of elements) {
      if (typeof element.text === 'string' && element.text.length > 3000) {
        throw new Error(`${where}: context element over 3000`);
      }
    }
  }
}

describe('every formatter over the injection alphabet', () => {
  it('never broadcasts, never carries a link label, never a lone surrogate, and holds every limit', () => {
    fc.assert(
      fc.property(
        userText(60),
        userText(400),
        userText(20),
        fc.array(userText(10), { maxLength: 40 }),
        userText(10),
        (title, impact, reason, followUpTexts, team) => {
          const incident = incidentOf(title, impact, reason);
          const followUps: FollowUp[] = followUpTexts.map((text, i) => ({
            id: `F${i}`,
            incidentId: incident.id,
            type: i % 2 ? 'fix' : 'task',
            text,
            owner: i % 3 ? 'U0DAN' : undefined,
            author: 'U0BOB',
            createdAt: CTX.now,
          }));
          const record: IncidentRecord = { incident, events: [], followUps };
          const open = { ...incident, status: 'investigating' as const, resolvedAt: undefined };
          const config: Team = {
            slack: BOT_GROUP,
            users: ['U0ANNA'],
            pagerduty: 'k'.repeat(32),
            opsgenie: 'key',
          };
          const target: PageTarget = { incident: open, team, config, reason, tier: 1 };

          const messages = {
            declared: declaredAnnouncement(open, CTX),
            severity: severityAnnouncement(open, 'sev3'),
            resolution: resolutionSummary(record, CTX),
            summary: incidentSummary(open, CTX),
            pinned: pinnedSummary(open, CTX, [reason, `Could not page ${team}`]),
            home: appHome([open], CTX),
          };
          for (const [name, message] of Object.entries(messages)) {
            for (const [path, text] of strings(message)) expectSafe(`${name}.${path}`, text);
            expectBlocksWithin(message.blocks as KnownBlock[] | undefined, name);
          }
          const topic = channelTopic(open);
          expectSafe('topic', topic);
          expect(topic.length).toBeLessThanOrEqual(250);
          expectSafe('channel page', channelPageText(target));
          expect(channelPageText(target)).toContain(`<!subteam^${BOT_GROUP}>`);
          expectSafe('direct page', directPageText(target));

          // Not Slack: PagerDuty and Opsgenie show text as it is, so it is cut, not escaped.
          const summary = (pagerDutyEvent(target, 'trigger').payload as { summary: string }).summary;
          expect(summary.length).toBeLessThanOrEqual(1024);
          expect(summary).not.toMatch(LONE_SURROGATE);
          const message = (opsgenieRequest(target, 'trigger').body as { message: string }).message;
          expect(message.length).toBeLessThanOrEqual(130);
          expect(message).not.toMatch(LONE_SURROGATE);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the bot-made mentions real', () => {
    const incident = incidentOf('<!channel> down', 'x', 'y');
    const record: IncidentRecord = {
      incident,
      events: [],
      followUps: [
        {
          id: 'F1',
          incidentId: 'INC-7',
          type: 'fix',
          text: '<!here>',
          owner: 'U0DAN',
          author: 'U0BOB',
          createdAt: CTX.now,
        },
      ],
    };
    const text = JSON.stringify(resolutionSummary(record, CTX));
    expect(text).toContain('<@U0ANNA>');
    expect(text).toContain('<@U0DAN>');
    expect(text).toContain('<#C0INC7>');
    expect(text).toContain('&lt;!here&gt;');
    expect(text).not.toContain('<!');
  });

  it('cuts a long follow-up list with "…and N more" inside the section limit', () => {
    const incident = incidentOf('t', 'x', 'y');
    const followUps: FollowUp[] = Array.from({ length: 200 }, (_, i) => ({
      id: `F${i}`,
      incidentId: 'INC-7',
      type: 'task',
      text: `Follow-up number ${i} with enough words to take some room 👨‍👩‍👧‍👦`,
      author: 'U0BOB',
      createdAt: CTX.now,
    }));
    const message = resolutionSummary({ incident, events: [], followUps }, CTX);
    const section = (message.blocks ?? []).find(
      (block) => block.type === 'section' && block.text?.text.startsWith('*Follow-ups*'),
    ) as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text).toMatch(/…and \d+ more$/);
  });

  it('cuts a 200-emoji title in the topic and header between graphemes', () => {
    const incident = incidentOf('👨‍👩‍👧‍👦'.repeat(200), 'x', 'y');
    const topic = channelTopic(incident);
    expect(topic.length).toBeLessThanOrEqual(250);
    expect(topic).not.toMatch(LONE_SURROGATE);
    expect(topic.endsWith('👨‍👩‍👧‍👦…')).toBe(true);
    const [first] = incidentSummary(incident, CTX).blocks ?? [];
    const header = (first as { text: { text: string } }).text.text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header).not.toMatch(LONE_SURROGATE);
  });
});

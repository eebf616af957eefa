/**
 * The Full Timeline says who recorded each event, how (command, 📌, shortcut, alert, bot) and links
 * the Slack message where there is one; a captured message edited or deleted in Slack shows it. The
 * seed's sections keep their format. Pure: records built by hand, compiled, lines read back.
 */
import { compilePostmortem } from '../../lambda/incidents/postmortem';
import { capturedMessageOf, recordedVia } from '../../lambda/incidents/provenance';
import type { IncidentRecord, TimelineEvent } from '../../lambda/incidents/types';
import { capturedMessagePrefix, eventIdFor, parseCapturedMessageId } from '../../lambda/store/keys';
import { anEvent, anIncident } from '../fixtures/incidents';

const OPTIONS = {
  tz: 'UTC',
  now: '2024-02-18T20:00:00.000Z',
  names: { U0ALICE: 'alice', U0BOB: 'bob', U0CAROL: 'carol' },
};
const CHANNEL = 'C0INC7';
/** 2024-02-18T16:05:00Z as a Slack ts. */
const TS = '1708272300.000100';
const LINK = `https://acme.slack.com/archives/${CHANNEL}/p1708272300000100`;

const at = (clock: string) => `2024-02-18T${clock}:00.000Z`;

function record(events: TimelineEvent[]): IncidentRecord {
  return { incident: anIncident({ channelName: 'inc-7-checkout' }), events, followUps: [] };
}

function linesUnder(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const rest = lines.slice(lines.indexOf(heading) + 1);
  const end = rest.findIndex((line) => line.startsWith('#'));
  return rest.slice(0, end < 0 ? undefined : end).filter((line) => line.trim() !== '');
}

/** A message Bob wrote, pinned by Alice, as the capture job stores it now. */
function pinned(extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return anEvent({
    id: eventIdFor.pinnedMessage(CHANNEL, TS),
    at: at('16:05'),
    recordedAt: at('16:06'),
    kind: 'action',
    text: 'Rolled back the deploy',
    author: 'U0BOB',
    via: 'pin',
    recordedBy: 'U0ALICE',
    message: { channelId: CHANNEL, ts: TS, permalink: LINK },
    ...extra,
  });
}

describe('Full Timeline: who, how and the Slack message', () => {
  it('names the pinner, 📌 and links the message, naming its author when someone else wrote it', () => {
    // act
    const markdown = compilePostmortem(record([pinned()]), OPTIONS);

    // assess
    expect(linesUnder(markdown, '## Full Timeline')).toEqual([
      `- 16:05 — **action** — Rolled back the deploy · by @alice via 📌 ([message](${LINK}) by @bob)`,
    ]);
    // The seed's sections read as they did: the words, then the link.
    expect(linesUnder(markdown, '### Actions Taken')).toEqual([`- 16:05 — Rolled back the deploy (${LINK})`]);
  });

  it('says how every kind of event was recorded, deriving it for events stored without `via`', () => {
    // prepare
    const events = [
      anEvent({
        id: 't-trigger-1',
        at: at('15:30'),
        text: 'Declared sev2: Checkout latency',
        kind: 'declared',
      }),
      anEvent({ id: 'alert.0123abcd', at: at('15:31'), text: 'Monitoring alert HighLatency', author: 'bot' }),
      anEvent({ id: 'page.sev2.t0.sre', at: at('15:32'), text: 'Paged sre', author: 'bot' }),
      anEvent({
        id: eventIdFor.capturedMessage(CHANNEL, TS, 'note'),
        at: at('16:05'),
        text: 'Shortcut capture',
        author: 'U0CAROL',
      }),
    ];

    // act
    const timeline = linesUnder(compilePostmortem(record(events), OPTIONS), '## Full Timeline');

    // assess
    expect(timeline).toEqual([
      '- 15:30 — **declared** — Declared sev2: Checkout latency · by @alice via command',
      '- 15:31 — **note** — Monitoring alert HighLatency · by incident-bot via alert',
      '- 15:32 — **note** — Paged sre · by incident-bot (automatic)',
      '- 16:05 — **note** — Shortcut capture · by @carol via shortcut',
    ]);
  });

  it('reads a 📌 capture stored before `message` existed: link from its text, channel and ts from its id', () => {
    // prepare
    const old = anEvent({
      id: eventIdFor.pinnedMessage(CHANNEL, TS),
      at: at('16:05'),
      kind: 'action',
      text: `Rolled back the deploy (${LINK})`,
      author: 'U0BOB',
    });

    // act
    const markdown = compilePostmortem(record([old]), OPTIONS);

    // assess
    expect(linesUnder(markdown, '## Full Timeline')).toEqual([
      `- 16:05 — **action** — Rolled back the deploy · by @bob via 📌 ([message](${LINK}))`,
    ]);
    expect(linesUnder(markdown, '### Actions Taken')).toEqual([`- 16:05 — Rolled back the deploy (${LINK})`]);
    expect(capturedMessageOf(old)).toEqual({
      channelId: CHANNEL,
      ts: TS,
      permalink: LINK,
      text: 'Rolled back the deploy',
    });
  });

  it('marks a message edited in Slack with the time of the edit, showing its new words', () => {
    // prepare
    const edited = pinned({
      text: 'Rolled back deploys 4821 and 4822',
      originalText: 'Rolled back the deploy',
      edited: { at: at('16:20'), ts: '1708273200.000200', by: 'U0BOB' },
    });

    // act
    const markdown = compilePostmortem(record([edited]), OPTIONS);

    // assess
    expect(linesUnder(markdown, '## Full Timeline')).toEqual([
      `- 16:05 — **action** — Rolled back deploys 4821 and 4822 (edited 16:20) · by @alice via 📌 ([message](${LINK}) by @bob)`,
    ]);
    expect(linesUnder(markdown, '### Actions Taken')).toEqual([
      `- 16:05 — Rolled back deploys 4821 and 4822 (${LINK})`,
    ]);
  });

  it('hides the words of a message deleted in Slack, keeps its line in the full timeline only, without the dead link', () => {
    // prepare
    const deleted = pinned({ deleted: { at: at('16:30') } });

    // act
    const markdown = compilePostmortem(record([deleted]), OPTIONS);

    // assess
    expect(linesUnder(markdown, '## Full Timeline')).toEqual([
      '- 16:05 — **action** — _message deleted in Slack 16:30_ · by @alice via 📌 (message by @bob)',
    ]);
    expect(markdown).not.toContain('Rolled back the deploy');
    expect(linesUnder(markdown, '### Actions Taken')).toEqual(['_None recorded._']);
  });

  it('prints a permalink that would break the Markdown link as no link at all', () => {
    // prepare
    const odd = pinned({
      message: { channelId: CHANNEL, ts: TS, permalink: 'https://x.test/a) [click](https://evil' },
    });

    // act
    const timeline = linesUnder(compilePostmortem(record([odd]), OPTIONS), '## Full Timeline');

    // assess
    expect(timeline).toEqual([
      '- 16:05 — **action** — Rolled back the deploy · by @alice via 📌 (message by @bob)',
    ]);
  });
});

describe('provenance helpers', () => {
  it('prefers a stored `via` over what the id says', () => {
    expect(recordedVia({ id: 'alert.abc', author: 'bot', via: 'bot' })).toBe('bot');
    expect(recordedVia({ id: 'alert.abc', author: 'bot' })).toBe('alert');
    expect(recordedVia({ id: 't-1', author: 'bot' })).toBe('bot');
    expect(recordedVia({ id: 't-1', author: 'U0ALICE' })).toBe('command');
  });

  it('reads captured ids back, and keeps one message ts from matching a longer one', () => {
    expect(parseCapturedMessageId(eventIdFor.pinnedMessage(CHANNEL, TS))).toEqual({
      channelId: CHANNEL,
      ts: TS,
      how: 'pin',
    });
    expect(parseCapturedMessageId(eventIdFor.capturedMessage(CHANNEL, TS, 'cause'))?.how).toBe('shortcut');
    expect(parseCapturedMessageId('t-msg.C0INC7.1.2.pin')).toBeUndefined();
    const shorter = capturedMessagePrefix(CHANNEL, '1708272300.00010');
    expect(eventIdFor.pinnedMessage(CHANNEL, TS).startsWith(shorter)).toBe(false);
    expect(eventIdFor.pinnedMessage(CHANNEL, TS).startsWith(capturedMessagePrefix(CHANNEL, TS))).toBe(true);
  });
});

/**
 * A timeline that follows Slack, through the real local server (signed Events API callbacks, Bolt,
 * the store on dynalite, the Slack stand-in): a message captured with 📌 or the shortcut that is then
 * edited or deleted in Slack (`message_changed`, `message_deleted`) is updated or marked deleted on
 * the timeline and in the postmortem; a redelivered event changes nothing twice; an edit of a message
 * nobody captured writes nothing; the Full Timeline names who recorded each line, how, and links the
 * message.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TimelineEvent } from '../../lambda/incidents/types';
import type { CapturedMessageChange } from '../../lambda/store/store';
import { ALICE, fixedClock, GENERAL, type Harness, startHarness } from '../helpers/harness';
import {
  messageShortcut,
  openedView,
  selectInput as select,
  viewSubmission as submission,
} from '../helpers/interactions';

/** Bob's message, pinned by Alice. 2023-11-14T22:15:00Z. */
const PINNED = { ts: '1700000100.000200', text: 'Failover to the standby DB done', user: 'U0BOB' };
/** Carol's message, put on the timeline as an action with the shortcut by Alice. 2023-11-14T22:20:00Z. */
const SHORTCUT = { ts: '1700000400.000300', text: 'Rolled back deploy 4821', user: 'U0CAROL' };

/** Slack's `message_changed` for an edit of `message` in `channel` (https://docs.slack.dev/reference/events/message/message_changed). */
function messageChanged(
  channel: string,
  message: { ts: string; text: string; user: string },
  previousText: string,
  editTs: string,
) {
  return {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel,
    channel_type: 'channel',
    ts: editTs,
    event_ts: editTs,
    message: {
      type: 'message',
      user: message.user,
      text: message.text,
      ts: message.ts,
      edited: { user: message.user, ts: editTs },
    },
    previous_message: { type: 'message', user: message.user, text: previousText, ts: message.ts },
  };
}

/** Slack's `message_deleted` (https://docs.slack.dev/reference/events/message/message_deleted). */
function messageDeleted(
  channel: string,
  message: { ts: string; text: string; user: string },
  eventTs: string,
) {
  return {
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    channel,
    channel_type: 'channel',
    ts: eventTs,
    event_ts: eventTs,
    deleted_ts: message.ts,
    previous_message: { type: 'message', user: message.user, text: message.text, ts: message.ts },
  };
}

describe('a timeline that follows Slack', () => {
  let harness: Harness;
  let channelId: string;
  /** What each followCapturedMessage call the listener made resolved to: true when it wrote. */
  let writes: Array<{ eventId: string; change: CapturedMessageChange['type']; wrote: boolean }>;
  /** The day the messages were written, so times read without dates. */
  const clock = fixedClock('2023-11-14T22:10:00.000Z');
  /** The Slack stand-in's permalink of a message in the incident channel. */
  const linkTo = (ts: string) =>
    expect.stringMatching(
      new RegExp(`^https://[\\w-]+\\.slack\\.com/archives/${channelId}/p${ts.replace('.', '')}$`),
    );

  const captured = async (ts: string): Promise<TimelineEvent> => {
    const record = await harness.server.store.getRecord('INC-1');
    const found = record?.events.filter((event) => event.message?.ts === ts) ?? [];
    expect(found).toHaveLength(1);
    return found[0] as TimelineEvent;
  };
  const draft = async () => (await harness.command('postmortem', { channelId })).text;
  /** Slack's stored copy of a message, edited the way the Slack client would. */
  const editInSlack = (ts: string, text: string) => {
    const message = harness.slack.messages.find((m) => m.channel === channelId && m.ts === ts);
    if (!message) throw new Error(`no message ${ts}`);
    message.text = text;
  };

  beforeAll(async () => {
    harness = await startHarness({ clock });
    const store = harness.server.store;
    const follow = store.followCapturedMessage.bind(store);
    writes = [];
    store.followCapturedMessage = async (incidentId, eventId, change) => {
      const wrote = await follow(incidentId, eventId, change);
      writes.push({ eventId, change: change.type, wrote });
      return wrote;
    };
    await harness.command('open sev2 Checkout is down');
    channelId = await harness.channelOf('INC-1');
    harness.slack.messages.push({ channel: channelId, ...PINNED }, { channel: channelId, ...SHORTCUT });
    await harness.event({
      type: 'reaction_added',
      user: ALICE,
      reaction: 'pushpin',
      item: { type: 'message', channel: channelId, ts: PINNED.ts },
      item_user: PINNED.user,
      event_ts: '1700000200.000300',
    });
    await harness.interact(messageShortcut({ channelId, message: SHORTCUT, id: 'S1' }));
    await harness.interact(submission(openedView(harness), { kind: select('action') }, 'V1'));
  });
  afterAll(() => harness.close());
  beforeEach(() => {
    writes.length = 0;
  });

  it('records who captured a message, how, and the message with its permalink, apart from its words', async () => {
    // act
    const pinned = await captured(PINNED.ts);
    const shortcut = await captured(SHORTCUT.ts);

    // assess
    expect(pinned).toMatchObject({
      text: PINNED.text,
      author: PINNED.user,
      recordedBy: ALICE,
      via: 'pin',
      message: { channelId, ts: PINNED.ts, permalink: linkTo(PINNED.ts) },
    });
    expect(shortcut).toMatchObject({
      text: SHORTCUT.text,
      kind: 'action',
      recordedBy: ALICE,
      via: 'shortcut',
    });
  });

  it('shows an edit in Slack on the timeline, marked edited, keeping the words first captured', async () => {
    // prepare
    const text = 'Failover to the standby DB done &amp; replica lag is 0';
    editInSlack(PINNED.ts, text);

    // act
    await harness.event(messageChanged(channelId, { ...PINNED, text }, PINNED.text, '1700000460.000100'), {
      eventId: 'EvEDIT1',
    });

    // assess
    expect(await captured(PINNED.ts)).toMatchObject({
      text: 'Failover to the standby DB done & replica lag is 0',
      originalText: PINNED.text,
      edited: { at: '2023-11-14T22:21:00.000Z', ts: '1700000460.000100', by: PINNED.user },
    });
    // The draft is Slack text, escaped again; it shows people by id.
    const link = (await captured(PINNED.ts)).message?.permalink;
    expect(await draft()).toContain(
      `Failover to the standby DB done &amp; replica lag is 0 (edited 22:21) · by @${ALICE} via 📌 ([message](${link}) by @${PINNED.user})`,
    );
  });

  it('changes nothing twice when Slack redelivers the edit, even after a newer edit', async () => {
    // prepare
    const first = messageChanged(
      channelId,
      { ...PINNED, text: 'Failover to the standby DB done &amp; replica lag is 0' },
      PINNED.text,
      '1700000460.000100',
    );
    const before = await captured(PINNED.ts);

    // act
    await harness.event(first, {
      eventId: 'EvEDIT1',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    const afterRedelivery = await captured(PINNED.ts);
    await harness.event(
      messageChanged(
        channelId,
        { ...PINNED, text: 'Failover done; lag 0' },
        'Failover to the standby DB done &amp; replica lag is 0',
        '1700000520.000100',
      ),
      { eventId: 'EvEDIT2' },
    );
    await harness.event(first, {
      eventId: 'EvEDIT1',
      headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_error' },
    });

    // assess
    expect(afterRedelivery).toEqual(before);
    expect(writes).toEqual([
      { eventId: before.id, change: 'edited', wrote: false },
      { eventId: before.id, change: 'edited', wrote: true },
      { eventId: before.id, change: 'edited', wrote: false },
    ]);
    expect(await captured(PINNED.ts)).toMatchObject({
      text: 'Failover done; lag 0',
      originalText: PINNED.text,
      edited: { ts: '1700000520.000100' },
    });
  });

  it('writes nothing for an edit of a message nobody captured, in an incident channel or elsewhere', async () => {
    // prepare
    const before = await harness.server.store.getRecord('INC-1');
    const uncaptured = { ts: '1700000100.000201', text: 'Looking at the dashboards', user: 'U0DAN' };

    // act
    await harness.event(
      messageChanged(
        channelId,
        { ...uncaptured, text: 'Looking at dashboards' },
        uncaptured.text,
        '1700000600.000100',
      ),
    );
    await harness.event(
      messageChanged(GENERAL, { ...PINNED, text: 'Something else' }, PINNED.text, '1700000600.000200'),
    );
    await harness.event(messageDeleted(channelId, uncaptured, '1700000600.000300'));
    // A plain new message in the channel: delivered too once subscribed, and dropped.
    await harness.event({
      type: 'message',
      channel: channelId,
      user: 'U0DAN',
      text: 'hi',
      ts: '1700000600.000400',
    });

    // assess
    expect(writes).toEqual([]);
    expect(await harness.server.store.getRecord('INC-1')).toEqual(before);
  });

  it('ignores a change of a captured message that changed no words (an unfurl)', async () => {
    // prepare
    const before = await captured(PINNED.ts);

    // act
    await harness.event(
      messageChanged(
        channelId,
        { ...PINNED, text: 'Failover done; lag 0' },
        'Failover done; lag 0',
        '1700000640.000100',
      ),
    );

    // assess
    expect(writes).toEqual([]);
    expect(await captured(PINNED.ts)).toEqual(before);
  });

  it('marks a message deleted in Slack once: its words kept in the record, hidden in the postmortem', async () => {
    // prepare
    const deleted = messageDeleted(
      channelId,
      { ...PINNED, text: 'Failover done; lag 0' },
      '1700000700.000100',
    );

    // act
    await harness.event(deleted, { eventId: 'EvDEL1' });
    await harness.event(deleted, {
      eventId: 'EvDEL1',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });

    // assess
    expect(writes.map(({ wrote }) => wrote)).toEqual([true, false]);
    expect(await captured(PINNED.ts)).toMatchObject({
      text: 'Failover done; lag 0',
      originalText: PINNED.text,
      deleted: { at: '2023-11-14T22:25:00.000Z' },
    });
    const text = await draft();
    expect(text).toContain(
      `_message deleted in Slack 22:25_ · by @${ALICE} via 📌 (message by @${PINNED.user})`,
    );
    expect(text).not.toContain('Failover done; lag 0');
  });

  it('treats a message deleted with its thread (left as a tombstone) as deleted', async () => {
    // prepare
    const parent = { ts: '1700000720.000100', text: 'DB failover thread', user: 'U0DAN' };
    harness.slack.messages.push({ channel: channelId, ...parent });
    await harness.event({
      type: 'reaction_added',
      user: 'U0CAROL',
      reaction: 'pushpin',
      item: { type: 'message', channel: channelId, ts: parent.ts },
      event_ts: '1700000730.000100',
    });
    expect(await captured(parent.ts)).toMatchObject({ text: parent.text, recordedBy: 'U0CAROL' });

    // act: Slack's message_changed whose message became "This message was deleted."
    await harness.event({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: channelId,
      ts: '1700000760.000100',
      event_ts: '1700000760.000100',
      message: {
        type: 'message',
        subtype: 'tombstone',
        text: 'This message was deleted.',
        user: 'USLACKBOT',
        ts: parent.ts,
        thread_ts: parent.ts,
        reply_count: 2,
      },
      previous_message: { type: 'message', user: parent.user, text: parent.text, ts: parent.ts },
    });

    // assess
    expect(await captured(parent.ts)).toMatchObject({
      text: parent.text,
      deleted: { at: '2023-11-14T22:26:00.000Z' },
    });
    expect((await captured(parent.ts)).edited).toBeUndefined();
  });

  it('never changes an event that is not a captured message, whatever its id is asked', async () => {
    // prepare
    const store = harness.server.store;
    const declared = (await store.getRecord('INC-1'))?.events.find((event) => event.kind === 'declared');
    if (!declared) throw new Error('no declared event');

    // act
    const edited = await store.followCapturedMessage('INC-1', declared.id, {
      type: 'edited',
      text: 'rewritten',
      edited: { at: '2023-11-14T22:30:00.000Z', ts: '1700000999.000100' },
      message: { channelId, ts: '1700000999.000100' },
    });
    const deleted = await store.followCapturedMessage('INC-1', declared.id, {
      type: 'deleted',
      deleted: { at: '2023-11-14T22:30:00.000Z' },
    });

    // assess
    expect([edited, deleted]).toEqual([false, false]);
    expect((await store.getRecord('INC-1'))?.events.find((event) => event.id === declared.id)).toEqual(
      declared,
    );
  });

  it('after resolve, follows an edit into the stored postmortem, whose Full Timeline names who, how and the link', async () => {
    // prepare
    clock.set('2023-11-14T22:40:00.000Z');
    await harness.command('resolve Rolled back', { channelId });
    const file = join(harness.dataDir, 'postmortems', 'INC-1.md');
    const link = (await captured(SHORTCUT.ts)).message?.permalink;
    expect(link).toEqual(linkTo(SHORTCUT.ts));
    expect(await readFile(file, 'utf8')).toContain(
      `Rolled back deploy 4821 · by @user-u0alice via shortcut ([message](${link}) by @user-u0carol)`,
    );
    editInSlack(SHORTCUT.ts, 'Rolled back deploys 4821 and 4822');

    // act
    await harness.event(
      messageChanged(
        channelId,
        { ...SHORTCUT, text: 'Rolled back deploys 4821 and 4822' },
        SHORTCUT.text,
        '1700000800.000100',
      ),
    );

    // assess
    const stored = await readFile(file, 'utf8');
    expect(stored).toContain(
      `Rolled back deploys 4821 and 4822 (edited 22:26) · by @user-u0alice via shortcut ([message](${link}) by @user-u0carol)`,
    );
    expect(stored).toContain(`- 22:20 — Rolled back deploys 4821 and 4822 (${link})`);
    expect(stored).toContain(
      '- 22:10 — **declared** — @user-u0alice declared INC-1 (sev2): Checkout is down · by @user-u0alice via command',
    );
    expect(stored).toContain(
      '- 22:40 — **resolved** — @user-u0alice resolved the incident · by @user-u0alice via command',
    );
  });
});

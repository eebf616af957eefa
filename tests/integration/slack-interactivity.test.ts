/**
 * Slack's interactive payloads, in their real shapes and signed with HMAC, through the local server:
 * the declare modal, the summary's buttons, the resolve modal, the message shortcut, 📌 reactions and
 * App Home.
 */
import { ANNOUNCEMENTS, GENERAL, type Harness, startHarness } from '../helpers/harness';
import {
  click,
  messageShortcut,
  openedView,
  SLACK_RESPONSE_URL,
  selectInput as select,
  viewSubmission as submission,
  textInput as text,
} from '../helpers/interactions';

/** A click on the pinned summary's button `actionId` of INC-1 in `channelId`. */
const press = (harness: Harness, actionId: string, channelId: string, id: string) =>
  click(harness, { actionId, value: 'INC-1', channelId, id, responseUrl: SLACK_RESPONSE_URL });

describe('Slack interactivity', () => {
  let harness: Harness;
  let channelId: string;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('opens the declare modal for a bare /incident and declares from it', async () => {
    const reply = await harness.command('');
    expect(reply.status).toBe(200);
    const view = openedView(harness);
    expect(view.callback_id).toBe('incident.declare');

    const bad = await harness.interact(
      submission(view, { title: text('   '), severity: select('sev2') }, 'V1'),
    );
    expect(JSON.parse(bad.body)).toMatchObject({
      response_action: 'errors',
      errors: { title: expect.any(String) },
    });
    expect(await harness.server.store.getIncident('INC-1')).toBeUndefined();

    const ok = await harness.interact(
      submission(
        view,
        {
          title: text('Payments failing in eu-west'),
          severity: select('sev2'),
          description: text('Card payments time out.'),
          detected_at: {
            value: { type: 'datetimepicker', selected_date_time: Math.floor(Date.now() / 1000) - 600 },
          },
        },
        'V2',
      ),
    );
    expect(ok.status).toBe(200);
    const incident = await harness.server.store.getIncident('INC-1');
    expect(incident).toMatchObject({
      title: 'Payments failing in eu-west',
      severity: 'sev2',
      declaredBy: 'U0ALICE',
    });
    expect(
      Date.parse(incident?.declaredAt ?? '') - Date.parse(incident?.startedAt ?? ''),
    ).toBeGreaterThanOrEqual(590_000);
    channelId = await harness.channelOf('INC-1');
    const record = await harness.server.store.getRecord('INC-1');
    expect(record?.events.map((event) => event.text)).toContain('Description: Card payments time out.');

    // The same submission delivered again declares nothing more.
    await harness.interact(
      submission(view, { title: text('Payments failing in eu-west'), severity: select('sev2') }, 'V2'),
    );
    expect(await harness.server.store.getIncident('INC-2')).toBeUndefined();
  });

  it('pins a summary with buttons, and edits it in place (with the topic) on every change', async () => {
    const incident = await harness.server.store.getIncident('INC-1');
    const summary = harness.slack.messages.find((message) => message.ts === incident?.summaryTs);
    const actions = JSON.stringify(summary?.blocks);
    for (const id of ['incident.acknowledge', 'incident.escalate', 'incident.resolve'])
      expect(actions).toContain(id);
    await harness.command('severity sev1', { channelId });
    await harness.command('status identified', { channelId });
    const edited = harness.slack.messages.filter((message) => message.ts === incident?.summaryTs);
    expect(edited).toHaveLength(1);
    expect(JSON.stringify(edited[0]?.blocks)).toContain('sev1');
    expect(JSON.stringify(edited[0]?.blocks)).toContain('identified');
    expect(harness.slack.channels.get(channelId)?.topic).toContain('sev1 · identified');
    const announced = harness.slack.messages.filter((message) => message.channel === ANNOUNCEMENTS);
    expect(announced.map((message) => message.text).join('\n')).toMatch(/INC-1 raised from sev2 to sev1/);
  });

  it('acknowledges from the summary button', async () => {
    const response = await press(harness, 'incident.acknowledge', channelId, 'A1');
    expect(response.status).toBe(200);
    const incident = await harness.server.store.getIncident('INC-1');
    expect(incident?.acknowledgedBy).toBe('U0ALICE');
    const said = harness.slack.messages.filter((message) => message.channel === channelId).map((m) => m.text);
    expect(said.join('\n')).toContain('acknowledged INC-1');
    // Pressed again: the refusal goes to the presser alone.
    await press(harness, 'incident.acknowledge', channelId, 'A2');
    expect(harness.slack.ephemerals.at(-1)?.text).toContain('already acknowledged');
  });

  it('adds a message to the timeline once per 📌, however many people pin it', async () => {
    const posted = await harness.slack.callsTo('chat.postMessage').length;
    expect(posted).toBeGreaterThan(0);
    harness.slack.addChannel('scratch'); // unrelated channel: a pin there is ignored
    const message = {
      channel: channelId,
      ts: '1700000100.000200',
      text: 'Failover to the standby DB done',
      user: 'U0BOB',
    };
    harness.slack.messages.push({ ...message });
    for (const user of ['U0ALICE', 'U0BOB', 'U0CAROL']) {
      await harness.event({
        type: 'reaction_added',
        user,
        reaction: 'pushpin',
        item: { type: 'message', channel: channelId, ts: message.ts },
        item_user: 'U0BOB',
        event_ts: '1700000200.000300',
      });
    }
    await harness.event({
      type: 'reaction_added',
      user: 'U0ALICE',
      reaction: 'thumbsup',
      item: { type: 'message', channel: channelId, ts: message.ts },
      event_ts: '1700000200.000400',
    });
    const record = await harness.server.store.getRecord('INC-1');
    const captured = record?.events.filter((event) =>
      event.text.startsWith('Failover to the standby DB done'),
    );
    expect(captured).toHaveLength(1);
    expect(captured?.[0]).toMatchObject({ author: 'U0BOB', kind: 'note', at: '2023-11-14T22:15:00.000Z' });
    // The link is kept beside the words (an edit in Slack replaces the words, not the link).
    expect(captured?.[0]?.text).toBe(message.text);
    expect(captured?.[0]?.message?.permalink).toMatch(/^https?:\/\/\S+\/p1700000100000200$/);
    expect(captured?.[0]).toMatchObject({ via: 'pin', recordedBy: 'U0ALICE' });
  });

  it('adds a message with a chosen kind through the message shortcut', async () => {
    await harness.interact(
      messageShortcut({
        channelId,
        message: { ts: '1700000300.000500', text: 'Rolled back deploy 4821', user: 'U0CAROL' },
        id: 'S1',
      }),
    );
    const view = openedView(harness);
    expect(view.callback_id).toBe('incident.add_to_timeline');
    await harness.interact(submission(view, { kind: select('action') }, 'V3'));
    const record = await harness.server.store.getRecord('INC-1');
    const event = record?.events.find((candidate) => candidate.text.startsWith('Rolled back deploy 4821'));
    expect(event).toMatchObject({ kind: 'action', author: 'U0CAROL' });
  });

  it('answers the shortcut outside an incident channel without writing anything', async () => {
    const before = (await harness.server.store.getRecord('INC-1'))?.events.length;
    harness.slack.channels.get(GENERAL)?.members.add('U0ALICE'); // whoever uses a shortcut is in the channel
    await harness.interact(
      messageShortcut({
        channelId: GENERAL,
        message: { ts: '1700000400.000700', text: 'hello', user: 'U0CAROL' },
        id: 'S2',
      }),
    );
    expect(harness.slack.ephemerals.at(-1)?.text).toContain('belongs to no incident');
    expect((await harness.server.store.getRecord('INC-1'))?.events.length).toBe(before);
  });

  it('publishes App Home with the open incidents', async () => {
    await harness.command('open sev4 Docs site slow');
    await harness.event({
      type: 'app_home_opened',
      user: 'U0ALICE',
      channel: 'D0ALICE',
      tab: 'home',
      event_ts: '1.2',
    });
    const home = harness.slack.callsTo('views.publish').at(-1);
    expect(home?.args.user_id).toBe('U0ALICE');
    const blocks = JSON.stringify((home?.args.view as { blocks?: unknown[] } | undefined)?.blocks);
    expect(blocks).toContain('INC-1');
    expect(blocks).toContain('INC-2');
    expect(blocks).toContain('Docs site slow');
  });

  it('resolves from the Resolve button through the resolve modal', async () => {
    await press(harness, 'incident.resolve', channelId, 'R1');
    const view = openedView(harness);
    expect(view.callback_id).toBe('incident.resolve_modal');
    const empty = await harness.interact(submission(view, { resolution: text('') }, 'V4'));
    expect(JSON.parse(empty.body)).toMatchObject({ response_action: 'errors' });
    expect((await harness.server.store.getIncident('INC-1'))?.status).not.toBe('resolved');
    await harness.interact(submission(view, { resolution: text('Failed over and rolled back.') }, 'V5'));
    const incident = await harness.server.store.getIncident('INC-1');
    expect(incident).toMatchObject({ status: 'resolved', resolution: 'Failed over and rolled back.' });
    expect(harness.slack.uploads.some((file) => file.filename === 'INC-1.md')).toBe(true);
    const summary = harness.slack.messages.find((message) => message.ts === incident?.summaryTs);
    expect(JSON.stringify(summary?.blocks)).not.toContain('incident.acknowledge');
  });
});

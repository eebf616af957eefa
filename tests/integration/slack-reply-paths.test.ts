/**
 * Every kind of reply reaches the person who asked, from wherever they asked: the bot's own DM with
 * them, a DM between two people (the bot is not in it) and a private channel the bot was never added
 * to. Slash-command replies travel in the command's HTTP answer, button and shortcut answers through
 * the interaction's response_url, and nothing relies on chat.postEphemeral into a conversation the
 * bot cannot post in (Slack answers channel_not_found / not_in_channel, and the reply is lost).
 */
import { ALICE, fixedClock, type Harness, startHarness } from '../helpers/harness';
import {
  click,
  messageShortcut,
  openedView,
  selectInput,
  textInput,
  viewSubmission,
} from '../helpers/interactions';
import { type RecordingServer, startRecordingServer } from '../helpers/recording-server';

/** Where the person typed or clicked. */
const PLACES = [
  { name: "the bot's DM with the user", id: 'D0ALICE', botIsIn: true },
  { name: 'a DM between two people', id: 'D0ALICEBOB', botIsIn: false },
  { name: 'a private channel the bot is not in', id: 'G0SECRET', botIsIn: false },
] as const;

describe.each(PLACES)('replies to someone in $name', (place) => {
  let harness: Harness;
  /** Stands in for Slack's response_url endpoint. */
  let receiver: RecordingServer;
  /** What arrived at the response_urls, in order. */
  const received = () =>
    receiver.requests.map((r) => ({
      path: r.path,
      body: JSON.parse(r.body) as { text?: string; response_type?: string },
    }));
  let hooks = 0;
  const responseUrl = () => `${receiver.url}/actions/${++hooks}`;
  const at = (url: string) =>
    received()
      .filter((r) => url.endsWith(r.path))
      .map((r) => r.body);

  beforeAll(async () => {
    receiver = await startRecordingServer({
      answer: { headers: { 'content-type': 'text/plain' }, body: 'ok' },
    });
    harness = await startHarness({ clock: fixedClock('2024-03-02T10:00:00Z') });
    if (place.id === 'G0SECRET') {
      // Through the stand-in's public API: a private channel of Alice's that the bot was never added to.
      harness.slack.addChannel('secret-project', { id: place.id, members: [ALICE], isPrivate: true });
    }
    // An incident to act on, declared in the usual place.
    await harness.command('open sev2 Checkout errors');
  });
  afterAll(async () => {
    await harness.close();
    await receiver.close();
  });

  /** chat.postEphemeral / chat.postMessage calls into the place (only possible where the bot is in it). */
  const postsInto = () =>
    harness.slack.calls.filter(
      (call) =>
        (call.method === 'chat.postEphemeral' || call.method === 'chat.postMessage') &&
        call.args.channel === place.id,
    );

  const press = async (actionId: string, incidentId: string, id: string, url = responseUrl()) => {
    const response = await click(harness, {
      actionId,
      value: incidentId,
      channelId: place.id,
      id,
      responseUrl: url,
    });
    expect(response.status).toBe(200);
    return url;
  };

  it('answers slash commands in the command response: help, list, errors, open, actions on an incident', async () => {
    const before = postsInto().length;
    const say = (text: string) => harness.command(text, { channelId: place.id });

    const help = await say('help');
    expect(help).toMatchObject({ status: 200, responseType: 'ephemeral' });
    expect(help.text).toContain('/incident open');

    const list = await say('list');
    expect(list.text).toMatch(/^\*Open incidents \(1\)\*\n• <#C\w+> \*INC-1\* sev2/);

    const unknown = await say('restart everything');
    expect(unknown).toMatchObject({ status: 200, responseType: 'ephemeral' });
    expect(unknown.text).toMatch(/restart/i);
    expect(unknown.text).toContain('Usage');

    // No incident here: a clear error, not silence.
    const nowhere = await say('impact Checkout down for EU');
    expect(nowhere.responseType).toBe('ephemeral');
    expect(nowhere.text).toMatch(/INC-/);

    const logged = await say('log INC-1 action: restarted the checkout pods');
    expect(logged.responseType).toBe('ephemeral');
    expect(logged.text).toMatch(/^Logged \*action\*/);
    // …and echoed in the incident's channel, which the bot is in.
    const incidentChannel = await harness.channelOf('INC-1');
    expect(
      harness.slack.messages.some(
        (m) => m.channel === incidentChannel && m.text?.includes('restarted the checkout pods'),
      ),
    ).toBe(true);

    const opened = await say('open sev3 Search slow');
    expect(opened).toMatchObject({ status: 200, responseType: 'in_channel' });
    expect(opened.text).toContain('declared *INC-2*');
    expect(await harness.server.store.getIncident('INC-2')).toBeDefined();

    // Every answer was in the HTTP response; nothing was posted into the place.
    expect(postsInto().length).toBe(before);
  });

  it("answers a button through the interaction's response_url, errors included", async () => {
    const before = postsInto().length;
    const ephemerals = harness.slack.ephemerals.length;

    await harness.command('ack', { channelId: await harness.channelOf('INC-1') });
    const again = await press('incident.acknowledge', 'INC-1', `A-${place.id}`);
    expect(at(again)).toEqual([
      { response_type: 'ephemeral', text: expect.stringContaining('already acknowledged') },
    ]);

    const missing = await press('incident.acknowledge', 'INC-99', `B-${place.id}`);
    expect(at(missing)).toEqual([{ response_type: 'ephemeral', text: expect.stringContaining('INC-99') }]);

    expect(harness.slack.ephemerals).toHaveLength(ephemerals);
    expect(postsInto().length).toBe(before);
  });

  /** Where things stood: what reached Alice after it is what `toAlice` returns. */
  const mark = () => ({
    ephemerals: harness.slack.ephemerals.length,
    messages: harness.slack.messages.length,
    hooks: receiver.requests.length,
  });
  /** What reached Alice since `since` (delivered, not merely tried): ephemerals, DMs, response_urls. */
  const toAlice = (since: ReturnType<typeof mark>) => [
    ...harness.slack.ephemerals
      .slice(since.ephemerals)
      .filter((e) => e.user === ALICE)
      .map((e) => e.text ?? ''),
    ...harness.slack.messages
      .slice(since.messages)
      .filter((m) => m.channel === 'D0ALICE' || m.channel === place.id)
      .map((m) => m.text ?? ''),
    ...received()
      .slice(since.hooks)
      .map((r) => r.body.text ?? ''),
  ];

  it('answers a button whose answer is for the channel (ack), once', async () => {
    await harness.command('open sev2 Search slow to answer');
    const id = (await harness.server.store.listOpenIncidents()).find(
      (i) => i.title === 'Search slow to answer',
    )?.id;
    const since = mark();
    await press('incident.acknowledge', id ?? '', `ACK-${place.id}`);
    expect((await harness.server.store.getIncident(id ?? ''))?.acknowledgedAt).toBeDefined();
    // Shown in the place when the bot can post there; else it must still reach Alice.
    expect(toAlice(since).filter((text) => /acknowledged/i.test(text))).toHaveLength(1);
  });

  it('falls back when the response_url does not answer: the answer still reaches the user, once', async () => {
    const from = harness.slack.calls.length;
    const since = mark();
    await press('incident.acknowledge', 'INC-1', `C-${place.id}`, 'http://127.0.0.1:1/actions/closed');
    const told = toAlice(since).filter((text) => text.includes('already acknowledged'));
    expect(told).toHaveLength(1);
    const answer = harness.slack.calls
      .slice(from)
      .find((c) => String(c.args.text).includes('already acknowledged'));
    // An ephemeral where the bot is; a DM from the bot where Slack refuses one.
    if (place.botIsIn)
      expect(answer).toMatchObject({ method: 'chat.postEphemeral', args: { channel: place.id } });
    else expect(harness.slack.callsTo('chat.postMessage').slice(-1)[0]?.args.channel).toBe(ALICE);
  });

  it("answers the message shortcut through the interaction's response_url", async () => {
    const before = postsInto().length;
    const url = responseUrl();
    const response = await harness.interact(
      messageShortcut({
        channelId: place.id,
        message: { ts: '1700000000.000100', text: 'the db is on fire', user: ALICE },
        id: `S-${place.id}`,
        responseUrl: url,
      }),
    );
    expect(response.status).toBe(200);
    expect(at(url)).toEqual([
      { response_type: 'ephemeral', text: expect.stringContaining('belongs to no incident') },
    ]);
    expect(postsInto()).toHaveLength(before);
  });

  it('tells a modal submission error in the modal itself', async () => {
    await harness.command('', { channelId: place.id });
    const view = openedView(harness);
    const response = await harness.interact(declareSubmission(view, '', 'VERR'));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      response_action: 'errors',
      errors: { title: expect.stringContaining('title') },
    });
  });

  // A view_submission has no response_url: the confirmation is an ephemeral where `/incident` was
  // typed, and where Slack refuses that (channel_not_found / not_in_channel) a DM from the bot.
  it('confirms a declaration made in the modal to the user, once', async () => {
    await harness.command('', { channelId: place.id });
    const view = openedView(harness);
    expect(view.private_metadata).toBe(JSON.stringify({ channelId: place.id }));
    const before = harness.slack.calls.length;
    const response = await harness.interact(declareSubmission(view, 'Payments failing', `V-${place.id}`));
    expect(response.status).toBe(200);
    const incidents = await harness.server.store.listOpenIncidents();
    const declared = incidents.find((incident) => incident.title === 'Payments failing');
    expect(declared).toBeDefined();
    // Wherever it went (an ephemeral in the place, a DM from the bot, a response_url), Alice got it.
    const confirmation = new RegExp(`Declared \\*${declared?.id}\\* \\(sev2\\): Payments failing`);
    const toAlice = [
      ...harness.slack.ephemerals.filter((e) => e.user === ALICE).map((e) => e.text ?? ''),
      ...harness.slack.calls
        .slice(before)
        .filter((c) => c.method === 'chat.postMessage' && [ALICE, 'D0ALICE'].includes(String(c.args.channel)))
        .map((c) => String(c.args.text)),
      ...received().map((r) => r.body.text ?? ''),
    ];
    expect(toAlice.filter((text) => confirmation.test(text))).toHaveLength(1);
    const ephemeral = harness.slack.ephemerals.find((e) => confirmation.test(e.text ?? ''));
    const dm = harness.slack.calls
      .slice(before)
      .find((c) => c.method === 'chat.postMessage' && confirmation.test(String(c.args.text)));
    if (place.botIsIn) expect(ephemeral).toMatchObject({ channel: place.id, user: ALICE });
    else expect(dm?.args.channel).toBe(ALICE);
  });
});

const declareSubmission = (view: Record<string, unknown>, title: string, id: string) =>
  viewSubmission(view, { title: textInput(title), severity: selectInput('sev2') }, id);

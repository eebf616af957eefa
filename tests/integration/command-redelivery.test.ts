/**
 * A slash command Slack delivers again with the same trigger id, through the real local server:
 * after an answer that was lost (the second delivery gets the stored answer, nothing is done twice),
 * and after a crash between storing the change and writing its event (the redelivery writes the
 * event the stored change decided, once, and confirms it).
 */
import type { Outcome } from '../../lambda/incidents/message';
import type { AppliedRequest, Incident, TimelineEvent } from '../../lambda/incidents/types';
import { toReply } from '../../lambda/slack/message';
import { ALICE, fixedClock, type Harness, startHarness } from '../helpers/harness';

const clock = fixedClock('2024-05-10T12:00:00Z');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ clock });
});
afterAll(() => harness.close());

let lastTrigger = 0;
const aTrigger = () => `${Date.now()}.${++lastTrigger}.redelivery`;

/** Declares an incident and returns it with its channel. */
async function anOpenIncident(title: string): Promise<{ incident: Incident; channelId: string }> {
  const reply = await harness.command(`open sev3 ${title}`);
  const id = /\*(INC-\d+)\*/.exec(reply.text)?.[1];
  if (!id) throw new Error(`no incident in ${reply.text}`);
  const channelId = await harness.channelOf(id);
  const incident = await harness.server.store.getIncident(id);
  if (!incident) throw new Error(`${id} not stored`);
  return { incident, channelId };
}

async function eventsOf(id: string, kind: string): Promise<TimelineEvent[]> {
  const record = await harness.server.store.getRecord(id);
  return (record?.events ?? []).filter((event) => event.kind === kind);
}

describe('a command delivered twice after its first answer was lost', () => {
  it.each([
    ['ack', 'acknowledged', /^<@U0ALICE> acknowledged INC-\d+ at 12:00\. Automatic escalation stops\.$/],
    ['severity sev1', 'severity', /^INC-\d+ is now \*sev1\* \(since 12:00\)\.$/],
  ])('`/incident %s` records one %s event and answers the same both times', async (text, kind, answer) => {
    // prepare
    const { incident, channelId } = await anOpenIncident(`Lost answer to ${text}`);
    const triggerId = aTrigger();

    // act
    const first = await harness.command(text, { channelId, triggerId });
    const slackCalls = harness.slack.calls.length;
    const second = await harness.command(text, { channelId, triggerId });

    // assess
    expect(first.text).toMatch(answer);
    expect(second).toEqual(first);
    expect(harness.slack.calls.length).toBe(slackCalls); // the stored answer: no work queued again
    const events = await eventsOf(incident.id, kind);
    expect(events.map((event) => event.id)).toEqual([`t-${triggerId}`]);
    // Stored as the outcome, rendered as Slack got it.
    const storedAnswer = (await harness.server.store.requestResult(`command#${triggerId}`)) as Outcome;
    expect(toReply(storedAnswer)).toEqual({
      response_type: first.responseType,
      text: first.text,
    });
    const stored = await harness.server.store.getIncident(incident.id);
    expect(stored?.applied?.map((entry) => entry.request)).toContain(`t-${triggerId}`);
    expect(stored?.version).toBe(incident.version + 1); // one stored change, not two
  });

  it('answers a different trigger id on its own: an ack typed again is refused', async () => {
    // prepare
    const { channelId } = await anOpenIncident('A second ack, typed by hand');
    await harness.command('ack', { channelId, triggerId: aTrigger() });

    // act
    const again = await harness.command('ack', { channelId, triggerId: aTrigger() });

    // assess
    expect(again.text).toMatch(/was already acknowledged/);
  });
});

describe('a command whose change was stored but whose event write crashed', () => {
  /** What the first delivery stored before it crashed: the change and its applied entry, no event item. */
  async function storeChangeWithoutEvent(
    incident: Incident,
    triggerId: string,
    change: Partial<Incident>,
    event: Pick<TimelineEvent, 'kind' | 'text'>,
  ): Promise<TimelineEvent> {
    const current = (await harness.server.store.getIncident(incident.id)) as Incident;
    const decided: TimelineEvent = {
      id: `t-${triggerId}`,
      incidentId: incident.id,
      at: clock.now().toISOString(),
      recordedAt: clock.now().toISOString(),
      author: ALICE,
      ...event,
    };
    const entry: AppliedRequest = { request: `t-${triggerId}`, event: decided };
    if (change.severity && change.severity !== current.severity) entry.previousSeverity = current.severity;
    await harness.server.store.updateIncident({
      ...current,
      ...change,
      applied: [...(current.applied ?? []), entry],
    });
    return decided;
  }

  it.each([
    [
      'ack',
      { acknowledgedAt: '2024-05-10T12:00:00.000Z', acknowledgedBy: ALICE },
      { kind: 'acknowledged', text: `<@${ALICE}> acknowledged the page` },
      /^<@U0ALICE> acknowledged INC-\d+ at 12:00\. Automatic escalation stops\.$/,
    ],
    [
      'severity sev1',
      { severity: 'sev1' },
      { kind: 'severity', text: 'Severity changed from sev3 to sev1' },
      /^INC-\d+ is now \*sev1\* \(since 12:00\)\.$/,
    ],
  ] as const)(
    '`/incident %s` redelivered writes the decided event once and confirms it',
    async (text, change, event, answer) => {
      // prepare
      const { incident, channelId } = await anOpenIncident(`Crashed ${text}`);
      const triggerId = aTrigger();
      const decided = await storeChangeWithoutEvent(incident, triggerId, change, event);
      const versionAfterCrash = (await harness.server.store.getIncident(incident.id))?.version;
      expect(await eventsOf(incident.id, event.kind)).toEqual([]);

      // act
      const redelivered = await harness.command(text, { channelId, triggerId });
      const again = await harness.command(text, { channelId, triggerId });

      // assess
      expect(redelivered.text).toMatch(answer);
      expect(again).toEqual(redelivered);
      expect(await eventsOf(incident.id, event.kind)).toEqual([decided]);
      const stored = await harness.server.store.getIncident(incident.id);
      expect(stored?.version).toBe(versionAfterCrash); // the change was not applied a second time
      expect(stored).toMatchObject(change);
    },
  );
});

/**
 * service/interactions.ts: what the listeners hand their parsed payloads to. The idempotency keys each
 * interaction writes are the ones store/keys.ts names, derived only from what a redelivery repeats
 * (the view id, the message's channel and ts), so a redelivered request finds its first delivery's work.
 */
import type { Intent } from '../../lambda/incidents/intents';
import { type Outcome, toChannel } from '../../lambda/incidents/message';
import type { Job, Jobs } from '../../lambda/jobs/jobs';
import type { CommandContext, DeclareRequest } from '../../lambda/service/command-service';
import { Interactions } from '../../lambda/service/interactions';
import { toReply } from '../../lambda/slack/message';
import { anIncident } from '../fixtures/incidents';

const NOW = '2024-02-18T15:40:00.000Z';

const INCIDENT = anIncident({ title: 'Checkout <latency>' });

function setup(outcome: Outcome = toChannel('Resolved INC-7')) {
  const declared: DeclareRequest[] = [];
  const executed: Array<{ intent: Intent; context: CommandContext }> = [];
  const lookups: string[] = [];
  const jobs: Jobs & { enqueued: Job[] } = {
    enqueued: [],
    async enqueue(job) {
      this.enqueued.push(job);
    },
  };
  const interactions = new Interactions({
    commands: {
      declare: async (request: DeclareRequest) => {
        declared.push(request);
        return INCIDENT;
      },
      run: async (intent: Intent, context: CommandContext) => {
        executed.push({ intent, context });
        return outcome;
      },
    },
    store: {
      findIncidentIdByChannel: async (channelId: string) => {
        lookups.push(`channel ${channelId}`);
        return channelId === 'C0INC7' ? 'INC-7' : undefined;
      },
      getIncident: async (id: string) => {
        lookups.push(`incident ${id}`);
        return id === 'INC-7' ? INCIDENT : undefined;
      },
    },
    jobs,
    clock: { now: () => new Date(NOW) },
  });
  return { interactions, declared, executed, lookups, jobs };
}

describe('interactions', () => {
  it('declares from the modal under the view id, with the description as a note, and confirms it', async () => {
    // prepare
    const { interactions, declared } = setup();

    // act
    const { outcome } = await interactions.declareFromModal(
      { title: 'Checkout <latency>', severity: 'sev2', description: 'p99 at 4 s', channelId: 'C0GENERAL' },
      'U0ALICE',
      'V0DECLARE',
    );

    // assess
    expect(declared).toEqual([
      {
        title: 'Checkout <latency>',
        severity: 'sev2',
        declaredBy: 'U0ALICE',
        eventId: 'v-V0DECLARE',
        requestKey: 'view#V0DECLARE',
        events: [{ at: NOW, kind: 'note', text: 'Description: p99 at 4 s' }],
      },
    ]);
    expect(toReply(outcome)).toEqual({
      response_type: 'ephemeral',
      text: ':rotating_light: Declared *INC-7* (sev2): Checkout &lt;latency&gt;. Opening #inc-7-checkout-latency…',
    });
  });

  it('starts a declared incident when it was detected, and dates its description then', async () => {
    // prepare
    const { interactions, declared } = setup();
    const detectedAt = '2024-02-18T15:20:00.000Z';

    // act
    await interactions.declareFromModal(
      { title: 'Checkout', severity: 'sev1', description: 'seen first', detectedAt },
      'U0ALICE',
      'V0D2',
    );

    // assess
    expect(declared[0]).toMatchObject({
      startedAt: detectedAt,
      events: [{ at: detectedAt, kind: 'note', text: 'Description: seen first' }],
    });
  });

  it('resolves from the modal as `/incident resolve` on its incident, from its channel', async () => {
    // prepare
    const { interactions, executed } = setup();

    // act
    const { outcome, to } = await interactions.resolveFromModal(
      { incidentId: 'INC-7', resolution: 'Rolled back' },
      'U0ALICE',
      'V0RESOLVE',
    );

    // assess
    expect(executed).toEqual([
      {
        intent: { verb: 'resolve', ref: 'INC-7', resolution: 'Rolled back' },
        context: { userId: 'U0ALICE', channelId: 'C0INC7', triggerId: 'v-V0RESOLVE' },
      },
    ]);
    expect(toReply(outcome).text).toBe('Resolved INC-7');
    expect(to).toEqual({ channelId: 'C0INC7', userId: 'U0ALICE', incidentId: 'INC-7' });
  });

  it('captures a message from the add-to-timeline modal once per kind, with no lookup', async () => {
    // prepare
    const { interactions, jobs, lookups } = setup();

    // act
    await interactions.captureMessage(
      {
        incidentId: 'INC-7',
        kind: 'action',
        text: 'rolled back',
        author: 'U0BOB',
        messageTs: '1700000000.000200',
        channelId: 'C0INC7',
      },
      'U0ALICE',
    );

    // assess
    expect(jobs.enqueued).toEqual([
      {
        type: 'capture-message',
        incidentId: 'INC-7',
        channelId: 'C0INC7',
        messageTs: '1700000000.000200',
        kind: 'action',
        text: 'rolled back',
        author: 'U0BOB',
        capturedBy: 'U0ALICE',
        eventId: 'msg.C0INC7.1700000000.000200.action',
      },
    ]);
    expect(lookups).toEqual([]);
  });

  it('captures a 📌 message in an incident channel under one key, whoever pins it', async () => {
    // prepare
    const { interactions, jobs, lookups } = setup();

    // act
    const pinned = await interactions.pinMessage({
      channelId: 'C0INC7',
      messageTs: '1700000000.000200',
      userId: 'U0BOB',
    });
    const elsewhere = await interactions.pinMessage({
      channelId: 'C0GENERAL',
      messageTs: '1700000000.000300',
      userId: 'U0BOB',
    });

    // assess
    expect([pinned, elsewhere]).toEqual([true, false]);
    expect(jobs.enqueued).toEqual([
      {
        type: 'capture-message',
        incidentId: 'INC-7',
        channelId: 'C0INC7',
        messageTs: '1700000000.000200',
        kind: 'note',
        capturedBy: 'U0BOB',
        eventId: 'msg.C0INC7.1700000000.000200.pin',
      },
    ]);
    // The channel's incident is looked up once per pin.
    expect(lookups).toEqual(['channel C0INC7', 'channel C0GENERAL']);
  });

  it('shows a reply to the channel, or to the user alone (through the response_url when given)', async () => {
    // prepare
    const { interactions, jobs } = setup();
    const to = {
      channelId: 'C0INC7',
      userId: 'U0ALICE',
      incidentId: 'INC-7',
      responseUrl: 'https://hooks/x',
    };

    // act
    await interactions.show(to, { visibility: 'channel', message: ['to all'] });
    await interactions.show(to, { visibility: 'user', message: ['to Alice'] });
    await interactions.show({ userId: 'U0ALICE' }, { visibility: 'user', message: ['nowhere'] });

    // assess
    expect(jobs.enqueued).toEqual([
      {
        type: 'reply',
        channelId: 'C0INC7',
        userId: 'U0ALICE',
        message: ['to all'],
        visibility: 'channel',
        incidentId: 'INC-7',
      },
      {
        type: 'reply',
        channelId: 'C0INC7',
        userId: 'U0ALICE',
        message: ['to Alice'],
        visibility: 'user',
        incidentId: 'INC-7',
        responseUrl: 'https://hooks/x',
      },
    ]);
  });
});

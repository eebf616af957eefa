/**
 * A severity change whose first delivery stored the change (and its `applied` entry) but crashed
 * before queueing its follow-on jobs: the redelivery re-plans and announces it, once, as the same
 * change without a crash does.
 */
import type { Incident } from '../../lambda/incidents/types';
import { ALICE, ANNOUNCEMENTS, fixedClock, type Harness, startHarness } from '../helpers/harness';

const clock = fixedClock('2024-05-10T12:00:00Z');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ clock });
});
afterAll(() => harness.close());

async function announcedRaise(id: string): Promise<number> {
  return harness.slack.calls.filter(
    (call) =>
      call.method === 'chat.postMessage' &&
      call.args.channel === ANNOUNCEMENTS &&
      String(call.args.text ?? '').includes(`${id} raised from sev3 to sev1`),
  ).length;
}

async function open(title: string): Promise<{ id: string; channelId: string }> {
  const reply = await harness.command(`open sev3 ${title}`);
  const id = /\*(INC-\d+)\*/.exec(reply.text)?.[1] as string;
  return { id, channelId: await harness.channelOf(id) };
}

it('announces a severity change once whether or not its first delivery crashed after storing it', async () => {
  // prepare: one change delivered normally, one whose first delivery stored it and crashed
  const normal = await open('Severity raised normally');
  const crashed = await open('Severity raised, then a crash');
  const current = (await harness.server.store.getIncident(crashed.id)) as Incident;
  const now = clock.now().toISOString();
  await harness.server.store.updateIncident({
    ...current,
    severity: 'sev1',
    applied: [
      {
        request: 't-CRASHED',
        previousSeverity: 'sev3',
        event: {
          id: 't-CRASHED',
          incidentId: crashed.id,
          at: now,
          recordedAt: now,
          author: ALICE,
          kind: 'severity',
          text: 'Severity changed from sev3 to sev1',
        },
      },
    ],
  });

  // act
  await harness.command('severity sev1', { channelId: normal.channelId });
  await harness.command('severity sev1', { channelId: crashed.channelId, triggerId: 'CRASHED' });
  await harness.server.jobs.drain();

  // assess
  expect([await announcedRaise(normal.id), await announcedRaise(crashed.id)]).toEqual([1, 1]);
});

/**
 * `/incident update <text>`, the verb added through the verb table alone: through the real local
 * server, the Bolt receiver, the store on dynalite and the Slack stand-in. The update is posted in
 * the incident channel, announced in the announcements channel once (however often Slack delivers
 * it), kept on the timeline, and refused with its usage when it is empty or the incident is resolved.
 */
import { ALICE, ANNOUNCEMENTS, fixedClock, GENERAL, type Harness, startHarness } from '../helpers/harness';

const clock = fixedClock('2024-05-10T12:00:00Z');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ clock });
});
afterAll(() => harness.close());

function postsTo(channel: string): string[] {
  return harness.slack.calls
    .filter((call) => call.method === 'chat.postMessage' && call.args.channel === channel)
    .map((call) => String(call.args.text ?? ''));
}

async function open(title: string): Promise<{ id: string; channelId: string }> {
  const reply = await harness.command(`open sev2 ${title}`);
  const id = /\*(INC-\d+)\*/.exec(reply.text)?.[1] as string;
  return { id, channelId: await harness.channelOf(id) };
}

it('posts an update in the incident channel and announces it once, even when Slack delivers it twice', async () => {
  const { id, channelId } = await open('Checkout errors');
  clock.set('2024-05-10T12:07:00Z');

  const first = await harness.command('update rollback at 50%, errors falling <!channel>', {
    channelId,
    triggerId: 'UPDATE1',
  });
  const again = await harness.command('update rollback at 50%, errors falling <!channel>', {
    channelId,
    triggerId: 'UPDATE1',
  });

  const confirmation = `:mega: *Update on ${id}* (sev2 · investigating, 12:07): rollback at 50%, errors falling &lt;!channel&gt; (announced in <#${ANNOUNCEMENTS}>)`;
  expect(first).toMatchObject({ status: 200, responseType: 'in_channel', text: confirmation });
  expect(again).toMatchObject({ status: 200, responseType: 'in_channel', text: confirmation });
  const announced = postsTo(ANNOUNCEMENTS).filter((text) => text.includes(`*${id}* update`));
  expect(announced).toEqual([
    `:mega: :large_orange_circle: *${id}* update (sev2 · investigating, 12:07) from <@${ALICE}>: rollback at 50%, errors falling &lt;!channel&gt; Follow in <#${channelId}>.`,
  ]);
  const record = await harness.server.store.getRecord(id);
  expect(record?.events.filter((event) => event.kind === 'update')).toEqual([
    expect.objectContaining({
      id: 't-UPDATE1',
      text: 'rollback at 50%, errors falling <!channel>',
      author: ALICE,
    }),
  ]);
});

it('from another channel: answered there, echoed in the incident channel, announced', async () => {
  const { id, channelId } = await open('Search slow');

  const reply = await harness.command(`update ${id} cache warmed, latency normal`, { channelId: GENERAL });

  expect(reply).toMatchObject({ status: 200, responseType: 'ephemeral' });
  expect(reply.text).toContain(`*Update on ${id}*`);
  expect(postsTo(channelId)).toContain(
    `<@${ALICE}> posted an update on ${id}: cache warmed, latency normal from <#${GENERAL}>`,
  );
  expect(postsTo(ANNOUNCEMENTS).filter((text) => text.includes(`*${id}* update`))).toHaveLength(1);
});

it('refuses an empty update and an update on a resolved incident, writing nothing', async () => {
  const { id, channelId } = await open('Queue backlog');
  await harness.command('resolve drained', { channelId });
  const before = (await harness.server.store.getRecord(id))?.events.length;

  const empty = await harness.command('update', { channelId });
  const late = await harness.command('update all good now', { channelId });

  expect(empty.text).toContain('Missing the text of the update.');
  expect(empty.text).toContain('/incident update [INC-n] &lt;text&gt;');
  expect(late.text).toContain('`update` needs an open incident');
  expect((await harness.server.store.getRecord(id))?.events.length).toBe(before);
  expect(postsTo(ANNOUNCEMENTS).filter((text) => text.includes(`*${id}* update`))).toEqual([]);
});

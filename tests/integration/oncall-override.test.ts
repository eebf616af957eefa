/**
 * Cover set from Slack, through the real local server, the store on dynalite and the Slack stand-in:
 * `/incident oncall override` stores it with who set it, `oncall` shows it, a page goes to the person
 * covering instead of the schedule's, `oncall overrides` lists it and removes it, and a redelivered
 * command stores it once.
 */
import { SRE_WEEKLY_ROTATION } from '../fixtures/policies';
import { fixedClock, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

const POLICY = SRE_WEEKLY_ROTATION;

// Wednesday of Anna's week (Monday 30 November 09:00 Berlin to Monday 7 December 09:00).
const clock = fixedClock('2026-12-02T12:00:00Z');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    clock,
    policy: POLICY,
    env: { INCIDENT_TIMEZONE: 'Europe/Berlin' },
  });
});
afterAll(() => harness.close());

const dmsTo = (user: string) =>
  harness.slack.calls.filter((call) => call.method === 'chat.postMessage' && call.args.channel === user);

it('an override set from Slack changes who is on call and who is paged', async () => {
  const before = await harness.command('oncall sre');
  expect(before.text).toContain('*sre*: <@U0ANNA>, until December 7, 2026, 09:00 GMT+1; then <@U0BOB>');

  const set = await harness.command('oncall override sre <@U0DANA|Dana Smith> 4h', { userId: 'U0LEAD' });
  const [override] = await harness.server.store.listOnCallOverrides(clock.now().toISOString());
  expect(override).toMatchObject({
    team: 'sre',
    user: 'U0DANA',
    from: '2026-12-02T12:00:00.000Z',
    to: '2026-12-02T16:00:00.000Z',
    setBy: 'U0LEAD',
  });
  const id = override?.id as string;
  expect(set.text).toBe(
    `<@U0DANA> is on call for sre until December 2, 2026, 17:00 GMT+1 (override \`${id}\`, set by <@U0LEAD>). Pages for sre go to them. Remove it with \`/incident oncall overrides remove ${id}\`.`,
  );

  const now = await harness.command('oncall');
  expect(now.text).toContain(
    `*sre*: <@U0DANA> (override \`${id}\`, set by <@U0LEAD>), until December 2, 2026, 17:00 GMT+1; then <@U0ANNA>`,
  );

  clock.set('2026-12-02T12:30:00Z');
  await harness.command('open sev2 Checkout errors');
  await until(async () => {
    const step = (await harness.server.store.getRecord('INC-1'))?.steps?.['page.sev2.t0.sre'];
    return step?.state === 'done';
  });
  expect(dmsTo('U0DANA')).toHaveLength(1);
  expect(String(dmsTo('U0DANA')[0]?.args.text)).toContain('You are paged as on call for *sre*');
  expect(dmsTo('U0ANNA')).toHaveLength(0);
  const channelId = await harness.channelOf('INC-1');
  expect(harness.slack.channels.get(channelId)?.members.has('U0DANA')).toBe(true);
  const page = (await harness.server.store.getRecord('INC-1'))?.events.find((e) => e.page);
  expect(page?.page?.onCall).toBe('U0DANA');
});

it('lists overrides with who set them, removes one by id, and the schedule is back', async () => {
  const [override] = await harness.server.store.listOnCallOverrides(clock.now().toISOString());
  const id = override?.id as string;

  const listed = await harness.command('oncall overrides');
  expect(listed.text).toContain(
    `• \`${id}\` *sre*: <@U0DANA> from December 2, 2026, 13:00 GMT+1 until December 2, 2026, 17:00 GMT+1, set by <@U0LEAD>`,
  );

  const removed = await harness.command(`oncall overrides remove ${id}`);
  expect(removed.text).toContain(`Removed override \`${id}\`: <@U0DANA> no longer covers sre`);
  expect(await harness.server.store.listOnCallOverrides(clock.now().toISOString())).toEqual([]);
  expect((await harness.command('oncall sre')).text).toContain('*sre*: <@U0ANNA>, until December 7');
  expect((await harness.command(`oncall overrides remove ${id}`)).text).toContain(
    `No override has the id \`${id}\``,
  );
});

it('a redelivered override command stores one override and answers the same', async () => {
  const first = await harness.command('oncall override sre <@U0ERIK> until 18:00', {
    triggerId: 'redelivered.1',
  });
  const again = await harness.command('oncall override sre <@U0ERIK> until 18:00', {
    triggerId: 'redelivered.1',
  });
  expect(again.text).toBe(first.text);
  const stored = await harness.server.store.listOnCallOverrides(clock.now().toISOString());
  expect(stored.map((o) => [o.user, o.to])).toEqual([['U0ERIK', '2026-12-02T17:00:00.000Z']]);
});

it('refuses cover for an unknown team or without a mention, and stores nothing', async () => {
  const before = await harness.server.store.listOnCallOverrides(clock.now().toISOString());
  expect((await harness.command('oncall override sr <@U0DANA> 1h')).text).toContain('Did you mean `sre`?');
  expect((await harness.command('oncall override sre dana 1h')).text).toContain(
    "'dana' is not a user mention",
  );
  expect(await harness.server.store.listOnCallOverrides(clock.now().toISOString())).toEqual(before);
});

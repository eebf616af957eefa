/**
 * A team with only a schedule is paged through its on-call person, through the real local server, the
 * escalation engine and the Slack stand-in: a DM with the incident, a mention in the incident channel
 * and an invite to it; the DM's Acknowledge button acknowledges as them. The person is the one on call
 * when the page was first tried.
 */
import { SRE_WEEKLY_ROTATION } from '../fixtures/policies';
import { fixedClock, type Harness, startHarness } from '../helpers/harness';
import { click } from '../helpers/interactions';
import { until } from '../helpers/wait';

const POLICY = SRE_WEEKLY_ROTATION;

// Wednesday of Anna's week (Monday 30 November 09:00 Berlin to Monday 7 December 09:00).
const clock = fixedClock('2026-12-02T12:00:00Z');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ clock, policy: POLICY });
});
afterAll(() => harness.close());

const posts = (channel: string) =>
  harness.slack.calls
    .filter((call) => call.method === 'chat.postMessage' && call.args.channel === channel)
    .map((call) => String(call.args.text ?? ''));

it('DMs the person on call, invites them to the incident channel and mentions them there, once', async () => {
  await harness.command('open sev2 Checkout errors');
  const channelId = await harness.channelOf('INC-1');

  await until(async () => {
    const step = (await harness.server.store.getRecord('INC-1'))?.steps?.['page.sev2.t0.sre'];
    return step?.state === 'done';
  });

  const dms = posts('U0ANNA');
  expect(dms).toHaveLength(1);
  expect(dms[0]).toContain('You are paged as on call for *sre*: *INC-1: Checkout errors*');
  expect(posts('U0BOB')).toEqual([]);
  expect(harness.slack.channels.get(channelId)?.members.has('U0ANNA')).toBe(true);
  expect(
    posts(channelId).filter((text) => text.startsWith(':rotating_light: Paging *sre* <@U0ANNA>')),
  ).toHaveLength(1);
  const paged = (await harness.server.store.getRecord('INC-1'))?.events.filter(
    (e) => e.kind === 'escalation',
  );
  expect(paged?.map((event) => event.text)).toEqual(['Paged sre (automatic, tier 1) via slack']);
});

it('acknowledges from the DM: its Acknowledge button acts as the person on call, told in the channel', async () => {
  const channelId = await harness.channelOf('INC-1');
  const dm = harness.slack.calls.find(
    (call) => call.method === 'chat.postMessage' && call.args.channel === 'U0ANNA',
  );
  const buttons = JSON.stringify(dm?.args.blocks);
  expect(buttons).toContain('"action_id":"incident.acknowledge"');
  // Paged at once, before the channel existed: no link yet (the channel mention and invite followed).
  expect(buttons).not.toContain('"url"');
  clock.set('2026-12-02T12:05:00Z');

  const response = await click(harness, {
    actionId: 'incident.acknowledge',
    value: 'INC-1',
    channelId: 'D0ANNA',
    id: 'dm-ack',
    user: 'U0ANNA',
    blockId: 'incident.page_actions',
  });

  expect(response.status).toBe(200);
  const incident = await harness.server.store.getIncident('INC-1');
  expect(incident).toMatchObject({ acknowledgedBy: 'U0ANNA', acknowledgedAt: '2026-12-02T12:05:00.000Z' });
  expect(posts(channelId)).toContain('<@U0ANNA> acknowledged INC-1 at 12:05 from a direct message');
});

it("names the person paged in the postmortem's escalation, with when they acknowledged", async () => {
  const channelId = await harness.channelOf('INC-1');

  const draft = await harness.command('postmortem', { channelId });

  expect(draft.text).toMatch(
    /team paged: sre \(on call: @U0ANNA\) — acknowledged 12:05 by @U0ANNA \(5 minutes later\)/,
  );
});

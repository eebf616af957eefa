/**
 * On-call handoffs through the real local server, store (dynalite) and the Slack stand-in over
 * 127.0.0.1, the policy read from its YAML file: when the weekly rotation hands over, the minute tick
 * (`bot.syncOnCall`, what the reconcile schedule runs) DMs the person coming on call, posts one line
 * in the schedule's handoff channel and sets its user group to them — once, however many ticks run;
 * a workspace without user groups is told once in the log; a DM Slack refuses is sent next tick.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fixedClock, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

const HANDOFF_CHANNEL = 'C0SREHANDOFF';
const GROUP = 'S0SREONCALL';

// Weekly, Mondays 09:00 Berlin: Anna's week from 30 November, Bob's from Monday 7 December 09:00
// (08:00 UTC), then Anna's again from 14 December.
function policy(extra: string): string {
  return `schedules:
  sre:
    timezone: Europe/Berlin
    layers:
      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0ANNA, U0BOB] }
${extra}teams:
  sre: { schedule: sre }
escalation:
  default:
    - { after: 0m, notify: [sre] }
`;
}

const WITH_BOTH = `    handoff_channel: ${HANDOFF_CHANNEL}\n    usergroup: ${GROUP}\n`;

interface Started {
  harness: Harness;
  clock: ReturnType<typeof fixedClock>;
  lines: string[];
  dir: string;
}

async function start(yaml: string, at: string): Promise<Started> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-handoff-'));
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, yaml);
  const clock = fixedClock(at);
  const lines: string[] = [];
  const harness = await startHarness({
    clock,
    env: { ESCALATION_POLICY: policyFile, INCIDENT_TIMEZONE: 'Europe/Berlin' },
    log: (line) => lines.push(line),
  });
  harness.slack.addChannel('sre-oncall', { id: HANDOFF_CHANNEL });
  harness.slack.addUsergroup(GROUP);
  return { harness, clock, lines, dir };
}

async function stop(started: Started | undefined): Promise<void> {
  await started?.harness.close();
  if (started) await rm(started.dir, { recursive: true, force: true });
}

const postsTo = (harness: Harness, channel: string) =>
  harness.slack
    .callsTo('chat.postMessage')
    .filter((call) => call.args.channel === channel)
    .map((call) => String(call.args.text ?? ''));

const groupUpdates = (harness: Harness) =>
  harness.slack.callsTo('usergroups.users.update').map((call) => `${call.args.usergroup}=${call.args.users}`);

describe('a handoff of the weekly rotation', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(policy(WITH_BOTH), '2026-12-07T07:55:00Z');
  });
  afterAll(() => stop(s));

  it('is told once to the person coming on call and in the handoff channel, and sets the user group once', async () => {
    // prepare: Anna's week; the tick at start makes the group hold her. One incident is open.
    const { harness, clock } = s;
    await until(() => harness.slack.usergroups.get(GROUP)?.users.join(',') === 'U0ANNA');
    await harness.command('open sev2 Checkout errors');

    // act: the clock passes Monday 09:00 Berlin; two ticks at once (two workers), then the next minute's
    clock.set('2026-12-07T08:00:20Z');
    await Promise.all([harness.server.bot.syncOnCall(), harness.server.bot.syncOnCall()]);
    clock.set('2026-12-07T08:01:20Z');
    await harness.server.bot.syncOnCall();

    // assess
    expect(postsTo(harness, 'U0BOB')).toEqual([
      ':pager: You are now on call for *sre* until December 14, 2026, 09:00 GMT+1; next: <@U0ANNA>. 1 incident is open: `/incident list`. Who is on call for every team: `/incident oncall`.',
    ]);
    expect(postsTo(harness, HANDOFF_CHANNEL)).toEqual([
      '*sre*: <@U0BOB> is on call now (after <@U0ANNA>) until December 14, 2026, 09:00 GMT+1.',
    ]);
    expect(groupUpdates(harness)).toEqual([`${GROUP}=U0ANNA`, `${GROUP}=U0BOB`]);
    expect(harness.slack.usergroups.get(GROUP)?.users).toEqual(['U0BOB']);
    // Anna, going off call, gets no handoff DM (only the page of the incident).
    expect(postsTo(harness, 'U0ANNA').filter((text) => text.includes('now on call'))).toEqual([]);
  });

  it('is not announced when first noticed more than 15 minutes late, while the user group still follows it', async () => {
    // act: the bot "was down" over the next Monday's handoff
    const { harness, clock } = s;
    clock.set('2026-12-14T08:20:00Z');
    await harness.server.bot.syncOnCall();

    // assess: no late DM or channel line, but the group follows whoever is on call now
    expect(postsTo(harness, 'U0ANNA').filter((text) => text.includes('now on call'))).toEqual([]);
    expect(postsTo(harness, HANDOFF_CHANNEL)).toHaveLength(1);
    expect(groupUpdates(harness)).toEqual([`${GROUP}=U0ANNA`, `${GROUP}=U0BOB`, `${GROUP}=U0ANNA`]);
  });
});

describe('a workspace whose Slack plan has no user groups', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(policy(WITH_BOTH), '2026-12-07T08:00:20Z');
  });
  afterAll(() => stop(s));

  it('is told once in the log, and the group is not tried again every tick', async () => {
    // prepare
    const { harness, clock, lines } = s;
    harness.slack.setPlan('free');
    const planLines = () => lines.filter((line) => line.startsWith(`usergroup ${GROUP} not synced`));

    // act: the tick at start, and two more minutes
    await harness.server.bot.syncOnCall();
    await until(() => planLines().length > 0);
    clock.set('2026-12-07T08:01:20Z');
    await harness.server.bot.syncOnCall();
    clock.set('2026-12-07T08:02:20Z');
    await harness.server.bot.syncOnCall();

    // assess
    expect(planLines()).toEqual([
      `usergroup ${GROUP} not synced: the workspace's Slack plan has no user groups (paid_teams_only)`,
    ]);
    expect(groupUpdates(harness)).toEqual([`${GROUP}=U0BOB`]);
    // The handoff itself is still told.
    expect(postsTo(harness, 'U0BOB')).toHaveLength(1);
  });
});

describe('a handoff DM that Slack refuses', () => {
  let s: Started;
  beforeAll(async () => {
    // No user group and no handoff channel: the DM is the only Slack call a tick makes.
    s = await start(policy(''), '2026-12-07T07:59:00Z');
  });
  afterAll(() => stop(s));

  it('is logged and sent on the next tick', async () => {
    // prepare
    const { harness, clock, lines } = s;
    clock.set('2026-12-07T08:00:20Z');
    harness.slack.fault('chat.postMessage', { error: 'internal_error', times: 1 });

    // act
    const first = await harness.server.bot.syncOnCall();
    clock.set('2026-12-07T08:01:20Z');
    const second = await harness.server.bot.syncOnCall();
    clock.set('2026-12-07T08:02:20Z');
    const third = await harness.server.bot.syncOnCall();

    // assess
    expect(first.failed).toEqual(['sre 2026-12-07T08:00:00.000Z U0BOB dm']);
    expect(lines).toContain(
      'handoff of sre to U0BOB at 2026-12-07T08:00:00.000Z: the DM failed (Slack says internal_error); tried again next minute',
    );
    expect(second.sent).toEqual(['sre 2026-12-07T08:00:00.000Z U0BOB dm']);
    expect(third.sent).toEqual([]);
    expect(postsTo(harness, 'U0BOB')).toHaveLength(2);
    expect(
      harness.slack.messages.filter((message) => message.text?.includes('You are now on call')),
    ).toHaveLength(1);
  });
});

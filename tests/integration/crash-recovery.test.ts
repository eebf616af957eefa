/**
 * docs/architecture.md, "What holds under faults": work that was acknowledged is never lost, and a
 * redelivered request finishes unfinished work without doing any of it twice. The bot runs as a child
 * process (tests/helpers/bot-process.ts) that is SIGKILLed mid-work and started again on the same
 * DATA_DIR; Slack and PagerDuty are stand-ins in this process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Incident } from '../../lambda/incidents/types';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { TABLE } from '../../lambda/store/table';
import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { type SlackApiStub, type StubMessage, startSlackApiStub } from '../../local/slack-api-stub';
import {
  type BotProcess,
  postSigned,
  retryHeaders,
  type SlackReply,
  sendSlashCommand,
  slashCommandRequestBody,
  startBotProcess,
  stopAllBotProcesses,
  waitHealthy,
} from '../helpers/bot-process';
import { startTestDynamo } from '../helpers/table';
import { until } from '../helpers/wait';

const GENERAL = 'C0GENERAL';
const ANNOUNCEMENTS = 'C0INCIDENTS';
const ROUTING_KEY = 'R0UTINGKEY0ONCALL000000000000000'; // 32 characters, as PagerDuty's are
const DEDUP_KEY = 'incident-bot/INC-1/oncall';
const POLICY = `teams:
  oncall: { pagerduty: ${ROUTING_KEY} }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
`;

const signingSecret = randomBytes(16).toString('hex');
let slack: SlackApiStub;
let pagerDuty: PagerDutyStub;
const dataDirs: string[] = [];

beforeAll(async () => {
  slack = await startSlackApiStub({
    // The storm below opens 33 incidents and logs 60 lines in a few seconds: more channels
    // (conversations.create, Tier 2: 20 a minute) and announcements (chat.postMessage, about one a
    // second per channel) than Slack takes from one app in a minute. The bot copes with Slack's 429s
    // (the jobs wait out Retry-After), but that turns a 15 s test into more than a minute; what this
    // file tests is crash recovery, so its Slack takes 4x Slack's numbers.
    rateLimits: { scale: 4 },
    channels: [
      { id: GENERAL, name: 'general' },
      { id: ANNOUNCEMENTS, name: 'incidents' },
    ],
  });
  pagerDuty = await startPagerDutyStub();
});
afterEach(() => stopAllBotProcesses());
afterAll(async () => {
  await stopAllBotProcesses();
  await slack.close();
  await pagerDuty.close();
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-crash-'));
  dataDirs.push(dir);
  await writeFile(path.join(dir, 'policy.yaml'), POLICY);
  return dir;
}

function startBot(dataDir: string): Promise<BotProcess> {
  return startBotProcess({
    dataDir,
    env: {
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_BOT_TOKEN: 'xoxb-crash-test',
      SLACK_API_URL: slack.url,
      INCIDENTS_CHANNEL: ANNOUNCEMENTS,
      PAGERDUTY_EVENTS_URL: pagerDuty.url,
      ESCALATION_POLICY: path.join(dataDir, 'policy.yaml'),
      RECONCILE_INTERVAL: '1',
    },
  });
}

/** Reads the store a stopped bot left in `dataDir`, in this process. */
async function withStore<T>(dataDir: string, read: (store: DynamoIncidentStore) => Promise<T>): Promise<T> {
  const dynamo = await startTestDynamo({ dataDir });
  try {
    return await read(new DynamoIncidentStore({ client: dynamo.client, tableName: TABLE.defaultName }));
  } finally {
    await dynamo.close();
  }
}

/** Every incident numbered 1..limit (numbers need not be contiguous). */
async function allIncidents(store: DynamoIncidentStore, limit = 150): Promise<Incident[]> {
  const found = await Promise.all(
    Array.from({ length: limit }, (_, index) => store.getIncident(`INC-${index + 1}`)),
  );
  return found.filter((incident): incident is Incident => incident !== undefined);
}

const incidentChannels = () =>
  [...slack.channels.values()].filter((channel) => channel.name.startsWith('inc-'));

/** Runs `tasks` with at most `limit` in flight; `onSettled` sees each result as it comes. */
async function pooled<T>(
  tasks: (() => Promise<T>)[],
  limit: number,
  onSettled: (result: PromiseSettledResult<T>, index: number) => void,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index] as () => Promise<T>;
      try {
        results[index] = { status: 'fulfilled', value: await task() };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
      onSettled(results[index] as PromiseSettledResult<T>, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe('SIGKILL while 90 slash commands arrive, then Slack redelivers all of them', () => {
  beforeEach(() => {
    slack.reset();
    pagerDuty.reset();
  });

  it('ends with exactly 30 new incidents and 60 timeline events', async () => {
    const dataDir = await freshDataDir();
    let bot = await startBot(dataDir);
    await waitHealthy(bot.url);

    // Three incidents the 60 logs go to, set up before the storm.
    for (const n of [1, 2, 3]) {
      const reply = await sendSlashCommand(bot.url, signingSecret, {
        text: `open sev3 Log target ${n}`,
        triggerId: `crash.setup.${n}`,
      });
      expect(reply.status).toBe(200);
    }
    await slack.waitFor(() => incidentChannels().length === 3, 20_000);

    const bodies = [
      ...Array.from({ length: 30 }, (_, i) =>
        slashCommandRequestBody({ text: `open sev3 Crash open ${i}`, triggerId: `crash.open.${i}` }),
      ),
      ...Array.from({ length: 60 }, (_, i) =>
        slashCommandRequestBody({
          text: `log INC-${1 + (i % 3)} action: crash log ${i}`,
          triggerId: `crash.log.${i}`,
        }),
      ),
    ];
    // Interleave opens and logs, so the kill lands among both.
    const order = bodies.map((_, index) => index).sort((a, b) => (a % 3) - (b % 3) || a - b);

    // Slow Slack down so jobs are still running when the bot dies.
    slack.setDelay(100);
    let answered = 0;
    let killed: Promise<unknown> | undefined;
    const first = await pooled(
      order.map((index) => () => postSigned(bot.url, signingSecret, bodies[index] as string, {}, 5000)),
      15,
      (result) => {
        if (result.status === 'fulfilled') answered += 1;
        if (answered === 40 && !killed) killed = bot.kill('SIGKILL');
      },
    );
    await killed;
    slack.setDelay(0);
    const acknowledged = first.filter((r) => r.status === 'fulfilled' && r.value.status === 200).length;
    expect(acknowledged).toBeGreaterThanOrEqual(40);
    expect(acknowledged).toBeLessThan(90);

    bot = await startBot(dataDir);
    await waitHealthy(bot.url);
    const redelivered = await Promise.all(
      bodies.map((body) => postSigned(bot.url, signingSecret, body, retryHeaders(1, 'http_timeout'))),
    );
    expect(redelivered.map((reply: SlackReply) => reply.status)).toEqual(bodies.map(() => 200));

    // Every incident gets its channel, whether its job was lost with the process or not.
    await slack.waitFor(() => incidentChannels().length >= 33, 60_000);
    await bot.kill('SIGTERM');

    const { titles, logs } = await withStore(dataDir, async (store) => {
      const incidents = await allIncidents(store);
      const records = await Promise.all(['INC-1', 'INC-2', 'INC-3'].map((id) => store.getRecord(id)));
      return {
        titles: incidents.map((incident) => incident.title),
        logs: records.flatMap((record) =>
          (record?.events ?? [])
            .filter((event) => event.kind === 'action' && /^crash log \d+$/.test(event.text))
            .map((event) => event.text),
        ),
      };
    });
    const crashTitles = titles.filter((title) => /^Crash open \d+$/.test(title));
    expect(crashTitles).toHaveLength(30);
    expect(new Set(crashTitles).size).toBe(30);
    expect(titles).toHaveLength(33);
    expect(logs).toHaveLength(60);
    expect(new Set(logs).size).toBe(60);

    // One channel per incident: a second one (`inc-14-x-2`) means a create whose answer died with the bot.
    const names = incidentChannels().map((channel) => channel.name);
    const byIncident = new Map<string, string[]>();
    for (const name of names) {
      const number = /^inc-(\d+)-/.exec(name)?.[1] ?? name;
      byIncident.set(number, [...(byIncident.get(number) ?? []), name]);
    }
    expect([...byIncident.values()].filter((group) => group.length > 1)).toEqual([]);
    expect(byIncident.size).toBe(33);
  }, 120_000);
});

// ---- SIGKILL at each step of open, page and resolve ------------------------------------------------

type Phase = 'open' | 'resolve';
/** `hang`: the call never takes effect. `lost-answer`: it takes effect after the bot died, unanswered. */
type Mode = 'hang' | 'lost-answer';
/** The `nth` call of a Web API method in the phase, or PagerDuty's event of that action. */
type Step = { slack: string; nth: number; what: string } | { pagerDuty: 'trigger' | 'resolve'; what: string };

interface Case {
  phase: Phase;
  step: Step;
  mode: Mode;
}

const LOST_ANSWER_DELAY_MS = 800;
// The calls each phase makes today, in order (PagerDuty runs beside them, not after).
const OPEN_STEPS: Step[] = [
  { slack: 'conversations.create', nth: 1, what: 'creating the channel' },
  { slack: 'conversations.invite', nth: 1, what: 'inviting the declarer' },
  { slack: 'chat.postMessage', nth: 1, what: 'posting the summary' },
  { slack: 'pins.add', nth: 1, what: 'pinning the summary' },
  { slack: 'conversations.setTopic', nth: 1, what: 'setting the topic' },
  { slack: 'chat.postMessage', nth: 2, what: 'announcing the incident' },
  { pagerDuty: 'trigger', what: 'paging the team' },
];
const RESOLVE_STEPS: Step[] = [
  { slack: 'files.getUploadURLExternal', nth: 1, what: 'starting the postmortem upload' },
  { slack: 'files.completeUploadExternal', nth: 1, what: 'completing the postmortem upload' },
  { slack: 'chat.update', nth: 1, what: 'updating the summary' },
  { slack: 'chat.postMessage', nth: 1, what: 'posting the resolution in the channel' },
  { slack: 'chat.postMessage', nth: 2, what: 'announcing the resolution' },
  { pagerDuty: 'resolve', what: 'resolving the page' },
];
const MODES: Mode[] = ['hang', 'lost-answer'];
const CASES: Case[] = (
  [
    ['open', OPEN_STEPS],
    ['resolve', RESOLVE_STEPS],
  ] as const
).flatMap(([phase, steps]) =>
  steps.flatMap((step) =>
    // PagerDuty's stand-in shows a request on arrival only when it hangs.
    ('slack' in step ? MODES : (['hang'] as const)).map((mode) => ({ phase, step, mode })),
  ),
);

/** INC-1's channel: the one with the pinned summary when a crash left a second one. */
const incidentChannel = () => {
  const candidates = incidentChannels().filter((channel) => channel.name.startsWith('inc-1-'));
  return candidates.find((channel) => channel.pins.length > 0) ?? candidates[0];
};
const inChannel = (channelId: string | undefined) => (m: StubMessage) => m.channel === channelId;
const announcements = () => slack.messages.filter((m) => m.channel === ANNOUNCEMENTS);
const isResolution = (m: StubMessage) => /^INC-1 resolved/.test(m.text ?? '');
const triggers = () =>
  pagerDuty.events.filter((e) => e.dedup_key === DEDUP_KEY && e.event_action === 'trigger');
const pdResolves = () =>
  pagerDuty.events.filter((e) => e.dedup_key === DEDUP_KEY && e.event_action === 'resolve');

/** Everything open (and paging) does, done: channel, pinned summary, announcement, page. */
function openDone(): boolean {
  const channel = incidentChannel();
  return Boolean(channel && channel.pins.length > 0 && announcements().length > 0 && triggers().length > 0);
}

/** Everything resolve does, done: postmortem uploaded, resolution posted and announced, page resolved. */
function resolveDone(): boolean {
  const channel = incidentChannel();
  return Boolean(
    channel &&
      slack.uploads.some((u) => u.channelId === channel.id && u.filename.endsWith('.md')) &&
      slack.messages.filter(inChannel(channel.id)).some(isResolution) &&
      announcements().some(isResolution) &&
      pdResolves().length > 0,
  );
}

/** What Slack and PagerDuty saw, and the bot's last words: for a wait that ran out. */
function stateDump(bot: BotProcess): string {
  const channels = incidentChannels().map((c) => `${c.id} #${c.name} pins=${JSON.stringify(c.pins)}`);
  const messages = slack.messages.map((m) => `${m.channel} ${m.ts} ${(m.text ?? '').slice(0, 70)}`);
  const calls = slack.calls.slice(-25).map((c) => c.method);
  const pd = pagerDuty.attempts.map(
    (a) => `${a.status} ${(a.body as { event_action?: string })?.event_action ?? '?'}`,
  );
  return [
    `channels:\n  ${channels.join('\n  ')}`,
    `messages:\n  ${messages.join('\n  ')}`,
    `uploads: ${slack.uploads.map((u) => `${u.filename}@${u.channelId}`).join(', ')}`,
    `latest calls: ${calls.join(', ')}`,
    `PagerDuty attempts: ${pd.join(', ')}`,
    `bot output (tail):\n${bot.output().slice(-3000)}`,
  ].join('\n');
}

async function settle(bot: BotProcess, what: string, check: () => boolean, timeoutMs = 30_000) {
  await until(check, timeoutMs).catch(() => {
    throw new Error(`${what}: not done within ${timeoutMs} ms\n${stateDump(bot)}`);
  });
}

describe.each(CASES)('SIGKILL at each step: $phase', (testCase) => {
  beforeEach(() => {
    slack.reset();
    pagerDuty.reset();
    pagerDuty.hang(false);
  });

  const { phase, step, mode } = testCase;
  it(`${phase}: killed while ${step.what} (${mode}): everything happens exactly once after a restart`, async () => {
    const dataDir = await freshDataDir();
    let bot = await startBot(dataDir);
    await waitHealthy(bot.url);

    if (phase === 'resolve') {
      const opened = await sendSlashCommand(bot.url, signingSecret, {
        text: 'open sev2 Crash at a step',
        triggerId: 'crash.step.open',
      });
      expect(opened.status).toBe(200);
      await settle(bot, 'open before the crash', openDone, 20_000);
    }

    // Arm the fault on the step's call, then send the command that will run into it.
    const seenBefore = 'slack' in step ? slack.callsTo(step.slack).length : pagerDuty.attempts.length;
    if ('slack' in step) {
      // Faults of a method apply in order: the calls before the nth pass untouched.
      if (step.nth > 1) slack.fault(step.slack, { delayMs: 0, times: step.nth - 1 });
      slack.fault(
        step.slack,
        mode === 'hang' ? { hang: true, times: 1 } : { delayMs: LOST_ANSWER_DELAY_MS, times: 1 },
      );
    } else {
      pagerDuty.hang(true);
    }
    const command =
      phase === 'open'
        ? { text: 'open sev2 Crash at a step', triggerId: 'crash.step.open' }
        : {
            text: 'resolve Rolled back the deploy',
            triggerId: 'crash.step.resolve',
            channelId: incidentChannel()?.id ?? GENERAL,
          };
    const body = slashCommandRequestBody(command);
    const firstDelivery = postSigned(bot.url, signingSecret, body, {}, 5000).catch(
      (error: unknown) => error as Error,
    );

    // The bot is at the step: kill it there.
    await settle(bot, `reaching the step (${step.what})`, () =>
      'slack' in step
        ? slack.callsTo(step.slack).length >= seenBefore + step.nth
        : pagerDuty.attempts.slice(seenBefore).some((attempt) => {
            const action = (attempt.body as { event_action?: string })?.event_action;
            return attempt.status === 0 && action === step.pagerDuty;
          }),
    );
    const killedAt = Date.now();
    await bot.kill('SIGKILL');
    slack.clearFaults();
    pagerDuty.hang(false);
    if (mode === 'lost-answer') {
      // The delayed call takes effect LOST_ANSWER_DELAY_MS after it arrived, with nobody to answer.
      await until(() => Date.now() > killedAt + LOST_ANSWER_DELAY_MS + 200, LOST_ANSWER_DELAY_MS + 2000);
    }
    const first = await firstDelivery;

    bot = await startBot(dataDir);
    await waitHealthy(bot.url);
    // Slack redelivers what it got no answer to; what was acknowledged is the bot's to finish.
    if (first instanceof Error || first.status !== 200) {
      const again = await postSigned(bot.url, signingSecret, body, retryHeaders(1, 'http_timeout'));
      expect(again.status).toBe(200);
    }

    await settle(bot, 'open after the restart', openDone);
    if (phase === 'open') {
      const channelId = incidentChannel()?.id;
      const resolved = await sendSlashCommand(bot.url, signingSecret, {
        text: 'resolve Rolled back the deploy',
        triggerId: 'crash.step.resolve',
        ...(channelId ? { channelId } : {}),
      });
      expect(resolved.status).toBe(200);
    }
    await settle(bot, 'resolve after the restart', resolveDone);
    // Let the reconciler (every second) pass a few more times: nothing may be done twice later either.
    const settledAt = Date.now();
    await until(() => Date.now() > settledAt + 2500, 5000);

    const channels = incidentChannels();
    expect(channels.map((c) => c.name)).toEqual(['inc-1-crash-at-a-step']);
    const channel = channels[0];
    const inIncidentChannel = slack.messages.filter(inChannel(channel?.id));
    const summaries = inIncidentChannel.filter((m) => /^INC-1: /.test(m.text ?? ''));
    expect(summaries.map((m) => m.text)).toEqual(['INC-1: Crash at a step (sev2, resolved)']);
    expect(channel?.pins).toEqual([summaries[0]?.ts]);
    expect(inIncidentChannel.filter(isResolution)).toHaveLength(1);
    expect(announcements().filter((m) => /declared/.test(m.text ?? ''))).toHaveLength(1);
    expect(announcements().filter(isResolution)).toHaveLength(1);
    expect(announcements()).toHaveLength(2);
    // One PagerDuty incident, paged once: a bot killed between PagerDuty's 202 and recording the page
    // (paging runs beside the channel setup, so an early kill can land there) sends the trigger
    // again, with the same dedup_key, which PagerDuty appends to the open incident without paging.
    // A page that went out before the channel existed is followed by the same trigger with the
    // channel's link while the incident is open (twice at most when a kill lands between its 202 and
    // its record); resolved first, it needs no link.
    expect(new Set(triggers().map((trigger) => trigger.dedup_key))).toEqual(new Set([DEDUP_KEY]));
    const linked = triggers().filter((trigger) => trigger.links !== undefined);
    expect(triggers().length).toBeGreaterThanOrEqual(1);
    expect(triggers().length - linked.length).toBeLessThanOrEqual(phase === 'open' ? 2 : 1);
    expect(linked.length).toBeLessThanOrEqual(phase === 'open' ? 2 : 1);
    for (const trigger of linked) {
      expect(trigger.links).toEqual([
        { href: `https://slack.com/app_redirect?channel=${channel?.id}`, text: 'Incident channel' },
      ]);
    }
    expect(pdResolves().length).toBeGreaterThanOrEqual(1);
    const uploads = slack.uploads.filter((u) => u.channelId === channel?.id).map((u) => u.filename);
    expect(uploads.filter((name) => name.endsWith('.md'))).toEqual(['INC-1.md']);
    expect(new Set(uploads).size).toBe(uploads.length);

    await bot.kill('SIGTERM');
    const record = await withStore(dataDir, (store) => store.getRecord('INC-1'));
    expect(record?.incident.status).toBe('resolved');
    expect(record?.events.filter((event) => event.kind === 'escalation')).toHaveLength(1);
  }, 90_000);
});

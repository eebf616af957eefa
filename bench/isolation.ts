/**
 * 7. Isolation between incidents: how long incident B's channel setup takes (from sending its signed
 * `/incident open` to its channel created and its summary posted in the Slack stand-in) when B is
 * alone vs while incident A's `conversations.create` hangs (a one-shot fault, so only A's call hangs;
 * the SlackChat timeout is 10 s). Jobs of different incidents run in parallel lanes, so B should not
 * notice A. Runs alternate alone / beside a hung A; every hung A stays hung to the end of the section.
 */
import type { RecordedCall } from '../local/slack-api-stub';
import { ANNOUNCEMENTS, type BenchBot, openedId, startBenchBot } from './bot';
import { median, ms, p99, progress, type Row, ratio, row, until, yesNo } from './stats';

const RUNS = 11;
const WARMUP = 5;
const GOAL = 1.25;
const TIMEOUT_MS = 5_000;

const prefixOf = (incidentId: string) => `inc-${incidentId.replace(/^INC-/, '')}-`;

function channelCreated(bot: BenchBot, incidentId: string): string | undefined {
  const prefix = prefixOf(incidentId);
  return [...bot.slack.channels.values()].find((channel) => channel.name.startsWith(prefix))?.id;
}

/** The stand-in's record of the first chat.postMessage into `channelId`: the pinned summary. */
function summaryCall(bot: BenchBot, channelId: string): RecordedCall | undefined {
  return bot.slack
    .callsTo('chat.postMessage')
    .find(
      (call) => call.args.channel === channelId && bot.slack.messages.some((m) => m.channel === channelId),
    );
}

/** Opens B; ms from sending the command to the stand-in receiving its summary in its new channel. */
async function channelSetup(bot: BenchBot, label: string): Promise<number> {
  const sentAt = Date.now();
  const open = await bot.command(`open sev2 Bench isolation ${label}`);
  if (open.status !== 200) throw new Error(`open answered ${open.status}: ${open.text}`);
  const id = openedId(open.text);
  let summary: RecordedCall | undefined;
  await until(
    () => {
      const channel = channelCreated(bot, id);
      summary = channel ? summaryCall(bot, channel) : undefined;
      return summary !== undefined;
    },
    TIMEOUT_MS,
    `isolation: the channel and summary of ${id}`,
  );
  const at = (summary as RecordedCall).at;
  // The rest of B's setup (pin, topic, announcement) finishes before the next run starts.
  await until(
    () => bot.slack.messages.some((m) => m.channel === ANNOUNCEMENTS && m.text?.includes(`${id} declared`)),
    TIMEOUT_MS,
    `isolation: the announcement of ${id}`,
  );
  return at - sentAt;
}

/** Opens A with its conversations.create hanging; resolves once that call is held by the stand-in. */
async function openHungIncident(bot: BenchBot, label: string): Promise<string> {
  bot.slack.fault('conversations.create', { hang: true, times: 1 });
  const open = await bot.command(`open sev2 Bench isolation hung ${label}`);
  const id = openedId(open.text);
  const prefix = prefixOf(id);
  await until(
    () => bot.slack.callsTo('conversations.create').some((call) => String(call.args.name).startsWith(prefix)),
    TIMEOUT_MS,
    `isolation: the hung conversations.create of ${id}`,
  );
  return id;
}

export async function benchIsolation(): Promise<Row[]> {
  const bot = await startBenchBot({}, { log: () => {} });
  try {
    progress(`isolation: warm-up, ${WARMUP} incidents`);
    for (let i = 0; i < WARMUP; i++) await channelSetup(bot, `warm-up ${i}`);
    await bot.server.jobs.drain();

    const alone: number[] = [];
    const beside: number[] = [];
    const hung: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      progress(`isolation: run ${i + 1}/${RUNS}, B alone then B beside a hung A`);
      alone.push(await channelSetup(bot, `B alone ${i}`));
      hung.push(await openHungIncident(bot, `A ${i}`));
      beside.push(await channelSetup(bot, `B beside hung A ${i}`));
    }
    // Each A's call must still be hung (no channel), or B did not run beside a hung A.
    const stillHung = hung.filter((id) => channelCreated(bot, id) === undefined).length;
    progress(
      `isolation: alone ${alone.map((v) => v.toFixed(0)).join(', ')} ms; beside a hung A ` +
        `${beside.map((v) => v.toFixed(0)).join(', ')} ms; ${stillHung}/${hung.length} A still without a channel`,
    );
    if (stillHung !== hung.length)
      throw new Error(`only ${stillHung} of ${hung.length} A incidents stayed hung`);
    const base = median(alone);
    const m = median(beside);
    return [
      row({
        measurement: 'channel setup of B (open → channel + summary), B alone',
        n: String(alone.length),
        median: ms(base),
        p99: ms(p99(alone)),
      }),
      row({
        measurement: "channel setup of B, A's conversations.create hanging",
        n: String(beside.length),
        median: ms(m),
        p99: ms(p99(beside)),
        baseline: ms(base),
        ratio: ratio(m / base),
        goal: `≈ 1× (≤ ${GOAL.toFixed(2)}×)`,
        met: yesNo(m / base <= GOAL),
      }),
    ];
  } finally {
    await bot.close(5_000);
  }
}

/**
 * 1. Ack latency of the Slack handler over real HTTP, with the Slack stand-in instant vs 800 ms per
 * call. The slow work runs in the in-process job queue after the ack; the queue is drained between
 * phases only, so in the slow phase the acks run while Slack calls are still under way.
 */
import { type BenchBot, channelOf, GENERAL, openedId, startBenchBot } from './bot';
import { median, ms, p99, progress, type Row, ratio, row, yesNo } from './stats';

const LOGS = 100;
/** Positions in the sequence (after that many logs) where an `open` is sent. */
const OPENS_AFTER = [20, 40, 60, 80];
const WARMUP_LOGS = 20;
const SLOW_MS = 800;
const GOAL = 1.5;

interface PhaseResult {
  log: number[];
  open: number[];
}

async function runSequence(bot: BenchBot, channel: string, label: string): Promise<PhaseResult> {
  const result: PhaseResult = { log: [], open: [] };
  for (let i = 0; i < LOGS; i++) {
    if (OPENS_AFTER.includes(i)) {
      const open = await bot.command(`open sev3 Bench ${label} incident ${i}`, GENERAL);
      if (open.status !== 200) throw new Error(`open answered ${open.status}: ${open.text}`);
      openedId(open.text);
      result.open.push(open.ms);
    }
    const log = await bot.command(`log action: bench ${label} step ${i}, restarted worker pool`, channel);
    if (log.status !== 200 || !log.text.startsWith('Logged')) {
      throw new Error(`log answered ${log.status}: ${log.text}`);
    }
    result.log.push(log.ms);
  }
  return result;
}

async function drain(bot: BenchBot): Promise<void> {
  await bot.server.jobs.drain();
  if (bot.jobErrors.length > 0) {
    progress(`ack: jobs failed: ${bot.jobErrors.join('; ')}`);
    bot.jobErrors.length = 0;
  }
}

export async function benchAck(): Promise<Row[]> {
  const bot = await startBenchBot();
  try {
    // Two incidents whose channels exist before timing starts: one per phase.
    const instantId = openedId((await bot.command('open sev3 Bench ack (instant Slack)')).text);
    const slowId = openedId((await bot.command('open sev3 Bench ack (slow Slack)')).text);
    await drain(bot);
    const instantChannel = await channelOf(bot, instantId);
    const slowChannel = await channelOf(bot, slowId);

    progress('ack: warm-up');
    for (let i = 0; i < WARMUP_LOGS; i++) await bot.command(`log note: warm-up ${i}`, instantChannel);
    await bot.command('open sev4 Bench warm-up incident');
    await drain(bot);

    progress(`ack: instant Slack, ${LOGS} logs + ${OPENS_AFTER.length} opens`);
    const instant = await runSequence(bot, instantChannel, 'instant');
    await drain(bot);

    progress(`ack: Slack +${SLOW_MS} ms per call, ${LOGS} logs + ${OPENS_AFTER.length} opens`);
    bot.slack.setDelay(SLOW_MS);
    const callsBefore = bot.slack.calls.length;
    const slow = await runSequence(bot, slowChannel, 'slow');
    const slackCallsDuringPhase = bot.slack.calls.length - callsBefore;
    // The phase is over: let the queued Slack work finish quickly, then drain it.
    bot.slack.setDelay(0);
    await drain(bot);
    progress(
      `ack: ${slackCallsDuringPhase} Slack calls answered during the slow phase, ` +
        `${bot.slack.calls.length - callsBefore} by the end of its jobs`,
    );

    const rows: Row[] = [];
    for (const [verb, instantSamples, slowSamples] of [
      ['log', instant.log, slow.log],
      ['open', instant.open, slow.open],
    ] as const) {
      const base = median(instantSamples);
      const slowMedian = median(slowSamples);
      rows.push(
        row({
          measurement: `ack /incident ${verb}, Slack instant`,
          n: String(instantSamples.length),
          median: ms(base),
          p99: ms(p99(instantSamples)),
        }),
        row({
          measurement: `ack /incident ${verb}, Slack +${SLOW_MS} ms`,
          n: String(slowSamples.length),
          median: ms(slowMedian),
          p99: ms(p99(slowSamples)),
          baseline: ms(base),
          ratio: ratio(slowMedian / base),
          goal: `≤ ${GOAL.toFixed(2)}×`,
          met: yesNo(slowMedian / base <= GOAL),
        }),
      );
    }
    return rows;
  } finally {
    await bot.close();
  }
}

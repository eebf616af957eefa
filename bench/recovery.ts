/**
 * 8. Restart to a recovered channel: the real local server (`local/server.ts` as `npm start` runs
 * it, a child process on a DATA_DIR, tests/helpers/bot-process.ts) takes `/incident open` while
 * Slack's `conversations.create` hangs, is SIGKILLed with that call in flight, and is started again
 * on the same DATA_DIR with Slack healthy. Measured from the restart (spawn) to the new server
 * listening, and to the incident's channel existing in the Slack stand-in: the journal and the
 * reconciler redo the lost step. A fresh DATA_DIR per run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SlackApiStub } from '../local/slack-api-stub';
import {
  type BotProcess,
  sendSlashCommand,
  startBotProcess,
  stopAllBotProcesses,
} from '../tests/helpers/bot-process';
import { ANNOUNCEMENTS, openedId, startBenchSlack } from './bot';
import { median, ms, p99, performance, progress, type Row, row, until } from './stats';

const RUNS = 5;
const TIMEOUT_MS = 20_000;

interface RunResult {
  listening: number;
  channel: number;
}

async function oneRun(slack: SlackApiStub, signingSecret: string, run: number): Promise<RunResult> {
  // Every run starts at INC-1 on its fresh DATA_DIR: the stand-in forgets the previous run's channels.
  slack.reset();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-recovery-'));
  const start = (): Promise<BotProcess> =>
    startBotProcess({
      dataDir,
      env: {
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_API_URL: slack.url,
        INCIDENTS_CHANNEL: ANNOUNCEMENTS,
      },
    });
  try {
    const first = await start();
    slack.fault('conversations.create', { hang: true });
    const reply = await sendSlashCommand(first.url, signingSecret, {
      text: `open sev2 Bench recovery ${run}`,
    });
    if (reply.status !== 200) throw new Error(`open answered ${reply.status}: ${reply.text}`);
    const id = openedId(reply.text);
    const prefix = `inc-${id.replace(/^INC-/, '')}-`;
    const named = (name: unknown) => String(name).startsWith(prefix);
    await until(
      () => slack.callsTo('conversations.create').some((call) => named(call.args.name)),
      TIMEOUT_MS,
      `recovery: the hung conversations.create of ${id}`,
    );
    await first.kill('SIGKILL');
    slack.clearFaults();
    if ([...slack.channels.values()].some((channel) => named(channel.name))) {
      throw new Error(`recovery: ${id} has a channel before the restart`);
    }

    const restartedAt = performance.now();
    const second = await start();
    const listening = performance.now() - restartedAt;
    await until(
      () => [...slack.channels.values()].some((channel) => named(channel.name)),
      TIMEOUT_MS,
      `recovery: the channel of ${id} after the restart`,
    );
    const channel = performance.now() - restartedAt;
    await second.kill('SIGKILL');
    return { listening, channel };
  } finally {
    await stopAllBotProcesses();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchRecovery(): Promise<Row[]> {
  const slack = await startBenchSlack();
  const signingSecret = randomBytes(16).toString('hex');
  try {
    const results: RunResult[] = [];
    for (let run = 0; run < RUNS; run++) {
      progress(`recovery: run ${run + 1}/${RUNS}: SIGKILL with conversations.create in flight, restart`);
      results.push(await oneRun(slack, signingSecret, run));
    }
    const listening = results.map((r) => r.listening);
    const channel = results.map((r) => r.channel);
    const after = results.map((r) => r.channel - r.listening);
    progress(
      `recovery: listening ${listening.map((v) => v.toFixed(0)).join(', ')} ms; channel ` +
        `${channel.map((v) => v.toFixed(0)).join(', ')} ms after the restart`,
    );
    return [
      row({
        measurement: 'restart after SIGKILL mid channel step → server listening',
        n: String(RUNS),
        median: ms(median(listening)),
        p99: ms(p99(listening)),
      }),
      row({
        measurement: 'restart after SIGKILL mid channel step → channel exists in Slack',
        n: String(RUNS),
        median: ms(median(channel)),
        p99: ms(p99(channel)),
      }),
      row({
        measurement: '  of which: server listening → channel exists',
        n: String(RUNS),
        median: ms(median(after)),
        p99: ms(p99(after)),
      }),
    ];
  } finally {
    await slack.close();
  }
}

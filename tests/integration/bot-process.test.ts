/**
 * The bot as `npm start` runs it, in a child process: started, SIGKILLed and started again on the same
 * DATA_DIR, with the Slack stand-in in the test process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';
import {
  retryHeaders,
  runningBotProcesses,
  sendSlashCommand,
  startBotProcess,
  stopAllBotProcesses,
  waitHealthy,
} from '../helpers/bot-process';

const GENERAL = 'C0GENERAL';
const ANNOUNCEMENTS = 'C0INCIDENTS';

describe('the bot as a child process', () => {
  let slack: SlackApiStub;
  let dataDir: string;
  const signingSecret = randomBytes(16).toString('hex');
  const env = () => ({
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: 'xoxb-process-test',
    SLACK_API_URL: slack.url,
    INCIDENTS_CHANNEL: ANNOUNCEMENTS,
  });

  beforeAll(async () => {
    slack = await startSlackApiStub({
      channels: [
        { id: GENERAL, name: 'general' },
        { id: ANNOUNCEMENTS, name: 'incidents' },
      ],
    });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-process-'));
  });
  afterEach(() => stopAllBotProcesses());
  afterAll(async () => {
    await stopAllBotProcesses();
    await slack.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its incidents across a SIGKILL and a restart on the same DATA_DIR', async () => {
    const bot = await startBotProcess({ env: env(), dataDir });
    await waitHealthy(bot.url);

    const opened = await sendSlashCommand(bot.url, signingSecret, {
      text: 'open sev2 Process test',
      triggerId: 'trigger.process-test.open',
    });
    expect(opened.status).toBe(200);
    await slack.waitFor(
      (stub) => [...stub.channels.values()].some((channel) => channel.name === 'inc-1-process-test'),
      15_000,
    );

    expect(await bot.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(runningBotProcesses()).toEqual([]);
    await expect(fetch(`${bot.url}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();

    const again = await startBotProcess({ env: env(), dataDir });
    expect(again.pid).not.toBe(bot.pid);
    await waitHealthy(again.url);
    const list = await sendSlashCommand(again.url, signingSecret, { text: 'list', channelId: GENERAL });
    expect(list.status).toBe(200);
    expect(list.text).toContain('INC-1');
    expect(list.text).toContain('Process test');
    expect([...slack.channels.values()].filter((c) => c.name.startsWith('inc-'))).toHaveLength(1);
  });

  it('answers a redelivery (same trigger id, Slack retry headers)', async () => {
    const bot = await startBotProcess({ env: env(), dataDir });
    const first = await sendSlashCommand(bot.url, signingSecret, {
      text: 'list',
      triggerId: 'trigger.process-test.retry',
    });
    const redelivered = await sendSlashCommand(bot.url, signingSecret, {
      text: 'list',
      triggerId: 'trigger.process-test.retry',
      headers: retryHeaders(1, 'http_timeout'),
    });
    expect(first.status).toBe(200);
    expect(redelivered.status).toBe(200);
  });

  it('reports a bot that cannot start, with its output', async () => {
    await expect(
      startBotProcess({ env: { ...env(), SLACK_BOT_TOKEN: undefined }, dataDir, startTimeoutMs: 20_000 }),
    ).rejects.toThrow(/exited before listening[\s\S]*SLACK_BOT_TOKEN/);
    expect(runningBotProcesses()).toEqual([]);
  });

  it('stops on SIGTERM', async () => {
    const bot = await startBotProcess({ env: env(), dataDir });
    await waitHealthy(bot.url);
    expect(await bot.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(bot.output()).toContain('incident-bot listening on');
  });
});

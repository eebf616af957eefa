/**
 * A running bot for the benchmarks, as the integration tests drive it: the local server (real HTTP,
 * Bolt receiver, dynalite in memory) with the real WebClient talking to the Slack stand-in.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadLocalConfig } from '../lambda/config';
import type { PageRetryPolicy } from '../lambda/escalation/engine';
import type { Clock } from '../lambda/incidents/time';
import { type LocalServer, startLocalServer } from '../local/server';
import { type SlackApiStub, startSlackApiStub } from '../local/slack-api-stub';
import { signedHeaders, slashCommandBody } from '../local/slack-signing';
import { performance, progress } from './stats';

export const GENERAL = 'C0GENERAL';
export const ANNOUNCEMENTS = 'C0INCIDENTS';
export const ALICE = 'U0ALICE';

export interface BenchBot {
  server: LocalServer;
  slack: SlackApiStub;
  /** Jobs that failed after their retries, as `type: message`. */
  jobErrors: string[];
  /** Sends one signed slash command and times it to the end of the response body; never drains. */
  command(text: string, channelId?: string): Promise<{ status: number; text: string; ms: number }>;
  /**
   * Stops the Slack stand-in (ending any call it holds hung), then the server, letting running jobs
   * finish for up to `drainMs` (default 10 s).
   */
  close(drainMs?: number): Promise<void>;
}

export interface BenchBotOptions {
  /** How pages are retried (default: the bot's own policy). */
  pageRetry?: Partial<PageRetryPolicy>;
  /** Server log lines (default: to stderr as progress). */
  log?: (line: string) => void;
  /** The bot's clock (default: the system's). */
  clock?: Clock;
}

/** The Slack stand-in every bench bot talks to, with the channels the bot expects. */
export function startBenchSlack(): Promise<SlackApiStub> {
  return startSlackApiStub({
    // The benchmarks pack what a busy workspace does in many minutes (a hundred log lines into one
    // channel, incidents opened back to back) into seconds, and time the bot, not Slack's throttling
    // (the integration tests hold the bot to Slack's own limits): 20x Slack's numbers.
    rateLimits: { scale: 20 },
    users: [ALICE],
    channels: [
      { id: GENERAL, name: 'general' },
      { id: ANNOUNCEMENTS, name: 'incidents' },
    ],
  });
}

export async function startBenchBot(
  env: Record<string, string> = {},
  options: BenchBotOptions = {},
): Promise<BenchBot> {
  const slack = await startBenchSlack();
  const signingSecret = randomBytes(16).toString('hex');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-'));
  const config = loadLocalConfig({
    PORT: '0',
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: slack.url,
    DATA_DIR: dataDir,
    INCIDENTS_CHANNEL: ANNOUNCEMENTS,
    ...env,
  });
  const jobErrors: string[] = [];
  const server = await startLocalServer(config, {
    inMemory: true,
    log: options.log ?? ((line) => progress(`server: ${line}`)),
    ...(options.pageRetry ? { pageRetry: options.pageRetry } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    onJobError: (job, error) => jobErrors.push(`${job.type}: ${(error as Error).message}`),
  });
  const endpoint = `${server.url}/slack/events`;

  return {
    server,
    slack,
    jobErrors,
    async command(text, channelId = GENERAL) {
      const body = slashCommandBody({ text, userId: ALICE, channelId, triggerId: slack.issueTriggerId() });
      const headers = signedHeaders(signingSecret, body);
      const start = performance.now();
      const response = await fetch(endpoint, { method: 'POST', headers, body });
      const raw = await response.text();
      const elapsed = performance.now() - start;
      let parsed: { text?: string } = {};
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = { text: raw };
      }
      return { status: response.status, text: parsed.text ?? '', ms: elapsed };
    },
    async close(drainMs) {
      // Slack first: a call it holds hung fails now, so its job ends before the store closes under it.
      await slack.close();
      await server.close(drainMs);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The channel the bot created for an incident (after its setup-channel job ran). */
export async function channelOf(bot: BenchBot, incidentId: string): Promise<string> {
  const incident = await bot.server.store.getIncident(incidentId);
  if (!incident?.channelId) throw new Error(`${incidentId} has no channel`);
  return incident.channelId;
}

/** The incident id an `open` acknowledgement names. */
export function openedId(ackText: string): string {
  const match = /\*(INC-\d+)\*/.exec(ackText);
  if (!match?.[1]) throw new Error(`open was not acknowledged with an incident: ${ackText}`);
  return match[1];
}

/**
 * A running bot for the benchmarks, as the integration tests drive it: the sandbox (local/sandbox.ts:
 * the local server with real HTTP, Bolt receiver and dynalite in memory, its real WebClient talking to
 * the Slack stand-in), with Slack's rate limits scaled for load.
 */
import type { PageRetryPolicy } from '../lambda/escalation/engine';
import type { Clock } from '../lambda/incidents/time';
import type { PagerDutyStub } from '../local/pagerduty-stub';
import { ALICE, ANNOUNCEMENTS, GENERAL, startSandbox, startSandboxSlack } from '../local/sandbox';
import type { LocalServer } from '../local/server';
import type { SlackApiStub } from '../local/slack-api-stub';
import { progress } from './stats';

export { ALICE, ANNOUNCEMENTS, GENERAL };

export interface BenchBot {
  server: LocalServer;
  slack: SlackApiStub;
  /** The PagerDuty stand-in, PAGERDUTY_EVENTS_URL (with `pagerDuty` only). */
  pagerDuty?: PagerDutyStub;
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
  /** Start the PagerDuty stand-in too, as PAGERDUTY_EVENTS_URL. */
  pagerDuty?: boolean;
}

/**
 * The benchmarks pack what a busy workspace does in many minutes (a hundred log lines into one
 * channel, incidents opened back to back) into seconds, and time the bot, not Slack's throttling (the
 * integration tests hold the bot to Slack's own limits): 20x Slack's numbers.
 */
const BENCH_RATE_LIMITS = { scale: 20 };

/** The Slack stand-in every bench bot talks to, with the channels the bot expects. */
export function startBenchSlack(): Promise<SlackApiStub> {
  return startSandboxSlack({ rateLimits: BENCH_RATE_LIMITS });
}

export async function startBenchBot(
  env: Record<string, string> = {},
  options: BenchBotOptions = {},
): Promise<BenchBot> {
  const sandbox = await startSandbox({
    rateLimits: BENCH_RATE_LIMITS,
    env,
    botToken: 'xoxb-bench',
    tempPrefix: 'bench',
    log: options.log ?? ((line) => progress(`server: ${line}`)),
    ...(options.pagerDuty ? { pagerDuty: true } : {}),
    ...(options.pageRetry ? { pageRetry: options.pageRetry } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    server: sandbox.server,
    slack: sandbox.slack,
    ...(sandbox.pagerDuty ? { pagerDuty: sandbox.pagerDuty } : {}),
    jobErrors: sandbox.jobErrors,
    async command(text, channelId = GENERAL) {
      const { status, text: reply, ms } = await sandbox.command(text, { channelId });
      return { status, text: reply, ms };
    },
    close: (drainMs) =>
      sandbox.close({ slackFirst: true, removeDataDir: true, ...(drainMs === undefined ? {} : { drainMs }) }),
  };
}

/** The PagerDuty stand-in of a bench bot started with `pagerDuty`. */
export function pagerDutyOf(bot: BenchBot): PagerDutyStub {
  if (!bot.pagerDuty) throw new Error('this bench bot was started without the PagerDuty stand-in');
  return bot.pagerDuty;
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

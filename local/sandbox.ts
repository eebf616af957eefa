/**
 * A local bot with its stand-ins on 127.0.0.1, as the demo, the integration tests and the bench run
 * it: the local server (local/server.ts: real HTTP, Bolt's receiver, the embedded store, in memory
 * unless asked otherwise) whose real WebClient talks to the Slack stand-in (slack-api-stub.ts), and
 * when asked the PagerDuty stand-in (pagerduty-stub.ts) as PAGERDUTY_EVENTS_URL. Slash commands are
 * signed with a fresh signing secret, as Slack signs them.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadLocalConfig } from '../lambda/config';
import type { PageRetryPolicy } from '../lambda/escalation/engine';
import type { Clock } from '../lambda/incidents/time';
import type { TicketRetryPolicy } from '../lambda/trackers/tickets';
import { type PagerDutyStub, type PagerDutyStubOptions, startPagerDutyStub } from './pagerduty-stub';
import { type LocalServer, type LocalServerOptions, startLocalServer } from './server';
import { type SlackApiStub, type SlackApiStubOptions, startSlackApiStub } from './slack-api-stub';
import { signedHeaders, slashCommandBody } from './slack-signing';
import { SmsStub } from './sms-stub';

/** The channels every sandbox workspace has: where commands are typed, and the announcements. */
export const GENERAL = 'C0GENERAL';
export const ANNOUNCEMENTS = 'C0INCIDENTS';
/** Who types the commands unless told otherwise. */
export const ALICE = 'U0ALICE';

export interface SandboxSlackOptions {
  /** The workspace's people: users.info answers `user_not_found` for anyone else. @default [ALICE] */
  users?: string[];
  /** The stand-in's rate limits. @default Slack's own */
  rateLimits?: SlackApiStubOptions['rateLimits'];
  /** Where the stand-in sends Socket Mode clients (with SLACK_APP_TOKEN in `env`). */
  socketModeUrl?: string;
}

/** The Slack stand-in with the sandbox's channels (#general and #incidents). */
export function startSandboxSlack(options: SandboxSlackOptions = {}): Promise<SlackApiStub> {
  return startSlackApiStub({
    ...(options.socketModeUrl ? { socketModeUrl: options.socketModeUrl } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    users: options.users ?? [ALICE],
    channels: [
      { id: GENERAL, name: 'general' },
      { id: ANNOUNCEMENTS, name: 'incidents' },
    ],
  });
}

export interface SandboxOptions extends SandboxSlackOptions {
  /** The bot's settings beyond the sandbox's own (PORT, signing secret, token, SLACK_API_URL, DATA_DIR, INCIDENTS_CHANNEL). */
  env?: Record<string, string>;
  /** SLACK_BOT_TOKEN. @default 'xoxb-sandbox' */
  botToken?: string;
  /** Start the PagerDuty stand-in too (with these options), as PAGERDUTY_EVENTS_URL. */
  pagerDuty?: boolean | PagerDutyStubOptions;
  /** DATA_DIR. @default a fresh directory `incident-bot-<tempPrefix>-…` under the system's temp dir */
  dataDir?: string;
  /** @default 'sandbox' */
  tempPrefix?: string;
  /** The store in memory, or on disk under DATA_DIR. @default true */
  inMemory?: boolean;
  clock?: Clock;
  pageRetry?: Partial<PageRetryPolicy>;
  /** How follow-up tickets are retried (tests shorten it). */
  trackerRetry?: Partial<TicketRetryPolicy>;
  /** The server's log lines. @default none */
  log?: (line: string) => void;
  /** A job that failed after its retries. @default recorded in `jobErrors` as `type: message` */
  onJobError?: LocalServerOptions['onJobError'];
}

export interface SandboxReply {
  status: number;
  /** The reply's `text` when the body is JSON; otherwise the body. */
  text: string;
  responseType?: string;
  /** From sending the request to the end of the answer's body. */
  ms: number;
}

export interface SandboxCommandOptions {
  channelId?: string;
  userId?: string;
  /** Issued to the Slack stand-in just before, as Slack does. @default a fresh one */
  triggerId?: string;
  /** Added after the signature headers. */
  headers?: Record<string, string>;
}

export interface Sandbox {
  server: LocalServer;
  slack: SlackApiStub;
  /** With `pagerDuty` only. */
  pagerDuty?: PagerDutyStub;
  /** The SMS stand-in, when ONCALL_PHONE_NUMBERS is set in `env`: the texts sent, and failures to order. */
  sms?: SmsStub;
  signingSecret: string;
  dataDir: string;
  /** Jobs that failed after their retries, as `type: message` (unless `onJobError` was given). */
  jobErrors: string[];
  /** Posts raw bytes to /slack/events with the given headers. */
  post(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
  /** Sends one signed slash command; does not wait for the jobs it queued. */
  command(text: string, options?: SandboxCommandOptions): Promise<SandboxReply>;
  /**
   * Stops the bot (letting running jobs finish for up to `drainMs`) and the stand-ins. `slackFirst`
   * stops Slack before the bot, so a call it holds hung fails at once; `removeDataDir` deletes DATA_DIR.
   */
  close(options?: { drainMs?: number; slackFirst?: boolean; removeDataDir?: boolean }): Promise<void>;
}

function parseReply(body: string): { text: string; responseType?: string } {
  let parsed: { text?: string; response_type?: string } = {};
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = { text: body };
  }
  return { text: parsed.text ?? '', ...(parsed.response_type ? { responseType: parsed.response_type } : {}) };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const slack = await startSandboxSlack(options);
  const pagerDuty = options.pagerDuty
    ? await startPagerDutyStub(options.pagerDuty === true ? {} : options.pagerDuty)
    : undefined;
  const signingSecret = randomBytes(16).toString('hex');
  const dataDir =
    options.dataDir ??
    (await mkdtemp(path.join(os.tmpdir(), `incident-bot-${options.tempPrefix ?? 'sandbox'}-`)));
  const jobErrors: string[] = [];
  // A bad configuration or a server that cannot start leaves no stand-in listening behind it.
  const started = await (async () => {
    try {
      const config = loadLocalConfig({
        PORT: '0',
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_BOT_TOKEN: options.botToken ?? 'xoxb-sandbox',
        SLACK_API_URL: slack.url,
        DATA_DIR: dataDir,
        INCIDENTS_CHANNEL: ANNOUNCEMENTS,
        ...(pagerDuty ? { PAGERDUTY_EVENTS_URL: pagerDuty.url } : {}),
        ...options.env,
      });
      const sms = config.phoneNumbers ? new SmsStub(options.log ? { log: options.log } : {}) : undefined;
      const server = await startLocalServer(config, {
        ...(sms ? { textSender: sms } : {}),
        inMemory: options.inMemory ?? true,
        log: options.log ?? (() => {}),
        onJobError:
          options.onJobError ?? ((job, error) => jobErrors.push(`${job.type}: ${(error as Error).message}`)),
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.pageRetry ? { pageRetry: options.pageRetry } : {}),
        ...(options.trackerRetry ? { trackerRetry: options.trackerRetry } : {}),
      });
      return { config, sms, server };
    } catch (error) {
      await slack.close();
      await pagerDuty?.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  })();
  const { sms, server } = started;
  const endpoint = `${server.url}/slack/events`;

  const post = async (body: string, headers: Record<string, string>) => {
    const response = await fetch(endpoint, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  };

  return {
    server,
    slack,
    ...(pagerDuty ? { pagerDuty } : {}),
    ...(sms ? { sms } : {}),
    signingSecret,
    dataDir,
    jobErrors,
    post,
    async command(text, commandOptions = {}) {
      const body = slashCommandBody({
        text,
        userId: commandOptions.userId ?? ALICE,
        channelId: commandOptions.channelId ?? GENERAL,
        triggerId: slack.issueTriggerId(commandOptions.triggerId),
      });
      const headers = { ...signedHeaders(signingSecret, body), ...commandOptions.headers };
      const start = performance.now();
      const answer = await post(body, headers);
      const ms = performance.now() - start;
      return { status: answer.status, ...parseReply(answer.body), ms };
    },
    async close(closeOptions = {}) {
      if (closeOptions.slackFirst) {
        // A call Slack holds hung fails now, so its job ends before the store closes under it.
        await slack.close();
        await server.close(closeOptions.drainMs);
      } else {
        await server.close(closeOptions.drainMs);
        await slack.close();
      }
      await pagerDuty?.close();
      if (closeOptions.removeDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A running bot for integration tests: the sandbox (local/sandbox.ts: the local server with real HTTP,
 * real Bolt receiver and real store on dynalite, its real WebClient talking to the Slack stand-in on
 * 127.0.0.1), with every call waiting for the slow work it queued.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PageRetryPolicy } from '../../lambda/escalation/engine';
import type { Clock } from '../../lambda/incidents/time';
import type { TicketRetryPolicy } from '../../lambda/trackers/tickets';
import { ALICE, ANNOUNCEMENTS, GENERAL, startSandbox } from '../../local/sandbox';
import type { LocalServer } from '../../local/server';
import type { SlackApiStub, SlackApiStubOptions } from '../../local/slack-api-stub';
import { signedHeaders } from '../../local/slack-signing';
import type { SmsStub } from '../../local/sms-stub';

export { ALICE, ANNOUNCEMENTS, GENERAL };

/**
 * The people of the test workspace: every user id the tests and fixtures act as, mention or page
 * (users.info answers `user_not_found` for anyone else, as Slack does). A test needing someone else
 * adds them with `slack.addUser`.
 */
export const WORKSPACE_USERS = [
  ALICE,
  'U0BOB',
  'U0CAROL',
  'U0DAN',
  'U0DAVE',
  'U0ANNA',
  'U0DECLARE',
  'U0DECLARER',
  'U0RESPOND',
  'U0COMMAND',
  'U0CMDR',
  'U0OWNER',
  'U0SOMEONE',
  'U0ONCALL1',
] as const;

export interface Harness {
  server: LocalServer;
  slack: SlackApiStub;
  /** The SMS stand-in, when ONCALL_PHONE_NUMBERS is set in `env`. */
  sms?: SmsStub;
  signingSecret: string;
  dataDir: string;
  /**
   * Sends a signed slash command and waits for the slow work it queued. Its trigger id (a fresh one
   * unless given) is issued to the Slack stand-in just before, as Slack does; a given one issued
   * earlier keeps its first issue time and use, so a redelivery or a stale trigger meets Slack's refusal.
   */
  command(
    text: string,
    options?: CommandOptions,
  ): Promise<{ status: number; text: string; responseType?: string }>;
  /** Posts raw bytes to /slack/events with the given headers. */
  post(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
  /**
   * Sends a signed interactivity payload (block_actions, view_submission, message_action). Its
   * `trigger_id`, if any, is issued to the Slack stand-in first, as Slack issues the triggers it sends.
   */
  interact(payload: Record<string, unknown>): Promise<{ status: number; body: string }>;
  /** Sends a signed Events API callback wrapping `event`. */
  event(
    event: Record<string, unknown>,
    options?: { eventId?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: string }>;
  /** The channel the bot created for an incident. */
  channelOf(incidentId: string): Promise<string>;
  /** Stops the bot (letting running jobs finish for up to `drainMs`) and the Slack stand-in. */
  close(drainMs?: number): Promise<void>;
}

export interface CommandOptions {
  channelId?: string;
  userId?: string;
  triggerId?: string;
  headers?: Record<string, string>;
}

export interface HarnessOptions {
  clock?: Clock;
  env?: Record<string, string>;
  dataDir?: string;
  inMemory?: boolean;
  /** Where the Slack stand-in sends Socket Mode clients (with SLACK_APP_TOKEN in `env`). */
  socketModeUrl?: string;
  pageRetry?: Partial<PageRetryPolicy>;
  trackerRetry?: Partial<TicketRetryPolicy>;
  /**
   * The Slack stand-in's rate limits; Slack's own by default. A test that does more than one workspace
   * does in a minute (load, many incidents in seconds) passes `{ scale: N }` and says why.
   */
  rateLimits?: SlackApiStubOptions['rateLimits'];
  /** The server's log lines. @default none */
  log?: (line: string) => void;
  /** An escalation policy's YAML: written to a file the server reads (ESCALATION_POLICY), removed on close. */
  policy?: string;
}

export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => now, set: (next) => (now = new Date(next)) };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const policyDir =
    options.policy === undefined ? undefined : await mkdtemp(path.join(os.tmpdir(), 'incident-bot-policy-'));
  const env = { ...options.env };
  if (policyDir !== undefined) {
    env.ESCALATION_POLICY = path.join(policyDir, 'policy.yaml');
    await writeFile(env.ESCALATION_POLICY, options.policy as string);
  }
  const sandbox = await startSandbox({
    ...(options.socketModeUrl ? { socketModeUrl: options.socketModeUrl } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    users: [...WORKSPACE_USERS],
    botToken: 'xoxb-test',
    tempPrefix: 'test',
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.env || policyDir ? { env } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.log ? { log: options.log } : {}),
    inMemory: options.inMemory ?? true,
    // Pages retried within milliseconds, so a test sees minutes of retries in well under a second.
    // Tickets too: a tracker's minutes of retries in well under a second.
    trackerRetry: options.trackerRetry ?? {
      baseDelayMs: 20,
      maxDelayMs: 100,
      noticeAfterAttempts: 2,
      maxAttempts: 5,
    },
    pageRetry: options.pageRetry ?? {
      baseDelayMs: 20,
      maxDelayMs: 100,
      noticeAfterAttempts: 3,
      maxAttempts: 5,
    },
  });
  const { server, slack, signingSecret, dataDir, jobErrors, post } = sandbox;
  // The token check at start (one auth.test) is not what the tests look at; tests/integration/
  // slack-transport.test.ts checks it on its own.
  const boot = slack.calls.findIndex((call) => call.method === 'auth.test');
  if (boot >= 0) slack.calls.splice(boot, 1);

  /** Lets the slow work queued finish; a job that failed fails the call. */
  const settle = async () => {
    await server.jobs.drain();
    if (jobErrors.length) throw new Error(`jobs failed: ${jobErrors.join('; ')}`);
  };

  return {
    server,
    slack,
    ...(sandbox.sms ? { sms: sandbox.sms } : {}),
    signingSecret,
    dataDir,
    post,
    async command(text, commandOptions = {}) {
      const reply = await sandbox.command(text, commandOptions);
      await settle();
      return { status: reply.status, text: reply.text, responseType: reply.responseType };
    },
    async interact(payload) {
      if (typeof payload.trigger_id === 'string') slack.issueTriggerId(payload.trigger_id);
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const response = await post(body, signedHeaders(signingSecret, body));
      await settle();
      return response;
    },
    async event(event, eventOptions = {}) {
      const body = JSON.stringify({
        token: 'deprecated',
        team_id: 'T0LOCAL',
        api_app_id: 'A0LOCAL',
        type: 'event_callback',
        event_id: eventOptions.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        event,
      });
      const response = await post(body, {
        ...signedHeaders(signingSecret, body),
        'content-type': 'application/json',
        ...eventOptions.headers,
      });
      await settle();
      return response;
    },
    async channelOf(incidentId) {
      const incident = await server.store.getIncident(incidentId);
      if (!incident?.channelId) throw new Error(`${incidentId} has no channel`);
      return incident.channelId;
    },
    close: async (drainMs) => {
      await sandbox.close(drainMs === undefined ? {} : { drainMs });
      if (policyDir !== undefined) await rm(policyDir, { recursive: true, force: true });
    },
  };
}

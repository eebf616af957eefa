/**
 * A running bot for integration tests: the local server (real HTTP, real Bolt receiver, real store on
 * dynalite) with the real WebClient talking to the Slack stand-in on 127.0.0.1.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadLocalConfig } from '../../lambda/config';
import type { PageRetryPolicy } from '../../lambda/escalation/engine';
import type { Clock } from '../../lambda/incidents/time';
import { type LocalServer, startLocalServer } from '../../local/server';
import { type SlackApiStub, type SlackApiStubOptions, startSlackApiStub } from '../../local/slack-api-stub';
import { signedHeaders, slashCommandBody } from '../../local/slack-signing';

export const GENERAL = 'C0GENERAL';
export const ANNOUNCEMENTS = 'C0INCIDENTS';
export const ALICE = 'U0ALICE';

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
  /**
   * The Slack stand-in's rate limits; Slack's own by default. A test that does more than one workspace
   * does in a minute (load, many incidents in seconds) passes `{ scale: N }` and says why.
   */
  rateLimits?: SlackApiStubOptions['rateLimits'];
}

export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => now, set: (next) => (now = new Date(next)) };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const slack = await startSlackApiStub({
    ...(options.socketModeUrl ? { socketModeUrl: options.socketModeUrl } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    users: [...WORKSPACE_USERS],
    channels: [
      { id: GENERAL, name: 'general' },
      { id: ANNOUNCEMENTS, name: 'incidents' },
    ],
  });
  const signingSecret = randomBytes(16).toString('hex');
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'incident-bot-test-')));
  const config = loadLocalConfig({
    PORT: '0',
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_API_URL: slack.url,
    DATA_DIR: dataDir,
    INCIDENTS_CHANNEL: ANNOUNCEMENTS,
    ...options.env,
  });
  const jobErrors: string[] = [];
  const server = await startLocalServer(config, {
    ...(options.clock ? { clock: options.clock } : {}),
    inMemory: options.inMemory ?? true,
    log: () => {},
    onJobError: (job, error) => jobErrors.push(`${job.type}: ${(error as Error).message}`),
    // Pages retried within milliseconds, so a test sees minutes of retries in well under a second.
    pageRetry: options.pageRetry ?? {
      baseDelayMs: 20,
      maxDelayMs: 100,
      noticeAfterAttempts: 3,
      maxAttempts: 5,
    },
  });
  // The token check at start (one auth.test) is not what the tests look at; tests/integration/
  // slack-transport.test.ts checks it on its own.
  const boot = slack.calls.findIndex((call) => call.method === 'auth.test');
  if (boot >= 0) slack.calls.splice(boot, 1);

  const post = async (body: string, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}/slack/events`, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  };

  return {
    server,
    slack,
    signingSecret,
    dataDir,
    post,
    async command(text, commandOptions = {}) {
      const body = slashCommandBody({
        text,
        userId: commandOptions.userId ?? ALICE,
        channelId: commandOptions.channelId ?? GENERAL,
        triggerId: slack.issueTriggerId(commandOptions.triggerId),
      });
      const { status, body: responseBody } = await post(body, {
        ...signedHeaders(signingSecret, body),
        ...commandOptions.headers,
      });
      await server.jobs.drain();
      if (jobErrors.length) throw new Error(`jobs failed: ${jobErrors.join('; ')}`);
      let parsed: { text?: string; response_type?: string } = {};
      try {
        parsed = JSON.parse(responseBody);
      } catch {
        parsed = { text: responseBody };
      }
      return { status, text: parsed.text ?? '', responseType: parsed.response_type };
    },
    async interact(payload) {
      if (typeof payload.trigger_id === 'string') slack.issueTriggerId(payload.trigger_id);
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const response = await post(body, signedHeaders(signingSecret, body));
      await server.jobs.drain();
      if (jobErrors.length) throw new Error(`jobs failed: ${jobErrors.join('; ')}`);
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
      await server.jobs.drain();
      if (jobErrors.length) throw new Error(`jobs failed: ${jobErrors.join('; ')}`);
      return response;
    },
    async channelOf(incidentId) {
      const incident = await server.store.getIncident(incidentId);
      if (!incident?.channelId) throw new Error(`${incidentId} has no channel`);
      return incident.channelId;
    },
    async close(drainMs) {
      await server.close(drainMs);
      await slack.close();
    },
  };
}

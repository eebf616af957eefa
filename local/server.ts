/**
 * The local server (`npm start`): the Lambda handlers served over HTTP on one machine, with the
 * embedded DynamoDB-compatible store on disk under DATA_DIR and an in-process job queue. Socket Mode
 * when SLACK_APP_TOKEN is set. It supplies the local adapters (store, SlackChat, file archive, local
 * jobs and timers); the bot, its alert service and its Bolt apps are built by the composition root
 * (lambda/bot.ts, lambda/slack-app.ts). The demo, the tests and the bench start it through
 * local/sandbox.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { MAX_ALERT_BODY_BYTES } from '../lambda/alerts/auth';
import {
  type AlertHttpDeps,
  type AlertHttpResponse,
  type AlertRoute,
  answerBeforeBody,
  bodyTooLarge,
  handleAlertHttp,
} from '../lambda/alerts/http';
import { createSnsVerifier } from '../lambda/alerts/sns-signature';
import { FileArchive } from '../lambda/archive/archive';
import { type Bot, createBot } from '../lambda/bot';
import { type LocalConfig, loadLocalConfig } from '../lambda/config';
import type { EscalationEngine, PageRetryPolicy } from '../lambda/escalation/engine';
import { createSlackHandler } from '../lambda/handlers/slack';
import { type Clock, systemClock } from '../lambda/incidents/time';
import type { Job } from '../lambda/jobs/jobs';
import { LocalJobs } from '../lambda/jobs/local-jobs';
import type { TextSender } from '../lambda/paging/sms';
import { renderPng } from '../lambda/pictures/png';
import { LocalScheduler } from '../lambda/scheduling/local';
import { SlackChat } from '../lambda/slack/chat';
import { createSlackApp } from '../lambda/slack-app';
import { makeDocumentClient } from '../lambda/store/client';
import { DynamoIncidentStore } from '../lambda/store/dynamo-store';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../lambda/store/embedded';
import { DynamoJobJournal } from '../lambda/store/job-journal';
import { DynamoTimerStore } from '../lambda/store/timer-store';
import type { TicketRetryPolicy } from '../lambda/trackers/tickets';
import { handleTrackerWebhook } from '../lambda/trackers/webhooks';
import { BodyTooLargeError, readBody, toApiGatewayEvent, writeResult } from './apigw';
import { SmsStub } from './sms-stub';

/**
 * An alert request: the token first, then the size, and only then the body (docs/architecture.md, "Alerts → alert service"),
 * so a stranger or an oversized body costs no memory. Over 1 MiB is 413, never 500, which
 * Alertmanager would retry forever.
 */
async function answerAlert(
  request: IncomingMessage,
  route: AlertRoute,
  deps: AlertHttpDeps,
): Promise<AlertHttpResponse> {
  const { headers } = toApiGatewayEvent(request, '');
  // Refused before the body is read: the connection closes after the answer, so what the sender is
  // still sending is never parsed as a next request on a kept-alive connection.
  const closing = (answer: AlertHttpResponse): AlertHttpResponse => ({
    ...answer,
    headers: { ...answer.headers, connection: 'close' },
  });
  const declared = request.headers['content-length'];
  const refused = answerBeforeBody(
    headers,
    deps.token,
    declared === undefined ? undefined : Number(declared),
  );
  if (refused) return closing(refused);
  let body: string;
  try {
    body = await readBody(request, MAX_ALERT_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return closing(bodyTooLarge());
    throw error;
  }
  return handleAlertHttp(route, { headers, body }, deps);
}

const ALERT_ROUTES: Record<string, AlertRoute | undefined> = {
  '/alerts/cloudwatch': 'cloudwatch',
  '/alerts/alertmanager': 'alertmanager',
};

export interface LocalServerOptions {
  clock?: Clock;
  /** Keep the embedded store in memory instead of under DATA_DIR (tests). */
  inMemory?: boolean;
  onJobError?: (job: Job, error: unknown) => void;
  log?: (line: string) => void;
  /** How pages are retried between attempts (tests shorten it). */
  pageRetry?: Partial<PageRetryPolicy>;
  /** How follow-up tickets are retried (tests shorten it). */
  trackerRetry?: Partial<TicketRetryPolicy>;
  /** Skip the bot token check at start (tests whose Slack stand-in is not up yet). */
  skipAuthCheck?: boolean;
  /** Sends the texts when ONCALL_PHONE_NUMBERS is set. @default an SmsStub that logs them */
  textSender?: TextSender;
}

export interface LocalServer {
  url: string;
  port: number;
  store: DynamoIncidentStore;
  jobs: LocalJobs;
  scheduler: LocalScheduler;
  escalation: EscalationEngine;
  bot: Bot<LocalJobs, LocalScheduler>;
  postmortemDir: string;
  /**
   * Runs the minute tick now (reconciler, on-call work, ticket polling), after any tick still running;
   * for tests, and for RECONCILE_INTERVAL=0.
   */
  tick(): Promise<void>;
  /** Stops taking requests, lets running jobs finish for up to `drainMs`, and closes the store. */
  close(drainMs?: number): Promise<void>;
}

export async function startLocalServer(
  config: LocalConfig,
  options: LocalServerOptions = {},
): Promise<LocalServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const startedAt = Date.now();
  const chat = new SlackChat({ botToken: config.botToken, slackApiUrl: config.slackApiUrl });
  // Once at start, never per request: a bad token stops the server with one clear line.
  if (!options.skipAuthCheck) await chat.verifyAuth();
  let embedded: EmbeddedDynamo | undefined;
  let endpoint = config.dynamoEndpoint;
  if (!endpoint) {
    embedded = await startEmbeddedDynamo(options.inMemory ? {} : { dataDir: config.dataDir });
    endpoint = embedded.endpoint;
  }
  const client = makeDocumentClient({ endpoint });
  const clock = options.clock ?? systemClock;
  // The embedded store is this process's alone: leases a killed predecessor held are void.
  const leasesBefore = embedded ? startedAt : undefined;
  const store = new DynamoIncidentStore({
    client,
    tableName: config.tableName,
    clock,
    ...(leasesBefore ? { leasesBefore } : {}),
  });
  await store.ensureTable();
  // Before the first request, not inside the first reconciler pass: its one-time claim is then
  // written before anything (or anyone) reads the table.
  await store.ensureSettledIndexed();

  const postmortemDir = path.resolve(config.dataDir, 'postmortems');
  const reportJobError =
    options.onJobError ??
    ((job: Job, error: unknown) =>
      log(`job ${job.type} for ${job.incidentId ?? '-'} failed: ${(error as Error)?.message ?? error}`));
  // The local adapters; bot.ts builds everything else.
  const bot = createBot({
    store,
    chat,
    archive: new FileArchive(postmortemDir),
    clock,
    settings: config,
    pagers: { webhookSigningSecret: config.webhookSigningSecret },
    ...(config.phoneNumbers
      ? { sms: { sender: options.textSender ?? new SmsStub({ log }), phoneNumbers: config.phoneNumbers } }
      : {}),
    alertLinks: { client, tableName: config.tableName },
    // The charts' PNG through native resvg (the Lambda worker uses its WebAssembly build, png-wasm.ts).
    renderPng: (svg) => renderPng(svg),
    trackers: {
      secrets: config.trackerSecrets,
      ...(options.trackerRetry ? { retry: options.trackerRetry } : {}),
    },
    ...(options.pageRetry ? { pageRetry: options.pageRetry } : {}),
    ...(leasesBefore ? { leasesBefore } : {}),
    log,
    scheduler: (fire) =>
      new LocalScheduler({
        timers: new DynamoTimerStore({ client, tableName: config.tableName }),
        clock,
        fire,
        onError: (error, failure) =>
          log(`timer ${failure.stage} failed: ${(error as Error)?.message ?? error}`),
      }),
    jobs: (runner) =>
      new LocalJobs(runner, {
        journal: new DynamoJobJournal({ client, tableName: config.tableName }),
        onError: reportJobError,
      }),
  });
  const { jobs: queue, scheduler: timers, alerts } = bot;
  const slackHandler = createSlackHandler(bot, {
    signingSecret: config.signingSecret,
    botToken: config.botToken,
    ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
  });

  // One per process: it caches the certificates SNS signs with.
  const verifySns = createSnsVerifier(config.alertsSns);
  const server: Server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (request.method === 'GET' && url.pathname === '/healthz') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ ok: true }));
        return;
      }
      const alertRoute = ALERT_ROUTES[url.pathname];
      if (request.method === 'POST' && alertRoute) {
        writeResult(
          response,
          await answerAlert(request, alertRoute, { service: alerts, token: config.alertToken, verifySns }),
        );
        return;
      }
      const webhook = /^\/webhooks\/([a-z]+)$/.exec(url.pathname);
      if (request.method === 'POST' && webhook) {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) {
          if (value !== undefined)
            headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
        }
        const answer = await handleTrackerWebhook(
          { trackers: bot.trackers, store, enqueue: (job) => queue.enqueue(job), log },
          webhook[1] as string,
          headers,
          await readBody(request),
        );
        response.writeHead(answer.status, { 'content-type': 'text/plain' });
        response.end(answer.body);
        return;
      }
      if (request.method === 'POST' && url.pathname === '/slack/events') {
        const body = await readBody(request);
        writeResult(response, await slackHandler(toApiGatewayEvent(request, body)));
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    } catch (error) {
      log(`request failed: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('internal error');
    }
  });
  await new Promise<void>((resolve) => server.listen(config.port, '127.0.0.1', resolve));
  // Work a previous run left: its journalled jobs, timers that fell due meanwhile, and whatever the
  // incidents' progress records say is missing.
  const resumed = await queue.resume();
  timers.start();
  // The minute tick: the reconciler, the on-call work (handoffs, user groups) and ticket polling
  // (trackers/poll.ts) side by side, a failure of one leaving the others to finish.
  const reconcileNow = () =>
    Promise.all([
      bot.reconcile().then(
        (report) => {
          if (report.queued.length) log(`reconciler: resuming ${report.queued.join(', ')}`);
        },
        (error: unknown) => log(`reconciler failed: ${(error as Error)?.message ?? error}`),
      ),
      bot.syncOnCall().then(
        () => {},
        (error: unknown) => log(`on-call sync failed: ${(error as Error)?.message ?? error}`),
      ),
      bot.pollTickets().then(
        () => {},
        (error: unknown) => log(`ticket polling failed: ${(error as Error)?.message ?? error}`),
      ),
    ]).then(() => {});
  let reconciling = reconcileNow();
  const reconcileTimer =
    config.reconcileIntervalSeconds > 0
      ? setInterval(() => {
          reconciling = reconciling.then(reconcileNow);
        }, config.reconcileIntervalSeconds * 1000)
      : undefined;
  reconcileTimer?.unref();
  if (resumed) log(`resumed ${resumed} queued jobs`);
  const { port } = server.address() as AddressInfo;

  let socketApp: App | undefined;
  if (config.appToken) {
    // The same Web API base as the HTTP path (SLACK_API_URL), and the same fixed authorize: no auth.test.
    const receiver = new SocketModeReceiver({
      appToken: config.appToken,
      logLevel: LogLevel.WARN,
      installerOptions: { clientOptions: config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {} },
    });
    socketApp = createSlackApp(bot, receiver, {
      botToken: config.botToken,
      ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}),
    });
    await socketApp.start();
    log('Socket Mode connected');
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    jobs: queue,
    scheduler: timers,
    escalation: bot.escalation,
    bot,
    postmortemDir,
    tick() {
      reconciling = reconciling.then(reconcileNow);
      return reconciling;
    },
    async close(drainMs = 10_000) {
      clearInterval(reconcileTimer);
      await socketApp?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await reconciling;
      // Whatever is still running after drainMs stays journalled for the next start.
      const deadline = Date.now() + drainMs;
      await Promise.race([timers.stop(), new Promise((resolve) => setTimeout(resolve, drainMs).unref())]);
      const drained = await queue.stop(Math.max(0, deadline - Date.now()));
      if (drained) {
        await embedded?.close();
      } else {
        // Jobs still waiting on a (bounded) call: the store stays open until they end, or they
        // would fail on a closed database; what they leave undone is journalled for the next start.
        log('stopping with jobs still running; they end within their call timeouts');
        void queue.idle().then(() => embedded?.close());
      }
    },
  };
}

async function main(): Promise<void> {
  const config = loadLocalConfig();
  const server = await startLocalServer(config);
  console.log(`incident-bot listening on ${server.url} (Slack request URL: ${server.url}/slack/events)`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing running work (at most 10 s), then stopping`);
    // A hard limit as well: a hung store must not keep the process alive.
    setTimeout(() => process.exit(1), 15_000).unref();
    await server.close(10_000);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

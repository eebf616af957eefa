/**
 * The local server (`npm start`): the Lambda handlers served over HTTP on one machine, with the
 * embedded DynamoDB-compatible store on disk under DATA_DIR and an in-process job queue. Socket Mode
 * when SLACK_APP_TOKEN is set.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { createAlertService } from '../lambda/alerts/alert-service';
import { type AlertRoute, handleAlertHttp } from '../lambda/alerts/http';
import { FileArchive } from '../lambda/archive/archive';
import { type LocalConfig, loadLocalConfig } from '../lambda/config';
import { EscalationEngine } from '../lambda/escalation/engine';
import { handleTimer } from '../lambda/escalation/timers';
import { createSlackHandler } from '../lambda/handlers/slack';
import { type Clock, systemClock } from '../lambda/incidents/time';
import { InProcessJobs, type Job } from '../lambda/jobs/jobs';
import { TeamPager } from '../lambda/paging/team-pager';
import { createBot } from '../lambda/runtime';
import { LocalScheduler } from '../lambda/scheduling/local';
import { DynamoTimerStore } from '../lambda/scheduling/timer-store';
import { SlackChat } from '../lambda/slack/chat';
import { registerListeners } from '../lambda/slack/listeners';
import { makeDocumentClient } from '../lambda/store/client';
import { DynamoIncidentStore } from '../lambda/store/dynamo-store';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../lambda/store/embedded';
import { readBody, toApiGatewayEvent, writeResult } from './apigw';

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
}

export interface LocalServer {
  url: string;
  port: number;
  store: DynamoIncidentStore;
  jobs: InProcessJobs;
  scheduler: LocalScheduler;
  escalation: EscalationEngine;
  postmortemDir: string;
  close(): Promise<void>;
}

export async function startLocalServer(
  config: LocalConfig,
  options: LocalServerOptions = {},
): Promise<LocalServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  let embedded: EmbeddedDynamo | undefined;
  let endpoint = config.dynamoEndpoint;
  if (!endpoint) {
    embedded = await startEmbeddedDynamo(options.inMemory ? {} : { dataDir: config.dataDir });
    endpoint = embedded.endpoint;
  }
  const client = makeDocumentClient({ endpoint });
  const store = new DynamoIncidentStore({ client, tableName: config.tableName });
  await store.ensureTable();
  const clock = options.clock ?? systemClock;
  const chat = new SlackChat({ botToken: config.botToken, slackApiUrl: config.slackApiUrl });

  // The engine and its scheduler need each other: timers fire into the engine, the engine sets timers.
  let escalation: EscalationEngine | undefined;
  const scheduler = new LocalScheduler({
    timers: new DynamoTimerStore({ client, tableName: config.tableName }),
    clock,
    fire: async (timer) => {
      if (escalation) await handleTimer(timer, { escalation });
    },
    onError: (error, failure) => log(`timer ${failure.stage} failed: ${(error as Error)?.message ?? error}`),
  });
  escalation = new EscalationEngine({
    store,
    scheduler,
    chat,
    clock,
    settings: config,
    pager: new TeamPager({
      pagerDutyEventsUrl: config.pagerDutyEventsUrl,
      opsgenieBaseUrl: config.opsgenieApiUrl,
      webhookSigningSecret: config.webhookSigningSecret,
      chat,
      clock: () => clock.now(),
    }),
  });

  const postmortemDir = path.resolve(config.dataDir, 'postmortems');
  let jobs: InProcessJobs | undefined;
  const bot = createBot({
    store,
    chat,
    escalation,
    archive: new FileArchive(postmortemDir),
    clock,
    settings: config,
    jobs: (runner) => {
      jobs = new InProcessJobs(runner, {
        onError:
          options.onJobError ??
          ((job, error) => log(`job ${job.type} for ${job.incidentId} failed: ${(error as Error).message}`)),
      });
      return jobs;
    },
  });
  const queue = jobs as unknown as InProcessJobs;
  const slackHandler = createSlackHandler({
    ...bot,
    signingSecret: config.signingSecret,
    botToken: config.botToken,
    slackApiUrl: config.slackApiUrl,
    settings: config,
  });

  const alerts = createAlertService({
    commands: bot.commands,
    store,
    client,
    tableName: config.tableName,
    clock,
  });

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
        const body = await readBody(request);
        const { headers } = toApiGatewayEvent(request, body);
        writeResult(
          response,
          await handleAlertHttp(alertRoute, { headers, body }, { service: alerts, token: config.alertToken }),
        );
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
  // Timers left by a previous run that fell due meanwhile fire now.
  scheduler.start();
  const { port } = server.address() as AddressInfo;

  let socketApp: App | undefined;
  if (config.appToken) {
    // The same Web API base as the HTTP path (SLACK_API_URL), and the same fixed authorize: no auth.test.
    const receiver = new SocketModeReceiver({
      appToken: config.appToken,
      logLevel: LogLevel.WARN,
      installerOptions: { clientOptions: config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {} },
    });
    socketApp = new App({
      receiver,
      authorize: async () => ({ botToken: config.botToken }),
      logLevel: LogLevel.WARN,
      ...(config.slackApiUrl ? { clientOptions: { slackApiUrl: config.slackApiUrl } } : {}),
    });
    registerListeners(socketApp, { ...bot, settings: config, logger: socketApp.logger });
    await socketApp.start();
    log('Socket Mode connected');
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    jobs: queue,
    scheduler,
    escalation,
    postmortemDir,
    async close() {
      await socketApp?.stop();
      await scheduler.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await queue.drain();
      await embedded?.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadLocalConfig();
  const server = await startLocalServer(config);
  console.log(`incident-bot listening on ${server.url} (Slack request URL: ${server.url}/slack/events)`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

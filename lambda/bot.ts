/**
 * The composition root: wires the domain to its adapters. Lambda (handlers/lambda-bot.ts), the local
 * server (local/server.ts, and through it the demo, the tests and the bench) build the bot here,
 * differing only in the adapters they pass. Everything that is not an adapter is built here once: the
 * command service, the escalation engine and its pagers, the job runner, the reconciler and the alert
 * service. The bot's Bolt `App` is built from it by `createSlackApp` (slack-app.ts), kept apart only
 * so that the functions without Slack requests do not bundle Bolt.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AlertService, createAlertService } from './alerts/alert-service';
import type { PostmortemArchive } from './archive/archive';
import type { BotSettings } from './config';
import { EscalationEngine, type PageRetryPolicy } from './escalation/engine';
import { UnacknowledgedTexts } from './escalation/texts';
import { handleTimer } from './escalation/timers';
import { alertRules } from './incidents/policy';
import type { ProgressSettings } from './incidents/progress';
import type { Clock } from './incidents/time';
import type { JobRunner, Jobs } from './jobs/jobs';
import { type ReconcileReport, reconcile } from './jobs/reconciler';
import { createJobRunner } from './jobs/run-job';
import { type BotMetrics, countingPages } from './observability/metrics';
import { type OnCallSyncReport, syncOnCall } from './oncall/handoffs';
import type { FetchLike } from './paging/http';
import type { Pager } from './paging/pager';
import type { RetryOptions } from './paging/retry';
import type { TextSender } from './paging/sms';
import { TeamPager } from './paging/team-pager';
import type { Scheduler, Timer } from './scheduling/scheduler';
import { CommandService } from './service/command-service';
import type { ChatGateway } from './slack/chat';
import type { IncidentStore } from './store/store';
import { pollTickets, type TicketPollReport } from './trackers/poll';
import { buildTrackers, type TrackerSecrets, type Trackers } from './trackers/setup';
import { TicketDesk, type TicketRetryPolicy } from './trackers/tickets';
import type { TrackerKind } from './trackers/tracker';

export interface BotAdapters<J extends Jobs = Jobs, S extends Scheduler = Scheduler> {
  store: IncidentStore;
  chat: ChatGateway;
  archive: PostmortemArchive;
  clock: Clock;
  settings: BotSettings;
  /** Builds the job queue around the runner (in-process locally, inline or SQS in Lambda). */
  jobs: (runner: JobRunner) => J;
  /** Builds the timer adapter around what a due timer does (EventBridge Scheduler, or the local one). */
  scheduler: (fire: (timer: Timer) => Promise<void>) => S;
  /** The bot's table, where the alert service keeps its alert links (store/alert-links.ts). */
  alertLinks: { client: DynamoDBDocumentClient; tableName: string };
  pagers?: {
    webhookSigningSecret?: string;
    fetch?: FetchLike;
    /** Quick tries within one page attempt; the engine's `pageRetry` spans the minutes between. */
    retry?: RetryOptions;
    timeoutMs?: number;
  };
  pageRetry?: Partial<PageRetryPolicy>;
  /**
   * Text messages for unacknowledged pages (escalation/texts.ts): the sender and who has which
   * number (Slack user id → E.164). Off when absent or without numbers.
   */
  sms?: { sender: TextSender; phoneNumbers: Readonly<Record<string, string>> };
  /**
   * Tracker credentials (docs/trackers.md): only what the policy's `followups` and `postmortems`
   * use is required (a missing one fails the build here, naming it). `fetch` for the tests' stand-ins.
   */
  trackers?: { secrets: TrackerSecrets; fetch?: FetchLike; retry?: Partial<TicketRetryPolicy> };
  /**
   * SVG → PNG for the charts (the local server wires lambda/pictures/png.ts, the Lambda worker
   * png-wasm.ts); absent: no PNG is drawn here.
   */
  renderPng?: (svg: string) => Buffer | Promise<Buffer>;
  /**
   * Whether `/incident postmortem` offers the timeline chart: true where the jobs it queues run where
   * a renderer is (the Slack function, whose jobs the worker runs). @default whether `renderPng` is set
   */
  chartsDrawn?: boolean;
  /** Epoch ms: step leases taken before it are void (a store this process owns alone). */
  leasesBefore?: number;
  log?: (line: string) => void;
  /** Pages sent and failed are counted here (EMF in Lambda). @default none */
  metrics?: BotMetrics;
}

/** The built bot; `jobs` and `scheduler` are the adapters the factories returned, as they typed them. */
export interface Bot<J extends Jobs = Jobs, S extends Scheduler = Scheduler> {
  commands: CommandService;
  runJob: JobRunner;
  jobs: J;
  store: IncidentStore;
  chat: ChatGateway;
  clock: Clock;
  settings: BotSettings;
  scheduler: S;
  escalation: EscalationEngine;
  /** Turns monitoring alerts into incidents and notes (HTTP routes, SNS). */
  alerts: AlertService;
  /** The trackers the policy names, and the webhook routes that may be called (trackers/setup.ts). */
  trackers: Trackers;
  /** Queues the missing work of every active incident whose progress lags its state. */
  reconcile(options?: { deadline?: number }): Promise<ReconcileReport>;
  /** What a due timer does. */
  fireTimer(timer: Timer): Promise<void>;
  /**
   * The minute tick's on-call work (oncall/handoffs.ts): tells each handoff once (a DM, the
   * schedule's handoff_channel) and keeps each schedule's user group holding whoever is on call.
   */
  syncOnCall(): Promise<OnCallSyncReport>;
  /**
   * The minute tick's ticket polling (trackers/poll.ts): the open tickets of a tracker without a
   * webhook, each at most every 15 minutes; a closed one closes its follow-up. Tracker failures are
   * logged, never thrown.
   */
  pollTickets(options?: { deadline?: number }): Promise<TicketPollReport>;
}

/** Two quick tries per page attempt: a blip is absorbed at once, an outage waits for the backoff. */
const QUICK_PAGE_RETRY: RetryOptions = { attempts: 2, baseDelayMs: 250, maxDelayMs: 1_000 };

export function createBot<J extends Jobs, S extends Scheduler>(adapters: BotAdapters<J, S>): Bot<J, S> {
  const { store, chat, clock, settings } = adapters;
  // The runner queues follow-on jobs on the queue that runs it, and timers fire into the engine that
  // sets them: references resolved once everything below exists.
  let jobs: J | undefined;
  let escalation: EscalationEngine | undefined;
  const enqueue: Jobs['enqueue'] = async (job, options) => {
    if (!jobs) throw new Error('job queue not ready');
    await jobs.enqueue(job, options);
  };
  const fireTimer = async (timer: Timer) => {
    if (!escalation) throw new Error('escalation not ready');
    await handleTimer(timer, { escalation });
  };
  const scheduler = adapters.scheduler(fireTimer);
  const withMetrics = (pager: Pager) => (adapters.metrics ? countingPages(pager, adapters.metrics) : pager);
  const texts =
    adapters.sms && Object.keys(adapters.sms.phoneNumbers).length > 0
      ? new UnacknowledgedTexts({
          store,
          sender: adapters.sms.sender,
          phoneNumbers: adapters.sms.phoneNumbers,
          clock,
          policy: settings.policy,
          enqueue,
          ...(adapters.pageRetry ? { retry: adapters.pageRetry } : {}),
          ...(adapters.log ? { log: adapters.log } : {}),
        })
      : undefined;
  escalation = new EscalationEngine({
    store,
    scheduler,
    chat,
    clock,
    settings,
    enqueue,
    ...(adapters.pageRetry ? { retry: adapters.pageRetry } : {}),
    ...(texts ? { texts } : {}),
    pager: withMetrics(
      new TeamPager({
        pagerDutyEventsUrl: settings.pagerDutyEventsUrl,
        opsgenieBaseUrl: settings.opsgenieApiUrl,
        webhookSigningSecret: adapters.pagers?.webhookSigningSecret,
        chat,
        clock,
        retry: adapters.pagers?.retry ?? QUICK_PAGE_RETRY,
        ...(adapters.pagers?.fetch ? { fetch: adapters.pagers.fetch } : {}),
        ...(adapters.pagers?.timeoutMs === undefined ? {} : { timeoutMs: adapters.pagers.timeoutMs }),
      }),
    ),
  });
  const trackers = buildTrackers(
    settings.policy,
    settings.trackerEndpoints,
    adapters.trackers?.secrets ?? {},
    adapters.trackers?.fetch,
  );
  const tickets = trackers.tracker
    ? new TicketDesk({
        store,
        tracker: trackers.tracker,
        chat,
        clock,
        policy: settings.policy,
        enqueue,
        ...(adapters.trackers?.retry ? { retry: adapters.trackers.retry } : {}),
        ...(adapters.log ? { log: adapters.log } : {}),
      })
    : undefined;
  const runJob = createJobRunner({
    ...adapters,
    escalation,
    ...(texts ? { texts } : {}),
    ...(tickets ? { tickets } : {}),
    ...(trackers.postmortems ? { postmortems: trackers.postmortems } : {}),
    enqueue,
  });
  const queue = adapters.jobs(runJob);
  jobs = queue;
  const commands = new CommandService({
    ...adapters,
    jobs: queue,
    charts: adapters.chartsDrawn ?? adapters.renderPng !== undefined,
  });
  const alerts = createAlertService({
    commands,
    store,
    jobs: queue,
    rules: alertRules(settings.policy),
    client: adapters.alertLinks.client,
    tableName: adapters.alertLinks.tableName,
    clock,
  });
  const progress: ProgressSettings = {
    announcements: Boolean(settings.incidentsChannel),
    ...(settings.policy ? { policy: settings.policy } : {}),
    ...(texts ? { texting: true } : {}),
  };
  return {
    commands,
    runJob,
    jobs: queue,
    store,
    chat,
    clock,
    settings,
    scheduler,
    escalation,
    alerts,
    trackers,
    fireTimer,
    syncOnCall: () =>
      syncOnCall({
        store,
        chat,
        clock,
        policy: settings.policy,
        timeZone: settings.timeZone,
        log: adapters.log ?? ((line) => console.log(line)),
      }),
    pollTickets: (options) =>
      pollTickets({
        ...(options?.deadline === undefined ? {} : { deadline: options.deadline }),
        store,
        ...(trackers.tracker ? { tracker: trackers.tracker } : {}),
        webhookKinds: Object.keys(trackers.webhooks) as TrackerKind[],
        clock,
        enqueue: (job) => queue.enqueue(job),
        log: adapters.log ?? ((line) => console.log(line)),
      }),
    reconcile: (options) =>
      reconcile(
        {
          store,
          jobs: queue,
          clock,
          progress,
          ...(adapters.leasesBefore ? { leasesBefore: adapters.leasesBefore } : {}),
        },
        options,
      ),
  };
}

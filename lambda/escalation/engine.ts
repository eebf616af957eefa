/**
 * Escalation with side effects. Paging starts at declaration and never waits on Slack: each team's
 * page for a tier is its own step of the incident's progress, claimed for one try at a time, retried
 * with backoff for minutes (a 429's Retry-After honoured), shown in Slack when it keeps failing, and
 * kept retrying (bounded) while the incident is open and unacknowledged. A crash mid-page leaves the
 * step on a lease that runs out, and the next try (a job, a timer, the reconciler) sends what is missing.
 */
import type { BotSettings } from '../config';
import { planTiers, reasonNotToPage } from '../incidents/escalation';
import { onCallFor } from '../incidents/oncall';
import { reminderSecondsFor, type Team } from '../incidents/policy';
import {
  isFinished,
  PAGES_RESOLVED,
  type PagePlan,
  pendingPagerNotices,
  pendingPages,
  teamsReached,
  timersStepName,
  wantedPages,
} from '../incidents/progress';
import { type Clock, formatDuration } from '../incidents/time';
import {
  BOT_AUTHOR,
  type Incident,
  type IncidentRecord,
  type Severity,
  type StepState,
  type TimelineEvent,
} from '../incidents/types';
import type { Job } from '../jobs/jobs';
import { CHANNEL_LINK, deliveryKey, type PageAction, type PageOutcome, type Pager } from '../paging/pager';
import { makeTimer, type Scheduler, timerId } from '../scheduling/scheduler';
import type { ChatGateway } from '../slack/chat';
import { channelLink, pageFailureNotice, reminderText } from '../slack/page-text';
import { claimKey, pageEventId } from '../store/keys';
import type { IncidentStore } from '../store/store';
import type { UnacknowledgedTexts } from './texts';

export interface PageRetryPolicy {
  /** First wait after a failed try; doubled per try up to `maxDelayMs`, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Tries in all before a page is given up (and said so). */
  maxAttempts: number;
  /** After this many failed tries the channel is told, while retries go on. */
  noticeAfterAttempts: number;
}

/** About 15 minutes of retries: 2 s, 4 s, 8 s … then every minute; the channel hears after about a minute. */
export const DEFAULT_PAGE_RETRY: PageRetryPolicy = {
  baseDelayMs: 2_000,
  maxDelayMs: 60_000,
  maxAttempts: 20,
  noticeAfterAttempts: 6,
};

/** The soonest a try that found its step waiting comes back (see `comeBackDelayMs`). */
const COME_BACK_MIN_MS = 10;

/**
 * The wait before the next try after `attempts` failed ones (pages and texts alike): full jitter over
 * the upper half of the exponential backoff, capped at `maxDelayMs`.
 */
export function backoffMs(retry: PageRetryPolicy, attempts: number, random: () => number): number {
  const { baseDelayMs, maxDelayMs } = retry;
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(cap * (0.5 + 0.5 * random()));
}

/**
 * A try that finds its step waiting out a backoff comes back when the backoff ends: this is how long
 * from `nowMs`, or undefined when the step waits for nothing. It may be a copy of the retry that ran a
 * moment early (the queue keeps one of two equal jobs, the earlier): returning without coming back
 * would lose the retry. Never sooner than a moment from now: the store's clock may still be a hair
 * before `retryAt` when ours is past it, and the snapshot may be stale (the next try reads the step
 * afresh).
 */
export function comeBackDelayMs(step: StepState | undefined, nowMs: number): number | undefined {
  if (step?.state !== 'failed' || step.permanent || step.retryAt === undefined) return undefined;
  return Math.max(COME_BACK_MIN_MS, step.retryAt - nowMs);
}

/** An `escalation` event by the bot on the incident's timeline, at `nowMs`. */
export async function addEscalationEvent(
  store: IncidentStore,
  incidentId: string,
  id: string,
  nowMs: number,
  fields: Pick<TimelineEvent, 'subject' | 'text' | 'team' | 'page'>,
): Promise<void> {
  const now = new Date(nowMs).toISOString();
  await store.addEvent({
    id,
    incidentId,
    at: now,
    recordedAt: now,
    kind: 'escalation',
    author: BOT_AUTHOR,
    ...fields,
  });
}

export interface EscalationDeps {
  store: IncidentStore;
  scheduler: Scheduler;
  pager: Pager;
  chat: ChatGateway;
  clock: Clock;
  settings: Pick<BotSettings, 'policy'>;
  /** Queues the retry of a page (with a delay) and the pages a tier calls for. */
  enqueue: (job: Job, options?: { delayMs?: number }) => Promise<void>;
  retry?: Partial<PageRetryPolicy>;
  /** [0, 1): jitter; injected for exact delays in tests. */
  random?: () => number;
  /** Texts (SMS) for unacknowledged pages when a later tier comes due; absent without phone numbers. */
  texts?: Pick<UnacknowledgedTexts, 'queueDue'>;
}

/**
 * Longer than one try can take: every delivery is bounded by its HTTP or Slack timeout (10 s) and
 * tried at most twice within a try. A try that dies holds its page no longer than this.
 */
export const PAGE_LEASE_MS = 45_000;

export class EscalationEngine {
  private readonly retry: PageRetryPolicy;
  private readonly random: () => number;

  constructor(private readonly deps: EscalationDeps) {
    this.retry = { ...DEFAULT_PAGE_RETRY, ...deps.retry };
    this.random = deps.random ?? Math.random;
  }

  private get policy() {
    return this.deps.settings.policy;
  }

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }

  /**
   * Who is on call for the team's schedule at `atMs` (the page's first try), cover set from Slack
   * included, if the team has a schedule.
   */
  private async onCallFor(team: string, config: Team, atMs: number): Promise<string | undefined> {
    if (!config.schedule) return undefined;
    const at = new Date(atMs).toISOString();
    return onCallFor(this.policy, team, await this.deps.store.listOnCallOverrides(at), at);
  }

  private async load(incidentId: string): Promise<IncidentRecord> {
    const record = await this.deps.store.getRecord(incidentId);
    if (!record) throw new Error(`${incidentId} not found`);
    return record;
  }

  /**
   * Brings paging up to date: the later tiers' timers set, every due page that is not finished and
   * not waiting out a backoff queued (each its own job), and the pagers told of an acknowledgement or
   * resolution. Run at declaration, on ack, resolve, a severity change or `/incident escalate`, and
   * by the reconciler: running it again does nothing twice.
   */
  async sync(incidentId: string): Promise<void> {
    const record = await this.load(incidentId);
    const { incident } = record;
    if (!this.policy) return;
    if (!reasonNotToPage(incident, incident.severity)) await this.setTimers(record);
    const now = this.nowMs();
    const due = pendingPages(record, this.policy, now).filter((plan) => plan.readyAt <= now);
    await Promise.all(due.map((plan) => this.deps.enqueue({ type: 'page', incidentId, step: plan.name })));
    await this.deps.texts?.queueDue(record, now);
    for (const notice of pendingPagerNotices(record)) await this.notifyPagers(record, notice);
  }

  /** Declaration: the reminder is scheduled and paging starts. */
  async start(incidentId: string): Promise<void> {
    const { incident } = await this.load(incidentId);
    await this.scheduleReminder(incident, incident.declaredAt);
    await this.sync(incidentId);
  }

  private async setTimers(record: IncidentRecord): Promise<void> {
    const { incident } = record;
    const name = timersStepName(incident.severity);
    if (isFinished(record.steps?.[name])) return;
    const now = this.nowMs();
    const later = planTiers(this.policy, incident).filter((tier) => Date.parse(tier.dueAt) > now);
    if (later.length === 0) return;
    if (!(await this.deps.store.acquireStep(incident.id, name, PAGE_LEASE_MS))) return;
    try {
      for (const tier of later) {
        const payload = {
          type: 'escalation-tier' as const,
          incidentId: incident.id,
          severity: tier.severity,
          tier: tier.tier,
        };
        await this.deps.scheduler.schedule({ id: timerId(payload), dueAt: tier.dueAt, payload });
      }
    } catch (error) {
      await this.deps.store.failStep(incident.id, name, { error: message(error), retryAt: now });
      throw error;
    }
    await this.deps.store.finishStep(incident.id, name);
  }

  /** A tier's timer fired: its teams' pages are tried now, side by side; the timer goes once they are recorded. */
  async fireTier(incidentId: string, severity: Severity, tierIndex: number): Promise<void> {
    const record = await this.load(incidentId);
    if (reasonNotToPage(record.incident, severity)) return;
    // The timer says the tier is due, even when it fires a little before our clock agrees.
    const dueAt = planTiers(this.policy, record.incident).find((tier) => tier.tier === tierIndex)?.dueAt;
    const now = Math.max(this.nowMs(), dueAt ? Date.parse(dueAt) : 0);
    const plans = pendingPages(record, this.policy, now).filter(
      (plan) => plan.tier === tierIndex && plan.severity === severity && plan.readyAt <= now,
    );
    await Promise.all(plans.map((plan) => this.runPage(record, plan)));
    await this.deps.texts?.queueDue(record, now, tierIndex);
  }

  /** One page job: one team, one tier (or one `/incident escalate`). */
  async page(incidentId: string, stepName: string): Promise<void> {
    const record = await this.load(incidentId);
    const plan = wantedPages(record, this.policy, this.nowMs()).find(
      (candidate) => candidate.name === stepName,
    );
    if (!plan) {
      // Acknowledged, resolved or re-planned since it was queued: a pending retry stops here.
      const step = record.steps?.[stepName];
      if (step && !isFinished(step) && step.state !== 'running') {
        await this.deps.store.failStep(incidentId, stepName, {
          error: `no longer needed (${reasonNotToPage(record.incident, record.incident.severity) ?? 'not in the plan'})`,
          permanent: true,
          ...(step.result ? { result: step.result } : {}),
        });
      }
      return;
    }
    await this.runPage(record, plan);
  }

  private async runPage(record: IncidentRecord, plan: PagePlan): Promise<void> {
    const { store, pager } = this.deps;
    const { incident } = record;
    const config = this.policy?.teams[plan.team];
    if (!config) return;
    const step = await store.acquireStep(incident.id, plan.name, PAGE_LEASE_MS);
    if (!step) {
      // Another try holds it, or it is done, or it waits out its backoff: then this job comes back.
      await this.comeBackWhenDue(record.steps?.[plan.name], {
        type: 'page',
        incidentId: incident.id,
        step: plan.name,
      });
      return;
    }
    const before = new Set(delivered(step));
    const onCall = await this.onCallFor(plan.team, config, step.firstAttemptAt ?? this.nowMs());
    const outcomes = await pager.page(
      {
        incident,
        team: plan.team,
        config,
        ...(onCall ? { onCall } : {}),
        ...(channelLink(incident) ? { channelLink: channelLink(incident) } : {}),
        ...(plan.tier === 'manual' ? {} : { tier: plan.tier }),
        ...(plan.reason ? { reason: plan.reason } : {}),
      },
      'trigger',
      { skip: before },
    );
    // The channel mention waits for the channel: not a failure, and it must not hold the rest back.
    const awaitingChannel = outcomes.filter(
      (o) => !o.ok && o.attempts === 0 && o.channel === 'slack' && !incident.channelId,
    );
    const failed = outcomes.filter((o) => !o.ok && !awaitingChannel.includes(o));
    const now = this.nowMs();
    const reached = [...before, ...outcomes.filter((o) => o.ok).map(deliveryKey)];
    const result: Record<string, unknown> = {
      ...step.result,
      team: plan.team,
      tier: plan.tier,
      delivered: [...new Set(reached)],
    };

    const tookNow = outcomes.filter((o) => o.ok);
    if (tookNow.length > 0 && before.size === 0) {
      await this.recordPaged(incident, plan, tookNow, failed, onCall);
    }
    if (failed.length === 0) {
      // Recorded before the step is marked, so whoever sees the page done sees its recovery too.
      const recovered = result.noticed === true && !result.recovered && tookNow.length > 0;
      if (recovered) {
        await this.recordRecovered(incident, plan);
        result.recovered = true;
      }
      // A page that reached PagerDuty, Opsgenie or a webhook before the channel existed went without
      // its link: it waits for the channel too, and the next run adds the link (CHANNEL_LINK).
      const linkOwed =
        !incident.channelId &&
        reached.some((key) => !key.startsWith('slack:') && !key.endsWith(CHANNEL_LINK));
      if (awaitingChannel.length > 0 || linkOwed) {
        // The channel step queues paging again once the channel exists; the reconciler backs it up.
        await store.failStep(incident.id, plan.name, {
          error: 'waiting for the incident channel',
          retryAt: now,
          result,
        });
        // The channel may have come while this page ran, its sync finding the step still running:
        // then nothing else would come back for it before the reconciler.
        if ((await store.getIncident(incident.id))?.channelId) {
          await this.deps.enqueue({ type: 'page', incidentId: incident.id, step: plan.name });
        }
      } else {
        await store.finishStep(incident.id, plan.name, result);
      }
      if (recovered) await this.deps.enqueue({ type: 'refresh-summary', incidentId: incident.id });
      return;
    }

    const stillNeeded = !plan.automatic || !reasonNotToPage(incident, plan.severity);
    const retryable = failed.some((o) => o.retryable !== false);
    const giveUp = !retryable || !stillNeeded || step.attempts >= this.retry.maxAttempts;
    const notice = !result.noticed && (giveUp || step.attempts >= this.retry.noticeAfterAttempts);
    if (notice) {
      result.noticed = true;
      await this.recordFailure(incident, plan, failed, step, giveUp, reached.length > 0);
    }
    const error = failed.map(describeFailure).join('; ');
    if (giveUp) {
      await store.failStep(incident.id, plan.name, { error, permanent: true, result });
      // The pinned summary lists what the bot could not do.
      if (notice || result.noticed)
        await this.deps.enqueue({ type: 'refresh-summary', incidentId: incident.id });
      return;
    }
    const delayMs = this.backoff(step.attempts, failed);
    await store.failStep(incident.id, plan.name, { error, retryAt: now + delayMs, result });
    if (notice) await this.deps.enqueue({ type: 'refresh-summary', incidentId: incident.id });
    await this.deps.enqueue({ type: 'page', incidentId: incident.id, step: plan.name }, { delayMs });
  }

  /** `backoffMs`, but never sooner than a Retry-After. */
  private backoff(attempts: number, failed: PageOutcome[]): number {
    const jittered = backoffMs(this.retry, attempts, this.random);
    const retryAfter = Math.max(0, ...failed.map((o) => o.retryAfterMs ?? 0));
    return Math.max(jittered, Math.min(retryAfter, this.retry.maxDelayMs * 5));
  }

  private what(plan: PagePlan): string {
    // Human text: tiers counted from 1 (plan.tier is the policy's 0-based index).
    return plan.tier === 'manual' ? 'manual escalation' : `automatic, tier ${plan.tier + 1}`;
  }

  private async recordPaged(
    incident: Incident,
    plan: PagePlan,
    took: PageOutcome[],
    failed: PageOutcome[],
    onCall: string | undefined,
  ): Promise<void> {
    const channels = [...new Set(took.map((o) => o.channel))];
    const failures = failed.map(describeFailure);
    await this.addEvent(incident, plan.name, {
      text: `Paged ${plan.team} (${this.what(plan)}) via ${channels.join(', ')}${failures.length ? `; ${failures.join('; ')}` : ''}`,
      team: plan.team,
      page: { tier: plan.tier, channels, failed: false, ...(onCall ? { onCall } : {}) },
    });
  }

  private async recordFailure(
    incident: Incident,
    plan: PagePlan,
    failed: PageOutcome[],
    step: StepState,
    gaveUp: boolean,
    partly: boolean,
  ): Promise<void> {
    const since = step.firstAttemptAt
      ? formatDuration(new Date(step.firstAttemptAt).toISOString(), new Date(this.nowMs()).toISOString())
      : '';
    const failures = failed.map(describeFailure).join('; ');
    const verb = partly ? `Some pages to ${plan.team} failed` : `Paging ${plan.team} failed`;
    const text = `${verb} (${this.what(plan)}) after ${step.attempts} tries${since ? ` over ${since}` : ''}: ${failures}`;
    await this.addEvent(incident, pageEventId.failed(plan.name), {
      text,
      team: plan.team,
      page: { tier: plan.tier, channels: [], failed: !partly },
    });
    const channelId = incident.channelId;
    if (!channelId) return;
    // Best effort: Slack being down is often why paging fails; the timeline has the failure anyway.
    await this.deps.chat
      .postMessage(channelId, { text: pageFailureNotice(text, gaveUp) })
      .catch(() => undefined);
  }

  private async recordRecovered(incident: Incident, plan: PagePlan): Promise<void> {
    await this.addEvent(incident, pageEventId.recovered(plan.name), {
      text: `Paged ${plan.team} (${this.what(plan)}) after earlier failures`,
      team: plan.team,
      page: { tier: plan.tier, channels: [], failed: false },
    });
  }

  private async addEvent(
    incident: Incident,
    id: string,
    fields: Pick<TimelineEvent, 'text' | 'team' | 'page'>,
  ): Promise<void> {
    await addEscalationEvent(this.deps.store, incident.id, id, this.nowMs(), fields);
  }

  /** Ack or resolve: later tiers' timers go, and every team a page reached hears it (same dedup key). */
  private async notifyPagers(record: IncidentRecord, notice: string): Promise<void> {
    const { incident } = record;
    const action: PageAction = notice === PAGES_RESOLVED ? 'resolve' : 'acknowledge';
    const step = await this.deps.store.acquireStep(incident.id, notice, PAGE_LEASE_MS);
    if (!step) {
      await this.comeBackWhenDue(record.steps?.[notice], noticeJob(notice, incident.id));
      return;
    }
    await this.cancelTimers(incident, incident.severity);
    const before = new Set(delivered(step));
    const teams = teamsReached(record);
    const outcomes = (
      await Promise.all(
        teams.map(async (team) => {
          const config = this.policy?.teams[team];
          if (!config) return [];
          const target = {
            incident,
            team,
            config,
            ...(channelLink(incident) ? { channelLink: channelLink(incident) } : {}),
          };
          const sent = await this.deps.pager.page(target, action, {
            skip: new Set(
              [...before]
                .filter((key) => key.startsWith(`${team}/`))
                .map((key) => key.slice(team.length + 1)),
            ),
          });
          return sent.map((outcome) => ({ team, outcome }));
        }),
      )
    ).flat();
    const reached = [
      ...before,
      ...outcomes.filter((o) => o.outcome.ok).map((o) => `${o.team}/${deliveryKey(o.outcome)}`),
    ];
    const failed = outcomes.filter((o) => !o.outcome.ok && o.outcome.retryable !== false);
    const result = { delivered: [...new Set(reached)] };
    if (failed.length === 0) {
      await this.deps.store.finishStep(incident.id, notice, result);
      return;
    }
    const error = failed.map((o) => `${o.team}: ${describeFailure(o.outcome)}`).join('; ');
    if (step.attempts >= this.retry.maxAttempts) {
      await this.deps.store.failStep(incident.id, notice, { error, permanent: true, result });
      return;
    }
    const delayMs = this.backoff(
      step.attempts,
      failed.map((o) => o.outcome),
    );
    await this.deps.store.failStep(incident.id, notice, { error, retryAt: this.nowMs() + delayMs, result });
    await this.deps.enqueue(noticeJob(notice, incident.id), { delayMs });
  }

  /** A try that finds its step waiting out a backoff comes back when it ends (`comeBackDelayMs`). */
  private async comeBackWhenDue(step: StepState | undefined, job: Job): Promise<void> {
    const delayMs = comeBackDelayMs(step, this.nowMs());
    if (delayMs !== undefined) await this.deps.enqueue(job, { delayMs });
  }

  /** Ack: no later tier pages; the pagers hear the acknowledgement. */
  async acknowledge(incidentId: string): Promise<void> {
    const record = await this.load(incidentId);
    await this.cancelTimers(record.incident, record.incident.severity);
    await this.sync(incidentId);
  }

  /** Resolve: timers cancelled, every page this incident triggered resolved (same dedup key). */
  async resolve(incidentId: string): Promise<void> {
    const record = await this.load(incidentId);
    await this.cancelTimers(record.incident, record.incident.severity);
    await this.sync(incidentId);
  }

  /** Severity changed: the old plan's timers go, the new plan's tiers are scheduled and due ones paged. */
  async replan(incidentId: string, previous: Severity): Promise<void> {
    const { incident } = await this.load(incidentId);
    await this.cancelTimers(incident, previous);
    await this.sync(incidentId);
  }

  private async cancelTimers(incident: Incident, severity: Severity): Promise<void> {
    for (const tier of planTiers(this.policy, { ...incident, severity })) {
      await this.deps.scheduler.cancel(
        timerId({ type: 'escalation-tier', incidentId: incident.id, severity, tier: tier.tier }),
      );
    }
  }

  /**
   * Nudges: an open incident whose severity has a `reminders` interval in the policy gets a reminder in
   * its channel after each interval without a timeline update. Reminders are due at
   * lastUpdate + k × interval, so every path that schedules one (declaration, a re-plan, the previous
   * reminder) names the same timer, and a claim per interval posts each nudge once.
   */
  private reminderInterval(incident: Incident): number | undefined {
    const { policy } = this.deps.settings;
    if (!policy || incident.status === 'resolved') return undefined;
    return reminderSecondsFor(policy, incident.severity);
  }

  async scheduleReminder(incident: Incident, lastUpdate: string, intervalsPassed = 0): Promise<void> {
    const seconds = this.reminderInterval(incident);
    if (!seconds) return;
    const dueAt = new Date(Date.parse(lastUpdate) + (intervalsPassed + 1) * seconds * 1000).toISOString();
    await this.deps.scheduler.schedule(makeTimer({ type: 'reminder', incidentId: incident.id }, dueAt));
  }

  async remind(incidentId: string): Promise<void> {
    const { incident, events } = await this.load(incidentId);
    const seconds = this.reminderInterval(incident);
    if (!seconds) return;
    const lastUpdate = events.reduce(
      (latest, event) =>
        event.author !== BOT_AUTHOR && event.recordedAt > latest ? event.recordedAt : latest,
      incident.declaredAt,
    );
    const now = new Date(this.nowMs()).toISOString();
    const intervals = Math.floor((Date.parse(now) - Date.parse(lastUpdate)) / (seconds * 1000));
    const nudge = claimKey.nudge(incidentId, lastUpdate, intervals);
    if (intervals >= 1 && incident.channelId && (await this.deps.store.claim(nudge, seconds * 2))) {
      await this.deps.chat.postMessage(incident.channelId, {
        text: reminderText(incident.id, formatDuration(lastUpdate, now)),
      });
    }
    await this.scheduleReminder(incident, lastUpdate, Math.max(intervals, 0));
  }
}

function noticeJob(notice: string, incidentId: string): Job {
  return { type: notice === PAGES_RESOLVED ? 'escalation-resolve' : 'escalation-ack', incidentId };
}

function delivered(step: StepState): string[] {
  const list = step.result?.delivered;
  return Array.isArray(list) ? list.filter((key): key is string => typeof key === 'string') : [];
}

function describeFailure(outcome: PageOutcome): string {
  const who = outcome.recipient && outcome.channel === 'slack' ? ` to ${outcome.recipient}` : '';
  return `${outcome.channel}${who} failed after ${outcome.attempts} attempts (${outcome.error ?? 'error'})`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

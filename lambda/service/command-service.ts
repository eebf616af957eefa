/**
 * The fast half of every `/incident` command: parse, decide, write, queue the slow work, and say
 * what happened. Runs inside Slack's 3 s; it never calls Slack's Web API itself. Nothing here knows a
 * verb: each verb's decision, follow-on jobs and answer are its entry in the verb table
 * (lambda/incidents/verbs/); this is the pipeline every verb runs through (target → decide → write →
 * enqueue → answer), and it answers with typed outcomes that lambda/slack/ renders.
 */
import type { BotSettings } from '../config';
import { IncidentError } from '../incidents/errors';
import { pagedTeams } from '../incidents/escalation';
import { HELP_TEXT, parseCommand, usageFor } from '../incidents/grammar';
import { decide, declareIncident, incidentVerbOf } from '../incidents/incident';
import type { IncidentIntent, Intent } from '../incidents/intents';
import { type Outcome, outcomeSchema, toUser } from '../incidents/message';
import { teamNames } from '../incidents/policy';
import { recordedVia } from '../incidents/provenance';
import type { Clock } from '../incidents/time';
import {
  type AppliedRequest,
  BOT_AUTHOR,
  type EventKind,
  type Incident,
  type Severity,
  type TimelineEvent,
} from '../incidents/types';
import type { Change, Decision, GeneralVerb, IncidentVerb, Said } from '../incidents/verb';
import { VERBS } from '../incidents/verbs';
import type { Jobs } from '../jobs/jobs';
import { isConditionFailure } from '../store/conditional';
import { commandRequestKey, requestEventId } from '../store/keys';
import type { IncidentStore } from '../store/store';

export interface CommandInput {
  text: string;
  userId: string;
  channelId: string;
  /** Slack's trigger_id: the same for a retried delivery of one command, so it keys idempotency. */
  triggerId?: string;
}

/** Who acted, where, and the request that carried it (a command, a button, a modal). */
export type CommandContext = Omit<CommandInput, 'text'>;

export interface DeclareRequest {
  title: string;
  severity: Severity;
  /** Defaults to now. */
  startedAt?: string;
  /** Slack user id, or `bot` for alerts. */
  declaredBy: string;
  /** Id of the `declared` event; derived from the request so a retry cannot write a second one. */
  eventId: string;
  /**
   * The request that declares it (store/keys.ts: a command, the declare modal, an alert): every
   * delivery of it declares the same incident number, so a redelivery after a crash finishes the
   * declaration instead of opening a second incident.
   */
  requestKey?: string;
  /** Further events recorded with the declaration (an alert's detection event, a description). */
  events?: { at: string; kind: EventKind; text: string }[];
  /** The alert that declares it (`<source>: <alert name>`), kept on the incident for `/incident stats`. */
  alertSource?: string;
}

export interface CommandServiceDeps {
  store: IncidentStore;
  jobs: Jobs;
  clock: Clock;
  settings: Pick<BotSettings, 'timeZone' | 'policy'> & Partial<Pick<BotSettings, 'incidentsChannel'>>;
  /** A PNG renderer is wired (BotAdapters.renderPng): `/incident postmortem` shows the timeline chart. */
  charts?: boolean;
}

/** How long a command's answer is kept for its redeliveries: well past Slack's retries. */
const REQUEST_TTL_SECONDS = 24 * 3600;
/** Requests remembered on the incident item, newest last: far more than can be in flight at once. */
const APPLIED_KEPT = 50;

export class CommandService {
  constructor(private readonly deps: CommandServiceDeps) {}

  private get tz(): string {
    return this.deps.settings.timeZone;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** A typed `/incident …`: parsed, then run; a command that cannot be read is answered with its usage. */
  async command(input: CommandInput): Promise<Outcome> {
    const parsed = parseCommand(input.text, { teams: teamNames(this.deps.settings.policy) });
    if (!parsed.ok) return toUser(`${parsed.error}\nUsage: ${parsed.usage}`);
    return this.run(parsed.intent, input);
  }

  /**
   * Carries out an intent, however it arrived: a typed command, a button, a modal. `known`: the
   * incident the intent names, when the caller has just read it (so it is read once per request).
   */
  async run(intent: Intent, input: CommandContext, known?: Incident): Promise<Outcome> {
    try {
      const verb = VERBS[intent.verb];
      return verb.scope === 'general'
        ? await this.general(verb, intent, input)
        : await this.onIncident(
            incidentVerbOf(intent as IncidentIntent),
            intent as IncidentIntent,
            input,
            known,
          );
    } catch (error) {
      if (error instanceof IncidentError) {
        return toUser(
          ...error.said,
          `\nUsage: ${usageFor(intent.verb === 'follow-up' ? intent.type : intent.verb)}`,
        );
      }
      throw error;
    }
  }

  private async general(verb: GeneralVerb, intent: Intent, input: CommandContext): Promise<Outcome> {
    if (verb.remembered) {
      const earlier = await this.earlierAnswer(input);
      if (earlier) return earlier;
    }
    const requestKey = commandRequestKey(input.triggerId);
    const outcome = await verb.answer(intent, {
      now: this.now(),
      tz: this.tz,
      userId: input.userId,
      listOpen: () => this.deps.store.listOpenIncidents(),
      declare: (request) =>
        this.declare({
          ...request,
          declaredBy: input.userId,
          eventId: requestEventId(input.triggerId),
          ...(requestKey ? { requestKey } : {}),
        }),
      ...(this.deps.settings.policy ? { policy: this.deps.settings.policy } : {}),
      requestId: requestEventId(input.triggerId),
      overrides: this.deps.store,
      followUps: () => this.deps.store.listFollowUps(),
      incidentsDeclaredSince: (fromIso) => this.deps.store.listIncidentsDeclaredSince(fromIso),
      reference: HELP_TEXT,
      usage: usageFor,
    });
    return verb.remembered ? this.answer(input, outcome) : outcome;
  }

  /** What an earlier delivery of this request answered, when it finished. */
  private async earlierAnswer(input: CommandContext): Promise<Outcome | undefined> {
    const key = commandRequestKey(input.triggerId);
    if (!key) return undefined;
    // An answer stored by an earlier version (Slack text) does not parse: the request is finished
    // again instead, which writes nothing twice (its change is found on the incident).
    const stored = outcomeSchema.safeParse(await this.deps.store.requestResult(key));
    return stored.success ? stored.data : undefined;
  }

  private async answer(input: CommandContext, outcome: Outcome): Promise<Outcome> {
    const key = commandRequestKey(input.triggerId);
    if (key) await this.deps.store.finishRequest(key, outcome, REQUEST_TTL_SECONDS);
    return outcome;
  }

  /**
   * Declares an incident: the one path for `/incident open`, the declare modal and alerts. Stores it
   * with its first events and queues the channel and the escalation. The caller has validated input
   * and deduplicated the request.
   */
  async declare(input: DeclareRequest): Promise<Incident> {
    const now = this.now();
    const { store } = this.deps;
    const { requestKey } = input;
    const number = requestKey
      ? await store.reserveIncidentNumber(requestKey, () => store.nextIncidentNumber())
      : await store.nextIncidentNumber();
    let incident: Incident = {
      ...declareIncident({
        number,
        title: input.title,
        severity: input.severity,
        startedAt: input.startedAt ?? now,
        declaredAt: now,
        declaredBy: input.declaredBy,
      }),
      ...(requestKey ? { declaredByRequest: requestKey } : {}),
      ...(input.alertSource ? { alertSource: input.alertSource } : {}),
    };
    try {
      await store.createIncident(incident);
    } catch (error) {
      // An earlier delivery of this request stored it before a crash: finish its declaration.
      const stored =
        requestKey && isConditionFailure(error) ? await store.getIncident(incident.id) : undefined;
      if (!stored || stored.declaredByRequest !== requestKey) throw error;
      incident = stored;
    }
    const what = `declared ${incident.id} (${incident.severity}): ${incident.title}`;
    await this.deps.store.addEvent({
      id: input.eventId,
      incidentId: incident.id,
      at: incident.startedAt,
      recordedAt: now,
      kind: 'declared',
      ...(input.declaredBy === BOT_AUTHOR
        ? { text: `incident-bot ${what}` }
        : { text: what, subject: input.declaredBy }),
      author: input.declaredBy,
      via: recordedVia({ id: input.eventId, author: input.declaredBy }),
    });
    for (const [index, event] of (input.events ?? []).entries()) {
      await this.deps.store.addEvent({
        id: `${input.eventId}.${index}`,
        incidentId: incident.id,
        recordedAt: now,
        author: input.declaredBy,
        via: recordedVia({ id: input.eventId, author: input.declaredBy }),
        ...event,
      });
    }
    // Paging starts now and never waits on Slack: its jobs run beside the channel's, not behind them.
    // Were both lost, the reconciler would find the incident's progress lagging and do the same.
    await this.deps.jobs.enqueue({ type: 'escalation-start', incidentId: incident.id });
    await this.deps.jobs.enqueue({ type: 'setup-channel', incidentId: incident.id });
    return incident;
  }

  private async target(intent: IncidentIntent, input: CommandContext, known?: Incident): Promise<Incident> {
    if (known && known.id === intent.ref) return known;
    if (intent.ref) {
      const incident = await this.deps.store.getIncident(intent.ref);
      if (!incident) throw new IncidentError('INCIDENT_NOT_FOUND', `There is no incident ${intent.ref}.`);
      return incident;
    }
    const id = await this.deps.store.findIncidentIdByChannel(input.channelId);
    const incident = id ? await this.deps.store.getIncident(id) : undefined;
    if (!incident) {
      throw new IncidentError(
        'NO_INCIDENT_IN_CHANNEL',
        'This channel belongs to no incident: type the command in the incident channel, or name the incident right after the verb (`INC-7`).',
      );
    }
    return incident;
  }

  private async onIncident(
    verb: IncidentVerb,
    intent: IncidentIntent,
    input: CommandContext,
    known?: Incident,
  ): Promise<Outcome> {
    let incident = await this.target(intent, input, known);
    if (verb.read) {
      const record = await this.deps.store.getRecord(incident.id);
      if (!record) throw new IncidentError('INCIDENT_NOT_FOUND', `There is no incident ${incident.id}.`);
      const tools = { tz: this.tz, now: this.now(), charts: this.deps.charts ?? false };
      const request = {
        channelId: input.channelId,
        userId: input.userId,
        requestKey: requestEventId(input.triggerId),
      };
      for (const job of verb.readJobs?.(record, tools, request) ?? []) await this.deps.jobs.enqueue(job);
      return verb.read(record, tools);
    }
    const earlier = await this.earlierAnswer(input);
    if (earlier) return earlier;
    const before = incident;
    const requestId = requestEventId(input.triggerId);

    const now = this.now();
    const context = { now, tz: this.tz, actor: input.userId };
    // Optimistic concurrency (store.update): on a conflicting write, decide again on what is stored now.
    let applied: AppliedRequest | undefined;
    let decision: Decision = {};
    ({ incident } = await this.deps.store.update(
      incident.id,
      async (current) => {
        // An earlier (or a concurrent) delivery of this very request stored it: finish it instead.
        applied = current.applied?.find((entry) => entry.request === requestId);
        if (applied) return undefined;
        decision = await this.withPages(verb, intent, current, decide(current, intent, context));
        if (!decision.incident) return undefined;
        const entry: AppliedRequest = { request: requestId };
        const decided = this.event(decision, current, input, requestId, now);
        if (decided) entry.event = decided;
        if (decision.incident.severity !== current.severity) entry.previousSeverity = current.severity;
        return { ...decision.incident, applied: [...(current.applied ?? []), entry].slice(-APPLIED_KEPT) };
      },
      { from: incident },
    ));
    let event: TimelineEvent | undefined;
    if (applied) {
      // Its event is written once, whoever writes it (a crash may have stopped the first delivery).
      event = applied.event;
      if (event) await this.deps.store.addEvent(event);
    } else {
      event = await this.record(decision, incident, input, requestId, now);
    }
    // A redelivery queues the same follow-on work (each job runs its work once), as if from the
    // incident before the change, and what is not in the progress record.
    const change: Change<IncidentIntent> = {
      intent,
      incident,
      before: !applied
        ? before
        : applied.previousSeverity
          ? { ...incident, severity: applied.previousSeverity }
          : incident,
      ...(event ? { event } : {}),
    };
    for (const job of verb.followOn(change)) await this.deps.jobs.enqueue(job);
    if (applied) await this.queueRecovery(incident);

    const { policy, incidentsChannel } = this.deps.settings;
    const said: Said<IncidentIntent> = {
      ...change,
      tz: this.tz,
      ...(policy ? { policy } : {}),
      ...(incidentsChannel ? { announcements: incidentsChannel } : {}),
    };
    const inIncidentChannel = incident.channelId === input.channelId;
    if (!inIncidentChannel && input.channelId && verb.echo) {
      // Seen where the incident is worked: a typo in INC-n from elsewhere does not go unnoticed.
      const where = /^[DG]/.test(input.channelId) ? ['a direct message'] : [{ channel: input.channelId }];
      await this.deps.jobs.enqueue({
        type: 'echo',
        incidentId: incident.id,
        message: [{ user: input.userId }, ' ', ...verb.echo(said), ' from ', ...where],
        key: requestId,
      });
    }
    return this.answer(input, {
      visibility: inIncidentChannel ? 'channel' : 'user',
      message: verb.confirm(said),
    });
  }

  /** A verb that pages: the teams its event pages, fixed now against the teams already paged. */
  private async withPages(
    verb: IncidentVerb,
    intent: IncidentIntent,
    incident: Incident,
    decision: Decision,
  ): Promise<Decision> {
    const { policy } = this.deps.settings;
    if (!verb.pages || !decision.event || !policy) return decision;
    const record = await this.deps.store.getRecord(incident.id);
    const already = pagedTeams(record?.events ?? []);
    return {
      ...decision,
      event: { ...decision.event, pageTeams: verb.pages(intent, incident, policy, already) },
    };
  }

  /** The timeline event a decision records; its id comes from the request, so a retry writes it once. */
  private event(
    decision: Decision,
    incident: Incident,
    input: CommandContext,
    requestId: string,
    now: string,
  ): TimelineEvent | undefined {
    if (!decision.event) return undefined;
    return {
      id: requestId,
      incidentId: incident.id,
      recordedAt: now,
      author: input.userId,
      via: 'command',
      ...decision.event,
    };
  }

  /** After a redelivery found its change stored: the follow-on work that is not in the progress record. */
  private async queueRecovery(incident: Incident): Promise<void> {
    const { jobs } = this.deps;
    await jobs.enqueue({ type: 'reconcile-incident', incidentId: incident.id });
    if (incident.status !== 'resolved')
      await jobs.enqueue({ type: 'refresh-summary', incidentId: incident.id });
  }

  private async record(
    decision: Decision,
    incident: Incident,
    input: CommandContext,
    requestId: string,
    now: string,
  ): Promise<TimelineEvent | undefined> {
    if (decision.followUp) {
      await this.deps.store.addFollowUp({
        id: requestId,
        incidentId: incident.id,
        author: input.userId,
        createdAt: now,
        ...decision.followUp,
      });
    }
    const event = this.event(decision, incident, input, requestId, now);
    if (!event) return undefined;
    await this.deps.store.addEvent(event);
    return event;
  }
}

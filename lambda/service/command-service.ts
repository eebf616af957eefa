/**
 * The fast half of every `/incident` command: parse, decide, write, queue the slow work, and say
 * what happened. Runs inside Slack's 3 s; it never calls Slack's Web API itself.
 */
import { randomUUID } from 'node:crypto';
import type { BotSettings } from '../config';
import { HELP_TEXT, parseCommand, usageFor } from '../incidents/commands';
import { IncidentError } from '../incidents/errors';
import { nextTier, pagedTeams, planTiers } from '../incidents/escalation';
import { type Decision, decide, declareIncident } from '../incidents/incident';
import type { IncidentIntent, Intent } from '../incidents/intents';
import { teamNames } from '../incidents/policy';
import { compilePostmortem } from '../incidents/postmortem';
import { type Clock, formatClock, formatDateTime, formatDuration, resolveStartTime } from '../incidents/time';
import {
  type AppliedRequest,
  BOT_AUTHOR,
  type EventKind,
  type Incident,
  SEVERITIES,
  type Severity,
  type TimelineEvent,
} from '../incidents/types';
import type { Jobs } from '../jobs/jobs';
import { escapeText, incidentChannelName } from '../slack/format';
import { channelMention, escapeClip, joinLinesWithin, userMention } from '../slack/text';
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
   * The request that declares it (`command#<trigger id>`, `view#<view id>`, `alert.<digest>`): every
   * delivery of it declares the same incident number, so a redelivery after a crash finishes the
   * declaration instead of opening a second incident.
   */
  requestKey?: string;
  /** Further events recorded with the declaration (an alert's detection event, a description). */
  events?: { at: string; kind: EventKind; text: string }[];
}

export interface Reply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
}

export interface CommandServiceDeps {
  store: IncidentStore;
  jobs: Jobs;
  clock: Clock;
  settings: Pick<BotSettings, 'timeZone' | 'policy'>;
}

/** How long a command's answer is kept for its redeliveries: well past Slack's retries. */
const REQUEST_TTL_SECONDS = 24 * 3600;
/** Requests remembered on the incident item, newest last: far more than can be in flight at once. */
const APPLIED_KEPT = 50;
const CONFLICT_RETRIES = 10;
/** Slack rejects message text past 40,000 characters. */
const MAX_REPLY = 39_000;
/**
 * An incident's title in one line of `/incident list`, escaped: room for a typed title (200 characters)
 * with a few entities whole; alert titles are not capped, so they are cut here.
 */
const MAX_LIST_TITLE = 250;

const ephemeral = (text: string): Reply => ({ response_type: 'ephemeral', text });

export class CommandService {
  constructor(private readonly deps: CommandServiceDeps) {}

  private get tz(): string {
    return this.deps.settings.timeZone;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  async handle(input: CommandInput): Promise<Reply> {
    const parsed = parseCommand(input.text, { teams: teamNames(this.deps.settings.policy) });
    if (!parsed.ok) return ephemeral(escapeText(`${parsed.error}\nUsage: ${parsed.usage}`));
    return this.execute(parsed.intent, input);
  }

  /** Carries out an intent, however it arrived: a typed command, a button, a modal. */
  async execute(intent: Intent, input: CommandContext): Promise<Reply> {
    try {
      return await this.act(intent, input);
    } catch (error) {
      if (error instanceof IncidentError) {
        return ephemeral(
          `${error.message}\nUsage: ${escapeText(usageFor(intent.verb === 'follow-up' ? intent.type : intent.verb))}`,
        );
      }
      throw error;
    }
  }

  private async act(intent: Intent, input: CommandContext): Promise<Reply> {
    switch (intent.verb) {
      case 'help':
        return ephemeral(escapeText(HELP_TEXT));
      case 'declare-modal':
        return ephemeral(escapeText(`To declare an incident: ${usageFor('open')}\n\n${HELP_TEXT}`));
      case 'list':
        return this.list();
      case 'open':
        return this.open(intent, input);
      default:
        return this.onIncident(intent, input);
    }
  }

  /**
   * Open incidents, most severe first and, within a severity, the longest running first (as App Home
   * orders them), so a cut drops the least pressing. One line each, the title cut to
   * MAX_LIST_TITLE; the reply's text stays within MAX_REPLY, whole lines only, ending in "…and N more".
   */
  private async list(): Promise<Reply> {
    const open = await this.deps.store.listOpenIncidents();
    if (open.length === 0) return ephemeral('No open incidents.');
    const now = this.now();
    const ordered = [...open].sort(
      (a, b) =>
        SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
        Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
        a.number - b.number,
    );
    const lines = ordered.map((incident) => {
      const where = incident.channelId ? channelMention(incident.channelId) : incident.id;
      const commander = incident.commander ? userMention(incident.commander) : 'no commander';
      return `• ${where} *${incident.id}* ${incident.severity} · ${incident.status} · ${escapeClip(incident.title, MAX_LIST_TITLE)} · open ${formatDuration(incident.startedAt, now)} · ${commander}`;
    });
    const heading = `*Open incidents (${open.length})*\n`;
    return ephemeral(`${heading}${joinLinesWithin(lines, MAX_REPLY - heading.length)}`);
  }

  private requestKey(input: CommandContext): string | undefined {
    return input.triggerId ? `command#${input.triggerId}` : undefined;
  }

  /** What an earlier delivery of this request answered, when it finished. */
  private async earlierAnswer(input: CommandContext): Promise<Reply | undefined> {
    const key = this.requestKey(input);
    return key ? ((await this.deps.store.requestResult(key)) as Reply | undefined) : undefined;
  }

  private async answer(input: CommandContext, reply: Reply): Promise<Reply> {
    const key = this.requestKey(input);
    if (key) await this.deps.store.finishRequest(key, reply, REQUEST_TTL_SECONDS);
    return reply;
  }

  private eventId(input: CommandContext): string {
    return input.triggerId ? `t-${input.triggerId}` : `r-${randomUUID()}`;
  }

  private async open(intent: Extract<Intent, { verb: 'open' }>, input: CommandContext): Promise<Reply> {
    const startedAt = resolveStartTime(intent.time, this.now(), this.tz);
    const earlier = await this.earlierAnswer(input);
    if (earlier) return earlier;
    const key = this.requestKey(input);
    const incident = await this.declare({
      title: intent.title,
      severity: intent.severity,
      startedAt,
      declaredBy: input.userId,
      eventId: this.eventId(input),
      ...(key ? { requestKey: key } : {}),
    });
    return this.answer(input, {
      response_type: 'in_channel',
      text: `:rotating_light: <@${input.userId}> declared *${incident.id}* (${incident.severity}): ${escapeText(incident.title)}. Started ${formatDateTime(incident.startedAt, this.tz)}. Opening #${incidentChannelName(incident.number, incident.title)}…`,
    });
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
    const who = input.declaredBy === BOT_AUTHOR ? 'incident-bot' : `<@${input.declaredBy}>`;
    await this.deps.store.addEvent({
      id: input.eventId,
      incidentId: incident.id,
      at: incident.startedAt,
      recordedAt: now,
      kind: 'declared',
      text: `${who} declared ${incident.id} (${incident.severity}): ${incident.title}`,
      author: input.declaredBy,
    });
    for (const [index, event] of (input.events ?? []).entries()) {
      await this.deps.store.addEvent({
        id: `${input.eventId}.${index}`,
        incidentId: incident.id,
        recordedAt: now,
        author: input.declaredBy,
        ...event,
      });
    }
    // Paging starts now and never waits on Slack: its jobs run beside the channel's, not behind them.
    // Were both lost, the reconciler would find the incident's progress lagging and do the same.
    await this.deps.jobs.enqueue({ type: 'escalation-start', incidentId: incident.id });
    await this.deps.jobs.enqueue({ type: 'setup-channel', incidentId: incident.id });
    return incident;
  }

  private async target(intent: IncidentIntent, input: CommandContext): Promise<Incident> {
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

  private async onIncident(intent: IncidentIntent, input: CommandContext): Promise<Reply> {
    let incident = await this.target(intent, input);
    if (intent.verb === 'postmortem') return this.draft(incident);
    const earlier = await this.earlierAnswer(input);
    if (earlier) return earlier;
    const before = incident;
    const requestId = this.eventId(input);

    const now = this.now();
    const context = { now, tz: this.tz, actor: input.userId };
    let applied = incident.applied?.find((entry) => entry.request === requestId);
    let event: TimelineEvent | undefined;
    if (applied) {
      // An earlier delivery stored this change and crashed before it finished: finish it.
      event = applied.event;
      if (event) await this.deps.store.addEvent(event);
    } else {
      let decision = await this.withPages(decide(incident, intent, context), intent, incident);
      // Optimistic concurrency: on a conflicting write, re-read and decide again on what is stored now.
      for (let attempt = 0; decision.incident; attempt++) {
        const entry: AppliedRequest = { request: requestId };
        const decided = this.event(decision, incident, input, now);
        if (decided) entry.event = decided;
        if (decision.incident.severity !== incident.severity) entry.previousSeverity = incident.severity;
        try {
          incident = await this.deps.store.updateIncident({
            ...decision.incident,
            applied: [...(incident.applied ?? []), entry].slice(-APPLIED_KEPT),
          });
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== 'CONCURRENT_UPDATE' || attempt >= CONFLICT_RETRIES)
            throw error;
          incident = (await this.deps.store.getIncident(incident.id)) as Incident;
          applied = incident.applied?.find((candidate) => candidate.request === requestId);
          if (applied) break; // a concurrent delivery of this very request won
          decision = await this.withPages(decide(incident, intent, context), intent, incident);
        }
      }
      event = applied ? applied.event : await this.record(decision, incident, input, now);
    }
    if (!applied) {
      await this.queueFollowOn(intent, incident, before);
    } else {
      // What the first delivery may not have queued: the same follow-on work (each job runs its
      // work once), as if from the incident before the change.
      const previous = applied.previousSeverity
        ? { ...incident, severity: applied.previousSeverity }
        : incident;
      await this.queueFollowOn(intent, incident, previous);
      await this.queueRecovery(incident);
    }
    if (intent.verb === 'commander') {
      await this.deps.jobs.enqueue({ type: 'invite', incidentId: incident.id, userId: intent.user });
    }
    const inIncidentChannel = incident.channelId === input.channelId;
    if (!inIncidentChannel && input.channelId) {
      // Seen where the incident is worked: a typo in INC-n from elsewhere does not go unnoticed.
      const where = /^[DG]/.test(input.channelId) ? 'a direct message' : `<#${input.channelId}>`;
      const what = this.echoed(intent, incident, event);
      if (what) {
        await this.deps.jobs.enqueue({
          type: 'echo',
          incidentId: incident.id,
          text: `<@${input.userId}> ${what} from ${where}`,
          key: requestId,
        });
      }
    }
    return this.answer(input, {
      response_type: inIncidentChannel ? 'in_channel' : 'ephemeral',
      text: this.confirmation(intent, incident, event),
    });
  }

  /**
   * `/incident escalate`: the teams it pages are fixed now and stored on its event, so the page is
   * part of the record (a crash cannot lose it) and the reply can say truthfully who is paged.
   */
  private async withPages(decision: Decision, intent: IncidentIntent, incident: Incident): Promise<Decision> {
    const { policy } = this.deps.settings;
    if (intent.verb !== 'escalate' || !decision.event || !policy) return decision;
    const record = await this.deps.store.getRecord(incident.id);
    const already = pagedTeams(record?.events ?? []);
    const teams = intent.team
      ? [intent.team]
      : (nextTier(planTiers(policy, incident), already)?.teams ?? []).filter(
          (team) => !already.includes(team),
        );
    return { ...decision, event: { ...decision.event, pageTeams: teams } };
  }

  /** The timeline event a decision records; its id comes from the request, so a retry writes it once. */
  private event(
    decision: Decision,
    incident: Incident,
    input: CommandContext,
    now: string,
  ): TimelineEvent | undefined {
    if (!decision.event) return undefined;
    return {
      id: this.eventId(input),
      incidentId: incident.id,
      recordedAt: now,
      author: input.userId,
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
    now: string,
  ): Promise<TimelineEvent | undefined> {
    if (decision.followUp) {
      await this.deps.store.addFollowUp({
        id: this.eventId(input),
        incidentId: incident.id,
        author: input.userId,
        createdAt: now,
        ...decision.followUp,
      });
    }
    const event = this.event(decision, incident, input, now);
    if (!event) return undefined;
    await this.deps.store.addEvent(event);
    return event;
  }

  private async queueFollowOn(intent: IncidentIntent, incident: Incident, before: Incident): Promise<void> {
    const { jobs } = this.deps;
    const incidentId = incident.id;
    if (intent.verb === 'ack') await jobs.enqueue({ type: 'escalation-ack', incidentId });
    if (intent.verb === 'severity' && before.severity !== incident.severity) {
      await jobs.enqueue({ type: 'escalation-replan', incidentId, previous: before.severity });
      await jobs.enqueue({ type: 'announce-severity', incidentId, previous: before.severity });
    }
    if (intent.verb === 'escalate') {
      await jobs.enqueue({ type: 'escalate', incidentId });
    }
    if (intent.verb === 'resolve') {
      await jobs.enqueue({ type: 'escalation-resolve', incidentId });
      await jobs.enqueue({ type: 'publish-postmortem', incidentId: incident.id });
    } else if (incident.status === 'resolved') {
      // A fact recorded after resolution updates the stored document.
      await jobs.enqueue({ type: 'store-postmortem', incidentId: incident.id });
    } else if (['severity', 'status', 'commander', 'ack'].includes(intent.verb)) {
      await jobs.enqueue({ type: 'refresh-summary', incidentId: incident.id });
    }
  }

  /** What an action did, as told in the incident channel when it was taken elsewhere. */
  private echoed(intent: IncidentIntent, incident: Incident, event: TimelineEvent | undefined): string {
    const at = event ? ` at ${formatClock(event.at, this.tz)}` : '';
    switch (intent.verb) {
      case 'ack':
        return `acknowledged ${incident.id}${at}`;
      case 'severity':
        return `set the severity of ${incident.id} to *${incident.severity}*${at}`;
      case 'status':
        return `set the status of ${incident.id} to *${incident.status}*${at}`;
      case 'commander':
        return `made <@${intent.user}> the incident commander of ${incident.id}${at}`;
      case 'escalate': {
        const teams = event?.pageTeams ?? [];
        const paged = teams.length > 0 ? `paging ${teams.join(', ')}` : 'nobody was paged';
        return `escalated ${incident.id}${at} (${paged}): ${withMentions(event?.text ?? '')}`;
      }
      case 'log':
        return `logged *${intent.kind}*${at} on ${incident.id}: ${withMentions(intent.text)}`;
      case 'resolve':
        return `resolved ${incident.id}${at}`;
      case 'impact':
        return `set the impact of ${incident.id}: ${withMentions(intent.text)}`;
      case 'cause':
        return `set the root cause of ${incident.id}: ${withMentions(intent.text)}`;
      case 'follow-up':
        return `added a ${intent.type === 'fix' ? 'fix' : 'task'} to ${incident.id}: ${withMentions(intent.text)}`;
      case 'postmortem':
        return '';
    }
  }

  private confirmation(intent: IncidentIntent, incident: Incident, event: TimelineEvent | undefined): string {
    const at = event ? formatClock(event.at, this.tz) : '';
    switch (intent.verb) {
      case 'log': {
        const late =
          incident.status === 'resolved' && !intent.time
            ? ` (a late addition: ${incident.id} was resolved, so it is stamped now)`
            : '';
        return `Logged *${intent.kind}* at ${at} on ${incident.id}${late}: ${withMentions(intent.text)}`;
      }
      case 'impact':
        return `Impact of ${incident.id} set: ${withMentions(intent.text)}`;
      case 'cause':
        return `Root cause of ${incident.id} set: ${withMentions(intent.text)}`;
      case 'severity':
        return `${incident.id} is now *${incident.severity}* (since ${at}).`;
      case 'status':
        return `${incident.id} is now *${incident.status}* (since ${at}).`;
      case 'commander':
        return `<@${incident.commander}> is now the incident commander of ${incident.id} (since ${at}).`;
      case 'ack':
        return `<@${incident.acknowledgedBy}> acknowledged ${incident.id} at ${at}. Automatic escalation stops.`;
      case 'escalate': {
        const who = intent.team ? ` to *${intent.team}*` : '';
        const teams = event?.pageTeams ?? [];
        const policyTeams = teamNames(this.deps.settings.policy);
        const paging = !this.deps.settings.policy
          ? ' Nobody was paged: no escalation policy is configured, so there are no teams to page. The escalation is logged.'
          : teams.length > 0
            ? ` Paging ${teams.join(', ')} now.`
            : ` Nobody was paged: no tier of the escalation policy for ${incident.severity} is left to page. Teams you can name: ${policyTeams.map((team) => `\`${team}\``).join(', ') || 'none'} (\`/incident escalate ${incident.id} <team> <reason>\`). The escalation is logged.`;
        const reason = (event?.text ?? '').replace(/\.$/, '');
        return `Escalated ${incident.id}${who} at ${at}: ${withMentions(reason)}.${paging}`;
      }
      case 'follow-up': {
        const owner = intent.owner ? `<@${intent.owner}>` : 'unassigned';
        const label = intent.type === 'fix' ? 'improvement/fix' : 'task';
        return `Added ${label} to ${incident.id}: ${withMentions(intent.text)} (owner: ${owner})`;
      }
      case 'resolve':
        return `:white_check_mark: ${incident.id} resolved at ${at} after ${formatDuration(incident.startedAt, incident.resolvedAt ?? incident.startedAt)}. Compiling the postmortem…`;
      case 'postmortem':
        return '';
    }
  }

  private async draft(incident: Incident): Promise<Reply> {
    const record = await this.deps.store.getRecord(incident.id);
    if (!record) throw new IncidentError('INCIDENT_NOT_FOUND', `There is no incident ${incident.id}.`);
    const markdown = compilePostmortem(record, { tz: this.tz, now: this.now() });
    // The draft holds people's and alerts' words as typed: escaped like every text the bot sends, so
    // it never broadcasts or hides a link, and cut between graphemes (never half an emoji or entity).
    const escaped = escapeText(markdown);
    const body =
      escaped.length > MAX_REPLY
        ? `${escapeClip(markdown, MAX_REPLY)}\n(cut here: the full draft is longer)`
        : escaped;
    return ephemeral(`Postmortem draft of ${incident.id}:\n\`\`\`\n${body}\n\`\`\``);
  }
}

const MENTION = /<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>/g;

/**
 * User text for a confirmation: escaped, except the user mentions it holds (`<@U…>`, `<@U…|name>`),
 * which stay real mentions (`<@U…>`) instead of showing as literal text.
 */
export function withMentions(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    out += escapeText(text.slice(last, match.index)) + userMention(match[1] as string);
    last = match.index + match[0].length;
  }
  return out + escapeText(text.slice(last));
}

// By name rather than instanceof: a second copy of the SDK in the bundle would defeat instanceof.
function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

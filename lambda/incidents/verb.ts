/**
 * What a verb of `/incident` is, in one place (lambda/incidents/verbs/ holds one file per verb): its
 * usage, its parser, its zod shape (the intent type is inferred from it), what it decides on an
 * incident, the follow-on jobs it causes and what it answers. The service runs every verb through
 * the same pipeline (target → decide → write → enqueue → answer); nothing about a verb lives there.
 */
import type { z } from 'zod';
import type { Job } from '../jobs/jobs';
import type { OnCallOverrides } from '../store/store';
import type { Message, Outcome } from './message';
import type { EscalationPolicy } from './policy';
import type {
  EventKind,
  FollowUp,
  FollowUpType,
  Incident,
  IncidentRecord,
  Severity,
  TimelineEvent,
} from './types';
import type { ParseOptions, Words } from './words';

/** One line of the command reference: how to type it and what it does. */
export interface Usage {
  syntax: string;
  /** One line in `/incident help`. */
  summary: string;
  hints?: readonly string[];
  /** What it does, in full, for the README's command reference. */
  effect: string;
}

/** An event to record, before the service gives it an id. */
export interface NewEvent {
  at: string;
  kind: EventKind;
  text: string;
  /** The person the event is about (Slack user id), shown before `text`. */
  subject?: string;
  team?: string;
  pageTeams?: string[];
}

export interface NewFollowUp {
  type: FollowUpType;
  text: string;
  owner?: string;
}

export interface Decision {
  /** The incident as it must be stored, when the intent changes it (same version as read). */
  incident?: Incident;
  event?: NewEvent;
  followUp?: NewFollowUp;
}

export interface DecideContext {
  now: string;
  tz: string;
  /** Slack user id of the responder. */
  actor: string;
}

/** Slack's limit for a section's text; free text longer than this is refused, never cut. */
export const MAX_TEXT_LENGTH = 3_000;

/** Appended to a log entry added after resolution without a time. */
export const LATE_MARK = '(added after resolution)';

export function isOpen(incident: Incident): boolean {
  return incident.status !== 'resolved';
}

/** What a verb caused, for its follow-on jobs: the incident before and after, and the intent. */
export interface Change<I> {
  intent: I;
  before: Incident;
  incident: Incident;
  /** The event it recorded, if any. */
  event?: TimelineEvent;
}

/** What a verb's answer may say: the change, the event it recorded, and where it was asked. */
export interface Said<I> extends Change<I> {
  tz: string;
  policy?: EscalationPolicy;
  /** The announcements channel, when one is configured. */
  announcements?: string;
}

/** What the service lends a verb that does not act on one incident (help, list, open). */
export interface VerbTools {
  now: string;
  tz: string;
  userId: string;
  /** Open incidents (for `list`). */
  listOpen(): Promise<Incident[]>;
  /** Declares an incident keyed by this request (for `open`). */
  declare(request: { title: string; severity: Severity; startedAt: string }): Promise<Incident>;
  /** The escalation policy, when one is configured (for `oncall`). */
  policy?: EscalationPolicy;
  /** Names what this request writes (an override's id is derived from it): the same on a redelivery. */
  requestId: string;
  /** Cover set from Slack (for `oncall`). */
  overrides: OnCallOverrides;
  /** Every follow-up of every incident (for `followups`, `stats`). */
  followUps(): Promise<FollowUp[]>;
  /** Every incident declared at or after the instant, open or resolved (for `stats`). */
  incidentsDeclaredSince(fromIso: string): Promise<Incident[]>;
  /** The command reference (for `help`), and one verb's usage. */
  reference: string;
  usage(verb: string): string;
}

/** What the service lends a verb that only reads. */
export interface ReadTools {
  tz: string;
  now: string;
  /** A PNG renderer is wired: pictures can be drawn and shown. */
  charts: boolean;
}

/** Who asked, where, and the request's key (the same for each delivery of it). */
export interface ReadRequest {
  channelId: string;
  userId: string;
  requestKey: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the table holds verbs of every intent shape.
type AnyObjectSchema = z.ZodObject<any>;

interface VerbBase<S extends AnyObjectSchema> {
  /** The words typed after `/incident` that select this verb, each with its usage line. */
  words: Readonly<Record<string, Usage>>;
  /** The intent this verb produces: validated before anything acts on it. */
  schema: S;
  /** Reads the words after the verb; throws `Refusal` saying what was wrong. */
  parse?(words: Words, options: ParseOptions, typed: string): NoInfer<z.input<S>>;
}

/** A verb that answers without acting on one incident. */
export interface GeneralVerb<S extends AnyObjectSchema = AnyObjectSchema> extends VerbBase<S> {
  scope: 'general';
  /** A redelivery of the request gets the first delivery's answer (it wrote something). */
  remembered?: boolean;
  answer(intent: z.infer<S>, tools: VerbTools): Promise<Outcome>;
}

/** A verb that acts on one incident: named by `INC-n`, or the incident of the channel. */
export interface IncidentVerb<S extends AnyObjectSchema = AnyObjectSchema> extends VerbBase<S> {
  scope: 'incident';
  /** Refused once the incident is resolved. */
  openOnly?: boolean;
  /** Free text refused past MAX_TEXT_LENGTH before anything is written, and its name in the refusal. */
  longText?: { name: string; of(intent: z.infer<S>): string | undefined };
  /**
   * A verb that only reads (`postmortem`): its answer, and nothing is written. `charts`: a PNG
   * renderer is wired, so pictures can be shown.
   */
  read?(record: IncidentRecord, tools: ReadTools): Outcome;
  /** What a read queues to show (`postmortem`: the timeline chart, to the one who asked). Pure. */
  readJobs?(record: IncidentRecord, tools: ReadTools, request: ReadRequest): Job[];
  /** What it records: a changed incident, an event, a follow-up. Pure; throws IncidentError to refuse. */
  decide(incident: Incident, intent: z.infer<S>, ctx: DecideContext): Decision;
  /** A verb that pages: the teams its event pages, fixed when it is typed (so a crash cannot lose them). */
  pages?(intent: z.infer<S>, incident: Incident, policy: EscalationPolicy, alreadyPaged: string[]): string[];
  /** The jobs it queues once written. Pure. */
  followOn(change: Change<z.infer<S>>): Job[];
  /** The confirmation, to the channel when typed there, else to the responder. */
  confirm(said: Said<z.infer<S>>): Message;
  /** What the incident channel is told when it was done elsewhere ("<who> … from <where>"). */
  echo?(said: Said<z.infer<S>>): Message;
}

export type Verb = GeneralVerb | IncidentVerb;

/** Defines a verb with its intent type inferred from its schema. */
export function generalVerb<S extends AnyObjectSchema>(verb: Omit<GeneralVerb<S>, 'scope'>): GeneralVerb<S> {
  return { scope: 'general', ...verb };
}

export function incidentVerb<S extends AnyObjectSchema>(
  verb: Omit<IncidentVerb<S>, 'scope'>,
): IncidentVerb<S> {
  return { scope: 'incident', ...verb };
}

/** The follow-on of a fact recorded on a resolved incident: the stored postmortem is recompiled. */
export function factRecorded(incident: Incident): Job[] {
  return isOpen(incident) ? [] : [{ type: 'store-postmortem', incidentId: incident.id }];
}

/** After a change to the incident's state: its pinned summary shows it; once resolved, its document. */
export function stateChanged(incident: Incident): Job[] {
  return isOpen(incident)
    ? [{ type: 'refresh-summary', incidentId: incident.id }]
    : [{ type: 'store-postmortem', incidentId: incident.id }];
}

/**
 * The incident state machine. Pure: given the incident as stored, an intent and the moment, it
 * decides what to write (an updated incident, a timeline event, a follow-up) or refuses with a named
 * IncidentError. The service does the writing; nothing here touches the world.
 */
import { IncidentError } from './errors';
import type { IncidentIntent } from './intents';
import { formatDateTime, resolveEventTime } from './time';
import type { EventKind, FollowUpType, Incident, Severity } from './types';
import { BOT_AUTHOR, incidentId } from './types';

export interface DeclareInput {
  number: number;
  title: string;
  severity: Severity;
  startedAt: string;
  declaredAt: string;
  declaredBy: string;
}

export function declareIncident(input: DeclareInput): Incident {
  return {
    id: incidentId(input.number),
    number: input.number,
    title: input.title,
    severity: input.severity,
    status: 'investigating',
    // Whoever declares commands until someone is assigned; an alert (`bot`) leaves it to people.
    ...(input.declaredBy === BOT_AUTHOR ? {} : { commander: input.declaredBy }),
    declaredBy: input.declaredBy,
    startedAt: input.startedAt,
    declaredAt: input.declaredAt,
    version: 1,
  };
}

/** An event to record, before the store gives it an id. */
export interface NewEvent {
  at: string;
  kind: EventKind;
  text: string;
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

/** Verbs that make sense only while the incident is open. */
const OPEN_ONLY = new Set<IncidentIntent['verb']>([
  'severity',
  'status',
  'commander',
  'ack',
  'escalate',
  'resolve',
]);

export function isOpen(incident: Incident): boolean {
  return incident.status !== 'resolved';
}

/** Slack's limit for a section's text; free text longer than this is refused, never cut. */
export const MAX_TEXT_LENGTH = 3_000;

/** Appended to a log entry added after resolution without a time. */
export const LATE_MARK = '(added after resolution)';

const FIELD_NAMES: Partial<Record<IncidentIntent['verb'], string>> = {
  log: 'log text',
  impact: 'impact statement',
  cause: 'root-cause summary',
  'follow-up': 'follow-up',
  resolve: 'resolution',
  escalate: 'escalation reason',
};

/** Refuses free text over MAX_TEXT_LENGTH characters (code points), before anything is written. */
function refuseLongText(intent: IncidentIntent): void {
  const text =
    'text' in intent
      ? intent.text
      : intent.verb === 'resolve'
        ? intent.resolution
        : intent.verb === 'escalate'
          ? intent.reason
          : undefined;
  if (text === undefined) return;
  const length = [...text].length;
  if (length <= MAX_TEXT_LENGTH) return;
  throw new IncidentError(
    'TEXT_TOO_LONG',
    `The ${FIELD_NAMES[intent.verb] ?? 'text'} is ${length.toLocaleString('en-US')} characters long; keep it to ${MAX_TEXT_LENGTH.toLocaleString('en-US')} or fewer. Nothing was recorded.`,
  );
}

/**
 * Decides what an intent on an existing incident records. Throws IncidentError when it makes no
 * sense: acting on a resolved incident, resolving twice, a time outside the incident, a no-op change.
 */
export function decide(incident: Incident, intent: IncidentIntent, ctx: DecideContext): Decision {
  if (!isOpen(incident) && OPEN_ONLY.has(intent.verb)) {
    throw new IncidentError(
      intent.verb === 'resolve' ? 'ALREADY_RESOLVED' : 'NOT_OPEN',
      `${incident.id} was resolved at ${formatDateTime(incident.resolvedAt ?? incident.startedAt, ctx.tz)}; \`${intent.verb}\` needs an open incident.`,
    );
  }
  refuseLongText(intent);
  const time = (input: Parameters<typeof resolveEventTime>[0]) =>
    resolveEventTime(input, {
      startedAt: incident.startedAt,
      now: ctx.now,
      tz: ctx.tz,
      resolvedAt: incident.resolvedAt,
    });

  switch (intent.verb) {
    case 'log':
      if (!isOpen(incident) && !intent.time) {
        // A fact remembered after resolution: stamped now and marked as a late addition.
        return { event: { at: ctx.now, kind: intent.kind, text: `${intent.text} ${LATE_MARK}` } };
      }
      return { event: { at: time(intent.time), kind: intent.kind, text: intent.text } };
    case 'impact':
      return { incident: { ...incident, impact: intent.text } };
    case 'cause':
      return { incident: { ...incident, rootCause: intent.text } };
    case 'severity': {
      if (intent.severity === incident.severity) {
        throw new IncidentError('NO_CHANGE', `${incident.id} is already ${intent.severity}.`);
      }
      const at = time(intent.time);
      return {
        incident: { ...incident, severity: intent.severity },
        event: {
          at,
          kind: 'severity',
          text: `Severity changed from ${incident.severity} to ${intent.severity}`,
        },
      };
    }
    case 'status': {
      if (intent.status === incident.status) {
        throw new IncidentError('NO_CHANGE', `${incident.id} is already ${intent.status}.`);
      }
      const at = time(intent.time);
      return {
        incident: { ...incident, status: intent.status },
        event: { at, kind: 'status', text: `Status changed from ${incident.status} to ${intent.status}` },
      };
    }
    case 'commander': {
      if (intent.ifVacant && incident.commander) {
        throw new IncidentError(
          'NO_CHANGE',
          intent.user === incident.commander
            ? `You are already leading ${incident.id}.`
            : `<@${incident.commander}> is already leading ${incident.id}; nothing was changed.`,
        );
      }
      if (intent.user === incident.commander) {
        throw new IncidentError('NO_CHANGE', `<@${intent.user}> is already the commander of ${incident.id}.`);
      }
      const at = time(intent.time);
      return {
        incident: { ...incident, commander: intent.user },
        event: { at, kind: 'commander', text: `<@${intent.user}> is now the incident commander` },
      };
    }
    case 'ack': {
      if (incident.acknowledgedAt) {
        throw new IncidentError(
          'ALREADY_ACKNOWLEDGED',
          `${incident.id} was already acknowledged by <@${incident.acknowledgedBy}> at ${formatDateTime(incident.acknowledgedAt, ctx.tz)}.`,
        );
      }
      const at = time(intent.time);
      return {
        incident: { ...incident, acknowledgedAt: at, acknowledgedBy: ctx.actor },
        event: { at, kind: 'acknowledged', text: `<@${ctx.actor}> acknowledged the page` },
      };
    }
    case 'escalate': {
      const at = time(intent.time);
      const text = intent.reason ?? (intent.team ? `Escalated to ${intent.team}` : 'Escalated');
      return { event: { at, kind: 'escalation', text, ...(intent.team ? { team: intent.team } : {}) } };
    }
    case 'follow-up':
      return {
        followUp: { type: intent.type, text: intent.text, ...(intent.owner ? { owner: intent.owner } : {}) },
      };
    case 'resolve': {
      const at = time(intent.time);
      return {
        incident: {
          ...incident,
          status: 'resolved',
          resolvedAt: at,
          resolvedBy: ctx.actor,
          ...(intent.resolution ? { resolution: intent.resolution } : {}),
        },
        event: { at, kind: 'resolved', text: `<@${ctx.actor}> resolved the incident` },
      };
    }
    case 'postmortem':
      return {};
  }
}

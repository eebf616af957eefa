/**
 * The incident state machine. Pure: given the incident as stored, an intent and the moment, it
 * decides what to write (an updated incident, a timeline event, a follow-up) or refuses with a named
 * IncidentError. What each verb decides is in its entry of the verb table (verbs/); the rules every
 * verb shares (an open incident, text within Slack's limit) are here. Nothing here touches the world.
 */
import { IncidentError } from './errors';
import type { IncidentIntent } from './intents';
import { formatDateTime } from './time';
import type { Incident, Severity } from './types';
import { BOT_AUTHOR, incidentId } from './types';
import { type DecideContext, type Decision, type IncidentVerb, isOpen, MAX_TEXT_LENGTH } from './verb';
import { VERBS } from './verbs';

export {
  type DecideContext,
  type Decision,
  isOpen,
  LATE_MARK,
  MAX_TEXT_LENGTH,
  type NewEvent,
  type NewFollowUp,
} from './verb';

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

/** The table's entry for a verb that acts on one incident. */
export function incidentVerbOf(intent: IncidentIntent): IncidentVerb {
  const verb = VERBS[intent.verb];
  if (verb.scope !== 'incident') throw new Error(`${intent.verb} does not act on an incident`);
  return verb;
}

/** Refuses free text over MAX_TEXT_LENGTH characters (code points), before anything is written. */
function refuseLongText(verb: IncidentVerb, intent: IncidentIntent): void {
  const text = verb.longText?.of(intent);
  if (text === undefined) return;
  const length = [...text].length;
  if (length <= MAX_TEXT_LENGTH) return;
  throw new IncidentError(
    'TEXT_TOO_LONG',
    `The ${verb.longText?.name ?? 'text'} is ${length.toLocaleString('en-US')} characters long; keep it to ${MAX_TEXT_LENGTH.toLocaleString('en-US')} or fewer. Nothing was recorded.`,
  );
}

/**
 * Decides what an intent on an existing incident records. Throws IncidentError when it makes no
 * sense: acting on a resolved incident, resolving twice, a time outside the incident, a no-op change.
 */
export function decide(incident: Incident, intent: IncidentIntent, ctx: DecideContext): Decision {
  const verb = incidentVerbOf(intent);
  if (!isOpen(incident) && verb.openOnly) {
    throw new IncidentError(
      intent.verb === 'resolve' ? 'ALREADY_RESOLVED' : 'NOT_OPEN',
      `${incident.id} was resolved at ${formatDateTime(incident.resolvedAt ?? incident.startedAt, ctx.tz)}; \`${intent.verb}\` needs an open incident.`,
    );
  }
  refuseLongText(verb, intent);
  return verb.decide(incident, intent, ctx);
}

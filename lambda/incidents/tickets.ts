/**
 * Follow-ups as tickets (docs/trackers.md): which follow-ups still need one, and what the ticket
 * says. Pure: the tracker call, its retries and what Slack hears are in lambda/trackers/tickets.ts.
 */
import type { TicketLink, TicketRequest, TrackerKind } from '../trackers/tracker';
import type { EscalationPolicy } from './policy';
import type { FollowUp, IncidentRecord, StepState } from './types';

/** The step that creates one follow-up's ticket: claimed, retried and finished like the Slack steps. */
export function ticketStepName(followUpId: string): string {
  return `ticket.${followUpId}`;
}

export function isTicketStep(name: string): boolean {
  return name.startsWith('ticket.');
}

/** The tracker follow-ups go to, if the policy names one. */
export function trackerOf(policy: EscalationPolicy | undefined): TrackerKind | undefined {
  return policy?.followups?.tracker;
}

/**
 * The follow-ups that have no ticket yet and whose ticket step is not finished (done, or failed for
 * good), oldest first. Empty when no tracker is configured.
 */
export function ticketsWanted(
  record: IncidentRecord,
  policy: EscalationPolicy | undefined,
): { followUp: FollowUp; step: string }[] {
  if (!trackerOf(policy)) return [];
  const steps = record.steps ?? {};
  return record.followUps
    .filter((followUp) => !followUp.ticket && !finished(steps[ticketStepName(followUp.id)]))
    .map((followUp) => ({ followUp, step: ticketStepName(followUp.id) }));
}

function finished(step: StepState | undefined): boolean {
  return step?.state === 'done' || (step?.state === 'failed' && step.permanent === true);
}

/** How a follow-up's kind is named in its ticket. */
const KIND_NAME = { fix: 'Improvement/fix', task: 'Task' } as const;

export interface TicketPlaces {
  /** The incident channel's link, once it exists. */
  channel?: string;
  /** Where the postmortem is or will be read (its pull request, or the file on the branch). */
  postmortem?: string;
}

/** The ticket a follow-up becomes: its text as title, a body linking the incident, labels, assignee. */
export function ticketRequest(
  record: IncidentRecord,
  followUp: FollowUp,
  policy: EscalationPolicy | undefined,
  places: TicketPlaces,
): TicketRequest {
  const { incident } = record;
  const tracker = trackerOf(policy);
  const labels = [
    ...new Set(['incident', incident.id, incident.severity, ...(policy?.followups?.labels ?? [])]),
  ];
  const assignee = followUp.owner && tracker ? policy?.people?.[followUp.owner]?.[tracker] : undefined;
  const paragraphs = [
    `${KIND_NAME[followUp.type]} from ${incident.id} (${incident.severity}): ${incident.title}.`,
    `Recorded in Slack by incident-bot on ${followUp.createdAt.slice(0, 10)}${followUp.owner && !assignee ? '; its owner in Slack has no account mapped under `people` in the escalation policy' : ''}.`,
  ];
  const links: TicketLink[] = [];
  if (places.channel) links.push({ text: `${incident.id} incident channel`, url: places.channel });
  if (places.postmortem) links.push({ text: `${incident.id} postmortem`, url: places.postmortem });
  return {
    title: followUp.text,
    paragraphs,
    links,
    labels,
    ...(assignee ? { assignee } : {}),
    idempotencyKey: `${incident.id}.${followUp.id}`,
  };
}

/** Where a resolved incident's postmortem will be read in git, when postmortems go to GitHub. */
export function postmortemBlobUrl(
  policy: EscalationPolicy | undefined,
  incidentId: string,
  webUrl = 'https://github.com',
): string | undefined {
  const git = policy?.postmortems?.github;
  if (!git) return undefined;
  return `${webUrl}/${git.repo}/blob/${encodeURIComponent(git.branch)}/${git.path}/${incidentId}.md`;
}

/** Open follow-ups and the share of those created in the window that are closed (for `followups`). */
export function followUpStats(
  followUps: readonly FollowUp[],
  nowIso: string,
  windowDays = 30,
): { open: FollowUp[]; recent: number; closedRecent: number } {
  const since = Date.parse(nowIso) - windowDays * 86_400_000;
  const recent = followUps.filter((f) => Date.parse(f.createdAt) >= since);
  return {
    open: followUps.filter((f) => f.ticketState !== 'closed'),
    recent: recent.length,
    closedRecent: recent.filter((f) => f.ticketState === 'closed').length,
  };
}

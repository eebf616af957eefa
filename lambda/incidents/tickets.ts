/**
 * Follow-ups as tickets (docs/trackers.md): which follow-ups still need one, and what the ticket
 * says. Pure: the tracker call, its retries and what Slack hears are in lambda/trackers/tickets.ts.
 */
import type { TicketLink, TicketRequest, TrackerKind } from '../trackers/tracker';
import type { Part } from './message';
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

/** At most this many open follow-ups are listed (`/incident followups`, App Home). */
export const FOLLOW_UPS_LISTED = 15;

/** How long ago, in the largest whole unit: `3 days`, `5 hours`, `12 minutes`. */
export function ageOf(fromIso: string, nowIso: string): string {
  const minutes = Math.max(0, Math.floor((Date.parse(nowIso) - Date.parse(fromIso)) / 60_000));
  const [count, unit] =
    minutes >= 2 * 24 * 60
      ? [Math.floor(minutes / (24 * 60)), 'day']
      : minutes >= 120
        ? [Math.floor(minutes / 60), 'hour']
        : [minutes, 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** One open follow-up: `INC-1 task “…” — owner @anna — acme/ops#3 — 4 days old`. */
export function followUpLine(followUp: FollowUp, nowIso: string): Part[] {
  return [
    '• ',
    { strong: followUp.incidentId },
    ` ${followUp.type} `,
    { quoted: followUp.text, max: 120 },
    ' — owner ',
    followUp.owner ? { user: followUp.owner } : 'unassigned',
    ...(followUp.ticket
      ? [' — ', { link: followUp.ticket.url, text: followUp.ticket.key } satisfies Part]
      : []),
    ` — ${ageOf(followUp.createdAt, nowIso)} old`,
  ];
}

/** The heading of the list: how many are open, and the share closed of those created in 30 days. */
export function followUpHeading(followUps: readonly FollowUp[], nowIso: string, scope?: string): Part[] {
  const { open, recent, closedRecent } = followUpStats(followUps, nowIso);
  const share =
    recent === 0
      ? 'none created in the last 30 days'
      : `${Math.round((100 * closedRecent) / recent)}% of the ${recent} created in the last 30 days closed`;
  return [{ strong: `Open follow-ups${scope ? ` of ${scope}` : ''}` }, `: ${open.length} (${share})`];
}

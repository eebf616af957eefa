/**
 * Polling where no webhook is configured (docs/trackers.md): on the minute tick (the worker's
 * reconcile event, the local server's reconcile interval) the open tickets of the configured tracker
 * are asked for their state when that tracker has no webhook secret. Each ticket at most once per
 * `TICKET_POLL_INTERVAL_SECONDS` (a claim held that long, so two workers never both poll it), at most
 * `TICKET_POLLS_PER_TICK` per tick, oldest follow-up first. A closed ticket closes the follow-up as a
 * webhook would (and a resolved incident's postmortem is stored again, marking it). A tracker that
 * fails is logged and asked again after the interval: it never fails the tick.
 */
import type { Clock } from '../incidents/time';
import type { FollowUp } from '../incidents/types';
import type { Job } from '../jobs/jobs';
import { claimKey } from '../store/keys';
import type { IncidentStore } from '../store/store';
import type { Tracker, TrackerKind } from './tracker';

/** A ticket is polled at most this often. */
export const TICKET_POLL_INTERVAL_SECONDS = 15 * 60;
/** Tracker calls per tick, at most: about 1,200 an hour, within every vendor's rate limit. */
export const TICKET_POLLS_PER_TICK = 20;

/** A follow-up that has a ticket. */
export type TicketedFollowUp = FollowUp & { ticket: NonNullable<FollowUp['ticket']> };

/**
 * Pure: the follow-ups whose ticket may be polled, oldest first (then by id). Only tickets of the
 * configured tracker (the only adapter there is to ask) and only when that tracker has no webhook
 * (a webhook reports changes itself); only tickets not known to be closed.
 */
export function ticketsToPoll(
  followUps: readonly FollowUp[],
  tracker: TrackerKind | undefined,
  webhookKinds: readonly TrackerKind[],
): TicketedFollowUp[] {
  if (!tracker || webhookKinds.includes(tracker)) return [];
  return followUps
    .filter((f): f is TicketedFollowUp => f.ticket?.tracker === tracker && f.ticketState !== 'closed')
    .sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface TicketPollDeps {
  store: Pick<IncidentStore, 'listFollowUps' | 'claim' | 'setTicketState' | 'getIncident'>;
  /** The configured tracker; none: nothing is polled. */
  tracker?: Pick<Tracker, 'kind' | 'status'>;
  /** The kinds with a webhook secret configured: their tickets are never polled. */
  webhookKinds: readonly TrackerKind[];
  clock: Clock;
  enqueue: (job: Job) => Promise<void>;
  log: (line: string) => void;
  /** @default TICKET_POLLS_PER_TICK */
  limit?: number;
  /** @default TICKET_POLL_INTERVAL_SECONDS */
  intervalSeconds?: number;
  /**
   * Epoch ms (wall clock, as the reconciler's): no poll starts after it, so a tracker that hangs
   * (each call bounded by the adapter's timeout) cannot hold the tick past the function's timeout.
   */
  deadline?: number;
}

export interface TicketPollReport {
  /** `INC-n/<follow-up id>` of each ticket asked about this tick. */
  polled: string[];
  /** Those found closed (and recorded so). */
  closed: string[];
  /** Those whose poll failed (logged; asked again after the interval). */
  failed: string[];
}

const ref = (f: FollowUp) => `${f.incidentId}/${f.id}`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One tick's polling. Throws only when the follow-ups cannot be listed; a failure of one ticket (the
 * tracker, or the store for that ticket) is logged and leaves the others to be polled.
 */
export async function pollTickets(deps: TicketPollDeps): Promise<TicketPollReport> {
  const report: TicketPollReport = { polled: [], closed: [], failed: [] };
  const { store, tracker } = deps;
  // Nothing to ask: not even the follow-ups are read.
  if (!tracker || deps.webhookKinds.includes(tracker.kind)) return report;
  const limit = deps.limit ?? TICKET_POLLS_PER_TICK;
  const interval = deps.intervalSeconds ?? TICKET_POLL_INTERVAL_SECONDS;
  for (const followUp of ticketsToPoll(await store.listFollowUps(), tracker.kind, deps.webhookKinds)) {
    if (report.polled.length >= limit) break;
    if (deps.deadline !== undefined && Date.now() >= deps.deadline) break;
    const { ticket } = followUp;
    try {
      // Polled within the interval (by this tick's predecessors or another worker): skipped.
      if (!(await store.claim(claimKey.ticketPoll(followUp.incidentId, followUp.id), interval))) continue;
      report.polled.push(ref(followUp));
      const status = await tracker.status(ticket);
      if (status.state !== 'closed') continue;
      const at = status.closedAt ?? deps.clock.now().toISOString();
      const changed = await store.setTicketState(followUp.incidentId, followUp.id, 'closed', at);
      if (!changed) continue;
      report.closed.push(ref(followUp));
      deps.log(`${followUp.incidentId} follow-up ${followUp.id}: ${ticket.key} is closed (polled)`);
      const incident = await store.getIncident(followUp.incidentId);
      // The stored postmortem (and its pull request) mark the ticket's state.
      if (incident?.status === 'resolved') {
        await deps.enqueue({ type: 'store-postmortem', incidentId: followUp.incidentId });
      }
    } catch (error) {
      report.failed.push(ref(followUp));
      deps.log(
        `${followUp.incidentId} follow-up ${followUp.id}: could not poll ${tracker.kind} ticket ${ticket.key} (${messageOf(error)}); asked again in ${Math.round(interval / 60)} min`,
      );
    }
  }
  return report;
}

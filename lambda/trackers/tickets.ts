/**
 * Follow-ups become tickets in the configured tracker (docs/trackers.md). Never in the command's
 * path: `fix` and `task` record the follow-up and queue a `tickets` job; this creates what is missing,
 * one step per follow-up (claimed, retried with backoff, finished), so a tracker that is down delays
 * the ticket and never the command, and a crash or a lost job leaves a step the next run (the
 * reconciler included) takes again. The adapter finds a ticket an earlier try created whose answer
 * was lost (its idempotency key), so a retry never opens a second one.
 */
import type { Message } from '../incidents/message';
import type { EscalationPolicy } from '../incidents/policy';
import { postmortemBlobUrl, ticketRequest, ticketsWanted } from '../incidents/tickets';
import type { Clock } from '../incidents/time';
import type { FollowUp, IncidentRecord } from '../incidents/types';
import type { Job } from '../jobs/jobs';
import type { ChatGateway } from '../slack/chat';
import { renderMessage } from '../slack/message';
import { channelLink } from '../slack/page-text';
import { ticketDelayed, ticketFailed, ticketOpened } from '../slack/ticket-text';
import { claimKey } from '../store/keys';
import type { IncidentStore } from '../store/store';
import { type Tracker, TrackerError } from './tracker';

export interface TicketRetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Tries in all before the ticket is given up (and the channel told). */
  maxAttempts: number;
  /** After this many failed tries the channel hears that the ticket is late. */
  noticeAfterAttempts: number;
}

/** About an hour of tries: 5 s, 10 s, 20 s … then every 5 minutes. */
export const DEFAULT_TICKET_RETRY: TicketRetryPolicy = {
  baseDelayMs: 5_000,
  maxDelayMs: 300_000,
  maxAttempts: 16,
  noticeAfterAttempts: 3,
};

/** Longer than one create can take (a search and a create, each bounded by the adapter's timeout). */
const TICKET_LEASE_MS = 60_000;
/** How long a "told once" claim is kept: past any retry of the step. */
const TOLD_SECONDS = 7 * 24 * 3600;

export interface TicketDeskDeps {
  store: IncidentStore;
  tracker: Tracker;
  chat: ChatGateway;
  clock: Clock;
  policy: EscalationPolicy | undefined;
  enqueue: (job: Job, options?: { delayMs?: number }) => Promise<void>;
  retry?: Partial<TicketRetryPolicy>;
  log?: (line: string) => void;
  /** [0, 1): jitter; injected for exact delays in tests. */
  random?: () => number;
}

export class TicketDesk {
  private readonly retry: TicketRetryPolicy;
  private readonly log: (line: string) => void;
  private readonly random: () => number;

  constructor(private readonly deps: TicketDeskDeps) {
    this.retry = { ...DEFAULT_TICKET_RETRY, ...deps.retry };
    this.log = deps.log ?? ((line) => console.error(line));
    this.random = deps.random ?? Math.random;
  }

  /** Creates the tickets the incident's follow-ups lack; what fails is retried later, never thrown. */
  async sync(incidentId: string): Promise<void> {
    const record = await this.deps.store.getRecord(incidentId);
    if (!record) return;
    for (const { followUp, step } of ticketsWanted(record, this.deps.policy)) {
      await this.createOne(record, followUp, step);
    }
  }

  private async createOne(record: IncidentRecord, followUp: FollowUp, step: string): Promise<void> {
    const { store, tracker } = this.deps;
    const { incident } = record;
    const claim = await store.acquireStep(incident.id, step, TICKET_LEASE_MS);
    if (!claim) return;
    const places = {
      ...(channelLink(incident) ? { channel: channelLink(incident) } : {}),
      ...(postmortemBlobUrl(this.deps.policy, incident.id)
        ? { postmortem: postmortemBlobUrl(this.deps.policy, incident.id) }
        : {}),
    };
    try {
      const ticket = await tracker.create(ticketRequest(record, followUp, this.deps.policy, places));
      await store.setFollowUpTicket(incident.id, followUp.id, ticket);
      await store.finishStep(incident.id, step, { ticket: ticket.key, url: ticket.url });
      this.log(`${incident.id} follow-up ${followUp.id}: ${tracker.kind} ticket ${ticket.key}`);
      await this.tell(record, `ticket.${followUp.id}.opened`, ticketOpened(followUp, ticket));
      // The postmortem (stored, published, in git) links the ticket next to its follow-up.
      if (incident.status === 'resolved') {
        await this.deps.enqueue({ type: 'store-postmortem', incidentId: incident.id });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryable = !(error instanceof TrackerError) || error.retryable;
      const giveUp = !retryable || claim.attempts >= this.retry.maxAttempts;
      this.log(
        `${incident.id} follow-up ${followUp.id}: ${tracker.kind} ticket failed (${message})${giveUp ? '; not retried' : ''}`,
      );
      if (giveUp) {
        await store.failStep(incident.id, step, { error: message, permanent: true });
        await this.tell(
          record,
          `ticket.${followUp.id}.failed`,
          ticketFailed(followUp, tracker.kind, message),
        );
        return;
      }
      const delayMs = this.backoff(claim.attempts, error);
      await store.failStep(incident.id, step, { error: message, retryAt: this.now() + delayMs });
      if (claim.attempts >= this.retry.noticeAfterAttempts) {
        await this.tell(record, `ticket.${followUp.id}.late`, ticketDelayed(followUp, tracker.kind, message));
      }
      await this.deps.enqueue({ type: 'tickets', incidentId: incident.id }, { delayMs });
    }
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** Full jitter over the upper half of the capped exponential; never sooner than a Retry-After. */
  private backoff(attempts: number, error: unknown): number {
    const { baseDelayMs, maxDelayMs } = this.retry;
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
    const jittered = Math.round(cap * (0.5 + 0.5 * this.random()));
    const retryAfter = error instanceof TrackerError ? (error.retryAfterMs ?? 0) : 0;
    return Math.max(jittered, Math.min(retryAfter, maxDelayMs * 4));
  }

  /** Tells the incident channel once per key; a Slack failure is logged, never the ticket's undoing. */
  private async tell(record: IncidentRecord, key: string, message: Message): Promise<void> {
    const channelId = record.incident.channelId;
    if (!channelId) return;
    const claim = claimKey.once(`${record.incident.id}.${key}`);
    if (!(await this.deps.store.claim(claim, TOLD_SECONDS))) return;
    try {
      await this.deps.chat.postMessage(channelId, { text: renderMessage(message) });
    } catch (error) {
      await this.deps.store.releaseClaim(claim).catch(() => undefined);
      this.log(
        `${record.incident.id}: could not tell the channel about a ticket (${(error as Error)?.message ?? error})`,
      );
    }
  }
}

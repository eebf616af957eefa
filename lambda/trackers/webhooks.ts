/**
 * `POST /webhooks/github|jira|linear`: a tracker says a ticket was closed or reopened. Verified as
 * each vendor documents (trackers/github.ts, jira.ts, linear.ts) with the webhook secret from the
 * environment or the Slack secret; an unsigned or mis-signed delivery is refused and writes nothing.
 * The follow-up whose ticket it names takes the state, so App Home and `/incident followups` show it,
 * and a resolved incident's postmortem marks the ticket closed.
 */
import type { Job } from '../jobs/jobs';
import type { IncidentStore } from '../store/store';
import type { Trackers } from './setup';
import type { TrackerKind } from './tracker';

export const WEBHOOK_KINDS: readonly TrackerKind[] = ['github', 'jira', 'linear'];

export interface WebhookAnswer {
  status: number;
  body: string;
}

export interface WebhookDeps {
  trackers: Trackers;
  store: IncidentStore;
  enqueue: (job: Job) => Promise<void>;
  log?: (line: string) => void;
}

/** Handles one delivery; never throws for what the sender sent (only for the store failing: a 500). */
export async function handleTrackerWebhook(
  deps: WebhookDeps,
  kind: string,
  headers: Readonly<Record<string, string | undefined>>,
  rawBody: string,
): Promise<WebhookAnswer> {
  const route = (WEBHOOK_KINDS as readonly string[]).includes(kind)
    ? deps.trackers.webhooks[kind as TrackerKind]
    : undefined;
  if (!route) return { status: 404, body: `no ${kind} webhook is configured (docs/trackers.md)` };
  // Header names as Node gives them (lower case); the adapters look them up without regard to case.
  if (!route.webhook.verify(headers, rawBody, route.secret)) {
    return { status: 401, body: 'signature missing or wrong' };
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { status: 400, body: 'not JSON' };
  }
  const event = route.webhook.read(body, headers);
  if (!event) return { status: 200, body: 'ignored: no ticket state change' };
  const followUp = (await deps.store.listFollowUps()).find(
    (f) =>
      f.ticket?.tracker === event.tracker &&
      (f.ticket.id === event.id || (event.key !== undefined && f.ticket.key === event.key)),
  );
  if (!followUp) return { status: 200, body: 'ignored: no follow-up has that ticket' };
  const changed = await deps.store.setTicketState(followUp.incidentId, followUp.id, event.state, event.at);
  deps.log?.(
    `${followUp.incidentId} follow-up ${followUp.id}: ${followUp.ticket?.key} is ${event.state}${changed ? '' : ' (already so)'}`,
  );
  if (changed) {
    const incident = await deps.store.getIncident(followUp.incidentId);
    // The stored postmortem (and its pull request) mark the ticket's state.
    if (incident?.status === 'resolved') {
      await deps.enqueue({ type: 'store-postmortem', incidentId: followUp.incidentId });
    }
  }
  return { status: 200, body: changed ? `${followUp.ticket?.key} is ${event.state}` : 'unchanged' };
}

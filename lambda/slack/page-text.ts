/**
 * What the escalation engine says in Slack, and the link to the incident channel it gives the pagers.
 * The engine decides when something is said; these say how (Slack markup lives only in slack/).
 */
import type { Incident } from '../incidents/types';
import { escapeText } from './text';

/**
 * A web link that opens the incident channel in Slack, for the services that show links (PagerDuty,
 * Opsgenie, webhooks); undefined while the incident has no channel.
 */
export function channelLink(incident: Pick<Incident, 'channelId'>): string | undefined {
  return incident.channelId ? `https://slack.com/app_redirect?channel=${incident.channelId}` : undefined;
}

/**
 * Told to the incident channel when a page keeps failing: the timeline's line (escaped, it names
 * services and their errors) and what to do about it.
 */
export function pageFailureNotice(failure: string, gaveUp: boolean): string {
  const next = gaveUp ? 'Gave up: page them another way.' : 'Still retrying; page them another way too.';
  return `:warning: ${escapeText(failure)}. ${next}`;
}

/** The nudge after an interval without a timeline update; `quietFor` is the formatted duration. */
export function reminderText(incidentId: string, quietFor: string): string {
  return `:hourglass_flowing_sand: No timeline update on ${incidentId} for ${quietFor}. What is happening? Log it with \`/incident log\`, or change the status.`;
}

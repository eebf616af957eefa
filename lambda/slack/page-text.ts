/**
 * Paging in Slack's words: the Slack pager's channel message and DMs, what the escalation engine says
 * in the incident channel, and the link to that channel it gives the other pagers. The engine and the
 * pagers decide when something is said; these say how (Slack markup lives only in slack/).
 */
import type { Incident } from '../incidents/types';
import type { PageTarget } from '../paging/pager';
import { channelMention, escapeClip, escapeText, groupMention, userMention } from './text';

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

// Title and reason are user or alert text: escaped (text.ts) and cut so a page stays a short message.
const MAX_TITLE = 500;
const MAX_REASON = 2000;

/** `*INC-7: title* (sev2, tier 3) — reason`: the incident, the tier if any, the reason if any. */
function pageSummary(target: PageTarget): string {
  const { incident, tier, reason } = target;
  // Tiers are 0-based inside (timer ids, step names); people count them from 1.
  const tierText = tier === undefined ? '' : `, tier ${tier + 1}`;
  const reasonText = reason ? ` — ${escapeClip(reason, MAX_REASON)}` : '';
  return `*${incident.id}: ${escapeClip(incident.title, MAX_TITLE)}* (${incident.severity}${tierText})${reasonText}`;
}

/**
 * The Slack pager's channel message: the group when there is one, else the listed users, so someone is
 * pinged. These mentions are the bot's own, built from the policy's ids, and stay real mentions.
 */
export function channelPageText(target: PageTarget): string {
  const { config, team } = target;
  const people = target.onCall ? [target.onCall] : [];
  const mentions = config.slack
    ? [groupMention(config.slack), ...people.map((user) => userMention(user))].join(' ')
    : [...new Set([...(config.users ?? []), ...people])].map((user) => userMention(user)).join(' ');
  return `:rotating_light: Paging *${escapeClip(team, 100)}*${mentions ? ` ${mentions}` : ''}: ${pageSummary(target)}`;
}

/** The Slack pager's DM to each on-call user. */
export function directPageText(target: PageTarget): string {
  const where = target.incident.channelId ? ` Join ${channelMention(target.incident.channelId)}.` : '';
  return `:rotating_light: You are paged as on call for *${escapeClip(target.team, 100)}*: ${pageSummary(target)}.${where}`;
}

/** Why the on-call person's mention and invite wait: both need the incident channel. */
export function onCallNeedsChannel(incidentId: string): string {
  return `${incidentId} has no channel yet to invite and mention the person on call in`;
}

/** Why a user group's page could not be sent: a group can be mentioned only in a channel. */
export function groupNeedsChannel(incidentId: string, group: string): string {
  return `${incidentId} has no channel to mention <!subteam^${group}> in`;
}

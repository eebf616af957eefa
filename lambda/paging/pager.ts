/**
 * Paging: telling a team that an incident needs them, through every channel the escalation policy
 * gives that team (docs/policy.md, "teams"). The escalation engine sees only `Pager`; the
 * adapters behind it are picked per team by `TeamPager`.
 */
import type { Team } from '../incidents/policy';
import type { Incident } from '../incidents/types';
import { clip } from '../slack/text';

export interface PageTarget {
  incident: Incident;
  /** The team's name in the policy, e.g. `sre`. */
  team: string;
  config: Team;
  /** A link to the incident channel, for the services that show links (PagerDuty, Opsgenie). */
  channelLink?: string;
  /** Why the team is paged now, e.g. an escalation reason given in Slack. */
  reason?: string;
  /**
   * The person on call for the team's schedule when this page was first tried (Slack user id): DMed,
   * mentioned in the incident channel and invited to it. Fixed per page, so a retry after a handoff
   * pages the same person.
   */
  onCall?: string;
  tier?: number;
}

export type PageAction = 'trigger' | 'acknowledge' | 'resolve';

/**
 * The paging services a team can be paged through. A page's `channel` field names one (it is stored
 * on pages and their progress as `channel`, so the field keeps its name); it is never a Slack channel.
 */
export type PagingService = 'pagerduty' | 'opsgenie' | 'slack' | 'webhook';

export interface PageOutcome {
  /** The paging service this outcome is of. */
  channel: PagingService;
  ok: boolean;
  /** Requests made; 0 when nothing could be sent (a configuration gap). */
  attempts: number;
  error?: string;
  dedupKey?: string;
  /**
   * Who this outcome is about when a channel reaches several (Slack: the incident channel id, or the
   * user id of a DM), so a failure can be reported as "the DM to <@U…> failed".
   */
  recipient?: string;
  /** Failed: whether sending again could succeed (a timeout, 429, 5xx), and when the service asked us back. */
  retryable?: boolean;
  retryAfterMs?: number;
}

/** Names one delivery of a page (`pagerduty:`, `slack:U0ANNA`), so a retry re-sends only what failed. */
export function deliveryKey(delivery: { channel: PagingService; recipient?: string }): string {
  return `${delivery.channel}:${delivery.recipient ?? ''}`;
}

export interface PageOptions {
  /** Deliveries already made by an earlier try, by `deliveryKey`: not sent again. */
  skip?: ReadonlySet<string>;
}

export interface Pager {
  /** Never throws: every failure is an outcome, so no page is lost silently. */
  page(target: PageTarget, action: PageAction, options?: PageOptions): Promise<PageOutcome[]>;
}

interface DeliveryBase {
  channel: PagingService;
  recipient?: string;
  dedupKey?: string;
  /**
   * A follow-up to the delivery with this `deliveryKey`: sent only when an earlier try already made
   * that one (which then lacked what this adds, such as the channel link of a page sent before the
   * channel existed), never beside it.
   */
  after?: string;
}

/**
 * One request to one recipient. `send` may be called again after a retryable failure, so whatever it
 * sends is fixed when the delivery is prepared (a retried webhook carries the same signed body).
 */
export interface SendableDelivery extends DeliveryBase {
  send(): Promise<void>;
}

/** A delivery that cannot be attempted (a gap in configuration or state): a failure with 0 attempts. */
export interface BlockedDelivery extends DeliveryBase {
  blocked: string;
}

export type Delivery = SendableDelivery | BlockedDelivery;

/** A paging service: the deliveries one page to one team consists of (none when there is nothing to say). */
export interface PageAdapter {
  deliveries(target: PageTarget, action: PageAction): Delivery[];
}

/**
 * One key per incident and team: a re-page of the same team lands on the same PagerDuty incident or
 * Opsgenie alert, and `resolve` closes exactly what was opened.
 */
export function dedupKey(incidentId: string, team: string): string {
  return `incident-bot/${incidentId}/${team}`;
}

/** The recipient of a follow-up that adds the incident channel's link to a page sent without it. */
export const CHANNEL_LINK = 'channel-link';

/** `INC-7: Checkout latency` — how every service names the incident. */
export function pageTitle(incident: Incident): string {
  return `${incident.id}: ${incident.title}`;
}

/**
 * Cuts text that a service would reject or truncate anyway, marking the cut: between graphemes, at
 * most `max` UTF-16 units (never fewer than the characters a service counts), never a lone surrogate.
 */
export function truncate(text: string, max: number): string {
  return clip(text, max);
}

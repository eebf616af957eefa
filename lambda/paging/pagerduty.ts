/**
 * PagerDuty Events API v2 (`POST https://events.pagerduty.com/v2/enqueue`). Every event for an incident
 * and team carries the same `dedup_key`, so a retried or repeated trigger updates one PagerDuty
 * incident instead of opening another, and acknowledge/resolve reach the one that was opened.
 */
import type { Severity } from '../incidents/types';
import { DEFAULT_TIMEOUT_MS, type FetchLike, postJson } from './http';
import {
  CHANNEL_LINK,
  type Delivery,
  dedupKey,
  type PageAction,
  type PageAdapter,
  type PageTarget,
  pageTitle,
  truncate,
} from './pager';

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export const PAGERDUTY_SEVERITY: Record<Severity, PagerDutySeverity> = {
  sev1: 'critical',
  sev2: 'error',
  sev3: 'warning',
  sev4: 'info',
};

/** PagerDuty cuts summaries at 1024 characters; cutting here keeps the cut visible. */
const MAX_SUMMARY = 1024;

export interface PagerDutyOptions {
  eventsUrl: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** The Events API v2 body for one action; `undefined` fields drop out when serialized. */
export function pagerDutyEvent(target: PageTarget, action: PageAction): Record<string, unknown> {
  const { incident, team, config, reason, tier, channelLink } = target;
  const event: Record<string, unknown> = {
    routing_key: config.pagerduty,
    event_action: action,
    dedup_key: dedupKey(incident.id, team),
  };
  if (action !== 'trigger') return event;
  event.payload = {
    summary: truncate(`${pageTitle(incident)}${reason ? ` — ${reason}` : ''}`, MAX_SUMMARY),
    source: 'incident-bot',
    severity: PAGERDUTY_SEVERITY[incident.severity],
    custom_details: {
      incident: incident.id,
      severity: incident.severity,
      status: incident.status,
      team,
      // Shown to responders in PagerDuty: counted from 1, like every tier people read.
      tier: tier === undefined ? undefined : tier + 1,
      reason,
    },
  };
  if (channelLink) event.links = [{ href: channelLink, text: 'Incident channel' }];
  return event;
}

export class PagerDutyPager implements PageAdapter {
  private readonly eventsUrl: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(options: PagerDutyOptions) {
    this.eventsUrl = options.eventsUrl;
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  deliveries(target: PageTarget, action: PageAction): Delivery[] {
    if (!target.config.pagerduty) return [];
    const body = JSON.stringify(pagerDutyEvent(target, action));
    const key = dedupKey(target.incident.id, target.team);
    const send = () =>
      postJson({
        service: 'PagerDuty',
        url: this.eventsUrl,
        body,
        expect: 202,
        fetch: this.fetch,
        timeoutMs: this.timeoutMs,
      });
    const deliveries: Delivery[] = [{ channel: 'pagerduty', dedupKey: key, send }];
    if (action === 'trigger' && target.channelLink) {
      // A page sent before the channel existed had no link: the same trigger again (same dedup_key,
      // so the same PagerDuty alert) adds it to the alert, once the page is retried with a channel.
      deliveries.push({
        channel: 'pagerduty',
        recipient: CHANNEL_LINK,
        after: 'pagerduty:',
        dedupKey: key,
        send,
      });
    }
    return deliveries;
  }
}

/**
 * Opsgenie Alert API v2. The alert's alias is the page's dedup key, so a repeated create updates the
 * open alert instead of raising a second one, and acknowledge/close address it by alias without
 * having to remember Opsgenie's own alert id.
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

export type OpsgeniePriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

export const OPSGENIE_PRIORITY: Record<Severity, OpsgeniePriority> = {
  sev1: 'P1',
  sev2: 'P2',
  sev3: 'P3',
  sev4: 'P4',
};

export const OPSGENIE_BASE_URL = 'https://api.opsgenie.com';

// Opsgenie's documented field limits; past them it truncates silently.
const MAX_MESSAGE = 130;
const MAX_DESCRIPTION = 15_000;
const MAX_NOTE = 25_000;

export interface OpsgenieOptions {
  /** `https://api.eu.opsgenie.com` for EU accounts. */
  baseUrl?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

function description(target: PageTarget): string {
  const { incident, team, tier, reason, channelLink } = target;
  const lines = [
    pageTitle(incident),
    `Severity: ${incident.severity}`,
    `Status: ${incident.status}`,
    // Tiers are 0-based inside (timer ids, step names); people count them from 1.
    `Team: ${team}${tier === undefined ? '' : ` (tier ${tier + 1})`}`,
  ];
  if (reason) lines.push(`Reason: ${reason}`);
  if (channelLink) lines.push(`Incident channel: ${channelLink}`);
  return truncate(lines.join('\n'), MAX_DESCRIPTION);
}

/** Opsgenie's `details` are a string-to-string map; absent values are left out, not sent as "undefined". */
function details(target: PageTarget): Record<string, string> {
  const { incident, team, tier, reason, channelLink } = target;
  const all: Record<string, string | undefined> = {
    incident: incident.id,
    severity: incident.severity,
    status: incident.status,
    team,
    tier: tier === undefined ? undefined : String(tier + 1),
    reason,
    channel: channelLink,
  };
  return Object.fromEntries(
    Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The request for one action: path (under the base URL) and JSON body. */
export function opsgenieRequest(target: PageTarget, action: PageAction): { path: string; body: unknown } {
  const alias = dedupKey(target.incident.id, target.team);
  if (action === 'trigger') {
    return {
      path: '/v2/alerts',
      body: {
        message: truncate(pageTitle(target.incident), MAX_MESSAGE),
        alias,
        description: description(target),
        priority: OPSGENIE_PRIORITY[target.incident.severity],
        details: details(target),
        source: 'incident-bot',
      },
    };
  }
  const verb = action === 'acknowledge' ? 'acknowledge' : 'close';
  const note = target.reason ? { note: truncate(target.reason, MAX_NOTE) } : {};
  return {
    // The alias holds slashes; encoded, it stays one path segment.
    path: `/v2/alerts/${encodeURIComponent(alias)}/${verb}?identifierType=alias`,
    body: { source: 'incident-bot', ...note },
  };
}

/**
 * Adds the incident channel's link to the alert a page opened (Alert API v2, "Add Details to Alert"),
 * under the `channel` key its creation uses; undefined while there is no channel.
 */
export function opsgenieLinkRequest(target: PageTarget): { path: string; body: unknown } | undefined {
  if (!target.channelLink) return undefined;
  const alias = dedupKey(target.incident.id, target.team);
  return {
    path: `/v2/alerts/${encodeURIComponent(alias)}/details?identifierType=alias`,
    body: { details: { channel: target.channelLink }, source: 'incident-bot' },
  };
}

export class OpsgeniePager implements PageAdapter {
  private readonly baseUrl: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(options: OpsgenieOptions = {}) {
    this.baseUrl = (options.baseUrl ?? OPSGENIE_BASE_URL).replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  deliveries(target: PageTarget, action: PageAction): Delivery[] {
    const key = target.config.opsgenie;
    if (!key) return [];
    const alias = dedupKey(target.incident.id, target.team);
    const post = ({ path, body }: { path: string; body: unknown }) => {
      const text = JSON.stringify(body);
      return () =>
        postJson({
          service: 'Opsgenie',
          url: `${this.baseUrl}${path}`,
          body: text,
          headers: { authorization: `GenieKey ${key}` },
          expect: 202,
          fetch: this.fetch,
          timeoutMs: this.timeoutMs,
        });
    };
    const deliveries: Delivery[] = [
      { channel: 'opsgenie', dedupKey: alias, send: post(opsgenieRequest(target, action)) },
    ];
    const link = action === 'trigger' ? opsgenieLinkRequest(target) : undefined;
    if (link) {
      // A repeated create only counts up an open alert: a page sent before the channel existed gets
      // the link as a custom detail of the alert it opened.
      deliveries.push({
        channel: 'opsgenie',
        recipient: CHANNEL_LINK,
        after: 'opsgenie:',
        dedupKey: alias,
        send: post(link),
      });
    }
    return deliveries;
  }
}

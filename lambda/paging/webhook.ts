/**
 * Generic outgoing webhooks, for teams whose paging lives somewhere we have no adapter for. Each
 * request is signed: `X-Incident-Bot-Signature: sha256=<hex HMAC-SHA256 of the exact body>`. The body
 * carries `sentAt`, so the signature also covers the time and a receiver can refuse stale replays;
 * `X-Incident-Bot-Timestamp` repeats it (Unix seconds) for receivers that check before parsing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from '../incidents/time';
import { DEFAULT_TIMEOUT_MS, type FetchLike, postJson } from './http';
import { CHANNEL_LINK, type Delivery, type PageAction, type PageAdapter, type PageTarget } from './pager';

export const SIGNATURE_HEADER = 'X-Incident-Bot-Signature';
export const TIMESTAMP_HEADER = 'X-Incident-Bot-Timestamp';

/**
 * `incident.channel` follows an `incident.page` that went out before the incident channel existed:
 * the same incident and team, now with `channelUrl`.
 */
export type WebhookEventType =
  | 'incident.page'
  | 'incident.acknowledge'
  | 'incident.resolve'
  | 'incident.channel';

const EVENT_TYPE: Record<PageAction, WebhookEventType> = {
  trigger: 'incident.page',
  acknowledge: 'incident.acknowledge',
  resolve: 'incident.resolve',
};

export interface WebhookBody {
  type: WebhookEventType;
  incident: {
    id: string;
    title: string;
    severity: string;
    status: string;
    channelId?: string;
    /** A web link that opens the incident channel in Slack, once there is one. */
    channelUrl?: string;
  };
  team: string;
  tier?: number;
  reason?: string;
  /** ISO-8601, UTC. */
  sentAt: string;
}

export interface WebhookOptions {
  signingSecret: string;
  fetch?: FetchLike;
  clock?: Clock;
  timeoutMs?: number;
}

export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * For receivers (and tests): whether `header` is the signature of the exact bytes received. Compare
 * the raw body, not a re-serialized parse: key order and spacing are part of what was signed.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string | Buffer,
  header: string | null | undefined,
): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const given = Buffer.from(header.trim());
  // timingSafeEqual needs equal lengths; a length mismatch is a mismatch, and says nothing secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function webhookBody(target: PageTarget, action: PageAction | 'channel', sentAt: Date): WebhookBody {
  const { incident } = target;
  return {
    type: action === 'channel' ? 'incident.channel' : EVENT_TYPE[action],
    incident: {
      id: incident.id,
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      channelId: incident.channelId,
      channelUrl: target.channelLink,
    },
    team: target.team,
    tier: target.tier,
    reason: target.reason,
    sentAt: sentAt.toISOString(),
  };
}

/** Outcomes are posted and logged; a webhook URL's path or query may hold a token, its host does not. */
function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'webhook';
  }
}

export class WebhookPager implements PageAdapter {
  private readonly signingSecret: string;
  private readonly fetch: FetchLike;
  private readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(options: WebhookOptions) {
    this.signingSecret = options.signingSecret;
    this.fetch = options.fetch ?? fetch;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  deliveries(target: PageTarget, action: PageAction): Delivery[] {
    const url = target.config.webhook;
    if (!url) return [];
    if (!this.signingSecret) {
      // An unsigned request would be refused by any receiver that checks, or trusted by one that
      // does not; neither is a page we want to have sent.
      return [
        { channel: 'webhook', recipient: host(url), blocked: 'no webhook signing secret is configured' },
      ];
    }
    // Built once: a retry resends the same bytes with the same signature.
    const sentAt = this.clock.now();
    const send = (kind: PageAction | 'channel') => {
      const body = JSON.stringify(webhookBody(target, kind, sentAt));
      const headers = {
        [SIGNATURE_HEADER]: signWebhookBody(this.signingSecret, body),
        [TIMESTAMP_HEADER]: String(Math.floor(sentAt.getTime() / 1000)),
      };
      return () =>
        postJson({
          service: 'Webhook',
          url,
          body,
          headers,
          // Receivers are ours or a partner's; any 2xx is "got it", unlike the paging APIs' 202.
          expect: 'any-2xx',
          fetch: this.fetch,
          timeoutMs: this.timeoutMs,
        });
    };
    const deliveries: Delivery[] = [{ channel: 'webhook', recipient: host(url), send: send(action) }];
    if (action === 'trigger' && target.channelLink) {
      // The page went out before the channel existed: its link follows, once.
      deliveries.push({
        channel: 'webhook',
        recipient: `${host(url)} ${CHANNEL_LINK}`,
        after: `webhook:${host(url)}`,
        send: send('channel'),
      });
    }
    return deliveries;
  }
}

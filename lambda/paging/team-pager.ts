/**
 * The `Pager` the escalation engine uses: one page to one team goes out through every service the
 * team has configured, all at once, each delivery retried on its own so a slow or failing service
 * neither delays nor repeats the others.
 */

import { errorMessage } from '../incidents/errors';
import type { Clock } from '../incidents/time';
import type { ChatGateway } from '../slack/chat';
import type { FetchLike } from './http';
import { OpsgeniePager } from './opsgenie';
import {
  type Delivery,
  deliveryKey,
  type PageAction,
  type PageAdapter,
  type PageOptions,
  type PageOutcome,
  type Pager,
  type PageTarget,
  type PagingService,
} from './pager';
import { PagerDutyPager } from './pagerduty';
import { type RetryOptions, withRetry } from './retry';
import { SlackPager } from './slack-pager';
import { WebhookPager } from './webhook';

export interface TeamPagerOptions {
  pagerDutyEventsUrl: string;
  opsgenieBaseUrl?: string;
  /** Without it, pages to a team with a webhook fail (unsent) rather than go out unsigned. */
  webhookSigningSecret?: string;
  chat: ChatGateway;
  fetch?: FetchLike;
  retry?: RetryOptions;
  /** Per HTTP request. */
  timeoutMs?: number;
  /** Stamps webhook bodies (`sentAt`). */
  clock?: Clock;
}

export class TeamPager implements Pager {
  private readonly adapters: { channel: PagingService; adapter: PageAdapter }[];
  private readonly retry: RetryOptions;

  constructor(options: TeamPagerOptions) {
    const http = {
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    this.adapters = [
      {
        channel: 'pagerduty',
        adapter: new PagerDutyPager({ eventsUrl: options.pagerDutyEventsUrl, ...http }),
      },
      { channel: 'opsgenie', adapter: new OpsgeniePager({ baseUrl: options.opsgenieBaseUrl, ...http }) },
      { channel: 'slack', adapter: new SlackPager(options.chat) },
      {
        channel: 'webhook',
        adapter: new WebhookPager({
          signingSecret: options.webhookSigningSecret ?? '',
          ...http,
          ...(options.clock ? { clock: options.clock } : {}),
        }),
      },
    ];
    this.retry = options.retry ?? {};
  }

  async page(target: PageTarget, action: PageAction, options: PageOptions = {}): Promise<PageOutcome[]> {
    const deliveries: Delivery[] = [];
    for (const { channel, adapter } of this.adapters) {
      try {
        deliveries.push(...adapter.deliveries(target, action));
      } catch (error) {
        // Preparing a request should not throw; if it does, that is this channel's outcome.
        deliveries.push({ channel, blocked: errorMessage(error) });
      }
    }
    const skip = options.skip ?? new Set<string>();
    return Promise.all(
      deliveries
        .filter((delivery) => !skip.has(deliveryKey(delivery)))
        // A follow-up only completes what an earlier try sent; sent now, the original has it all.
        .filter((delivery) => delivery.after === undefined || skip.has(delivery.after))
        .map((delivery) => this.deliver(delivery)),
    );
  }

  private async deliver(delivery: Delivery): Promise<PageOutcome> {
    const outcome: PageOutcome = { channel: delivery.channel, ok: false, attempts: 0 };
    if (delivery.recipient !== undefined) outcome.recipient = delivery.recipient;
    if (delivery.dedupKey !== undefined) outcome.dedupKey = delivery.dedupKey;
    if ('blocked' in delivery) return { ...outcome, error: delivery.blocked };
    const result = await withRetry(() => delivery.send(), this.retry);
    outcome.ok = result.ok;
    outcome.attempts = result.attempts;
    if (!result.ok) {
      outcome.error = result.error;
      outcome.retryable = result.retryable;
      if (result.retryAfterMs !== undefined) outcome.retryAfterMs = result.retryAfterMs;
    }
    return outcome;
  }
}

/**
 * Paging in Slack itself: on trigger, the incident channel hears which team was paged (mentioning its
 * user group so the whole rotation is notified) and each listed on-call user gets a DM. Acknowledge
 * and resolve say nothing here: the channel already shows them, and a DM per change would be noise.
 */
import { ErrorCode } from '@slack/web-api';
import type { ChatGateway } from '../slack/chat';
import { escapeText } from '../slack/format';
import type { Delivery, PageAction, PageAdapter, PageTarget } from './pager';
import { errorMessage, PageError } from './retry';

/** Platform errors that say "Slack had a bad moment", not "this request is wrong". */
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * WebClient errors, duck-typed by `code` so fakes can raise them: network trouble, 429 and 5xx are
 * worth another try; a platform error such as `channel_not_found` is not.
 */
export function classifySlackError(error: unknown, what: string): PageError {
  const failure = error as {
    code?: unknown;
    statusCode?: unknown;
    retryAfter?: unknown;
    data?: { error?: unknown };
  };
  const message = errorMessage(error);
  switch (failure?.code) {
    case ErrorCode.RequestError:
      return new PageError(`${what}: ${message}`, true, { cause: error });
    case ErrorCode.RateLimitedError: {
      const seconds = typeof failure.retryAfter === 'number' ? failure.retryAfter : undefined;
      return new PageError(`${what}: rate limited`, true, {
        cause: error,
        ...(seconds === undefined ? {} : { retryAfterMs: seconds * 1000 }),
      });
    }
    case ErrorCode.HTTPError: {
      const status = typeof failure.statusCode === 'number' ? failure.statusCode : 0;
      return new PageError(`${what}: Slack answered HTTP ${status}`, status === 429 || status >= 500, {
        status,
        cause: error,
      });
    }
    case ErrorCode.PlatformError: {
      const code = String(failure.data?.error ?? 'unknown_error');
      return new PageError(`${what}: ${code}`, TRANSIENT_PLATFORM_ERRORS.has(code), { cause: error });
    }
    default:
      return new PageError(`${what}: ${message}`, false, { cause: error });
  }
}

function summary(target: PageTarget): string {
  const { incident, tier, reason } = target;
  const tierText = tier === undefined ? '' : `, tier ${tier}`;
  const reasonText = reason ? ` — ${escapeText(reason)}` : '';
  return `*${incident.id}: ${escapeText(incident.title)}* (${incident.severity}${tierText})${reasonText}`;
}

/** The channel message: the group when there is one, else the listed users, so someone is pinged. */
export function channelPageText(target: PageTarget): string {
  const { config, team } = target;
  const mentions = config.slack
    ? `<!subteam^${config.slack}>`
    : (config.users ?? []).map((user) => `<@${user}>`).join(' ');
  return `:rotating_light: Paging *${escapeText(team)}*${mentions ? ` ${mentions}` : ''}: ${summary(target)}`;
}

export function directPageText(target: PageTarget): string {
  const where = target.incident.channelId ? ` Join <#${target.incident.channelId}>.` : '';
  return `:rotating_light: You are paged as on call for *${escapeText(target.team)}*: ${summary(target)}.${where}`;
}

export class SlackPager implements PageAdapter {
  constructor(private readonly chat: ChatGateway) {}

  deliveries(target: PageTarget, action: PageAction): Delivery[] {
    const { incident, config } = target;
    // A team paged elsewhere only is announced by the escalation engine, not by this adapter.
    if (action !== 'trigger' || (!config.slack && !config.users?.length)) return [];
    const deliveries: Delivery[] = [];
    const channelId = incident.channelId;
    if (channelId) {
      deliveries.push(this.post(channelId, channelPageText(target), 'channel message'));
    } else if (config.slack) {
      // The group can be mentioned only in a channel; saying so keeps this page from vanishing.
      deliveries.push({
        channel: 'slack',
        blocked: `${incident.id} has no channel to mention <!subteam^${config.slack}> in`,
      });
    }
    const dm = directPageText(target);
    // Each DM is its own delivery, so one failing user does not re-send the others' on retry.
    for (const user of new Set(config.users ?? [])) deliveries.push(this.post(user, dm, `DM to ${user}`));
    return deliveries;
  }

  /** Posting to a user id opens (or reuses) the DM with that user. */
  private post(conversation: string, text: string, what: string): Delivery {
    return {
      channel: 'slack',
      recipient: conversation,
      send: async () => {
        try {
          await this.chat.postMessage(conversation, { text });
        } catch (error) {
          throw classifySlackError(error, `Slack ${what} failed`);
        }
      },
    };
  }
}

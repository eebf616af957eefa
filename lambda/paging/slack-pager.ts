/**
 * Paging in Slack itself: on trigger, the incident channel hears which team was paged (mentioning its
 * user group so the whole rotation is notified) and each listed on-call user gets a DM. Acknowledge
 * and resolve say nothing here: the channel already shows them, and a DM per change would be noise.
 */
import { ErrorCode } from '@slack/web-api';
import { errorMessage } from '../incidents/errors';
import type { ChatGateway, ChatMessage } from '../slack/chat';
import { classifySlackError, describeSlackFailure, type SlackFailure } from '../slack/errors';
import {
  channelLink,
  channelPageText,
  directPageText,
  groupNeedsChannel,
  onCallNeedsChannel,
} from '../slack/page-text';
import { directPage } from '../slack/views';
import type { Delivery, PageAction, PageAdapter, PageTarget } from './pager';
import { PageError } from './retry';

/** A Slack platform code as Slack said it (`channel_not_found`); anything else as a sentence. */
function failureDetail(error: unknown, failure: SlackFailure): string {
  if (failure.kind === 'rate-limited') return describeSlackFailure(failure);
  if ((error as { code?: unknown } | undefined)?.code === ErrorCode.PlatformError) return failure.code;
  if (failure.code === 'unknown_error') return errorMessage(error);
  return describeSlackFailure(failure);
}

/**
 * A failed Slack delivery as a PageError, through the one Slack error classifier: anything but a
 * permanent failure is worth another try, after Slack's Retry-After when it gave one.
 */
export function pageErrorFromSlack(error: unknown, what: string): PageError {
  const failure = classifySlackError(error);
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return new PageError(`${what}: ${failureDetail(error, failure)}`, failure.kind !== 'permanent', {
    cause: error,
    ...(typeof status === 'number' ? { status } : {}),
    ...(failure.kind === 'rate-limited' ? { retryAfterMs: failure.retryAfterMs } : {}),
  });
}

// The texts are Slack's (slack/page-text.ts); re-exported for the tests that read them here.
export { channelPageText, directPageText };

export class SlackPager implements PageAdapter {
  constructor(private readonly chat: ChatGateway) {}

  deliveries(target: PageTarget, action: PageAction): Delivery[] {
    const { incident, config } = target;
    // A team paged elsewhere only is announced by the escalation engine, not by this adapter.
    const { onCall } = target;
    if (action !== 'trigger' || (!config.slack && !config.users?.length && !onCall)) return [];
    const deliveries: Delivery[] = [];
    const channelId = incident.channelId;
    if (channelId) {
      // The person on call joins the channel they are paged to, then is mentioned there.
      const invite = onCall ? () => this.chat.invite(channelId, [onCall]) : undefined;
      deliveries.push(this.post(channelId, channelPageText(target), 'channel message', invite));
    } else if (config.slack || onCall) {
      // A mention (and an invite) needs the channel; saying so keeps this page from vanishing.
      deliveries.push({
        channel: 'slack',
        blocked: config.slack
          ? groupNeedsChannel(incident.id, config.slack)
          : onCallNeedsChannel(incident.id),
      });
    }
    const dm = directPage(directPageText(target), incident.id, channelLink(incident));
    // Each DM is its own delivery, so one failing user does not re-send the others' on retry.
    const people = new Set([...(config.users ?? []), ...(onCall ? [onCall] : [])]);
    for (const user of people) deliveries.push(this.post(user, dm, `DM to ${user}`));
    return deliveries;
  }

  /** Posting to a user id opens (or reuses) the DM with that user. */
  private post(
    conversation: string,
    message: string | ChatMessage,
    what: string,
    before?: () => Promise<void>,
  ): Delivery {
    return {
      channel: 'slack',
      recipient: conversation,
      send: async () => {
        try {
          await before?.();
          await this.chat.postMessage(
            conversation,
            typeof message === 'string' ? { text: message } : message,
          );
        } catch (error) {
          throw pageErrorFromSlack(error, `Slack ${what} failed`);
        }
      },
    };
  }
}

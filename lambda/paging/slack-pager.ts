/**
 * Paging in Slack itself: on trigger, the incident channel hears which team was paged (mentioning its
 * user group so the whole rotation is notified) and each listed on-call user gets a DM. Acknowledge
 * and resolve say nothing here: the channel already shows them, and a DM per change would be noise.
 */
import { ErrorCode } from '@slack/web-api';
import { errorMessage } from '../incidents/errors';
import type { ChatGateway } from '../slack/chat';
import { classifySlackError, describeSlackFailure, type SlackFailure } from '../slack/errors';
import { channelMention, escapeClip, groupMention, userMention } from '../slack/text';
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

// Title and reason are user or alert text: escaped (text.ts) and cut so a page stays a short message.
const MAX_TITLE = 500;
const MAX_REASON = 2000;

function summary(target: PageTarget): string {
  const { incident, tier, reason } = target;
  // Tiers are 0-based inside (timer ids, step names); people count them from 1.
  const tierText = tier === undefined ? '' : `, tier ${tier + 1}`;
  const reasonText = reason ? ` — ${escapeClip(reason, MAX_REASON)}` : '';
  return `*${incident.id}: ${escapeClip(incident.title, MAX_TITLE)}* (${incident.severity}${tierText})${reasonText}`;
}

/**
 * The channel message: the group when there is one, else the listed users, so someone is pinged. These
 * mentions are the bot's own, built from the policy's ids, and stay real mentions.
 */
export function channelPageText(target: PageTarget): string {
  const { config, team } = target;
  const mentions = config.slack
    ? groupMention(config.slack)
    : (config.users ?? []).map((user) => userMention(user)).join(' ');
  return `:rotating_light: Paging *${escapeClip(team, 100)}*${mentions ? ` ${mentions}` : ''}: ${summary(target)}`;
}

export function directPageText(target: PageTarget): string {
  const where = target.incident.channelId ? ` Join ${channelMention(target.incident.channelId)}.` : '';
  return `:rotating_light: You are paged as on call for *${escapeClip(target.team, 100)}*: ${summary(target)}.${where}`;
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
          throw pageErrorFromSlack(error, `Slack ${what} failed`);
        }
      },
    };
  }
}

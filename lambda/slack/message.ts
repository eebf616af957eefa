/**
 * Renders the domain's messages (lambda/incidents/message.ts) as Slack mrkdwn: the bot's words and
 * responders' text escaped (docs/architecture.md, "Slack markup lives only in slack/"), people and
 * channels as real mentions built from their ids, emphasis as bold.
 */
import type { Message, Outcome, Part } from '../incidents/message';
import { incidentChannelName } from './format';
import { channelMention, escapeClip, escapeText, joinLinesWithin, userMention, withMentions } from './text';

export { withMentions };

/** Slack rejects message text past 40,000 characters. */
export const MAX_REPLY = 39_000;

/** What a listener answers Slack with: the slash command's response, or a reply job's text. */
export interface Reply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
}

export function renderPart(part: Part): string {
  if (typeof part === 'string') return escapeText(part);
  if ('user' in part) return userMention(part.user);
  if ('channel' in part) return channelMention(part.channel);
  if ('strong' in part) return `*${escapeText(part.strong)}*`;
  if ('code' in part) return `\`${escapeText(part.code)}\``;
  if ('typed' in part) return withMentions(part.typed);
  if ('quoted' in part) return escapeClip(part.quoted, part.max);
  if ('newChannelOf' in part)
    return `#${incidentChannelName(part.newChannelOf.number, part.newChannelOf.title)}`;
  // The schema admits no `<`, `>`, `|` or space in the address; the text is escaped like any other.
  if ('link' in part) return `<${part.link}|${escapeText(part.text)}>`;
  return preformatted(part.block);
}

/**
 * A document as a code block: people's and alerts' words as typed, escaped like every text the bot
 * sends (so it never broadcasts or hides a link), and cut between graphemes (never half an emoji or
 * entity) to fit one message.
 */
function preformatted(document: string): string {
  const escaped = escapeText(document);
  const body =
    escaped.length > MAX_REPLY
      ? `${escapeClip(document, MAX_REPLY)}\n(cut here: the full draft is longer)`
      : escaped;
  return `\n\`\`\`\n${body}\n\`\`\``;
}

export function renderMessage(message: Message): string {
  return message.map(renderPart).join('');
}

/** The outcome as Slack text; a list under it keeps whole lines within one message. */
export function renderOutcome(outcome: Outcome): string {
  const text = renderMessage(outcome.message);
  if (!outcome.lines) return text;
  const heading = `${text}\n`;
  return `${heading}${joinLinesWithin(outcome.lines.map(renderMessage), MAX_REPLY - heading.length)}`;
}

export function toReply(outcome: Outcome): Reply {
  return {
    response_type: outcome.visibility === 'channel' ? 'in_channel' : 'ephemeral',
    text: renderOutcome(outcome),
  };
}

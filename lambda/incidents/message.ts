/**
 * What the bot says, before it is Slack text. The domain and the service speak in parts; only
 * lambda/slack/message.ts turns them into mrkdwn (escaping, mentions, bold), so no markup is written
 * outside slack/ and a test can read an outcome without parsing Slack's syntax.
 */
import { z } from 'zod';

export const partSchema = z.union([
  /** The bot's own words, shown as written. */
  z.string(),
  /** A person, by Slack user id (a mention in Slack). */
  z.strictObject({ user: z.string() }),
  /** A Slack channel, by id. */
  z.strictObject({ channel: z.string() }),
  /** Words to stand out (an incident id, a severity, a team). */
  z.strictObject({ strong: z.string() }),
  /** Something to type (a command, a team name). */
  z.strictObject({ code: z.string() }),
  /** A responder's words as typed: shown inert, except the people they mention. */
  z.strictObject({ typed: z.string() }),
  /** Words that are not ours shown inert, mentions too (a title), cut to `max` characters if given. */
  z.strictObject({ quoted: z.string(), max: z.number().int().positive().optional() }),
  /** A document shown as preformatted text (the postmortem draft), cut to fit one message. */
  z.strictObject({ block: z.string() }),
  /** The channel an incident is getting, by the name it will have (before it exists). */
  z.strictObject({ newChannelOf: z.strictObject({ number: z.number().int(), title: z.string() }) }),
  /** A web link (a ticket, a pull request): `text` shown, linking to the http(s) `link`. */
  z.strictObject({ link: z.string().regex(/^https?:\/\/[^\s<>|]+$/), text: z.string() }),
]);
export type Part = z.infer<typeof partSchema>;

export const messageSchema = z.array(partSchema).readonly();
export type Message = readonly Part[];

/** A message as plain text (logs, error messages): people as `@U…`. */
export function plainText(message: Message): string {
  return message
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('user' in part) return `@${part.user}`;
      if ('channel' in part) return `#${part.channel}`;
      if ('strong' in part) return part.strong;
      if ('code' in part) return `\`${part.code}\``;
      if ('typed' in part) return part.typed;
      if ('quoted' in part) return part.quoted;
      if ('newChannelOf' in part) return `the channel of INC-${part.newChannelOf.number}`;
      if ('link' in part) return `${part.text} (${part.link})`;
      return `\n${part.block}\n`;
    })
    .join('');
}

/** The answer to a request: the message, and who sees it (the channel, or the person alone). */
export const outcomeSchema = z.object({
  visibility: z.enum(['channel', 'user']),
  message: messageSchema,
  /** A list under the message, one line each; cut (whole lines, "…and N more") to fit one message. */
  lines: z.array(messageSchema).readonly().optional(),
});
export type Outcome = z.infer<typeof outcomeSchema>;

export const toUser = (...message: Part[]): Outcome => ({ visibility: 'user', message });
export const toChannel = (...message: Part[]): Outcome => ({ visibility: 'channel', message });

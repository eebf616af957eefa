/**
 * Slack text: the one place that escapes and cuts what the bot sends to Slack (docs/architecture.md,
 * "Slack markup lives only in slack/").
 *
 * Escaping. Slack reads `&`, `<` and `>` as control characters in message text, so text that is not
 * ours (titles, impact, causes, follow-ups, alert names, escalation reasons, usage lines) has exactly
 * these three replaced with `&amp;`, `&lt;` and `&gt;`, "and only three"
 * (https://api.slack.com/messaging/composing/formatting#escaping, "Escaping text";
 * https://api.slack.com/docs/formatting: "All text in Slack uses the same system of escaping").
 * Escaped, `<!channel>`, `<!here>`, `<!everyone>` and `<!subteam^S…>` never broadcast, and
 * `<https://evil|click here>` never renders as a link whose label hides its target. The same escaping
 * is applied to `plain_text` (headers) and to the channel topic, which Slack documents as "does not
 * support formatting or linkification" (https://api.slack.com/methods/conversations.setTopic):
 * neither renders mentions, but the text then never carries a broadcast sequence either.
 *
 * Mentions the bot renders itself (commander, owners, paged user groups, the incident channel) are
 * built here by `userMention`, `groupMention` and `channelMention`, which accept only ids of Slack's
 * shape; anything else is shown as escaped text, never as markup.
 *
 * Cutting. Slack's limits are in characters (header 150, section text 3,000, field 2,000:
 * https://docs.slack.dev/reference/block-kit/blocks/header-block and /section-block; topic 250:
 * https://api.slack.com/methods/conversations.setTopic). The docs do not say how an astral character
 * counts, so `clip` counts UTF-16 units, which is never fewer than code points, and cuts only between
 * graphemes (`Intl.Segmenter`), so an emoji with a skin tone, a ZWJ family, a flag or a letter with a
 * combining mark is kept whole or dropped whole and no request holds a lone surrogate. A cut ends in
 * `…`, within the limit.
 */

export const ELLIPSIS = '…';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A lone surrogate (which makes `encodeURIComponent` throw "URI malformed") becomes U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (part) => part.segment);
}

/** User text made inert for mrkdwn (and plain_text): `&`, `<`, `>` as Slack's entities. */
export function escapeText(text: string): string {
  return wellFormed(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Length as counted against Slack's limits: UTF-16 units, the stricter count for astral characters. */
export function slackLength(text: string): number {
  return text.length;
}

/**
 * At most `max` UTF-16 units, cut between graphemes; a cut text ends in `…`, counted in `max`.
 * For text that is not mrkdwn (or holds no entities or `<…>`); for mrkdwn use `clipMrkdwn`.
 */
export function clip(text: string, max: number): string {
  const whole = wellFormed(text);
  if (slackLength(whole) <= max) return whole;
  if (max < ELLIPSIS.length) return '';
  const room = max - ELLIPSIS.length;
  let kept = '';
  for (const part of graphemes(whole)) {
    if (kept.length + part.length > room) break;
    kept += part;
  }
  return `${kept}${ELLIPSIS}`;
}

/**
 * User text escaped and cut to `max` as escaped: never half an entity (`&am…`), never half a grapheme.
 */
export function escapeClip(text: string, max: number = Number.POSITIVE_INFINITY): string {
  const escaped = escapeText(text);
  if (slackLength(escaped) <= max) return escaped;
  if (max < ELLIPSIS.length) return '';
  const room = max - ELLIPSIS.length;
  let kept = '';
  for (const part of graphemes(wellFormed(text))) {
    const piece = escapeText(part);
    if (kept.length + piece.length > room) break;
    kept += piece;
  }
  return `${kept}${ELLIPSIS}`;
}

/**
 * Already-built mrkdwn cut to `max`: between graphemes, and never leaving half a `<…>` mention or
 * link, or half an `&…;` entity, at the cut.
 */
export function clipMrkdwn(text: string, max: number): string {
  const whole = wellFormed(text);
  if (slackLength(whole) <= max) return whole;
  const cut = clip(whole, max);
  const body = cut.slice(0, -ELLIPSIS.length).replace(/<[^>]*$|&[#a-zA-Z0-9]*$/, '');
  return `${body}${ELLIPSIS}`;
}

/**
 * Lines joined with `\n` within `max`: as many whole lines as fit, then `…and N more` for the rest.
 * Each line is assumed to be ready mrkdwn; a single line longer than the room is cut by `clipMrkdwn`.
 */
export function joinLinesWithin(
  lines: string[],
  max: number,
  more = (n: number) => `…and ${n} more`,
): string {
  const joined = lines.join('\n');
  if (slackLength(joined) <= max) return joined;
  for (let shown = lines.length - 1; shown >= 1; shown -= 1) {
    const candidate = `${lines.slice(0, shown).join('\n')}\n${more(lines.length - shown)}`;
    if (slackLength(candidate) <= max) return candidate;
  }
  // Not even one whole line fits with the count: the first line cut, so the list never reads empty.
  const first = lines[0] ?? '';
  if (lines.length === 1) return clipMrkdwn(first, max);
  const tail = more(lines.length - 1);
  const room = max - slackLength(tail) - 1;
  return room > ELLIPSIS.length ? `${clipMrkdwn(first, room)}\n${tail}` : clipMrkdwn(tail, max);
}

const USER_ID = /^[UW][A-Z0-9]+$/;
const GROUP_ID = /^S[A-Z0-9]+$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]+$/;

/** `<@U…>`: a real mention of a user the bot names (commander, owner, on call); else the id as text. */
export function userMention(id: string): string {
  return USER_ID.test(id) ? `<@${id}>` : escapeText(id);
}

/** `<!subteam^S…>`: a real mention of a user group the bot pages; else the id as text. */
export function groupMention(id: string): string {
  return GROUP_ID.test(id) ? `<!subteam^${id}>` : escapeText(id);
}

/** `<#C…>`: a link to a channel the bot made or was given by Slack; else the id as text. */
export function channelMention(id: string): string {
  return CHANNEL_ID.test(id) ? `<#${id}>` : escapeText(id);
}

/**
 * Mrkdwn as Slack itself sent it (a message shown back in a modal), made unable to broadcast or to
 * hide a link's target: user and channel mentions stay, a bare link stays, a labelled link is shown as
 * `label (<url>)`, and any other `<…>` (`<!channel>`, `<!subteam^…>`, `<!date…>`) is shown as text.
 * Entities Slack already escaped are left as they are.
 */
export function inertMrkdwn(text: string): string {
  return wellFormed(text).replace(/<([^<>]*)>/g, (token, inner: string) => {
    if (/^[@#][UWCGD][A-Z0-9]+(\|[^|]*)?$/.test(inner)) return token;
    const link = /^(https?:\/\/[^\s|]+)(?:\|(.*))?$/.exec(inner);
    if (link) {
      const [, url, label] = link;
      return label ? `${label} (<${url}>)` : token;
    }
    return `&lt;${inner}&gt;`;
  });
}

const MENTION = /<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>/g;

/**
 * A responder's text: escaped, except the user mentions it holds (`<@U…>`, `<@U…|name>`), which stay
 * real mentions (`<@U…>`) instead of showing as literal text.
 */
export function withMentions(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    out += escapeText(text.slice(last, match.index)) + userMention(match[1] as string);
    last = match.index + match[0].length;
  }
  return out + escapeText(text.slice(last));
}

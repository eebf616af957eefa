/**
 * The text message a person gets when their page is still unacknowledged at the next tier: plain
 * text (no Slack markup), one line, and at most one SMS (160 GSM-7 characters) where the title
 * allows: the title is what gets shortened (with `...`, which GSM-7 has).
 */
import type { Incident } from '../incidents/types';

export const SMS_MAX = 160;
/** The title keeps at least this much, even when the message then needs two parts. */
const MIN_TITLE = 16;

/** `10m`, `1h 5m`, `2d 3h`: short, for a text message. */
export function shortDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return hours ? `${days}d ${hours}h` : `${days}d`;
  if (hours) return rest ? `${hours}h ${rest}m` : `${hours}h`;
  return `${rest}m`;
}

/** One line of plain text: control characters and runs of blanks become one space. */
function flat(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
}

/**
 * `INC-7 sev1 Checkout latency: your page from incident-bot is unacknowledged after 10m. Acknowledge
 * in Slack: https://slack.com/app_redirect?channel=C…`. Without a channel yet, the command to type.
 */
export function unacknowledgedPageSms(
  incident: Pick<Incident, 'id' | 'severity' | 'title'>,
  waitedMs: number,
  channelLink: string | undefined,
): string {
  const how = channelLink
    ? `Acknowledge in Slack: ${channelLink}`
    : `Acknowledge in Slack: /incident ack ${incident.id}`;
  const head = `${incident.id} ${incident.severity} `;
  const tail = `: your page from incident-bot is unacknowledged after ${shortDuration(waitedMs)}. ${how}`;
  const title = flat(incident.title);
  const room = Math.max(MIN_TITLE, SMS_MAX - head.length - tail.length);
  const clipped = title.length <= room ? title : `${title.slice(0, room - 3).trimEnd()}...`;
  return `${head}${clipped}${tail}`;
}

/**
 * Slack-facing text: channel names and Block Kit messages. Pure functions of stored facts.
 */
import type { KnownBlock } from '@slack/types';
import { formatClock, formatDateTime, formatDuration } from '../incidents/time';
import {
  BOT_AUTHOR,
  type FollowUp,
  type Incident,
  type IncidentRecord,
  type Severity,
  type TimelineEvent,
} from '../incidents/types';
import type { ChatMessage } from './chat';
import {
  channelMention,
  clipMrkdwn,
  escapeClip,
  escapeText,
  joinLinesWithin,
  userMention,
  withMentions,
} from './text';

export { escapeText };

const MAX_CHANNEL_NAME = 80;

// Slack's documented limits (https://docs.slack.dev/reference/block-kit/blocks/header-block,
// https://docs.slack.dev/reference/block-kit/blocks/section-block,
// https://api.slack.com/methods/conversations.setTopic), counted as `text.ts` counts them.
export const MAX_HEADER = 150;
export const MAX_SECTION_TEXT = 3000;
export const MAX_FIELD = 2000;
export const MAX_CONTEXT_TEXT = 3000;
export const MAX_TOPIC = 250;
/** An incident title in a one-line message (fallback text, announcements): titles from alerts are not capped. */
const MAX_TITLE_IN_TEXT = 500;

/**
 * `inc-7-login-failures-on-auth`: lowercase letters, digits and hyphens only (Slack's rule), at
 * most 80 characters, cut at a word boundary where one is near.
 */
export function incidentChannelName(number: number, title: string): string {
  const prefix = `inc-${number}`;
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!slug) return prefix;
  const room = MAX_CHANNEL_NAME - prefix.length - 1;
  let cut = slug.slice(0, room);
  if (slug.length > room) {
    const lastHyphen = cut.lastIndexOf('-');
    if (lastHyphen > room / 2) cut = cut.slice(0, lastHyphen);
    cut = cut.replace(/-+$/, '');
  }
  return `${prefix}-${cut}`;
}

export const SEVERITY_EMOJI: Record<Severity, string> = {
  sev1: ':red_circle:',
  sev2: ':large_orange_circle:',
  sev3: ':large_yellow_circle:',
  sev4: ':white_circle:',
};

function user(id: string | undefined): string {
  if (id === BOT_AUTHOR) return 'incident-bot';
  return id ? userMention(id) : '_nobody yet_';
}

function field(label: string, value: string) {
  return { type: 'mrkdwn' as const, text: clipMrkdwn(`*${label}*\n${value}`, MAX_FIELD) };
}

/** The title as one line of mrkdwn: escaped, cut. */
function title(incident: Incident): string {
  return escapeClip(incident.title, MAX_TITLE_IN_TEXT);
}

/** A plain_text header: escaped too (see text.ts), cut to Slack's 150. */
function header(text: string): string {
  return escapeClip(text, MAX_HEADER);
}

export interface FormatContext {
  tz: string;
  now: string;
}

/** The pinned message in the incident channel; edited in place on every change. */
export function incidentSummary(incident: Incident, ctx: FormatContext): ChatMessage {
  const ended = incident.resolvedAt ?? ctx.now;
  const acknowledgement = incident.acknowledgedAt
    ? `${user(incident.acknowledgedBy)} at ${formatDateTime(incident.acknowledgedAt, ctx.tz)}`
    : 'not yet';
  const text = `${incident.id}: ${title(incident)} (${incident.severity}, ${incident.status})`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: header(`${incident.id}: ${incident.title}`) } },
    {
      type: 'section',
      fields: [
        field('Severity', `${SEVERITY_EMOJI[incident.severity]} ${incident.severity}`),
        field('Status', incident.status),
        field('Commander', user(incident.commander)),
        field(incident.resolvedAt ? 'Duration' : 'Age', formatDuration(incident.startedAt, ended)),
        field('Started', formatDateTime(incident.startedAt, ctx.tz)),
        field('Acknowledged', acknowledgement),
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clipMrkdwn(
            `Declared by ${user(incident.declaredBy)} · \`/incident help\` for commands`,
            MAX_CONTEXT_TEXT,
          ),
        },
      ],
    },
  ];
  return { text, blocks };
}

/**
 * The channel topic, at most Slack's 250 characters. Slack shows topics without formatting, but the
 * title is escaped all the same (text.ts), so the topic never carries a broadcast sequence.
 */
export function channelTopic(incident: Incident): string {
  const prefix = `${incident.id} · ${incident.severity} · ${incident.status} · `;
  return `${prefix}${escapeClip(incident.title, Math.max(0, MAX_TOPIC - prefix.length))}`;
}

function followUpLine(item: FollowUp): string {
  return `• ${escapeClip(item.text, 1000)} (${item.owner ? userMention(item.owner) : 'unassigned'})`;
}

/** Posted to the incident channel and the announcement channel on resolve. */
export function resolutionSummary(record: IncidentRecord, ctx: FormatContext): ChatMessage {
  const { incident, followUps } = record;
  const end = incident.resolvedAt ?? ctx.now;
  const duration = `${formatDateTime(incident.startedAt, ctx.tz)} → ${formatDateTime(end, ctx.tz)} (${formatDuration(incident.startedAt, end)})`;
  const fixes = followUps.filter((item) => item.type === 'fix').map(followUpLine);
  const tasks = followUps.filter((item) => item.type === 'task').map(followUpLine);
  const headings = new Set(['*Fixes*', '*Tasks*']);
  const followUpLines = [
    ...(fixes.length ? ['*Fixes*', ...fixes] : []),
    ...(tasks.length ? ['*Tasks*', ...tasks] : []),
  ];
  // Room for the section's `*Follow-ups*\n`; a long list is cut between whole items and ends in
  // "…and N more", N counting the follow-ups left out (not the `*Tasks*` heading among them).
  const followUpText = followUpLines.length
    ? joinLinesWithin(
        followUpLines,
        MAX_SECTION_TEXT - '*Follow-ups*\n'.length,
        (hidden) => `…and ${followUpLines.slice(-hidden).filter((line) => !headings.has(line)).length} more`,
      )
    : '_None recorded._';
  const where = incident.channelId ? ` in ${channelMention(incident.channelId)}` : '';
  const text = `${incident.id} resolved: ${title(incident)}. Duration ${formatDuration(incident.startedAt, end)}.`;
  const section = (heading: string, body: string): KnownBlock => ({
    type: 'section',
    text: { type: 'mrkdwn', text: clipMrkdwn(`*${heading}*\n${body}`, MAX_SECTION_TEXT) },
  });
  const recorded = (value: string | undefined) =>
    value === undefined ? '_Not recorded._' : escapeClip(value, MAX_SECTION_TEXT);
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: header(`✅ ${incident.id} resolved: ${incident.title}`) },
    },
    section('Duration', duration),
    section('Impact', recorded(incident.impact)),
    section('Root cause', recorded(incident.rootCause)),
    section('Follow-ups', followUpText),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clipMrkdwn(
            `${SEVERITY_EMOJI[incident.severity]} ${incident.severity} · commander ${user(incident.commander)} · postmortem${where}`,
            MAX_CONTEXT_TEXT,
          ),
        },
      ],
    },
  ];
  return { text, blocks };
}

export function severityAnnouncement(incident: Incident, previous: Severity): ChatMessage {
  const where = incident.channelId ? ` in ${channelMention(incident.channelId)}` : '';
  const direction = previous > incident.severity ? 'raised' : 'lowered';
  return {
    text: `${SEVERITY_EMOJI[incident.severity]} ${incident.id} ${direction} from ${previous} to ${incident.severity}: ${title(incident)}${where}.`,
  };
}

/** A status update (`/incident update`) in the announcements channel: what, who, where to follow it. */
export function updateAnnouncement(
  incident: Incident,
  event: TimelineEvent,
  ctx: FormatContext,
): ChatMessage {
  const where = incident.channelId ? ` Follow in ${channelMention(incident.channelId)}.` : '';
  return {
    text: `:mega: ${SEVERITY_EMOJI[incident.severity]} *${incident.id}* update (${incident.severity} · ${incident.status}, ${formatClock(event.at, ctx.tz)}) from ${userMention(event.author)}: ${withMentions(event.text)}${where}`,
  };
}

export function declaredAnnouncement(incident: Incident, ctx: FormatContext): ChatMessage {
  const where = incident.channelId ? ` Join ${channelMention(incident.channelId)}.` : '';
  return {
    text: `${SEVERITY_EMOJI[incident.severity]} ${incident.id} declared (${incident.severity}): ${title(incident)}. Started ${formatDateTime(incident.startedAt, ctx.tz)}.${where}`,
  };
}

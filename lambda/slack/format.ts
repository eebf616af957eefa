/**
 * Slack-facing text: channel names and Block Kit messages. Pure functions of stored facts.
 */
import type { KnownBlock } from '@slack/types';
import { formatDateTime, formatDuration } from '../incidents/time';
import {
  BOT_AUTHOR,
  type FollowUp,
  type Incident,
  type IncidentRecord,
  type Severity,
} from '../incidents/types';
import type { ChatMessage } from './chat';

const MAX_CHANNEL_NAME = 80;

/**
 * Slack reads `<…>` in message text as links and mentions, so text that is not ours (responder text,
 * usage lines such as `<time>`) has `&`, `<` and `>` escaped the way Slack asks.
 */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

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
  return id ? `<@${id}>` : '_nobody yet_';
}

function field(label: string, value: string) {
  return { type: 'mrkdwn' as const, text: `*${label}*\n${value}` };
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
  const text = `${incident.id}: ${incident.title} (${incident.severity}, ${incident.status})`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `${incident.id}: ${incident.title}`.slice(0, 150) } },
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
          text: `Declared by ${user(incident.declaredBy)} · \`/incident help\` for commands`,
        },
      ],
    },
  ];
  return { text, blocks };
}

export function channelTopic(incident: Incident): string {
  return `${incident.id} · ${incident.severity} · ${incident.status} · ${incident.title}`;
}

function followUpLine(item: FollowUp): string {
  return `• ${item.text} (${item.owner ? `<@${item.owner}>` : 'unassigned'})`;
}

/** Posted to the incident channel and the announcement channel on resolve. */
export function resolutionSummary(record: IncidentRecord, ctx: FormatContext): ChatMessage {
  const { incident, followUps } = record;
  const end = incident.resolvedAt ?? ctx.now;
  const duration = `${formatDateTime(incident.startedAt, ctx.tz)} → ${formatDateTime(end, ctx.tz)} (${formatDuration(incident.startedAt, end)})`;
  const fixes = followUps.filter((item) => item.type === 'fix').map(followUpLine);
  const tasks = followUps.filter((item) => item.type === 'task').map(followUpLine);
  const followUpText =
    [...(fixes.length ? ['*Fixes*', ...fixes] : []), ...(tasks.length ? ['*Tasks*', ...tasks] : [])].join(
      '\n',
    ) || '_None recorded._';
  const where = incident.channelId ? ` in <#${incident.channelId}>` : '';
  const text = `${incident.id} resolved: ${incident.title}. Duration ${formatDuration(incident.startedAt, end)}.`;
  const section = (title: string, body: string): KnownBlock => ({
    type: 'section',
    text: { type: 'mrkdwn', text: `*${title}*\n${body}`.slice(0, 3000) },
  });
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: `✅ ${incident.id} resolved: ${incident.title}`.slice(0, 150) },
    },
    section('Duration', duration),
    section('Impact', incident.impact ?? '_Not recorded._'),
    section('Root cause', incident.rootCause ?? '_Not recorded._'),
    section('Follow-ups', followUpText),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${SEVERITY_EMOJI[incident.severity]} ${incident.severity} · commander ${user(incident.commander)} · postmortem${where}`,
        },
      ],
    },
  ];
  return { text, blocks };
}

export function severityAnnouncement(incident: Incident, previous: Severity): ChatMessage {
  const where = incident.channelId ? ` in <#${incident.channelId}>` : '';
  const direction = previous > incident.severity ? 'raised' : 'lowered';
  return {
    text: `${SEVERITY_EMOJI[incident.severity]} ${incident.id} ${direction} from ${previous} to ${incident.severity}: ${escapeText(incident.title)}${where}.`,
  };
}

export function declaredAnnouncement(incident: Incident, ctx: FormatContext): ChatMessage {
  const where = incident.channelId ? ` Join <#${incident.channelId}>.` : '';
  return {
    text: `${SEVERITY_EMOJI[incident.severity]} ${incident.id} declared (${incident.severity}): ${incident.title}. Started ${formatDateTime(incident.startedAt, ctx.tz)}.${where}`,
  };
}

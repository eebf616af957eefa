/**
 * Compiles an incident's record into the postmortem document (docs/architecture.md, "The postmortem document"):
 * the seed postmortem's sections, in its order, filled from what responders recorded. Pure: the
 * draft's "now" and the display zone come in as options.
 */
import { type CapturedMessage, capturedMessageOf, recordedBy, recordedVia } from './provenance';
import { acknowledgeWaitStart } from './stats';
import { formatClock, formatDateTime, formatDuration, formatShortDateTime, spansDays } from './time';
import {
  BOT_AUTHOR,
  type EventKind,
  type FollowUp,
  type FollowUpType,
  type Incident,
  type IncidentRecord,
  incidentId,
  type RecordedVia,
  type TimelineEvent,
} from './types';

export interface PostmortemOptions {
  /** IANA zone every time is shown in. */
  tz: string;
  /** When the draft is compiled (ISO-8601): the end of the incident while it is unresolved. */
  now: string;
  /** Slack user id → display name; ids without a name are shown as `@<id>`. */
  names?: Record<string, string>;
}

const NONE = '_None recorded._';
const NOT_YET = '_Not recorded yet._';

export function postmortemFileName(incident: Pick<Incident, 'number'>): string {
  return `${incidentId(incident.number)}.md`;
}

export function compilePostmortem(record: IncidentRecord, options: PostmortemOptions): string {
  const { incident } = record;
  const events = sortEvents(record.events);
  const ctx = renderContext(incident, events, options);
  // A message deleted in Slack is no longer a fact anyone stands by: only the full timeline keeps its line.
  const ofKind = (kind: EventKind) =>
    eventList(
      events.filter((e) => e.kind === kind && !e.deleted),
      ctx,
      false,
    );

  const blocks = [
    `# ${incidentId(incident.number)}: ${inline(incident.title)} — Postmortem`,
    facts(incident, ctx),
    '## Issue Summary',
    '### Duration',
    duration(incident, ctx),
    '### Impact',
    paragraph(incident.impact, ctx),
    '### Root Cause',
    paragraph(incident.rootCause, ctx),
    '## Timeline',
    '### Issue Detected',
    formatDateTime(incident.startedAt, ctx.tz),
    '### Detection Method',
    ofKind('detection'),
    '### Actions Taken',
    ofKind('action'),
    '### Misleading Paths',
    ofKind('misleading'),
    '### Escalation',
    ofKind('escalation'),
    '### Resolution',
    ofKind('resolution'),
    '## Root Cause and Resolution',
    '### Root Cause',
    ofKind('cause'),
    '### Resolution',
    paragraph(incident.resolution, ctx),
    '## Corrective and Preventative Measures',
    '### Improvements/Fixes',
    followUpList(record.followUps, 'fix', ctx),
    '### Tasks',
    followUpList(record.followUps, 'task', ctx),
    '## Metrics',
    metrics(incident, events),
    '## Responders',
    responders(incident, events, ctx),
    '## Full Timeline',
    eventList(events, ctx, true),
  ];
  return `${blocks.join('\n\n')}\n`;
}

interface RenderContext {
  tz: string;
  now: string;
  names: Record<string, string>;
  /** Dates go on every event bullet once the incident crosses midnight, or times would read as one day. */
  showDates: boolean;
  incident: Incident;
}

function renderContext(
  incident: Incident,
  events: TimelineEvent[],
  options: PostmortemOptions,
): RenderContext {
  const end = incident.resolvedAt ?? options.now;
  // An event outside start..end (a clock skew, a late import) still needs its date to be unambiguous.
  const showDates =
    spansDays(incident.startedAt, end, options.tz) ||
    events.some((e) => spansDays(incident.startedAt, e.at, options.tz));
  return { tz: options.tz, now: options.now, names: options.names ?? {}, showDates, incident };
}

/** Chronological, ties as the store orders them, so a record straight from any source reads the same. */
function sortEvents(events: readonly TimelineEvent[]): TimelineEvent[] {
  // Times parsed once per event, not once per comparison: the sort dominated large documents.
  const keyed = events.map((event) => ({
    event,
    at: Date.parse(event.at),
    recorded: Date.parse(event.recordedAt),
  }));
  keyed.sort(
    (a, b) =>
      a.at - b.at ||
      a.recorded - b.recorded ||
      (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0),
  );
  return keyed.map(({ event }) => event);
}

function facts(incident: Incident, ctx: RenderContext): string {
  const channel = incident.channelName ? `#${inline(incident.channelName)}` : 'not recorded';
  return [
    `- **Severity:** ${incident.severity}`,
    `- **Status:** ${incident.status}`,
    `- **Commander:** ${incident.commander ? who(incident.commander, ctx) : 'unassigned'}`,
    `- **Channel:** ${channel}`,
    `- **Declared by:** ${who(incident.declaredBy, ctx)}`,
  ].join('\n');
}

function duration(incident: Incident, ctx: RenderContext): string {
  const start = `- Start Time: ${formatDateTime(incident.startedAt, ctx.tz)}`;
  if (incident.resolvedAt) {
    return [
      start,
      `- End Time: ${formatDateTime(incident.resolvedAt, ctx.tz)}`,
      `- Total: ${formatDuration(incident.startedAt, incident.resolvedAt)}`,
    ].join('\n');
  }
  return [
    start,
    `- End Time: ongoing (draft compiled ${formatDateTime(ctx.now, ctx.tz)})`,
    `- Total: ${formatDuration(incident.startedAt, ctx.now)} so far (still ongoing)`,
  ].join('\n');
}

function paragraph(text: string | undefined, ctx: RenderContext): string {
  const flat = text === undefined ? '' : namedMentions(inline(text), ctx);
  return flat ? blockStart(flat) : NOT_YET;
}

function eventList(events: TimelineEvent[], ctx: RenderContext, withKind: boolean): string {
  if (events.length === 0) return NONE;
  return events.map((e) => eventBullet(e, ctx, withKind)).join('\n');
}

function eventBullet(event: TimelineEvent, ctx: RenderContext, withKind: boolean): string {
  const time = ctx.showDates ? formatShortDateTime(event.at, ctx.tz) : formatClock(event.at, ctx.tz);
  const parts = [time];
  if (withKind) parts.push(`**${event.kind}**`);
  const captured = capturedMessageOf(event);
  const said = namedMentions(inline(captured ? captured.text : event.text), ctx);
  const text = event.subject ? `${who(event.subject, ctx)} ${said}` : said;
  if (withKind && event.deleted) parts.push(`_message deleted in Slack ${clock(event.deleted.at, ctx)}_`);
  else if (withKind && event.edited) parts.push(`${text} (edited ${clock(event.edited.at, ctx)})`);
  // The seed's sections read as before: a captured message's words, then its link.
  else if (text) parts.push(!withKind && captured?.permalink ? `${text} (${captured.permalink})` : text);
  if (event.kind === 'escalation' && event.team) {
    const person = event.page?.onCall ? ` (on call: ${who(event.page.onCall, ctx)})` : '';
    parts.push(`team paged: ${inline(event.team)}${person}`);
    if (!event.page?.failed) parts.push(acknowledgement(event, ctx));
  }
  const line = `- ${parts.join(' — ')}`;
  return withKind ? `${line} · ${provenance(event, captured, ctx)}` : line;
}

const VIA: Record<RecordedVia, string> = {
  command: 'via command',
  pin: 'via 📌',
  shortcut: 'via shortcut',
  alert: 'via alert',
  bot: '(automatic)',
};

/**
 * Who recorded an event and how, with the Slack message it came from: `by @alice via 📌 ([message](…)
 * by @bob)`. A deleted message's link leads nowhere and is left out.
 */
function provenance(event: TimelineEvent, captured: CapturedMessage | undefined, ctx: RenderContext): string {
  const by = recordedBy(event);
  const said = `by ${who(by, ctx)} ${VIA[recordedVia(event)]}`;
  if (!captured) return said;
  const link = captured.permalink && !event.deleted ? `[message](${captured.permalink})` : 'message';
  const from = event.author !== by ? ` by ${who(event.author, ctx)}` : '';
  return link === 'message' && !from ? said : `${said} (${link}${from})`;
}

function clock(at: string, ctx: RenderContext): string {
  return ctx.showDates ? formatShortDateTime(at, ctx.tz) : formatClock(at, ctx.tz);
}

function followUpList(followUps: readonly FollowUp[], type: FollowUpType, ctx: RenderContext): string {
  const items = followUps
    .filter((f) => f.type === type)
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  if (items.length === 0) return NONE;
  return items
    .map(
      (f) =>
        `- ${blockStart(namedMentions(inline(f.text), ctx))} — owner: ${f.owner ? who(f.owner, ctx) : 'unassigned'}${ticketOf(f)}`,
    )
    .join('\n');
}

/** ` — ticket: [acme/ops#42](url) (closed)`: the follow-up's ticket, when it has one. */
function ticketOf(followUp: FollowUp): string {
  const { ticket } = followUp;
  if (!ticket) return '';
  const key = ticket.key.replace(/[[\]]/g, '');
  const url = ticket.url.replace(/[()\s]/g, encodeURIComponent);
  return ` — ticket: [${key}](${url})${followUp.ticketState === 'closed' ? ' (closed)' : ''}`;
}

function metrics(incident: Incident, events: TimelineEvent[]): string {
  const firstEscalation = events.find((e) => e.kind === 'escalation');
  const between = (from: string, to: string | undefined) => (to ? formatDuration(from, to) : 'n/a');
  return [
    `- Time to acknowledge: ${between(acknowledgeWaitStart(incident), incident.acknowledgedAt)}`,
    `- Time to first escalation: ${between(incident.startedAt, firstEscalation?.at)}`,
    `- Time to resolve: ${between(incident.startedAt, incident.resolvedAt)}`,
  ].join('\n');
}

function responders(incident: Incident, events: TimelineEvent[], ctx: RenderContext): string {
  // Insertion order gives commander, declarer, then authors by first contribution.
  const roles = new Map<string, string[]>();
  const add = (userId: string | undefined, role?: string) => {
    if (!userId || userId === BOT_AUTHOR) return;
    const list = roles.get(userId) ?? [];
    if (role && !list.includes(role)) list.push(role);
    roles.set(userId, list);
  };
  add(incident.commander, 'commander');
  add(incident.declaredBy, 'declared the incident');
  for (const event of events) add(event.author);
  if (roles.size === 0) return NONE;
  return [...roles]
    .map(([userId, list]) => `- ${who(userId, ctx)}${list.length ? ` (${list.join(', ')})` : ''}`)
    .join('\n');
}

function who(userId: string, ctx: RenderContext): string {
  const name = ctx.names[userId];
  if (name) return `@${inline(name)}`;
  return userId === BOT_AUTHOR ? 'incident-bot' : `@${userId}`;
}

/** Whether, and how soon, a page was answered: the escalation's outcome a postmortem reader wants. */
function acknowledgement(event: TimelineEvent, ctx: RenderContext): string {
  const { acknowledgedAt, acknowledgedBy } = ctx.incident;
  if (!acknowledgedAt) return 'not acknowledged';
  if (Date.parse(acknowledgedAt) < Date.parse(event.at)) return 'sent after the acknowledgement';
  const time = ctx.showDates
    ? formatShortDateTime(acknowledgedAt, ctx.tz)
    : formatClock(acknowledgedAt, ctx.tz);
  const by = acknowledgedBy ? ` by ${who(acknowledgedBy, ctx)}` : '';
  return `acknowledged ${time}${by} (${formatDuration(event.at, acknowledgedAt)} later)`;
}

const MENTIONS = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;

/** Every user mentioned in the record's text, so the document can show them by name. */
export function mentionedUsers(record: IncidentRecord): string[] {
  const { incident } = record;
  const texts = [
    incident.impact,
    incident.rootCause,
    incident.resolution,
    ...record.events.map((event) => event.text),
    ...record.followUps.map((item) => item.text),
  ];
  const ids = new Set<string>(
    record.events.flatMap((event) =>
      [event.subject, event.page?.onCall, event.recordedBy].filter(
        (id): id is string => !!id && id !== BOT_AUTHOR,
      ),
    ),
  );
  for (const text of texts) for (const match of (text ?? '').matchAll(MENTIONS)) ids.add(match[1] as string);
  return [...ids];
}

/** Slack mentions (`<@U123>`, `<@U123|name>`) read as names in a document Slack will not render. */
function namedMentions(text: string, ctx: RenderContext): string {
  return text.replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_match, id: string, label?: string) =>
    ctx.names[id] ? `@${ctx.names[id]}` : label ? `@${label}` : `@${id}`,
  );
}

/** Responder text on one line: a line break would end the bullet or start a heading. */
function inline(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * Escapes what would change the document's structure at the start of a Markdown block: a `#` (a
 * heading) or a code fence (which would swallow every section after it). Nothing else is escaped, so
 * the responder's words stay as typed.
 */
function blockStart(text: string): string {
  return /^(#|```|~~~)/.test(text) ? `\\${text}` : text;
}

/**
 * Block Kit surfaces other than channel messages: the buttons under the pinned summary, the modals
 * (declare, resolve, add to timeline) with parsers for their submissions, and the App Home tab.
 * Pure functions: builders take stored facts, parsers take the `view` Slack submits and never throw,
 * whatever it holds, because a submission is untrusted input.
 */
import type {
  ActionsBlock,
  Button,
  HomeView,
  KnownBlock,
  ModalView,
  PlainTextElement,
  PlainTextOption,
} from '@slack/types';
import { z } from 'zod';
import { decodeEntities, TITLE_MAX_LENGTH } from '../incidents/grammar';
import { SHIFTS_AHEAD_DAYS, type TeamShift } from '../incidents/shifts';
import { trendSummary, type WeekPoint } from '../incidents/stats';
import { followUpHeading, followUpLine } from '../incidents/tickets';
import { formatDateTime, formatDuration } from '../incidents/time';
import {
  DEFAULT_LOG_KIND,
  DEFAULT_SEVERITY,
  type FollowUp,
  INCIDENT_ID_PATTERN,
  type Incident,
  LOG_KINDS,
  type LogKind,
  SEVERITIES,
  type Severity,
} from '../incidents/types';
import { MAX_TEXT_LENGTH } from '../incidents/verb';
import type { ChatMessage } from './chat';
import { type FormatContext, incidentSummary, MAX_SECTION_TEXT, SEVERITY_EMOJI } from './format';
import { renderMessage } from './message';
import {
  channelMention,
  clip,
  clipMrkdwn,
  escapeClip,
  escapeText,
  graphemes,
  inertMrkdwn,
  joinLinesWithin,
  userMention,
} from './text';

export const ACTIONS = {
  acknowledge: 'incident.acknowledge',
  escalate: 'incident.escalate',
  resolve: 'incident.resolve',
  /** "I'll lead": the clicker takes command of an incident nobody leads. */
  lead: 'incident.lead',
  /** A link to the incident channel (Slack opens it; the click itself is only acknowledged). */
  openChannel: 'incident.open_channel',
} as const;

export const CALLBACKS = {
  declare: 'incident.declare',
  resolve: 'incident.resolve_modal',
  addToTimeline: 'incident.add_to_timeline',
} as const;

/** Callback id of the "Add to incident timeline" message shortcut; manifest.yml declares the same. */
export const SHORTCUT = 'add_to_incident_timeline';

/** The block id of the buttons under the pinned summary. */
export const SUMMARY_ACTIONS_BLOCK = 'incident.summary_actions';

/** The block id of the summary's "No one is leading this incident" line with its "I'll lead" button. */
export const LEAD_BLOCK = 'incident.lead';

/** What the summary of an open incident without a commander says. */
export const NO_LEADER = 'No one is leading this incident.';

/** Every input in these modals has this action id, so a value is always at `values[block].value`. */
const INPUT = 'value';

// Block Kit limits this module has to respect (https://docs.slack.dev/reference/block-kit); the text
// limit is format.ts's. A typed field is held to the rule every free text is held to (MAX_TEXT_LENGTH).
const MAX_TEXT = MAX_SECTION_TEXT;
const MAX_METADATA = 3000;
const MAX_MODAL_TITLE = 24;
const MAX_INPUT_LENGTH = MAX_TEXT_LENGTH;
/** Home tab: header, count, 45 × (section + divider), "and N more", shifts, footer: 95 of Slack's 100 blocks. */
export const HOME_MAX_INCIDENTS = 45;
/** Alert titles are not held to TITLE_MAX_LENGTH, so the Home tab cuts long ones itself. */
const HOME_TITLE_MAX = 200;

const SEVERITY_OPTIONS: Record<Severity, { label: string; description: string }> = {
  sev1: { label: 'Critical', description: 'Customer-facing outage or data loss; all hands' },
  sev2: { label: 'Major', description: 'Significant degradation for many customers' },
  sev3: { label: 'Minor', description: 'Limited impact, or a workaround exists' },
  sev4: { label: 'Low', description: 'No customer impact yet; worth tracking' },
};

// Where each kind lands in the postmortem, so responders pick by the section they want it in.
const LOG_KIND_OPTIONS: Record<LogKind, { label: string; description: string }> = {
  detection: { label: 'Detection', description: 'Postmortem: Detection Method' },
  action: { label: 'Action', description: 'Postmortem: Actions Taken' },
  misleading: { label: 'Misleading path', description: 'Postmortem: Misleading Paths' },
  cause: { label: 'Cause', description: 'Postmortem: Root Cause' },
  escalation: { label: 'Escalation', description: 'Postmortem: Escalation' },
  resolution: { label: 'Resolution', description: 'Postmortem: Resolution' },
  note: { label: 'Note', description: 'Postmortem: full timeline only' },
};

export type Submission<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

export interface DeclareSubmission {
  title: string;
  severity: Severity;
  description?: string;
  /** ISO-8601 in UTC. */
  detectedAt?: string;
  channelId?: string;
}

export interface ResolveSubmission {
  incidentId: string;
  resolution: string;
}

export interface TimelineMessage {
  incidentId: string;
  /** The message's `text` as Slack sends it: mrkdwn, with `&`, `<` and `>` escaped as entities. */
  text: string;
  /** Slack user id the timeline event is credited to. */
  author: string;
  messageTs: string;
  channelId: string;
}

export interface TimelineSubmission {
  incidentId: string;
  kind: LogKind;
  /** Entities decoded, as `/incident log` stores its text; cut to fit the modal's metadata. */
  text: string;
  author: string;
  messageTs: string;
  channelId: string;
}

// ---------------------------------------------------------------------------------------------------
// Submissions: every shape Slack might send is read leniently here and judged by the schemas below.

const viewSchema = z
  .object({
    private_metadata: z.string().catch(''),
    state: z.object({ values: z.record(z.string(), z.unknown()) }).catch({ values: {} }),
  })
  .catch({ private_metadata: '', state: { values: {} } });

function readView(view: unknown): { values: Record<string, unknown>; metadata: string } {
  const parsed = viewSchema.parse(view);
  return { values: parsed.state.values, metadata: parsed.private_metadata };
}

/** A text input's value, trimmed; Slack sends `null` for an empty optional input. */
const textInput = z
  .object({ [INPUT]: z.object({ value: z.string().nullish() }) })
  .transform((block) => block[INPUT].value?.trim() ?? '');

const selectInput = z
  .object({ [INPUT]: z.object({ selected_option: z.object({ value: z.string() }) }) })
  .transform((block) => block[INPUT].selected_option.value);

/** Epoch seconds, or undefined when left empty. */
const dateTimeInput = z
  .object({ [INPUT]: z.object({ selected_date_time: z.number().int().nonnegative().nullish() }) })
  .transform((block) => block[INPUT].selected_date_time ?? undefined);

// ---------------------------------------------------------------------------------------------------
// Pinned summary

export const PAGE_ACTIONS_BLOCK = 'incident.page_actions';

/** "Acknowledge", under the pinned summary and in a page's DM: `/incident ack` on its incident. */
function acknowledgeButton(incidentId: string): Button {
  return {
    type: 'button',
    action_id: ACTIONS.acknowledge,
    text: plain('Acknowledge'),
    style: 'primary',
    value: incidentId,
  };
}

/**
 * The page DMed to the person on call: its text, then "Acknowledge" (as the summary's) and, once the
 * incident has a channel, a link to it.
 */
export function directPage(text: string, incidentId: string, channelUrl: string | undefined): ChatMessage {
  const block: ActionsBlock = {
    type: 'actions',
    block_id: PAGE_ACTIONS_BLOCK,
    elements: [
      acknowledgeButton(incidentId),
      ...(channelUrl
        ? [
            {
              type: 'button' as const,
              action_id: ACTIONS.openChannel,
              text: plain('Open the channel'),
              url: channelUrl,
            },
          ]
        : []),
    ],
  };
  return {
    text,
    blocks: [{ type: 'section', block_id: 'incident.page', text: mrkdwn(clipMrkdwn(text, MAX_TEXT)) }, block],
  };
}

/** The buttons under the pinned summary; each carries the incident id as its value. */
export function summaryActions(incidentId: string): KnownBlock {
  const block: ActionsBlock = {
    type: 'actions',
    block_id: SUMMARY_ACTIONS_BLOCK,
    elements: [
      acknowledgeButton(incidentId),
      {
        type: 'button',
        action_id: ACTIONS.escalate,
        text: plain('Escalate'),
        value: incidentId,
        // A stray click pages another team, so it asks first.
        confirm: {
          title: plain('Page the next tier?'),
          text: plain(`This pages the next tier of the escalation policy for ${incidentId}.`),
          confirm: plain('Page them'),
          deny: plain('Cancel'),
        },
      },
      // No confirm here: the button opens the resolve modal, which is its own chance to back out.
      {
        type: 'button',
        action_id: ACTIONS.resolve,
        text: plain('Resolve'),
        style: 'danger',
        value: incidentId,
      },
    ],
  };
  return block;
}

/**
 * Asks for a commander (incidents opened by alerts have none): "I'll lead" makes the clicker the
 * commander, as `/incident commander <@them>` would, unless someone took it first.
 */
export function leadPrompt(incidentId: string): KnownBlock {
  return {
    type: 'section',
    block_id: LEAD_BLOCK,
    text: mrkdwn(`:raising_hand: *${NO_LEADER}* Someone needs to coordinate the response.`),
    accessory: {
      type: 'button',
      action_id: ACTIONS.lead,
      text: plain("I'll lead"),
      style: 'primary',
      value: incidentId,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Declare modal

/** What a bare `/incident` opens. `channelId` is where it was typed, to reply there. */
export function declareModal(options: { channelId?: string } = {}): ModalView {
  const severityOptions = SEVERITIES.map(severityOption);
  const initialSeverity = severityOptions[SEVERITIES.indexOf(DEFAULT_SEVERITY)];
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: 'title',
      label: plain('Title'),
      element: {
        type: 'plain_text_input',
        action_id: INPUT,
        max_length: TITLE_MAX_LENGTH,
        placeholder: plain('Login failures on auth'),
      },
    },
    {
      type: 'input',
      block_id: 'severity',
      label: plain('Severity'),
      element: {
        type: 'static_select',
        action_id: INPUT,
        options: severityOptions,
        ...(initialSeverity ? { initial_option: initialSeverity } : {}),
      },
    },
    {
      type: 'input',
      block_id: 'description',
      optional: true,
      label: plain('Description'),
      element: {
        type: 'plain_text_input',
        action_id: INPUT,
        multiline: true,
        max_length: MAX_INPUT_LENGTH,
        placeholder: plain('What is happening, and who is affected?'),
      },
    },
    {
      type: 'input',
      block_id: 'detected_at',
      optional: true,
      label: plain('Started at'),
      hint: plain('Leave empty if it started just now.'),
      element: { type: 'datetimepicker', action_id: INPUT },
    },
  ];
  return {
    type: 'modal',
    callback_id: CALLBACKS.declare,
    title: plain('Declare an incident'),
    submit: plain('Declare'),
    close: plain('Cancel'),
    private_metadata: JSON.stringify(options.channelId ? { channelId: options.channelId } : {}),
    blocks,
  };
}

const CHANNEL_ID = /^[CGD][A-Z0-9]+$/;
const declareMetadataSchema = z
  .object({ channelId: z.string().regex(CHANNEL_ID).optional().catch(undefined) })
  .catch({});

function declareValuesSchema(nowMs: number) {
  return z.object({
    title: textInput
      .refine((title) => title.length > 0, 'Give the incident a title.')
      .refine(
        (title) => [...title].length <= TITLE_MAX_LENGTH,
        `Keep the title to ${TITLE_MAX_LENGTH} characters or fewer.`,
      ),
    severity: selectInput.pipe(z.enum(SEVERITIES)),
    description: textInput
      .refine(
        (text) => text.length <= MAX_INPUT_LENGTH,
        `Keep it to ${MAX_INPUT_LENGTH} characters or fewer.`,
      )
      .optional(),
    detected_at: dateTimeInput
      .refine(
        (seconds) => seconds === undefined || seconds * 1000 <= nowMs,
        'That is in the future; pick when the incident started, or leave it empty for now.',
      )
      .optional(),
  });
}

const DECLARE_FALLBACKS = {
  title: 'Give the incident a title.',
  severity: 'Choose a severity.',
  description: 'The description could not be read; try again.',
  detected_at: 'Pick a date and time, or leave it empty.',
};

/** Reads a submitted declare modal; `errors` is what `ack({ response_action: 'errors' })` takes. */
export function parseDeclareSubmission(view: unknown, nowIso: string): Submission<DeclareSubmission> {
  const { values, metadata } = readView(view);
  const nowMs = Date.parse(nowIso);
  if (Number.isNaN(nowMs)) throw new RangeError(`nowIso is not a date-time: ${nowIso}`);
  const parsed = declareValuesSchema(nowMs).safeParse(values);
  if (!parsed.success) return { ok: false, errors: errorsByBlock(parsed.error, DECLARE_FALLBACKS) };
  const { title, severity, description, detected_at: detectedAt } = parsed.data;
  const { channelId } = declareMetadataSchema.parse(parseJson(metadata));
  return {
    ok: true,
    value: {
      title,
      severity,
      ...(description ? { description } : {}),
      ...(detectedAt === undefined ? {} : { detectedAt: new Date(detectedAt * 1000).toISOString() }),
      ...(channelId ? { channelId } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Resolve modal

export function resolveModal(incidentId: string): ModalView {
  const title = `Resolve ${incidentId}`;
  return {
    type: 'modal',
    callback_id: CALLBACKS.resolve,
    title: plain(title.length <= MAX_MODAL_TITLE ? title : 'Resolve incident'),
    submit: plain('Resolve'),
    close: plain('Cancel'),
    private_metadata: incidentId,
    blocks: [
      {
        type: 'section',
        block_id: 'intro',
        text: mrkdwn(
          `Resolving *${escapeText(incidentId)}* stops escalation and posts the postmortem to its channel.`,
        ),
      },
      {
        type: 'input',
        block_id: 'resolution',
        label: plain('How was it resolved?'),
        element: {
          type: 'plain_text_input',
          action_id: INPUT,
          multiline: true,
          max_length: MAX_INPUT_LENGTH,
          placeholder: plain('Rolled back the auth deploy; error rate back to baseline.'),
        },
      },
    ],
  };
}

const resolveValuesSchema = z.object({
  resolution: textInput
    .refine((text) => text.length > 0, 'Say how it was resolved; the postmortem quotes it.')
    .refine((text) => text.length <= MAX_INPUT_LENGTH, `Keep it to ${MAX_INPUT_LENGTH} characters or fewer.`),
});

export function parseResolveSubmission(view: unknown): Submission<ResolveSubmission> {
  const { values, metadata } = readView(view);
  // The form cannot repair a lost incident id, but Slack only shows errors next to input blocks.
  if (!INCIDENT_ID_PATTERN.test(metadata)) {
    return {
      ok: false,
      errors: { resolution: 'This form lost track of its incident; close it and use `/incident resolve`.' },
    };
  }
  const parsed = resolveValuesSchema.safeParse(values);
  if (!parsed.success) {
    return {
      ok: false,
      errors: errorsByBlock(parsed.error, {
        resolution: 'Say how it was resolved; the postmortem quotes it.',
      }),
    };
  }
  return { ok: true, value: { incidentId: metadata, resolution: parsed.data.resolution } };
}

// ---------------------------------------------------------------------------------------------------
// Add-to-timeline modal (message shortcut)

const timelineMetadataSchema = z.object({
  incidentId: z.string().regex(INCIDENT_ID_PATTERN),
  text: z.string(),
  author: z.string().min(1),
  messageTs: z.string().min(1),
  channelId: z.string().min(1),
});

/** The shortcut's modal. A message with no text (a file, an image) asks for the text instead. */
export function addToTimelineModal(input: TimelineMessage): ModalView {
  const { text: slackText, ...rest } = input;
  const decoded = decodeEntities(slackText).trim();
  const { metadata, text: kept } = fitMetadata(rest, decoded);
  const kindOptions = LOG_KINDS.map(kindOption);
  const initialKind = kindOptions[LOG_KINDS.indexOf(DEFAULT_LOG_KIND)];
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'intro',
      text: mrkdwn(`Add this message to the timeline of *${escapeText(input.incidentId)}*.`),
    },
  ];
  if (decoded) {
    // Slack's message text is already mrkdwn with its entities escaped; escaping it again would show
    // `&amp;lt;` where the message had `<`. Its broadcasts and labelled links are made inert.
    blocks.push({
      type: 'context',
      block_id: 'message',
      elements: [mrkdwn(clipMrkdwn(inertMrkdwn(slackText.trim()), MAX_TEXT))],
    });
    if (kept.length < decoded.length) {
      blocks.push({
        type: 'context',
        block_id: 'truncated',
        elements: [
          mrkdwn(`The message is long; the timeline keeps its first ${[...kept].length - 1} characters.`),
        ],
      });
    }
  }
  blocks.push({
    type: 'input',
    block_id: 'kind',
    label: plain('Kind'),
    hint: plain('Decides the postmortem section it appears in.'),
    element: {
      type: 'static_select',
      action_id: INPUT,
      options: kindOptions,
      ...(initialKind ? { initial_option: initialKind } : {}),
    },
  });
  if (!decoded) {
    blocks.push({
      type: 'input',
      block_id: 'text',
      label: plain('What should the timeline say?'),
      hint: plain('The message has no text of its own.'),
      element: { type: 'plain_text_input', action_id: INPUT, multiline: true, max_length: MAX_INPUT_LENGTH },
    });
  }
  return {
    type: 'modal',
    callback_id: CALLBACKS.addToTimeline,
    title: plain('Add to timeline'),
    submit: plain('Add'),
    close: plain('Cancel'),
    private_metadata: metadata,
    blocks,
  };
}

const timelineValuesSchema = z.object({
  kind: selectInput.pipe(z.enum(LOG_KINDS)),
  text: textInput
    .refine((text) => text.length <= MAX_INPUT_LENGTH, `Keep it to ${MAX_INPUT_LENGTH} characters or fewer.`)
    .optional(),
});

export function parseAddToTimelineSubmission(view: unknown): Submission<TimelineSubmission> {
  const { values, metadata: raw } = readView(view);
  const metadata = timelineMetadataSchema.safeParse(parseJson(raw));
  if (!metadata.success) {
    return {
      ok: false,
      errors: { kind: 'This form lost track of its message; close it and run the shortcut again.' },
    };
  }
  const parsed = timelineValuesSchema.safeParse(values);
  if (!parsed.success) {
    return {
      ok: false,
      errors: errorsByBlock(parsed.error, { kind: 'Choose a kind.', text: 'Say what happened.' }),
    };
  }
  const text = metadata.data.text.trim() || parsed.data.text || '';
  if (!text) return { ok: false, errors: { text: 'Say what happened.' } };
  // The timeline event gets the message's permalink from the capture job (chat.getPermalink).
  return { ok: true, value: { ...metadata.data, kind: parsed.data.kind, text } };
}

/**
 * The metadata JSON, with the text cut (on a code point, with `…`) so the whole stays within Slack's
 * 3000 characters. String length counts UTF-16 units, never fewer than the characters Slack counts.
 */
function fitMetadata(rest: Omit<TimelineMessage, 'text'>, text: string): { metadata: string; text: string } {
  const encode = (candidate: string) => JSON.stringify({ ...rest, text: candidate });
  if (encode(text).length <= MAX_METADATA) return { metadata: encode(text), text };
  if (encode('…').length > MAX_METADATA) {
    throw new RangeError('The message details alone exceed the 3000 characters of private_metadata.');
  }
  // Cut between graphemes, so no emoji or combining mark is split.
  const chars = graphemes(text);
  let low = 0;
  let high = chars.length;
  // The largest prefix that fits; the encoded length grows with the prefix, so bisection finds it.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (encode(`${chars.slice(0, mid).join('')}…`).length <= MAX_METADATA) low = mid;
    else high = mid - 1;
  }
  const kept = `${chars.slice(0, low).join('')}…`;
  return { metadata: encode(kept), text: kept };
}

// ---------------------------------------------------------------------------------------------------
// App Home

/**
 * The Home tab: open incidents, most severe first and, within a severity, the longest running first,
 * so the cut at HOME_MAX_INCIDENTS drops the least pressing.
 */
/**
 * App Home: the open incidents, most pressing first, and (when the viewer is in an on-call schedule)
 * their coming shifts.
 */
export function appHome(
  incidents: Incident[],
  ctx: FormatContext,
  shifts: readonly TeamShift[] = [],
  followUps: readonly FollowUp[] = [],
  trend?: HomeTrend,
): HomeView {
  const open = incidents
    .filter((incident) => incident.status !== 'resolved')
    .sort(
      (a, b) =>
        SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
        Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
        a.number - b.number,
    );
  const shown = open.slice(0, HOME_MAX_INCIDENTS);
  const count = open.length === 1 ? '1 open incident' : `${open.length} open incidents`;
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: 'header', text: plain('Incidents') },
    {
      type: 'context',
      block_id: 'count',
      elements: [mrkdwn(`${count} · updated ${formatDateTime(ctx.now, ctx.tz)}`)],
    },
  ];
  if (shown.length === 0) {
    blocks.push({
      type: 'section',
      block_id: 'empty',
      text: mrkdwn(
        escapeText(
          'No open incidents. Declare one with `/incident` (a form) or `/incident open [sev1..sev4] <title>`.',
        ),
      ),
    });
  }
  shown.forEach((incident, index) => {
    if (index > 0) blocks.push({ type: 'divider', block_id: `divider-${incident.id}` });
    blocks.push({
      type: 'section',
      block_id: `incident-${incident.id}`,
      text: mrkdwn(homeLine(incident, ctx)),
    });
  });
  if (open.length > shown.length) {
    blocks.push({
      type: 'context',
      block_id: 'more',
      elements: [
        mrkdwn(`…and ${open.length - shown.length} more. \`/incident list\` shows more, most severe first.`),
      ],
    });
  }
  if (shifts.length > 0) {
    const lines = shifts.map(
      (shift) =>
        `• *${escapeText(shift.team)}*: ${formatDateTime(shift.from, ctx.tz)} – ${formatDateTime(shift.to, ctx.tz)}`,
    );
    blocks.push({
      type: 'section',
      block_id: 'shifts',
      text: mrkdwn(
        clipMrkdwn(`*Your on-call shifts (next ${SHIFTS_AHEAD_DAYS} days)*\n${lines.join('\n')}`, MAX_TEXT),
      ),
    });
  }
  if (followUps.length > 0) {
    // The oldest open ones first: what has waited longest; `/incident followups` lists more.
    const open = followUps
      .filter((f) => f.ticketState !== 'closed')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, HOME_FOLLOW_UPS);
    const lines = open.map((f) => renderMessage(followUpLine(f, ctx.now)));
    blocks.push({
      type: 'section',
      block_id: 'followups',
      text: mrkdwn(
        clipMrkdwn([renderMessage(followUpHeading(followUps, ctx.now)), ...lines].join('\n'), MAX_TEXT),
      ),
    });
  }
  if (trend) blocks.push(trendBlock(trend));
  blocks.push({
    type: 'context',
    block_id: 'help',
    elements: [mrkdwn('`/incident help` for commands · `/incident` to declare an incident')],
  });
  return { type: 'home', blocks };
}

/** The trend across incidents App Home shows: the weeks, and the chart's file when one was uploaded. */
export interface HomeTrend {
  points: readonly WeekPoint[];
  /** The trend chart PNG the bot uploaded (chat.uploadImage); absent: the trend in words. */
  fileId?: string;
}

/** The chart as an image block, or, with no picture, the sentence its alt text would be. */
function trendBlock(trend: HomeTrend): KnownBlock {
  const summary = trendSummary(trend.points);
  if (trend.fileId) {
    return {
      type: 'image',
      block_id: 'trend',
      slack_file: { id: trend.fileId },
      alt_text: clip(summary, HOME_ALT_TEXT_MAX),
      title: plain('Incidents per week and time to resolve'),
    };
  }
  return { type: 'context', block_id: 'trend', elements: [mrkdwn(escapeText(`Trend: ${summary}`))] };
}

/** Slack's limit on an image's alt text (image block reference page). */
const HOME_ALT_TEXT_MAX = 2000;

/** Open follow-ups App Home lists (one section holds them). */
const HOME_FOLLOW_UPS = 8;

function homeLine(incident: Incident, ctx: FormatContext): string {
  const title = escapeText(clip(incident.title, HOME_TITLE_MAX));
  const acknowledged = incident.acknowledgedAt ? 'acknowledged' : '*not acknowledged*';
  const commander = incident.commander ? userMention(incident.commander) : '_no commander_';
  const channel = incident.channelId ? channelMention(incident.channelId) : '_no channel yet_';
  const lines = [
    `${SEVERITY_EMOJI[incident.severity]} *${escapeText(incident.id)}: ${title}*`,
    `*${incident.severity}* · ${incident.status} · ${acknowledged} · open ${formatDuration(incident.startedAt, ctx.now)}`,
    `Commander ${commander} · ${channel} · started ${formatDateTime(incident.startedAt, ctx.tz)}`,
  ];
  return clipMrkdwn(lines.join('\n'), MAX_TEXT);
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

function mrkdwn(text: string) {
  return { type: 'mrkdwn' as const, text };
}

function severityOption(severity: Severity): PlainTextOption {
  const { label, description } = SEVERITY_OPTIONS[severity];
  return {
    text: plain(`${SEVERITY_EMOJI[severity]} ${severity} · ${label}`),
    description: plain(description),
    value: severity,
  };
}

function kindOption(kind: LogKind): PlainTextOption {
  const { label, description } = LOG_KIND_OPTIONS[kind];
  return { text: plain(label), description: plain(description), value: kind };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Zod issues as Slack's inline errors, one per input block. Our own checks are refinements, whose
 * messages are written for responders; anything else (a shape Slack should never send) gets the
 * block's fallback.
 */
function errorsByBlock(error: z.ZodError, fallbacks: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const block = String(issue.path[0] ?? '');
    const fallback = fallbacks[block];
    if (fallback === undefined || block in errors) continue;
    errors[block] = issue.code === 'custom' ? issue.message : fallback;
  }
  // Slack drops errors for blocks the view does not have; an issue outside them still must refuse.
  if (Object.keys(errors).length === 0) {
    const [first, message] = Object.entries(fallbacks)[0] ?? ['', 'Invalid submission.'];
    errors[first] = message;
  }
  return errors;
}

/** The pinned summary with its buttons, which stay only while there is something to act on. */
/** At most this many problems are listed on the summary; the timeline has them all. */
const MAX_PROBLEMS = 5;

/**
 * The pinned summary; `problems` (what the bot could not do: a page that keeps failing, an upload
 * Slack refused) are shown on it, where responders look first.
 */
export function pinnedSummary(incident: Incident, ctx: FormatContext, problems: string[] = []): ChatMessage {
  const message = incidentSummary(incident, ctx);
  const blocks = [...(message.blocks ?? [])];
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS).map((problem) => `• ${escapeClip(problem, 500)}`);
    if (problems.length > MAX_PROBLEMS) shown.push(`• … and ${problems.length - MAX_PROBLEMS} more`);
    const heading = ':warning: *Not done by the bot:*\n';
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${heading}${joinLinesWithin(shown, MAX_TEXT - heading.length)}` }],
    });
  }
  if (incident.status !== 'resolved') {
    if (!incident.commander) blocks.push(leadPrompt(incident.id));
    blocks.push(summaryActions(incident.id));
  }
  return { ...message, blocks };
}

/**
 * The incident at a glance (issue 15): a timeline chart as SVG. A time axis from the start to the
 * resolution (or the last event of an open incident), the phases (detected → acknowledged →
 * identified → monitoring → resolved) and the severity as bands, every event as a mark in its kind's
 * row, and labels laid out in lanes so that no two overlap and none leaves the picture. Pure: the
 * same record and options give the same bytes. `png.ts` rasterizes it.
 *
 * Every piece of text is placed by `timelineChartLayout` with a box estimated from DejaVu Sans'
 * advance widths (`text-metrics.ts`); the SVG only draws the layout, so tests check the boxes.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { formatClock, formatDuration, formatShortDateTime, spansDays } from '../incidents/time';
import {
  type EventKind,
  type IncidentRecord,
  SEVERITIES,
  type Severity,
  type TimelineEvent,
} from '../incidents/types';
import {
  ASCENT_EM,
  chartTextSvg,
  DESCENT_EM,
  escapeXml,
  fitText,
  svgNumber as num,
  plainText,
  textWidth,
} from './text-metrics';

dayjs.extend(utc);
dayjs.extend(timezone);

export interface TimelineChartOptions {
  /** IANA zone the axis and labels are shown in. */
  tz: string;
  /** Width in px (default 1200, at least 480). */
  width?: number;
  /** Slack user id → display name, for subjects and mentions. */
  names?: Record<string, string>;
}

export const DEFAULT_WIDTH = 1200;
export const MIN_WIDTH = 480;
const MAX_WIDTH = 4000;

const MARGIN = 16;
const GUTTER = 96;
const TITLE_SIZE = 18;
const SMALL = 11;
const SUB_SIZE = 12;
const BAND_HEIGHT = 22;
const KIND_ROW = 18;
const LANE_HEIGHT = 17;
const MAX_LANES = 12;
const LABEL_MAX_WIDTH = 340;
const LABEL_GAP = 10;

/** A piece of text and the box it takes (top-left corner, estimated size): `x` is where it starts. */
export interface TextBox {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
  fontSize: number;
  fill: string;
  role: 'title' | 'subtitle' | 'legend' | 'row' | 'band' | 'tick' | 'label' | 'more';
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
}

export type Phase = 'detected' | 'acknowledged' | 'identified' | 'monitoring' | 'resolved';
export const PHASES: readonly Phase[] = ['detected', 'acknowledged', 'identified', 'monitoring', 'resolved'];

export interface Segment<T> {
  value: T;
  from: number;
  to: number;
}

/** The rows events are drawn in, each for a group of kinds. */
export type MarkRow = 'detection' | 'action' | 'misleading' | 'cause' | 'escalation' | 'resolution' | 'other';
const ROW_NAMES: Record<MarkRow, string> = {
  detection: 'Detection',
  action: 'Actions',
  misleading: 'Misleading',
  cause: 'Cause',
  escalation: 'Escalation',
  resolution: 'Resolution',
  other: 'Notes',
};
const ROW_OF: Record<EventKind, MarkRow> = {
  detection: 'detection',
  declared: 'detection',
  action: 'action',
  misleading: 'misleading',
  cause: 'cause',
  escalation: 'escalation',
  acknowledged: 'escalation',
  resolution: 'resolution',
  resolved: 'resolution',
  note: 'other',
  severity: 'other',
  status: 'other',
  commander: 'other',
  update: 'other',
};

export type MarkShape = 'circle' | 'ring' | 'square' | 'diamond' | 'triangle' | 'dot';
export interface Mark {
  x: number;
  y: number;
  shape: MarkShape;
  fill: string;
  eventId: string;
}

const PHASE_COLOURS: Record<Phase, string> = {
  detected: '#fca5a5',
  acknowledged: '#fdba74',
  identified: '#fde68a',
  monitoring: '#bfdbfe',
  resolved: '#86efac',
};
const SEVERITY_COLOURS: Record<Severity, string> = {
  sev1: '#b91c1c',
  sev2: '#ea580c',
  sev3: '#ca8a04',
  sev4: '#64748b',
};
const SEVERITY_TEXT: Record<Severity, string> = {
  sev1: '#ffffff',
  sev2: '#ffffff',
  sev3: '#ffffff',
  sev4: '#ffffff',
};

function markStyle(event: TimelineEvent): { shape: MarkShape; fill: string } {
  switch (event.kind) {
    case 'detection':
      return { shape: 'circle', fill: '#7c3aed' };
    case 'declared':
      return { shape: 'ring', fill: '#7c3aed' };
    case 'action':
      return { shape: 'square', fill: '#2563eb' };
    case 'misleading':
      return { shape: 'diamond', fill: '#ea580c' };
    case 'cause':
      return { shape: 'diamond', fill: '#0f766e' };
    case 'escalation':
      return event.page?.failed ? { shape: 'ring', fill: '#dc2626' } : { shape: 'triangle', fill: '#dc2626' };
    case 'acknowledged':
      return { shape: 'circle', fill: '#16a34a' };
    case 'resolution':
      return { shape: 'square', fill: '#16a34a' };
    case 'resolved':
      return { shape: 'circle', fill: '#15803d' };
    default:
      return { shape: 'dot', fill: '#6b7280' };
  }
}

/** A label to place: its mark's x and its text. */
export interface LabelItem {
  x: number;
  text: string;
}
export interface PlacedLabel {
  /** Index into the items. */
  index: number;
  lane: number;
  x: number;
  width: number;
  text: string;
}
/** `+N more`: labels that found no lane, counted where they are. */
export interface MoreCount {
  /** Where the text starts: at the first label it counts (moved left only to stay in the picture). */
  x: number;
  width: number;
  text: string;
  /** The labels it counts, by index into the items, in their order along the axis. */
  indices: number[];
}
export interface LabelLayout {
  placed: PlacedLabel[];
  /** How many lanes the placed labels take. */
  lanes: number;
  /**
   * The labels that found no room, as `+N more` counts in a row of their own under the lanes: each
   * hidden label in exactly one count, the count starting at the first label it stands for.
   */
  more: MoreCount[];
}

export interface LabelLayoutOptions {
  left: number;
  right: number;
  lanes: number;
  fontSize: number;
  maxWidth?: number;
  gap?: number;
}

/**
 * Greedy lanes: in time order, each label goes in the first lane free at its mark (shifted left
 * when it would run past the right edge, as far as the lane is free, and cut with an ellipsis to
 * what is left and to at most `maxWidth`). A label with no free lane is counted, not drawn: the
 * counts go in a row under the lanes, left to right, each `+N more` starting at the first hidden
 * label it counts and taking in the hidden labels whose marks its text (as wide as the widest count
 * could be) and a gap cover; so no count lies on a label or on another count, and none is far from
 * what it counts.
 */
export function layoutLabels(items: readonly LabelItem[], options: LabelLayoutOptions): LabelLayout {
  const { left, right, fontSize } = options;
  const gap = options.gap ?? LABEL_GAP;
  const { placed, hidden } = placeLabels(items, options);
  const lanes = Math.max(0, ...placed.map((p) => p.lane + 1));
  const more: MoreCount[] = [];
  if (hidden.length === 0) return { placed, lanes, more };
  const at = (index: number) => Math.max(left, Math.min((items[index] as LabelItem).x, right));
  const order = [...hidden].sort((a, b) => at(a) - at(b) || a - b);
  const widest = textWidth(`+${hidden.length} more`, fontSize);
  let group: { x: number; indices: number[] } | undefined;
  const close = () => {
    if (!group) return;
    const text = `+${group.indices.length} more`;
    more.push({ x: group.x, width: textWidth(text, fontSize), text, indices: group.indices });
  };
  for (const index of order) {
    const x = Math.max(left, Math.min(at(index), right - widest));
    if (group && x < group.x + widest + gap) group.indices.push(index);
    else {
      close();
      group = { x, indices: [index] };
    }
  }
  close();
  return { placed, lanes, more };
}

function placeLabels(
  items: readonly LabelItem[],
  options: LabelLayoutOptions,
): { placed: PlacedLabel[]; hidden: number[] } {
  const { left, right, lanes, fontSize } = options;
  const gap = options.gap ?? LABEL_GAP;
  const maxWidth = Math.min(options.maxWidth ?? LABEL_MAX_WIDTH, right - left);
  const ends = Array<number>(lanes).fill(Number.NEGATIVE_INFINITY);
  const hidden: number[] = [];
  const placed: PlacedLabel[] = [];
  const minWidth = textWidth('00:00 …', fontSize);
  items.forEach((item, index) => {
    const fitted = fitText(item.text, maxWidth, fontSize);
    const full = textWidth(fitted, fontSize);
    const markX = Math.max(left, Math.min(item.x, right));
    // Near the right edge a label moves left of its mark, as far as its lane is free; else it is cut.
    for (let lane = 0; lane < lanes; lane++) {
      const x = Math.max(ends[lane] as number, left, Math.min(markX, right - full));
      if (x > markX) continue;
      const text = x + full <= right ? fitted : fitText(item.text, Math.min(maxWidth, right - x), fontSize);
      const width = textWidth(text, fontSize);
      // A label cut to almost nothing is no label; a short one whole is.
      if (!text || (text !== fitted && width < minWidth)) continue;
      ends[lane] = x + width + gap;
      placed.push({ index, lane, x, width, text });
      return;
    }
    hidden.push(index);
  });
  return { placed, hidden };
}

export interface ChartLayout {
  width: number;
  height: number;
  texts: TextBox[];
  rects: Rect[];
  marks: Mark[];
  /** Lines: the axis, ticks, row rules, pages to their acknowledgement. */
  lines: Array<{ x1: number; y1: number; x2: number; y2: number; stroke: string; dash?: boolean }>;
  /** The severity as a step line through the severity band (sev1 at the top). */
  severityPath: string;
  /** The event labels' layout, as placed (x, lane) before being drawn. */
  labels: LabelLayout;
  start: number;
  end: number;
}

/** Severity changes recorded as `Severity changed from sev2 to sev1`. */
const SEVERITY_CHANGE = /\bfrom (sev[1-4]) to (sev[1-4])\b/;
/** Status changes recorded as `Status changed from investigating to identified`. */
const STATUS_CHANGE = /\bto (investigating|identified|monitoring)\b/;

function sortedEvents(events: readonly TimelineEvent[]): Array<{ event: TimelineEvent; at: number }> {
  const keyed = events
    .map((event) => ({ event, at: Date.parse(event.at), recorded: Date.parse(event.recordedAt) }))
    .filter((e) => Number.isFinite(e.at));
  keyed.sort(
    (a, b) =>
      a.at - b.at ||
      (a.recorded || 0) - (b.recorded || 0) ||
      (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0),
  );
  return keyed.map(({ event, at }) => ({ event, at }));
}

/** When the chart starts and ends: the start, and the resolution or (open) the last event. */
export function chartSpan(record: IncidentRecord): { start: number; end: number } {
  const start = Date.parse(record.incident.startedAt);
  const resolved = record.incident.resolvedAt ? Date.parse(record.incident.resolvedAt) : Number.NaN;
  let end = resolved;
  if (!Number.isFinite(end)) {
    end = start;
    for (const event of record.events) {
      const at = Date.parse(event.at);
      if (Number.isFinite(at) && at > end) end = at;
    }
  }
  return { start, end: Math.max(end, start + 60_000) };
}

/** The phases over time, from the acknowledgement, the status changes and the resolution. */
export function phaseSegments(record: IncidentRecord, start: number, end: number): Segment<Phase>[] {
  const { incident } = record;
  const events = sortedEvents(record.events);
  const ackEvent = events.find((e) => e.event.kind === 'acknowledged');
  const ackAt = incident.acknowledgedAt ? Date.parse(incident.acknowledgedAt) : ackEvent?.at;
  const resolvedAt = incident.resolvedAt ? Date.parse(incident.resolvedAt) : undefined;
  const changes: Array<{ at: number; status?: string; ack?: true; resolved?: true }> = [];
  if (ackAt !== undefined && Number.isFinite(ackAt)) changes.push({ at: ackAt, ack: true });
  for (const { event, at } of events) {
    const status = event.kind === 'status' ? STATUS_CHANGE.exec(event.text)?.[1] : undefined;
    if (status) changes.push({ at, status });
  }
  if (resolvedAt !== undefined && Number.isFinite(resolvedAt))
    changes.push({ at: resolvedAt, resolved: true });
  changes.sort((a, b) => a.at - b.at);

  let status = 'investigating';
  let acked = false;
  let resolved = false;
  const phaseNow = (): Phase =>
    resolved
      ? 'resolved'
      : status === 'identified' || status === 'monitoring'
        ? status
        : acked
          ? 'acknowledged'
          : 'detected';
  const initial = phaseNow();
  const steps = changes.map((change) => {
    if (change.ack) acked = true;
    if (change.status) status = change.status;
    if (change.resolved) resolved = true;
    return { at: change.at, value: phaseNow() };
  });
  return stepSegments(initial, steps, start, end);
}

/** The severity over time: the first change's `from` (or the current severity), then each change. */
export function severitySegments(record: IncidentRecord, start: number, end: number): Segment<Severity>[] {
  const changes = sortedEvents(record.events)
    .filter((e) => e.event.kind === 'severity')
    .map((e) => ({ at: e.at, match: SEVERITY_CHANGE.exec(e.event.text) }))
    .filter((c): c is { at: number; match: RegExpExecArray } => c.match !== null);
  const initial = (changes[0]?.match[1] as Severity | undefined) ?? record.incident.severity;
  const steps = changes.map((change) => ({ at: change.at, value: change.match[2] as Severity }));
  return stepSegments(initial, steps, start, end);
}

/**
 * A value that holds from `start` and changes at each step (in time order), as segments clipped to
 * [start, end]: a step to the value already held is no change.
 */
function stepSegments<T>(
  initial: T,
  steps: readonly { at: number; value: T }[],
  start: number,
  end: number,
): Segment<T>[] {
  const segments: Segment<T>[] = [];
  let from = start;
  let current = initial;
  for (const step of steps) {
    if (step.value === current) continue;
    const at = Math.min(Math.max(step.at, start), end);
    if (at > from) segments.push({ value: current, from, to: at });
    from = Math.max(from, at);
    current = step.value;
  }
  if (end > from) segments.push({ value: current, from, to: end });
  return segments;
}

const MINUTE = 60_000;
const TICK_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 43200];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A zone's offset changes only on a quarter hour of UTC: looked up once per quarter hour and zone. */
const offsets = new Map<string, number>();
function offsetMs(epochMs: number, tz: string): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  const key = `${tz}|${Math.floor(epochMs / (15 * MINUTE))}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = dayjs(epochMs).tz(tz).utcOffset() * MINUTE;
    if (offsets.size >= 10_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

export interface Tick {
  at: number;
  time?: string;
  date?: string;
}

/** Axis ticks on round wall-clock times in `tz`, as many as fit with their labels; dates when the span crosses days. */
export function axisTicks(start: number, end: number, tz: string, plotWidth: number): Tick[] {
  const withDates = spansDays(new Date(start).toISOString(), new Date(end).toISOString(), tz);
  const timeW = textWidth('00:00', SMALL);
  const dateW = Math.max(...MONTHS.map((m) => textWidth(`${m} 30`, SMALL)));
  const pxPerMs = plotWidth / (end - start);
  const fits = (minutes: number) => {
    const labelW = minutes >= 1440 ? dateW : withDates ? Math.max(timeW, dateW) : timeW;
    return minutes * MINUTE * pxPerMs >= labelW + 14;
  };
  const stepMin = TICK_STEPS_MIN.find(fits) ?? (TICK_STEPS_MIN[TICK_STEPS_MIN.length - 1] as number);
  const step = stepMin * MINUTE;
  const ticks: Tick[] = [];
  const localStart = start + offsetMs(start, tz);
  let lastDay = '';
  for (let local = Math.ceil(localStart / step) * step; ticks.length < 500; local += step) {
    const at = local - offsetMs(local - offsetMs(local, tz), tz);
    if (at > end) break;
    if (at < start) continue;
    const wall = new Date(at + offsetMs(at, tz));
    const day = `${MONTHS[wall.getUTCMonth()]} ${wall.getUTCDate()}`;
    if (stepMin >= 1440) ticks.push({ at, date: day });
    else
      ticks.push({
        at,
        time: formatClock(new Date(at).toISOString(), tz),
        ...(withDates && day !== lastDay ? { date: day } : {}),
      });
    lastDay = day;
  }
  return ticks;
}

/** Slack mentions as names, and the text fit for XML on one line. */
function readable(text: string, names: Record<string, string>): string {
  return plainText(
    text
      .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) =>
        names[id] ? `@${names[id]}` : label ? `@${label}` : `@${id}`,
      )
      .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2'),
  );
}

function who(userId: string, names: Record<string, string>): string {
  if (userId === 'bot') return 'incident-bot';
  return `@${names[userId] ?? userId}`;
}

function labelText(
  event: TimelineEvent,
  at: number,
  withDates: boolean,
  tz: string,
  names: Record<string, string>,
): string {
  const iso = new Date(at).toISOString();
  const time = withDates ? formatShortDateTime(iso, tz) : formatClock(iso, tz);
  const said = readable(event.text, names);
  const text = event.subject ? `${who(event.subject, names)} ${said}` : said;
  const team =
    event.kind === 'escalation' && event.team
      ? ` (paged ${readable(event.team, names)}${event.page?.failed ? ', failed' : ''})`
      : '';
  return plainText(`${time} ${text}${team}`);
}

function box(
  text: string,
  x: number,
  baseline: number,
  fontSize: number,
  fill: string,
  role: TextBox['role'],
): TextBox {
  return {
    text,
    x,
    y: baseline - ASCENT_EM * fontSize,
    width: textWidth(text, fontSize),
    height: (ASCENT_EM + DESCENT_EM) * fontSize,
    fontSize,
    fill,
    role,
  };
}

/** Where everything goes. Exported so tests check the boxes the SVG is drawn from. */
export function timelineChartLayout(record: IncidentRecord, options: TimelineChartOptions): ChartLayout {
  const { incident } = record;
  const names = options.names ?? {};
  const tz = options.tz;
  const width = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, options.width ?? DEFAULT_WIDTH)));
  const { start, end } = chartSpan(record);
  const plotLeft = MARGIN + GUTTER;
  const plotRight = width - MARGIN;
  const plotWidth = plotRight - plotLeft;
  const xOf = (at: number) =>
    plotLeft + ((Math.min(Math.max(at, start), end) - start) / (end - start)) * plotWidth;
  const innerWidth = width - 2 * MARGIN;
  const texts: TextBox[] = [];
  const rects: Rect[] = [{ x: 0, y: 0, width, height: 0, fill: '#ffffff' }];
  const lines: ChartLayout['lines'] = [];
  const marks: Mark[] = [];
  const startIso = new Date(start).toISOString();
  const endIso = new Date(end).toISOString();
  const withDates = spansDays(startIso, endIso, tz);

  // Title and subtitle.
  let y = MARGIN;
  const title = fitText(readable(`${incident.id} · ${incident.title}`, names), innerWidth, TITLE_SIZE);
  texts.push(box(title, MARGIN, y + ASCENT_EM * TITLE_SIZE, TITLE_SIZE, '#111827', 'title'));
  y += (ASCENT_EM + DESCENT_EM) * TITLE_SIZE + 6;
  const span = `${formatShortDateTime(startIso, tz)} – ${withDates ? formatShortDateTime(endIso, tz) : formatClock(endIso, tz)} ${tz}`;
  const state = incident.resolvedAt
    ? formatDuration(startIso, endIso)
    : `ongoing, ${formatDuration(startIso, endIso)} so far`;
  const subtitle = fitText(
    `${incident.severity} · ${incident.status} · ${span} (${state}) · ${record.events.length} events`,
    innerWidth,
    SUB_SIZE,
  );
  texts.push(box(subtitle, MARGIN, y + ASCENT_EM * SUB_SIZE, SUB_SIZE, '#374151', 'subtitle'));
  y += (ASCENT_EM + DESCENT_EM) * SUB_SIZE + 10;

  // Legend: phase and severity swatches, flowed onto as many lines as the width needs.
  const legend: Array<{ name: string; fill: string }> = [
    ...PHASES.map((phase) => ({ name: phase, fill: PHASE_COLOURS[phase] })),
    ...SEVERITIES.map((sev) => ({ name: sev, fill: SEVERITY_COLOURS[sev] })),
  ];
  const lineHeight = (ASCENT_EM + DESCENT_EM) * SMALL + 4;
  let lx = MARGIN;
  for (const item of legend) {
    const w = 14 + textWidth(item.name, SMALL);
    if (lx + w > width - MARGIN) {
      lx = MARGIN;
      y += lineHeight;
    }
    rects.push({ x: lx, y: y + 2, width: 10, height: 10, fill: item.fill });
    texts.push(box(item.name, lx + 14, y + ASCENT_EM * SMALL, SMALL, '#374151', 'legend'));
    lx += w + 14;
  }
  y += lineHeight + 8;

  const rowName = (name: string, top: number, height: number) => {
    const text = fitText(name, GUTTER - 8, SMALL);
    const baseline = top + height / 2 + ((ASCENT_EM - DESCENT_EM) * SMALL) / 2;
    texts.push(box(text, MARGIN, baseline, SMALL, '#374151', 'row'));
  };
  const band = <T extends string>(segments: Segment<T>[], fill: (v: T) => string, ink: (v: T) => string) => {
    for (const segment of segments) {
      const x1 = xOf(segment.from);
      const x2 = xOf(segment.to);
      rects.push({ x: x1, y, width: Math.max(x2 - x1, 0.5), height: BAND_HEIGHT, fill: fill(segment.value) });
      const text = fitText(segment.value, x2 - x1 - 8, SMALL);
      if (!text) continue;
      const baseline = y + BAND_HEIGHT / 2 + ((ASCENT_EM - DESCENT_EM) * SMALL) / 2;
      texts.push(box(text, x1 + 4, baseline, SMALL, ink(segment.value), 'band'));
    }
  };

  // Phases.
  rowName('Phase', y, BAND_HEIGHT);
  band(
    phaseSegments(record, start, end),
    (p) => PHASE_COLOURS[p],
    () => '#1f2937',
  );
  y += BAND_HEIGHT + 6;

  // Severity: a band, with a step line across it (sev1 at the top).
  rowName('Severity', y, BAND_HEIGHT);
  const severities = severitySegments(record, start, end);
  band(
    severities,
    (s) => SEVERITY_COLOURS[s],
    (s) => SEVERITY_TEXT[s],
  );
  const levelY = (s: Severity) =>
    y + 3 + (SEVERITIES.indexOf(s) * (BAND_HEIGHT - 6)) / (SEVERITIES.length - 1);
  const path: string[] = [];
  for (const [i, segment] of severities.entries()) {
    const x1 = num(xOf(segment.from));
    const x2 = num(xOf(segment.to));
    const ly = num(levelY(segment.value));
    path.push(i === 0 ? `M${x1} ${ly}` : `V${ly}`, `H${x2}`);
  }
  const severityPath = path.join(' ');
  y += BAND_HEIGHT + 8;

  // Marks, one row per kind group that has events.
  const events = sortedEvents(record.events);
  const rowsUsed = (Object.keys(ROW_NAMES) as MarkRow[]).filter((row) =>
    events.some((e) => ROW_OF[e.event.kind] === row),
  );
  const rowTop = new Map<MarkRow, number>();
  for (const row of rowsUsed) {
    rowTop.set(row, y);
    rowName(ROW_NAMES[row], y, KIND_ROW);
    lines.push({
      x1: plotLeft,
      y1: y + KIND_ROW / 2,
      x2: plotRight,
      y2: y + KIND_ROW / 2,
      stroke: '#e5e7eb',
    });
    y += KIND_ROW;
  }
  const ackAt = incident.acknowledgedAt ? Date.parse(incident.acknowledgedAt) : undefined;
  const escalationTop = rowTop.get('escalation');
  for (const { event, at } of events) {
    const top = rowTop.get(ROW_OF[event.kind]) as number;
    const style = markStyle(event);
    const x = xOf(at);
    marks.push({ x, y: top + KIND_ROW / 2, ...style, eventId: event.id });
    // A page that was answered: a line from the page to the acknowledgement.
    if (
      escalationTop !== undefined &&
      event.kind === 'escalation' &&
      event.team &&
      !event.page?.failed &&
      ackAt !== undefined &&
      ackAt >= at
    )
      lines.push({
        x1: x,
        y1: escalationTop + KIND_ROW / 2,
        x2: xOf(ackAt),
        y2: escalationTop + KIND_ROW / 2,
        stroke: '#16a34a',
        dash: true,
      });
  }
  y += 4;

  // The axis.
  lines.push({ x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: '#6b7280' });
  const ticks = axisTicks(start, end, tz, plotWidth);
  let tickEnd = Number.NEGATIVE_INFINITY;
  const tickLines = ticks.some((t) => t.date && t.time) ? 2 : 1;
  for (const tick of ticks) {
    const x = xOf(tick.at);
    lines.push({ x1: x, y1: y, x2: x, y2: y + 4, stroke: '#6b7280' });
    const parts = [tick.time, tick.date].filter((p): p is string => !!p);
    const w = Math.max(...parts.map((p) => textWidth(p, SMALL)));
    const left = Math.max(MARGIN, Math.min(x - w / 2, width - MARGIN - w));
    if (left < tickEnd) continue;
    tickEnd = left + w + 6;
    parts.forEach((part, i) => {
      texts.push(box(part, left, y + 6 + ASCENT_EM * SMALL + i * lineHeight, SMALL, '#374151', 'tick'));
    });
  }
  y += 6 + tickLines * lineHeight + 8;

  // Labels in lanes under the axis.
  const items = events.map(({ event, at }) => ({
    x: xOf(at) - 4,
    text: labelText(event, at, withDates, tz, names),
  }));
  const labels = layoutLabels(items, {
    left: MARGIN,
    right: width - MARGIN,
    lanes: MAX_LANES,
    fontSize: SMALL,
  });
  // The counts of labels that found no room, in a row under the lanes.
  const lanesUsed = labels.lanes + (labels.more.length > 0 ? 1 : 0);
  const laneBaseline = (lane: number) =>
    y + lane * LANE_HEIGHT + LANE_HEIGHT / 2 + ((ASCENT_EM - DESCENT_EM) * SMALL) / 2;
  for (const label of labels.placed) {
    const { event } = events[label.index] as { event: TimelineEvent };
    texts.push(
      box(
        label.text,
        label.x,
        laneBaseline(label.lane),
        SMALL,
        markStyle(event).fill === '#6b7280' ? '#4b5563' : '#111827',
        'label',
      ),
    );
  }
  for (const count of labels.more)
    texts.push(box(count.text, count.x, laneBaseline(labels.lanes), SMALL, '#6b7280', 'more'));
  y += lanesUsed * LANE_HEIGHT + MARGIN;

  const height = Math.ceil(y);
  (rects[0] as Rect).height = height;
  return { width, height, texts, rects, marks, lines, severityPath, labels, start, end };
}

const MARK_RADIUS: Partial<Record<MarkShape, number>> = { circle: 5, ring: 4.5, dot: 3.5 };

/** A mark as a closed subpath, so every mark of one shape and colour is one `<path>`. */
function markPath(mark: Mark): string {
  const { x, y } = mark;
  switch (mark.shape) {
    case 'square':
      return `M${num(x - 4.5)} ${num(y - 4.5)}h9v9h-9z`;
    case 'diamond':
      return `M${num(x)} ${num(y - 6)}l6 6l-6 6l-6 -6z`;
    case 'triangle':
      return `M${num(x)} ${num(y - 6)}l6 11h-12z`;
    default: {
      const r = MARK_RADIUS[mark.shape] as number;
      return `M${num(x - r)} ${num(y)}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0z`;
    }
  }
}

function marksSvg(marks: readonly Mark[]): string[] {
  const groups = new Map<string, { mark: Mark; d: string[] }>();
  for (const mark of marks) {
    const key = `${mark.shape}|${mark.fill}`;
    const group = groups.get(key) ?? { mark, d: [] };
    group.d.push(markPath(mark));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ mark, d }) =>
    mark.shape === 'ring'
      ? `<path d="${d.join('')}" fill="#ffffff" stroke="${mark.fill}" stroke-width="2"/>`
      : `<path d="${d.join('')}" fill="${mark.fill}"/>`,
  );
}

/** The chart as an SVG document (UTF-8 text), `width` by its computed height. */
export function timelineChartSvg(record: IncidentRecord, options: TimelineChartOptions): string {
  const layout = timelineChartLayout(record, options);
  return renderLayout(layout, `${record.incident.id} timeline`);
}

export function renderLayout(layout: ChartLayout, title: string): string {
  const { width, height } = layout;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(plainText(title))}</title>`,
  ];
  for (const r of layout.rects)
    out.push(
      `<rect x="${num(r.x)}" y="${num(r.y)}" width="${num(r.width)}" height="${num(r.height)}" fill="${r.fill}"/>`,
    );
  if (layout.severityPath)
    out.push(
      `<path d="${layout.severityPath}" fill="none" stroke="#111827" stroke-width="1.5" stroke-opacity="0.6"/>`,
    );
  for (const l of layout.lines)
    out.push(
      `<line x1="${num(l.x1)}" y1="${num(l.y1)}" x2="${num(l.x2)}" y2="${num(l.y2)}" stroke="${l.stroke}"${l.dash ? ' stroke-dasharray="3 2" stroke-width="1.5"' : ''}/>`,
    );
  out.push(...marksSvg(layout.marks));
  for (const t of layout.texts) out.push(chartTextSvg(t.x, t.y, t.fontSize, t.fill, t.text));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

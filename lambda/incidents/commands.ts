/**
 * The `/incident` grammar: turns the text Slack sends with the slash command into an `Intent`, or into
 * an error that says what was wrong and shows the right usage. It is total (never throws, whatever the
 * text) because its input is typed by people in a hurry, and pure, so the Slack layer can reply before
 * anything is written.
 *
 * Everything it returns is plain text: errors quote tokens with Slack's `&amp;`/`&lt;`/`&gt;` decoded and
 * the usage lines contain a literal `<`, so the Slack layer escapes `&`, `<` and `>` before sending.
 */
import { z } from 'zod';
import type { Intent, ParseResult } from './intents';
import type { TimeInput } from './time';
import {
  DEFAULT_LOG_KIND,
  DEFAULT_SEVERITY,
  type FollowUpType,
  LOG_KINDS,
  type LogKind,
  OPEN_STATUSES,
  SEVERITIES,
  type Severity,
} from './types';

export const TITLE_MAX_LENGTH = 200;

export interface ParseOptions {
  /** Team names of the escalation policy; `escalate <team>` matches them case-insensitively. */
  teams?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary

const severitySchema = z.enum(SEVERITIES);
const openStatusSchema = z.enum(OPEN_STATUSES);
const logKindSchema = z.enum(LOG_KINDS);
const incidentRefSchema = z.string().regex(/^INC-[1-9]\d*$/);
const userIdSchema = z.string().regex(/^[UW][A-Z0-9]+$/);

// `<@U123ABC>` or `<@U123ABC|name>`; the name may hold spaces, so this is matched on whole strings.
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
const mentionSchema = z
  .string()
  .transform((text, ctx) => {
    const id = MENTION.exec(text)?.[1];
    if (id === undefined) {
      ctx.addIssue({ code: 'custom', message: 'not a Slack user mention' });
      return z.NEVER;
    }
    return id;
  })
  .pipe(userIdSchema);

const clockInputSchema = z.strictObject({
  type: z.literal('clock'),
  hour: z.number().int().min(0).max(23),
  minute: z.number().int().min(0).max(59),
});
const instantInputSchema = z.strictObject({ type: z.literal('instant'), iso: z.iso.datetime() });
const timeInputSchema = z.discriminatedUnion('type', [clockInputSchema, instantInputSchema]);

const CLOCK = /^(\d{1,2}):(\d{2})$/;
const clockTokenSchema = z
  .string()
  .regex(CLOCK)
  .transform((token) => {
    const [hour, minute] = token.split(':').map(Number);
    return { type: 'clock' as const, hour, minute };
  })
  .pipe(clockInputSchema);

const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const isoTokenSchema = z
  .string()
  .transform((token, ctx) => {
    const iso = isoInstant(token);
    if (iso === undefined) {
      ctx.addIssue({ code: 'custom', message: 'not a possible ISO-8601 date-time with a zone' });
      return z.NEVER;
    }
    return { type: 'instant' as const, iso };
  })
  .pipe(instantInputSchema);

// Tokens that can only have been meant as a time: a bad one is an error, not the start of the text.
const CLOCK_SHAPE = /^\d{1,2}:\d{2}(?::\d{2})?$/;
const ISO_SHAPE = /^\d{4}-\d{1,2}-\d{1,2}(?:T\S*)?$/i;
const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/i;
const SEVERITY_SHAPE = /^sev\d+$/i;
const INCIDENT_REF_SHAPE = /^inc-(\d+)$/i;
// A lone `word:` as the first word of a log entry can only have been meant as a kind.
const KIND_SHAPE = /^(\p{L}+):$/u;
const GLUED_KIND = /^(\p{L}+):(.+)$/su;

// ---------------------------------------------------------------------------------------------------
// Intents, as the service may rely on them

const refField = incidentRefSchema.optional();
const timeField = timeInputSchema.optional();
const textSchema = z.string().min(1);
const titleSchema = textSchema.refine((title) => charCount(title) <= TITLE_MAX_LENGTH);

/** The shape of every intent `parseCommand` returns; jobs that carry intents can validate them with it. */
export const intentSchema = z.discriminatedUnion('verb', [
  z.strictObject({ verb: z.literal('declare-modal') }),
  z.strictObject({ verb: z.literal('help') }),
  z.strictObject({ verb: z.literal('list') }),
  z.strictObject({ verb: z.literal('open'), time: timeField, severity: severitySchema, title: titleSchema }),
  z.strictObject({
    verb: z.literal('log'),
    ref: refField,
    time: timeField,
    kind: logKindSchema,
    text: textSchema,
  }),
  z.strictObject({ verb: z.literal('impact'), ref: refField, text: textSchema }),
  z.strictObject({ verb: z.literal('cause'), ref: refField, text: textSchema }),
  z.strictObject({ verb: z.literal('severity'), ref: refField, time: timeField, severity: severitySchema }),
  z.strictObject({ verb: z.literal('status'), ref: refField, time: timeField, status: openStatusSchema }),
  z.strictObject({
    verb: z.literal('commander'),
    ref: refField,
    time: timeField,
    user: userIdSchema,
    ifVacant: z.boolean().optional(),
  }),
  z.strictObject({ verb: z.literal('ack'), ref: refField, time: timeField }),
  z.strictObject({
    verb: z.literal('escalate'),
    ref: refField,
    time: timeField,
    team: textSchema.optional(),
    reason: textSchema.optional(),
  }),
  z.strictObject({
    verb: z.literal('follow-up'),
    type: z.enum(['fix', 'task']),
    ref: refField,
    text: textSchema,
    owner: userIdSchema.optional(),
  }),
  z.strictObject({
    verb: z.literal('resolve'),
    ref: refField,
    time: timeField,
    resolution: textSchema.optional(),
  }),
  z.strictObject({ verb: z.literal('postmortem'), ref: refField }),
]) satisfies z.ZodType<Intent>;

// ---------------------------------------------------------------------------------------------------
// Usage

const TIME_HINT = '<time>: HH:MM (24 h) or ISO-8601 with a zone, e.g. 2024-02-18T15:30Z';

interface VerbDoc {
  syntax: string;
  summary: string;
  hints?: readonly string[];
}

const VERB_DOCS: ReadonlyMap<string, VerbDoc> = new Map<string, VerbDoc>([
  ['declare-modal', { syntax: '/incident', summary: 'declare an incident with a form' }],
  ['help', { syntax: '/incident help', summary: 'this reference' }],
  [
    'open',
    {
      syntax: '/incident open [<time>] [sev1..sev4] <title>',
      summary: `declare an incident (default ${DEFAULT_SEVERITY}, title up to ${TITLE_MAX_LENGTH} characters)`,
      hints: [TIME_HINT],
    },
  ],
  ['list', { syntax: '/incident list', summary: 'the open incidents' }],
  [
    'log',
    {
      syntax: '/incident log [INC-n] [<time>] [<kind>:] <text>',
      summary: 'add a timeline event',
      hints: [`kinds: ${LOG_KINDS.join(', ')} (default ${DEFAULT_LOG_KIND})`, TIME_HINT],
    },
  ],
  ['impact', { syntax: '/incident impact [INC-n] <text>', summary: 'set the impact statement' }],
  ['cause', { syntax: '/incident cause [INC-n] <text>', summary: 'set the root-cause summary' }],
  [
    'severity',
    {
      syntax: '/incident severity [INC-n] [<time>] sev1..sev4',
      summary: 'change the severity',
      hints: [TIME_HINT],
    },
  ],
  [
    'status',
    {
      syntax: `/incident status [INC-n] [<time>] ${OPEN_STATUSES.join('|')}`,
      summary: 'change the status (resolve with /incident resolve)',
      hints: [TIME_HINT],
    },
  ],
  [
    'commander',
    {
      syntax: '/incident commander [INC-n] [<time>] <@user>',
      summary: 'assign the commander',
      hints: [TIME_HINT],
    },
  ],
  [
    'ack',
    {
      syntax: '/incident ack [INC-n] [<time>]',
      summary: 'acknowledge the page and stop automatic escalation',
      hints: [TIME_HINT],
    },
  ],
  [
    'escalate',
    {
      syntax: '/incident escalate [INC-n] [<time>] [<team>] [<reason>]',
      summary: 'page a team (default: the next tier) and log why',
      hints: [TIME_HINT],
    },
  ],
  [
    'fix',
    {
      syntax: '/incident fix [INC-n] <text> [<@owner>]',
      summary: 'add a follow-up under Improvements/Fixes',
    },
  ],
  ['task', { syntax: '/incident task [INC-n] <text> [<@owner>]', summary: 'add a follow-up under Tasks' }],
  [
    'resolve',
    {
      syntax: '/incident resolve [INC-n] [<time>] [<resolution>]',
      summary: 'resolve the incident and compile its postmortem',
      hints: [TIME_HINT],
    },
  ],
  ['postmortem', { syntax: '/incident postmortem [INC-n]', summary: 'show the postmortem draft' }],
]);

export const HELP_TEXT: string = [
  "*/incident* commands. In an incident's channel they act on that incident; elsewhere put its id (INC-7) after the verb.",
  ...[...VERB_DOCS.values()].map((doc) => `\`${doc.syntax}\` — ${doc.summary}`),
  `${TIME_HINT}; without it, now.`,
].join('\n');

/**
 * The usage line of one verb, as shown under an error. Takes the verb as typed (`fix`, `task`) or as an
 * intent names it (`follow-up`, `declare-modal`); anything else gets the whole reference.
 */
export function usageFor(verb: string): string {
  const key = verb.trim().toLowerCase();
  if (key === 'follow-up') return [usageFor('fix'), usageFor('task')].join('\n');
  const doc = VERB_DOCS.get(key);
  if (!doc) return HELP_TEXT;
  return [`\`${doc.syntax}\``, ...(doc.hints ?? [])].join('  ');
}

// ---------------------------------------------------------------------------------------------------
// Parsing

/** A reason to refuse the command; only `parseCommand` catches it and turns it into an error result. */
class Refusal extends Error {}

/** The words after the verb, taken one at a time; the rest stays as typed for free text. */
class Words {
  constructor(private rest: string) {}

  peek(): string | undefined {
    return /^\s*(\S+)/.exec(this.rest)?.[1];
  }

  take(): string | undefined {
    const match = /^\s*(\S+)/.exec(this.rest);
    if (!match) return undefined;
    this.rest = this.rest.slice(match[0].length);
    return match[1];
  }

  /** Everything not taken yet, untrimmed. */
  raw(): string {
    return this.rest;
  }

  remainder(): string {
    return this.rest.trim();
  }
}

type VerbParser = (words: Words, options: ParseOptions) => Intent;

const PARSERS: ReadonlyMap<string, VerbParser> = new Map<string, VerbParser>([
  ['help', () => ({ verb: 'help' })],
  [
    'list',
    (words) => {
      refuseExtra(words, 'list takes nothing after it');
      return { verb: 'list' };
    },
  ],
  ['open', parseOpen],
  ['log', parseLog],
  ['impact', (words) => parseStatement(words, 'impact', 'Missing the impact statement.')],
  ['cause', (words) => parseStatement(words, 'cause', 'Missing the root-cause summary.')],
  ['severity', parseSeverity],
  ['status', parseStatus],
  ['commander', parseCommander],
  ['ack', parseAck],
  ['escalate', parseEscalate],
  ['fix', (words) => parseFollowUp(words, 'fix')],
  ['task', (words) => parseFollowUp(words, 'task')],
  ['resolve', parseResolve],
  ['postmortem', parsePostmortem],
]);

/** Parses the text of a `/incident` command (everything after `/incident`). Never throws. */
export function parseCommand(text: string, options: ParseOptions = {}): ParseResult {
  // Slack omits `text` for a bare `/incident`; a caller passing that through should still get the modal.
  const words = new Words(typeof text === 'string' ? text : '');
  const typed = words.take();
  if (typed === undefined) return { ok: true, intent: { verb: 'declare-modal' } };
  const verb = typed.toLowerCase();
  const parser = PARSERS.get(verb);
  if (!parser) return { ok: false, error: `Unknown command ${quote(typed)}.`, usage: HELP_TEXT };
  try {
    const checked = intentSchema.safeParse(parser(words, options));
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const where = issue?.path.join('.') || 'command';
      return {
        ok: false,
        error: `The ${where} could not be read: ${issue?.message ?? 'invalid'}.`,
        usage: usageFor(verb),
      };
    }
    return { ok: true, intent: checked.data };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.message, usage: usageFor(verb) };
    throw error;
  }
}

function parseOpen(words: Words): Intent {
  const time = readTime(words);
  const first = words.peek();
  let severity: Severity = DEFAULT_SEVERITY;
  if (first !== undefined && SEVERITY_SHAPE.test(first)) {
    words.take();
    severity = toSeverity(first);
  }
  const title = freeText(words.remainder());
  if (!title) throw new Refusal('Missing the incident title.');
  const length = charCount(title);
  if (length > TITLE_MAX_LENGTH) {
    throw new Refusal(`The title is ${length} characters long; keep it to ${TITLE_MAX_LENGTH} or fewer.`);
  }
  return defined({ verb: 'open', time, severity, title });
}

function parseLog(words: Words): Intent {
  const ref = readRef(words);
  const time = readTime(words);
  let kind: LogKind = DEFAULT_LOG_KIND;
  let rawText = words.raw();
  const first = words.peek();
  const lone = first === undefined ? null : KIND_SHAPE.exec(first);
  const glued = first === undefined ? null : GLUED_KIND.exec(first);
  if (lone?.[1] !== undefined) {
    kind = toLogKind(lone[1], first ?? '');
    words.take();
    rawText = words.raw();
  } else if (glued?.[1] !== undefined && glued[2] !== undefined) {
    // A glued word that names no kind (`https://…`, `db:primary`) is text; only a known kind counts.
    const known = logKindSchema.safeParse(glued[1].toLowerCase());
    if (known.success) {
      kind = known.data;
      words.take();
      rawText = glued[2] + words.raw();
    }
  }
  const text = freeText(rawText.trim());
  if (!text) throw new Refusal('Missing the text of the log entry.');
  return defined({ verb: 'log', ref, time, kind, text });
}

function parseStatement(words: Words, verb: 'impact' | 'cause', missing: string): Intent {
  const ref = readRef(words);
  const text = freeText(words.remainder());
  if (!text) throw new Refusal(missing);
  return defined({ verb, ref, text });
}

function parseSeverity(words: Words): Intent {
  const ref = readRef(words);
  const time = readTime(words);
  const token = words.take();
  if (token === undefined) throw new Refusal(`Missing the severity; give one of ${orList(SEVERITIES)}.`);
  const severity = toSeverity(token);
  refuseExtra(words, 'give exactly one severity');
  return defined({ verb: 'severity', ref, time, severity });
}

function parseStatus(words: Words): Intent {
  const ref = readRef(words);
  const time = readTime(words);
  const token = words.take();
  if (token === undefined) throw new Refusal(`Missing the status; give one of ${orList(OPEN_STATUSES)}.`);
  if (token.toLowerCase() === 'resolved') {
    throw new Refusal(
      `${quote(token)} is not a status you can set; use /incident resolve to resolve the incident.`,
    );
  }
  const status = openStatusSchema.safeParse(token.toLowerCase());
  if (!status.success) throw new Refusal(`${quote(token)} is not a status; use ${orList(OPEN_STATUSES)}.`);
  refuseExtra(words, 'give exactly one status');
  return defined({ verb: 'status', ref, time, status: status.data });
}

function parseCommander(words: Words): Intent {
  const ref = readRef(words);
  const time = readTime(words);
  const rest = words.remainder();
  if (!rest) throw new Refusal('Missing the commander; mention them with @.');
  const user = mentionSchema.safeParse(rest);
  if (user.success) return defined({ verb: 'commander', ref, time, user: user.data });
  const first = words.take() ?? rest;
  if (mentionSchema.safeParse(first).success) {
    refuseExtra(words, 'give exactly one commander');
  }
  throw new Refusal(
    `${quote(first)} is not a user mention; mention the commander with @ so Slack links them.`,
  );
}

function parseAck(words: Words): Intent {
  const ref = readRef(words);
  const time = readTime(words);
  refuseExtra(words, 'ack takes only an incident id and a time');
  return defined({ verb: 'ack', ref, time });
}

function parseEscalate(words: Words, options: ParseOptions): Intent {
  const ref = readRef(words);
  const time = readTime(words);
  const first = words.peek()?.toLowerCase();
  const team = first === undefined ? undefined : options.teams?.find((name) => name.toLowerCase() === first);
  if (team !== undefined) words.take();
  else if (first !== undefined) {
    const near = nearestTeam(first, options.teams ?? []);
    if (near !== undefined) {
      throw new Refusal(
        `Did you mean \`${near}\`? ${quote(first)} is not a team of the escalation policy; nothing was paged or logged. Teams: ${(options.teams ?? []).join(', ')}.`,
      );
    }
  }
  const reason = freeText(words.remainder()) || undefined;
  return defined({ verb: 'escalate', ref, time, team, reason });
}

function parseFollowUp(words: Words, type: FollowUpType): Intent {
  const ref = readRef(words);
  const rest = words.remainder();
  const { before, owner } = splitTrailingMention(rest);
  const text = freeText(before);
  if (!text) {
    throw new Refusal(
      owner === undefined
        ? 'Missing the text of the follow-up.'
        : 'Missing the text of the follow-up; the mention only names its owner.',
    );
  }
  return defined({ verb: 'follow-up', type, ref, text, owner });
}

function parseResolve(words: Words): Intent {
  const ref = readRef(words);
  const time = readTime(words);
  const resolution = freeText(words.remainder()) || undefined;
  return defined({ verb: 'resolve', ref, time, resolution });
}

function parsePostmortem(words: Words): Intent {
  const ref = readRef(words);
  refuseExtra(words, 'postmortem takes only an incident id');
  return defined({ verb: 'postmortem', ref });
}

// ---------------------------------------------------------------------------------------------------
// Pieces

/**
 * The team a word not naming one was most likely meant as: within edit distance 2 (1 for names of
 * three letters or fewer, so everyday words like `the` stay part of the reason), or undefined.
 */
export function nearestTeam(word: string, teams: readonly string[]): string | undefined {
  const typed = decodeEntities(word).toLowerCase();
  if (!/^[\p{L}\p{N}_.-]+$/u.test(typed)) return undefined;
  let best: { team: string; distance: number } | undefined;
  for (const team of teams) {
    const name = team.toLowerCase();
    const limit = name.length <= 3 ? 1 : 2;
    const distance = editDistance(typed, name, limit);
    if (distance <= limit && (!best || distance < best.distance)) best = { team, distance };
  }
  return best?.team;
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[y.length] as number;
}

function readRef(words: Words): string | undefined {
  const token = words.peek();
  const digits = token === undefined ? undefined : INCIDENT_REF_SHAPE.exec(token)?.[1];
  if (token === undefined || digits === undefined) return undefined;
  words.take();
  const ref = incidentRefSchema.safeParse(`INC-${Number(digits)}`);
  if (!ref.success || !Number.isSafeInteger(Number(digits))) {
    throw new Refusal(`${quote(token)} is not an incident id; ids look like INC-7.`);
  }
  return ref.data;
}

function readTime(words: Words): TimeInput | undefined {
  const token = words.peek();
  if (token === undefined) return undefined;
  if (CLOCK_SHAPE.test(token)) {
    words.take();
    const clock = clockTokenSchema.safeParse(token);
    if (!clock.success) {
      throw new Refusal(
        `${quote(token)} is not a valid time; use HH:MM (24 h) or an ISO-8601 time with a zone.`,
      );
    }
    return clock.data;
  }
  if (ISO_SHAPE.test(token)) {
    words.take();
    if (ISO_WITHOUT_ZONE.test(token)) {
      throw new Refusal(`${quote(token)} has no time zone; add Z or an offset, as in 2024-02-18T15:30Z.`);
    }
    if (!ISO_WITH_ZONE.test(token)) {
      throw new Refusal(
        `${quote(token)} is not a valid time; use HH:MM (24 h) or an ISO-8601 time with a zone.`,
      );
    }
    const instant = isoTokenSchema.safeParse(token);
    if (!instant.success) throw new Refusal(`${quote(token)} is not a date and time that exists.`);
    return instant.data;
  }
  return undefined;
}

/** The UTC ISO string of an ISO-8601 date-time with a zone, or undefined when no such moment exists. */
function isoInstant(token: string): string | undefined {
  const match = ISO_WITH_ZONE.exec(token);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second ?? '0');
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  at.setUTCHours(h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const utc = new Date(at.getTime() - offsetMinutes * 60_000);
  return Number.isNaN(utc.getTime()) ? undefined : utc.toISOString();
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function toSeverity(token: string): Severity {
  const severity = severitySchema.safeParse(token.toLowerCase());
  if (!severity.success) throw new Refusal(`${quote(token)} is not a severity; use ${orList(SEVERITIES)}.`);
  return severity.data;
}

function toLogKind(word: string, token: string): LogKind {
  const kind = logKindSchema.safeParse(word.toLowerCase());
  if (!kind.success)
    throw new Refusal(`${quote(token)} is not a log kind; use one of ${LOG_KINDS.join(', ')}.`);
  return kind.data;
}

/** A mention at the very end names the owner; found from the end so long text costs one pass. */
function splitTrailingMention(text: string): { before: string; owner?: string } {
  if (!text.endsWith('>')) return { before: text };
  const start = text.lastIndexOf('<@');
  if (start < 0) return { before: text };
  const owner = mentionSchema.safeParse(text.slice(start));
  if (!owner.success) return { before: text };
  return { before: text.slice(0, start).trim(), owner: owner.data };
}

function refuseExtra(words: Words, rule: string): void {
  const extra = words.peek();
  if (extra !== undefined) throw new Refusal(`Unexpected ${quote(extra)}; ${rule}.`);
}

/** Free text as the responder meant it: trimmed, with the HTML escapes Slack adds undone (once). */
function freeText(text: string): string {
  return decodeEntities(text.trim());
}

/** Undoes Slack's escaping of `&`, `<` and `>` in text it sends (commands, shortcut messages). */
export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : '>',
  );
}

/** A token for an error message: decoded, and cut short so pasted junk cannot flood the reply. */
function quote(token: string): string {
  const chars = [...decodeEntities(token)];
  return `'${chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : chars.join('')}'`;
}

function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Counted in code points, so an emoji is one character as the responder sees it. */
function charCount(text: string): number {
  return [...text].length;
}

/** Drops keys whose value is undefined, so intents compare and serialise without empty optionals. */
function defined(intent: Intent): Intent {
  return Object.fromEntries(Object.entries(intent).filter(([, v]) => v !== undefined)) as Intent;
}

/**
 * The pieces every verb's parser is built from (lambda/incidents/verbs/): the words after the verb, the
 * vocabulary (severities, statuses, kinds, ids, mentions, times) with its zod schemas, and the
 * `Refusal` a parser throws to say what was wrong. Total and pure, like the grammar they serve.
 *
 * Everything here returns plain text: errors quote tokens with Slack's `&amp;`/`&lt;`/`&gt;` decoded,
 * so the Slack layer escapes `&`, `<` and `>` before sending.
 */
import { z } from 'zod';
import type { TimeInput } from './time';
import {
  INCIDENT_ID_PATTERN,
  LOG_KINDS,
  type LogKind,
  OPEN_STATUSES,
  SEVERITIES,
  type Severity,
} from './types';

export const TITLE_MAX_LENGTH = 200;

export const TIME_HINT = '<time>: HH:MM (24 h) or ISO-8601 with a zone, e.g. 2024-02-18T15:30Z';

export interface ParseOptions {
  /** Team names of the escalation policy; `escalate <team>` matches them case-insensitively. */
  teams?: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary

export const severitySchema = z.enum(SEVERITIES);
export const openStatusSchema = z.enum(OPEN_STATUSES);
export const logKindSchema = z.enum(LOG_KINDS);
export const incidentRefSchema = z.string().regex(INCIDENT_ID_PATTERN);
export const userIdSchema = z.string().regex(/^[UW][A-Z0-9]+$/);

// `<@U123ABC>` or `<@U123ABC|name>`; the name may hold spaces, so this is matched on whole strings.
const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;
export const mentionSchema = z
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
export const timeInputSchema = z.discriminatedUnion('type', [clockInputSchema, instantInputSchema]);

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
export const SEVERITY_SHAPE = /^sev\d+$/i;
const INCIDENT_REF_SHAPE = /^inc-(\d+)$/i;
// A lone `word:` as the first word of a log entry can only have been meant as a kind.
export const KIND_SHAPE = /^(\p{L}+):$/u;
export const GLUED_KIND = /^(\p{L}+):(.+)$/su;

// ---------------------------------------------------------------------------------------------------
// Fields of intents

export const refField = incidentRefSchema.optional();
export const timeField = timeInputSchema.optional();
export const textSchema = z.string().min(1);
export const titleSchema = textSchema.refine((title) => charCount(title) <= TITLE_MAX_LENGTH);

// ---------------------------------------------------------------------------------------------------
// Reading words

/** A reason to refuse the command; only `parseCommand` catches it and turns it into an error result. */
export class Refusal extends Error {}

/** The words after the verb, taken one at a time; the rest stays as typed for free text. */
export class Words {
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

export function readRef(words: Words): string | undefined {
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

export function readTime(words: Words): TimeInput | undefined {
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

export function toSeverity(token: string): Severity {
  const severity = severitySchema.safeParse(token.toLowerCase());
  if (!severity.success) throw new Refusal(`${quote(token)} is not a severity; use ${orList(SEVERITIES)}.`);
  return severity.data;
}

export function toLogKind(word: string, token: string): LogKind {
  const kind = logKindSchema.safeParse(word.toLowerCase());
  if (!kind.success)
    throw new Refusal(`${quote(token)} is not a log kind; use one of ${LOG_KINDS.join(', ')}.`);
  return kind.data;
}

/** A mention at the very end names the owner; found from the end so long text costs one pass. */
export function splitTrailingMention(text: string): { before: string; owner?: string } {
  if (!text.endsWith('>')) return { before: text };
  const start = text.lastIndexOf('<@');
  if (start < 0) return { before: text };
  const owner = mentionSchema.safeParse(text.slice(start));
  if (!owner.success) return { before: text };
  return { before: text.slice(0, start).trim(), owner: owner.data };
}

export function refuseExtra(words: Words, rule: string): void {
  const extra = words.peek();
  if (extra !== undefined) throw new Refusal(`Unexpected ${quote(extra)}; ${rule}.`);
}

/** Free text as the responder meant it: trimmed, with the HTML escapes Slack adds undone (once). */
export function freeText(text: string): string {
  return decodeEntities(text.trim());
}

/** Undoes Slack's escaping of `&`, `<` and `>` in text it sends (commands, shortcut messages). */
export function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_, name: string) =>
    name === 'amp' ? '&' : name === 'lt' ? '<' : '>',
  );
}

/** A token for an error message: decoded, and cut short so pasted junk cannot flood the reply. */
export function quote(token: string): string {
  const chars = [...decodeEntities(token)];
  return `'${chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : chars.join('')}'`;
}

export function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Counted in code points, so an emoji is one character as the responder sees it. */
export function charCount(text: string): number {
  return [...text].length;
}

/** Drops keys whose value is undefined, so intents compare and serialise without empty optionals. */
export function defined<const T extends object>(intent: T): T {
  return Object.fromEntries(Object.entries(intent).filter(([, v]) => v !== undefined)) as T;
}

/** `[INC-n] [<time>]`, the words every timed verb on one incident starts with: their fields, and their reading. */
export const timedTarget = {
  fields: { ref: refField, time: timeField },
  read(words: Words): { ref?: string; time?: TimeInput } {
    const ref = readRef(words);
    const time = readTime(words);
    return { ref, time };
  },
};

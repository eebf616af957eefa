/**
 * The `/incident` grammar: turns the text Slack sends with the slash command into an `Intent`, or into
 * an error that says what was wrong and shows the right usage. Every verb's words, parser and shape
 * live in the verb table (verbs/); this file reads the verb, runs its parser, validates the intent
 * and builds the command reference. It is total (never throws, whatever the text) because its input
 * is typed by people in a hurry, and pure, so the Slack layer can reply before anything is written.
 *
 * Everything it returns is plain text: errors quote tokens with Slack's `&amp;`/`&lt;`/`&gt;` decoded and
 * the usage lines contain a literal `<`, so the Slack layer escapes `&`, `<` and `>` before sending.
 */

import { issuePath } from '../validation';
import type { Usage } from './verb';
import { type Intent, intentSchema, VERBS } from './verbs';
import { type ParseOptions, quote, Refusal, TIME_HINT, Words } from './words';

export { type Intent, intentSchema } from './verbs';
export { decodeEntities, editDistance, nearestTeam, type ParseOptions, TITLE_MAX_LENGTH } from './words';

export type ParseResult = { ok: true; intent: Intent } | { ok: false; error: string; usage: string };

/** Each typed word (`open`, `fix`, `task`, and `''` for a bare `/incident`) with its verb and usage. */
const WORDS = new Map(
  Object.values(VERBS).flatMap((verb) =>
    Object.entries(verb.words).map(([word, usage]) => [word, { verb, usage }] as const),
  ),
);

/** Every word that can follow `/incident`, in the table's order. */
export const TYPED_WORDS: readonly string[] = [...WORDS.keys()].filter((word) => word !== '');

function usageLine(usage: Usage): string {
  return [`\`${usage.syntax}\``, ...(usage.hints ?? [])].join('  ');
}

/** The command reference, in the table's order: one line per typed word. */
export const HELP_TEXT: string = [
  "*/incident* commands. In an incident's channel they act on that incident; elsewhere put its id (INC-7) after the verb.",
  ...[...WORDS.values()].map(({ usage }) => `\`${usage.syntax}\` — ${usage.summary}`),
  `${TIME_HINT}; without it, now.`,
].join('\n');

/** The README's command reference (a Markdown table), in the table's order: kept in step by a test. */
export function commandReferenceTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| command | effect |',
    '| --- | --- |',
    ...[...WORDS.values()].map(({ usage }) => `| \`${cell(usage.syntax)}\` | ${cell(usage.effect)} |`),
  ].join('\n');
}

/**
 * The usage line of one verb, as shown under an error. Takes the verb as typed (`fix`, `task`) or as an
 * intent names it (`follow-up`, `declare-modal`): a verb typed with several words shows each.
 * Anything else gets the whole reference.
 */
export function usageFor(verb: string): string {
  const key = verb.trim().toLowerCase();
  const typed = WORDS.get(key);
  if (typed && key !== '') return usageLine(typed.usage);
  const named = (VERBS as Record<string, (typeof VERBS)[keyof typeof VERBS] | undefined>)[key];
  if (!named) return HELP_TEXT;
  return Object.values(named.words).map(usageLine).join('\n');
}

/** Parses the text of a `/incident` command (everything after `/incident`). Never throws. */
export function parseCommand(text: string, options: ParseOptions = {}): ParseResult {
  // Slack omits `text` for a bare `/incident`; a caller passing that through should still get the modal.
  const words = new Words(typeof text === 'string' ? text : '');
  const typed = words.take();
  if (typed === undefined) return { ok: true, intent: { verb: 'declare-modal' } };
  const word = typed.toLowerCase();
  const parse = WORDS.get(word)?.verb.parse;
  if (!parse || word === '')
    return { ok: false, error: `Unknown command ${quote(typed)}.`, usage: HELP_TEXT };
  try {
    const checked = intentSchema.safeParse(parse(words, options, word));
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const where = issue ? issuePath(issue, 'command') : 'command';
      return {
        ok: false,
        error: `The ${where} could not be read: ${issue?.message ?? 'invalid'}.`,
        usage: usageFor(word),
      };
    }
    return { ok: true, intent: checked.data };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.message, usage: usageFor(word) };
    throw error;
  }
}

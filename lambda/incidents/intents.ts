/**
 * What a `/incident` command asks for, once parsed: inferred from the verb table's schemas
 * (verbs/index.ts). `ref` is an `INC-n` given right after the verb; without it the command acts on
 * the incident whose channel it was typed in.
 */
import type { Intent } from './verbs';

export type { ParseResult } from './grammar';
export type { Intent, VerbName as Verb } from './verbs';

/** Verbs that act on one incident (and so take a `ref` or need an incident channel). */
export type IncidentIntent = Extract<Intent, { ref?: string }>;

/**
 * What a `/incident` command asks for, once parsed. The grammar (commands.ts) produces these; the
 * service acts on them. `ref` is an `INC-n` given right after the verb; without it the command acts on
 * the incident whose channel it was typed in.
 */

import type { TimeInput } from './time';
import type { FollowUpType, LogKind, OpenStatus, Severity } from './types';

export type Intent =
  | { verb: 'declare-modal' }
  | { verb: 'help' }
  | { verb: 'list' }
  | { verb: 'open'; time?: TimeInput; severity: Severity; title: string }
  | { verb: 'log'; ref?: string; time?: TimeInput; kind: LogKind; text: string }
  | { verb: 'impact'; ref?: string; text: string }
  | { verb: 'cause'; ref?: string; text: string }
  | { verb: 'severity'; ref?: string; time?: TimeInput; severity: Severity }
  | { verb: 'status'; ref?: string; time?: TimeInput; status: OpenStatus }
  /**
   * `ifVacant`: taking the lead ("I'll lead" on the summary) rather than assigning it; refused when
   * someone already leads, so of two people taking it at once the first wins.
   */
  | { verb: 'commander'; ref?: string; time?: TimeInput; user: string; ifVacant?: boolean }
  | { verb: 'ack'; ref?: string; time?: TimeInput }
  /** `team` is set only when the first word names a team of the escalation policy. */
  | { verb: 'escalate'; ref?: string; time?: TimeInput; team?: string; reason?: string }
  | { verb: 'follow-up'; type: FollowUpType; ref?: string; text: string; owner?: string }
  | { verb: 'resolve'; ref?: string; time?: TimeInput; resolution?: string }
  | { verb: 'postmortem'; ref?: string };

export type Verb = Intent['verb'];

/** Verbs that act on one incident (and so take a `ref` or need an incident channel). */
export type IncidentIntent = Extract<Intent, { ref?: string }>;

export type ParseResult = { ok: true; intent: Intent } | { ok: false; error: string; usage: string };

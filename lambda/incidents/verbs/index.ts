/**
 * The verb table: every verb of `/incident`, in the order the command reference lists them. A new
 * verb is one file in this folder, one line here and its test; the grammar, the help text, the
 * README's command reference (tests/unit/verbs.test.ts keeps it in step) and the service follow.
 */
import { z } from 'zod';
import type { Verb } from '../verb';
import { ack } from './ack';
import { commander } from './commander';
import { declareModal } from './declare-modal';
import { escalate } from './escalate';
import { followUp } from './follow-up';
import { followups } from './followups';
import { help } from './help';
import { list } from './list';
import { log } from './log';
import { oncall } from './oncall';
import { open } from './open';
import { postmortem } from './postmortem';
import { resolve } from './resolve';
import { severity } from './severity';
import { cause, impact } from './statement';
import { stats } from './stats';
import { status } from './status';
import { update } from './update';

/** The shape of every intent: jobs and tests that carry intents validate them with it. */
export const intentSchema = z.discriminatedUnion('verb', [
  declareModal.schema,
  help.schema,
  open.schema,
  list.schema,
  oncall.schema,
  log.schema,
  update.schema,
  impact.schema,
  cause.schema,
  severity.schema,
  status.schema,
  commander.schema,
  ack.schema,
  escalate.schema,
  followUp.schema,
  followups.schema,
  stats.schema,
  resolve.schema,
  postmortem.schema,
]);

export type Intent = z.infer<typeof intentSchema>;
export type VerbName = Intent['verb'];

/** Each verb by the `verb` of its intents. */
export const VERBS: { readonly [V in VerbName]: Verb } = {
  'declare-modal': declareModal,
  help,
  open,
  list,
  oncall,
  log,
  update,
  impact,
  cause,
  severity,
  status,
  commander,
  ack,
  escalate,
  'follow-up': followUp,
  followups,
  stats,
  resolve,
  postmortem,
};

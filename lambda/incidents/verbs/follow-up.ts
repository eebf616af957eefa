/** `/incident fix …` and `/incident task …`: a follow-up for the postmortem, with an optional owner. */
import { z } from 'zod';
import { FOLLOW_UP_TYPES, type FollowUpType } from '../types';
import { factRecorded, incidentVerb } from '../verb';
import type { Words } from '../words';
import {
  defined,
  freeText,
  Refusal,
  readRef,
  refField,
  splitTrailingMention,
  textSchema,
  userIdSchema,
} from '../words';

function parseFollowUp(words: Words, type: FollowUpType) {
  const ref = readRef(words);
  const { before, owner } = splitTrailingMention(words.remainder());
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

export const followUp = incidentVerb({
  words: {
    fix: {
      syntax: '/incident fix [INC-n] <text> [<@owner>]',
      summary: 'add a follow-up under Improvements/Fixes',
      effect: 'follow-up under Improvements/Fixes',
    },
    task: {
      syntax: '/incident task [INC-n] <text> [<@owner>]',
      summary: 'add a follow-up under Tasks',
      effect: 'follow-up under Tasks',
    },
  },
  schema: z.strictObject({
    verb: z.literal('follow-up'),
    type: z.enum(FOLLOW_UP_TYPES),
    ref: refField,
    text: textSchema,
    owner: userIdSchema.optional(),
  }),
  parse: (words, _options, typed) => parseFollowUp(words, typed === 'task' ? 'task' : 'fix'),
  longText: { name: 'follow-up', of: (intent) => intent.text },
  decide: (_incident, intent) => ({
    followUp: { type: intent.type, text: intent.text, ...(intent.owner ? { owner: intent.owner } : {}) },
  }),
  // The ticket (when a tracker is configured) is created by its own job: never in the command's path.
  followOn: ({ incident }) => [...factRecorded(incident), { type: 'tickets', incidentId: incident.id }],
  confirm: ({ intent, incident }) => [
    `Added ${intent.type === 'fix' ? 'improvement/fix' : 'task'} to ${incident.id}: `,
    { typed: intent.text },
    ' (owner: ',
    intent.owner ? { user: intent.owner } : 'unassigned',
    ')',
  ],
  echo: ({ intent, incident }) => [`added a ${intent.type} to ${incident.id}: `, { typed: intent.text }],
});

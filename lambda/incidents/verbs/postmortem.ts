/** `/incident postmortem [INC-n]`: the draft as compiled now, to the responder alone. Writes nothing. */
import { z } from 'zod';
import { toUser } from '../message';
import { compilePostmortem } from '../postmortem';
import { incidentVerb } from '../verb';
import { defined, readRef, refField, refuseExtra } from '../words';

export const postmortem = incidentVerb({
  words: {
    postmortem: {
      syntax: '/incident postmortem [INC-n]',
      summary: 'show the postmortem draft',
      effect: 'the current draft, only to you',
    },
  },
  schema: z.strictObject({ verb: z.literal('postmortem'), ref: refField }),
  parse: (words) => {
    const ref = readRef(words);
    refuseExtra(words, 'postmortem takes only an incident id');
    return defined({ verb: 'postmortem', ref });
  },
  read: (record, tools) =>
    toUser(`Postmortem draft of ${record.incident.id}:`, { block: compilePostmortem(record, tools) }),
  decide: () => ({}),
  followOn: () => [],
  confirm: () => [],
});

/**
 * A bare `/incident`: the declare form. The Slack listener opens it within the trigger's 3 s; when a
 * caller has no trigger to open it with, the answer says how to declare by typing.
 */
import { z } from 'zod';
import { toUser } from '../message';
import { generalVerb } from '../verb';

export const declareModal = generalVerb({
  words: {
    '': {
      syntax: '/incident',
      summary: 'declare an incident with a form',
      effect: 'opens the declare modal (title, severity, description, detected at)',
    },
  },
  schema: z.strictObject({ verb: z.literal('declare-modal') }),
  answer: async (_intent, tools) =>
    toUser(`To declare an incident: ${tools.usage('open')}\n\n${tools.reference}`),
});

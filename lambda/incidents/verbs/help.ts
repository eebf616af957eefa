/** `/incident help`: the command reference. */
import { z } from 'zod';
import { toUser } from '../message';
import { generalVerb } from '../verb';

export const help = generalVerb({
  words: { help: { syntax: '/incident help', summary: 'this reference', effect: 'usage, only to you' } },
  schema: z.strictObject({ verb: z.literal('help') }),
  parse: () => ({ verb: 'help' as const }),
  // The reference is built from the whole table (grammar.ts), which imports this file: lent by the service.
  answer: async (_intent, tools) => toUser(tools.reference),
});

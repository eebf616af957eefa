/** `/incident impact` and `/incident cause`: the statements the postmortem opens with. */
import { z } from 'zod';
import { factRecorded, incidentVerb } from '../verb';
import { defined, freeText, Refusal, readRef, refField, textSchema } from '../words';

export const impact = incidentVerb({
  words: {
    impact: {
      syntax: '/incident impact [INC-n] <text>',
      summary: 'set the impact statement',
      effect: 'sets the impact statement',
    },
  },
  schema: z.strictObject({ verb: z.literal('impact'), ref: refField, text: textSchema }),
  parse: (words) => {
    const ref = readRef(words);
    const text = freeText(words.remainder());
    if (!text) throw new Refusal('Missing the impact statement.');
    return defined({ verb: 'impact', ref, text });
  },
  longText: { name: 'impact statement', of: (intent) => intent.text },
  decide: (incident, intent) => ({ incident: { ...incident, impact: intent.text } }),
  followOn: ({ incident }) => factRecorded(incident),
  confirm: ({ intent, incident }) => [`Impact of ${incident.id} set: `, { typed: intent.text }],
  echo: ({ intent, incident }) => [`set the impact of ${incident.id}: `, { typed: intent.text }],
});

export const cause = incidentVerb({
  words: {
    cause: {
      syntax: '/incident cause [INC-n] <text>',
      summary: 'set the root-cause summary',
      effect: 'sets the root-cause summary',
    },
  },
  schema: z.strictObject({ verb: z.literal('cause'), ref: refField, text: textSchema }),
  parse: (words) => {
    const ref = readRef(words);
    const text = freeText(words.remainder());
    if (!text) throw new Refusal('Missing the root-cause summary.');
    return defined({ verb: 'cause', ref, text });
  },
  longText: { name: 'root-cause summary', of: (intent) => intent.text },
  decide: (incident, intent) => ({ incident: { ...incident, rootCause: intent.text } }),
  followOn: ({ incident }) => factRecorded(incident),
  confirm: ({ intent, incident }) => [`Root cause of ${incident.id} set: `, { typed: intent.text }],
  echo: ({ intent, incident }) => [`set the root cause of ${incident.id}: `, { typed: intent.text }],
});

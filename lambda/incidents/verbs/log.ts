/** `/incident log [INC-n] [<time>] [<kind>:] <text>`: a timeline event. */
import { z } from 'zod';
import { DEFAULT_LOG_KIND, LOG_KINDS, type LogKind } from '../types';
import { factRecorded, incidentVerb, isOpen, LATE_MARK } from '../verb';
import {
  defined,
  freeText,
  GLUED_KIND,
  KIND_SHAPE,
  logKindSchema,
  Refusal,
  TIME_HINT,
  textSchema,
  timedTarget,
  toLogKind,
} from '../words';
import { atClock, clockOf, eventTime } from './shared';

export const log = incidentVerb({
  words: {
    log: {
      syntax: '/incident log [INC-n] [<time>] [<kind>:] <text>',
      summary: 'add a timeline event',
      hints: [`kinds: ${LOG_KINDS.join(', ')} (default ${DEFAULT_LOG_KIND})`, TIME_HINT],
      effect: `timeline event; kinds ${LOG_KINDS.map((kind) => `\`${kind}\`${kind === DEFAULT_LOG_KIND ? ' (default)' : ''}`).join(', ')}. After resolve, without a time, it is stamped now and marked as added after resolution`,
    },
  },
  schema: z.strictObject({
    verb: z.literal('log'),
    ...timedTarget.fields,
    kind: logKindSchema,
    text: textSchema,
  }),
  parse: (words) => {
    const { ref, time } = timedTarget.read(words);
    let kind: LogKind = DEFAULT_LOG_KIND;
    let rawText = words.raw();
    const first = words.peek();
    const lone = first === undefined ? null : KIND_SHAPE.exec(first);
    const glued = first === undefined ? null : GLUED_KIND.exec(first);
    if (lone?.[1] !== undefined) {
      kind = toLogKind(lone[1], first ?? '');
      words.take();
      rawText = words.raw();
    } else if (glued?.[1] !== undefined && glued[2] !== undefined) {
      // A glued word that names no kind (`https://…`, `db:primary`) is text; only a known kind counts.
      const known = logKindSchema.safeParse(glued[1].toLowerCase());
      if (known.success) {
        kind = known.data;
        words.take();
        rawText = glued[2] + words.raw();
      }
    }
    const text = freeText(rawText.trim());
    if (!text) throw new Refusal('Missing the text of the log entry.');
    return defined({ verb: 'log', ref, time, kind, text });
  },
  longText: { name: 'log text', of: (intent) => intent.text },
  decide: (incident, intent, ctx) => {
    if (!isOpen(incident) && !intent.time) {
      // A fact remembered after resolution: stamped now and marked as a late addition.
      return { event: { at: ctx.now, kind: intent.kind, text: `${intent.text} ${LATE_MARK}` } };
    }
    return { event: { at: eventTime(incident, intent.time, ctx), kind: intent.kind, text: intent.text } };
  },
  followOn: ({ incident }) => factRecorded(incident),
  confirm: ({ intent, incident, event, tz }) => [
    'Logged ',
    { strong: intent.kind },
    ` at ${clockOf(event, tz)} on ${incident.id}`,
    incident.status === 'resolved' && !intent.time
      ? ` (a late addition: ${incident.id} was resolved, so it is stamped now)`
      : '',
    ': ',
    { typed: intent.text },
  ],
  echo: ({ intent, incident, event, tz }) => [
    'logged ',
    { strong: intent.kind },
    `${atClock(event, tz)} on ${incident.id}: `,
    { typed: intent.text },
  ],
});

/**
 * `/incident update [INC-n] <text>`: a status update for everyone following the incident. It is posted
 * in the incident channel (the answer, or an echo when typed elsewhere), announced in the
 * announcements channel when one is configured, and kept on the timeline.
 */
import { z } from 'zod';
import { incidentVerb } from '../verb';
import { defined, freeText, Refusal, readRef, refField, textSchema } from '../words';
import { clockOf } from './shared';

export const update = incidentVerb({
  words: {
    update: {
      syntax: '/incident update [INC-n] <text>',
      summary: 'post a status update to the channel and announce it',
      effect:
        'a status update: posted in the incident channel, announced in `INCIDENTS_CHANNEL` (when set) with severity, status and who wrote it, kept on the timeline',
    },
  },
  schema: z.strictObject({ verb: z.literal('update'), ref: refField, text: textSchema }),
  parse: (words) => {
    const ref = readRef(words);
    const text = freeText(words.remainder());
    if (!text) throw new Refusal('Missing the text of the update.');
    return defined({ verb: 'update', ref, text });
  },
  openOnly: true,
  longText: { name: 'update', of: (intent) => intent.text },
  decide: (_incident, intent, ctx) => ({ event: { at: ctx.now, kind: 'update', text: intent.text } }),
  followOn: ({ incident, event }) =>
    event ? [{ type: 'announce-update', incidentId: incident.id, eventId: event.id }] : [],
  confirm: ({ intent, incident, event, tz, announcements }) => [
    ':mega: ',
    { strong: `Update on ${incident.id}` },
    ` (${incident.severity} · ${incident.status}, ${clockOf(event, tz)}): `,
    { typed: intent.text },
    ...(announcements ? [' (announced in ', { channel: announcements }, ')'] : []),
  ],
  echo: ({ intent, incident }) => [`posted an update on ${incident.id}: `, { typed: intent.text }],
});

/** `/incident resolve [INC-n] [<time>] [<resolution>]`, and the resolve form: compiles the postmortem. */
import { z } from 'zod';
import { formatDuration } from '../time';
import { incidentVerb } from '../verb';
import { defined, freeText, TIME_HINT, textSchema, timedTarget } from '../words';
import { atClock, clockOf, eventTime } from './shared';

export const resolve = incidentVerb({
  words: {
    resolve: {
      syntax: '/incident resolve [INC-n] [<time>] [<resolution>]',
      summary: 'resolve the incident and compile its postmortem',
      hints: [TIME_HINT],
      effect:
        'resolves; compiles, stores and uploads the postmortem; posts the summary here and to `INCIDENTS_CHANNEL`',
    },
  },
  schema: z.strictObject({
    verb: z.literal('resolve'),
    ...timedTarget.fields,
    resolution: textSchema.optional(),
  }),
  parse: (words) => {
    const { ref, time } = timedTarget.read(words);
    const resolution = freeText(words.remainder()) || undefined;
    return defined({ verb: 'resolve', ref, time, resolution });
  },
  openOnly: true,
  longText: { name: 'resolution', of: (intent) => intent.resolution },
  decide: (incident, intent, ctx) => {
    const at = eventTime(incident, intent.time, ctx);
    return {
      incident: {
        ...incident,
        status: 'resolved',
        resolvedAt: at,
        resolvedBy: ctx.actor,
        ...(intent.resolution ? { resolution: intent.resolution } : {}),
      },
      event: { at, kind: 'resolved', text: 'resolved the incident', subject: ctx.actor },
    };
  },
  followOn: ({ incident }) => [
    { type: 'escalation-resolve', incidentId: incident.id },
    { type: 'publish-postmortem', incidentId: incident.id },
  ],
  confirm: ({ incident, event, tz }) => [
    `:white_check_mark: ${incident.id} resolved at ${clockOf(event, tz)} after ${formatDuration(incident.startedAt, incident.resolvedAt ?? incident.startedAt)}. Compiling the postmortem…`,
  ],
  echo: ({ incident, event, tz }) => [`resolved ${incident.id}${atClock(event, tz)}`],
});

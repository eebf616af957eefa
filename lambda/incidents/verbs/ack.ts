/** `/incident ack [INC-n] [<time>]`, and "Acknowledge" on a page: stops automatic escalation. */
import { z } from 'zod';
import { IncidentError } from '../errors';
import { formatDateTime } from '../time';
import { incidentVerb, stateChanged } from '../verb';
import { defined, refuseExtra, TIME_HINT, timedTarget } from '../words';
import { atClock, clockOf, eventTime } from './shared';

export const ack = incidentVerb({
  words: {
    ack: {
      syntax: '/incident ack [INC-n] [<time>]',
      summary: 'acknowledge the page and stop automatic escalation',
      hints: [TIME_HINT],
      effect: 'acknowledges the page (logged); automatic escalation stops',
    },
  },
  schema: z.strictObject({ verb: z.literal('ack'), ...timedTarget.fields }),
  parse: (words) => {
    const { ref, time } = timedTarget.read(words);
    refuseExtra(words, 'ack takes only an incident id and a time');
    return defined({ verb: 'ack', ref, time });
  },
  openOnly: true,
  decide: (incident, intent, ctx) => {
    if (incident.acknowledgedAt) {
      throw new IncidentError('ALREADY_ACKNOWLEDGED', [
        `${incident.id} was already acknowledged by `,
        { user: incident.acknowledgedBy ?? '' },
        ` at ${formatDateTime(incident.acknowledgedAt, ctx.tz)}.`,
      ]);
    }
    const at = eventTime(incident, intent.time, ctx);
    return {
      incident: { ...incident, acknowledgedAt: at, acknowledgedBy: ctx.actor },
      event: { at, kind: 'acknowledged', text: 'acknowledged the page', subject: ctx.actor },
    };
  },
  followOn: ({ incident }) => [
    { type: 'escalation-ack', incidentId: incident.id },
    ...stateChanged(incident),
  ],
  confirm: ({ incident, event, tz }) => [
    { user: incident.acknowledgedBy ?? '' },
    ` acknowledged ${incident.id} at ${clockOf(event, tz)}. Automatic escalation stops.`,
  ],
  echo: ({ incident, event, tz }) => [`acknowledged ${incident.id}${atClock(event, tz)}`],
});

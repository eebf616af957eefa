/** `/incident status [INC-n] [<time>] investigating|identified|monitoring`. */
import { z } from 'zod';
import { IncidentError } from '../errors';
import { OPEN_STATUSES } from '../types';
import { incidentVerb, stateChanged } from '../verb';
import {
  defined,
  openStatusSchema,
  orList,
  quote,
  Refusal,
  refuseExtra,
  TIME_HINT,
  timedTarget,
} from '../words';
import { atClock, clockOf, eventTime } from './shared';

export const status = incidentVerb({
  words: {
    status: {
      syntax: `/incident status [INC-n] [<time>] ${OPEN_STATUSES.join('|')}`,
      summary: 'change the status (resolve with /incident resolve)',
      hints: [TIME_HINT],
      effect: 'changes status (logged)',
    },
  },
  schema: z.strictObject({
    verb: z.literal('status'),
    ...timedTarget.fields,
    status: openStatusSchema,
  }),
  parse: (words) => {
    const { ref, time } = timedTarget.read(words);
    const token = words.take();
    if (token === undefined) throw new Refusal(`Missing the status; give one of ${orList(OPEN_STATUSES)}.`);
    if (token.toLowerCase() === 'resolved') {
      throw new Refusal(
        `${quote(token)} is not a status you can set; use /incident resolve to resolve the incident.`,
      );
    }
    const value = openStatusSchema.safeParse(token.toLowerCase());
    if (!value.success) throw new Refusal(`${quote(token)} is not a status; use ${orList(OPEN_STATUSES)}.`);
    refuseExtra(words, 'give exactly one status');
    return defined({ verb: 'status', ref, time, status: value.data });
  },
  openOnly: true,
  decide: (incident, intent, ctx) => {
    if (intent.status === incident.status) {
      throw new IncidentError('NO_CHANGE', `${incident.id} is already ${intent.status}.`);
    }
    return {
      incident: { ...incident, status: intent.status },
      event: {
        at: eventTime(incident, intent.time, ctx),
        kind: 'status',
        text: `Status changed from ${incident.status} to ${intent.status}`,
      },
    };
  },
  followOn: ({ incident }) => stateChanged(incident),
  confirm: ({ incident, event, tz }) => [
    `${incident.id} is now `,
    { strong: incident.status },
    ` (since ${clockOf(event, tz)}).`,
  ],
  echo: ({ incident, event, tz }) => [
    `set the status of ${incident.id} to `,
    { strong: incident.status },
    atClock(event, tz),
  ],
});

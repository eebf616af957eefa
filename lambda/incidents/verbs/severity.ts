/** `/incident severity [INC-n] [<time>] sev1..sev4`: re-plans paging and announces the change. */
import { z } from 'zod';
import { IncidentError } from '../errors';
import { SEVERITIES } from '../types';
import { incidentVerb, stateChanged } from '../verb';
import {
  defined,
  orList,
  Refusal,
  refuseExtra,
  severitySchema,
  TIME_HINT,
  timedTarget,
  toSeverity,
} from '../words';
import { atClock, clockOf, eventTime } from './shared';

export const severity = incidentVerb({
  words: {
    severity: {
      syntax: '/incident severity [INC-n] [<time>] sev1..sev4',
      summary: 'change the severity',
      hints: [TIME_HINT],
      effect: 'changes severity (logged), re-plans paging and announces it in `INCIDENTS_CHANNEL`',
    },
  },
  schema: z.strictObject({
    verb: z.literal('severity'),
    ...timedTarget.fields,
    severity: severitySchema,
  }),
  parse: (words) => {
    const { ref, time } = timedTarget.read(words);
    const token = words.take();
    if (token === undefined) throw new Refusal(`Missing the severity; give one of ${orList(SEVERITIES)}.`);
    const value = toSeverity(token);
    refuseExtra(words, 'give exactly one severity');
    return defined({ verb: 'severity', ref, time, severity: value });
  },
  openOnly: true,
  decide: (incident, intent, ctx) => {
    if (intent.severity === incident.severity) {
      throw new IncidentError('NO_CHANGE', `${incident.id} is already ${intent.severity}.`);
    }
    return {
      incident: { ...incident, severity: intent.severity },
      event: {
        at: eventTime(incident, intent.time, ctx),
        kind: 'severity',
        text: `Severity changed from ${incident.severity} to ${intent.severity}`,
      },
    };
  },
  followOn: ({ incident, before }) =>
    before.severity === incident.severity
      ? stateChanged(incident)
      : [
          { type: 'escalation-replan', incidentId: incident.id, previous: before.severity },
          { type: 'announce-severity', incidentId: incident.id, previous: before.severity },
          ...stateChanged(incident),
        ],
  confirm: ({ incident, event, tz }) => [
    `${incident.id} is now `,
    { strong: incident.severity },
    ` (since ${clockOf(event, tz)}).`,
  ],
  echo: ({ incident, event, tz }) => [
    `set the severity of ${incident.id} to `,
    { strong: incident.severity },
    atClock(event, tz),
  ],
});

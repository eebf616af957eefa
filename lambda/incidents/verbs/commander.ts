/**
 * `/incident commander [INC-n] [<time>] <@user>`, and "I'll lead" on the summary (`ifVacant`: taking
 * the lead rather than assigning it; refused when someone already leads, so of two people taking it
 * at once the first wins). The new commander is invited to the channel.
 */
import { z } from 'zod';
import { IncidentError } from '../errors';
import { incidentVerb, stateChanged } from '../verb';
import {
  defined,
  mentionSchema,
  quote,
  Refusal,
  refuseExtra,
  TIME_HINT,
  timedTarget,
  userIdSchema,
} from '../words';
import { atClock, clockOf, eventTime } from './shared';

export const commander = incidentVerb({
  words: {
    commander: {
      syntax: '/incident commander [INC-n] [<time>] <@user>',
      summary: 'assign the commander',
      hints: [TIME_HINT],
      effect: 'assigns the incident commander (logged) and invites them to the channel',
    },
  },
  schema: z.strictObject({
    verb: z.literal('commander'),
    ...timedTarget.fields,
    user: userIdSchema,
    ifVacant: z.boolean().optional(),
  }),
  parse: (words) => {
    const { ref, time } = timedTarget.read(words);
    const rest = words.remainder();
    if (!rest) throw new Refusal('Missing the commander; mention them with @.');
    const user = mentionSchema.safeParse(rest);
    if (user.success) return defined({ verb: 'commander', ref, time, user: user.data });
    const first = words.take() ?? rest;
    if (mentionSchema.safeParse(first).success) {
      refuseExtra(words, 'give exactly one commander');
    }
    throw new Refusal(
      `${quote(first)} is not a user mention; mention the commander with @ so Slack links them.`,
    );
  },
  openOnly: true,
  decide: (incident, intent, ctx) => {
    if (intent.ifVacant && incident.commander) {
      throw new IncidentError(
        'NO_CHANGE',
        intent.user === incident.commander
          ? [`You are already leading ${incident.id}.`]
          : [{ user: incident.commander }, ` is already leading ${incident.id}; nothing was changed.`],
      );
    }
    if (intent.user === incident.commander) {
      throw new IncidentError('NO_CHANGE', [
        { user: intent.user },
        ` is already the commander of ${incident.id}.`,
      ]);
    }
    return {
      incident: { ...incident, commander: intent.user },
      event: {
        at: eventTime(incident, intent.time, ctx),
        kind: 'commander',
        text: 'is now the incident commander',
        subject: intent.user,
      },
    };
  },
  followOn: ({ incident, intent }) => [
    ...stateChanged(incident),
    { type: 'invite', incidentId: incident.id, userId: intent.user },
  ],
  confirm: ({ incident, event, tz }) => [
    { user: incident.commander ?? '' },
    ` is now the incident commander of ${incident.id} (since ${clockOf(event, tz)}).`,
  ],
  echo: ({ intent, incident, event, tz }) => [
    'made ',
    { user: intent.user },
    ` the incident commander of ${incident.id}${atClock(event, tz)}`,
  ],
});

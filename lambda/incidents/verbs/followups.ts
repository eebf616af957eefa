/**
 * `/incident followups [INC-n]`: the open follow-ups (of every incident, or one), with their owners,
 * tickets and age, and the share of those created in the last 30 days that are closed. A follow-up
 * is closed when its ticket is (a tracker webhook or a poll says so). Nothing is written.
 */
import { z } from 'zod';
import { toUser } from '../message';
import { FOLLOW_UPS_LISTED, followUpHeading, followUpLine } from '../tickets';
import { generalVerb } from '../verb';
import { defined, readRef, refField, refuseExtra } from '../words';

export const followups = generalVerb({
  words: {
    followups: {
      syntax: '/incident followups [INC-n]',
      summary: 'open follow-ups with owners, tickets and age',
      effect:
        'the open follow-ups of every incident (or of one), oldest first, with owners, tickets and age, and the share of those created in the last 30 days that are closed; only to you',
    },
  },
  schema: z.strictObject({ verb: z.literal('followups'), ref: refField }),
  parse: (words) => {
    const ref = readRef(words);
    refuseExtra(words, 'followups takes at most an incident id');
    return defined({ verb: 'followups' as const, ref });
  },
  answer: async (intent, tools) => {
    const all = (await tools.followUps()).filter((f) => !intent.ref || f.incidentId === intent.ref);
    const open = all
      .filter((f) => f.ticketState !== 'closed')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    if (all.length === 0) {
      return toUser(
        intent.ref
          ? `${intent.ref} has no follow-ups. Add one with \`/incident fix\` or \`/incident task\`.`
          : 'No follow-ups yet. Add one with `/incident fix` or `/incident task` in an incident channel.',
      );
    }
    const shown = open.slice(0, FOLLOW_UPS_LISTED);
    return {
      visibility: 'user',
      message: followUpHeading(all, tools.now, intent.ref),
      lines: [
        ...shown.map((f) => followUpLine(f, tools.now)),
        ...(open.length > shown.length ? [[`…and ${open.length - shown.length} more, newer`]] : []),
      ],
    };
  },
});

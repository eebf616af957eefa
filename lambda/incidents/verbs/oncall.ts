/**
 * `/incident oncall [team]`: who is on call now for every team with a schedule (or one team), until
 * when, and who is next. Read from the policy's schedules (lambda/incidents/schedule.ts) at the
 * request's instant; nothing is written.
 */
import { z } from 'zod';
import { type Part, toUser } from '../message';
import type { EscalationPolicy } from '../policy';
import { nextHandoff, onCallAt } from '../schedule';
import { formatDateTime } from '../time';
import { generalVerb } from '../verb';
import { defined, nearestTeam, quote, Refusal, refuseExtra, textSchema } from '../words';

export const oncall = generalVerb({
  words: {
    oncall: {
      syntax: '/incident oncall [<team>]',
      summary: 'who is on call now, until when, and who is next',
      effect:
        "who is on call now for every team with a schedule (or one team), until when and who is next, from the policy's `schedules`; only to you",
    },
  },
  schema: z.strictObject({ verb: z.literal('oncall'), team: textSchema.optional() }),
  parse: (words, options) => {
    const typed = words.take();
    if (typed === undefined) return { verb: 'oncall' as const };
    const team = options.teams?.find((name) => name.toLowerCase() === typed.toLowerCase());
    if (team === undefined) {
      const near = nearestTeam(typed, options.teams ?? []);
      throw new Refusal(
        `${near ? `Did you mean \`${near}\`? ` : ''}${quote(typed)} is not a team of the escalation policy. Teams: ${(options.teams ?? []).join(', ') || 'none'}.`,
      );
    }
    refuseExtra(words, 'give at most one team');
    return defined({ verb: 'oncall' as const, team });
  },
  answer: async (intent, tools) => {
    const scheduled = scheduledTeams(tools.policy, intent.team);
    if (scheduled.length === 0) {
      return toUser(
        intent.team
          ? `${intent.team} has no on-call schedule: it is paged through its other channels.`
          : 'No team has an on-call schedule. Add `schedules:` to the escalation policy (docs/policy.md).',
      );
    }
    return {
      visibility: 'user',
      message: [{ strong: 'On call now' }],
      lines: scheduled.map(({ team, schedule }) => {
        const now = onCallAt(schedule, tools.now);
        const next = nextHandoff(schedule, tools.now);
        const who: Part[] = now ? [{ user: now.user }] : ['nobody'];
        const then: Part[] = next
          ? [
              `, until ${formatDateTime(next.at, tools.tz)}; then `,
              next.user ? { user: next.user } : 'nobody',
            ]
          : [];
        return ['• ', { strong: team }, ': ', ...who, ...then];
      }),
    };
  },
});

function scheduledTeams(policy: EscalationPolicy | undefined, only: string | undefined) {
  if (!policy) return [];
  return Object.entries(policy.teams).flatMap(([team, config]) => {
    const schedule = config.schedule ? policy.schedules?.[config.schedule] : undefined;
    return schedule && (only === undefined || only === team) ? [{ team, schedule }] : [];
  });
}

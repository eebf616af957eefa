/**
 * `/incident escalate [INC-n] [<time>] [<team>] [<reason>]`: pages a team (default: the policy's next
 * tier nobody paged yet) and logs why. The teams it pages are fixed when it is typed and stored on
 * its event, so the page is part of the record (a crash cannot lose it) and the answer can say
 * truthfully who is paged.
 */
import { z } from 'zod';
import { nextTier, planTiers } from '../escalation';
import type { Part } from '../message';
import { teamNames } from '../policy';
import { incidentVerb } from '../verb';
import { defined, freeText, nearestTeam, quote, Refusal, TIME_HINT, textSchema, timedTarget } from '../words';
import { atClock, clockOf, eventTime } from './shared';

export const escalate = incidentVerb({
  words: {
    escalate: {
      syntax: '/incident escalate [INC-n] [<time>] [<team>] [<reason>]',
      summary: 'page a team (default: the next tier) and log why',
      hints: [TIME_HINT],
      effect:
        'pages `<team>` (or the policy\'s next tier) and logs the escalation; the reason reaches the paged team; a word close to a team name gets "did you mean"; when nobody can be paged the reply says so and lists the teams',
    },
  },
  schema: z.strictObject({
    verb: z.literal('escalate'),
    ...timedTarget.fields,
    /** Set only when the first word names a team of the escalation policy. */
    team: textSchema.optional(),
    reason: textSchema.optional(),
  }),
  parse: (words, options) => {
    const { ref, time } = timedTarget.read(words);
    const first = words.peek()?.toLowerCase();
    const team =
      first === undefined ? undefined : options.teams?.find((name) => name.toLowerCase() === first);
    if (team !== undefined) words.take();
    else if (first !== undefined) {
      const near = nearestTeam(first, options.teams ?? []);
      if (near !== undefined) {
        throw new Refusal(
          `Did you mean \`${near}\`? ${quote(first)} is not a team of the escalation policy; nothing was paged or logged. Teams: ${(options.teams ?? []).join(', ')}.`,
        );
      }
    }
    const reason = freeText(words.remainder()) || undefined;
    return defined({ verb: 'escalate', ref, time, team, reason });
  },
  openOnly: true,
  longText: { name: 'escalation reason', of: (intent) => intent.reason },
  decide: (incident, intent, ctx) => ({
    event: {
      at: eventTime(incident, intent.time, ctx),
      kind: 'escalation',
      text: intent.reason ?? (intent.team ? `Escalated to ${intent.team}` : 'Escalated'),
      ...(intent.team ? { team: intent.team } : {}),
    },
  }),
  pages: (intent, incident, policy, alreadyPaged) =>
    intent.team
      ? [intent.team]
      : (nextTier(planTiers(policy, incident), alreadyPaged)?.teams ?? []).filter(
          (team) => !alreadyPaged.includes(team),
        ),
  followOn: ({ incident }) => [{ type: 'escalate', incidentId: incident.id }],
  confirm: ({ intent, incident, event, tz, policy }) => {
    const teams = event?.pageTeams ?? [];
    const paging: Part[] = !policy
      ? [
          ' Nobody was paged: no escalation policy is configured, so there are no teams to page. The escalation is logged.',
        ]
      : teams.length > 0
        ? [` Paging ${teams.join(', ')} now.`]
        : [
            ` Nobody was paged: no tier of the escalation policy for ${incident.severity} is left to page. Teams you can name: `,
            ...namedTeams(teamNames(policy)),
            ' (',
            { code: `/incident escalate ${incident.id} <team> <reason>` },
            '). The escalation is logged.',
          ];
    return [
      `Escalated ${incident.id}`,
      ...(intent.team ? [' to ', { strong: intent.team }] : []),
      ` at ${clockOf(event, tz)}: `,
      { typed: (event?.text ?? '').replace(/\.$/, '') },
      '.',
      ...paging,
    ];
  },
  echo: ({ incident, event, tz }) => {
    const teams = event?.pageTeams ?? [];
    const paged = teams.length > 0 ? `paging ${teams.join(', ')}` : 'nobody was paged';
    return [`escalated ${incident.id}${atClock(event, tz)} (${paged}): `, { typed: event?.text ?? '' }];
  },
});

function namedTeams(teams: readonly string[]): Part[] {
  if (teams.length === 0) return ['none'];
  return teams.flatMap((team, index) => (index === 0 ? [{ code: team }] : [', ', { code: team }]));
}

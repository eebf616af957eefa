/**
 * `/incident oncall …`: who is on call, and cover set from Slack.
 * - `oncall [team]`: who is on call now for every team with a schedule (or one team), until when,
 *   and who is next; read at the request's instant, overrides included; nothing is written.
 * - `oncall override <team> <@user> <duration | until time>`: stores cover for the team from now
 *   (lambda/incidents/oncall.ts; it wins over the schedule, the latest override over older ones),
 *   with who set it. Paging and `oncall` honour it; the CLI, which reads only the YAML, does not.
 * - `oncall overrides [remove <id>]`: lists the overrides not over yet, or removes one.
 */
import dayjs from 'dayjs';
import { z } from 'zod';
import { overrideId } from '../../store/keys';
import { type Message, type Outcome, type Part, toUser } from '../message';
import { MAX_OVERRIDE_DAYS, type OnCallOverride, overrideInForce, teamSchedule } from '../oncall';
import type { EscalationPolicy } from '../policy';
import { nextHandoff, onCallAt } from '../schedule';
import { formatDateTime, type TimeInput } from '../time';
import { generalVerb, type VerbTools } from '../verb';
import {
  defined,
  mentionSchema,
  nearestTeam,
  quote,
  Refusal,
  readTime,
  refuseExtra,
  TIME_HINT,
  textSchema,
  timeInputSchema,
  userIdSchema,
  type Words,
} from '../words';

const DURATION = /^([1-9]\d{0,4})(m|h|d|w)$/i;
const UNIT_MINUTES = { m: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 } as const;
// `<@U123ABC>` or `<@U123ABC|name>`; the name may hold spaces, so it is read from the raw words.
const LEADING_MENTION = /^\s*(<@[UW][A-Z0-9]+(?:\|[^>]*)?>)/;
const OVERRIDE_ID = /^[a-z0-9]{6}$/;
const MAX_OVERRIDE_MINUTES = MAX_OVERRIDE_DAYS * 24 * 60;

const overrideSchema = z.strictObject({
  user: userIdSchema,
  minutes: z.number().int().min(1).max(MAX_OVERRIDE_MINUTES).optional(),
  until: timeInputSchema.optional(),
});

export const oncall = generalVerb({
  words: {
    oncall: {
      syntax:
        '/incident oncall [<team>] | oncall override <team> <@user> <duration|until <time>> | oncall overrides [remove <id>]',
      summary: 'who is on call now and next; cover for a team; list or remove cover',
      hints: ['<duration>: 30m, 4h, 2d or 1w', TIME_HINT],
      effect:
        'who is on call now for every team with a schedule (or one team), until when and who is next, only to you. `override` puts someone on call for a team from now for a duration or until a time (stored, logged with who set it, honoured by paging; the latest override wins); `overrides` lists them with their ids, `overrides remove <id>` removes one',
    },
  },
  schema: z.strictObject({
    verb: z.literal('oncall'),
    team: textSchema.optional(),
    override: overrideSchema.optional(),
    list: z.literal(true).optional(),
    remove: z.string().regex(OVERRIDE_ID).optional(),
  }),
  parse: (words, options) => {
    const first = words.peek()?.toLowerCase();
    if (first === 'override') {
      words.take();
      const team = readTeam(words, options.teams ?? [], 'Name the team to cover, then the person.');
      return defined({ verb: 'oncall' as const, team, override: readCover(words) });
    }
    if (first === 'overrides') {
      words.take();
      const action = words.take();
      if (action === undefined) return { verb: 'oncall' as const, list: true as const };
      if (action.toLowerCase() !== 'remove') {
        throw new Refusal(
          `${quote(action)} is not something overrides can do; use \`overrides remove <id>\`.`,
        );
      }
      const id = words.take()?.toLowerCase();
      if (id === undefined)
        throw new Refusal('Name the override to remove by its id (`/incident oncall overrides`).');
      if (!OVERRIDE_ID.test(id))
        throw new Refusal(`${quote(id)} is not an override id; ids look like k3x9q2.`);
      refuseExtra(words, 'remove one override at a time');
      return { verb: 'oncall' as const, remove: id };
    }
    if (first === undefined) return { verb: 'oncall' as const };
    const team = readTeam(words, options.teams ?? [], '');
    refuseExtra(words, 'give at most one team');
    return defined({ verb: 'oncall' as const, team });
  },
  remembered: true,
  answer: async (intent, tools) => {
    if (intent.override && intent.team) return setOverride(intent.team, intent.override, tools);
    if (intent.remove) return removeOverride(intent.remove, tools);
    const overrides = await tools.overrides.listOnCallOverrides(tools.now);
    if (intent.list) return listOverrides(overrides, tools);
    return whoIsOnCallNow(intent.team, overrides, tools);
  },
});

function readTeam(words: Words, teams: readonly string[], missing: string): string {
  const typed = words.take();
  if (typed === undefined) throw new Refusal(missing);
  const team = teams.find((name) => name.toLowerCase() === typed.toLowerCase());
  if (team !== undefined) return team;
  const near = nearestTeam(typed, teams);
  throw new Refusal(
    `${near ? `Did you mean \`${near}\`? ` : ''}${quote(typed)} is not a team of the escalation policy. Teams: ${teams.join(', ') || 'none'}.`,
  );
}

function readCover(words: Words): z.input<typeof overrideSchema> {
  const mention = LEADING_MENTION.exec(words.raw())?.[1];
  const user = mention === undefined ? undefined : mentionSchema.safeParse(mention);
  if (!user?.success) {
    const typed = words.take();
    throw new Refusal(
      typed === undefined
        ? 'Mention the person who covers with @, then a duration (4h) or `until <time>`.'
        : `${quote(typed)} is not a user mention; mention the person who covers with @ so Slack links them.`,
    );
  }
  // A mention's name may hold spaces: it is as many words as it has pieces between them.
  for (const _piece of (mention as string).split(/\s+/)) words.take();
  const word = words.take();
  if (word === undefined) throw new Refusal('Say for how long (30m, 4h, 2d, 1w) or `until <time>`.');
  if (word.toLowerCase() === 'until') {
    const until = readTime(words);
    if (until === undefined) throw new Refusal(`Say until when: ${TIME_HINT}.`);
    refuseExtra(words, 'give one end');
    return { user: user.data, until };
  }
  const match = DURATION.exec(word);
  if (!match)
    throw new Refusal(`${quote(word)} is not a duration; use 30m, 4h, 2d or 1w, or \`until <time>\`.`);
  const minutes =
    Number(match[1]) * UNIT_MINUTES[(match[2] as string).toLowerCase() as keyof typeof UNIT_MINUTES];
  if (minutes > MAX_OVERRIDE_MINUTES) {
    throw new Refusal(`An override lasts at most ${MAX_OVERRIDE_DAYS} days; set a shorter one.`);
  }
  refuseExtra(words, 'give one duration');
  return { user: user.data, minutes };
}

/** The end of cover typed as `until HH:MM` (the next such local time) or an instant. */
function endOf(until: TimeInput, now: string, tz: string): string {
  if (until.type === 'instant') return dayjs(until.iso).toISOString();
  const local = dayjs(now).tz(tz);
  let end = dayjs.tz(
    `${local.format('YYYY-MM-DD')} ${String(until.hour).padStart(2, '0')}:${String(until.minute).padStart(2, '0')}`,
    'YYYY-MM-DD HH:mm',
    tz,
  );
  if (!end.isAfter(dayjs(now))) end = end.add(1, 'day');
  return end.toISOString();
}

async function setOverride(
  team: string,
  cover: z.infer<typeof overrideSchema>,
  tools: VerbTools,
): Promise<Outcome> {
  if (!teamSchedule(tools.policy, team, [])) {
    return toUser(
      `${team} has no on-call schedule, so nobody can cover it; add \`schedule:\` to the team (docs/policy.md).`,
    );
  }
  const to = cover.until
    ? endOf(cover.until, tools.now, tools.tz)
    : dayjs(tools.now)
        .add(cover.minutes ?? 0, 'minute')
        .toISOString();
  if (!(to > tools.now))
    return toUser(`${formatDateTime(to, tools.tz)} has passed; cover must end in the future.`);
  if (Date.parse(to) - Date.parse(tools.now) > MAX_OVERRIDE_MINUTES * 60_000) {
    return toUser(`An override lasts at most ${MAX_OVERRIDE_DAYS} days; set a shorter one.`);
  }
  const override: OnCallOverride = {
    id: overrideIdOf(tools),
    team,
    user: cover.user,
    from: tools.now,
    to,
    setBy: tools.userId,
    setAt: tools.now,
  };
  await tools.overrides.addOnCallOverride(override);
  return {
    visibility: 'user',
    message: [
      { user: override.user },
      ` is on call for ${team} until ${formatDateTime(override.to, tools.tz)} (override `,
      { code: override.id },
      `, set by `,
      { user: override.setBy },
      '). Pages for ',
      team,
      ' go to them. Remove it with ',
      { code: `/incident oncall overrides remove ${override.id}` },
      '.',
    ],
  };
}

/** The id is derived from the request, so a redelivery writes (and answers) the same override. */
function overrideIdOf(tools: VerbTools): string {
  return overrideId(tools.requestId);
}

async function removeOverride(id: string, tools: VerbTools): Promise<Outcome> {
  const removed = await tools.overrides.removeOnCallOverride(id);
  if (!removed) {
    return toUser('No override has the id ', { code: id }, '; `/incident oncall overrides` lists them.');
  }
  return toUser(
    'Removed override ',
    { code: id },
    `: `,
    { user: removed.user },
    ` no longer covers ${removed.team} (set by `,
    { user: removed.setBy },
    ` for ${formatDateTime(removed.from, tools.tz)} to ${formatDateTime(removed.to, tools.tz)}).`,
  );
}

function listOverrides(overrides: readonly OnCallOverride[], tools: VerbTools): Outcome {
  if (overrides.length === 0) {
    return toUser(
      'No on-call overrides. Set one with `/incident oncall override <team> <@user> <duration>`.',
    );
  }
  return {
    visibility: 'user',
    message: [{ strong: 'On-call overrides' }, ' (remove one with `/incident oncall overrides remove <id>`)'],
    lines: overrides.map((override) => overrideLine(override, tools)),
  };
}

function overrideLine(override: OnCallOverride, tools: VerbTools): Message {
  return [
    '• ',
    { code: override.id },
    ' ',
    { strong: override.team },
    ': ',
    { user: override.user },
    ` from ${formatDateTime(override.from, tools.tz)} until ${formatDateTime(override.to, tools.tz)}, set by `,
    { user: override.setBy },
  ];
}

function whoIsOnCallNow(
  only: string | undefined,
  overrides: readonly OnCallOverride[],
  tools: VerbTools,
): Outcome {
  const scheduled = scheduledTeams(tools.policy, only, overrides);
  if (scheduled.length === 0) {
    return toUser(
      only
        ? `${only} has no on-call schedule: it is paged through its other channels.`
        : 'No team has an on-call schedule. Add `schedules:` to the escalation policy (docs/policy.md).',
    );
  }
  return {
    visibility: 'user',
    message: [{ strong: 'On call now' }],
    lines: scheduled.map(({ team, schedule }) => {
      const now = onCallAt(schedule, tools.now);
      const next = nextHandoff(schedule, tools.now);
      const cover = overrideInForce(overrides, team, tools.now);
      const who: Part[] = now ? [{ user: now.user }] : ['nobody'];
      const why: Part[] = cover
        ? [' (override ', { code: cover.id }, ', set by ', { user: cover.setBy }, ')']
        : [];
      const then: Part[] = next
        ? [`, until ${formatDateTime(next.at, tools.tz)}; then `, next.user ? { user: next.user } : 'nobody']
        : [];
      return ['• ', { strong: team }, ': ', ...who, ...why, ...then];
    }),
  };
}

function scheduledTeams(
  policy: EscalationPolicy | undefined,
  only: string | undefined,
  overrides: readonly OnCallOverride[],
) {
  if (!policy) return [];
  return Object.keys(policy.teams).flatMap((team) => {
    const schedule = teamSchedule(policy, team, overrides);
    return schedule && (only === undefined || only === team) ? [{ team, schedule }] : [];
  });
}

/**
 * On-call handoffs (docs/policy.md, "Schedules"): at a tick, which handoffs to announce and whom each
 * schedule's Slack user group should hold. Pure: the caller lists the cover set from Slack
 * (OnCallOverrides, from `overridesListedFrom(now)`) and passes the instant; every schedule is the
 * team's with that cover applied (`teamSchedule`), so overrides are handoffs like any other.
 *
 * A handoff is the start of a person's stretch (schedule.ts: from the change that made them on call
 * to the next one, whichever layers or overrides it passes through). It is named by its team, that
 * instant and the person, so every tick that sees it names it the same way, and a claim on that name
 * (store/keys.ts, claimKey.handoff) makes it told once however many ticks or workers see it.
 */
import { type OnCallOverride, teamSchedule } from './oncall';
import type { EscalationPolicy } from './policy';
import { nextHandoff, onCallAt, type Schedule, whoIsOnCall } from './schedule';

/**
 * How late a handoff may first be noticed and still be announced. The tick runs every minute, so a
 * healthy bot tells a handoff within a minute; this allows for missed ticks, a deploy or a Slack
 * outage (a send that fails is retried every tick until then). Noticed later (the bot was down), the
 * handoff is not announced: "you are now on call" hours after the fact misleads more than it helps,
 * and a bot coming back after an outage would otherwise tell every team at once. The user group is
 * synced regardless of age: it must hold whoever is on call now.
 */
export const ANNOUNCE_WITHIN_MS = 15 * 60_000;

/**
 * How far back the tick lists cover set from Slack: an override that ended within this long still
 * shapes who was on call before now, so its end is a handoff, and a stretch's start stays the same
 * from tick to tick. Longer than the longest usual stretch (a week).
 */
export const COVER_LOOKBACK_MS = 8 * 24 * 3600_000;

/** The instant (ISO) from which the tick lists overrides: `listOnCallOverrides(overridesListedFrom(now))`. */
export function overridesListedFrom(now: string): string {
  return new Date(Date.parse(now) - COVER_LOOKBACK_MS).toISOString();
}

/** A handoff to tell: the DM to `user`, and a line in `handoffChannel` when the schedule has one. */
export interface HandoffNotice {
  team: string;
  /** The schedule's name under `schedules`. */
  schedule: string;
  /** ISO UTC: the handoff, the start of `user`'s stretch. */
  at: string;
  /** Who is on call from `at`. */
  user: string;
  /** Who was on call just before; absent: nobody. */
  previous?: string;
  /** ISO UTC: the next handoff; absent: none within the model's horizon. */
  until?: string;
  /** Who is on call after `until`; absent: nobody (or no next handoff). */
  next?: string;
  handoffChannel?: string;
}

/** What a schedule's user group should hold now. */
export interface UsergroupTarget {
  usergroup: string;
  /** The schedule's name under `schedules`. */
  schedule: string;
  /** The people on call now for the teams on this schedule (one, unless their cover differs), sorted. */
  users: string[];
  /** ISO UTC: the latest start of their stretches. */
  since: string;
  /** ISO UTC: the earliest next handoff among them; absent: none within the model's horizon. */
  until?: string;
  /** Ids of the overrides of those teams that have begun: they shape who is on call (claimKey.usergroupSync). */
  coverIds: string[];
}

interface TeamOnCall {
  team: string;
  scheduleName: string;
  schedule: Schedule;
}

/** Every team with a schedule, the schedule with the team's cover applied, sorted by team. */
function scheduledTeams(
  policy: EscalationPolicy | undefined,
  overrides: readonly OnCallOverride[],
): TeamOnCall[] {
  if (!policy) return [];
  return Object.keys(policy.teams)
    .sort()
    .flatMap((team) => {
      const scheduleName = policy.teams[team]?.schedule;
      const schedule = teamSchedule(policy, team, overrides);
      return scheduleName !== undefined && schedule ? [{ team, scheduleName, schedule }] : [];
    });
}

const before = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();

/**
 * The handoffs to announce at `now`: for each team with a schedule, the person on call now when their
 * stretch began within ANNOUNCE_WITHIN_MS (and not after `now`). One per team at most: when several
 * handoffs happened since the last tick, only the person on call now is told. A stretch where nobody
 * is on call is not announced.
 */
export function handoffsToAnnounce(
  policy: EscalationPolicy | undefined,
  overrides: readonly OnCallOverride[],
  now: string,
): HandoffNotice[] {
  const nowMs = Date.parse(now);
  return scheduledTeams(policy, overrides).flatMap(({ team, scheduleName, schedule }) => {
    const current = onCallAt(schedule, now);
    if (!current) return [];
    const age = nowMs - Date.parse(current.from);
    if (age < 0 || age > ANNOUNCE_WITHIN_MS) return [];
    const previous = whoIsOnCall(schedule, before(current.from))?.user;
    const next = nextHandoff(schedule, now);
    const notice: HandoffNotice = {
      team,
      schedule: scheduleName,
      at: current.from,
      user: current.user,
      ...(previous ? { previous } : {}),
      ...(next ? { until: next.at } : {}),
      ...(next?.user ? { next: next.user } : {}),
      ...(schedule.handoff_channel ? { handoffChannel: schedule.handoff_channel } : {}),
    };
    return [notice];
  });
}

/**
 * What each schedule with a `usergroup` should hold at `now`: the person on call for its teams (the
 * schedule's own rotation when no team uses it). Teams sharing a schedule but covered differently
 * each have their person in the group. A schedule with nobody on call is left out: Slack cannot
 * empty a group through usergroups.users.update.
 */
export function usergroupTargets(
  policy: EscalationPolicy | undefined,
  overrides: readonly OnCallOverride[],
  now: string,
): UsergroupTarget[] {
  if (!policy?.schedules) return [];
  const nowMs = Date.parse(now);
  const teams = scheduledTeams(policy, overrides);
  return Object.entries(policy.schedules)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, raw]): UsergroupTarget[] => {
      if (!raw.usergroup) return [];
      const using = teams.filter((team) => team.scheduleName === name);
      const schedules = using.length > 0 ? using.map((team) => team.schedule) : [raw];
      const stretches = schedules.flatMap((schedule) => {
        const current = onCallAt(schedule, now);
        return current ? [{ current, next: nextHandoff(schedule, now) }] : [];
      });
      if (stretches.length === 0) return [];
      const names = new Set(using.map((team) => team.team));
      const coverIds = overrides
        .filter((override) => names.has(override.team) && Date.parse(override.from) <= nowMs)
        .map((override) => override.id)
        .sort();
      const ends = stretches.flatMap(({ next }) => (next ? [next.at] : [])).sort();
      return [
        {
          usergroup: raw.usergroup,
          schedule: name,
          users: [...new Set(stretches.map(({ current }) => current.user))].sort(),
          since: stretches.map(({ current }) => current.from).sort()[stretches.length - 1] as string,
          ...(ends[0] ? { until: ends[0] } : {}),
          coverIds,
        },
      ];
    });
}

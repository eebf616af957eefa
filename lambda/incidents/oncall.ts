/**
 * Who is on call for a team, with the cover set from Slack (`/incident oncall override`): the
 * policy's schedule (lambda/incidents/schedule.ts) plus the team's stored overrides, the latest set
 * first. Pure: the overrides are read by the caller (store/store.ts, OnCallOverrides).
 */
import type { EscalationPolicy } from './policy';
import { type Cover, type Schedule, whoIsOnCall, withCover } from './schedule';

/** Cover for a team set from Slack: stored in the table, shown by `oncall`, honoured when paging. */
export interface OnCallOverride {
  /** Short id, typed to remove it (`/incident oncall overrides remove <id>`). */
  id: string;
  team: string;
  /** Slack user id of the person covering. */
  user: string;
  /** ISO UTC: [from, to). */
  from: string;
  to: string;
  /** Slack user id of who set it, and when (ISO UTC). */
  setBy: string;
  setAt: string;
}

/** The longest cover one override may give. */
export const MAX_OVERRIDE_DAYS = 90;

/** The team's schedule with its overrides in front (the latest set wins), if the team has a schedule. */
export function teamSchedule(
  policy: EscalationPolicy | undefined,
  team: string,
  overrides: readonly OnCallOverride[],
): Schedule | undefined {
  const name = policy?.teams[team]?.schedule;
  const schedule = name === undefined ? undefined : policy?.schedules?.[name];
  if (!schedule) return undefined;
  const cover: Cover[] = overrides
    .filter((override) => override.team === team)
    .sort((a, b) => b.setAt.localeCompare(a.setAt) || b.id.localeCompare(a.id))
    .map(({ user, from, to }) => ({ user, from, to }));
  return withCover(schedule, cover);
}

/** The person on call for a team at `at` (ISO), overrides included; undefined without a schedule or anybody. */
export function onCallFor(
  policy: EscalationPolicy | undefined,
  team: string,
  overrides: readonly OnCallOverride[],
  at: string,
): string | undefined {
  const schedule = teamSchedule(policy, team, overrides);
  return schedule ? whoIsOnCall(schedule, at)?.user : undefined;
}

/** The override in force for a team at `at`, if one is (the one `teamSchedule` lets win). */
export function overrideInForce(
  overrides: readonly OnCallOverride[],
  team: string,
  at: string,
): OnCallOverride | undefined {
  const t = Date.parse(at);
  return overrides
    .filter((o) => o.team === team && Date.parse(o.from) <= t && t < Date.parse(o.to))
    .sort((a, b) => b.setAt.localeCompare(a.setAt) || b.id.localeCompare(a.id))[0];
}

/**
 * Who is on call, as the policy file alone says (layers and planned overrides). Overrides set from
 * Slack live in the store and are not seen here.
 */
import type { EscalationPolicy } from '../lambda/incidents/policy';
import { type OnCall, onCallAt, type Schedule } from '../lambda/incidents/schedule';

/** The policy as the schedule-aware parser returns it: `schedules:` and a team's `schedule:`. */
interface WithSchedules {
  schedules?: Record<string, Schedule>;
  teams: Record<string, { schedule?: string }>;
}

function scheduled(policy: EscalationPolicy): WithSchedules {
  return policy as unknown as WithSchedules;
}

export function scheduleCount(policy: EscalationPolicy): number {
  return Object.keys(scheduled(policy).schedules ?? {}).length;
}

/** The schedule a team pages, if it has one. */
export function teamSchedule(policy: EscalationPolicy, team: string): string | undefined {
  return scheduled(policy).teams[team]?.schedule;
}

/** The person on call for a team at an instant; undefined when nobody is (or the team has no schedule). */
export function onCallFor(policy: EscalationPolicy, team: string, atIso: string): OnCall | undefined {
  const name = teamSchedule(policy, team);
  const schedule = name === undefined ? undefined : scheduled(policy).schedules?.[name];
  if (schedule === undefined) return undefined;
  return onCallAt(schedule, atIso);
}

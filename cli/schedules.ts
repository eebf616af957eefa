/**
 * Who is on call, as the policy file alone says (layers and planned overrides). Overrides set from
 * Slack live in the store and are not seen here.
 */
import { type EscalationPolicy, scheduleOf } from '../lambda/incidents/policy';
import { type OnCall, onCallAt } from '../lambda/incidents/schedule';

export function scheduleCount(policy: EscalationPolicy): number {
  return Object.keys(policy.schedules ?? {}).length;
}

/** The name of the schedule a team pages, if it has one. */
export function teamSchedule(policy: EscalationPolicy, team: string): string | undefined {
  return policy.teams[team]?.schedule;
}

/** The person on call for a team at an instant; undefined when nobody is (or the team has no schedule). */
export function onCallFor(policy: EscalationPolicy, team: string, atIso: string): OnCall | undefined {
  const schedule = scheduleOf(policy, team);
  return schedule && onCallAt(schedule, atIso);
}

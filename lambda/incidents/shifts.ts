/** A person's coming on-call shifts across every schedule of the policy (for App Home). */
import { type OnCallOverride, teamSchedule } from './oncall';
import type { EscalationPolicy } from './policy';
import { shiftsIn } from './schedule';

export interface TeamShift {
  team: string;
  /** ISO UTC. */
  from: string;
  to: string;
}

/** How far ahead App Home looks for someone's shifts. */
export const SHIFTS_AHEAD_DAYS = 14;
/** At most this many are listed: one block of App Home holds them. */
export const SHIFTS_LISTED = 10;

/**
 * The stretches `userId` is on call within the next `days` (the current one included), earliest
 * first, for every team whose schedule has them, cover set from Slack included.
 */
export function nextShiftsOf(
  policy: EscalationPolicy | undefined,
  userId: string,
  nowIso: string,
  overrides: readonly OnCallOverride[] = [],
  days = SHIFTS_AHEAD_DAYS,
): TeamShift[] {
  if (!policy?.schedules) return [];
  const until = new Date(Date.parse(nowIso) + days * 86_400_000).toISOString();
  const shifts = Object.keys(policy.teams).flatMap((team) => {
    const schedule = teamSchedule(policy, team, overrides);
    if (!schedule) return [];
    return shiftsIn(schedule, nowIso, until)
      .filter((shift) => shift.user === userId)
      .map((shift) => ({ team, from: shift.from, to: shift.to }));
  });
  return shifts.sort((a, b) => Date.parse(a.from) - Date.parse(b.from)).slice(0, SHIFTS_LISTED);
}

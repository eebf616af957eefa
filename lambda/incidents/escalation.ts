/**
 * Escalation decisions, pure: which tiers an incident's severity calls for and when each is due,
 * whether a due tier should still page, and which teams have been paged already.
 */
import { type EscalationPolicy, tiersFor } from './policy';
import type { Incident, Severity, TimelineEvent } from './types';

export interface PlannedTier {
  severity: Severity;
  tier: number;
  teams: string[];
  /** Declaration + `after`: paging is for the people needed now, not from a back-dated start. */
  dueAt: string;
}

export function planTiers(policy: EscalationPolicy | undefined, incident: Incident): PlannedTier[] {
  if (!policy) return [];
  const declared = Date.parse(incident.declaredAt);
  return tiersFor(policy, incident.severity).map((tier, index) => ({
    severity: incident.severity,
    tier: index,
    teams: tier.notify,
    dueAt: new Date(declared + tier.after * 1000).toISOString(),
  }));
}

/** Why a due tier must not page, or undefined when it should. */
export function reasonNotToPage(incident: Incident, severity: Severity): string | undefined {
  if (incident.status === 'resolved') return 'resolved';
  if (incident.acknowledgedAt) return 'acknowledged';
  if (incident.severity !== severity) return `re-planned for ${incident.severity}`;
  return undefined;
}

/** Teams that took a page (automatic or manual) on this incident, in the order they were paged. */
export function pagedTeams(events: readonly TimelineEvent[]): string[] {
  const teams: string[] = [];
  for (const event of events) {
    if (event.kind === 'escalation' && event.team && !event.page?.failed && !teams.includes(event.team)) {
      teams.push(event.team);
    }
  }
  return teams;
}

/** The first tier of the current plan with a team nobody has paged yet: `escalate` without a team. */
export function nextTier(plan: PlannedTier[], paged: readonly string[]): PlannedTier | undefined {
  return plan.find((tier) => tier.teams.some((team) => !paged.includes(team)));
}

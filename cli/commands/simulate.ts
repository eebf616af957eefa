import { planTiers } from '../../lambda/incidents/escalation';
import type { EscalationPolicy, Team } from '../../lambda/incidents/policy';
import { type Incident, SEVERITIES, type Severity } from '../../lambda/incidents/types';
import {
  columns,
  EXIT,
  type ExitCode,
  formatInstant,
  type Io,
  instant,
  readPolicy,
  UsageError,
} from '../common';
import { onCallFor, teamSchedule } from '../schedules';

export const SIMULATE_USAGE = `Usage: incident-bot simulate FILE --severity sevN [--at ISO-8601]

Prints the paging plan of an incident declared at an instant (now by default)
with that severity: each tier's delay after declaration, the time it fires, each
team it pages, the person on call then (teams with a schedule) and the team's
channels (names only, never keys). Tiers fire while nobody has acknowledged.
--severity S   sev1, sev2, sev3 or sev4
--at TIME      the declaration, an ISO-8601 date-time with a zone (2026-12-24T09:00Z)

Overrides set from Slack live in the bot's store and are not seen here.`;

/** `+0m`, `+90s`, `+15m`, `+1h30m`. */
export function formatDelay(seconds: number): string {
  if (seconds === 0) return '+0m';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `+${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** How a team is paged, by name: never a routing key, API key or webhook URL (they may be secrets). */
export function channels(team: Team | undefined, schedule?: string): string {
  if (!team) return '';
  const names = [
    schedule && `schedule ${schedule}`,
    team.slack && `slack ${team.slack}`,
    team.users?.length && `dm ${team.users.join(' ')}`,
    team.pagerduty && 'pagerduty',
    team.opsgenie && 'opsgenie',
    team.webhook && 'webhook',
  ];
  return names.filter(Boolean).join(', ') || '-';
}

function source(policy: EscalationPolicy, severity: Severity): string {
  if (policy.escalation[severity]) return `escalation.${severity}`;
  return policy.escalation.default ? 'escalation.default' : 'no tiers';
}

function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text);
}

export function simulate(file: string, options: { severity?: string; at?: string }, io: Io): ExitCode {
  const severity = options.severity;
  if (severity === undefined) throw new UsageError('--severity is required');
  if (!isSeverity(severity)) {
    throw new UsageError(`--severity: expected one of ${SEVERITIES.join(', ')}; got '${severity}'`);
  }
  const at = instant(options.at, io);
  const policy = readPolicy(file);
  const declaredAt = at.toISOString();
  // planTiers reads only the severity and the declaration of the incident it plans for.
  const incident: Pick<Incident, 'severity' | 'declaredAt'> = { severity, declaredAt };
  const plan = planTiers(policy, incident as Incident);
  io.out(`${severity} declared at ${formatInstant(at)} (${source(policy, severity)}):`);
  if (plan.length === 0) {
    io.out('nobody is paged: the policy has no tiers for this severity and no default');
    return EXIT.ok;
  }
  const rows: string[][] = [['delay', 'at', 'team', 'on call', 'channels']];
  for (const tier of plan) {
    const due = new Date(tier.dueAt);
    for (const team of tier.teams) {
      const schedule = teamSchedule(policy, team);
      const person = schedule ? (onCallFor(policy, team, tier.dueAt)?.user ?? 'nobody') : '-';
      rows.push([
        formatDelay((due.getTime() - at.getTime()) / 1000),
        formatInstant(due),
        team,
        person,
        channels(policy.teams[team], schedule),
      ]);
    }
  }
  for (const line of columns(rows)) io.out(line);
  return EXIT.ok;
}

import { teamNames } from '../../lambda/incidents/policy';
import { EXIT, type ExitCode, FileError, type Io, instant, readPolicy, UsageError } from '../common';
import { onCallFor, teamSchedule } from '../schedules';

export const ONCALL_USAGE = `Usage: incident-bot oncall FILE [--team T] [--at ISO-8601]

Prints who is on call at an instant (now by default), one line per team with a
schedule: 'team: U…', or 'team: nobody' when nobody is on call then.
--team T       only team T
--at TIME      the instant, an ISO-8601 date-time with a zone (2026-12-24T09:00Z)

Reads the schedules' layers and planned overrides from FILE only. Overrides set
from Slack (/incident oncall override) live in the bot's store and are not seen here.`;

export function oncall(file: string, options: { team?: string; at?: string }, io: Io): ExitCode {
  const at = instant(options.at, io);
  const policy = readPolicy(file);
  const all = teamNames(policy);
  if (options.team !== undefined && !all.includes(options.team)) {
    throw new UsageError(`--team: unknown team '${options.team}' (teams: ${all.join(', ') || 'none'})`);
  }
  const teams = (options.team === undefined ? all : [options.team]).filter(
    (team) => teamSchedule(policy, team) !== undefined,
  );
  if (teams.length === 0) {
    throw new FileError(
      options.team === undefined ? `${file}: no team has a schedule` : `${options.team} has no schedule`,
    );
  }
  const atIso = at.toISOString();
  for (const team of teams) io.out(`${team}: ${onCallFor(policy, team, atIso)?.user ?? 'nobody'}`);
  return EXIT.ok;
}

import { teamNames } from '../../lambda/incidents/policy';
import { EXIT, type ExitCode, type Io, readPolicy } from '../common';
import { scheduleCount } from '../schedules';

export const POLICY_CHECK_USAGE = `Usage: incident-bot policy check FILE

Validates an escalation policy file (YAML) as the bot does at start.
Exit 0 with a one-line summary when it is valid; exit 1 printing every bad field
(path: problem), or why the file cannot be read.`;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function policyCheck(file: string, io: Io): ExitCode {
  const policy = readPolicy(file);
  const teams = teamNames(policy);
  const levels = Object.keys(policy.escalation);
  io.out(
    `${file}: OK: ${plural(teams.length, 'team')} (${teams.join(', ')}), ${plural(scheduleCount(policy), 'schedule')}, escalation for ${levels.join(', ') || 'no severity'}`,
  );
  return EXIT.ok;
}

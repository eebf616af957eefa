/**
 * `incident-bot`: the package's command line, for the escalation policy as code in a team's CI
 * (docs/policy.md). bin/incident-bot.cjs runs this file.
 */
import { parseArgs } from 'node:util';
import { ONCALL_USAGE, oncall } from './commands/oncall';
import { POLICY_CHECK_USAGE, policyCheck } from './commands/policy-check';
import { SIMULATE_USAGE, simulate } from './commands/simulate';
import { EXIT, type ExitCode, FileError, type Io, UsageError } from './common';

export const USAGE = `Usage: incident-bot <command> [options]

Commands:
  policy check FILE                                 validate an escalation policy file
  oncall FILE [--team T] [--at ISO-8601]            who is on call, one line per team
  simulate FILE --severity sevN [--at ISO-8601]     the paging plan of an incident

incident-bot <command> --help describes a command. Exit codes: 0 fine, 1 the file
is bad (every bad field is printed), 2 the command line is bad.`;

interface Command {
  usage: string;
  options: Record<string, { type: 'string' }>;
  run(file: string, values: Record<string, string | undefined>, io: Io): ExitCode;
}

const COMMANDS: Record<string, Command> = {
  'policy check': {
    usage: POLICY_CHECK_USAGE,
    options: {},
    run: (file, _values, io) => policyCheck(file, io),
  },
  oncall: {
    usage: ONCALL_USAGE,
    options: { team: { type: 'string' }, at: { type: 'string' } },
    run: (file, values, io) => oncall(file, values, io),
  },
  simulate: {
    usage: SIMULATE_USAGE,
    options: { severity: { type: 'string' }, at: { type: 'string' } },
    run: (file, values, io) => simulate(file, values, io),
  },
};

/** The command a command line names (`policy check` is two words), and the arguments after it. */
function findCommand(args: readonly string[]): { name: string; rest: string[] } | undefined {
  const [first, second] = args;
  if (first === 'policy' && second === 'check') return { name: 'policy check', rest: args.slice(2) };
  if (first !== undefined && first !== 'policy check' && Object.hasOwn(COMMANDS, first)) {
    return { name: first, rest: args.slice(1) };
  }
  return undefined;
}

function usageError(io: Io, message: string, usage: string): ExitCode {
  io.err(`incident-bot: ${message}`);
  io.err('');
  io.err(usage);
  return EXIT.usage;
}

/** Runs a command line (without `node` and the script) and says how to exit. */
export function main(args: readonly string[], io: Io): ExitCode {
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    if (args.length === 0) return usageError(io, 'no command', USAGE);
    io.out(USAGE);
    return EXIT.ok;
  }
  const found = findCommand(args);
  if (!found) {
    const name = args[0] === 'policy' ? `policy ${args[1] ?? ''}`.trim() : args[0];
    return usageError(io, `unknown command '${name}'`, USAGE);
  }
  const command = COMMANDS[found.name] as Command;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: found.rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usageError(io, (error as Error).message, command.usage);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(command.usage);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    const message = positionals.length === 0 ? 'FILE is required' : `one FILE, got ${positionals.join(' ')}`;
    return usageError(io, message, command.usage);
  }
  try {
    return command.run(positionals[0] as string, values as Record<string, string | undefined>, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, command.usage);
    if (error instanceof FileError) {
      io.err(error.message.trimEnd());
      return EXIT.bad;
    }
    throw error;
  }
}

if (require.main === module) {
  const io: Io = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    now: () => new Date(),
  };
  process.exitCode = main(process.argv.slice(2), io);
}

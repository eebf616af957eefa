/**
 * `incident-bot`: the package's command line, for the escalation policy as code in a team's CI
 * (docs/policy.md), and `export` of the incidents in the bot's store. bin/incident-bot.cjs runs this
 * file. Commands may be async (`export` reads a store): `main` resolves to the exit code.
 */
import { parseArgs } from 'node:util';
import { EXPORT_USAGE, exportIncidents } from './commands/export';
import { ONCALL_USAGE, oncall } from './commands/oncall';
import { POLICY_CHECK_USAGE, policyCheck } from './commands/policy-check';
import { SIMULATE_USAGE, simulate } from './commands/simulate';
import { EXIT, type ExitCode, FileError, type Io, processIo, UsageError } from './common';

export const USAGE = `Usage: incident-bot <command> [options]

Commands:
  policy check FILE                                 validate an escalation policy file
  oncall FILE [--team T] [--at ISO-8601]            who is on call, one line per team
  simulate FILE --severity sevN [--at ISO-8601]     the paging plan of an incident
  export --since DATE [--format csv|json] [--out FILE]
                                                    the incidents in the bot's store

incident-bot <command> --help describes a command. Exit codes: 0 fine, 1 the file
is bad (every bad field is printed) or the store cannot be read, 2 the command
line is bad.`;

type Values = Record<string, string | undefined>;

/** A command that reads one FILE (the policy commands) or none (`export`); it may return a promise. */
type Command = {
  usage: string;
  options: Record<string, { type: 'string' }>;
} & (
  | { takesFile: true; run(file: string, values: Values, io: Io): ExitCode | Promise<ExitCode> }
  | { takesFile: false; run(values: Values, io: Io): ExitCode | Promise<ExitCode> }
);

const COMMANDS: Record<string, Command> = {
  'policy check': {
    usage: POLICY_CHECK_USAGE,
    options: {},
    takesFile: true,
    run: (file, _values, io) => policyCheck(file, io),
  },
  oncall: {
    usage: ONCALL_USAGE,
    options: { team: { type: 'string' }, at: { type: 'string' } },
    takesFile: true,
    run: (file, values, io) => oncall(file, values, io),
  },
  simulate: {
    usage: SIMULATE_USAGE,
    options: { severity: { type: 'string' }, at: { type: 'string' } },
    takesFile: true,
    run: (file, values, io) => simulate(file, values, io),
  },
  export: {
    usage: EXPORT_USAGE,
    options: { since: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
    takesFile: false,
    run: (values, io) => exportIncidents(values, io),
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
export async function main(args: readonly string[], io: Io): Promise<ExitCode> {
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
  if (command.takesFile && positionals.length !== 1) {
    const message = positionals.length === 0 ? 'FILE is required' : `one FILE, got ${positionals.join(' ')}`;
    return usageError(io, message, command.usage);
  }
  if (!command.takesFile && positionals.length > 0) {
    return usageError(io, `takes no FILE, got ${positionals.join(' ')}`, command.usage);
  }
  try {
    return command.takesFile
      ? await command.run(positionals[0] as string, values as Values, io)
      : await command.run(values as Values, io);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message, command.usage);
    if (error instanceof FileError) {
      io.err(error.message.trimEnd());
      return EXIT.bad;
    }
    throw error;
  }
}

/** Runs the process's command line and sets its exit code (bin/incident-bot.cjs calls it). */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), processIo());
}

if (require.main === module) void run();

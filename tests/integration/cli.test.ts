/**
 * The `incident-bot` command line (docs/policy.md, README "Policy as code"), run as CI runs it: a real
 * child process through the package's bin, its exit code and its output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CliRun, ROOT, runCli } from '../helpers/cli';

const EXAMPLE = 'examples/escalation-policy.yaml';

const cli = (...args: string[]) => runCli(args);

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'incident-bot-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
}

describe('incident-bot policy check', () => {
  it('passes the example policy with a one-line summary', async () => {
    const run = await cli('policy', 'check', EXAMPLE);
    expect(run).toEqual({
      code: 0,
      stdout: `${EXAMPLE}: OK: 2 teams (oncall, sre), 0 schedules, escalation for default, sev1\n`,
      stderr: '',
    });
  });

  it('fails a broken policy naming every bad field, and no key', async () => {
    const broken = file(
      'broken.yaml',
      [
        'teams:',
        '  oncall: { slack: nope, pagerduty: not-a-32-character-key }',
        '  sre: {}',
        'escalation:',
        '  sev1:',
        '    - { after: soon, notify: [oncall, dba] }',
        'reminders: { sev1: 10 }',
      ].join('\n'),
    );
    const run = await cli('policy', 'check', broken);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toEqual([
      `${broken} is invalid:`,
      'teams.oncall.slack: expected a Slack user group id like S0ONCALL',
      'teams.oncall.pagerduty: expected a PagerDuty routing key of 32 characters (the Integration Key of an Events API v2 integration), got 22',
      'escalation.sev1[0].after: expected a duration like 15m',
      'reminders.sev1: expected a duration like 15m',
      expect.stringMatching(
        /^teams\.sre: no way to page this team: set at least one of .*slack, users, pagerduty/,
      ),
      "escalation.sev1[0].notify[1]: unknown team 'dba' (teams: oncall, sre)",
    ]);
    expect(run.stderr).not.toContain('not-a-32-character-key');
  });

  it('says why a file cannot be used: missing, not YAML', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const run = await cli('policy', 'check', missing);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^${missing.replace(/[.\\/]/g, '\\$&')}: cannot read it: ENOENT`));

    const notYaml = file('not-yaml.yaml', 'teams: [\n  oops');
    const bad = await cli('policy', 'check', notYaml);
    expect(bad.code).toBe(1);
    expect(bad.stderr.startsWith(`${notYaml}: not valid YAML: `)).toBe(true);
  });
});

describe('incident-bot simulate', () => {
  it('prints the paging plan of the example policy: delay, time, team, person, channels', async () => {
    const run = await cli('simulate', EXAMPLE, '--severity', 'sev2', '--at', '2026-12-02T10:00Z');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'sev2 declared at 2026-12-02T10:00:00Z (escalation.default):',
      'delay  at                    team    on call  channels',
      '+0m    2026-12-02T10:00:00Z  oncall  -        slack S0ONCALL, dm U0ONCALL1',
      '+15m   2026-12-02T10:15:00Z  sre     -        slack S0SRE',
      '',
    ]);
  });

  it('names channels, never routing keys, API keys or webhook URLs', async () => {
    const policy = file(
      'channels.yaml',
      [
        'teams:',
        `  db: { pagerduty: ${'k'.repeat(32)}, opsgenie: secret-opsgenie-key, webhook: "https://hooks.example.test/T0/secret-path" }`,
        'escalation:',
        '  sev1:',
        '    - { after: 0s, notify: [db] }',
        '    - { after: 90s, notify: [db] }',
        '    - { after: 2h, notify: [db] }',
      ].join('\n'),
    );
    const ok = await cli('simulate', policy, '--severity', 'sev1', '--at', '2026-12-02T11:00:00+01:00');
    expect(ok.code).toBe(0);
    expect(lines(ok.stdout)).toEqual([
      'sev1 declared at 2026-12-02T10:00:00Z (escalation.sev1):',
      'delay   at                    team  on call  channels',
      '+0m     2026-12-02T10:00:00Z  db    -        pagerduty, opsgenie, webhook',
      '+1m30s  2026-12-02T10:01:30Z  db    -        pagerduty, opsgenie, webhook',
      '+2h     2026-12-02T12:00:00Z  db    -        pagerduty, opsgenie, webhook',
    ]);
    expect(ok.stdout).not.toMatch(/kkkk|secret/);
  });

  it('says when a severity pages nobody', async () => {
    const policy = file(
      'sev1-only.yaml',
      'teams:\n  a: { slack: S0A }\nescalation:\n  sev1:\n    - { after: 0m, notify: [a] }\n',
    );
    const run = await cli('simulate', policy, '--severity', 'sev4', '--at', '2026-12-02T10:00Z');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      'sev4 declared at 2026-12-02T10:00:00Z (no tiers):',
      'nobody is paged: the policy has no tiers for this severity and no default',
    ]);
  });
});

describe('the package bin', () => {
  it('`npx incident-bot` runs bin/incident-bot.cjs', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin?: unknown };
    expect(pkg.bin).toEqual({ 'incident-bot': 'bin/incident-bot.cjs' });
    const run = await new Promise<CliRun>((resolve, reject) => {
      execFile(
        'npx',
        ['--offline', 'incident-bot', 'policy', 'check', EXAMPLE],
        { cwd: ROOT },
        (error, stdout, stderr) =>
          error && typeof error.code !== 'number'
            ? reject(error)
            : resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    expect(run.stdout).toBe(
      `${EXAMPLE}: OK: 2 teams (oncall, sre), 0 schedules, escalation for default, sev1\n`,
    );
    expect(run.code).toBe(0);
  });
});

describe('incident-bot usage', () => {
  it('a bad command line: exit 2, what is wrong, then the usage', async () => {
    const cases: [string[], string][] = [
      [[], 'no command'],
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['policy', 'lint', EXAMPLE], "unknown command 'policy lint'"],
      [['policy', 'check'], 'FILE is required'],
      [['policy', 'check', EXAMPLE, '--strict'], "Unknown option '--strict'"],
      [['simulate', EXAMPLE], '--severity is required'],
      [
        ['simulate', EXAMPLE, '--severity', 'sev5'],
        "--severity: expected one of sev1, sev2, sev3, sev4; got 'sev5'",
      ],
      [['simulate', EXAMPLE, '--severity', 'sev1', '--at', '2026-12-02T10:00'], '--at: expected an ISO-8601'],
      [['oncall', EXAMPLE, '--team', 'dba'], "--team: unknown team 'dba' (teams: oncall, sre)"],
    ];
    // CliRun at once (each is its own process); compared as one list, each case named by its arguments.
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    const seen = runs.map((run, i) => ({
      args: cases[i]?.[0],
      code: run.code,
      stdout: run.stdout,
      says: run.stderr.includes(`incident-bot: ${cases[i]?.[1]}`),
      usage: run.stderr.includes('Usage: incident-bot '),
    }));
    expect(seen).toEqual(cases.map(([args]) => ({ args, code: 2, stdout: '', says: true, usage: true })));
  });

  it('--help for every command, exit 0', async () => {
    const help = await Promise.all([
      cli('--help'),
      cli('policy', 'check', '--help'),
      cli('oncall', '--help'),
      cli('simulate', '--help'),
    ]);
    expect(help.map((run) => run.code)).toEqual([0, 0, 0, 0]);
    expect(help[0]?.stdout).toContain('policy check FILE');
    expect(help[1]?.stdout).toContain('Usage: incident-bot policy check FILE');
    expect(help[2]?.stdout).toContain('Usage: incident-bot oncall FILE [--team T] [--at ISO-8601]');
    expect(help[2]?.stdout).toMatch(
      /Overrides set\s+from Slack \(\/incident oncall override\) live in the bot's store and are not seen here/,
    );
    expect(help[3]?.stdout).toContain('Usage: incident-bot simulate FILE --severity sevN [--at ISO-8601]');
  });
});

describe('incident-bot oncall (schedules in the file)', () => {
  const SCHEDULED = [
    'schedules:',
    '  sre:',
    '    timezone: Europe/Berlin',
    '    layers:',
    '      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0ANNA, U0BEN, U0CARL] }',
    '      - name: weekday-days',
    '        start: 2026-11-30T09:00',
    '        shift: 1d',
    '        members: [U0DANA, U0ERIK]',
    '        restrict: { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }',
    '    overrides:',
    '      - { user: U0DANA, from: 2026-12-24T00:00, to: 2026-12-27T00:00 }',
    '  dba:',
    '    timezone: UTC',
    '    layers:',
    '      - name: weekends',
    '        start: 2026-11-28T00:00',
    '        shift: 1w',
    '        members: [U0FRED]',
    '        restrict: { days: [sat, sun] }',
    'teams:',
    '  sre: { schedule: sre, slack: S0SRE }',
    '  dba: { schedule: dba }',
    '  web: { slack: S0WEB }',
    'escalation:',
    '  default:',
    '    - { after: 0m, notify: [sre, web] }',
    '    - { after: 15m, notify: [sre, dba] }',
  ].join('\n');

  it('one line per team with a schedule, at each instant', async () => {
    const policy = file('scheduled.yaml', SCHEDULED);
    const cases: [string, string[]][] = [
      ['2026-12-02T10:00Z', ['sre: U0DANA', 'dba: nobody']], // Wed 11:00 Berlin: the weekday layer
      ['2026-12-02T20:00Z', ['sre: U0ANNA', 'dba: nobody']], // Wed 21:00 Berlin: primary, week 1
      ['2026-12-03T10:00Z', ['sre: U0ERIK', 'dba: nobody']], // Thu 11:00 Berlin: the next day's shift
      ['2026-12-08T18:00Z', ['sre: U0BEN', 'dba: nobody']], // Tue 19:00 Berlin: primary, week 2
      ['2026-12-05T12:00Z', ['sre: U0ANNA', 'dba: U0FRED']], // Saturday
      ['2026-12-25T10:00Z', ['sre: U0DANA', 'dba: nobody']], // the planned override
    ];
    const runs = await Promise.all(cases.map(([at]) => cli('oncall', policy, '--at', at)));
    expect(
      runs.map((run, i) => ({
        at: cases[i]?.[0],
        code: run.code,
        stderr: run.stderr,
        lines: lines(run.stdout),
      })),
    ).toEqual(cases.map(([at, expected]) => ({ at, code: 0, stderr: '', lines: expected })));
  });

  it('policy check counts the schedules, and names a bad one', async () => {
    const policy = file('scheduled.yaml', SCHEDULED);
    const ok = await cli('policy', 'check', policy);
    expect({ code: ok.code, stdout: ok.stdout }).toEqual({
      code: 0,
      stdout: `${policy}: OK: 3 teams (sre, dba, web), 2 schedules, escalation for default\n`,
    });
    const bad = file('bad-schedule.yaml', SCHEDULED.replace('schedule: dba', 'schedule: dbas'));
    const run = await cli('policy', 'check', bad);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toContain("teams.dba.schedule: unknown schedule 'dbas' (schedules: sre, dba)");
  });

  it('--team picks one team; a team without a schedule says so', async () => {
    const policy = file('scheduled.yaml', SCHEDULED);
    const one = await cli('oncall', policy, '--team', 'sre', '--at', '2026-12-02T10:00Z');
    expect({ code: one.code, stdout: one.stdout }).toEqual({ code: 0, stdout: 'sre: U0DANA\n' });
    const none = await cli('oncall', policy, '--team', 'web', '--at', '2026-12-02T10:00Z');
    expect({ code: none.code, stderr: none.stderr }).toEqual({ code: 1, stderr: 'web has no schedule\n' });
  });

  it('simulate names the person on call at each tier', async () => {
    const policy = file('scheduled.yaml', SCHEDULED);
    // 16:50 Berlin: the weekday layer; at 17:05, when the second tier fires, primary again.
    const run = await cli('simulate', policy, '--severity', 'sev2', '--at', '2026-12-02T15:50Z');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      'sev2 declared at 2026-12-02T15:50:00Z (escalation.default):',
      'delay  at                    team  on call  channels',
      '+0m    2026-12-02T15:50:00Z  sre   U0DANA   schedule sre, slack S0SRE',
      '+0m    2026-12-02T15:50:00Z  web   -        slack S0WEB',
      '+15m   2026-12-02T16:05:00Z  sre   U0ANNA   schedule sre, slack S0SRE',
      '+15m   2026-12-02T16:05:00Z  dba   nobody   schedule dba',
    ]);
  });
});

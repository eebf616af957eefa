/**
 * On-call schedules (issue 13): who is on call (whoIsOnCall: the person and layer, without the
 * stretch onCallAt also finds) for 100 schedules at every hour of a year (8,760
 * instants each, 876,000 lookups), against a baseline of the same lookups on single-layer weekly
 * schedules with no restrictions or overrides; and the wall time of the CLI's `simulate`, against a
 * bare `node` start in the same process tree.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { type Schedule, whoIsOnCall } from '../lambda/incidents/schedule';
import { median, ms, performance, progress, type Row, ratio, row, yesNo } from './stats';

const SCHEDULES = 100;
const HOURS = 8_760;
const RUNS = 3;
const LOOKUP_GOAL_MS = 1_000;
const CLI_GOAL_MS = 1_000;
const ROOT = path.resolve(__dirname, '..');
const FROM = Date.parse('2027-01-01T00:00:00.000Z');
const ZONES = ['Europe/Berlin', 'America/Los_Angeles', 'Asia/Kolkata', 'UTC'];

function layered(i: number): Schedule {
  return {
    timezone: ZONES[i % ZONES.length] as string,
    layers: [
      { name: 'primary', start: '2026-11-30T09:00', shift: '1w', members: ['U0ANNA', 'U0BEN', 'U0CARL'] },
      {
        name: 'weekday-days',
        start: '2026-11-30T09:00',
        shift: `${1 + (i % 3)}d`,
        members: ['U0DANA', 'U0ERIK'],
        restrict: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' },
      },
    ],
    overrides: [
      { user: 'U0DANA', from: '2027-12-24T00:00', to: '2027-12-27T00:00' },
      { user: 'U0ERIK', from: '2027-07-01T00:00', to: '2027-07-15T00:00' },
    ],
  } as Schedule;
}

function simple(i: number): Schedule {
  return {
    timezone: ZONES[i % ZONES.length] as string,
    layers: [
      { name: 'primary', start: '2026-11-30T09:00', shift: '1w', members: ['U0ANNA', 'U0BEN', 'U0CARL'] },
    ],
  } as Schedule;
}

const INSTANTS = Array.from({ length: HOURS }, (_, hour) => new Date(FROM + hour * 3_600_000).toISOString());

function lookups(schedules: Schedule[]): { ms: number; found: number } {
  let found = 0;
  const start = performance.now();
  for (const schedule of schedules) for (const at of INSTANTS) if (whoIsOnCall(schedule, at)) found += 1;
  return { ms: performance.now() - start, found };
}

function cliMs(args: string[]): number {
  const start = performance.now();
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'pipe' });
  return performance.now() - start;
}

export function benchOnCall(): Row[] {
  const full = Array.from({ length: SCHEDULES }, (_, i) => layered(i));
  const plain = Array.from({ length: SCHEDULES }, (_, i) => simple(i));
  lookups(full.slice(0, 2));
  lookups(plain.slice(0, 2));
  const samples: number[] = [];
  const baseline: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    progress(`on call: run ${run + 1} of ${RUNS}, ${(SCHEDULES * HOURS).toLocaleString('en-US')} lookups`);
    baseline.push(lookups(plain).ms);
    samples.push(lookups(full).ms);
  }
  const cli = ['bin/incident-bot.cjs', 'simulate', 'examples/escalation-policy.yaml', '--severity', 'sev1'];
  const cliSamples: number[] = [];
  const nodeSamples: number[] = [];
  for (let run = 0; run < 5; run++) {
    nodeSamples.push(cliMs(['-e', '']));
    cliSamples.push(cliMs(cli));
  }
  const m = median(samples);
  const b = median(baseline);
  const c = median(cliSamples);
  const n = median(nodeSamples);
  return [
    row({
      measurement: `who is on call: ${SCHEDULES} two-layer schedules (restricted, overrides) × ${HOURS.toLocaleString('en-US')} hourly instants`,
      n: String(RUNS),
      median: ms(m),
      baseline: `${ms(b)} (one weekly layer)`,
      ratio: ratio(m / b),
      goal: `< ${LOOKUP_GOAL_MS} ms`,
      met: yesNo(m < LOOKUP_GOAL_MS),
    }),
    row({
      measurement: '`incident-bot simulate` (examples/escalation-policy.yaml, sev1), wall time',
      n: '5',
      median: ms(c),
      baseline: `${ms(n)} (bare node start)`,
      ratio: ratio(c / n),
      goal: `< ${CLI_GOAL_MS} ms`,
      met: yesNo(c < CLI_GOAL_MS),
    }),
  ];
}

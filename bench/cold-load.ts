/**
 * 2. Cold load of each bundled function: every entry under lambda/handlers/ that exports `handler`,
 * bundled with the stack's options (infra/bundling.ts, LAMBDA_BUNDLING) but for this machine's Node,
 * then `require`d in a fresh `node` process with the environment Lambda gives it (LAMBDA_ENVIRONMENT:
 * NODE_OPTIONS, so a source map is parsed at load when Lambda would parse it), round-robin with a bare
 * Bolt AwsLambdaReceiver app bundled and loaded exactly the same way as the baseline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type Metafile } from 'esbuild';
import { esbuildBuildOptions, LAMBDA_BUNDLING, LAMBDA_ENVIRONMENT } from '../infra/bundling';
import { count, median, ms, p99, performance, progress, type Row, ratio, row, yesNo } from './stats';

const RUNS = 15;
const GOAL = 1.0;
const ROOT = path.resolve(__dirname, '..');
const BASELINE = 'bolt hello-world';
/**
 * The same app with the project's aliases applied too (Bolt's unused receivers and most of zod left
 * out): not the goal's baseline, since it is no longer Bolt as Bolt ships, but shown so the ratio's
 * meaning is plain.
 */
const TRIMMED = 'bolt hello-world, trimmed alike';

export interface BundleInfo {
  name: string;
  file: string;
  bytes: number;
  /** The largest contributors to the output, by package. */
  largest: { name: string; bytes: number }[];
}

/** Entries that Lambda runs: files in lambda/handlers/ exporting `handler` (not lambda-bot.ts). */
async function handlerEntries(handlersDir: string): Promise<{ name: string; entry: string }[]> {
  const files = (await readdir(handlersDir)).filter((file) => file.endsWith('.ts')).sort();
  const entries: { name: string; entry: string }[] = [];
  for (const file of files) {
    const entry = path.join(handlersDir, file);
    const source = await readFile(entry, 'utf8');
    if (/export\s+(const|let|async\s+function|function)\s+handler\b/.test(source)) {
      entries.push({ name: path.basename(file, '.ts'), entry });
    }
  }
  return entries;
}

/** The AWS SDK is dozens of small packages; counted as one, it shows what it weighs. */
const AWS_SDK = /^(@aws-sdk|@smithy|@aws-crypto|@aws)\/|^(fast-xml-parser|strnum)$/;

/** `node_modules/zod/v4/core/core.js` → `zod`; every AWS SDK package → `AWS SDK`; project files → `(project)`. */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return '(project)';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
  return AWS_SDK.test(name) ? 'AWS SDK' : name;
}

function largestPackages(metafile: Metafile, outfile: string): { name: string; bytes: number }[] {
  const output = Object.entries(metafile.outputs).find(([file]) => path.resolve(ROOT, file) === outfile);
  if (!output) return [];
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output[1].inputs)) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 4);
}

async function bundle(
  name: string,
  entry: string,
  outDir: string,
  bundling: BundlingOptions,
): Promise<BundleInfo> {
  const outfile = path.join(outDir, `${name.replace(/\W+/g, '-')}.js`);
  const options = esbuildBuildOptions(bundling);
  const result = await build({
    // As infra/bot-function.ts bundles (infra/bundling.ts); the baseline with the same options but
    // Bolt as Bolt ships (the aliases would take parts of Bolt out).
    ...options,
    ...(name === BASELINE ? { alias: {} } : {}),
    entryPoints: [entry],
    outfile,
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = (await readFile(outfile)).length;
  return { name, file: outfile, bytes, largest: largestPackages(result.metafile, outfile) };
}

/**
 * The child's own CPU time (user + system, all its threads, Node's start included), written after the
 * `require`: unlike the wall clock it does not grow when other processes share the machine's cores,
 * so it is shown beside the wall-clock median as the steadier comparison on a busy machine.
 */
const CPU_AFTER_REQUIRE =
  'const u = process.resourceUsage(); process.stdout.write(String((u.userCPUTime + u.systemCPUTime) / 1000));';

function loadOnce(file: string, lambdaEnvironment: Record<string, string>): { wall: number; cpu: number } {
  const env = { ...process.env };
  // The bench runs under tsx, whose loader must not ride along into the measured process; Lambda's
  // NODE_OPTIONS (if any) does.
  delete env.NODE_OPTIONS;
  Object.assign(env, lambdaEnvironment);
  const start = performance.now();
  const child = spawnSync(
    process.execPath,
    ['-e', `require(${JSON.stringify(file)}); ${CPU_AFTER_REQUIRE}`],
    { env, encoding: 'utf8' },
  );
  const elapsed = performance.now() - start;
  if (child.status !== 0) throw new Error(`require(${file}) exited ${child.status}: ${child.stderr}`);
  return { wall: elapsed, cpu: Number(child.stdout) };
}

export interface ColdLoadOptions {
  /** @default LAMBDA_BUNDLING, as deployed */
  bundling?: BundlingOptions;
  /** @default LAMBDA_ENVIRONMENT, as deployed */
  environment?: Record<string, string>;
  /** Where the entries are (a scratch copy of lambda/handlers/ to try a change). @default lambda/handlers */
  handlersDir?: string;
  /** @default 15 */
  runs?: number;
}

export async function benchColdLoad(
  options: ColdLoadOptions = {},
): Promise<{ rows: Row[]; bundles: BundleInfo[] }> {
  const bundling = options.bundling ?? LAMBDA_BUNDLING;
  const environment = options.environment ?? LAMBDA_ENVIRONMENT;
  const runs = options.runs ?? RUNS;
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-bundles-'));
  try {
    const entries = [
      { name: BASELINE, entry: path.join(__dirname, 'baseline-entry.ts') },
      { name: TRIMMED, entry: path.join(__dirname, 'baseline-entry.ts') },
      ...(await handlerEntries(options.handlersDir ?? path.join(ROOT, 'lambda', 'handlers'))),
    ];
    progress(`cold load: bundling ${entries.map((e) => e.name).join(', ')}`);
    const bundles: BundleInfo[] = [];
    for (const { name, entry } of entries) bundles.push(await bundle(name, entry, outDir, bundling));

    // One untimed round warms the file cache; then round-robin, so every bundle shares the noise.
    for (const b of bundles) loadOnce(b.file, environment);
    const samples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
    const cpuSamples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
    for (let run = 0; run < runs; run++) {
      progress(`cold load: round ${run + 1}/${runs}`);
      for (const b of bundles) {
        const { wall, cpu } = loadOnce(b.file, environment);
        samples.get(b.name)?.push(wall);
        cpuSamples.get(b.name)?.push(cpu);
      }
    }
    const baseCpu = median(cpuSamples.get(BASELINE) ?? []);
    const cpuNote = (name: string) => {
      const cpu = median(cpuSamples.get(name) ?? []);
      return name === BASELINE ? `CPU ${ms(cpu)}` : `CPU ${ms(cpu)}, ${ratio(cpu / baseCpu)}`;
    };

    const base = median(samples.get(BASELINE) ?? []);
    const rows = bundles.map((b) => {
      const s = samples.get(b.name) ?? [];
      const m = median(s);
      const label =
        b.name === BASELINE ? ' (baseline)' : b.name === TRIMMED ? ' (for comparison, not the goal)' : '';
      return row({
        measurement: `cold load ${b.name}${label} (${count(b.bytes / 1024)} KB; ${cpuNote(b.name)})`,
        n: String(s.length),
        median: ms(m),
        p99: ms(p99(s)),
        ...(b.name === BASELINE
          ? {}
          : b.name === TRIMMED
            ? { baseline: ms(base), ratio: ratio(m / base) }
            : {
                baseline: ms(base),
                ratio: ratio(m / base),
                goal: `≤ ${GOAL.toFixed(2)}×`,
                met: yesNo(m / base <= GOAL),
              }),
      });
    });
    const functions = bundles.filter((b) => b.name !== BASELINE && b.name !== TRIMMED);
    const slowest = Math.max(...functions.map((b) => median(samples.get(b.name) ?? [])));
    const trimmed = median(samples.get(TRIMMED) ?? []);
    rows.push(
      row({
        measurement: 'cold load, slowest function vs the trimmed bare Bolt (for comparison)',
        n: String(runs),
        median: ms(slowest),
        baseline: ms(trimmed),
        ratio: ratio(slowest / trimmed),
      }),
    );
    return { rows, bundles };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/**
 * 2. Cold load of each bundled function: every entry under lambda/handlers/ that exports `handler`,
 * bundled like the stack bundles it (esbuild: minify, source map without sources, cjs, everything
 * bundled) but for this machine's Node, then `require`d in a fresh `node` process, round-robin with a
 * bare Bolt AwsLambdaReceiver app bundled the same way as the baseline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_ALIASES, MAIN_FIELDS } from '../infra/bundling';
import { count, median, ms, p99, performance, progress, type Row, ratio, row, yesNo } from './stats';

const RUNS = 15;
const GOAL = 1.3;
const ROOT = path.resolve(__dirname, '..');
const HANDLERS_DIR = path.join(ROOT, 'lambda', 'handlers');
const BASELINE = 'bolt hello-world';

export interface BundleInfo {
  name: string;
  file: string;
  bytes: number;
  /** The largest contributors to the output, by package. */
  largest: { name: string; bytes: number }[];
}

/** Entries that Lambda runs: files in lambda/handlers/ exporting `handler` (not environment.ts). */
async function handlerEntries(): Promise<{ name: string; entry: string }[]> {
  const files = (await readdir(HANDLERS_DIR)).filter((file) => file.endsWith('.ts')).sort();
  const entries: { name: string; entry: string }[] = [];
  for (const file of files) {
    const entry = path.join(HANDLERS_DIR, file);
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

async function bundle(name: string, entry: string, outDir: string): Promise<BundleInfo> {
  const outfile = path.join(outDir, `${name.replace(/\W+/g, '-')}.js`);
  const result = await build({
    entryPoints: [entry],
    outfile,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // As infra/bot-function.ts bundles (infra/bundling.ts).
    mainFields: MAIN_FIELDS,
    ...(name === BASELINE ? {} : { alias: LAMBDA_ALIASES }),
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = (await readFile(outfile)).length;
  return { name, file: outfile, bytes, largest: largestPackages(result.metafile, outfile) };
}

function loadOnce(file: string): number {
  const env = { ...process.env };
  // The bench runs under tsx, whose loader must not ride along into the measured process.
  delete env.NODE_OPTIONS;
  const start = performance.now();
  const child = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], {
    env,
    encoding: 'utf8',
  });
  const elapsed = performance.now() - start;
  if (child.status !== 0) throw new Error(`require(${file}) exited ${child.status}: ${child.stderr}`);
  return elapsed;
}

export async function benchColdLoad(): Promise<{ rows: Row[]; bundles: BundleInfo[] }> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-bundles-'));
  try {
    const entries = [
      { name: BASELINE, entry: path.join(__dirname, 'baseline-entry.ts') },
      ...(await handlerEntries()),
    ];
    progress(`cold load: bundling ${entries.map((e) => e.name).join(', ')}`);
    const bundles: BundleInfo[] = [];
    for (const { name, entry } of entries) bundles.push(await bundle(name, entry, outDir));

    // One untimed round warms the file cache; then round-robin, so every bundle shares the noise.
    for (const b of bundles) loadOnce(b.file);
    const samples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
    for (let run = 0; run < RUNS; run++) {
      progress(`cold load: round ${run + 1}/${RUNS}`);
      for (const b of bundles) samples.get(b.name)?.push(loadOnce(b.file));
    }

    const base = median(samples.get(BASELINE) ?? []);
    const rows = bundles.map((b) => {
      const s = samples.get(b.name) ?? [];
      const m = median(s);
      const isBaseline = b.name === BASELINE;
      return row({
        measurement: `cold load ${b.name}${isBaseline ? ' (baseline)' : ''} (${count(b.bytes / 1024)} KB)`,
        n: String(s.length),
        median: ms(m),
        p99: ms(p99(s)),
        ...(isBaseline
          ? {}
          : {
              baseline: ms(base),
              ratio: ratio(m / base),
              goal: `≤ ${GOAL.toFixed(2)}×`,
              met: yesNo(m / base <= GOAL),
            }),
      });
    });
    return { rows, bundles };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

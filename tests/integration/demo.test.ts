/**
 * `npm run demo` as a child process: it works in a fresh directory of its own, says where the postmortem
 * is (Markdown, the HTML page, the timeline chart's PNG), and leaves everything else under DATA_DIR
 * (and its own earlier runs) as it was.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runDemo(env: Record<string, string>, timeoutMs = 60_000): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    // What `npm run demo` runs (tsx), without a wrapper process that a timeout kill would orphan.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('local', 'demo.ts')], {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function postmortemPath(run: DemoRun): string {
  const match = /^Postmortem written to (.+)$/m.exec(run.stdout);
  if (!match?.[1]) throw new Error(`no "Postmortem written to" line:\n${run.stdout}\n${run.stderr}`);
  return path.resolve(ROOT, match[1].trim());
}

/** The absolute path the demo printed after `label`. */
function printedPath(run: DemoRun, label: string): string {
  const match = new RegExp(`^${label} written to (.+)$`, 'm').exec(run.stdout);
  if (!match?.[1]) throw new Error(`no "${label} written to" line:\n${run.stdout}\n${run.stderr}`);
  const file = match[1].trim();
  expect(path.isAbsolute(file)).toBe(true);
  return file;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Every file under `dir` with its content, as paths relative to `dir`. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = await readFile(file, 'utf8');
  }
  return files;
}

describe('npm run demo', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-demo-test-'));
    // What a DATA_DIR of `npm start` may hold: nothing of it is the demo's to delete.
    await writeFile(path.join(dataDir, 'sentinel.txt'), 'do not delete\n');
    await mkdir(path.join(dataDir, 'postmortems'), { recursive: true });
    await writeFile(path.join(dataDir, 'postmortems', 'INC-1.md'), '# INC-1: a real incident\n');
    await mkdir(path.join(dataDir, 'dynamodb'), { recursive: true });
    await writeFile(path.join(dataDir, 'dynamodb', 'CURRENT'), 'MANIFEST-000001\n');
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('writes into a fresh folder of its own under DATA_DIR and deletes nothing it did not create', async () => {
    const before = await snapshot(dataDir);

    const first = await runDemo({ DATA_DIR: dataDir });
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const firstPostmortem = postmortemPath(first);
    expect(first.stdout.trimEnd().split('\n').slice(-3)).toEqual([
      expect.stringMatching(/^Postmortem written to /),
      expect.stringMatching(/^HTML postmortem written to \/.*\/INC-1\.html$/),
      expect.stringMatching(/^Timeline chart written to \/.*\/INC-1-timeline\.png$/),
    ]);
    expect(existsSync(firstPostmortem)).toBe(true);
    expect(await readFile(firstPostmortem, 'utf8')).toMatch(/^# INC-1: .* — Postmortem/);
    // The HTML page and the chart, beside the Markdown: a page with the chart inlined, and a PNG.
    const html = printedPath(first, 'HTML postmortem');
    const chart = printedPath(first, 'Timeline chart');
    expect(path.dirname(html)).toBe(path.dirname(firstPostmortem));
    expect(path.dirname(chart)).toBe(path.dirname(firstPostmortem));
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain('<title>INC-1: Login failures on the user authentication service</title>');
    expect(page).toMatch(/<figure class="chart"[^>]*>\s*<svg /);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    const png = await readFile(chart);
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(png.readUInt32BE(20)).toBeGreaterThan(200);
    expect(png.subarray(-8, -4).toString('latin1')).toBe('IEND');
    // Each upload is named once, as the file it was.
    for (const name of ['INC-1.md', 'INC-1.html', 'INC-1-timeline.png'])
      expect(
        first.stdout.split('\n').filter((line) => line.startsWith(`  uploaded ${name} to #`)),
      ).toHaveLength(1);
    const runDir = path.dirname(path.dirname(firstPostmortem));
    expect(path.dirname(runDir)).toBe(dataDir);
    expect(Object.keys(before).some((file) => file.startsWith(path.basename(runDir)))).toBe(false);

    // A second run: another fresh folder; the first run's survives, and so does everything else.
    const second = await runDemo({ DATA_DIR: dataDir });
    expect(second.code).toBe(0);
    const secondPostmortem = postmortemPath(second);
    expect(path.dirname(path.dirname(secondPostmortem))).not.toBe(runDir);
    expect(existsSync(secondPostmortem)).toBe(true);
    expect(existsSync(firstPostmortem)).toBe(true);

    const after = await snapshot(dataDir);
    for (const [file, content] of Object.entries(before)) expect(after[file]).toBe(content);
    expect(after['sentinel.txt']).toBe('do not delete\n');
  }, 120_000);
});

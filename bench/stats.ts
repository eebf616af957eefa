/**
 * Small statistics and the one output table of `npm run bench`. Progress goes to stderr so stdout
 * holds only the table.
 */
import { performance } from 'node:perf_hooks';

export { performance };

export function progress(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error('no samples');
  return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest rank: the smallest sample with at least 99 % of the samples at or below it. */
export function p99(values: readonly number[]): number {
  const s = sorted(values);
  const rank = Math.max(1, Math.ceil(0.99 * s.length));
  return s[rank - 1] as number;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function ms(value: number): string {
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export interface Row {
  measurement: string;
  n: string;
  median: string;
  p99: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: string;
}

const DASH = '—';

/** A row with the unused columns dashed. */
export function row(fields: Partial<Row> & { measurement: string }): Row {
  return {
    n: DASH,
    median: DASH,
    p99: DASH,
    baseline: DASH,
    ratio: DASH,
    goal: DASH,
    met: DASH,
    ...fields,
  };
}

export function yesNo(met: boolean): string {
  return met ? 'yes' : 'NO';
}

/** Plain-text table: the first column left-aligned, the rest right-aligned, `|` between columns. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join(' | ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export const ROW_HEADERS = ['measurement', 'n', 'median', 'p99', 'baseline median', 'ratio', 'goal', 'met?'];

export function rowCells(r: Row): string[] {
  return [r.measurement, r.n, r.median, r.p99, r.baseline, r.ratio, r.goal, r.met];
}

/** Polls `check` every `everyMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(
  check: () => boolean,
  timeoutMs: number,
  what: string,
  everyMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

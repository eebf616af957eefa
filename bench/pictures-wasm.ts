/**
 * Pictures in Lambda (issue 15): the 1,000-event timeline chart drawn to PNG by the worker's renderer,
 * resvg's WebAssembly build, as bundled for Lambda (infra/bundling.ts: its .wasm and font beside the
 * bundle), against native resvg (the local server's) on the same SVG in the same process; and the
 * first chart of a container, which reads and compiles the WebAssembly.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { esbuildBuildOptions } from '../infra/bundling';
import { renderPng } from '../lambda/pictures/png';
import { timelineChartSvg } from '../lambda/pictures/timeline-chart';
import { busyIncident } from '../tests/fixtures/large-incidents';
import { median, ms, performance, progress, type Row, ratio, row, yesNo } from './stats';

const EVENTS = 1_000;
const RUNS = 7;
/** The goal for the chart (SVG + PNG), as for the native renderer (bench/pictures.ts). */
const CHART_GOAL_MS = 100;
/** A container's first chart: well inside the worker's job, far from any request path. */
const FIRST_GOAL_MS = 1_000;
const TZ = 'Europe/Berlin';

type WasmRenderer = { renderPngWasm(svg: string): Promise<Buffer> };

export async function benchWasmPictures(): Promise<Row[]> {
  progress('pictures (Lambda): bundling the WebAssembly renderer');
  const outfile = path.join(await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-png-')), 'png.js');
  await build({
    ...esbuildBuildOptions(),
    entryPoints: [path.resolve(__dirname, '../lambda/pictures/png-wasm.ts')],
    outfile,
    logLevel: 'silent',
  });
  const record = busyIncident(EVENTS);
  const svg = () => timelineChartSvg(record, { tz: TZ });
  const bundled = require(outfile) as WasmRenderer;
  let started = performance.now();
  await bundled.renderPngWasm(svg());
  const first = performance.now() - started;
  renderPng(svg());
  const wasm: number[] = [];
  const native: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    progress(`pictures (Lambda): run ${run + 1} of ${RUNS}`);
    started = performance.now();
    await bundled.renderPngWasm(svg());
    wasm.push(performance.now() - started);
    started = performance.now();
    renderPng(svg());
    native.push(performance.now() - started);
  }
  const m = median(wasm);
  const b = median(native);
  return [
    row({
      measurement: `timeline chart, ${EVENTS.toLocaleString('en-US')} events: SVG + PNG in Lambda (resvg WebAssembly, bundled)`,
      n: String(RUNS),
      median: ms(m),
      baseline: `${ms(b)} (SVG + PNG, native resvg)`,
      ratio: ratio(m / b),
      goal: `< ${CHART_GOAL_MS} ms`,
      met: yesNo(m < CHART_GOAL_MS),
    }),
    row({
      measurement: "the same, a container's first chart (reads and compiles the WebAssembly)",
      n: '1',
      median: ms(first),
      goal: `< ${FIRST_GOAL_MS} ms`,
      met: yesNo(first < FIRST_GOAL_MS),
    }),
  ];
}

/**
 * `npm run bench`: one table on stdout (progress on stderr). It measures and reports whether each
 * goal was met; a missed goal does not fail the run, a section that cannot run does.
 */
import { benchAck } from './ack';
import { benchAlerts } from './alerts';
import { type BundleInfo, benchColdLoad } from './cold-load';
import { benchEscalation } from './escalation';
import { benchFirstPage } from './first-page';
import { benchInsights } from './insights';
import { benchIsolation } from './isolation';
import { benchOnCall } from './oncall';
import { benchPictures } from './pictures';
import { benchWasmPictures } from './pictures-wasm';
import { benchPostmortem } from './postmortem';
import { benchRecovery } from './recovery';
import { count, formatTable, progress, ROW_HEADERS, type Row, row, rowCells } from './stats';
import { benchStore } from './store';

async function section(name: string, rows: Row[], fn: () => Promise<Row[]> | Row[]): Promise<boolean> {
  const start = Date.now();
  progress(`${name}: start`);
  try {
    rows.push(...(await fn()));
    progress(`${name}: done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    progress(`${name}: FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
    rows.push(row({ measurement: `${name}: could not run (${message.split('\n')[0]})`, met: 'ERROR' }));
    return false;
  }
}

function bundleTable(bundles: BundleInfo[]): string {
  return formatTable(
    ['bundle', 'bytes', 'KB', 'largest contributors (KB in output)'],
    bundles.map((b) => [
      b.name,
      count(b.bytes),
      (b.bytes / 1024).toFixed(1),
      b.largest.map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)}`).join(', '),
    ]),
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const rows: Row[] = [];
  let bundles: BundleInfo[] = [];
  const results = [
    await section('ack latency', rows, benchAck),
    await section('cold load', rows, async () => {
      const result = await benchColdLoad();
      bundles = result.bundles;
      return result.rows;
    }),
    await section('postmortem', rows, benchPostmortem),
    await section('store throughput', rows, benchStore),
    await section('escalation', rows, benchEscalation),
    await section('first page', rows, benchFirstPage),
    await section('isolation', rows, benchIsolation),
    await section('restart recovery', rows, benchRecovery),
    await section('alerts at scale', rows, benchAlerts),
    await section('on-call schedules', rows, benchOnCall),
    await section('pictures', rows, benchPictures),
    await section('pictures in Lambda', rows, benchWasmPictures),
    await section('insights', rows, benchInsights),
  ];
  progress(`all sections done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const lines = [
    `incident-bot bench — node ${process.version}, ${process.platform}/${process.arch}`,
    '',
    formatTable(ROW_HEADERS, rows.map(rowCells)),
  ];
  if (bundles.length > 0)
    lines.push(
      '',
      "Bundle sizes (the stack's esbuild options, infra/bundling.ts, for this Node):",
      bundleTable(bundles),
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  if (results.includes(false)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

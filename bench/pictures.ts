/**
 * Pictures (issue 15): the timeline chart of an incident with 1,000 events, SVG and PNG (resvg,
 * DejaVu Sans), against a baseline of the SVG alone; and the PNG's size for the seed incident.
 */
import { renderPng } from '../lambda/pictures/png';
import { timelineChartSvg } from '../lambda/pictures/timeline-chart';
import { busyIncident } from '../tests/fixtures/large-incidents';
import { seedIncidentRecord } from '../tests/fixtures/seed-incident';
import { median, ms, performance, progress, type Row, ratio, row, yesNo } from './stats';

const EVENTS = 1_000;
const RUNS = 7;
const CHART_GOAL_MS = 100;
const PNG_GOAL_KB = 300;
const TZ = 'Europe/Berlin';

function timedMs(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

export function benchPictures(): Row[] {
  const record = busyIncident(EVENTS);
  renderPng(timelineChartSvg(record, { tz: TZ }));
  const svgSamples: number[] = [];
  const chartSamples: number[] = [];
  let pngBytes = 0;
  for (let run = 0; run < RUNS; run++) {
    progress(`pictures: run ${run + 1} of ${RUNS}, ${EVENTS.toLocaleString('en-US')} events`);
    svgSamples.push(timedMs(() => timelineChartSvg(record, { tz: TZ })));
    chartSamples.push(
      timedMs(() => {
        pngBytes = renderPng(timelineChartSvg(record, { tz: TZ })).length;
      }),
    );
  }
  const seedPng = renderPng(timelineChartSvg(seedIncidentRecord(), { tz: TZ }));
  const m = median(chartSamples);
  const b = median(svgSamples);
  const kb = seedPng.length / 1024;
  return [
    row({
      measurement: `timeline chart, ${EVENTS.toLocaleString('en-US')} events: SVG + PNG (1200 px wide, ${(pngBytes / 1024).toFixed(0)} KB)`,
      n: String(RUNS),
      median: ms(m),
      baseline: `${ms(b)} (SVG alone)`,
      ratio: ratio(m / b),
      goal: `< ${CHART_GOAL_MS} ms`,
      met: yesNo(m < CHART_GOAL_MS),
    }),
    row({
      measurement: `timeline chart PNG of the seed incident (${seedIncidentRecord().events.length} events), size`,
      n: '1',
      median: `${kb.toFixed(1)} KB`,
      goal: `< ${PNG_GOAL_KB} KB`,
      met: yesNo(kb < PNG_GOAL_KB),
    }),
  ];
}

/**
 * Pictures (issue 15): the timeline chart of an incident with 1,000 events, SVG and PNG (resvg,
 * DejaVu Sans), against a baseline of the SVG alone; and the PNG's size for the seed incident.
 */
import type { EventKind, IncidentRecord, TimelineEvent } from '../lambda/incidents/types';
import { renderPng } from '../lambda/pictures/png';
import { timelineChartSvg } from '../lambda/pictures/timeline-chart';
import { seedIncidentRecord } from '../tests/fixtures/seed-incident';
import { median, ms, performance, progress, type Row, ratio, row, yesNo } from './stats';

const EVENTS = 1_000;
const RUNS = 7;
const CHART_GOAL_MS = 100;
const PNG_GOAL_KB = 300;
const TZ = 'Europe/Berlin';
const START = Date.parse('2024-02-18T15:30:00.000Z');
const KINDS: EventKind[] = [
  'action',
  'note',
  'misleading',
  'escalation',
  'update',
  'detection',
  'status',
  'cause',
];

/** A resolved incident of six hours with `count` events spread over it. */
function busyIncident(count: number): IncidentRecord {
  const seed = seedIncidentRecord();
  const end = START + 6 * 3_600_000;
  const events: TimelineEvent[] = Array.from({ length: count }, (_, i) => {
    const at = new Date(START + Math.floor(((end - START) * i) / count)).toISOString();
    return {
      id: `ev-${i}`,
      incidentId: seed.incident.id,
      at,
      recordedAt: at,
      kind: KINDS[i % KINDS.length] as EventKind,
      text: `Step ${i}: restarted checkout pod ${i % 17} & watched <p99> latency for a while`,
      author: 'U0ALICE',
    };
  });
  return { ...seed, incident: { ...seed.incident, resolvedAt: new Date(end).toISOString() }, events };
}

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

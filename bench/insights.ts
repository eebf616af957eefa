/**
 * Insights (issue 15): `/incident stats` over 10,000 stored incidents in the embedded store (dynalite
 * in memory), through the verb's own answer with the store's index listing, for each period. The
 * baseline is `/incident list` on the same table: one index query of the open incidents.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FollowUp, Incident, Severity } from '../lambda/incidents/types';
import type { VerbTools } from '../lambda/incidents/verb';
import { list } from '../lambda/incidents/verbs/list';
import { stats } from '../lambda/incidents/verbs/stats';
import { makeDocumentClient } from '../lambda/store/client';
import { DynamoIncidentStore } from '../lambda/store/dynamo-store';
import { startEmbeddedDynamo } from '../lambda/store/embedded';
import { median, ms, performance, progress, type Row, ratio, row, yesNo } from './stats';

const INCIDENTS = 10_000;
const FOLLOW_UPS = 2_000;
const WRITERS = 16;
const RUNS = 5;
const GOAL_MS = 1_000;
const NOW = '2026-12-02T12:00:00.000Z';
const SPAN_MS = 730 * 24 * 3_600_000;
const SEVERITIES: Severity[] = ['sev1', 'sev2', 'sev2', 'sev3', 'sev3', 'sev3', 'sev4'];
const SOURCES = [
  'alertmanager: HighErrorRate',
  'cloudwatch: ApiLatencyP99',
  'alertmanager: DiskFull',
  undefined,
];

/** Incident `n` of INCIDENTS, declared evenly over the two years before NOW; the newest 20 still open. */
function incident(n: number): Incident {
  const declared = Date.parse(NOW) - SPAN_MS + Math.floor((SPAN_MS * n) / (INCIDENTS + 1));
  const iso = (offsetMinutes: number) => new Date(declared + offsetMinutes * 60_000).toISOString();
  const open = n > INCIDENTS - 20;
  const source = SOURCES[n % SOURCES.length];
  return {
    id: `INC-${n}`,
    number: n,
    title: `Checkout errors on pod ${n % 31} after deploy ${n}`,
    severity: SEVERITIES[n % SEVERITIES.length] as Severity,
    status: open ? 'investigating' : 'resolved',
    commander: 'U0ALICE',
    declaredBy: source ? 'bot' : 'U0BOB',
    startedAt: iso(-(n % 15)),
    declaredAt: iso(0),
    acknowledgedAt: iso(1 + (n % 23)),
    acknowledgedBy: 'U0ALICE',
    ...(open
      ? {}
      : { resolvedAt: iso(30 + (n % 240)), resolvedBy: 'U0ALICE', settledAt: iso(31 + (n % 240)) }),
    channelId: `C${String(n).padStart(9, '0')}`,
    channelName: `inc-${n}-checkout-errors-on-pod`,
    ...(source ? { alertSource: source } : {}),
    version: 5,
  };
}

function followUp(i: number): FollowUp {
  const number = 1 + ((i * 5) % INCIDENTS);
  return {
    id: `fu-${i}`,
    incidentId: `INC-${number}`,
    type: i % 2 ? 'fix' : 'task',
    text: `Alert on the 5xx rate of route ${i}`,
    author: 'U0ALICE',
    createdAt: incident(number).declaredAt,
    ...(i % 3 === 0 ? { ticketState: 'closed' as const } : {}),
  };
}

async function inParallel(total: number, write: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (let i = next++; i < total; i = next++) await write(i);
    }),
  );
}

function tools(store: DynamoIncidentStore): VerbTools {
  return {
    now: NOW,
    tz: 'Europe/Berlin',
    userId: 'U0LEAD',
    requestId: 'bench',
    overrides: store,
    listOpen: () => store.listOpenIncidents(),
    followUps: () => store.listFollowUps(),
    incidentsDeclaredSince: (fromIso) => store.listIncidentsDeclaredSince(fromIso),
    declare: () => Promise.reject(new Error('the bench declares nothing')),
    reference: '',
    usage: () => '',
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  await fn();
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

export async function benchInsights(): Promise<Row[]> {
  const embedded = await startEmbeddedDynamo();
  let client: DynamoDBDocumentClient | undefined;
  try {
    client = makeDocumentClient({ endpoint: embedded.endpoint });
    const store = new DynamoIncidentStore({ client, tableName: 'incident-bot-bench-insights' });
    await store.ensureTable();
    progress(`insights: storing ${INCIDENTS.toLocaleString('en-US')} incidents and ${FOLLOW_UPS} follow-ups`);
    for (let n = 1; n <= INCIDENTS; n++) await store.nextIncidentNumber();
    await inParallel(INCIDENTS, (i) => store.createIncident(incident(i + 1)));
    await inParallel(FOLLOW_UPS, (i) => store.addFollowUp(followUp(i)));
    const verbTools = tools(store);

    const baseline = median(await timed(() => list.answer({ verb: 'list' }, verbTools)));
    const rows: Row[] = [];
    for (const period of ['30d', '90d', '365d'] as const) {
      progress(`insights: /incident stats ${period}, ${RUNS} runs`);
      let listed = 0;
      const samples = await timed(async () => {
        const outcome = await stats.answer({ verb: 'stats', period }, verbTools);
        listed = Number(
          /^(\d+)/.exec(String(outcome.message[0] && (outcome.message[0] as { strong: string }).strong))?.[1],
        );
      });
      const m = median(samples);
      rows.push(
        row({
          measurement: `/incident stats ${period}, ${INCIDENTS.toLocaleString('en-US')} incidents stored (${listed.toLocaleString('en-US')} in the period)`,
          n: String(RUNS),
          median: ms(m),
          baseline: `${ms(baseline)} (/incident list)`,
          ratio: ratio(m / baseline),
          goal: `< ${GOAL_MS} ms`,
          met: yesNo(m < GOAL_MS),
        }),
      );
    }
    return rows;
  } finally {
    client?.destroy();
    await embedded.close();
  }
}

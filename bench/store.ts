/**
 * 4. Events logged per second into the embedded store (dynalite in memory) by 1, 8 and 32 concurrent
 * writers calling `addEvent` on one incident, and a check (via getRecord) that every event was stored.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Incident, TimelineEvent } from '../lambda/incidents/types';
import { makeDocumentClient } from '../lambda/store/client';
import { DynamoIncidentStore } from '../lambda/store/dynamo-store';
import { startEmbeddedDynamo } from '../lambda/store/embedded';
import { count, p99, performance, progress, type Row, ratio, row, yesNo } from './stats';

const EVENTS_PER_RUN = 2_000;
const WARMUP_EVENTS = 300;
const WRITERS = [1, 8, 32];

function incident(number: number): Incident {
  const now = new Date().toISOString();
  return {
    id: `INC-${number}`,
    number,
    title: `Store bench ${number}`,
    severity: 'sev3',
    status: 'investigating',
    declaredBy: 'U0ALICE',
    startedAt: now,
    declaredAt: now,
    version: 1,
  };
}

function event(incidentId: string, i: number): TimelineEvent {
  const now = new Date().toISOString();
  return {
    id: `t-bench-${i}`,
    incidentId,
    at: now,
    recordedAt: now,
    kind: 'action',
    text: `Event ${i}: restarted a worker on db-${i % 7} and watched the error rate`,
    author: 'U0ALICE',
  };
}

interface RunResult {
  eventsPerSecond: number;
  latencies: number[];
  stored: number;
  accepted: number;
}

async function run(store: DynamoIncidentStore, incidentNumber: number, writers: number, total: number) {
  const target = incident(incidentNumber);
  await store.createIncident(target);
  let next = 0;
  let accepted = 0;
  const latencies: number[] = [];
  const writer = async () => {
    for (let i = next++; i < total; i = next++) {
      const start = performance.now();
      if (await store.addEvent(event(target.id, i))) accepted++;
      latencies.push(performance.now() - start);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: writers }, writer));
  const seconds = (performance.now() - start) / 1000;
  const record = await store.getRecord(target.id);
  const result: RunResult = {
    eventsPerSecond: total / seconds,
    latencies,
    stored: record?.events.length ?? 0,
    accepted,
  };
  return result;
}

export async function benchStore(): Promise<Row[]> {
  const embedded = await startEmbeddedDynamo();
  let client: DynamoDBDocumentClient | undefined;
  try {
    client = makeDocumentClient({ endpoint: embedded.endpoint });
    const store = new DynamoIncidentStore({ client, tableName: 'incident-bot-bench' });
    await store.ensureTable();
    progress(`store: warm-up, ${WARMUP_EVENTS} events`);
    await run(store, 1, 8, WARMUP_EVENTS);

    const results: { writers: number; result: RunResult }[] = [];
    for (const writers of WRITERS) {
      progress(`store: ${writers} writer(s), ${EVENTS_PER_RUN} events`);
      results.push({ writers, result: await run(store, 100 + writers, writers, EVENTS_PER_RUN) });
    }
    const single = results[0]?.result.eventsPerSecond ?? Number.NaN;
    return results.map(({ writers, result }) => {
      const allStored = result.stored === EVENTS_PER_RUN && result.accepted === EVENTS_PER_RUN;
      progress(
        `store: ${writers} writer(s): ${count(result.eventsPerSecond)} events/s, addEvent p99 ` +
          `${p99(result.latencies).toFixed(1)} ms, stored ${result.stored}/${EVENTS_PER_RUN}`,
      );
      return row({
        measurement: `store addEvent, ${writers} writer${writers === 1 ? '' : 's'} (events/s; stored)`,
        n: String(EVENTS_PER_RUN),
        median: `${count(result.eventsPerSecond)}/s`,
        ...(writers === 1
          ? {}
          : { baseline: `${count(single)}/s`, ratio: ratio(result.eventsPerSecond / single) }),
        goal: `${count(EVENTS_PER_RUN)} stored`,
        met: `${yesNo(allStored)} (${count(result.stored)})`,
      });
    });
  } finally {
    client?.destroy();
    await embedded.close();
  }
}

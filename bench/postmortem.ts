/**
 * 3. Postmortem compile time at 10, 1,000 and 10,000 events: a synthetic record with events of every
 * kind (escalations with pages, mentions, multi-line text), out of order, and some follow-ups.
 */
import { compilePostmortem } from '../lambda/incidents/postmortem';
import {
  CHANGE_KINDS,
  type EventKind,
  type FollowUp,
  type Incident,
  type IncidentRecord,
  LOG_KINDS,
  type TimelineEvent,
} from '../lambda/incidents/types';
import { median, ms, p99, performance, progress, type Row, ratio, row, yesNo } from './stats';

const SIZES = [
  { events: 10, runs: 30, warmup: 10 },
  { events: 1_000, runs: 30, warmup: 3 },
  { events: 10_000, runs: 10, warmup: 1 },
] as const;
const PER_EVENT_GOAL = 1.5;
const LARGEST_GOAL_MS = 100;
const TZ = 'Europe/Berlin';

const KINDS: readonly EventKind[] = [...LOG_KINDS, ...CHANGE_KINDS];
const USERS = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'];
const START = Date.parse('2024-03-01T08:00:00.000Z');
const SPAN_MS = 8 * 3600_000;

/** A small deterministic generator (mulberry32), so every run compiles the same record. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticRecord(eventCount: number): IncidentRecord {
  const next = random(eventCount);
  const iso = (ms: number) => new Date(ms).toISOString();
  const incident: Incident = {
    id: 'INC-42',
    number: 42,
    title: 'Checkout API errors in eu-west',
    severity: 'sev2',
    status: 'resolved',
    commander: 'U0ALICE',
    declaredBy: 'U0BOB',
    startedAt: iso(START),
    declaredAt: iso(START + 5 * 60_000),
    acknowledgedAt: iso(START + 12 * 60_000),
    acknowledgedBy: 'U0CAROL',
    resolvedAt: iso(START + SPAN_MS),
    resolvedBy: 'U0ALICE',
    resolution: 'Rolled back the connection-pool change and drained the stuck workers.',
    impact: 'About 7 % of checkouts failed for 3 hours.',
    rootCause: 'A pool size of 4 under a burst of retries.',
    channelId: 'C0INC42',
    channelName: 'inc-42-checkout-api-errors',
    version: 9,
  };
  const events: TimelineEvent[] = [];
  for (let i = 0; i < eventCount; i++) {
    const kind = KINDS[i % KINDS.length] as EventKind;
    const at = START + Math.floor(next() * SPAN_MS);
    const author = USERS[i % USERS.length] as string;
    const event: TimelineEvent = {
      id: `t-${i.toString(36).padStart(6, '0')}`,
      incidentId: incident.id,
      at: iso(at),
      recordedAt: iso(at + Math.floor(next() * 60_000)),
      kind,
      text:
        i % 5 === 0
          ? `Step ${i}: <@U0BOB> checked the dashboards\nand saw ${Math.floor(next() * 500)} errors/s`
          : `Step ${i}: ${kind} noted by <@${author}|${author.toLowerCase()}> on db-${i % 7}`,
      author: kind === 'escalation' ? 'bot' : author,
    };
    if (kind === 'escalation') {
      event.team = i % 2 === 0 ? 'oncall' : 'sre';
      event.page = { tier: i % 3, channels: ['pagerduty', 'slack'], failed: i % 11 === 0 };
    }
    events.push(event);
  }
  const followUps: FollowUp[] = [];
  for (let i = 0; i < Math.max(2, Math.floor(eventCount / 50)); i++) {
    followUps.push({
      id: `f-${i}`,
      incidentId: incident.id,
      type: i % 2 === 0 ? 'fix' : 'task',
      text: `Follow-up ${i}: alert on pool saturation`,
      ...(i % 3 === 0 ? {} : { owner: USERS[i % USERS.length] as string }),
      author: 'U0ALICE',
      createdAt: iso(START + SPAN_MS + i * 1000),
    });
  }
  return { incident, events, followUps };
}

export function benchPostmortem(): Row[] {
  const now = new Date(START + SPAN_MS + 3600_000).toISOString();
  const medians = new Map<number, number>();
  const rows: Row[] = [];
  for (const { events, runs, warmup } of SIZES) {
    const record = syntheticRecord(events);
    progress(`postmortem: ${events} events, ${warmup} warm-up + ${runs} runs`);
    let chars = 0;
    for (let i = 0; i < warmup; i++) chars = compilePostmortem(record, { tz: TZ, now }).length;
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      compilePostmortem(record, { tz: TZ, now });
      samples.push(performance.now() - start);
    }
    const m = median(samples);
    medians.set(events, m);
    const largest = events === 10_000;
    rows.push(
      row({
        measurement: `postmortem compile, ${events.toLocaleString('en-US')} events (${Math.round(chars / 1024)} KB)`,
        n: String(runs),
        median: ms(m),
        p99: ms(p99(samples)),
        ...(largest ? { goal: `< ${LARGEST_GOAL_MS} ms`, met: yesNo(m < LARGEST_GOAL_MS) } : {}),
      }),
    );
  }
  const perEvent1k = (medians.get(1_000) as number) / 1_000;
  const perEvent10k = (medians.get(10_000) as number) / 10_000;
  rows.push(
    row({
      measurement: 'postmortem per-event cost, 10,000 vs 1,000',
      median: `${(perEvent10k * 1000).toFixed(2)} µs`,
      baseline: `${(perEvent1k * 1000).toFixed(2)} µs`,
      ratio: ratio(perEvent10k / perEvent1k),
      goal: `≤ ${PER_EVENT_GOAL.toFixed(2)}×`,
      met: yesNo(perEvent10k / perEvent1k <= PER_EVENT_GOAL),
    }),
  );
  return rows;
}

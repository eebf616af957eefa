/**
 * 5. Escalation through the local server's LocalScheduler (default poll 250 ms): how late a tier's
 * page reaches the PagerDuty stand-in after its due time (declaredAt + 1 s) for incidents opened back
 * to back; then pages and retries when the stand-in answers 500 twice first.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PagerDutyEvent, PagerDutyStub } from '../local/pagerduty-stub';
import { type BenchBot, openedId, pagerDutyOf, startBenchBot } from './bot';
import { median, ms, p99, progress, type Row, row, sleep, until, yesNo } from './stats';

const INCIDENTS = 10;
const RETRY_INCIDENTS = 3;
const RETRY_WAIT_MS = 10_000;
const TIER1_AFTER_MS = 1_000;
// PagerDuty routing keys are 32 characters (the policy refuses any other length).
const TIER0_KEY = 'BENCH0FIRST0RESPONDER00000000000';
const TIER1_KEY = 'BENCH0ONCALL00000000000000000000';

const POLICY = `
teams:
  first: { pagerduty: ${TIER0_KEY} }
  oncall: { pagerduty: ${TIER1_KEY} }
escalation:
  default:
    - { after: 0s, notify: [first] }
    - { after: ${TIER1_AFTER_MS / 1000}s, notify: [oncall] }
`;

const triggers = (stub: PagerDutyStub, key?: string): PagerDutyEvent[] =>
  stub.events.filter((e) => e.event_action === 'trigger' && (key === undefined || e.routing_key === key));

async function openIncidents(bot: BenchBot, howMany: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < howMany; i++) {
    const open = await bot.command(`open sev3 Bench escalation ${label} ${i}`);
    ids.push(openedId(open.text));
  }
  return ids;
}

/** Tier-1 page delays: the stand-in's receivedAt minus declaredAt + 1 s, one per incident. */
async function tierDelays(bot: BenchBot, pagerduty: PagerDutyStub): Promise<number[]> {
  const ids = await openIncidents(bot, INCIDENTS, 'delay');
  await until(
    () => triggers(pagerduty, TIER1_KEY).length >= INCIDENTS,
    15_000 + INCIDENTS * TIER1_AFTER_MS,
    `escalation: ${INCIDENTS} tier-1 pages`,
    20,
  );
  const delays: number[] = [];
  for (const id of ids) {
    const incident = await bot.server.store.getIncident(id);
    const page = triggers(pagerduty, TIER1_KEY).find(
      (e) => (e.payload?.custom_details as { incident?: string } | undefined)?.incident === id,
    );
    if (!incident || !page) throw new Error(`escalation: no tier-1 page for ${id}`);
    delays.push(page.receivedAt - (Date.parse(incident.declaredAt) + TIER1_AFTER_MS));
  }
  return delays;
}

/**
 * Pages accepted and retries spent when the stand-in answers [500, 500] before accepting. A page still
 * missing after RETRY_WAIT_MS (the first backoff is 1–2 s) is reported as missing, not waited for: the
 * reconciler would send it within RECONCILE_INTERVAL (60 s), which is a miss here.
 */
async function retries(bot: BenchBot, pagerduty: PagerDutyStub) {
  await bot.server.jobs.drain();
  pagerduty.reset();
  pagerduty.respondWith([500, 500]);
  await openIncidents(bot, RETRY_INCIDENTS, 'retry');
  const expected = RETRY_INCIDENTS * 2;
  try {
    await until(
      () => triggers(pagerduty).length >= expected,
      RETRY_WAIT_MS,
      `escalation: ${expected} pages`,
      20,
    );
  } catch {
    progress(
      `escalation: only ${triggers(pagerduty).length} of ${expected} pages within ${RETRY_WAIT_MS} ms ` +
        `(${bot.server.jobs.pending()} jobs pending); reported as missed`,
    );
  }
  await bot.server.jobs.drain();
  // Anything still retrying or a duplicate page would show up within a few polls.
  await sleep(600);
  const accepted = triggers(pagerduty).length;
  const attempts = pagerduty.attempts.filter(
    (a) => (a.body as { event_action?: string } | undefined)?.event_action === 'trigger',
  ).length;
  return { expected, accepted, attempts, retries: attempts - accepted };
}

export async function benchEscalation(): Promise<Row[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-policy-'));
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, POLICY);
  let bot: BenchBot | undefined;
  try {
    bot = await startBenchBot({ ESCALATION_POLICY: policyFile }, { pagerDuty: true });
    const pagerduty = pagerDutyOf(bot);
    progress(`escalation: ${INCIDENTS} incidents opened back to back, tier 1 after ${TIER1_AFTER_MS} ms`);
    const delays = await tierDelays(bot, pagerduty);
    progress(`escalation: tier-1 delays ${delays.map((d) => d.toFixed(0)).join(', ')} ms`);
    progress(`escalation: ${RETRY_INCIDENTS} incidents with the stand-in answering [500, 500] first`);
    const retry = await retries(bot, pagerduty);
    if (bot.jobErrors.length > 0) progress(`escalation: jobs failed: ${bot.jobErrors.join('; ')}`);
    const asExpected = retry.accepted === retry.expected && retry.retries === 2;
    return [
      row({
        measurement: 'escalation tier-1 page delay after due time',
        n: String(delays.length),
        median: ms(median(delays)),
        p99: ms(p99(delays)),
      }),
      row({
        measurement: `escalation with [500, 500] first: pages sent / retries`,
        n: String(RETRY_INCIDENTS),
        median: `${retry.accepted} / ${retry.retries}`,
        goal: `${retry.expected} / 2`,
        met: yesNo(asExpected),
      }),
    ];
  } finally {
    await bot?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

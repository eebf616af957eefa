/**
 * 6. First-page latency: from sending a signed `/incident open sev1 …` to the PagerDuty stand-in
 * receiving the trigger of a tier-0 team (`after: 0s`), with Slack answering at once vs every Slack
 * method hanging (the SlackChat timeout is 10 s). Paging runs in its own job lane from declaration,
 * so the hang must not show up in the page latency. Runs alternate healthy / hanging after a warm-up;
 * the hung channel jobs keep hanging (and retrying) in the background meanwhile, as they would.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PagerDutyEvent, PagerDutyStub } from '../local/pagerduty-stub';
import { type BenchBot, openedId, pagerDutyOf, startBenchBot } from './bot';
import { median, ms, p99, progress, type Row, ratio, row, until, yesNo } from './stats';

const RUNS = 7;
const WARMUP = 2;
const GOAL = 1.5;
const KEY = 'BENCH0TIER0000000000000000000000'; // 32 characters, as PagerDuty routing keys are
const POLICY = `
teams:
  first: { pagerduty: ${KEY} }
escalation:
  default:
    - { after: 0s, notify: [first] }
`;

function triggerFor(pagerduty: PagerDutyStub, incidentId: string): PagerDutyEvent | undefined {
  return pagerduty.events.find(
    (e) =>
      e.event_action === 'trigger' &&
      e.routing_key === KEY &&
      (e.payload?.custom_details as { incident?: string } | undefined)?.incident === incidentId,
  );
}

/** Opens one sev1 incident and returns ms from sending the command to the stand-in receiving its page. */
async function firstPage(bot: BenchBot, pagerduty: PagerDutyStub, label: string): Promise<number> {
  // Date.now(), not performance.now(): the stand-in stamps `receivedAt` with Date.now().
  const sentAt = Date.now();
  const open = await bot.command(`open sev1 Bench first page ${label}`);
  if (open.status !== 200) throw new Error(`open answered ${open.status}: ${open.text}`);
  const id = openedId(open.text);
  // Far below the 10 s Slack timeout: a page that waited on Slack would fail here, not just be slow.
  await until(() => triggerFor(pagerduty, id) !== undefined, 5_000, `first page: the page of ${id}`);
  return (triggerFor(pagerduty, id) as PagerDutyEvent).receivedAt - sentAt;
}

export async function benchFirstPage(): Promise<Row[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-first-page-'));
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, POLICY);
  let bot: BenchBot | undefined;
  try {
    bot = await startBenchBot(
      { ESCALATION_POLICY: policyFile },
      // Hung Slack calls time out and fail in the background; that is expected here, not news.
      {
        log: () => {},
        pageRetry: { baseDelayMs: 20, maxDelayMs: 100, noticeAfterAttempts: 3, maxAttempts: 5 },
        pagerDuty: true,
      },
    );
    const pagerduty = pagerDutyOf(bot);
    progress(`first page: warm-up, ${WARMUP} incidents`);
    for (let i = 0; i < WARMUP; i++) await firstPage(bot, pagerduty, `warm-up ${i}`);
    await bot.server.jobs.drain();

    const healthy: number[] = [];
    const hanging: number[] = [];
    let heldCalls = 0;
    for (let i = 0; i < RUNS; i++) {
      progress(`first page: run ${i + 1}/${RUNS}, Slack healthy then every Slack method hanging`);
      bot.slack.clearFaults();
      healthy.push(await firstPage(bot, pagerduty, `healthy ${i}`));
      bot.slack.fault('*', { hang: true });
      const callsBefore = bot.slack.calls.length;
      hanging.push(await firstPage(bot, pagerduty, `hanging ${i}`));
      heldCalls += bot.slack.calls.length - callsBefore;
    }
    bot.slack.clearFaults();
    progress(
      `first page: healthy ${healthy.map((v) => v.toFixed(0)).join(', ')} ms; hanging ` +
        `${hanging.map((v) => v.toFixed(0)).join(', ')} ms; ${heldCalls} Slack calls held hung meanwhile`,
    );
    const base = median(healthy);
    const slow = median(hanging);
    return [
      row({
        measurement: 'first page (open sev1 → PagerDuty trigger), Slack healthy',
        n: String(healthy.length),
        median: ms(base),
        p99: ms(p99(healthy)),
      }),
      row({
        measurement: 'first page, every Slack method hanging (10 s timeout)',
        n: String(hanging.length),
        median: ms(slow),
        p99: ms(p99(hanging)),
        baseline: ms(base),
        ratio: ratio(slow / base),
        goal: `≤ ${GOAL.toFixed(2)}×`,
        met: yesNo(slow / base <= GOAL),
      }),
    ];
  } finally {
    // Closing the Slack stand-in ends the hung calls, so their jobs finish within the drain.
    await bot?.close(5_000);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * 9. Alerts at scale (issue 10): 1,000 Alertmanager alerts in 60 groups plus 200 single-alert groups,
 * all posted to the local server's alert route within 10 s, as a storm does. Each group arrives as
 * Alertmanager sends it: a first notification with half its alerts, then one with all of them. Reported:
 * the answer's median and p99 against quiet single posts in the same process (the baseline), the
 * incidents opened, the channels created, the pages sent, and how many alerts are on some incident's
 * timeline (the goal: every one of them).
 *
 * The storm cap (5 new incidents a minute, the default) counts by the bot's clock: it runs ahead of
 * the system's so that each quiet post is in a minute of its own and the storm starts a fresh minute.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pagerDutyOf, startBenchBot } from './bot';
import { count, median, ms, p99, performance, progress, type Row, ratio, row, sleep, yesNo } from './stats';

const TOKEN = 'bench-alert-token';
const KEY = 'BENCH0ALERTS00000000000000000000'; // 32 characters, as PagerDuty routing keys are
const POLICY = `
teams:
  oncall: { pagerduty: ${KEY} }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
`;
const GROUPS = 60;
const GROUPED_ALERTS = 1_000;
const SINGLES = 200;
const WINDOW_MS = 10_000;
const IN_FLIGHT = 16;
const BASELINE_RUNS = 15;
const MINUTE_MS = 60_000;

interface Alert {
  instance: string;
  body: Record<string, unknown>;
}

function alert(alertname: string, instance: string, startsAt: string): Alert {
  return {
    instance,
    body: {
      status: 'firing',
      labels: { alertname, instance, job: 'bench', severity: 'critical' },
      annotations: { summary: `${alertname} on ${instance}` },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus.bench:9090/graph?g0.expr=up%7Binstance%3D%22${instance}%22%7D`,
      fingerprint: createHash('sha256').update(instance).digest('hex').slice(0, 16),
    },
  };
}

function notification(groupKey: string, alertname: string, alerts: Alert[]): string {
  return JSON.stringify({
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'incident-bot',
    groupLabels: { alertname },
    commonLabels: { alertname, job: 'bench', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench:9093',
    alerts: alerts.map((a) => a.body),
  });
}

export async function benchAlerts(): Promise<Row[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bench-alerts-'));
  const policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, POLICY);
  let aheadMs = 0;
  const clock = { now: () => new Date(Date.now() + aheadMs) };
  /** Moves the bot's clock to the start of its next minute. */
  const nextMinute = () => {
    aheadMs += MINUTE_MS - (clock.now().getTime() % MINUTE_MS);
  };
  const bot = await startBenchBot(
    { ALERT_TOKEN: TOKEN, ESCALATION_POLICY: policyFile },
    { log: () => {}, clock, pagerDuty: true },
  );
  const pagerduty = pagerDutyOf(bot);
  const url = `${bot.server.url}/alerts/alertmanager`;
  const post = async (body: string): Promise<number> => {
    const start = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    await response.text();
    if (response.status !== 200) throw new Error(`alert route answered ${response.status}`);
    return performance.now() - start;
  };
  try {
    const now = new Date().toISOString();
    const every: Alert[] = [];

    // Baseline: single-alert groups posted one at a time, nothing else going on.
    const quiet: number[] = [];
    for (let i = 0; i < BASELINE_RUNS; i++) {
      nextMinute();
      const one = alert(`BenchQuiet${i}`, `quiet-${i}:9100`, now);
      every.push(one);
      quiet.push(await post(notification(`{}:{alertname="BenchQuiet${i}"}`, `BenchQuiet${i}`, [one])));
      await sleep(50);
    }
    await bot.server.jobs.drain();
    const quietIncidents = (await bot.server.store.listOpenIncidents()).length;

    // The storm: every group's first half, its full set, and the singles, spread over 10 s.
    const posts: string[] = [];
    for (let g = 0; g < GROUPS; g++) {
      const name = `BenchGroup${g}`;
      const size = Math.floor(GROUPED_ALERTS / GROUPS) + (g < GROUPED_ALERTS % GROUPS ? 1 : 0);
      const alerts = Array.from({ length: size }, (_, i) => alert(name, `g${g}-host-${i}:9100`, now));
      every.push(...alerts);
      const key = `{}:{alertname="${name}"}`;
      posts.push(
        notification(key, name, alerts.slice(0, Math.ceil(size / 2))),
        notification(key, name, alerts),
      );
    }
    for (let s = 0; s < SINGLES; s++) {
      const one = alert(`BenchSingle${s}`, `single-${s}:9100`, now);
      every.push(one);
      posts.push(notification(`{}:{alertname="BenchSingle${s}"}`, `BenchSingle${s}`, [one]));
    }
    // Interleave so groups' second notifications come later than their first.
    const ordered = [...posts.filter((_, i) => i % 2 === 0), ...posts.filter((_, i) => i % 2 === 1)];
    progress(
      `alerts: ${ordered.length} notifications, ${every.length} alerts, aimed within ${WINDOW_MS / 1000} s`,
    );
    const answers: number[] = [];
    nextMinute();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (;;) {
          const index = next++;
          const body = ordered[index];
          if (body === undefined) return;
          const due = started + (index * WINDOW_MS) / ordered.length;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          answers.push(await post(body));
        }
      }),
    );
    const postedIn = performance.now() - started;
    await bot.server.jobs.drain();

    const incidents = await bot.server.store.listOpenIncidents();
    const storms = incidents.filter((incident) => incident.title.startsWith('Alert storm')).length;
    const minutes = Math.floor(postedIn / MINUTE_MS) + 1;
    const timelines = (await Promise.all(incidents.map((i) => bot.server.store.getRecord(i.id)))).map(
      (record) => (record?.events ?? []).map((event) => event.text).join('\n'),
    );
    const all = timelines.join('\n');
    const onTimeline = every.filter((a) => all.includes(a.instance)).length;
    const channels = [...bot.slack.channels.values()].filter((c) => /^inc-\d+-/.test(c.name)).length;
    // A page is one PagerDuty alert (dedup_key); a page sent before its channel existed is followed by
    // the same trigger with the channel's link, which PagerDuty appends to that alert without paging.
    const triggers = pagerduty.events.filter((e) => e.event_action === 'trigger');
    const pages = new Set(triggers.map((e) => e.dedup_key)).size;
    const linkFollowUps = triggers.filter((e) => e.links !== undefined).length;
    progress(
      `alerts: posted in ${(postedIn / 1000).toFixed(1)} s; ${incidents.length} incidents (${quietIncidents} before the storm), ` +
        `${channels} channels, ${pages} pages (${triggers.length} triggers, ${linkFollowUps} with the channel link), ${onTimeline}/${every.length} alerts on a timeline`,
    );
    const base = median(quiet);
    const m = median(answers);
    return [
      row({
        measurement: 'alert route answer, one group posted alone (baseline)',
        n: String(quiet.length),
        median: ms(base),
        p99: ms(p99(quiet)),
      }),
      row({
        measurement: `alert route answer, ${count(every.length - BASELINE_RUNS)} alerts in ${ordered.length} posts within ${(postedIn / 1000).toFixed(1)} s`,
        n: String(answers.length),
        median: ms(m),
        p99: ms(p99(answers)),
        baseline: ms(base),
        ratio: ratio(m / base),
      }),
      row({
        measurement: `incidents / channels / pages for ${GROUPS + SINGLES + BASELINE_RUNS} alert groups (${BASELINE_RUNS} quiet)`,
        median: `${incidents.length} / ${channels} / ${pages}`,
      }),
      row({
        measurement: `incidents the storm opened (cap 5 a minute, ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}), of which "alert storm"`,
        median: `${incidents.length - quietIncidents}, ${storms}`,
        goal: `≤ ${5 * minutes + 1}`,
        met: yesNo(incidents.length - quietIncidents <= 5 * minutes + 1),
      }),
      row({
        measurement: 'alerts on some incident timeline',
        median: `${count(onTimeline)} of ${count(every.length)}`,
        goal: 'all',
        met: yesNo(onTimeline === every.length),
      }),
    ];
  } finally {
    await bot.close(5_000);
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Paging when everything else is on fire, through the real local server: Slack answering every call
 * with 429 (Retry-After 30) or never answering, and PagerDuty down for 40 s. The page must go out
 * within 2 s whatever Slack does, and a page PagerDuty refused is delivered once when it recovers.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { signedHeaders, slashCommandBody } from '../../local/slack-signing';
import { GENERAL, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

const ROUTING_KEY = 'R0UTINGKEY0ONCALL000000000000000'; // 32 characters, as PagerDuty's are
const POLICY = `
teams:
  oncall: { slack: S0ONCALL, pagerduty: ${ROUTING_KEY} }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
`;
const ALERT_TOKEN = 'alert-token-for-tests';

describe('paging does not wait on Slack', () => {
  let pagerduty: PagerDutyStub;
  let policyFile: string;
  let harness: Harness | undefined;

  beforeAll(async () => {
    pagerduty = await startPagerDutyStub();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-policy-'));
    policyFile = path.join(dir, 'policy.yaml');
    await writeFile(policyFile, POLICY);
  });
  afterAll(() => pagerduty.close());
  afterEach(async () => {
    // Hung Slack calls time out after 10 s; the test does not wait for them.
    await harness?.close(500);
    harness = undefined;
    pagerduty.reset();
  });

  async function bot(): Promise<Harness> {
    harness = await startHarness({
      env: { ESCALATION_POLICY: policyFile, PAGERDUTY_EVENTS_URL: pagerduty.url, ALERT_TOKEN },
    });
    return harness;
  }

  const triggers = () => pagerduty.events.filter((event) => event.event_action === 'trigger');

  /** Sends `/incident open …` without waiting for the jobs it queued (they may be stuck on Slack). */
  async function open(bot: Harness, title: string): Promise<{ sentAt: number; status: number }> {
    const body = slashCommandBody({
      text: `open sev2 ${title}`,
      userId: 'U0ALICE',
      channelId: GENERAL,
      triggerId: randomUUID(),
    });
    const sentAt = Date.now();
    const response = await fetch(`${bot.server.url}/slack/events`, {
      method: 'POST',
      headers: signedHeaders(bot.signingSecret, body),
      body,
    });
    await response.text();
    return { sentAt, status: response.status };
  }

  const slackFaults = {
    'rate-limited (429, Retry-After 30)': { status: 429, retryAfterSeconds: 30 },
    hanging: { hang: true },
  } as const;

  for (const [name, fault] of Object.entries(slackFaults)) {
    it(`pages a tier-0 PagerDuty team within 2 s of /incident open while every Slack call is ${name}`, async () => {
      const harness = await bot();
      harness.slack.fault('*', fault);
      const { sentAt, status } = await open(harness, 'Slack is down too');
      expect(status).toBe(200);
      await until(() => triggers().length === 1, 5000);
      expect((triggers()[0]?.receivedAt ?? Number.POSITIVE_INFINITY) - sentAt).toBeLessThan(2000);
      expect(triggers()[0]?.dedup_key).toBe('incident-bot/INC-1/oncall');
    });

    it(`pages within 2 s of an alert while every Slack call is ${name}`, async () => {
      const harness = await bot();
      harness.slack.fault('*', fault);
      const body = await readFile(
        path.join(__dirname, '../fixtures/alerts/alertmanager-firing.json'),
        'utf8',
      );
      const sentAt = Date.now();
      const response = await fetch(`${harness.server.url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ALERT_TOKEN}`, 'content-type': 'application/json' },
        body,
      });
      expect(response.status).toBeLessThan(300);
      await until(() => triggers().length >= 1, 5000);
      expect((triggers()[0]?.receivedAt ?? Number.POSITIVE_INFINITY) - sentAt).toBeLessThan(2000);
    });
  }

  it('delivers a page PagerDuty refused for 20 s once it recovers, exactly once, and says so meanwhile', async () => {
    // Retries as in production but compressed 4× (0.5 s, 1 s, 2 s … capped at 4 s), told after 6 tries
    // (at most 11.5 s in, well within the outage).
    harness = await startHarness({
      env: { ESCALATION_POLICY: policyFile, PAGERDUTY_EVENTS_URL: pagerduty.url },
      pageRetry: { baseDelayMs: 500, maxDelayMs: 4_000, noticeAfterAttempts: 6, maxAttempts: 20 },
    });
    pagerduty.downFor(20_000, 500);
    const downUntil = Date.now() + 20_000;
    await harness.command('open sev2 PagerDuty is down');
    const channelId = await harness.channelOf('INC-1');
    await until(() => triggers().length === 1, 75_000);
    expect(triggers()[0]?.receivedAt).toBeGreaterThanOrEqual(downUntil - 50);
    // The failure was shown in the channel while PagerDuty was down.
    const warnings = harness.slack.messages.filter(
      (m) => m.channel === channelId && /:warning:.*oncall/.test(m.text ?? ''),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.text).toContain('Still retrying');
    await until(async () => {
      const step = (await harness?.server.store.getRecord('INC-1'))?.steps?.['page.sev2.t0.oncall'];
      return step?.state === 'done';
    });
    const record = await harness.server.store.getRecord('INC-1');
    const pages = record?.events.filter((event) => event.kind === 'escalation').map((event) => event.id);
    expect(pages).toEqual(
      expect.arrayContaining([
        'page.sev2.t0.oncall',
        'page.sev2.t0.oncall.failed',
        'page.sev2.t0.oncall.recovered',
      ]),
    );
    // Nothing is sent again once delivered.
    const accepted = pagerduty.attempts.filter((attempt) => attempt.status === 202).length;
    await harness.server.bot.reconcile();
    await harness.server.jobs.drain();
    expect(pagerduty.attempts.filter((attempt) => attempt.status === 202)).toHaveLength(accepted);
    expect(triggers()).toHaveLength(1);
  }, 100_000);
});

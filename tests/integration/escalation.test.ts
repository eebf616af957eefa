/**
 * Escalation through the local server: policy tiers on timers, pages to the PagerDuty stand-in and
 * Slack, ack and resolve, retries and failures, timers delivered twice or across a restart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { type Harness, startHarness } from '../helpers/harness';
import { sleep, until } from '../helpers/wait';

// PagerDuty routing keys are 32 characters (the policy refuses any other length).
const ONCALL_KEY = 'R0UTINGKEY0ONCALL000000000000000';
const SRE_KEY = 'R0UTINGKEY0SRE000000000000000000';

const POLICY = `
teams:
  oncall: { slack: S0ONCALL, pagerduty: ${ONCALL_KEY} }
  sre:    { pagerduty: ${SRE_KEY} }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
    - { after: 2s, notify: [sre] }
  sev1:
    - { after: 0s, notify: [oncall, sre] }
`;

async function writePolicy(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-policy-'));
  const file = path.join(dir, 'policy.yaml');
  await writeFile(file, text);
  return file;
}

describe('escalation', () => {
  let pagerduty: PagerDutyStub;
  let policyFile: string;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    pagerduty = await startPagerDutyStub();
    policyFile = await writePolicy(POLICY);
  });
  afterAll(() => pagerduty.close());
  afterEach(async () => {
    while (harnesses.length) await harnesses.pop()?.close();
    pagerduty.reset();
  });

  async function bot(
    options: { dataDir?: string; inMemory?: boolean; env?: Record<string, string> } = {},
  ): Promise<Harness> {
    const harness = await startHarness({
      ...options,
      env: { ESCALATION_POLICY: policyFile, PAGERDUTY_EVENTS_URL: pagerduty.url, ...options.env },
    });
    harnesses.push(harness);
    return harness;
  }

  const triggers = (routingKey: string) =>
    pagerduty.events.filter((event) => event.event_action === 'trigger' && event.routing_key === routingKey);

  async function escalationEvents(harness: Harness, incidentId = 'INC-1') {
    const record = await harness.server.store.getRecord(incidentId);
    return (record?.events ?? []).filter((event) => event.kind === 'escalation');
  }

  it('pages tier 0 at open and tier 1 after its delay when nobody acknowledges', async () => {
    const harness = await bot();
    await harness.command('open sev2 API errors spiking');
    expect(triggers(ONCALL_KEY)).toHaveLength(1);
    expect(triggers(SRE_KEY)).toHaveLength(0);
    const channel = harness.slack.channels.get(await harness.channelOf('INC-1'));
    const mention = harness.slack.messages.find(
      (m) => m.channel === channel?.id && /<!subteam\^S0ONCALL>/.test(m.text ?? ''),
    );
    expect(mention).toBeDefined();
    const trigger = triggers(ONCALL_KEY)[0];
    expect(trigger?.dedup_key).toBe('incident-bot/INC-1/oncall');
    expect(JSON.stringify(trigger?.payload)).toContain('INC-1: API errors spiking');

    await until(() => triggers(SRE_KEY).length === 1);
    // The page is recorded once every delivery of it has settled, a moment after PagerDuty has it.
    await until(async () => (await escalationEvents(harness)).length === 2);
    const events = await escalationEvents(harness);
    expect(events.map((event) => [event.team, event.page?.tier, event.author])).toEqual([
      ['oncall', 0, 'bot'],
      ['sre', 1, 'bot'],
    ]);
  });

  it('pages no later tier after an ack, and resolve resolves every dedup_key it triggered', async () => {
    const harness = await bot();
    await harness.command('open sev2 Checkout latency');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('ack', { channelId });
    expect(pagerduty.events.filter((e) => e.event_action === 'acknowledge').map((e) => e.dedup_key)).toEqual([
      'incident-bot/INC-1/oncall',
    ]);
    await sleep(3000); // past tier 1's due time
    await harness.server.scheduler.runDue();
    expect(triggers(SRE_KEY)).toHaveLength(0);

    await harness.command('resolve Rolled back the deploy', { channelId });
    const resolved = pagerduty.events.filter((e) => e.event_action === 'resolve').map((e) => e.dedup_key);
    expect(resolved).toEqual(['incident-bot/INC-1/oncall']);
  });

  it('re-plans on a severity change: sev1 pages both teams at once', async () => {
    const harness = await bot();
    await harness.command('open sev3 Slow search');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('severity sev1', { channelId });
    expect(triggers(SRE_KEY)).toHaveLength(1);
    expect(triggers(ONCALL_KEY)).toHaveLength(1); // paged at open; not paged twice
  });

  it('pages a named team by hand, and the next tier when no team is named', async () => {
    const harness = await bot();
    await harness.command('open sev2 Disk full');
    const channelId = await harness.channelOf('INC-1');
    const reply = await harness.command('escalate sre database looks fine, need eyes on the LB', {
      channelId,
    });
    expect(reply.text).toContain('Paging sre');
    expect(triggers(SRE_KEY)).toHaveLength(1);
    // The reason typed reaches the paged team.
    expect(JSON.stringify(triggers(SRE_KEY)[0]?.payload)).toContain(
      'INC-1: Disk full — database looks fine, need eyes on the LB',
    );
    const events = await escalationEvents(harness);
    const manual = events.find((event) => event.author !== 'bot');
    expect(manual).toMatchObject({ team: 'sre', text: 'database looks fine, need eyes on the LB' });
  });

  it('retries a page the service refuses twice, and records exactly one page', async () => {
    const harness = await bot();
    pagerduty.respondWith([500, 500]);
    await harness.command('open sev2 Queue stuck');
    // The retry is a delayed job: wait for the page to be done rather than for the queue to look idle.
    await until(
      async () =>
        (await harness.server.store.getRecord('INC-1'))?.steps?.['page.sev2.t0.oncall']?.state === 'done',
    );
    expect(triggers(ONCALL_KEY)).toHaveLength(1);
    expect(
      pagerduty.attempts.filter((a) => (a.body as { routing_key?: string }).routing_key === ONCALL_KEY),
    ).toHaveLength(3);
    const events = await escalationEvents(harness);
    expect(events).toHaveLength(1);
    expect(events[0]?.page?.failed).toBe(false);
  });

  it('retries a failing page for a while, tells the channel, then gives up and says so', async () => {
    const harness = await bot();
    pagerduty.respondWith(Array(40).fill(500));
    await harness.command('open sev2 Cache cluster down');
    const channelId = await harness.channelOf('INC-1');
    // The harness retries pages 5 times (2 requests each), milliseconds apart.
    await until(
      async () =>
        (await harness.server.store.getRecord('INC-1'))?.steps?.['page.sev2.t0.oncall']?.permanent === true,
      30_000,
    ).catch(async (error: unknown) => {
      // If the retries ever stall again, say where they stood.
      const step = (await harness.server.store.getRecord('INC-1'))?.steps?.['page.sev2.t0.oncall'];
      throw new Error(
        `${(error as Error).message}: step ${JSON.stringify(step)}, ${harness.server.jobs.pending()} jobs pending at ${Date.now()}`,
      );
    });
    const events = await escalationEvents(harness);
    const failure = events.find((event) => event.id === 'page.sev2.t0.oncall.failed');
    expect(failure?.text).toMatch(
      /oncall failed \(automatic, tier 1\) after 3 tries.*pagerduty failed after 2 attempts/,
    );
    const warnings = harness.slack.messages.filter(
      (m) => m.channel === channelId && /:warning:/.test(m.text ?? ''),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.text).toContain('pagerduty failed');
    expect(triggers(ONCALL_KEY)).toHaveLength(0);
    const record = await harness.server.store.getRecord('INC-1');
    await until(() => {
      const summary = harness.slack.messages.find((m) => m.ts === record?.incident.summaryTs);
      return /Paging oncall failed: pagerduty failed/.test(JSON.stringify(summary?.blocks));
    });
    expect(
      pagerduty.attempts.filter((a) => (a.body as { routing_key?: string }).routing_key === ONCALL_KEY),
    ).toHaveLength(10);
  });

  it('pages once when a tier timer is delivered twice', async () => {
    const harness = await bot();
    await harness.command('open sev2 Two timers');
    await Promise.all([
      harness.server.escalation.fireTier('INC-1', 'sev2', 1),
      harness.server.escalation.fireTier('INC-1', 'sev2', 1),
    ]);
    await harness.server.escalation.fireTier('INC-1', 'sev2', 1);
    expect(triggers(SRE_KEY)).toHaveLength(1);
  });

  it('fires a tier that fell due while the local server was down', async () => {
    const first = await bot({ inMemory: false });
    await first.command('open sev2 Restart mid-wait');
    expect(triggers(SRE_KEY)).toHaveLength(0);
    await first.server.close();
    harnesses.splice(harnesses.indexOf(first), 1);
    await first.slack.close();
    await sleep(2500);
    const second = await bot({ inMemory: false, dataDir: first.dataDir });
    await until(() => triggers(SRE_KEY).length === 1);
    await until(async () => (await escalationEvents(second)).length === 2);
    expect((await escalationEvents(second)).map((event) => event.team)).toEqual(['oncall', 'sre']);
  });
});

describe('nudges', () => {
  it('reminds a quiet channel once per interval, and counts from the last update', async () => {
    const file = await writePolicy(`
teams:
  oncall: { slack: S0ONCALL }
reminders:
  sev2: 2s
`);
    const harness = await startHarness({ env: { ESCALATION_POLICY: file } });
    try {
      await harness.command('open sev2 Quiet incident');
      const channelId = await harness.channelOf('INC-1');
      const nudges = () =>
        harness.slack.messages.filter(
          (m) => m.channel === channelId && /No timeline update/.test(m.text ?? ''),
        );
      await sleep(1000);
      await harness.command('log action: restarted the consumer', { channelId }); // resets the quiet period
      await sleep(1500); // 2.5 s after open, 1.5 s after the update
      expect(nudges()).toHaveLength(0);
      await until(() => nudges().length === 1, 4000);
      expect(nudges()[0]?.text).toMatch(/No timeline update on INC-1 for \d+ minutes?/);
      await harness.command('resolve Consumer healthy', { channelId });
      const after = nudges().length;
      await sleep(2500);
      expect(nudges()).toHaveLength(after);
    } finally {
      await harness.close();
    }
  });
});

describe('a bad escalation policy', () => {
  it('stops the local server at start, naming the field', async () => {
    const file = await writePolicy(`
teams:
  oncall: { slack: S0ONCALL }
escalation:
  sev1:
    - { after: soon, notify: [oncall] }
    - { after: 5m, notify: [nobody] }
`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'local/server.ts'], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        PORT: '0',
        SLACK_SIGNING_SECRET: 'secret',
        SLACK_BOT_TOKEN: 'xoxb-test',
        ESCALATION_POLICY: file,
        DATA_DIR: path.dirname(file),
      },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('escalation.sev1[0].after: expected a duration like 15m');
    expect(result.stderr).toContain("escalation.sev1[1].notify[0]: unknown team 'nobody'");
  });
});

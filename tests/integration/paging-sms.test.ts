/**
 * Texts (SMS) for unacknowledged pages, through the real local server, the escalation engine, the
 * local scheduler and the SMS stand-in (local/sms-stub.ts): when tier 2 of a sev1 comes due and
 * nobody acknowledged, the person tier 1 paged in person gets one SMS, and the timeline says so. An
 * acknowledgement before then, or no phone numbers configured, texts nobody; a send SNS may get past
 * is retried once its backoff ends. The clock is fixed and moved by hand; nothing waits on time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { IncidentRecord } from '../../lambda/incidents/types';
import type { SmsStub } from '../../local/sms-stub';
import { fixedClock, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

// U0ANNA is on call for sre and U0BOB for dba, every week from Monday 30 November 2026 09:00.
const POLICY = `schedules:
  sre:
    timezone: Europe/Berlin
    layers:
      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0ANNA] }
  dba:
    timezone: Europe/Berlin
    layers:
      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0BOB] }
teams:
  sre: { schedule: sre }
  dba: { schedule: dba }
escalation:
  sev1:
    - { after: 0s, notify: [sre] }
    - { after: 10m, notify: [dba] }
`;
/**
 * After the real time the server starts at: the embedded store voids step leases taken before its
 * start (a killed predecessor's), and a lease the fixed clock dated earlier would not hold.
 */
const START = '2030-01-02T12:00:00Z';
const ANNA_PHONE = '+4915112345678';
const BOB_PHONE = '+4915187654321';
const PHONE_NUMBERS = JSON.stringify({ U0ANNA: ANNA_PHONE, U0BOB: BOB_PHONE });

let dir: string;
let policyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-paging-sms-'));
  policyFile = path.join(dir, 'policy.yaml');
  await writeFile(policyFile, POLICY);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = async (harness: Harness, id: string): Promise<IncidentRecord> => {
  const found = await harness.server.store.getRecord(id);
  if (!found) throw new Error(`${id} not stored`);
  return found;
};
const stepState = async (harness: Harness, id: string, step: string) =>
  (await record(harness, id)).steps?.[step];
const textedEvents = async (harness: Harness, id: string) =>
  (await record(harness, id)).events.filter((event) => /texted/.test(event.text));
/** Declares a sev1 from #general and waits until tier 1's page reached the person on call. */
const declare = async (harness: Harness, title: string): Promise<string> => {
  const reply = await harness.command(`open sev1 ${title}`);
  const id = /INC-\d+/.exec(reply.text)?.[0];
  if (!id) throw new Error(`no incident in "${reply.text}"`);
  await until(async () => (await stepState(harness, id, 'page.sev1.t0.sre'))?.state === 'done');
  return id;
};
const minutesAfter = (iso: string, minutes: number) =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();

describe('with phone numbers configured', () => {
  const clock = fixedClock(START);
  let harness: Harness;
  let sms: SmsStub;

  beforeAll(async () => {
    harness = await startHarness({
      clock,
      env: { ESCALATION_POLICY: policyFile, ONCALL_PHONE_NUMBERS: PHONE_NUMBERS },
    });
    if (!harness.sms) throw new Error('the sandbox started no SMS stand-in');
    sms = harness.sms;
  });
  afterAll(async () => {
    await harness.close();
  });

  it('texts the person tier 1 paged, once, when tier 2 comes due unacknowledged; the timeline says so', async () => {
    const declaredAt = clock.now().toISOString();
    const id = await declare(harness, 'Checkout latency');
    expect(sms.sent).toEqual([]);

    clock.set(minutesAfter(declaredAt, 10));
    await until(async () => (await stepState(harness, id, 'sms.sev1.t1'))?.state === 'done');
    await until(async () => (await stepState(harness, id, 'page.sev1.t1.dba'))?.state === 'done');
    await harness.server.jobs.drain();

    const channelId = await harness.channelOf(id);
    expect(sms.sent).toEqual([
      {
        phoneNumber: ANNA_PHONE,
        messageId: 'sms-1',
        text: `${id} sev1 Checkout latency: your page from incident-bot is unacknowledged after 10m. Acknowledge in Slack: https://slack.com/app_redirect?channel=${channelId}`,
      },
    ]);
    expect(sms.sent[0]?.text.length).toBeLessThanOrEqual(160);
    // Bob was paged by tier 2 itself; there is no tier 3 to text him for.
    expect(sms.sent.map((text) => text.phoneNumber)).not.toContain(BOB_PHONE);
    const texted = await textedEvents(harness, id);
    expect(texted).toHaveLength(1);
    expect(texted[0]).toMatchObject({
      kind: 'escalation',
      author: 'bot',
      subject: 'U0ANNA',
      text: 'was texted (SMS): their page to sre was unacknowledged when tier 2 came due',
    });

    // A redelivered timer, a redelivered job and a reconcile run text nobody again.
    await harness.server.bot.fireTimer({
      id: `${id}.sev1.t1`,
      dueAt: minutesAfter(declaredAt, 10),
      payload: { type: 'escalation-tier', incidentId: id, severity: 'sev1', tier: 1 },
    });
    await harness.server.bot.runJob({ type: 'sms', incidentId: id, severity: 'sev1', tier: 1 });
    await harness.server.bot.reconcile();
    await harness.server.jobs.drain();
    expect(sms.sent).toHaveLength(1);
    expect(await textedEvents(harness, id)).toHaveLength(1);

    const draft = await harness.command('postmortem', { channelId });
    expect(draft.text).toContain(
      '@U0ANNA was texted (SMS): their page to sre was unacknowledged when tier 2 came due',
    );
  });

  it('texts nobody when the page was acknowledged before tier 2 came due', async () => {
    const declaredAt = clock.now().toISOString();
    const sentBefore = sms.sent.length;
    const attemptsBefore = sms.attempts;
    const id = await declare(harness, 'Search down');
    const channelId = await harness.channelOf(id);
    await harness.command('ack', { channelId, userId: 'U0ANNA' });

    clock.set(minutesAfter(declaredAt, 11));
    // The ack cancelled the timer; deliver it anyway, as a late EventBridge delivery would.
    await harness.server.bot.fireTimer({
      id: `${id}.sev1.t1`,
      dueAt: minutesAfter(declaredAt, 10),
      payload: { type: 'escalation-tier', incidentId: id, severity: 'sev1', tier: 1 },
    });
    await harness.server.bot.runJob({ type: 'sms', incidentId: id, severity: 'sev1', tier: 1 });
    await harness.server.bot.reconcile();
    await harness.server.jobs.drain();

    expect(sms.sent).toHaveLength(sentBefore);
    expect(sms.attempts).toBe(attemptsBefore);
    expect(await stepState(harness, id, 'sms.sev1.t1')).toBeUndefined();
    expect(await stepState(harness, id, 'page.sev1.t1.dba')).toBeUndefined();
    expect(await textedEvents(harness, id)).toEqual([]);
  });

  it('retries a send that failed on a throttle once its backoff ends, and texts once', async () => {
    const declaredAt = clock.now().toISOString();
    const sentBefore = sms.sent.length;
    const attemptsBefore = sms.attempts;
    const id = await declare(harness, 'Payments slow');
    sms.failNext(1, { retryable: true });

    clock.set(minutesAfter(declaredAt, 10));
    const failed = async () => {
      const step = await stepState(harness, id, 'sms.sev1.t1');
      return step?.state === 'failed' && !step.permanent && step.retryAt !== undefined;
    };
    await until(failed);
    expect(sms.sent).toHaveLength(sentBefore);
    expect(await textedEvents(harness, id)).toEqual([]);

    // The backoff (milliseconds in the harness) ends once the clock moves past it.
    clock.set(minutesAfter(declaredAt, 11));
    await until(async () => (await stepState(harness, id, 'sms.sev1.t1'))?.state === 'done');
    await harness.server.jobs.drain();

    const mine = sms.sent.slice(sentBefore);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.phoneNumber).toBe(ANNA_PHONE);
    expect(mine[0]?.text).toContain(
      `${id} sev1 Payments slow: your page from incident-bot is unacknowledged after 1`,
    );
    expect(sms.attempts - attemptsBefore).toBe(2);
    const texted = await textedEvents(harness, id);
    expect(texted.map((event) => event.subject)).toEqual(['U0ANNA']);
  });

  it('says "could not be texted", never "texted", when SNS refuses the number', async () => {
    const declaredAt = clock.now().toISOString();
    const sentBefore = sms.sent.length;
    const id = await declare(harness, 'Login errors');
    // As if SNS quoted the number back: the timeline must not.
    sms.failNext(1, {
      retryable: false,
      message: `SNS InvalidParameterException (400): Invalid parameter: PhoneNumber ${ANNA_PHONE}`,
    });

    clock.set(minutesAfter(declaredAt, 10));
    await until(async () => (await stepState(harness, id, 'sms.sev1.t1'))?.state === 'done');
    await harness.server.jobs.drain();

    expect(sms.sent).toHaveLength(sentBefore);
    const events = (await record(harness, id)).events.filter((event) => event.subject === 'U0ANNA');
    expect(events.map((event) => event.text)).toEqual([
      'could not be texted (SMS) when tier 2 came due: refused: SNS InvalidParameterException (400): Invalid parameter: PhoneNumber (number)',
    ]);
  });
});

describe('with phone numbers, two tries at once', () => {
  const clock = fixedClock(START);
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      clock,
      env: { ESCALATION_POLICY: policyFile, ONCALL_PHONE_NUMBERS: PHONE_NUMBERS },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('texts once when the timer, two copies of the job and a sync race for the same tier', async () => {
    const declaredAt = clock.now().toISOString();
    const id = await declare(harness, 'Cart empty');
    const { bot } = harness.server;

    clock.set(minutesAfter(declaredAt, 10));
    const job = { type: 'sms', incidentId: id, severity: 'sev1', tier: 1 } as const;
    await Promise.all([
      bot.runJob(job),
      bot.runJob(job),
      bot.fireTimer({
        id: `${id}.sev1.t1`,
        dueAt: minutesAfter(declaredAt, 10),
        payload: { type: 'escalation-tier', incidentId: id, severity: 'sev1', tier: 1 },
      }),
      bot.escalation.sync(id),
    ]);
    await until(async () => (await stepState(harness, id, 'sms.sev1.t1'))?.state === 'done');
    await harness.server.jobs.drain();

    expect(harness.sms?.sent.map((text) => text.phoneNumber)).toEqual([ANNA_PHONE]);
    expect((await textedEvents(harness, id)).map((event) => event.subject)).toEqual(['U0ANNA']);
  });
});

describe('without phone numbers', () => {
  const clock = fixedClock(START);
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ clock, env: { ESCALATION_POLICY: policyFile } });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('texts nobody and says nothing about texts', async () => {
    expect(harness.sms).toBeUndefined();
    const declaredAt = clock.now().toISOString();
    const id = await declare(harness, 'Checkout latency');

    clock.set(minutesAfter(declaredAt, 10));
    // Tier 2 came due: its page went out, so the texts had their chance.
    await until(async () => (await stepState(harness, id, 'page.sev1.t1.dba'))?.state === 'done');
    await harness.server.bot.reconcile();
    await harness.server.jobs.drain();

    const { steps = {}, events } = await record(harness, id);
    expect(Object.keys(steps).filter((name) => name.startsWith('sms.'))).toEqual([]);
    expect(events.filter((event) => /text/i.test(event.text))).toEqual([]);
  });
});

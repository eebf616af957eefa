/**
 * The progress record and request results in the DynamoDB adapter, against a real dynalite: step
 * leases under concurrency, retry times and lease expiry on a clock the test sets, incident numbers
 * reserved per request, and the index partitions the reconciler reads.
 */
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { anIncident, anIncidentNumbered } from '../fixtures/incidents';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

const T0 = Date.parse('2024-02-18T15:30:00.000Z');
const LEASE_MS = 30_000;

let dynamo: TestDynamo;
/** Each test's own table, so its steps, requests and lists are only its own. */
let tableName: string;
/** The store's clock, in epoch ms; each test sets it. */
let nowMs = T0;
let store: DynamoIncidentStore;

function storeWith(options: { leasesBefore?: number } = {}): DynamoIncidentStore {
  return new DynamoIncidentStore({
    client: dynamo.client,
    tableName,
    clock: { now: () => new Date(nowMs) },
    ...options,
  });
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
});

beforeEach(async () => {
  nowMs = T0;
  tableName = await dynamo.freshTable('store-steps-test');
  store = storeWith();
});

afterAll(() => dynamo?.close());

describe('acquireStep', () => {
  it('gives a new step to exactly one of many concurrent callers', async () => {
    // prepare
    const { id } = anIncident();
    const racers = Array.from({ length: 12 }, () => storeWith());

    // act
    const results = await Promise.all(racers.map((racer) => racer.acquireStep(id, 'channel', LEASE_MS)));

    // assess
    const winners = results.filter((result) => result !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toEqual({
      name: 'channel',
      state: 'running',
      attempts: 1,
      leasedAt: T0,
      leaseUntil: T0 + LEASE_MS,
      firstAttemptAt: T0,
    });
  });

  it('gives an expired lease to exactly one of many concurrent callers', async () => {
    // prepare
    const { id } = anIncident();
    await store.acquireStep(id, 'summary', LEASE_MS);
    nowMs = T0 + LEASE_MS + 1;

    // act
    const results = await Promise.all(
      Array.from({ length: 12 }, () => storeWith().acquireStep(id, 'summary', LEASE_MS)),
    );

    // assess
    const winners = results.filter((result) => result !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.attempts).toBe(2);
  });

  it('never takes a done step again, however late and whatever leasesBefore says', async () => {
    // prepare
    const { id } = anIncident();
    await store.acquireStep(id, 'channel', LEASE_MS);
    await store.finishStep(id, 'channel', { channelId: 'C0INC' });
    nowMs = T0 + 10 * LEASE_MS;

    // act
    const late = await store.acquireStep(id, 'channel', LEASE_MS);
    const afterRestart = await storeWith({ leasesBefore: nowMs }).acquireStep(id, 'channel', LEASE_MS);

    // assess
    expect(late).toBeUndefined();
    expect(afterRestart).toBeUndefined();
  });

  it('takes a failed step again only from its retry time', async () => {
    // prepare
    const { id } = anIncident();
    await store.acquireStep(id, 'page.sev2.t0.sre', LEASE_MS);
    await store.failStep(id, 'page.sev2.t0.sre', { error: 'HTTP 503', retryAt: T0 + 5_000 });

    // act
    nowMs = T0 + 4_999;
    const early = await store.acquireStep(id, 'page.sev2.t0.sre', LEASE_MS);
    nowMs = T0 + 5_000;
    const due = await store.acquireStep(id, 'page.sev2.t0.sre', LEASE_MS);

    // assess
    expect(early).toBeUndefined();
    expect(due).toMatchObject({ state: 'running', attempts: 2, leasedAt: T0 + 5_000, firstAttemptAt: T0 });
    expect(due).not.toHaveProperty('retryAt');
  });

  it('never takes a step that failed for good, a retry time given or not', async () => {
    // prepare
    const { id } = anIncident();
    await store.acquireStep(id, 'summary-pinned', LEASE_MS);
    await store.failStep(id, 'summary-pinned', { error: 'not_pinnable', permanent: true, retryAt: T0 + 1 });
    nowMs = T0 + 3_600_000;

    // act
    const acquired = await store.acquireStep(id, 'summary-pinned', LEASE_MS);

    // assess
    expect(acquired).toBeUndefined();
  });

  it('takes a running step only once its lease ran out', async () => {
    // prepare
    const { id } = anIncident();
    await store.acquireStep(id, 'summary', 1_000);

    // act
    nowMs = T0 + 999;
    const live = await store.acquireStep(id, 'summary', 1_000);
    nowMs = T0 + 1_000;
    const lastMoment = await store.acquireStep(id, 'summary', 1_000);
    nowMs = T0 + 1_001;
    const expired = await store.acquireStep(id, 'summary', 1_000);

    // assess
    expect(live).toBeUndefined();
    expect(lastMoment).toBeUndefined();
    expect(expired).toMatchObject({
      state: 'running',
      attempts: 2,
      leasedAt: T0 + 1_001,
      leaseUntil: T0 + 2_001,
    });
  });

  it('takes a running step at once when it was leased before leasesBefore (a killed predecessor’s)', async () => {
    // prepare: the old process took it at T0 on a long lease
    const { id } = anIncident();
    await store.acquireStep(id, 'channel', 10 * LEASE_MS);
    nowMs = T0 + 2_000;

    // act: a process started at T0 + 1 voids it; one started at T0 does not
    const sameStart = await storeWith({ leasesBefore: T0 }).acquireStep(id, 'channel', LEASE_MS);
    const restarted = await storeWith({ leasesBefore: T0 + 1 }).acquireStep(id, 'channel', LEASE_MS);
    const again = await storeWith({ leasesBefore: T0 + 1 }).acquireStep(id, 'channel', LEASE_MS);

    // assess
    expect(sameStart).toBeUndefined();
    expect(restarted).toMatchObject({ state: 'running', attempts: 2, leasedAt: T0 + 2_000 });
    expect(again).toBeUndefined(); // the new lease was taken after leasesBefore: it holds
  });

  it('counts attempts up across failures and keeps the first attempt’s time', async () => {
    // prepare
    const { id } = anIncident();
    const seen: number[] = [];

    // act
    for (let i = 0; i < 4; i++) {
      nowMs = T0 + i * 1_000;
      const step = await store.acquireStep(id, 'page.sev2.t0.oncall', LEASE_MS);
      seen.push(step?.attempts ?? -1);
      expect(step?.firstAttemptAt).toBe(T0);
      await store.failStep(id, 'page.sev2.t0.oncall', { error: 'HTTP 500', retryAt: nowMs });
    }

    // assess
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});

describe('finishStep and failStep', () => {
  it('shows finished and failed steps, with their results, in the incident record', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);
    await store.acquireStep(incident.id, 'channel', LEASE_MS);
    await store.acquireStep(incident.id, 'page.sev2.t0.sre', LEASE_MS);
    await store.acquireStep(incident.id, 'summary', LEASE_MS);

    // act
    await store.finishStep(incident.id, 'channel', { channelId: 'C0INC', name: 'inc-1-checkout' });
    await store.failStep(incident.id, 'page.sev2.t0.sre', {
      error: 'PagerDuty refused the routing key',
      permanent: true,
      result: { team: 'sre', delivered: [] },
    });
    await store.failStep(incident.id, 'summary', { error: 'ratelimited', retryAt: T0 + 7_000 });
    const record = await store.getRecord(incident.id);

    // assess
    expect(record?.steps?.channel).toEqual({
      name: 'channel',
      state: 'done',
      attempts: 1,
      leasedAt: T0,
      firstAttemptAt: T0,
      result: { channelId: 'C0INC', name: 'inc-1-checkout' },
    });
    expect(record?.steps?.['page.sev2.t0.sre']).toEqual({
      name: 'page.sev2.t0.sre',
      state: 'failed',
      attempts: 1,
      leasedAt: T0,
      firstAttemptAt: T0,
      error: 'PagerDuty refused the routing key',
      permanent: true,
      result: { team: 'sre', delivered: [] },
    });
    expect(record?.steps?.summary).toEqual({
      name: 'summary',
      state: 'failed',
      attempts: 1,
      leasedAt: T0,
      firstAttemptAt: T0,
      error: 'ratelimited',
      permanent: false,
      retryAt: T0 + 7_000,
    });
    expect(Object.keys(record?.steps ?? {}).sort()).toEqual(['channel', 'page.sev2.t0.sre', 'summary']);
  });

  it('clears an earlier failure when the step is finished', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);
    await store.acquireStep(incident.id, 'summary', LEASE_MS);
    await store.failStep(incident.id, 'summary', { error: 'timeout', retryAt: T0 });
    await store.acquireStep(incident.id, 'summary', LEASE_MS);

    // act
    await store.finishStep(incident.id, 'summary', { ts: '1700000000.000100' });
    const record = await store.getRecord(incident.id);

    // assess
    expect(record?.steps?.summary).toMatchObject({
      state: 'done',
      attempts: 2,
      result: { ts: '1700000000.000100' },
    });
    expect(record?.steps?.summary).not.toHaveProperty('error');
    expect(record?.steps?.summary).not.toHaveProperty('retryAt');
    expect(record?.steps?.summary).not.toHaveProperty('leaseUntil');
  });
});

describe('requests', () => {
  /** A barrier: every caller's allocate waits until all have read the request item and found nothing. */
  function racingAllocate(callers: number) {
    let started = 0;
    let release: () => void = () => {};
    const allStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    return {
      allocate: async () => {
        started += 1;
        if (started === callers) release();
        await allStarted;
        return store.nextIncidentNumber();
      },
      calls: () => started,
    };
  }

  it('reserves one incident number for every concurrent delivery of one request', async () => {
    // prepare
    const key = `command#race-${Date.now()}`;
    const race = racingAllocate(8);

    // act
    const numbers = await Promise.all(
      Array.from({ length: 8 }, () => storeWith().reserveIncidentNumber(key, race.allocate)),
    );
    const later = await store.reserveIncidentNumber(key, () => Promise.reject(new Error('not called')));

    // assess
    expect(race.calls()).toBe(8); // all eight really raced past the first read
    expect(new Set(numbers).size).toBe(1);
    expect(later).toBe(numbers[0]);
  });

  it('reserves different numbers for different requests, concurrently', async () => {
    // prepare
    const keys = Array.from({ length: 8 }, (_, i) => `command#distinct-${Date.now()}-${i}`);

    // act
    const numbers = await Promise.all(
      keys.map((key) => storeWith().reserveIncidentNumber(key, () => store.nextIncidentNumber())),
    );
    const again = await Promise.all(
      keys.map((key) => store.reserveIncidentNumber(key, () => store.nextIncidentNumber())),
    );

    // assess
    expect(new Set(numbers).size).toBe(keys.length);
    expect(again).toEqual(numbers);
  });

  it('has a result for a request only once it is finished', async () => {
    // prepare
    const key = `command#answer-${Date.now()}`;
    const reply = { response_type: 'in_channel', text: 'declared *INC-9*' };

    // act
    const unknown = await store.requestResult(key);
    await store.reserveIncidentNumber(key, () => store.nextIncidentNumber());
    const reserved = await store.requestResult(key);
    await store.finishRequest(key, reply, 3600);
    const finished = await store.requestResult(key);
    const number = await store.reserveIncidentNumber(key, () => Promise.reject(new Error('not called')));

    // assess
    expect(unknown).toBeUndefined();
    expect(reserved).toBeUndefined();
    expect(finished).toEqual(reply);
    expect(typeof number).toBe('number'); // finishing kept the reserved number
  });
});

describe('listing incidents', () => {
  it('lists open and resolved-but-unsettled incidents as active, and only open ones as open', async () => {
    // prepare
    const open = anIncidentNumbered(1, { declaredAt: '2024-02-18T15:01:00.000Z' });
    const acknowledged = anIncidentNumbered(2, {
      declaredAt: '2024-02-18T15:02:00.000Z',
      acknowledgedAt: '2024-02-18T15:03:00.000Z',
    });
    const settling = anIncidentNumbered(3, { declaredAt: '2024-02-18T15:03:00.000Z' });
    const settled = anIncidentNumbered(4, { declaredAt: '2024-02-18T15:04:00.000Z' });
    for (const incident of [open, acknowledged, settling, settled]) await store.createIncident(incident);
    const resolved = { status: 'resolved' as const, resolvedAt: '2024-02-18T16:00:00.000Z' };
    const settlingStored = await store.updateIncident({ ...settling, ...resolved });
    const settledStored = await store.updateIncident({ ...settled, ...resolved });
    await store.updateIncident({ ...settledStored, settledAt: '2024-02-18T16:05:00.000Z' });

    // act
    const active = await store.listActiveIncidents();
    const openList = await store.listOpenIncidents();

    // assess
    expect(active.map((incident) => incident.id).sort()).toEqual(
      [open.id, acknowledged.id, settling.id].sort(),
    );
    expect(active.find((incident) => incident.id === settling.id)).toEqual(settlingStored);
    expect(openList.map((incident) => incident.id)).toEqual([open.id, acknowledged.id]);
  });

  it('drops a settling incident from the active list once it is marked settled', async () => {
    // prepare
    const listStore = new DynamoIncidentStore({ client: dynamo.client, tableName });
    const incident = anIncident();
    await listStore.createIncident(incident);
    const resolved = await listStore.updateIncident({
      ...incident,
      status: 'resolved',
      resolvedAt: '2024-02-18T16:00:00.000Z',
    });
    const before = await listStore.listActiveIncidents();

    // act
    await listStore.updateIncident({ ...resolved, settledAt: '2024-02-18T16:05:00.000Z' });
    const after = await listStore.listActiveIncidents();

    // assess
    expect(before.map((item) => item.id)).toEqual([incident.id]);
    expect(after).toEqual([]);
    expect(await listStore.getIncident(incident.id)).toMatchObject({ settledAt: '2024-02-18T16:05:00.000Z' });
  });
});

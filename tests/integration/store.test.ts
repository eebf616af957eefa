/**
 * The DynamoDB adapter against a real dynalite (DynamoDB's API on LevelDB), started in this process.
 * Each test gets a fresh table, so it sees only its own items.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError } from '../../lambda/incidents/errors';
import type { FollowUp, Incident } from '../../lambda/incidents/types';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { anEvent, anIncident, anIncidentNumbered } from '../fixtures/incidents';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

let dynamo: TestDynamo;
let client: DynamoDBDocumentClient;
let tableName: string;
let store: DynamoIncidentStore;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  client = dynamo.client;
});

beforeEach(async () => {
  tableName = await dynamo.freshTable('store-test');
  store = new DynamoIncidentStore({ client, tableName });
});

afterAll(() => dynamo?.close());

/** A follow-up on anIncident(). */
function aFollowUp(overrides: Partial<FollowUp> = {}): FollowUp {
  return {
    id: 'fu-1',
    incidentId: anIncident().id,
    type: 'fix',
    text: 'Alert on 5xx rate per route',
    author: 'U0RESPOND',
    createdAt: '2024-02-18T16:00:00.000Z',
    ...overrides,
  };
}

describe('ensureTable', () => {
  it('creates a missing table once when many stores race to create it', async () => {
    // prepare
    const racingTable = `${tableName}-race`;
    const stores = Array.from(
      { length: 5 },
      () => new DynamoIncidentStore({ client, tableName: racingTable }),
    );

    // act
    await Promise.all(stores.flatMap((racer) => [racer.ensureTable(), racer.ensureTable()]));
    const usable = await stores[0]?.nextIncidentNumber();

    // assess
    expect(usable).toBe(1);
    await expect(stores[1]?.ensureTable()).resolves.toBeUndefined();
  });
});

describe('incidents', () => {
  it('stores a new incident at version 1 and reads it back without key attributes', async () => {
    // prepare
    const incident = anIncident({ version: 7, impact: undefined });

    // act
    await store.createIncident(incident);
    const stored = await store.getIncident(incident.id);

    // assess
    const { impact: _undefinedImpact, ...expected } = incident;
    expect(stored).toEqual({ ...expected, version: 1 });
    expect(stored).not.toHaveProperty('pk');
    expect(stored).not.toHaveProperty('gsi1pk');
  });

  it('refuses to create an incident whose id exists', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);

    // act
    const second = store.createIncident({ ...incident, title: 'Someone else' });

    // assess
    await expect(second).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await store.getIncident(incident.id))?.title).toBe(incident.title);
  });

  it('returns undefined for an incident that does not exist', async () => {
    // act
    const missing = await store.getIncident('INC-999999');

    // assess
    expect(missing).toBeUndefined();
  });

  it('updates at the read version, storing and returning version + 1', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);

    // act
    const updated = await store.updateIncident({ ...incident, severity: 'sev1' });

    // assess
    expect(updated).toEqual({ ...incident, severity: 'sev1', version: 2 });
    expect(await store.getIncident(incident.id)).toEqual(updated);
  });

  it('throws ConcurrentUpdateError for a stale version and leaves the stored incident alone', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);
    const winner = await store.updateIncident({ ...incident, status: 'identified' });

    // act
    const loser = store.updateIncident({ ...incident, severity: 'sev4' });

    // assess
    await expect(loser).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await expect(loser).rejects.toMatchObject({ code: 'CONCURRENT_UPDATE' });
    expect(await store.getIncident(incident.id)).toEqual(winner);
  });

  it('update applies the change to the stored incident and stores version + 1', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);

    // act
    const result = await store.update(incident.id, (current) => ({ ...current, severity: 'sev1' }));

    // assess
    expect(result).toEqual({ incident: { ...incident, severity: 'sev1', version: 2 }, changed: true });
    expect(await store.getIncident(incident.id)).toEqual(result.incident);
  });

  it('update stores nothing when the change returns undefined', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);

    // act
    const result = await store.update(incident.id, async () => undefined);

    // assess
    expect(result).toEqual({ incident, changed: false });
    expect(await store.getIncident(incident.id)).toEqual(incident);
  });

  it('update says INCIDENT_NOT_FOUND for an incident that does not exist', async () => {
    // act
    const missing = store.update('INC-999998', (current) => current);

    // assess
    await expect(missing).rejects.toMatchObject({ code: 'INCIDENT_NOT_FOUND' });
  });

  it('update lands two concurrent changes: the one that loses the race rereads and applies again', async () => {
    // prepare: both changes hold until both have read version 1, so one write must conflict
    const incident = anIncident();
    await store.createIncident(incident);
    let firstRoundReads = 0;
    let releaseBoth: () => void = () => {};
    const bothRead = new Promise<void>((resolve) => {
      releaseBoth = resolve;
    });
    const seen: number[] = [];
    const gated = (patch: Partial<Incident>) => async (current: Incident) => {
      seen.push(current.version);
      if (firstRoundReads < 2) {
        firstRoundReads += 1;
        if (firstRoundReads === 2) releaseBoth();
        await bothRead;
      }
      return { ...current, ...patch };
    };

    // act
    const results = await Promise.all([
      store.update(incident.id, gated({ commander: 'U0SECOND' })),
      store.update(incident.id, gated({ summaryTs: '1708270200.000100' })),
    ]);

    // assess
    expect(seen).toEqual([1, 1, 2]);
    expect(results.map((result) => result.changed)).toEqual([true, true]);
    expect(results.map((result) => result.incident.version).sort()).toEqual([2, 3]);
    expect(await store.getIncident(incident.id)).toEqual({
      ...incident,
      commander: 'U0SECOND',
      summaryTs: '1708270200.000100',
      version: 3,
    });
  });

  it('update gives up with ConcurrentUpdateError once its retries are spent', async () => {
    // prepare: another writer gets in between every read and write
    const incident = anIncident();
    await store.createIncident(incident);
    let calls = 0;
    const alwaysRaced = async (current: Incident) => {
      calls += 1;
      await store.updateIncident({ ...current, title: `Rival ${calls}` });
      return { ...current, severity: 'sev1' as const };
    };

    // act
    const update = store.update(incident.id, alwaysRaced, { retries: 2 });

    // assess
    await expect(update).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(calls).toBe(3);
    expect(await store.getIncident(incident.id)).toMatchObject({ severity: incident.severity, version: 4 });
  });

  it('lists open incidents oldest first and drops one once it is resolved', async () => {
    // prepare: created out of declaration order, one of them later resolved
    const newest = anIncidentNumbered(20_001, { declaredAt: '2024-03-01T12:00:00.000Z' });
    const oldest = anIncidentNumbered(20_003, { declaredAt: '2024-03-01T09:00:00.000Z' });
    const resolved = anIncidentNumbered(20_004, { declaredAt: '2024-03-01T10:00:00.000Z' });
    const sameTimeLowerNumber = anIncidentNumbered(20_002, { declaredAt: '2024-03-01T11:00:00.000Z' });
    const sameTimeHigherNumber = anIncidentNumbered(20_010, { declaredAt: '2024-03-01T11:00:00.000Z' });
    for (const incident of [newest, oldest, resolved, sameTimeHigherNumber, sameTimeLowerNumber]) {
      await store.createIncident(incident);
    }
    const beforeResolve = await store.listOpenIncidents();

    // act
    await store.updateIncident({
      ...resolved,
      status: 'resolved',
      resolvedAt: '2024-03-01T13:00:00.000Z',
      resolvedBy: 'U0COMMAND',
      resolution: 'Rolled back',
    });
    const afterResolve = await store.listOpenIncidents();

    // assess
    expect(beforeResolve.map((i) => i.id)).toEqual([
      oldest.id,
      resolved.id,
      sameTimeLowerNumber.id,
      sameTimeHigherNumber.id,
      newest.id,
    ]);
    expect(afterResolve).toEqual([oldest, sameTimeLowerNumber, sameTimeHigherNumber, newest]);
  });
});

describe('channel links', () => {
  it('finds the incident linked to a channel, and nothing for an unlinked one', async () => {
    // prepare
    const incident = anIncident();

    // act
    await store.linkChannel('C0INCIDENT', incident.id);

    // assess
    expect(await store.findIncidentIdByChannel('C0INCIDENT')).toBe(incident.id);
    expect(await store.findIncidentIdByChannel('C0UNLINKED')).toBeUndefined();
  });
});

describe('timeline and follow-ups', () => {
  it('writes an event once: a retry with the same id returns false and changes nothing', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);
    const event = anEvent();

    // act
    const first = await store.addEvent(event);
    const retry = await store.addEvent({ ...event, text: 'a different text' });

    // assess
    expect([first, retry]).toEqual([true, false]);
    expect((await store.getRecord(incident.id))?.events).toEqual([event]);
  });

  it('writes a follow-up once: a retry with the same id returns false and changes nothing', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);
    const followUp = aFollowUp({ owner: undefined });

    // act
    const first = await store.addFollowUp(followUp);
    const retry = await store.addFollowUp({ ...followUp, text: 'a different text' });

    // assess
    const { owner: _undefinedOwner, ...expected } = followUp;
    expect([first, retry]).toEqual([true, false]);
    expect((await store.getRecord(incident.id))?.followUps).toEqual([expected]);
  });

  it('returns the record with events by at, recordedAt, id and follow-ups by createdAt, id', async () => {
    // prepare: written in an order unrelated to the expected one
    const incident = anIncident();
    await store.createIncident(incident);
    const late = anEvent({ id: 'a-late', at: '2024-02-18T15:40:00.000Z' });
    const early = anEvent({ id: 'z-early', at: '2024-02-18T15:01:00.000Z' });
    const tieRecordedLater = anEvent({
      id: 'a-tie-recorded-later',
      at: '2024-02-18T15:20:00.000Z',
      recordedAt: '2024-02-18T15:30:00.000Z',
    });
    const tieRecordedEarlierB = anEvent({
      id: 'b-tie',
      at: '2024-02-18T15:20:00.000Z',
      recordedAt: '2024-02-18T15:25:00.000Z',
    });
    const tieRecordedEarlierA = anEvent({
      id: 'a-tie',
      at: '2024-02-18T15:20:00.000Z',
      recordedAt: '2024-02-18T15:25:00.000Z',
    });
    const escalation = anEvent({
      id: 'm-escalation',
      at: '2024-02-18T15:15:00.000Z',
      kind: 'escalation',
      team: 'payments',
    });
    for (const event of [
      late,
      tieRecordedLater,
      early,
      tieRecordedEarlierB,
      escalation,
      tieRecordedEarlierA,
    ]) {
      await store.addEvent(event);
    }
    const task = aFollowUp({ id: 'a-task', type: 'task', createdAt: '2024-02-18T17:00:00.000Z' });
    const fixB = aFollowUp({ id: 'b-fix', owner: 'U0OWNER' });
    const fixA = aFollowUp({ id: 'a-fix' });
    for (const followUp of [task, fixB, fixA]) {
      await store.addFollowUp(followUp);
    }

    // act
    const record = await store.getRecord(incident.id);

    // assess
    expect(record).toEqual({
      incident,
      events: [early, escalation, tieRecordedEarlierA, tieRecordedEarlierB, tieRecordedLater, late],
      followUps: [fixA, fixB, task],
      steps: {},
    });
  });

  it('returns no record for an unknown incident', async () => {
    // act
    const record = await store.getRecord('INC-888888');

    // assess
    expect(record).toBeUndefined();
  });

  it('keeps every one of 200 events added concurrently to one incident', async () => {
    // prepare
    const incident = anIncident();
    await store.createIncident(incident);
    const events = Array.from({ length: 200 }, (_, i) =>
      anEvent({ id: `concurrent-${String(i).padStart(3, '0')}`, text: `step ${i}` }),
    );

    // act
    const results = await Promise.all(events.map((event) => store.addEvent(event)));

    // assess
    expect(results.every((written) => written)).toBe(true);
    const stored = (await store.getRecord(incident.id))?.events ?? [];
    expect(stored).toHaveLength(200);
    expect(new Set(stored.map((event) => event.id))).toEqual(new Set(events.map((event) => event.id)));
  });

  it('reads a timeline larger than one 1 MB query page in full', async () => {
    // prepare: ~1.6 MB of events, so DynamoDB must split the query into pages
    const incident = anIncident();
    await store.createIncident(incident);
    const filler = 'x'.repeat(1024);
    const events = Array.from({ length: 1500 }, (_, i) =>
      anEvent({
        id: `bulk-${String(i).padStart(4, '0')}`,
        at: new Date(Date.UTC(2024, 1, 18, 15, 0, i)).toISOString(),
        text: `${i} ${filler}`,
      }),
    );
    // In batches: 1500 requests at once would queue on the sockets long enough for the SDK to warn.
    for (let i = 0; i < events.length; i += 100) {
      await Promise.all(events.slice(i, i + 100).map((event) => store.addEvent(event)));
    }
    const send = jest.spyOn(client, 'send');

    // act
    const record = await store.getRecord(incident.id);

    // assess
    const queries = send.mock.calls.filter(([command]) => command instanceof QueryCommand);
    send.mockRestore();
    expect(queries.length).toBeGreaterThan(1);
    expect(record?.incident).toEqual(incident);
    expect(record?.events).toEqual(events);
  });
});

describe('incident numbers', () => {
  it('hands out 1..50 exactly once to 50 concurrent callers', async () => {
    // act
    const numbers = await Promise.all(Array.from({ length: 50 }, () => store.nextIncidentNumber()));

    // assess
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});

describe('claims', () => {
  it('grants a key the first time and refuses it afterwards', async () => {
    // act
    const first = await store.claim('slack:Ev0001', 3600);
    const second = await store.claim('slack:Ev0001', 3600);

    // assess
    expect([first, second]).toEqual([true, false]);
  });

  it('grants one of 20 concurrent claims of the same key', async () => {
    // act
    const results = await Promise.all(Array.from({ length: 20 }, () => store.claim('slack:Ev0002', 3600)));

    // assess
    expect(results.filter((granted) => granted)).toHaveLength(1);
  });

  it('grants a key again once its claim has expired, whether or not TTL has removed it', async () => {
    // prepare
    let now = new Date('2024-02-18T15:00:00.000Z');
    const clocked = new DynamoIncidentStore({ client, tableName, clock: { now: () => now } });
    await clocked.claim('slack:Ev0003', 60);

    // act
    now = new Date('2024-02-18T15:00:30.000Z');
    const beforeExpiry = await clocked.claim('slack:Ev0003', 60);
    now = new Date('2024-02-18T15:01:01.000Z');
    const afterExpiry = await clocked.claim('slack:Ev0003', 60);

    // assess
    expect([beforeExpiry, afterExpiry]).toEqual([false, true]);
  });
});

describe('on-call overrides', () => {
  const cover = (id: string, from: string, to: string) => ({
    id,
    team: 'sre',
    user: 'U0DANA',
    from,
    to,
    setBy: 'U0LEAD',
    setAt: from,
  });

  it('stores an override once, lists those not over by start, and removes one returning it', async () => {
    const later = cover('bbbbbb', '2024-02-18T18:00:00.000Z', '2024-02-18T20:00:00.000Z');
    const sooner = cover('aaaaaa', '2024-02-18T16:00:00.000Z', '2024-02-18T19:00:00.000Z');
    const over = cover('cccccc', '2024-02-18T10:00:00.000Z', '2024-02-18T12:00:00.000Z');

    expect(await store.addOnCallOverride(later)).toBe(true);
    expect(await store.addOnCallOverride({ ...later, user: 'U0OTHER' })).toBe(false);
    await store.addOnCallOverride(sooner);
    await store.addOnCallOverride(over);

    expect(await store.listOnCallOverrides('2024-02-18T15:00:00.000Z')).toEqual([sooner, later]);
    expect(await store.listOnCallOverrides('2024-02-18T19:00:00.000Z')).toEqual([later]);
    expect(await store.removeOnCallOverride('aaaaaa')).toEqual(sooner);
    expect(await store.removeOnCallOverride('aaaaaa')).toBeUndefined();
    expect(await store.listOnCallOverrides('2024-02-18T15:00:00.000Z')).toEqual([later]);
  });
});

describe('embedded store on disk', () => {
  it('keeps data across a close and a restart on the same directory', async () => {
    // prepare
    const dataDir = await mkdtemp(join(tmpdir(), 'incident-bot-store-'));
    const incident = anIncident();
    const event = anEvent();
    try {
      const first = await startTestDynamo({ dataDir });
      const diskTable = await first.freshTable('store-disk');
      const firstStore = new DynamoIncidentStore({ client: first.client, tableName: diskTable });
      await firstStore.createIncident(incident);
      await firstStore.addEvent(event);
      await firstStore.linkChannel('C0DISK', incident.id);
      await first.close();

      // act
      const second = await startTestDynamo({ dataDir });
      const secondStore = new DynamoIncidentStore({ client: second.client, tableName: diskTable });
      await secondStore.ensureTable();
      const record = await secondStore.getRecord(incident.id);
      const linked = await secondStore.findIncidentIdByChannel('C0DISK');
      const duplicate = await secondStore.addEvent(event);
      await second.close();

      // assess
      expect(record).toEqual({ incident, events: [event], followUps: [], steps: {} });
      expect(linked).toBe(incident.id);
      expect(duplicate).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

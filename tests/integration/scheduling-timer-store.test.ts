/**
 * DynamoTimerStore against a real dynalite. Timers share one partition, so each test gets its own
 * table (cheap in dynalite) and sees only its own timers.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { makeTimer, type Timer } from '../../lambda/scheduling/scheduler';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { DynamoTimerStore } from '../../lambda/store/timer-store';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

let dynamo: TestDynamo;
let client: DynamoDBDocumentClient;
let tableName: string;
let timers: DynamoTimerStore;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  client = dynamo.client;
});

beforeEach(async () => {
  tableName = await dynamo.freshTable('timer-store-test');
  timers = new DynamoTimerStore({ client, tableName });
});

afterAll(() => dynamo?.close());

function aTier(incidentNumber: number, dueAt: string, tier = 1): Timer {
  return makeTimer(
    { type: 'escalation-tier', incidentId: `INC-${incidentNumber}`, severity: 'sev2', tier },
    dueAt,
  );
}

/** Every item in the table, as pk / sk, to check what the store leaves behind. */
async function storedKeys(): Promise<string[]> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return Items.map((item) => `${item.pk} / ${item.sk}`).sort();
}

describe('put and read back', () => {
  it('stores a timer as a due-ordered item plus a key item for its id', async () => {
    // prepare
    const timer = aTier(7, '2024-02-18T15:15:00.000Z');

    // act
    await timers.put(timer);

    // assess
    expect(await timers.get(timer.id)).toEqual(timer);
    expect(await timers.listAll()).toEqual([timer]);
    expect(await storedKeys()).toEqual([
      'TIMER / 2024-02-18T15:15:00.000Z#INC-7.sev2.t1',
      'TIMER#INC-7.sev2.t1 / META',
    ]);
  });

  it('stores the due time in canonical UTC form, so the partition sorts chronologically', async () => {
    // prepare
    const early = { ...aTier(1, '2024-02-18T15:00:00Z'), dueAt: '2024-02-18T16:00:00+01:00' };
    const late = aTier(2, '2024-02-18T15:00:00.500Z');

    // act
    await timers.put(late);
    await timers.put(early);

    // assess
    expect(await timers.listAll()).toEqual([{ ...early, dueAt: '2024-02-18T15:00:00.000Z' }, late]);
  });

  it('returns nothing for an unknown id', async () => {
    // act
    const missing = await timers.get('INC-404.sev1.t0');

    // assess
    expect(missing).toBeUndefined();
  });

  it('refuses a timer whose id EventBridge would refuse, writing nothing', async () => {
    // act
    const put = timers.put({ ...aTier(7, '2024-02-18T15:15:00Z'), id: 'INC 7/tier 1' });

    // assess
    await expect(put).rejects.toThrow(/must match/);
    expect(await storedKeys()).toEqual([]);
  });
});

describe('put is idempotent per id', () => {
  it('keeps the first timer when the same id is put again with another due time and payload', async () => {
    // prepare
    const first = aTier(7, '2024-02-18T15:15:00.000Z');
    await timers.put(first);

    // act
    await timers.put({
      ...first,
      dueAt: '2024-02-18T15:45:00.000Z',
      payload: { type: 'reminder', incidentId: 'INC-7' },
    });

    // assess
    expect(await timers.listAll()).toEqual([first]);
    expect(await storedKeys()).toEqual([
      'TIMER / 2024-02-18T15:15:00.000Z#INC-7.sev2.t1',
      'TIMER#INC-7.sev2.t1 / META',
    ]);
  });

  it('stores one timer when the very same put is repeated', async () => {
    // prepare
    const timer = aTier(7, '2024-02-18T15:15:00.000Z');

    // act
    await timers.put(timer);
    await timers.put(timer);

    // assess
    expect(await timers.listAll()).toEqual([timer]);
  });

  it('ends with exactly one timer, matching its key, when 20 puts of one id with different due times race', async () => {
    // prepare
    const base = aTier(7, '2024-02-18T15:00:00.000Z');
    const contenders = Array.from({ length: 20 }, (_, i) => ({
      ...base,
      dueAt: new Date(Date.UTC(2024, 1, 18, 15, i)).toISOString(),
    }));

    // act
    await Promise.all(contenders.map((timer) => timers.put(timer)));

    // assess
    const all = await timers.listAll();
    expect(all).toHaveLength(1);
    expect(contenders).toContainEqual(all[0]);
    expect(await timers.get(base.id)).toEqual(all[0]);
    expect(await storedKeys()).toEqual([`TIMER / ${all[0]?.dueAt}#${base.id}`, `TIMER#${base.id} / META`]);
  });
});

describe('listDue', () => {
  it('returns the timers due at or before now, earliest first and ties by id, leaving later ones', async () => {
    // prepare
    const now = '2024-02-18T15:00:00.000Z';
    const earlier = aTier(2, '2024-02-18T14:59:59.999Z');
    const atNowB = aTier(11, now);
    const atNowA = aTier(10, now);
    const oneMsLater = aTier(3, '2024-02-18T15:00:00.001Z');
    const muchEarlier = aTier(4, '2024-02-17T09:00:00.000Z');
    for (const timer of [atNowB, oneMsLater, earlier, atNowA, muchEarlier]) await timers.put(timer);

    // act
    const due = await timers.listDue(now);

    // assess
    expect(due).toEqual([muchEarlier, earlier, atNowA, atNowB]);
  });

  it('reads the due timers with one Query and no Scan', async () => {
    // prepare
    for (let n = 1; n <= 5; n++) await timers.put(aTier(n, `2024-02-18T15:0${n}:00.000Z`));
    const send = jest.spyOn(client, 'send');

    // act
    const due = await timers.listDue('2024-02-18T15:03:00.000Z');

    // assess
    const commands = send.mock.calls.map(([command]) => command);
    send.mockRestore();
    expect(due.map((timer) => timer.id)).toEqual(['INC-1.sev2.t1', 'INC-2.sev2.t1', 'INC-3.sev2.t1']);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toBeInstanceOf(QueryCommand);
  });

  it('accepts now with an offset', async () => {
    // prepare
    const timer = aTier(7, '2024-02-18T15:00:00.000Z');
    await timers.put(timer);

    // act
    const before = await timers.listDue('2024-02-18T15:59:59.999+01:00');
    const at = await timers.listDue('2024-02-18T16:00:00+01:00');

    // assess
    expect([before, at]).toEqual([[], [timer]]);
  });

  it('ignores the other items of the table', async () => {
    // prepare
    const incidents = new DynamoIncidentStore({ client, tableName });
    await incidents.linkChannel('C0TIMER', 'INC-7');
    await incidents.claim('TIMER', 60);
    await timers.put(aTier(7, '2024-02-18T15:00:00.000Z'));

    // act
    const due = await timers.listDue('2099-01-01T00:00:00.000Z');

    // assess
    expect(due.map((timer) => timer.id)).toEqual(['INC-7.sev2.t1']);
  });
});

describe('delete and remove', () => {
  it('deletes both items of a timer by id', async () => {
    // prepare
    const timer = aTier(7, '2024-02-18T15:15:00.000Z');
    const other = aTier(8, '2024-02-18T15:15:00.000Z');
    await timers.put(timer);
    await timers.put(other);

    // act
    await timers.delete(timer.id);

    // assess
    expect(await timers.get(timer.id)).toBeUndefined();
    expect(await timers.listAll()).toEqual([other]);
    expect(await storedKeys()).toEqual([
      'TIMER / 2024-02-18T15:15:00.000Z#INC-8.sev2.t1',
      'TIMER#INC-8.sev2.t1 / META',
    ]);
  });

  it('deletes an unknown id without complaint', async () => {
    // act
    const deletion = timers.delete('INC-404.sev1.t0');

    // assess
    await expect(deletion).resolves.toBeUndefined();
  });

  it('lets an id be put again, with a new due time, once deleted', async () => {
    // prepare
    const first = aTier(7, '2024-02-18T15:15:00.000Z');
    await timers.put(first);
    await timers.delete(first.id);
    const again = { ...first, dueAt: '2024-02-18T16:15:00.000Z' };

    // act
    await timers.put(again);

    // assess
    expect(await timers.listAll()).toEqual([again]);
  });

  it('removes a fired occurrence but keeps the id when it was re-scheduled at another time meanwhile', async () => {
    // prepare: the timer fired; while firing, its id was cancelled and scheduled again for later
    const fired = aTier(7, '2024-02-18T15:15:00.000Z');
    await timers.put(fired);
    await timers.delete(fired.id);
    const rescheduled = { ...fired, dueAt: '2024-02-18T15:45:00.000Z' };
    await timers.put(rescheduled);

    // act
    await timers.remove(fired);

    // assess
    expect(await timers.get(fired.id)).toEqual(rescheduled);
    expect(await timers.listAll()).toEqual([rescheduled]);
  });
});

describe('recovery from writes cut short', () => {
  it('still fires a timer whose key write never happened, and removes it cleanly', async () => {
    // prepare: the state a crash between put's two writes leaves
    const orphan = aTier(7, '2024-02-18T15:15:00.000Z');
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'TIMER', sk: `${orphan.dueAt}#${orphan.id}`, ...orphan },
      }),
    );

    // act
    const due = await timers.listDue('2024-02-18T15:15:00.000Z');
    await timers.remove(orphan);

    // assess
    expect(due).toEqual([orphan]);
    expect(await storedKeys()).toEqual([]);
  });

  it('takes over a stale key left by a delete cut short, so the id can be scheduled again', async () => {
    // prepare: the state a crash between delete's two writes leaves (timer item gone, key left)
    const cancelled = aTier(7, '2024-02-18T15:15:00.000Z');
    await timers.put(cancelled);
    await client.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { pk: 'TIMER', sk: `${cancelled.dueAt}#${cancelled.id}` },
      }),
    );
    const rescheduled = { ...cancelled, dueAt: '2024-02-18T15:45:00.000Z' };

    // act
    await timers.put(rescheduled);

    // assess
    expect(await timers.get(cancelled.id)).toEqual(rescheduled);
    expect(await timers.listAll()).toEqual([rescheduled]);
    expect(await storedKeys()).toEqual([
      'TIMER / 2024-02-18T15:45:00.000Z#INC-7.sev2.t1',
      'TIMER#INC-7.sev2.t1 / META',
    ]);
  });
});

/**
 * DynamoAlertLinks against a real dynalite: the conditional writes that let one of many concurrent
 * deliveries of an alarm declare its incident. Each test gets its own table.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAlertLinks } from '../../lambda/store/alert-links';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

const KEY = 'cloudwatch:123456789012:eu-west-1:checkout-api-5xx-rate';
const LEASE_MS = 60_000;
const T0 = '2024-02-18T15:30:00.000Z';

let dynamo: TestDynamo;
let client: DynamoDBDocumentClient;
let tableName: string;
let now: Date;
let links: DynamoAlertLinks;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  client = dynamo.client;
});

beforeEach(async () => {
  tableName = await dynamo.freshTable('alert-links-test');
  now = new Date(T0);
  links = new DynamoAlertLinks({ client, tableName, clock: { now: () => now }, leaseMs: LEASE_MS });
});

afterAll(() => dynamo?.close());

function advance(ms: number): void {
  now = new Date(now.getTime() + ms);
}

/** How many of `count` concurrent reserve calls won. */
async function race(count: number, replacing?: string): Promise<number> {
  const wins = await Promise.all(Array.from({ length: count }, () => links.reserve(KEY, replacing)));
  return wins.filter(Boolean).length;
}

describe('reserve', () => {
  it('lets the first caller reserve an unknown key and stores the reservation under ALERT#<key>', async () => {
    // act
    const first = await links.reserve(KEY);
    const second = await links.reserve(KEY);

    // assess
    expect([first, second]).toEqual([true, false]);
    expect(await links.get(KEY)).toEqual({ key: KEY, state: 'opening', reservedAt: Date.parse(T0) });
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName }));
    expect(Items.map((item) => `${item.pk} / ${item.sk}`)).toEqual([`ALERT#${KEY} / META`]);
  });

  it('gives exactly one of 20 concurrent callers the key', async () => {
    // act
    const wins = await race(20);

    // assess
    expect(wins).toBe(1);
  });

  it('keeps keys apart', async () => {
    // prepare
    await links.reserve(KEY);

    // act
    const other = await links.reserve(`${KEY}-2`);

    // assess
    expect(other).toBe(true);
  });

  it('refuses a linked key, whatever time has passed, unless the caller names its incident', async () => {
    // prepare
    await links.reserve(KEY);
    await links.link(KEY, 'INC-1');
    advance(24 * 3600_000);

    // act
    const plain = await links.reserve(KEY);
    const wrongIncident = await links.reserve(KEY, 'INC-2');

    // assess
    expect([plain, wrongIncident]).toEqual([false, false]);
    expect(await links.get(KEY)).toMatchObject({ state: 'open', incidentId: 'INC-1' });
  });
});

describe('the lease of a reservation', () => {
  it('holds for the lease and then lets one caller take the key over', async () => {
    // prepare
    await links.reserve(KEY);
    advance(LEASE_MS - 1);
    const early = await links.reserve(KEY);
    const stored = await links.get(KEY);
    const expiredEarly = stored && links.isLeaseExpired(stored);
    advance(1);

    // act
    const wins = await race(20);

    // assess
    expect(early).toBe(false);
    expect(expiredEarly).toBe(false);
    expect(wins).toBe(1);
    // The takeover restarts the lease.
    expect(await links.get(KEY)).toEqual({ key: KEY, state: 'opening', reservedAt: now.getTime() });
    expect(links.isLeaseExpired({ key: KEY, state: 'opening', reservedAt: now.getTime() })).toBe(false);
  });

  it('reports an expired reservation as expired, and never a linked one', () => {
    // prepare
    const reservedAt = now.getTime() - LEASE_MS;

    // act
    const opening = links.isLeaseExpired({ key: KEY, state: 'opening', reservedAt });
    const open = links.isLeaseExpired({ key: KEY, state: 'open', incidentId: 'INC-1', reservedAt });

    // assess
    expect([opening, open]).toEqual([true, false]);
  });
});

describe('link', () => {
  it('points the key at the incident; linking it again changes nothing', async () => {
    // prepare
    await links.reserve(KEY);

    // act
    const first = await links.link(KEY, 'INC-1');
    const again = await links.link(KEY, 'INC-1');

    // assess
    expect([first, again]).toEqual([true, true]);
    expect(await links.get(KEY)).toEqual({
      key: KEY,
      state: 'open',
      incidentId: 'INC-1',
      reservedAt: Date.parse(T0),
    });
  });

  it('keeps the first incident when a caller whose lease ran out links a second', async () => {
    // prepare: the first winner stalls past its lease, a second takes over and links first
    await links.reserve(KEY);
    advance(LEASE_MS);
    await links.reserve(KEY);
    await links.link(KEY, 'INC-2');

    // act
    const late = await links.link(KEY, 'INC-1');

    // assess
    expect(late).toBe(false);
    expect(await links.get(KEY)).toMatchObject({ state: 'open', incidentId: 'INC-2' });
  });

  it('refuses a key nobody reserved', async () => {
    // act
    const linked = await links.link(KEY, 'INC-1');

    // assess
    expect(linked).toBe(false);
    expect(await links.get(KEY)).toBeUndefined();
  });
});

describe('replacing a resolved incident', () => {
  it('lets exactly one of 20 concurrent callers that name the linked incident reserve the key', async () => {
    // prepare
    await links.reserve(KEY);
    await links.link(KEY, 'INC-1');

    // act
    const wins = await race(20, 'INC-1');

    // assess
    expect(wins).toBe(1);
    expect(await links.get(KEY)).toEqual({
      key: KEY,
      state: 'opening',
      reservedAt: Date.parse(T0),
      replacing: 'INC-1',
    });
  });

  it('links the new incident, after which the old one no longer replaces anything', async () => {
    // prepare
    await links.reserve(KEY);
    await links.link(KEY, 'INC-1');
    await links.reserve(KEY, 'INC-1');

    // act
    const linked = await links.link(KEY, 'INC-2');
    const stale = await links.reserve(KEY, 'INC-1');

    // assess
    expect([linked, stale]).toEqual([true, false]);
    expect(await links.get(KEY)).toMatchObject({ state: 'open', incidentId: 'INC-2' });
  });
});

describe('the incident a reservation replaces', () => {
  it('is kept while opening, for whoever takes over the lease, and dropped once linked', async () => {
    // prepare
    await links.reserve(KEY);
    await links.link(KEY, 'INC-1');

    // act
    const replacing = await links.reserve(KEY, 'INC-1');
    const whileOpening = await links.get(KEY);
    advance(LEASE_MS);
    const takenOver = await links.reserve(KEY, whileOpening?.replacing);
    await links.link(KEY, 'INC-2');

    // assess
    expect([replacing, takenOver]).toEqual([true, true]);
    expect(whileOpening).toMatchObject({ state: 'opening', replacing: 'INC-1' });
    expect(await links.get(KEY)).toEqual({
      key: KEY,
      state: 'open',
      incidentId: 'INC-2',
      reservedAt: Date.parse(T0) + LEASE_MS,
    });
  });
});

describe('takeNewIncidentSlot (the storm cap)', () => {
  const MINUTE = '2024-02-18T15:30';

  it('gives exactly 3 of 20 concurrent callers a slot when the minute allows 3', async () => {
    // act
    const taken = await Promise.all(
      Array.from({ length: 20 }, (_, index) => links.takeNewIncidentSlot(MINUTE, `open-${index}`, 3)),
    );

    // assess
    expect(taken.filter(Boolean)).toHaveLength(3);
  });

  it('keeps the slot of a request key that already took one, and starts afresh each minute', async () => {
    // prepare
    for (const key of ['a', 'b', 'c']) await links.takeNewIncidentSlot(MINUTE, key, 3);

    // act
    const again = await links.takeNewIncidentSlot(MINUTE, 'b', 3);
    const fourth = await links.takeNewIncidentSlot(MINUTE, 'd', 3);
    const nextMinute = await links.takeNewIncidentSlot('2024-02-18T15:31', 'd', 3);

    // assess
    expect([again, fourth, nextMinute]).toEqual([true, false, true]);
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName }));
    const minute = Items.find((item) => item.pk === `ALERTS-OPENED#${MINUTE}`);
    expect([...((minute?.keys as Set<string> | undefined) ?? [])].sort()).toEqual(['a', 'b', 'c']);
    // Kept a day, then DynamoDB's TTL removes it.
    expect(minute?.expiresAt).toBe(Date.parse(`${MINUTE}:00Z`) / 1000 + 86_400);
  });
});

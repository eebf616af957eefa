/**
 * Every write of every store/ adapter, against a real dynalite, then a scan: each item's keys must be
 * of a kind store/table.ts lists (ITEM_KINDS), and each listed kind must be one something writes.
 */
import { incidentId } from '../../lambda/incidents/types';
import { DynamoAlertLinks } from '../../lambda/store/alert-links';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { itemKindOf } from '../../lambda/store/items';
import { DynamoJobJournal } from '../../lambda/store/job-journal';
import { scanAll } from '../../lambda/store/query';
import { ITEM_KINDS, TABLE } from '../../lambda/store/table';
import { DynamoTimerStore } from '../../lambda/store/timer-store';
import { anIncident } from '../fixtures/incidents';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
});

afterAll(() => dynamo?.close());

it('writes only item kinds that store/table.ts lists, and every kind it lists', async () => {
  const { client } = dynamo;
  const tableName = await dynamo.freshTable('item-kinds');
  const store = new DynamoIncidentStore({ client, tableName });
  const timers = new DynamoTimerStore({ client, tableName });
  const journal = new DynamoJobJournal({ client, tableName });
  const links = new DynamoAlertLinks({ client, tableName });

  const number = await store.reserveIncidentNumber('command#123.456', () => store.nextIncidentNumber());
  const incident = anIncident({ id: incidentId(number), number });
  await store.createIncident(incident);
  await store.updateIncident({ ...incident, status: 'identified' });
  await store.addEvent({
    id: 't-123.456',
    incidentId: incident.id,
    at: incident.declaredAt,
    recordedAt: incident.declaredAt,
    kind: 'action',
    text: 'Rolled back',
    author: 'U0ALICE',
  });
  await store.addFollowUp({
    id: 't-123.456.0',
    incidentId: incident.id,
    type: 'fix',
    text: 'Alert on 5xx rate',
    author: 'U0ALICE',
    createdAt: incident.declaredAt,
  });
  await store.acquireStep(incident.id, 'channel', 45_000);
  await store.finishStep(incident.id, 'channel', { channelId: 'C0INC7' });
  await store.failStep(incident.id, 'summary', { error: 'rate limited', retryAt: Date.now() });
  await store.linkChannel('C0INC7', incident.id);
  await store.claim(`once#severity.${incident.id}`, 60);
  await store.renewClaim(`nudge.${incident.id}.${incident.declaredAt}.1`, 60);
  await store.finishRequest('command#123.456', { text: 'ok' }, 60);
  await store.addOnCallOverride({
    id: 'k3x9q2',
    team: 'sre',
    user: 'U0DANA',
    from: '2024-02-18T15:30:00.000Z',
    to: '2024-02-18T19:30:00.000Z',
    setBy: 'U0LEAD',
    setAt: '2024-02-18T15:30:00.000Z',
  });
  await timers.put({
    id: `${incident.id}.sev2.t1`,
    dueAt: '2024-02-18T15:45:00.000Z',
    payload: { type: 'escalation-tier', incidentId: incident.id, severity: 'sev2', tier: 1 },
  });
  await journal.put({
    id: '1708270200000-5b0c',
    job: { type: 'refresh-summary', incidentId: incident.id },
    notBefore: 0,
  });
  await links.reserve('cloudwatch:123456789012:eu-west-1:checkout-api-5xx-rate');
  await links.link('cloudwatch:123456789012:eu-west-1:checkout-api-5xx-rate', incident.id);
  await links.takeNewIncidentSlot('2024-02-18T15:30', 'command#123.456', 5);

  const items = await scanAll(client, { TableName: tableName });
  const keys = items.map((item) => ({
    pk: String(item[TABLE.partitionKey]),
    sk: String(item[TABLE.sortKey]),
  }));
  const unlisted = keys.filter(({ pk, sk }) => itemKindOf(pk, sk) === undefined);
  expect(unlisted).toEqual([]);
  const written = new Set(keys.map(({ pk, sk }) => itemKindOf(pk, sk)));
  expect([...written].sort()).toEqual(Object.keys(ITEM_KINDS).sort());
});

/**
 * `/incident stats` end to end: incidents of every state listed from the store's index on a real
 * dynalite (never a scan), settled incidents stored before they were indexed found once by the
 * one-time walk, and the answer through the real server for incidents opened by people and by an
 * Alertmanager alert.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident } from '../../lambda/incidents/types';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { itemKey } from '../../lambda/store/items';
import { claimKey } from '../../lambda/store/keys';
import { anIncidentNumbered } from '../fixtures/incidents';
import { fixedClock, startHarness } from '../helpers/harness';
import { startTestDynamo, type TestDynamo } from '../helpers/table';
import { until } from '../helpers/wait';

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startTestDynamo();
});
afterAll(() => dynamo?.close());

const declared = (number: number, declaredAt: string, overrides: Partial<Incident> = {}) =>
  anIncidentNumbered(number, { declaredAt, startedAt: declaredAt, ...overrides });

describe('listIncidentsDeclaredSince', () => {
  it('lists open, settling and settled incidents declared from the instant, oldest first', async () => {
    // prepare
    const store = new DynamoIncidentStore({
      client: dynamo.client,
      tableName: await dynamo.freshTable('stats'),
    });
    const resolved = { status: 'resolved' as const, resolvedAt: '2026-11-20T11:00:00.000Z' };
    await store.createIncident(
      declared(1, '2026-10-01T10:00:00.000Z', { ...resolved, settledAt: '2026-10-01T12:00:00.000Z' }),
    );
    await store.createIncident(
      declared(2, '2026-11-20T10:00:00.000Z', { ...resolved, settledAt: '2026-11-20T12:00:00.000Z' }),
    );
    await store.createIncident(declared(3, '2026-11-25T10:00:00.000Z', resolved));
    await store.createIncident(declared(4, '2026-11-10T10:00:00.000Z'));
    // An incident that settles after it was stored moves to the settled partition and stays listed.
    const settling = await store.getIncident('INC-3');
    await store.updateIncident({ ...(settling as Incident), settledAt: '2026-11-25T12:00:00.000Z' });

    // act
    const listed = await store.listIncidentsDeclaredSince('2026-11-01T00:00:00.000Z');

    // assess
    expect(listed.map((i) => i.id)).toEqual(['INC-4', 'INC-2', 'INC-3']);
    expect(listed[2]).toMatchObject({ settledAt: '2026-11-25T12:00:00.000Z', version: 2 });
    expect(listed[0]).not.toHaveProperty('gsi1pk');
    expect(await store.listActiveIncidents()).toEqual([expect.objectContaining({ id: 'INC-4' })]);
  });

  it('finds settled incidents stored before they were indexed, walking the incidents once per table', async () => {
    // prepare: two incidents as an earlier version stored them once settled, without index keys.
    const tableName = await dynamo.freshTable('stats-backfill');
    const first = new DynamoIncidentStore({ client: dynamo.client, tableName });
    const legacy = async (incident: Incident) =>
      dynamo.client.send(
        new PutCommand({ TableName: tableName, Item: { ...incident, ...itemKey.incident(incident.id) } }),
      );
    for (let n = 1; n <= 3; n++) await first.nextIncidentNumber();
    await legacy(
      declared(1, '2026-11-02T10:00:00.000Z', {
        status: 'resolved',
        resolvedAt: '2026-11-02T11:00:00.000Z',
        settledAt: '2026-11-02T12:00:00.000Z',
      }),
    );
    await legacy(
      declared(3, '2026-11-04T10:00:00.000Z', {
        status: 'resolved',
        resolvedAt: '2026-11-04T11:00:00.000Z',
        settledAt: '2026-11-04T12:00:00.000Z',
      }),
    );
    await first.createIncident(declared(2, '2026-11-03T10:00:00.000Z'));

    const since = '2026-11-01T00:00:00.000Z';
    expect((await first.listIncidentsDeclaredSince(since)).map((i) => i.id)).toEqual(['INC-2']);

    // act: what the reconciler does on its tick.
    await first.ensureSettledIndexed();
    const listed = await first.listIncidentsDeclaredSince(since);

    // assess
    expect(listed.map((i) => i.id)).toEqual(['INC-1', 'INC-2', 'INC-3']);
    const marker = await dynamo.client.send(
      new GetCommand({ TableName: tableName, Key: itemKey.claim(claimKey.settledIndexMigration()) }),
    );
    expect(marker.Item).toBeDefined();
    // Another store on the table trusts the marker: an unindexed item written now is not walked to.
    await legacy(
      declared(4, '2026-11-05T10:00:00.000Z', { status: 'resolved', settledAt: '2026-11-05T12:00:00.000Z' }),
    );
    await dynamo.client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: itemKey.counter(),
        UpdateExpression: 'SET lastNumber = :n',
        ExpressionAttributeValues: { ':n': 4 },
      }),
    );
    const second = new DynamoIncidentStore({ client: dynamo.client, tableName });
    await second.ensureSettledIndexed();
    expect((await second.listIncidentsDeclaredSince(since)).map((i) => i.id)).toEqual([
      'INC-1',
      'INC-2',
      'INC-3',
    ]);
    // The walk itself is idempotent: run again it moves only the one it had not seen.
    expect(await second.indexSettledIncidents()).toBe(1);
    expect(await second.indexSettledIncidents()).toBe(0);
  });
});

describe('/incident stats through the server', () => {
  it('answers by severity with the times (the alert sev1 not yet acknowledged), the alert that declared it, and writes nothing', async () => {
    // prepare
    const clock = fixedClock('2026-12-01T09:00:00.000Z');
    const harness = await startHarness({
      clock,
      env: { ALERT_TOKEN: 't0ken', INCIDENT_TIMEZONE: 'UTC' },
      policy:
        'teams:\n  oncall: { slack: S0ONCALL }\nescalation:\n  default:\n    - { after: 0s, notify: [oncall] }\n',
    });
    try {
      const opened = await harness.command('open sev1 Checkout errors');
      expect(opened.status).toBe(200);
      const channel = await harness.channelOf('INC-1');
      clock.set('2026-12-01T09:04:00.000Z');
      await harness.command('ack', { channelId: channel });
      clock.set('2026-12-01T10:30:00.000Z');
      await harness.command('resolve rolled back', { channelId: channel });
      const alert = readFileSync(
        path.join(__dirname, '..', 'fixtures', 'alerts', 'alertmanager-firing.json'),
        'utf8',
      );
      const posted = await fetch(`${harness.server.url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: 'Bearer t0ken', 'content-type': 'application/json' },
        body: alert,
      });
      expect(posted.status).toBe(200);
      // The alert's incident gets its channel and pinned summary in the background: let that finish.
      await until(async () => (await harness.server.store.getIncident('INC-2'))?.summaryTs !== undefined);
      clock.set('2026-12-02T09:00:00.000Z');
      const before = JSON.stringify(
        await harness.server.store.listIncidentsDeclaredSince('2026-01-01T00:00:00.000Z'),
      );

      // act
      const reply = await harness.command('stats');

      // assess
      expect(reply).toMatchObject({ status: 200, responseType: 'ephemeral' });
      expect(reply.text).toContain(
        '*2 incidents in the last 30 days* (0 in the 30 days before), 1 still open.',
      );
      expect(reply.text).toContain(
        '*sev1*: 2 (0 before) · acknowledged median 4m, p90 4m · resolved median 1h 30m, p90 1h 30m',
      );
      expect(reply.text).toMatch(
        /Top alert sources: alertmanager: alertname=HighErrorRate \(1\); 1 declared by people\./,
      );
      expect(
        JSON.stringify(await harness.server.store.listIncidentsDeclaredSince('2026-01-01T00:00:00.000Z')),
      ).toBe(before);
    } finally {
      await harness.close();
    }
  });
});

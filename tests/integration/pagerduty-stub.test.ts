import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const trigger = {
  routing_key: 'R0UTINGKEY0000000000000000000001',
  event_action: 'trigger',
  dedup_key: 'INC-42',
  payload: { summary: 'INC-42 SEV1: checkout latency', source: 'incident-bot', severity: 'critical' },
};

describe('local PagerDuty Events API v2 stub', () => {
  let stub: PagerDutyStub;

  beforeEach(async () => {
    stub = await startPagerDutyStub();
  });

  afterEach(async () => {
    await stub.close();
  });

  it('accepts a valid trigger with 202 and records it', async () => {
    // act
    const response = await post(stub.url, trigger);
    const body = await response.json();

    // assess
    expect(stub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/enqueue$/);
    expect(response.status).toBe(202);
    expect(body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'INC-42' });
    expect(stub.events).toHaveLength(1);
    expect(stub.events[0]).toMatchObject({
      routing_key: trigger.routing_key,
      event_action: 'trigger',
      dedup_key: 'INC-42',
      payload: trigger.payload,
      receivedAt: expect.any(Number),
    });
  });

  it('generates a dedup_key for a trigger that has none', async () => {
    // act
    const response = await post(stub.url, { ...trigger, dedup_key: undefined });
    const body = (await response.json()) as { dedup_key: string };

    // assess
    expect(response.status).toBe(202);
    expect(body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(stub.events[0]?.dedup_key).toBe(body.dedup_key);
  });

  it('rejects an invalid event with 400 and the reasons, recording only the attempt', async () => {
    // act
    const badSeverity = await post(stub.url, {
      ...trigger,
      payload: { ...trigger.payload, severity: 'sev1' },
    });
    const badBody = await badSeverity.json();
    const resolveWithoutKey = await post(stub.url, { routing_key: 'k', event_action: 'resolve' });
    const resolveBody = (await resolveWithoutKey.json()) as { errors: string[] };
    const notJson = await post(stub.url, '{"routing_key":');

    // assess
    expect(badSeverity.status).toBe(400);
    expect(badBody).toMatchObject({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: [expect.stringContaining("'payload.severity'")],
    });
    expect(resolveWithoutKey.status).toBe(400);
    expect(resolveBody.errors).toEqual(["'dedup_key' is missing or blank"]);
    expect(notJson.status).toBe(400);
    expect(stub.events).toHaveLength(0);
    expect(stub.attempts.map((attempt) => attempt.status)).toEqual([400, 400, 400]);
  });

  it('answers scripted statuses first, then processes normally', async () => {
    // prepare
    stub.respondWith([500, 500]);

    // act
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await post(stub.url, trigger);
      await response.text();
      statuses.push(response.status);
    }

    // assess
    expect(statuses).toEqual([500, 500, 202]);
    expect(stub.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 202]);
    expect(stub.events).toHaveLength(1);
  });

  it('accepts acknowledge and resolve that carry a dedup_key', async () => {
    // act
    const acknowledge = await post(stub.url, {
      routing_key: 'k',
      event_action: 'acknowledge',
      dedup_key: 'INC-42',
    });
    const resolve = await post(stub.url, { routing_key: 'k', event_action: 'resolve', dedup_key: 'INC-42' });

    // assess
    expect([acknowledge.status, resolve.status]).toEqual([202, 202]);
    expect(stub.events.map((event) => event.event_action)).toEqual(['acknowledge', 'resolve']);
  });
});

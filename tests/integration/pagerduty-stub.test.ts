import { type PagerDutyStub, startPagerDutyStub } from '../../local/pagerduty-stub';
import { sleep, until } from '../helpers/wait';

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

  it('never answers while hanging: the client gives up, the attempt is recorded with status 0', async () => {
    // prepare
    stub.hang(true);
    const started = Date.now();

    // act
    const error = await fetch(stub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(trigger),
      signal: AbortSignal.timeout(200),
    }).catch((caught: unknown) => caught);
    const elapsed = Date.now() - started;

    // assess
    expect((error as Error).name).toBe('TimeoutError');
    expect(elapsed).toBeLessThan(2000);
    expect(stub.attempts).toEqual([{ status: 0, body: trigger, receivedAt: expect.any(Number) }]);
    expect(stub.events).toHaveLength(0);
  });

  it('answers again once hanging is turned off', async () => {
    // prepare
    stub.hang(true);
    stub.hang(false);

    // act
    const response = await post(stub.url, trigger);
    await response.text();

    // assess
    expect(response.status).toBe(202);
    expect(stub.events).toHaveLength(1);
  });

  it('closes promptly while a request hangs', async () => {
    // prepare
    stub.hang(true);
    const pending = post(stub.url, trigger).catch((error: unknown) => error);
    await until(() => stub.attempts.length === 1, 2000);
    const started = Date.now();

    // act
    await stub.close();
    const outcome = await pending;

    // assess
    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcome).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });

  it('is down for a while on real time, then processes normally', async () => {
    // prepare
    stub.downFor(300, 503);

    // act
    const during = await post(stub.url, trigger);
    const duringBody = await during.json();
    await sleep(350);
    const after = await post(stub.url, trigger);
    await after.text();

    // assess
    expect(during.status).toBe(503);
    expect(duringBody).toEqual({ status: 'error', message: 'Service Unavailable' });
    expect(after.status).toBe(202);
    expect(stub.attempts.map((attempt) => attempt.status)).toEqual([503, 202]);
    expect(stub.events).toHaveLength(1);
  });

  it('is down with 500 by default, before any scripted status', async () => {
    // prepare
    stub.respondWith([429]);
    stub.downFor(60_000);

    // act
    const first = await post(stub.url, trigger);
    await first.text();
    stub.reset();
    const afterReset = await post(stub.url, trigger);
    await afterReset.text();

    // assess
    expect(first.status).toBe(500);
    expect(afterReset.status).toBe(202);
  });
});

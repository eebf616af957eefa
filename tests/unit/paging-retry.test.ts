import { PageError, withRetry } from '../../lambda/paging/retry';

/** A sleep that returns at once and remembers what it was asked to wait. */
function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

/** Fails with each error in turn, then succeeds with `value`; counts calls. */
function failing<T>(errors: unknown[], value?: T) {
  const calls: number[] = [];
  const fn = async (attempt: number): Promise<T | undefined> => {
    calls.push(attempt);
    const error = errors[calls.length - 1];
    if (error !== undefined) throw error;
    return value;
  };
  return { calls, fn };
}

const unavailable = () => new PageError('PagerDuty answered 503 Service Unavailable', true, { status: 503 });

describe('withRetry', () => {
  it('returns the value of a first success without sleeping', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const { calls, fn } = failing([], 'sent');

    // act
    const result = await withRetry(fn, { sleep });

    // assess
    expect(result).toEqual({ ok: true, attempts: 1, value: 'sent' });
    expect(calls).toEqual([1]);
    expect(delays).toEqual([]);
  });

  it('retries a retryable failure and reports the attempts it took', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const { calls, fn } = failing([unavailable(), unavailable()], 'sent');

    // act
    const result = await withRetry(fn, { sleep, random: () => 1 });

    // assess
    expect(result).toEqual({ ok: true, attempts: 3, value: 'sent' });
    expect(calls).toEqual([1, 2, 3]);
    expect(delays).toEqual([200, 400]);
  });

  it('doubles the delay from the base and holds it at the cap', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const { fn } = failing(Array.from({ length: 6 }, unavailable));

    // act
    const result = await withRetry(fn, {
      attempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 500,
      sleep,
      random: () => 1,
    });

    // assess
    expect(result.ok).toBe(false);
    expect(delays).toEqual([100, 200, 400, 500, 500]);
  });

  it('spreads each delay over [0, cap] with full jitter', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const { fn } = failing(Array.from({ length: 5 }, unavailable));

    // act
    await withRetry(fn, { attempts: 5, baseDelayMs: 100, maxDelayMs: 300, sleep, random: () => 0.5 });

    // assess
    expect(delays).toEqual([50, 100, 150, 150]);
  });

  it('keeps default-jittered delays within the bounded, growing caps', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const { fn } = failing(Array.from({ length: 4 }, unavailable));

    // act
    await withRetry(fn, { sleep });

    // assess: defaults are 4 attempts, 200 ms base, 2 s cap
    expect(delays).toHaveLength(3);
    [200, 400, 800].forEach((cap, index) => {
      expect(delays[index]).toBeGreaterThanOrEqual(0);
      expect(delays[index]).toBeLessThanOrEqual(cap);
    });
  });

  it('gives up after the attempt limit with the last error', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const last = new PageError('PagerDuty answered 500 Internal Server Error', true, { status: 500 });
    const { calls, fn } = failing([unavailable(), unavailable(), last, unavailable()]);

    // act
    const result = await withRetry(fn, { attempts: 3, sleep, random: () => 1 });

    // assess
    expect(result).toEqual({
      ok: false,
      attempts: 3,
      error: 'PagerDuty answered 500 Internal Server Error',
      retryable: true,
    });
    expect(calls).toEqual([1, 2, 3]);
    expect(delays).toEqual([200, 400]);
  });

  it('does not retry a 4xx: the same request would fail the same way', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const invalid = new PageError('PagerDuty answered 400 Bad Request: Event object is invalid', false, {
      status: 400,
    });
    const { calls, fn } = failing([invalid], 'sent');

    // act
    const result = await withRetry(fn, { sleep });

    // assess
    expect(result).toEqual({
      ok: false,
      attempts: 1,
      error: 'PagerDuty answered 400 Bad Request: Event object is invalid',
      retryable: false,
    });
    expect(calls).toEqual([1]);
    expect(delays).toEqual([]);
  });

  it('does not retry an error nobody marked retryable', async () => {
    // prepare
    const { sleep } = recordingSleep();
    const { calls, fn } = failing([new TypeError('cannot read properties of undefined')], 'sent');

    // act
    const result = await withRetry(fn, { sleep });

    // assess
    expect(result).toEqual({
      ok: false,
      attempts: 1,
      error: 'cannot read properties of undefined',
      retryable: false,
    });
    expect(calls).toEqual([1]);
  });

  it('waits as long as Retry-After asks, but never past the cap', async () => {
    // prepare
    const { delays, sleep } = recordingSleep();
    const throttled = (ms: number) =>
      new PageError('PagerDuty answered 429 Too Many Requests', true, { status: 429, retryAfterMs: ms });
    const { fn } = failing([throttled(700), throttled(60_000)], 'sent');

    // act
    const result = await withRetry(fn, { sleep, random: () => 0, maxDelayMs: 2000 });

    // assess
    expect(result.ok).toBe(true);
    expect(delays).toEqual([700, 2000]);
  });

  it('reports a thrown non-Error as text', async () => {
    // prepare
    const { fn } = failing(['socket hang up']);

    // act
    const result = await withRetry(fn, { sleep: async () => {} });

    // assess
    expect(result).toEqual({ ok: false, attempts: 1, error: 'socket hang up', retryable: false });
  });

  it('makes one attempt when asked for none', async () => {
    // prepare
    const { calls, fn } = failing([unavailable()]);

    // act
    const result = await withRetry(fn, { attempts: 0, sleep: async () => {} });

    // assess
    expect(result).toEqual({
      ok: false,
      attempts: 1,
      error: 'PagerDuty answered 503 Service Unavailable',
      retryable: true,
    });
    expect(calls).toEqual([1]);
  });
});

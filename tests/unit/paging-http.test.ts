import { postJson } from '../../lambda/paging/http';
import { dedupKey } from '../../lambda/paging/pager';
import { PageError } from '../../lambda/paging/retry';

/** A fetch that answers every request with one canned response and keeps the requests. */
function answering(status: number, body = '', headers: Record<string, string> = {}) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    return new Response(body || null, { status, headers });
  };
  return { requests, fetch };
}

async function failureOf(call: Promise<void>): Promise<PageError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof PageError) return error;
    throw new Error(`expected a PageError, got ${String(error)}`);
  }
  throw new Error('expected a failure, got success');
}

const request = { service: 'PagerDuty', url: 'https://pd.test/v2/enqueue', body: '{"a":1}', timeoutMs: 1000 };

describe('postJson', () => {
  it('resolves on the expected status and sends the body as JSON', async () => {
    // prepare
    const { requests, fetch } = answering(202, '{"status":"success"}');

    // act
    await postJson({ ...request, expect: 202, fetch, headers: { authorization: 'GenieKey k' } });

    // assess
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe('https://pd.test/v2/enqueue');
    expect(requests[0]?.init).toMatchObject({
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', authorization: 'GenieKey k' },
    });
  });

  it.each([429, 500, 502, 503])('marks %i retryable', async (status) => {
    // prepare
    const { fetch } = answering(status, '{"status":"error","message":"try later"}');

    // act
    const error = await failureOf(postJson({ ...request, expect: 202, fetch }));

    // assess
    expect(error.retryable).toBe(true);
    expect(error.details.status).toBe(status);
    expect(error.message).toMatch(new RegExp(`^PagerDuty answered ${status} .*: try later$`));
  });

  it.each([200, 400, 401, 403, 404, 422])('marks %i final when 202 is expected', async (status) => {
    // prepare
    const { fetch } = answering(status, 'nope');

    // act
    const error = await failureOf(postJson({ ...request, expect: 202, fetch }));

    // assess
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`answered ${status}`);
  });

  it("quotes the service's message and errors in the failure", async () => {
    // prepare
    const body = JSON.stringify({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ["'routing_key' is missing or blank"],
    });
    const { fetch } = answering(400, body);

    // act
    const error = await failureOf(postJson({ ...request, expect: 202, fetch }));

    // assess
    expect(error.message).toBe(
      "PagerDuty answered 400 Bad Request: Event object is invalid ('routing_key' is missing or blank)",
    );
  });

  it('reads Retry-After in seconds', async () => {
    // prepare
    const { fetch } = answering(429, '', { 'retry-after': '3' });

    // act
    const error = await failureOf(postJson({ ...request, expect: 202, fetch }));

    // assess
    expect(error.details.retryAfterMs).toBe(3000);
  });

  it('accepts any 2xx when asked to', async () => {
    // prepare
    const ok = answering(204);
    const redirect = answering(302);

    // act
    await postJson({ ...request, expect: 'any-2xx', fetch: ok.fetch });
    const error = await failureOf(postJson({ ...request, expect: 'any-2xx', fetch: redirect.fetch }));

    // assess
    expect(ok.requests).toHaveLength(1);
    expect(error.retryable).toBe(false);
  });

  it('marks a network failure retryable and names its cause', async () => {
    // prepare
    const fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNRESET' }),
      });
    };

    // act
    const error = await failureOf(postJson({ ...request, expect: 202, fetch }));

    // assess
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('PagerDuty unreachable: fetch failed (ECONNRESET)');
  });

  it('marks an unparseable URL final', async () => {
    // act
    const error = await failureOf(postJson({ ...request, url: 'not a url', expect: 202, fetch }));

    // assess
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^PagerDuty unreachable: /);
  });
});

describe('dedupKey', () => {
  it('is one key per incident and team', () => {
    // act
    const keys = [dedupKey('INC-7', 'sre'), dedupKey('INC-7', 'sre'), dedupKey('INC-7', 'oncall')];

    // assess
    expect(keys).toEqual(['incident-bot/INC-7/sre', 'incident-bot/INC-7/sre', 'incident-bot/INC-7/oncall']);
  });
});

/**
 * The gate in front of the alert routes (docs/architecture.md, "Alerts → alert service"; issue 10, "Bodies"): the token is
 * checked before the body is read, and a body over 1 MiB gets 413 without being read whole, never a
 * 500 that Alertmanager would retry forever. Through the real local server over HTTP, and through
 * the Lambda entry with API Gateway events.
 */

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_ALERT_BODY_BYTES } from '../../lambda/alerts/auth';
import { createSnsVerifier } from '../../lambda/alerts/sns-signature';
import { createAlertsHandler } from '../../lambda/handlers/alerts';
import { type Harness, startHarness } from '../helpers/harness';

const TOKEN = 't0ken';
const FIRING = readFileSync(
  path.join(__dirname, '..', 'fixtures', 'alerts', 'alertmanager-firing.json'),
  'utf8',
);

/** A real Alertmanager body padded with JSON whitespace to exactly `bytes` bytes. */
function paddedTo(bytes: number): string {
  const body = FIRING.trimEnd();
  return `${body.slice(0, -1)}${' '.repeat(bytes - Buffer.byteLength(body))}}`;
}

/** Posts `chunks` (sent one by one, chunked unless `contentLength`), and the answer's status and body. */
function post(
  url: string,
  chunks: string[],
  headers: Record<string, string>,
  contentLength?: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...headers,
          ...(contentLength === undefined ? {} : { 'content-length': String(contentLength) }),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    // The server may answer and stop reading before everything is sent: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    (async () => {
      for (const chunk of chunks) {
        if (!req.write(chunk)) await new Promise((drained) => req.once('drain', drained));
      }
      req.end();
    })().catch(reject);
  });
}

describe('the alert routes of the local server', () => {
  let harness: Harness;
  let url: string;

  beforeAll(async () => {
    harness = await startHarness({ env: { ALERT_TOKEN: TOKEN } });
    url = `${harness.server.url}/alerts/alertmanager`;
  });
  afterAll(() => harness.close());

  it('answers 401 to a wrong token before reading a large body', async () => {
    const body = paddedTo(2 * MAX_ALERT_BODY_BYTES);
    const answer = await post(url, [body], { authorization: 'Bearer wrong' }, Buffer.byteLength(body));
    expect(answer.status).toBe(401);
    expect(await harness.server.store.listOpenIncidents()).toEqual([]);
  });

  it('answers 413 to a body declared larger than 1 MiB, and writes nothing', async () => {
    const body = paddedTo(MAX_ALERT_BODY_BYTES + 1);
    const answer = await post(url, [body], { authorization: `Bearer ${TOKEN}` }, Buffer.byteLength(body));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({
      error: `alert bodies are limited to ${MAX_ALERT_BODY_BYTES} bytes`,
    });
    expect(await harness.server.store.listOpenIncidents()).toEqual([]);
  });

  it('answers 413 to a chunked body that grows past 1 MiB, not 500', async () => {
    const chunks = Array.from({ length: 20 }, () => ' '.repeat(128 * 1024));
    const answer = await post(url, chunks, { authorization: `Bearer ${TOKEN}` });
    expect(answer.status).toBe(413);
    expect(await harness.server.store.listOpenIncidents()).toEqual([]);
  });

  it('takes a body of exactly 1 MiB', async () => {
    const body = paddedTo(MAX_ALERT_BODY_BYTES);
    const answer = await post(url, [body], { authorization: `Bearer ${TOKEN}` }, MAX_ALERT_BODY_BYTES);
    expect(answer.status).toBe(200);
    expect((await harness.server.store.listOpenIncidents()).length).toBeGreaterThan(0);
  });
});

describe('the alert routes of the Lambda entry', () => {
  function apiEvent(body: string, authorization: string, base64 = false): APIGatewayProxyEventV2 {
    return {
      version: '2.0',
      routeKey: 'POST /alerts/alertmanager',
      rawPath: '/alerts/alertmanager',
      rawQueryString: '',
      headers: { authorization, 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/alerts/alertmanager' } },
      body: base64 ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: base64,
    } as unknown as APIGatewayProxyEventV2;
  }

  const handled: unknown[] = [];
  const handler = createAlertsHandler(async () => ({
    service: {
      handle: async (signal) => {
        handled.push(signal);
        return { action: 'ignored' };
      },
    },
    token: TOKEN,
    verifySns: createSnsVerifier({ signatures: 'require' }),
  }));

  beforeEach(() => {
    handled.length = 0;
  });

  it.each([false, true])(
    'answers 413 over 1 MiB (base64: %s) and hands nothing to the service',
    async (base64) => {
      const result = await handler(
        apiEvent(paddedTo(MAX_ALERT_BODY_BYTES + 1024), `Bearer ${TOKEN}`, base64),
      );
      expect(result?.statusCode).toBe(413);
      expect(handled).toEqual([]);
    },
  );

  it('answers 401 to a wrong token whatever the size', async () => {
    const result = await handler(apiEvent(paddedTo(2 * MAX_ALERT_BODY_BYTES), 'Bearer wrong'));
    expect(result?.statusCode).toBe(401);
    expect(handled).toEqual([]);
  });

  it('takes a body of exactly 1 MiB', async () => {
    const result = await handler(apiEvent(paddedTo(MAX_ALERT_BODY_BYTES), `Bearer ${TOKEN}`));
    expect(result?.statusCode).toBe(200);
    expect(handled.length).toBeGreaterThan(0);
  });
});

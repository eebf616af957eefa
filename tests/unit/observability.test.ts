/**
 * Metrics: EMF under the IncidentBot namespace in Lambda and nothing elsewhere; pages counted per
 * pager from what the pager reports; the Slack handler's answer latency. Logs: secrets redacted.
 */

import { createLogger, redact, registerSecrets } from '../../lambda/observability/log';
import {
  countingPages,
  lambdaMetrics,
  noMetrics,
  powertoolsMetrics,
  recordingMetrics,
} from '../../lambda/observability/metrics';
import type { PageOutcome, Pager, PageTarget } from '../../lambda/paging/pager';

describe('metrics', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes EMF under IncidentBot with the function as service, pages with a pager dimension', () => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const metrics = powertoolsMetrics('incident-bot-worker');
    metrics.count('JobsRetried');
    metrics.count('PagesSent', 1, { pager: 'pagerduty' });
    metrics.flush();
    const lines = written.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'IncidentBot', Dimensions: [['service', 'pager']] }] },
      service: 'incident-bot-worker',
      pager: 'pagerduty',
      PagesSent: 1,
    });
    expect(lines[1]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'IncidentBot', Dimensions: [['service']] }] },
      JobsRetried: 1,
    });
  });

  it('writes nothing outside Lambda', () => {
    expect(lambdaMetrics({})).toBe(noMetrics);
  });

  it('counts each delivery of a trigger by pager; untried deliveries and resolve notices are not pages', async () => {
    const outcomes: PageOutcome[] = [
      { channel: 'pagerduty', ok: true, attempts: 1 },
      { channel: 'webhook', ok: false, attempts: 2, error: 'HTTP 500' },
      { channel: 'slack', ok: false, attempts: 0, error: 'waiting for the channel' },
    ];
    const pager: Pager = { page: async () => outcomes };
    const metrics = recordingMetrics();
    const counted = countingPages(pager, metrics);
    const target = {} as PageTarget;
    expect(await counted.page(target, 'trigger')).toBe(outcomes);
    await counted.page(target, 'resolve');
    expect(metrics.recorded).toEqual([
      { name: 'PagesSent', value: 1, dimensions: { pager: 'pagerduty' } },
      { name: 'PagesFailed', value: 1, dimensions: { pager: 'webhook' } },
    ]);
  });
});

describe('log redaction', () => {
  afterEach(() => jest.restoreAllMocks());

  it('redacts registered secrets in messages, keys and errors, and ignores values too short to be secrets', () => {
    registerSecrets('xoxb-redaction-test-token', 'short', undefined);
    expect(redact('token xoxb-redaction-test-token, short')).toBe('token [redacted], short');
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const logger = createLogger({ serviceName: 'test', logLevel: 'INFO' });
    logger.info('calling with xoxb-redaction-test-token', {
      nested: { header: 'Bearer xoxb-redaction-test-token' },
      error: new Error('refused xoxb-redaction-test-token'),
    });
    const text = written.join('');
    expect(text).not.toContain('xoxb-redaction-test-token');
    expect(JSON.parse(text)).toMatchObject({
      message: 'calling with [redacted]',
      nested: { header: 'Bearer [redacted]' },
      error: { message: 'refused [redacted]' },
    });
  });
});

/**
 * SNS over HTTP is trusted only when its signature verifies against a certificate fetched from a
 * trusted host. The certificate is served for real on loopback and trusted through
 * trustedCertHosts (SNS_TRUSTED_CERT_HOSTS), as the route tests do.
 */

import {
  CERT_CACHE_SIZE,
  CERT_MAX_BYTES,
  createSnsVerifier,
  type SnsTrust,
  type SnsVerdict,
} from '../../lambda/alerts/sns-signature';
import cloudwatchAlarm from '../fixtures/alerts/cloudwatch-alarm-sns.json';
import subscriptionConfirmation from '../fixtures/alerts/sns-subscription-confirmation.json';
import { startRecordingServer } from '../helpers/recording-server';
import {
  type CertServer,
  SNS_OTHER_KEY,
  SNS_TEST_CERT,
  signSnsEnvelope,
  startCertServer,
} from '../helpers/sns-signing';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:incident-bot-alarms';

let certs: CertServer;
beforeAll(async () => {
  certs = await startCertServer();
});
afterAll(async () => {
  await certs.close();
});

function verifier(extra: Partial<SnsTrust> = {}) {
  return createSnsVerifier({ signatures: 'require', trustedCertHosts: [certs.host], ...extra });
}

function signed(envelope: Record<string, unknown>, version: '1' | '2' = '1', certUrl = certs.certUrl) {
  return signSnsEnvelope(envelope, { version, certUrl });
}

function refused(verdict: SnsVerdict) {
  if (verdict.ok) throw new Error('expected a refusal, got ok');
  return verdict;
}

describe('SNS signatures', () => {
  it('accepts a correctly signed Notification, SignatureVersion 1 (SHA1withRSA)', async () => {
    const message = signed(cloudwatchAlarm);
    expect(message.Subject).toBeDefined();
    await expect(verifier()(message)).resolves.toEqual({ ok: true });
  });

  it('accepts a correctly signed Notification, SignatureVersion 2 (SHA256withRSA), with or without Subject', async () => {
    const verify = verifier();
    await expect(verify(signed(cloudwatchAlarm, '2'))).resolves.toEqual({ ok: true });
    const { Subject: _subject, ...withoutSubject } = cloudwatchAlarm;
    await expect(verify(signed(withoutSubject, '2'))).resolves.toEqual({ ok: true });
  });

  it('accepts a signed SubscriptionConfirmation and UnsubscribeConfirmation (Token and SubscribeURL signed)', async () => {
    const verify = verifier({ topicArns: [TOPIC] });
    await expect(verify(signed(subscriptionConfirmation))).resolves.toEqual({ ok: true });
    await expect(verify(signed(subscriptionConfirmation, '2'))).resolves.toEqual({ ok: true });
    const unsubscribe = { ...subscriptionConfirmation, Type: 'UnsubscribeConfirmation' };
    await expect(verify(signed(unsubscribe))).resolves.toEqual({ ok: true });
    // The Token is part of what is signed.
    const altered = { ...signed(subscriptionConfirmation), Token: 'f00d' };
    expect(refused(await verify(altered)).code).toBe('signature-mismatch');
  });

  it('refuses a forged message: signed by another key', async () => {
    const forged = signSnsEnvelope(cloudwatchAlarm, { key: SNS_OTHER_KEY, certUrl: certs.certUrl });
    const verdict = refused(await verifier()(forged));
    expect(verdict).toMatchObject({
      code: 'signature-mismatch',
      reason: expect.stringMatching(/does not match/),
    });
    const forged2 = signSnsEnvelope(cloudwatchAlarm, {
      key: SNS_OTHER_KEY,
      certUrl: certs.certUrl,
      version: '2',
    });
    expect(refused(await verifier()(forged2)).code).toBe('signature-mismatch');
  });

  it.each([
    ['Message', '{"AlarmName":"checkout-api-5xx-rate","NewStateValue":"OK"}'],
    ['Subject', 'OK: "checkout-api-5xx-rate" in EU (Ireland)'],
    ['TopicArn', 'arn:aws:sns:eu-west-1:123456789012:other'],
    ['MessageId', '00000000-0000-0000-0000-000000000000'],
    ['Timestamp', '2024-02-18T15:29:43.412Z'],
    ['Type', 'SubscriptionConfirmation'],
  ])('refuses an altered message: %s changed after signing', async (field, value) => {
    for (const version of ['1', '2'] as const) {
      const altered = { ...signed(cloudwatchAlarm, version), [field]: value };
      const verdict = refused(await verifier()(altered));
      expect(verdict.code).toMatch(/signature-mismatch|malformed/);
    }
  });

  it('refuses an altered message whose signature itself was changed', async () => {
    const message = signed(cloudwatchAlarm, '2');
    const bytes = Buffer.from(message.Signature as string, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    const verdict = refused(await verifier()({ ...message, Signature: bytes.toString('base64') }));
    expect(verdict.code).toBe('signature-mismatch');
  });

  it('refuses an unsigned message', async () => {
    const { Signature: _s, ...noSignature } = signed(cloudwatchAlarm);
    expect(refused(await verifier()(noSignature))).toMatchObject({
      code: 'unsigned',
      reason: expect.stringMatching(/unsigned/),
    });
    const { SignatureVersion: _v, ...noVersion } = signed(cloudwatchAlarm);
    expect(refused(await verifier()(noVersion)).code).toBe('unsigned');
    expect(refused(await verifier()({ ...signed(cloudwatchAlarm), Signature: '' })).code).toBe('unsigned');
  });

  it('refuses an unknown SignatureVersion', async () => {
    for (const version of ['3', '0', 2]) {
      const message = { ...signed(cloudwatchAlarm), SignatureVersion: version };
      expect(refused(await verifier()(message))).toMatchObject({
        code: 'unknown-signature-version',
        reason: expect.stringMatching(/SignatureVersion/),
      });
    }
  });

  it('refuses a certificate from an untrusted host, without fetching it', async () => {
    const before = certs.requests();
    const message = signed(cloudwatchAlarm);
    // Trusted: another port on loopback only.
    const otherPort = refused(await verifier({ trustedCertHosts: [`127.0.0.1:${certs.port + 1}`] })(message));
    expect(otherPort).toMatchObject({
      code: 'untrusted-cert-url',
      reason: expect.stringMatching(/untrusted certificate host 127\.0\.0\.1:\d+/),
    });
    // The AWS default: not sns.<region>.amazonaws.com.
    const byDefault = refused(await createSnsVerifier({ signatures: 'require' })(message));
    expect(byDefault.code).toBe('untrusted-cert-url');
    // A look-alike of an AWS host.
    const lookAlike = signed(
      cloudwatchAlarm,
      '1',
      'https://sns.eu-west-1.amazonaws.com.attacker.example/SimpleNotificationService-1.pem',
    );
    expect(refused(await createSnsVerifier({ signatures: 'require' })(lookAlike)).reason).toMatch(
      /untrusted certificate host sns\.eu-west-1\.amazonaws\.com\.attacker\.example/,
    );
    expect(certs.requests()).toBe(before);
  });

  it('refuses a plain http certificate URL on a host that is not loopback, even when trusted', async () => {
    const fetchCert = jest.fn(async () => SNS_TEST_CERT);
    const verify = createSnsVerifier({
      signatures: 'require',
      trustedCertHosts: ['certs.example.test'],
      fetchCert,
    });
    const overHttp = signed(cloudwatchAlarm, '1', 'http://certs.example.test/cert.pem');
    expect(refused(await verify(overHttp))).toMatchObject({
      code: 'untrusted-cert-url',
      reason: expect.stringMatching(/plain http .*loopback.*certs\.example\.test/),
    });
    expect(fetchCert).not.toHaveBeenCalled();
    // The same host over https is trusted.
    const overHttps = signed(cloudwatchAlarm, '1', 'https://certs.example.test/cert.pem');
    await expect(verify(overHttps)).resolves.toEqual({ ok: true });
    expect(fetchCert).toHaveBeenCalledWith('https://certs.example.test/cert.pem');
  });

  it('trusts https on sns.<region>.amazonaws.com and .amazonaws.com.cn by default, and nothing else', async () => {
    const fetchCert = jest.fn(async () => SNS_TEST_CERT);
    const verify = createSnsVerifier({ signatures: 'require', fetchCert });
    const ok = [
      'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem',
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem',
    ];
    for (const url of ok)
      await expect(verify(signed(cloudwatchAlarm, '2', url))).resolves.toEqual({ ok: true });
    const bad = [
      'http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
      'https://sns.eu-west-1.amazonaws.com:8443/SimpleNotificationService-1.pem',
      'https://s3.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
      'https://sns.amazonaws.com/SimpleNotificationService-1.pem',
      'https://attacker.example/sns.eu-west-1.amazonaws.com.pem',
      'https://user:pw@sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem',
      'file:///etc/ssl/cert.pem',
      'not a url',
    ];
    for (const url of bad) {
      expect(refused(await verify(signed(cloudwatchAlarm, '2', url))).code).toBe('untrusted-cert-url');
    }
    expect(fetchCert).toHaveBeenCalledTimes(ok.length);
  });

  it('refuses a message from a foreign topic when topics are configured, signed or not', async () => {
    const verify = verifier({ topicArns: [TOPIC] });
    await expect(verify(signed(cloudwatchAlarm))).resolves.toEqual({ ok: true });
    const foreign = signed({ ...cloudwatchAlarm, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:elsewhere' });
    expect(refused(await verify(foreign))).toMatchObject({
      code: 'foreign-topic',
      reason: expect.stringMatching(/arn:aws:sns:eu-west-1:999999999999:elsewhere.*ALERTS_SNS_TOPIC_ARNS/),
    });
    // The topic applies with signatures off too.
    const off = createSnsVerifier({ signatures: 'off', topicArns: [TOPIC] });
    const { Signature: _s, ...unsigned } = foreign;
    expect(refused(await off(unsigned)).code).toBe('foreign-topic');
  });

  it('with signatures off accepts unsigned envelopes without fetching anything', async () => {
    const fetchCert = jest.fn(async () => SNS_TEST_CERT);
    const verify = createSnsVerifier({ signatures: 'off', fetchCert });
    const { Signature: _s, SignatureVersion: _v, SigningCertURL: _u, ...unsigned } = cloudwatchAlarm;
    await expect(verify(unsigned)).resolves.toEqual({ ok: true });
    expect(fetchCert).not.toHaveBeenCalled();
  });

  it('refuses when the certificate cannot be fetched, is too large or is not a certificate, and tries again later', async () => {
    const missing = signed(cloudwatchAlarm, '1', `http://${certs.host}/missing.pem`);
    expect(refused(await verifier()(missing))).toMatchObject({
      code: 'cert-fetch-failed',
      reason: expect.stringMatching(/cannot fetch .*missing\.pem.*404/),
    });

    const huge = await startCertServer('x'.repeat(CERT_MAX_BYTES + 1));
    const garbage = await startCertServer('-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n');
    try {
      const verify = createSnsVerifier({
        signatures: 'require',
        trustedCertHosts: [huge.host, garbage.host],
      });
      expect(refused(await verify(signed(cloudwatchAlarm, '1', huge.certUrl))).reason).toMatch(/larger than/);
      expect(refused(await verify(signed(cloudwatchAlarm, '1', garbage.certUrl)))).toMatchObject({
        code: 'cert-fetch-failed',
        reason: expect.stringMatching(/does not parse/),
      });
      // Failures are not cached.
      await verify(signed(cloudwatchAlarm, '1', garbage.certUrl));
      expect(garbage.requests()).toBe(2);
    } finally {
      await huge.close();
      await garbage.close();
    }

    const closed = await startCertServer();
    const url = closed.certUrl;
    const host = closed.host;
    await closed.close();
    const verdict = refused(await verifier({ trustedCertHosts: [host] })(signed(cloudwatchAlarm, '1', url)));
    expect(verdict.code).toBe('cert-fetch-failed');
  });

  it('does not follow redirects and gives up on a certificate host that does not answer within 5 s', async () => {
    // Any path but /redirect.pem: never answered.
    const server = await startRecordingServer({
      answer: (request) =>
        request.path === '/redirect.pem' ? { status: 302, headers: { location: certs.certUrl } } : 'hang',
    });
    const { host } = server;
    try {
      const verify = createSnsVerifier({ signatures: 'require', trustedCertHosts: [host, certs.host] });
      const redirected = refused(await verify(signed(cloudwatchAlarm, '1', `http://${host}/redirect.pem`)));
      expect(redirected.code).toBe('cert-fetch-failed');
      const started = Date.now();
      const hanging = refused(await verify(signed(cloudwatchAlarm, '1', `http://${host}/hang.pem`)));
      expect(hanging.code).toBe('cert-fetch-failed');
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      await server.close();
    }
  });

  it('refuses when the certificate is outside its validity dates', async () => {
    const later = verifier({ now: () => new Date('2040-01-01T00:00:00Z') });
    expect(refused(await later(signed(cloudwatchAlarm)))).toMatchObject({
      code: 'cert-invalid',
      reason: expect.stringMatching(/valid from .* to .*2036/),
    });
    const earlier = verifier({ now: () => new Date('2020-01-01T00:00:00Z') });
    expect(refused(await earlier(signed(cloudwatchAlarm))).code).toBe('cert-invalid');
  });

  it('refuses a replay: a message stamped longer ago than SNS retries (an hour), or ahead of our clock', async () => {
    // prepare
    const now = Date.parse('2026-12-02T10:00:00.000Z');
    const verify = verifier({ now: () => new Date(now) });
    const stampedAgo = (ms: number) =>
      signSnsEnvelope(cloudwatchAlarm, {
        certUrl: certs.certUrl,
        timestamp: new Date(now - ms).toISOString(),
      });

    // act
    const lastRetry = await verify(stampedAgo(59 * 60_000));
    const replayed = await verify(stampedAgo(2 * 3_600_000));
    const ahead = await verify(stampedAgo(-10 * 60_000));

    // assess
    expect(lastRetry).toEqual({ ok: true });
    expect(refused(replayed)).toMatchObject({ code: 'stale', reason: /2026-12-02T08:00:00.000Z/ });
    expect(refused(ahead)).toMatchObject({ code: 'stale' });
  });

  it('fetches the certificate once for many messages, sequential and concurrent', async () => {
    const server = await startCertServer();
    try {
      const verify = verifier({ trustedCertHosts: [server.host] });
      const messages = Array.from({ length: 20 }, (_, index) =>
        signed({ ...cloudwatchAlarm, MessageId: `m-${index}` }, index % 2 ? '2' : '1', server.certUrl),
      );
      const verdicts = await Promise.all(messages.slice(0, 10).map((message) => verify(message)));
      for (const message of messages.slice(10)) verdicts.push(await verify(message));
      expect(verdicts).toEqual(messages.map(() => ({ ok: true })));
      expect(server.requests()).toBe(1);
      // Another verifier has its own cache.
      await verifier({ trustedCertHosts: [server.host] })(messages[0] ?? {});
      expect(server.requests()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('keeps the cache bounded: the least recently used URL is fetched again', async () => {
    const fetchCert = jest.fn(async (_url: string) => SNS_TEST_CERT);
    const verify = createSnsVerifier({
      signatures: 'require',
      trustedCertHosts: ['certs.example.test'],
      fetchCert,
    });
    const urlOf = (index: number) => `https://certs.example.test/cert-${index}.pem`;
    for (let index = 0; index <= CERT_CACHE_SIZE; index += 1) {
      await expect(verify(signed(cloudwatchAlarm, '2', urlOf(index)))).resolves.toEqual({ ok: true });
    }
    expect(fetchCert).toHaveBeenCalledTimes(CERT_CACHE_SIZE + 1);
    await verify(signed(cloudwatchAlarm, '2', urlOf(CERT_CACHE_SIZE)));
    expect(fetchCert).toHaveBeenCalledTimes(CERT_CACHE_SIZE + 1);
    await verify(signed(cloudwatchAlarm, '2', urlOf(0)));
    expect(fetchCert).toHaveBeenCalledTimes(CERT_CACHE_SIZE + 2);
  });

  it('refuses envelopes that are not SNS messages or miss a signed field', async () => {
    expect(refused(await verifier()({ ...signed(cloudwatchAlarm), Type: 'Telegram' })).code).toBe(
      'malformed',
    );
    const { Timestamp: _t, ...noTimestamp } = cloudwatchAlarm;
    const message = signSnsEnvelope(noTimestamp, { certUrl: certs.certUrl });
    expect(refused(await verifier()(message))).toMatchObject({ code: 'malformed', reason: /Timestamp/ });
  });

  it('refuses host rules that are not host or host:port', () => {
    expect(() => createSnsVerifier({ signatures: 'require', trustedCertHosts: ['https://x.test/'] })).toThrow(
      /not a host/,
    );
  });
});

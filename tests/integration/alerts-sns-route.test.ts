/**
 * SNS over HTTP into the local server's CloudWatch route (issue 10, "Trusted sources"): accepted only
 * when its signature verifies against a certificate from a trusted host (here a test certificate
 * served on loopback, trusted through SNS_TRUSTED_CERT_HOSTS) and, with ALERTS_SNS_TOPIC_ARNS, only
 * from those topics. A forged, altered, unsigned or foreign-topic message gets 403 and nothing is
 * written. The bearer token still applies on top.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Harness, startHarness } from '../helpers/harness';
import { type CertServer, SNS_OTHER_KEY, signSnsEnvelope, startCertServer } from '../helpers/sns-signing';

const TOKEN = 't0ken';
const SAMPLE = JSON.parse(
  readFileSync(path.join(__dirname, '..', 'fixtures', 'alerts', 'cloudwatch-alarm-sns.json'), 'utf8'),
) as Record<string, unknown>;
const TOPIC = String(SAMPLE.TopicArn);
const FOREIGN_TOPIC = TOPIC.replace(/:[^:]+$/, ':someone-elses-topic');

let certs: CertServer;
let harness: Harness;

beforeAll(async () => {
  certs = await startCertServer();
  harness = await startHarness({
    env: { ALERT_TOKEN: TOKEN, SNS_TRUSTED_CERT_HOSTS: certs.host, ALERTS_SNS_TOPIC_ARNS: TOPIC },
  });
});
afterAll(async () => {
  await harness.close();
  await certs.close();
});

/** AWS's sample alarm notification as a new delivery (its own MessageId), optionally changed. */
function envelope(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...SAMPLE, MessageId: randomUUID(), ...changes };
}

async function post(
  body: Record<string, unknown>,
  token = TOKEN,
): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${harness.server.url}/alerts/cloudwatch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain; charset=UTF-8' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { error?: string };
  return { status: response.status, ...(json.error ? { error: json.error } : {}) };
}

const openIncidents = async () => (await harness.server.store.listOpenIncidents()).length;

describe('SNS over HTTP', () => {
  it.each([
    [
      'a forged signature (another key)',
      () => signSnsEnvelope(envelope(), { certUrl: certs.certUrl, key: SNS_OTHER_KEY }),
      /signature/i,
    ],
    [
      'a message altered after signing',
      () => ({
        ...signSnsEnvelope(envelope(), { certUrl: certs.certUrl }),
        Subject: 'ALARM: something else',
      }),
      /signature/i,
    ],
    [
      'an unsigned message',
      () => envelope({ Signature: undefined, SigningCertURL: undefined }),
      /unsigned|signature/i,
    ],
    [
      'a certificate from a host not trusted',
      () => signSnsEnvelope(envelope(), { certUrl: 'https://sns.evil.example.com/cert.pem' }),
      /cert/i,
    ],
    [
      'another topic',
      () => signSnsEnvelope(envelope({ TopicArn: FOREIGN_TOPIC }), { certUrl: certs.certUrl }),
      /topic/i,
    ],
  ])('refuses %s with 403 and writes nothing', async (_, make, reason) => {
    const before = await openIncidents();
    const answer = await post(make());
    expect(answer.status).toBe(403);
    expect(answer.error).toMatch(reason);
    expect(await openIncidents()).toBe(before);
  });

  it('still needs the token on top of a good signature', async () => {
    const answer = await post(signSnsEnvelope(envelope(), { certUrl: certs.certUrl }), 'wrong');
    expect(answer.status).toBe(401);
  });

  it.each(['1', '2'] as const)(
    'opens an incident from a message signed with SignatureVersion %s',
    async (version) => {
      // A different alarm per version, so each opens its own incident.
      const message = JSON.parse(String(SAMPLE.Message)) as Record<string, unknown>;
      const signed = signSnsEnvelope(
        envelope({ Message: JSON.stringify({ ...message, AlarmName: `checkout-signed-v${version}` }) }),
        { certUrl: certs.certUrl, version },
      );
      const before = await openIncidents();
      const answer = await post(signed);
      expect(answer).toEqual({ status: 200 });
      expect(await openIncidents()).toBe(before + 1);
    },
  );
});

/**
 * Signs SNS envelopes the way Amazon SNS does, with the test key in tests/fixtures/sns/, and serves
 * the matching self-signed certificate on loopback so a verifier can fetch it over real HTTP.
 *
 * The string to sign is written out here independently of lambda/alerts/sns-signature.ts, from the
 * AWS documentation, so a mistake there is not mirrored here.
 */
import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'sns');

/** The private key whose certificate is {@link SNS_TEST_CERT} (CN=sns.local, valid until 2036). */
export const SNS_TEST_KEY = readFileSync(path.join(FIXTURES, 'key.pem'), 'utf8');
/** Self-signed certificate for {@link SNS_TEST_KEY}. */
export const SNS_TEST_CERT = readFileSync(path.join(FIXTURES, 'cert.pem'), 'utf8');
/** Another RSA key, with no certificate: signatures made with it are forgeries. */
export const SNS_OTHER_KEY = readFileSync(path.join(FIXTURES, 'other-key.pem'), 'utf8');

export const SNS_CERT_PATH = '/SimpleNotificationService-test.pem';

const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** AWS's string to sign: `Name\nvalue\n` per field, in order; `Subject` only when present. */
export function stringToSign(envelope: Record<string, unknown>): string {
  const fields = SIGNED_FIELDS[String(envelope.Type)];
  if (!fields) throw new Error(`cannot sign an SNS message of Type ${String(envelope.Type)}`);
  return fields
    .filter((field) => envelope[field] !== undefined)
    .map((field) => `${field}\n${String(envelope[field])}\n`)
    .join('');
}

export interface SignOptions {
  /** SignatureVersion: '1' SHA1withRSA (default, as SNS sends unless the topic says otherwise), '2' SHA256withRSA. */
  version?: '1' | '2';
  /** PEM private key; default {@link SNS_TEST_KEY}. */
  key?: string;
  /** SigningCertURL to put in the envelope; default: keep the envelope's. */
  certUrl?: string;
  /**
   * Timestamp to put in the envelope (when it has one): default now, as SNS stamps what it sends; the
   * verifier refuses messages older than SNS's retries last.
   */
  timestamp?: string;
}

/** A copy of the envelope with SignatureVersion, Signature (and SigningCertURL) as SNS would send it. */
export function signSnsEnvelope(
  envelope: Record<string, unknown>,
  options: SignOptions = {},
): Record<string, unknown> {
  const version = options.version ?? '1';
  const signed: Record<string, unknown> = { ...envelope, SignatureVersion: version };
  if (options.certUrl) signed.SigningCertURL = options.certUrl;
  if ('Timestamp' in envelope) signed.Timestamp = options.timestamp ?? new Date().toISOString();
  const hash = version === '2' ? 'sha256' : 'sha1';
  signed.Signature = sign(
    hash,
    Buffer.from(stringToSign(signed), 'utf8'),
    options.key ?? SNS_TEST_KEY,
  ).toString('base64');
  return signed;
}

export interface CertServer {
  /** `127.0.0.1:<port>`: what SNS_TRUSTED_CERT_HOSTS needs to trust this server. */
  host: string;
  port: number;
  /** The certificate's URL, for SigningCertURL. */
  certUrl: string;
  /** How many certificate requests were served. */
  requests(): number;
  close(): Promise<void>;
}

/** Serves `cert` (default {@link SNS_TEST_CERT}) at {@link SNS_CERT_PATH} on 127.0.0.1, any other path 404. */
export async function startCertServer(cert: string = SNS_TEST_CERT): Promise<CertServer> {
  let requests = 0;
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === SNS_CERT_PATH) {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/x-pem-file' });
      response.end(cert);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    host,
    port,
    certUrl: `http://${host}${SNS_CERT_PATH}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

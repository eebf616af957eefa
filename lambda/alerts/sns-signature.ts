/**
 * Verifies an Amazon SNS message delivered over HTTP(S) as AWS documents it ("Verifying the
 * signatures of Amazon SNS messages"): the string to sign is built from the envelope's fields in a
 * fixed order per `Type`, and checked against the public key of the certificate at `SigningCertURL`
 * (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA).
 *
 * A message stamped (`Timestamp`) more than SNS_MAX_AGE_MS ago, or ahead of our clock, is a replay.
 *
 * The certificate is only fetched from a trusted host: by default https on `sns.<region>.amazonaws.com`
 * or `sns.<region>.amazonaws.com.cn`; `trustedCertHosts` replaces that default (tests, private
 * partitions), and plain http is accepted only for loopback hosts. Certificates are fetched with a
 * timeout and a size cap, without following redirects, and cached per URL in a bounded cache.
 */
import { verify, X509Certificate } from 'node:crypto';

export interface SnsTrust {
  /** `off` skips the signature (local experiments with unsigned envelopes); the topic check still applies. */
  signatures: 'require' | 'off';
  /** Hosts (`host` or `host:port`) allowed in `SigningCertURL`; replaces the AWS default. */
  trustedCertHosts?: string[];
  /** When set, only messages from these topics are accepted. */
  topicArns?: string[];
  /** Fetches a certificate's PEM text; by default https/http GET with a timeout and a size cap. */
  fetchCert?: (url: string) => Promise<string>;
  /** The clock for the certificate's validity dates (tests). */
  now?: () => Date;
}

export type SnsRefusal =
  | 'malformed'
  | 'foreign-topic'
  | 'unsigned'
  | 'unknown-signature-version'
  | 'untrusted-cert-url'
  | 'cert-fetch-failed'
  | 'cert-invalid'
  | 'signature-mismatch'
  | 'stale';

export type SnsVerdict = { ok: true } | { ok: false; code: SnsRefusal; reason: string };

/** The string-to-sign fields, in AWS's order; `Subject` only when present. */
const FIELDS: Record<string, readonly string[]> = {
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
const OPTIONAL_FIELDS = new Set(['Subject']);

const HASHES: Record<string, string> = { '1': 'sha1', '2': 'sha256' };

const AWS_CERT_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export const CERT_FETCH_TIMEOUT_MS = 5_000;
export const CERT_MAX_BYTES = 64 * 1024;
export const CERT_CACHE_SIZE = 32;
/**
 * How old a signed message may be: SNS retries an HTTP(S) delivery for at most 3,600 s (a hard limit,
 * "Amazon SNS message delivery retries"), plus leeway for clocks. Older, it is a replay: a captured
 * ALARM sent again after its incident was resolved would open a new one.
 */
export const SNS_MAX_AGE_MS = 3_600_000 + 5 * 60_000;
/** How far ahead of our clock a Timestamp may be. */
export const SNS_MAX_SKEW_MS = 5 * 60_000;

function refuse(code: SnsRefusal, reason: string): SnsVerdict {
  return { ok: false, code, reason };
}

/**
 * The string AWS signed: for each field of the type, `name\nvalue\n`. Returns a reason instead when a
 * field is missing or not text.
 */
export function snsStringToSign(envelope: Record<string, unknown>): string | { error: string } {
  const type = envelope.Type;
  const fields = typeof type === 'string' && Object.hasOwn(FIELDS, type) ? FIELDS[type] : undefined;
  if (!fields) return { error: `unknown SNS message Type ${JSON.stringify(type)}` };
  let text = '';
  for (const field of fields) {
    const value = envelope[field];
    if (value === undefined && OPTIONAL_FIELDS.has(field)) continue;
    if (typeof value !== 'string') return { error: `SNS ${type} without a text ${field}` };
    text += `${field}\n${value}\n`;
  }
  return text;
}

interface HostRule {
  hostname: string;
  /** Unset: any port. */
  port?: string;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
export function parseHostRule(entry: string): HostRule | undefined {
  const trimmed = entry.trim().toLowerCase();
  if (!trimmed || /[/?#@\s]/.test(trimmed)) return undefined;
  const bracketed =
    trimmed.includes(':') && (trimmed.match(/:/g)?.length ?? 0) > 1 && !trimmed.startsWith('[');
  let url: URL;
  try {
    url = new URL(`http://${bracketed ? `[${trimmed}]` : trimmed}`);
  } catch {
    return undefined;
  }
  if (url.pathname !== '/' || url.username || url.password) return undefined;
  // new URL drops port 80 for http; keep what was written.
  const written = /:(\d+)$/.exec(trimmed);
  const port = url.port || (written && !bracketed ? written[1] : undefined);
  return port ? { hostname: url.hostname, port } : { hostname: url.hostname };
}

function certUrlProblem(raw: unknown, rules: HostRule[] | undefined): string | undefined {
  if (typeof raw !== 'string' || !raw) return 'no SigningCertURL';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `SigningCertURL is not a URL: ${raw}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `SigningCertURL must be https: ${raw}`;
  }
  if (url.username || url.password) return `SigningCertURL carries credentials: ${url.host}`;
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return `SigningCertURL over plain http is allowed only on loopback hosts, not ${url.host}`;
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const trusted = rules
    ? rules.some((rule) => rule.hostname === url.hostname && (!rule.port || rule.port === port))
    : url.protocol === 'https:' && !url.port && AWS_CERT_HOST.test(url.hostname);
  if (!trusted) return `untrusted certificate host ${url.host} in SigningCertURL`;
  return undefined;
}

/** GET with a timeout, no redirects, and a cap on the body size. */
export async function fetchCertificate(url: string): Promise<string> {
  const response = await fetch(url, {
    redirect: 'error',
    signal: AbortSignal.timeout(CERT_FETCH_TIMEOUT_MS),
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > CERT_MAX_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`certificate larger than ${CERT_MAX_BYTES} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > CERT_MAX_BYTES) {
        await reader.cancel().catch(() => undefined);
        throw new Error(`certificate larger than ${CERT_MAX_BYTES} bytes`);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A small LRU of parsed certificates (in flight or done), keyed by URL. */
class CertCache {
  private readonly entries = new Map<string, Promise<X509Certificate>>();
  constructor(private readonly limit: number) {}

  get(url: string, load: () => Promise<X509Certificate>): Promise<X509Certificate> {
    const hit = this.entries.get(url);
    if (hit) {
      this.entries.delete(url);
      this.entries.set(url, hit);
      return hit;
    }
    const pending = load();
    this.entries.set(url, pending);
    // A failed fetch is not remembered: the next message tries again.
    pending.catch(() => {
      if (this.entries.get(url) === pending) this.entries.delete(url);
    });
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return pending;
  }
}

class CertFetchError extends Error {}

export function createSnsVerifier(
  trust: SnsTrust,
): (envelope: Record<string, unknown>) => Promise<SnsVerdict> {
  const rules = trust.trustedCertHosts?.map((entry) => {
    const rule = parseHostRule(entry);
    if (!rule) throw new Error(`not a host or host:port: ${JSON.stringify(entry)}`);
    return rule;
  });
  const topics = trust.topicArns ? new Set(trust.topicArns) : undefined;
  const fetchCert = trust.fetchCert ?? fetchCertificate;
  const now = trust.now ?? (() => new Date());
  const cache = new CertCache(CERT_CACHE_SIZE);

  const loadCert = (url: string) =>
    cache.get(url, async () => {
      let pem: string;
      try {
        pem = await fetchCert(url);
      } catch (error) {
        throw new CertFetchError(`cannot fetch the signing certificate ${url}: ${(error as Error).message}`);
      }
      try {
        return new X509Certificate(pem);
      } catch (error) {
        throw new CertFetchError(
          `the signing certificate at ${url} does not parse: ${(error as Error).message}`,
        );
      }
    });

  return async (envelope) => {
    const type = envelope.Type;
    if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) {
      return refuse('malformed', `unknown SNS message Type ${JSON.stringify(type)}`);
    }
    if (topics) {
      const topic = envelope.TopicArn;
      if (typeof topic !== 'string' || !topics.has(topic)) {
        return refuse('foreign-topic', `topic ${JSON.stringify(topic)} is not in ALERTS_SNS_TOPIC_ARNS`);
      }
    }
    if (trust.signatures === 'off') return { ok: true };

    const signature = envelope.Signature;
    const version = envelope.SignatureVersion;
    if (typeof signature !== 'string' || !signature || version === undefined) {
      return refuse('unsigned', 'unsigned SNS message (no Signature or SignatureVersion)');
    }
    const hash = typeof version === 'string' && Object.hasOwn(HASHES, version) ? HASHES[version] : undefined;
    if (!hash) {
      return refuse(
        'unknown-signature-version',
        `unknown SignatureVersion ${JSON.stringify(version)} (1 or 2)`,
      );
    }
    const urlProblem = certUrlProblem(envelope.SigningCertURL, rules);
    if (urlProblem) return refuse('untrusted-cert-url', urlProblem);
    const signed = snsStringToSign(envelope);
    if (typeof signed !== 'string') return refuse('malformed', signed.error);

    let cert: X509Certificate;
    try {
      cert = await loadCert(envelope.SigningCertURL as string);
    } catch (error) {
      return refuse('cert-fetch-failed', (error as Error).message);
    }
    const at = now().getTime();
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (!(at >= from && at <= to)) {
      return refuse(
        'cert-invalid',
        `the signing certificate is valid from ${cert.validFrom} to ${cert.validTo}, not now`,
      );
    }
    let valid = false;
    try {
      valid = verify(hash, Buffer.from(signed, 'utf8'), cert.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) return refuse('signature-mismatch', 'the SNS signature does not match the message');
    // Checked once the signature vouches for the Timestamp.
    const sent = Date.parse(envelope.Timestamp as string);
    if (!(sent >= at - SNS_MAX_AGE_MS && sent <= at + SNS_MAX_SKEW_MS)) {
      return refuse(
        'stale',
        `the SNS message is stamped ${String(envelope.Timestamp)}: older than SNS retries for (an hour) or ahead of our clock, so a replay`,
      );
    }
    return { ok: true };
  };
}

/**
 * The gate in front of the alert routes (docs/architecture.md, "Alerts → alert service"). Who may post: whoever holds
 * ALERT_TOKEN, sent as a bearer token or as the password of HTTP basic auth, which is all an SNS
 * subscription URL (`https://user:token@…`) can carry. How much: at most `MAX_ALERT_BODY_BYTES`, checked
 * after the token and before the body is read whole.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * 1 MiB: far above a real notification (Alertmanager's groups are a few KB per alert, SNS caps a
 * message at 256 KB); anything larger gets 413, which senders treat as final rather than retrying.
 */
export const MAX_ALERT_BODY_BYTES = 1024 * 1024;

/**
 * For the 401's WWW-Authenticate header. SNS sends the credentials in its subscription URL only after
 * a challenge that names a realm, so without this header SNS deliveries never authenticate.
 */
export const ALERT_AUTH_CHALLENGE = 'Basic realm="incident-bot alerts"';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && key.toLowerCase() === name) return value;
  }
  return undefined;
}

/** The secret the request presents: the bearer token, or the basic-auth password. */
function presentedSecret(authorization: string): string | undefined {
  const match = /^(\S+)\s+(\S.*)$/.exec(authorization.trim());
  if (!match) return undefined;
  const [, scheme = '', credentials = ''] = match;
  // Auth schemes are case-insensitive (RFC 9110 §11.1).
  switch (scheme.toLowerCase()) {
    case 'bearer':
      return credentials.trim();
    case 'basic': {
      const encoded = credentials.trim();
      if (!BASE64.test(encoded)) return undefined;
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      // The user name cannot hold a colon (RFC 7617), so the password is everything after the first.
      const colon = decoded.indexOf(':');
      return colon < 0 ? undefined : decoded.slice(colon + 1);
    }
    default:
      return undefined;
  }
}

/**
 * Digests first so the comparison always runs over equal lengths and reveals neither the token nor
 * its length through timing.
 */
function sameSecret(presented: string, token: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(token, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function isAuthorizedAlert(
  headers: Record<string, string | undefined>,
  token: string | undefined,
): boolean {
  // No token configured means the alert routes are closed, not open.
  if (!token) return false;
  const authorization = header(headers, 'authorization');
  if (authorization === undefined) return false;
  const presented = presentedSecret(authorization);
  return presented !== undefined && sameSecret(presented, token);
}

/**
 * A local stand-in for PagerDuty's Events API v2 (`POST /v2/enqueue`), so escalation can be exercised in
 * the demo and tests without a PagerDuty account. Validation and response bodies follow PagerDuty's
 * documented shapes; `respondWith` scripts outages (500s, 429s) to exercise the caller's retries,
 * `downFor` an outage of some duration, and `hang` a PagerDuty that never answers (the caller's timeout).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody } from './apigw';

export type PagerDutyEventAction = 'trigger' | 'acknowledge' | 'resolve';
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details?: unknown;
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyEventAction;
  /** The caller's key, or the one generated for a trigger that had none (as PagerDuty does). */
  dedup_key: string;
  payload?: PagerDutyPayload;
  client?: string;
  client_url?: string;
  links?: unknown[];
  images?: unknown[];
  receivedAt: number;
}

export interface PagerDutyAttempt {
  /** The status answered; 0 for a request left unanswered by `hang`. */
  status: number;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  errors?: string[];
  receivedAt: number;
}

export interface PagerDutyStubOptions {
  port?: number;
  delayMs?: number;
  /** PagerDuty integration keys are 32 characters; off by default so demo configs can use readable keys. */
  strictRoutingKey?: boolean;
}

export interface PagerDutyStub {
  /** The full events endpoint, e.g. http://127.0.0.1:54321/v2/enqueue */
  url: string;
  /** Accepted events only. */
  events: PagerDutyEvent[];
  /** Every request, accepted or not, with the status it was answered with. */
  attempts: PagerDutyAttempt[];
  /** Statuses for the next requests, in order; afterwards requests are validated normally (202/400). */
  respondWith(statuses: number[]): void;
  /**
   * While on, requests are recorded (status 0) and never answered: each socket stays open until the
   * client gives up or the stub closes. Turning it off leaves those requests unanswered; new ones are
   * answered again.
   */
  hang(on: boolean): void;
  /**
   * For the next `ms` of real time every request is answered with `status` (default 500), before any
   * `respondWith` script or validation; afterwards requests are handled as before.
   */
  downFor(ms: number, status?: number): void;
  setDelay(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

const ACTIONS: readonly string[] = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES: readonly string[] = ['critical', 'error', 'warning', 'info'];
const MAX_BODY_BYTES = 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

/** PagerDuty's wording, so a caller logging `errors` sees what production would say. */
export function validatePagerDutyEvent(body: unknown, strictRoutingKey = false): string[] {
  if (!isRecord(body)) return ['Event object is invalid'];
  const errors: string[] = [];
  if (isBlank(body.routing_key)) {
    errors.push("'routing_key' is missing or blank");
  } else if (strictRoutingKey && String(body.routing_key).length !== 32) {
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  }
  const action = body.event_action;
  if (isBlank(action)) {
    errors.push("'event_action' is missing or blank");
  } else if (!ACTIONS.includes(String(action))) {
    errors.push(
      "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
    );
  }
  if (body.dedup_key !== undefined) {
    if (typeof body.dedup_key !== 'string') errors.push("'dedup_key' must be a string");
    else if (body.dedup_key.length > 255) errors.push("Length of 'dedup_key' is too long (maximum is 255)");
  }
  if ((action === 'acknowledge' || action === 'resolve') && isBlank(body.dedup_key)) {
    errors.push("'dedup_key' is missing or blank");
  }
  if (action === 'trigger') {
    const payload = body.payload;
    if (!isRecord(payload)) {
      errors.push("'payload' is missing or invalid");
    } else {
      if (isBlank(payload.summary)) errors.push("'payload.summary' is missing or blank");
      if (isBlank(payload.source)) errors.push("'payload.source' is missing or blank");
      if (!SEVERITIES.includes(String(payload.severity))) {
        errors.push(
          "'payload.severity' is missing or invalid (must be one of the following: 'critical', 'error', 'warning' or 'info')",
        );
      }
      if (payload.timestamp !== undefined && Number.isNaN(Date.parse(String(payload.timestamp)))) {
        errors.push("'payload.timestamp' is invalid (must be an ISO 8601 timestamp)");
      }
    }
  }
  return errors;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function scriptedBody(status: number): Record<string, unknown> {
  if (status === 429) {
    return {
      status: 'throttle event',
      message: 'Requests for this service are arriving too quickly. Please retry later.',
    };
  }
  if (status === 400) {
    return {
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: ['Scripted by respondWith'],
    };
  }
  return { status: 'error', message: STATUS_CODES[status] ?? 'Error' };
}

export async function startPagerDutyStub(options: PagerDutyStubOptions = {}): Promise<PagerDutyStub> {
  const events: PagerDutyEvent[] = [];
  const attempts: PagerDutyAttempt[] = [];
  const scripted: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const hungSockets = new Set<Socket>();
  let delayMs = options.delayMs ?? 0;
  let hanging = false;
  let down: { until: number; status: number } | undefined;
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const text = await readBody(req, MAX_BODY_BYTES);
    await sleep(delayMs);
    if (closed) return;
    const receivedAt = Date.now();
    if (path !== '/v2/enqueue') {
      send(res, 404, { status: 'error', message: 'Not Found' });
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { status: 'error', message: 'Method Not Allowed' });
      return;
    }

    let body: unknown;
    let malformed = false;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
      malformed = true;
    }

    if (hanging) {
      attempts.push({ status: 0, body, receivedAt });
      const socket = req.socket;
      hungSockets.add(socket);
      socket.once('close', () => hungSockets.delete(socket));
      return;
    }
    if (down && receivedAt < down.until) {
      attempts.push({ status: down.status, body, receivedAt });
      send(res, down.status, scriptedBody(down.status));
      return;
    }

    const forced = scripted.shift();
    if (forced !== undefined && forced !== 202) {
      attempts.push({ status: forced, body, receivedAt });
      send(res, forced, scriptedBody(forced));
      return;
    }

    const errors = malformed
      ? ['Event object is invalid: body is not valid JSON']
      : validatePagerDutyEvent(body, options.strictRoutingKey);
    if (errors.length > 0 || !isRecord(body)) {
      attempts.push({ status: 400, body, errors, receivedAt });
      send(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
      return;
    }

    const dedupKey = typeof body.dedup_key === 'string' ? body.dedup_key : randomBytes(16).toString('hex');
    const event: PagerDutyEvent = {
      routing_key: String(body.routing_key),
      event_action: body.event_action as PagerDutyEventAction,
      dedup_key: dedupKey,
      receivedAt,
    };
    if (isRecord(body.payload)) event.payload = body.payload as unknown as PagerDutyPayload;
    if (typeof body.client === 'string') event.client = body.client;
    if (typeof body.client_url === 'string') event.client_url = body.client_url;
    if (Array.isArray(body.links)) event.links = body.links;
    if (Array.isArray(body.images)) event.images = body.images;
    events.push(event);
    attempts.push({ status: 202, body, receivedAt });
    send(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { status: 'error', message: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    events,
    attempts,
    respondWith(statuses) {
      scripted.push(...statuses);
    },
    hang(on) {
      hanging = on;
    },
    downFor(ms, status = 500) {
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw new TypeError(`downFor: status must be an HTTP status, got ${status}`);
      }
      down = { until: Date.now() + Math.max(0, ms), status };
    },
    setDelay(ms) {
      delayMs = Math.max(0, ms);
    },
    reset() {
      events.length = 0;
      attempts.length = 0;
      scripted.length = 0;
      delayMs = options.delayMs ?? 0;
      hanging = false;
      down = undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of hungSockets) socket.destroy();
      hungSockets.clear();
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      // fetch keeps sockets alive; without this close() waits for them to idle out.
      server.closeAllConnections();
      await closing;
    },
  };
}

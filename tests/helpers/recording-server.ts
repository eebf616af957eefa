/**
 * An HTTP server on 127.0.0.1 standing in for whatever the code under test calls (a webhook receiver,
 * Opsgenie, a response_url, Secrets Manager…): it records every request and answers as the test says.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The path with its query string, as sent (`/hooks/incident?token=…`). */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How to answer one request; `'hang'` never answers (the client's timeout is what ends it). */
export type Answer =
  | 'hang'
  | {
      status?: number;
      headers?: Record<string, string>;
      /** A string is sent as is; anything else as JSON. */
      body?: unknown;
      /** Waits this long before answering. */
      delayMs?: number;
    };

export interface RecordingServer {
  /** `http://127.0.0.1:port`, no trailing slash. */
  url: string;
  /** `127.0.0.1:port`. */
  host: string;
  /** Every request so far, in arrival order (recorded once its body has arrived). */
  requests: RecordedRequest[];
  /** The bodies of the requests so far, parsed as JSON. */
  json<T = unknown>(): T[];
  /** Answers the next requests with these, in order; after them, the default answer again. */
  answerNext(...answers: Answer[]): void;
  /** Forgets the requests recorded and the answers queued. */
  reset(): void;
  /** Cuts open connections (hanging ones included) and stops the server. */
  close(): Promise<void>;
}

export interface RecordingServerOptions {
  /** The answer when none is queued: fixed, or decided per request. 200 with an empty body by default. */
  answer?: Answer | ((request: RecordedRequest) => Answer);
}

export async function startRecordingServer(options: RecordingServerOptions = {}): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const queued: Answer[] = [];
  const byDefault = options.answer ?? {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const answer = queued.shift() ?? (typeof byDefault === 'function' ? byDefault(request) : byDefault);
      if (answer === 'hang') return;
      const send = () => {
        const body =
          answer.body === undefined || typeof answer.body === 'string'
            ? (answer.body ?? '')
            : JSON.stringify(answer.body);
        res.writeHead(answer.status ?? 200, answer.headers).end(body);
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    requests,
    json: <T>() => requests.map((request) => JSON.parse(request.body) as T),
    answerNext: (...answers) => void queued.push(...answers),
    reset() {
      requests.length = 0;
      queued.length = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

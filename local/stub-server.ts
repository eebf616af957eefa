/**
 * What the tracker stand-ins (jira-stub.ts, linear-stub.ts) share: the HTTP server on 127.0.0.1, and
 * the faults a test scripts for the next requests (a status, a request never answered, a request
 * handled but its answer lost).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A scripted answer for the next request: the stand-in's own kind (a status…), or one of these. */
export type ScriptedFault<Own> =
  | Own
  /** Never answer. */
  | 'hang'
  /** Handle the request as usual, then never answer: the caller cannot know it succeeded. */
  | 'drop'
  /** Handle the request as usual (to script a fault for a later one). */
  | 'pass';

/** The part of a stand-in's interface that scripts faults. */
export interface FaultScript<Own> {
  /** Answers the next requests with these, in order. */
  failNext(...faults: ScriptedFault<Own>[]): void;
  hangNext(count: number): void;
  dropNext(count: number): void;
}

/** What a tracker stand-in offers a test besides its vendor's API. */
export interface StandInControls<Own> extends FaultScript<Own> {
  /** Forgets the calls, the issues and the scripted faults. */
  reset(): void;
  /** Stops the server, ending the requests left unanswered. */
  close(): Promise<void>;
}

/** The faults scripted for the next requests, first come first taken. */
export class FaultQueue<Own> {
  private readonly queue: ScriptedFault<Own>[] = [];

  /** The fault for the request at hand; undefined when none is scripted (or it is `pass`). */
  take(): Exclude<ScriptedFault<Own>, 'pass'> | undefined {
    const next = this.queue.shift();
    return next === 'pass' ? undefined : (next as Exclude<ScriptedFault<Own>, 'pass'> | undefined);
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** `failNext`, `hangNext` and `dropNext`, for the stand-in's interface. */
  script(): FaultScript<Own> {
    return {
      failNext: (...faults) => {
        this.queue.push(...faults);
      },
      hangNext: (count) => {
        for (let i = 0; i < count; i++) this.queue.push('hang');
      },
      dropNext: (count) => {
        for (let i = 0; i < count; i++) this.queue.push('drop');
      },
    };
  }
}

/**
 * `StandInControls` over a stand-in's server, fault queue and records (`reset` empties each of
 * `records`, e.g. its calls and issues).
 */
export function standInControls<Own>(
  server: StubServer,
  faults: FaultQueue<Own>,
  records: unknown[][],
): StandInControls<Own> {
  return {
    ...faults.script(),
    reset() {
      for (const record of records) record.length = 0;
      faults.clear();
    },
    close: () => server.close(),
  };
}

export type StubHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * An HTTP server on 127.0.0.1 for a stand-in. A handler that throws answers 500 with
 * `internalError(error)` as JSON; `close` also ends the requests left unanswered.
 */
export class StubServer {
  private readonly server: Server;
  private readonly hung = new Set<Socket>();

  constructor(handle: StubHandler, internalError: (error: unknown) => unknown) {
    this.server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify(internalError(error)));
        }
      });
    });
  }

  /** Listens on `port` (default: any free one); resolves with `http://127.0.0.1:<port>`. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Never answers `req`: its connection stays open until the caller gives up or the server closes. */
  leaveUnanswered(req: IncomingMessage): void {
    this.hung.add(req.socket);
    req.socket.once('close', () => this.hung.delete(req.socket));
  }

  async close(): Promise<void> {
    for (const socket of this.hung) socket.destroy();
    this.hung.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closing;
  }
}

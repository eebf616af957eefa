/**
 * Issue trackers where follow-ups become tickets (docs/trackers.md): GitHub Issues, Jira Cloud,
 * Linear. The domain sees only `Tracker`; each adapter (github.ts, jira.ts, linear.ts) speaks its
 * vendor's API over `fetch`, and its webhook module verifies and reads the vendor's status events.
 */

export type TrackerKind = 'github' | 'jira' | 'linear';

/** A link in a ticket's body, rendered as each tracker renders links (Markdown, ADF). */
export interface TicketLink {
  text: string;
  url: string;
}

export interface TicketRequest {
  /** The follow-up's text; adapters cut it to their title limit, marking the cut. */
  title: string;
  /** Plain text paragraphs (no markup: each adapter renders them safely). */
  paragraphs: readonly string[];
  /** The incident channel, the postmortem… shown as a list of links under the paragraphs. */
  links: readonly TicketLink[];
  /** Already including `incident`, `INC-n` and the severity. */
  labels: readonly string[];
  /** The tracker's own id of the assignee (GitHub login, Jira account id, Linear user id). */
  assignee?: string;
  /**
   * Names this request (the follow-up's id): an adapter that can find a ticket it created before
   * by it does so, so a retry after a lost answer does not create a second ticket.
   */
  idempotencyKey: string;
}

export interface Ticket {
  tracker: TrackerKind;
  /** How people name it: `acme/ops#42`, `OPS-12`, `ENG-7`. */
  key: string;
  url: string;
  /** The vendor's id, for status lookups and webhook matching (issue number, Jira id, Linear id). */
  id: string;
}

export type TicketState = 'open' | 'closed';

export interface TicketStatus {
  state: TicketState;
  /** ISO UTC, when closed and the tracker says when. */
  closedAt?: string;
}

/** A status change a tracker's webhook reported, for the ticket it names. */
export interface TicketEvent {
  tracker: TrackerKind;
  /** Matches `Ticket.id` (or `Ticket.key` where the vendor sends only that). */
  id: string;
  key?: string;
  state: TicketState;
  /** ISO UTC of the change. */
  at: string;
}

export interface Tracker {
  readonly kind: TrackerKind;
  create(request: TicketRequest): Promise<Ticket>;
  /** For polling where no webhook is configured. */
  status(ticket: Ticket): Promise<TicketStatus>;
}

/** A failed tracker call: `retryable` for network errors, timeouts, 429 and 5xx. */
export class TrackerError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; status?: number; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrackerError';
    this.status = options?.status;
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
}

/** Verifies and reads one vendor's webhook deliveries (routes `POST /webhooks/<kind>`). */
export interface TrackerWebhook {
  readonly kind: TrackerKind;
  /** True only for a delivery signed with `secret` as the vendor documents (constant-time compare). */
  verify(headers: Readonly<Record<string, string | undefined>>, rawBody: string, secret: string): boolean;
  /**
   * The ticket status change the delivery reports; undefined for events that change no status.
   * `headers` for vendors that name the event in a header (GitHub's `X-GitHub-Event`).
   */
  read(body: unknown, headers?: Readonly<Record<string, string | undefined>>): TicketEvent | undefined;
}

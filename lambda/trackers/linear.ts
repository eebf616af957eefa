/**
 * Linear (GraphQL, https://api.linear.app/graphql) as a `Tracker`, and its webhook.
 *
 * Calls (each named, checked by the stand-in against Linear's schema, trimmed in
 * tests/fixtures/vendor/linear-schema.graphql):
 * - `IncidentBotTeam`: `teams(filter: {key: {eq}})` → the team id, once per tracker (cached).
 * - `IncidentBotLabels` / `IncidentBotLabelCreate`: labels are objects in Linear, found by name
 *   ignoring case (`issueLabels(filter: {or: [{name: {eqIgnoreCase}}…]})`, workspace labels or the
 *   team's) or created
 *   (`issueLabelCreate(input: {name, teamId})`); ids cached per name.
 * - `IncidentBotFind` / `IncidentBotCreate`: `issues(filter: {id: {eq}})`, then
 *   `issueCreate(input: {id, teamId, title, description, assigneeId, labelIds})`.
 * - `IncidentBotStatus`: `issue(id)` → `state.type` (`completed`/`canceled` → closed), `completedAt`,
 *   `canceledAt`.
 * Auth: `Authorization: <personal API key>` (no `Bearer`: that prefix is for OAuth tokens,
 * https://linear.app/developers/graphql#authentication).
 *
 * Idempotency. `IssueCreateInput.id` lets the caller choose the issue's UUID ("The identifier in UUID
 * v4 format. If none is provided, the backend will generate one."), so the id is derived from the
 * request: sha256 of the team key and `idempotencyKey`, shaped as a v4 UUID. `create` looks that id up
 * first and returns the issue when a lost answer had in fact created it; a concurrent twin that loses
 * the race gets Linear's error and finds the winner on its second look. This needs no marker in the
 * description that people could edit away, and is exact (no search index).
 *
 * Errors. GraphQL errors come in the body's `errors[]` (HTTP 200, or 400 for some): `RATELIMITED`
 * is retryable (after `Retry-After`, else the `X-RateLimit-Requests-Reset` epoch ms), every other code
 * is permanent and carries Linear's message. Network errors, timeouts, 429 and 5xx are retryable.
 *
 * Webhook (https://linear.app/developers/webhooks): `Linear-Signature` is the hex HMAC-SHA256 of the
 * raw body under the webhook's signing secret; the body's `webhookTimestamp` (epoch ms) must be within
 * a minute of now, so a captured delivery cannot be replayed later. `type: Issue, action: update`
 * whose `updatedFrom` holds `stateId` is a status change.
 */
import { createHash } from 'node:crypto';
import {
  clipTitle,
  DEFAULT_TRACKER_TIMEOUT_MS,
  type FetchLike,
  headerValue,
  hmacSha256HexMatches,
  isRecord,
  isRetryableStatus,
  retryAfterMs,
  trackerRequest,
} from './http';
import {
  type Ticket,
  type TicketEvent,
  type TicketLink,
  type TicketRequest,
  type TicketStatus,
  type Tracker,
  TrackerError,
  type TrackerWebhook,
} from './tracker';

export const LINEAR_API_URL = 'https://api.linear.app/graphql';
/** Linear's title limit is not published; 255 keeps titles readable and within every other tracker's. */
export const LINEAR_MAX_TITLE = 255;

export interface LinearOptions {
  /** Default https://api.linear.app/graphql. */
  apiUrl?: string;
  apiKey: string;
  /** The team's key (`OPS`), as in its issue identifiers. */
  team: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

const TEAM_QUERY = `query IncidentBotTeam($key: String!) {
  teams(filter: { key: { eq: $key } }, first: 1) { nodes { id key } }
}`;

const LABELS_QUERY = `query IncidentBotLabels($filter: IssueLabelFilter!) {
  issueLabels(filter: $filter, first: 250) { nodes { id name team { id } } }
}`;

const LABEL_CREATE = `mutation IncidentBotLabelCreate($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name } }
}`;

const FIND_QUERY = `query IncidentBotFind($id: ID!) {
  issues(filter: { id: { eq: $id } }, first: 1, includeArchived: true) { nodes { id identifier url } }
}`;

const CREATE_MUTATION = `mutation IncidentBotCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}`;

const STATUS_QUERY = `query IncidentBotStatus($id: String!) {
  issue(id: $id) { id identifier state { type } completedAt canceledAt }
}`;

/** The issue id for a request: stable across retries, a well-formed v4 UUID. */
export function linearIssueId(team: string, idempotencyKey: string): string {
  const bytes = createHash('sha256')
    .update(`incident-bot\u0000${team}\u0000${idempotencyKey}`, 'utf8')
    .digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * Plain text made inert for Markdown: every ASCII punctuation character backslash-escaped (CommonMark
 * allows it for all of them), leading indentation dropped (it would make a code block), one line.
 */
export function escapeMarkdown(text: string): string {
  return wellFormed(text)
    .trimStart()
    .replace(/[!-/:-@[-`{-~]/g, (char) => `\\${char}`);
}

function markdownParagraph(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map(escapeMarkdown)
    .filter((line, index, lines) => line !== '' || (index > 0 && index < lines.length - 1))
    .join('\\\n');
}

function markdownLink(link: TicketLink): string {
  const label = escapeMarkdown(link.text.replace(/\s+/g, ' ').trim());
  let href: string | undefined;
  try {
    const parsed = new URL(link.url);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') href = parsed.href;
  } catch {
    href = undefined;
  }
  if (!href) return `- ${[label, escapeMarkdown(link.url)].filter(Boolean).join(': ')}`;
  // In `<…>` a destination may hold anything but `<`, `>` and line ends, which URL parsing encodes.
  const destination = href.replace(/[<>\s]/g, (char) => encodeURIComponent(char));
  return `- [${label || escapeMarkdown(href)}](<${destination}>)`;
}

/** The description in Markdown: the paragraphs escaped, then the links as a list. */
export function linearDescription(request: Pick<TicketRequest, 'paragraphs' | 'links'>): string {
  const blocks = request.paragraphs.map(markdownParagraph).filter((block) => block !== '');
  if (request.links.length > 0) blocks.push(request.links.map(markdownLink).join('\n'));
  return blocks.join('\n\n');
}

interface GraphQLErrorItem {
  message: string;
  code?: string;
}

function graphQLErrors(body: unknown): GraphQLErrorItem[] {
  if (!isRecord(body) || !Array.isArray(body.errors)) return [];
  return body.errors.map((error) => {
    const record = isRecord(error) ? error : {};
    const extensions = isRecord(record.extensions) ? record.extensions : {};
    const message =
      typeof extensions.userPresentableMessage === 'string'
        ? extensions.userPresentableMessage
        : typeof record.message === 'string'
          ? record.message
          : 'unknown error';
    return typeof extensions.code === 'string' ? { message, code: extensions.code } : { message };
  });
}

function rateLimitWait(headers: Headers): number | undefined {
  const after = retryAfterMs(headers.get('retry-after'));
  if (after !== undefined) return after;
  const reset = Number(headers.get('x-ratelimit-requests-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - Date.now()) : undefined;
}

export class LinearTracker implements Tracker {
  readonly kind = 'linear' as const;
  private readonly apiUrl: string;
  private readonly apiKey: string;
  private readonly team: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private teamId: Promise<string> | undefined;
  private readonly labelIds = new Map<string, string>();

  constructor(options: LinearOptions) {
    this.apiUrl = options.apiUrl ?? LINEAR_API_URL;
    this.apiKey = options.apiKey;
    this.team = options.team;
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TRACKER_TIMEOUT_MS;
  }

  /** One GraphQL operation; its `data`, or a `TrackerError` saying what Linear said. */
  private async graphql(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await trackerRequest({
      service: 'Linear',
      method: 'POST',
      url: this.apiUrl,
      body: { query, variables },
      headers: { authorization: this.apiKey },
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      // GraphQL errors may come with 400 (or 401/403); their body says more than the status.
      accept: (status) => status < 500 && status !== 429,
    });
    const errors = graphQLErrors(response.json);
    if (errors.length > 0) {
      const limited = errors.some((error) => error.code === 'RATELIMITED');
      const said = errors.map((error) => (error.code ? `${error.message} (${error.code})` : error.message));
      throw new TrackerError(`Linear answered ${response.status}: ${said.join('; ')}`, limited, {
        status: response.status,
        retryAfterMs: limited ? rateLimitWait(response.headers) : undefined,
      });
    }
    const data = isRecord(response.json) ? response.json.data : undefined;
    if (response.status >= 300 || !isRecord(data)) {
      throw new TrackerError(
        `Linear answered ${response.status} without data${response.text ? `: ${response.text.slice(0, 200)}` : ''}`,
        isRetryableStatus(response.status),
        { status: response.status },
      );
    }
    return data;
  }

  private resolveTeam(): Promise<string> {
    this.teamId ??= (async () => {
      const data = await this.graphql(TEAM_QUERY, { key: this.team });
      const teams = isRecord(data.teams) && Array.isArray(data.teams.nodes) ? data.teams.nodes : [];
      const team = teams.find((node) => isRecord(node) && node.key === this.team) ?? teams[0];
      if (!isRecord(team) || typeof team.id !== 'string') {
        throw new TrackerError(`Linear has no team with the key ${this.team}`, false);
      }
      return team.id;
    })().catch((error: unknown) => {
      this.teamId = undefined;
      throw error;
    });
    return this.teamId;
  }

  /** The ids of these labels (the team's own or the workspace's), created in the team where missing. */
  private async resolveLabels(names: readonly string[], teamId: string): Promise<string[]> {
    // Linear refuses a second label whose name differs only in case, so names are matched without it.
    const byName = new Map<string, string>();
    for (const name of names.map((label) => label.trim()).filter(Boolean)) {
      if (!byName.has(name.toLowerCase())) byName.set(name.toLowerCase(), name);
    }
    const missing = [...byName.entries()].filter(([folded]) => !this.labelIds.has(folded));
    if (missing.length > 0) {
      const filter = { or: missing.map(([, name]) => ({ name: { eqIgnoreCase: name } })) };
      const data = await this.graphql(LABELS_QUERY, { filter });
      const nodes =
        isRecord(data.issueLabels) && Array.isArray(data.issueLabels.nodes) ? data.issueLabels.nodes : [];
      for (const node of nodes) {
        if (!isRecord(node) || typeof node.id !== 'string' || typeof node.name !== 'string') continue;
        const labelTeam = isRecord(node.team) ? node.team.id : undefined;
        if (labelTeam !== undefined && labelTeam !== teamId) continue;
        const folded = node.name.toLowerCase();
        // The team's own label wins over a workspace label of the same name.
        if (!this.labelIds.has(folded) || labelTeam === teamId) this.labelIds.set(folded, node.id);
      }
      for (const [folded, name] of missing) {
        if (this.labelIds.has(folded)) continue;
        const created = await this.graphql(LABEL_CREATE, { input: { name, teamId } });
        const payload = isRecord(created.issueLabelCreate) ? created.issueLabelCreate : undefined;
        const label = payload && isRecord(payload.issueLabel) ? payload.issueLabel : undefined;
        if (!label || typeof label.id !== 'string') {
          throw new TrackerError(`Linear did not create the label ${name}`, false);
        }
        this.labelIds.set(folded, label.id);
      }
    }
    return [...byName.keys()]
      .map((folded) => this.labelIds.get(folded))
      .filter((id): id is string => id !== undefined);
  }

  private async find(id: string): Promise<Ticket | undefined> {
    const data = await this.graphql(FIND_QUERY, { id });
    const nodes = isRecord(data.issues) && Array.isArray(data.issues.nodes) ? data.issues.nodes : [];
    const issue = nodes.find((node) => isRecord(node) && node.id === id);
    return isRecord(issue) ? toTicket(issue) : undefined;
  }

  async create(request: TicketRequest): Promise<Ticket> {
    const id = linearIssueId(this.team, request.idempotencyKey);
    const teamId = await this.resolveTeam();
    const earlier = await this.find(id);
    if (earlier) return earlier;
    const labelIds = await this.resolveLabels(request.labels, teamId);
    const input: Record<string, unknown> = {
      id,
      teamId,
      title: clipTitle(wellFormed(request.title), LINEAR_MAX_TITLE),
      description: linearDescription(request),
    };
    if (request.assignee) input.assigneeId = request.assignee;
    if (labelIds.length > 0) input.labelIds = labelIds;
    let data: Record<string, unknown>;
    try {
      data = await this.graphql(CREATE_MUTATION, { input });
    } catch (error) {
      // A twin request may have created it between our look and our create.
      if (error instanceof TrackerError && !error.retryable) {
        const twin = await this.find(id).catch(() => undefined);
        if (twin) return twin;
      }
      throw error;
    }
    const payload = isRecord(data.issueCreate) ? data.issueCreate : undefined;
    const issue = payload && isRecord(payload.issue) ? payload.issue : undefined;
    const ticket = issue ? toTicket(issue) : undefined;
    if (!payload?.success || !ticket) throw new TrackerError('Linear did not create the issue', false);
    return ticket;
  }

  async status(ticket: Ticket): Promise<TicketStatus> {
    const data = await this.graphql(STATUS_QUERY, { id: ticket.id });
    const issue = isRecord(data.issue) ? data.issue : undefined;
    const state = issue && isRecord(issue.state) ? issue.state.type : undefined;
    if (typeof state !== 'string')
      throw new TrackerError(`Linear answered without a state for ${ticket.key}`, false);
    if (state !== 'completed' && state !== 'canceled') return { state: 'open' };
    const when = state === 'completed' ? issue?.completedAt : issue?.canceledAt;
    const at = typeof when === 'string' ? Date.parse(when) : Number.NaN;
    return Number.isNaN(at) ? { state: 'closed' } : { state: 'closed', closedAt: new Date(at).toISOString() };
  }
}

function toTicket(issue: Record<string, unknown>): Ticket | undefined {
  if (typeof issue.id !== 'string' || typeof issue.identifier !== 'string' || typeof issue.url !== 'string') {
    return undefined;
  }
  return { tracker: 'linear', key: issue.identifier, url: issue.url, id: issue.id };
}

export const LINEAR_SIGNATURE_HEADER = 'linear-signature';
/** How far `webhookTimestamp` may be from now. */
export const LINEAR_WEBHOOK_TOLERANCE_MS = 60_000;

/** The Linear webhook reader; `now` is injectable for the timestamp check. */
export function createLinearWebhook(now: () => number = Date.now): TrackerWebhook {
  return {
    kind: 'linear',
    verify(headers, rawBody, secret) {
      const signature = headerValue(headers, LINEAR_SIGNATURE_HEADER)?.trim();
      if (!hmacSha256HexMatches(secret, rawBody, signature)) return false;
      // Only a signed body is parsed; its timestamp is then as trustworthy as the signature.
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        return false;
      }
      const sent = isRecord(body) ? body.webhookTimestamp : undefined;
      return typeof sent === 'number' && Math.abs(now() - sent) <= LINEAR_WEBHOOK_TOLERANCE_MS;
    },
    read(body): TicketEvent | undefined {
      if (!isRecord(body) || body.type !== 'Issue' || body.action !== 'update') return undefined;
      const from = isRecord(body.updatedFrom) ? body.updatedFrom : undefined;
      if (!from || !('stateId' in from)) return undefined;
      const data = isRecord(body.data) ? body.data : undefined;
      if (!data || typeof data.id !== 'string') return undefined;
      const state = isRecord(data.state) ? data.state.type : undefined;
      if (typeof state !== 'string') return undefined;
      const closed = state === 'completed' || state === 'canceled';
      const stamp = [data.updatedAt, body.createdAt].find((value) => typeof value === 'string');
      const parsed = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN;
      const at = Number.isNaN(parsed)
        ? new Date(typeof body.webhookTimestamp === 'number' ? body.webhookTimestamp : now()).toISOString()
        : new Date(parsed).toISOString();
      const event: TicketEvent = { tracker: 'linear', id: data.id, state: closed ? 'closed' : 'open', at };
      if (typeof data.identifier === 'string') event.key = data.identifier;
      return event;
    },
  };
}

export const linearWebhook: TrackerWebhook = createLinearWebhook();

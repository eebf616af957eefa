/**
 * Jira Cloud (REST v3) as a `Tracker`, and its webhook.
 *
 * Calls (https://developer.atlassian.com/cloud/jira/platform/rest/v3/; the parts used are kept in
 * tests/fixtures/vendor/jira-platform-openapi.json, the ADF nodes in jira-adf-schema.json):
 * - `POST /rest/api/3/search/jql` `{jql, fields, maxResults}`: the enhanced JQL search, which replaced
 *   the deprecated `GET|POST /rest/api/3/search`. Finds a ticket this adapter created before for the
 *   same request.
 * - `POST /rest/api/3/issue` `{fields: {project: {key}, summary, issuetype: {name}, labels, assignee:
 *   {accountId}, description: <ADF doc>}}` → 201 `{id, key, self}`.
 * - `GET /rest/api/3/issue/{id}?fields=status,resolutiondate` → `fields.status.statusCategory.key`.
 * Auth: basic, `email:apiToken` (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/).
 *
 * Idempotency. Jira has no idempotency key on create, so every ticket carries a label
 * `incident-bot-<first 20 hex of sha256(idempotencyKey)>` and `create` first searches
 * `project = "<key>" AND labels = "<that label>"`. A label (rather than an issue property) because
 * labels are settable in the create call itself (one request: no window where the ticket exists
 * without its marker) and are searchable by JQL without indexing configuration. Limit: Jira's search
 * index is eventually consistent, so a retry within a second or two of a create whose answer was
 * lost may not see it yet; retries come from the job queue's back-off, well after that.
 *
 * Webhook (https://developer.atlassian.com/cloud/jira/platform/webhooks/, "Secure admin webhooks"):
 * a webhook registered with a secret carries `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw
 * body>` (WebSub's `method=signature`). Webhooks registered without a secret are not signed and are
 * refused here. `jira:issue_updated` whose changelog touches `status` is read: status category
 * `done` → closed, anything else → open.
 */
import { createHash } from 'node:crypto';
import {
  clipTitle,
  DEFAULT_TRACKER_TIMEOUT_MS,
  type FetchLike,
  headerValue,
  hmacSha256HexMatches,
  isRecord,
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

export interface JiraOptions {
  /** The site, e.g. https://acme.atlassian.net (no trailing path). */
  baseUrl: string;
  email: string;
  apiToken: string;
  /** The project key, e.g. `OPS`. */
  project: string;
  /** The issue type's name in that project; default `Task`. */
  issueType?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** Jira refuses summaries of 255 characters or more ("must be less than 255 characters"). */
export const JIRA_MAX_SUMMARY = 254;
/** Jira's limit on one label. */
const MAX_LABEL = 255;
export const JIRA_IDEMPOTENCY_LABEL_PREFIX = 'incident-bot-';

/** The label that marks the ticket made for `idempotencyKey`. */
export function jiraIdempotencyLabel(idempotencyKey: string): string {
  const hash = createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 20);
  return `${JIRA_IDEMPOTENCY_LABEL_PREFIX}${hash}`;
}

/** Jira labels cannot contain spaces: whitespace runs become `-`, empty labels drop out, no repeats. */
export function jiraLabels(labels: readonly string[]): string[] {
  const out: string[] = [];
  for (const label of labels) {
    const normal = label.trim().replace(/\s+/g, '-').slice(0, MAX_LABEL);
    if (normal && !out.includes(normal)) out.push(normal);
  }
  return out;
}

type AdfMark = { type: 'link'; attrs: { href: string } };
type AdfInline = { type: 'text'; text: string; marks?: AdfMark[] } | { type: 'hardBreak' };
type AdfParagraph = { type: 'paragraph'; content?: AdfInline[] };
type AdfBulletList = { type: 'bulletList'; content: { type: 'listItem'; content: AdfParagraph[] }[] };
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: (AdfParagraph | AdfBulletList)[];
}

/** A lone surrogate cannot be sent in JSON that Jira will read back the same. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** One paragraph of plain text: lines joined by hard breaks; ADF text nodes may not be empty. */
function paragraph(text: string): AdfParagraph {
  const content: AdfInline[] = [];
  const lines = wellFormed(text).split(/\r\n|\r|\n/);
  lines.forEach((line, index) => {
    if (index > 0) content.push({ type: 'hardBreak' });
    if (line) content.push({ type: 'text', text: line });
  });
  return content.length > 0 ? { type: 'paragraph', content } : { type: 'paragraph' };
}

function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function linkItem(link: TicketLink): { type: 'listItem'; content: AdfParagraph[] } {
  const href = safeHref(link.url);
  const label = wellFormed(link.text.replace(/\s+/g, ' ').trim());
  if (!href) {
    // Not a web link: shown as text, never as a link Jira would follow.
    const text = [label, wellFormed(link.url)].filter(Boolean).join(': ');
    return { type: 'listItem', content: [paragraph(text)] };
  }
  const text = label || href;
  return {
    type: 'listItem',
    content: [
      { type: 'paragraph', content: [{ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] }] },
    ],
  };
}

/**
 * The description in Atlassian Document Format: each paragraph as text nodes (ADF is JSON, so user
 * text is data, never markup), then the links as a bullet list of text nodes with a `link` mark.
 */
export function jiraDescription(request: Pick<TicketRequest, 'paragraphs' | 'links'>): AdfDoc {
  const content: AdfDoc['content'] = request.paragraphs.map(paragraph);
  if (request.links.length > 0) {
    content.push({ type: 'bulletList', content: request.links.map(linkItem) });
  }
  return { type: 'doc', version: 1, content };
}

/** A JQL string literal. */
function jqlString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Jira writes `2024-02-18T15:30:00.000+0000`; ISO UTC wants `…Z`. */
export function jiraTimeToIso(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value !== 'string' || !value) return undefined;
  const at = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

export class JiraTracker implements Tracker {
  readonly kind = 'jira' as const;
  private readonly baseUrl: string;
  private readonly authorization: string;
  private readonly project: string;
  private readonly issueType: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;

  constructor(options: JiraOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${options.email}:${options.apiToken}`, 'utf8').toString('base64')}`;
    this.project = options.project;
    this.issueType = options.issueType ?? 'Task';
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TRACKER_TIMEOUT_MS;
  }

  private call(method: 'GET' | 'POST', path: string, body?: unknown) {
    return trackerRequest({
      service: 'Jira',
      method,
      url: `${this.baseUrl}${path}`,
      body,
      headers: { authorization: this.authorization },
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
    });
  }

  private ticket(id: string, key: string): Ticket {
    return { tracker: 'jira', key, url: `${this.baseUrl}/browse/${encodeURIComponent(key)}`, id };
  }

  /** The ticket made earlier for this label, if the search sees one. */
  private async find(label: string): Promise<Ticket | undefined> {
    const response = await this.call('POST', '/rest/api/3/search/jql', {
      jql: `project = ${jqlString(this.project)} AND labels = ${jqlString(label)} ORDER BY created ASC`,
      fields: ['summary'],
      maxResults: 1,
    });
    const issues = isRecord(response.json) ? response.json.issues : undefined;
    const first = Array.isArray(issues) ? issues[0] : undefined;
    if (!isRecord(first) || typeof first.id !== 'string' || typeof first.key !== 'string') return undefined;
    return this.ticket(first.id, first.key);
  }

  async create(request: TicketRequest): Promise<Ticket> {
    const marker = jiraIdempotencyLabel(request.idempotencyKey);
    const found = await this.find(marker);
    if (found) return found;
    const fields: Record<string, unknown> = {
      project: { key: this.project },
      issuetype: { name: this.issueType },
      summary: clipTitle(wellFormed(request.title), JIRA_MAX_SUMMARY),
      description: jiraDescription(request),
      labels: jiraLabels([...request.labels, marker]),
    };
    if (request.assignee) fields.assignee = { accountId: request.assignee };
    const response = await this.call('POST', '/rest/api/3/issue', { fields });
    const body = response.json;
    if (!isRecord(body) || typeof body.id !== 'string' || typeof body.key !== 'string') {
      throw new TrackerError(`Jira answered ${response.status} without an issue id and key`, false, {
        status: response.status,
      });
    }
    return this.ticket(body.id, body.key);
  }

  async status(ticket: Ticket): Promise<TicketStatus> {
    const response = await this.call(
      'GET',
      `/rest/api/3/issue/${encodeURIComponent(ticket.id)}?fields=status,resolutiondate`,
    );
    const fields = isRecord(response.json) ? response.json.fields : undefined;
    const status = isRecord(fields) ? fields.status : undefined;
    const category = isRecord(status) ? status.statusCategory : undefined;
    if (!isRecord(category) || typeof category.key !== 'string') {
      throw new TrackerError(`Jira answered without a status category for ${ticket.key}`, false, {
        status: response.status,
      });
    }
    if (category.key !== 'done') return { state: 'open' };
    const closedAt = jiraTimeToIso(isRecord(fields) ? fields.resolutiondate : undefined);
    return closedAt ? { state: 'closed', closedAt } : { state: 'closed' };
  }
}

export const JIRA_SIGNATURE_HEADER = 'x-hub-signature';

export const jiraWebhook: TrackerWebhook = {
  kind: 'jira',
  verify(headers, rawBody, secret) {
    const signature = headerValue(headers, JIRA_SIGNATURE_HEADER)?.trim();
    const match = signature ? /^sha256=([0-9a-fA-F]{64})$/.exec(signature) : null;
    return hmacSha256HexMatches(secret, rawBody, match?.[1]);
  },
  read(body): TicketEvent | undefined {
    if (!isRecord(body) || body.webhookEvent !== 'jira:issue_updated') return undefined;
    const changelog = body.changelog;
    const items = isRecord(changelog) && Array.isArray(changelog.items) ? changelog.items : [];
    const movesStatus = items.some(
      (item) =>
        isRecord(item) &&
        (item.fieldId === 'status' || (item.field === 'status' && item.fieldId === undefined)),
    );
    if (!movesStatus) return undefined;
    const issue = body.issue;
    if (!isRecord(issue) || typeof issue.id !== 'string') return undefined;
    const fields = isRecord(issue.fields) ? issue.fields : undefined;
    const status = fields && isRecord(fields.status) ? fields.status : undefined;
    const category = status && isRecord(status.statusCategory) ? status.statusCategory : undefined;
    if (!category || typeof category.key !== 'string') return undefined;
    const at = jiraTimeToIso(body.timestamp) ?? jiraTimeToIso(fields?.updated) ?? new Date().toISOString();
    const event: TicketEvent = {
      tracker: 'jira',
      id: issue.id,
      state: category.key === 'done' ? 'closed' : 'open',
      at,
    };
    if (typeof issue.key === 'string') event.key = issue.key;
    return event;
  },
};

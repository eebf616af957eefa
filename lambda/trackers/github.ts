/**
 * GitHub: follow-ups as issues (`GitHubTracker`), postmortems as a pull request in a repository
 * (`GitHubPostmortems`), and the `issues` webhook (`githubWebhook`). REST API version 2022-11-28.
 *
 * Text from people is escaped before it reaches Markdown: GitHub renders issue bodies as Markdown
 * with inline HTML, links `#12`, and **notifies** everyone `@named` (users and `@org/team`), so a
 * follow-up must not be able to ping a team or inject HTML.
 *
 * Idempotency of `create`: the body carries a hidden marker `<!-- incident-bot:key=… -->`. Before
 * creating, the adapter lists the repository's issues labelled with the incident (`INC-n`; all
 * states, newest 100) and reuses the one whose body carries the marker; failing that, the newest
 * 100 issues of any label (GitHub drops the labels of a token without push access). The list
 * endpoint reads the primary store, unlike the search API, whose index lags by seconds to
 * minutes: a retry right after a lost answer would not find the issue there. An incident with
 * more than 100 issues, in a repository with more than 100 newer ones, would escape the check.
 */
import { createHmac } from 'node:crypto';
import { describeStatus } from '../http/failure';
import {
  DEFAULT_TRACKER_TIMEOUT_MS,
  type FetchLike,
  headerValue,
  hmacSha256HexMatches,
  isRecord,
  retryAfterMs,
  trackerRequest,
  vendorMessage,
} from './http';
import {
  type Ticket,
  type TicketEvent,
  type TicketRequest,
  type TicketStatus,
  type Tracker,
  TrackerError,
  type TrackerWebhook,
} from './tracker';

export const GITHUB_API_URL = 'https://api.github.com';
export const GITHUB_API_VERSION = '2022-11-28';
/** GitHub refuses an issue title longer than this. */
export const GITHUB_TITLE_MAX = 256;
const USER_AGENT = 'incident-bot';
/** When GitHub says "secondary rate limit" without a `retry-after`, its docs say to wait a minute. */
const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

export interface GitHubClientOptions {
  /** Default https://api.github.com (GitHub Enterprise: `https://HOST/api/v3`). */
  apiUrl?: string;
  token: string;
  /** `owner/name`. */
  repo: string;
  fetch?: FetchLike;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** For `x-ratelimit-reset`; default `Date.now`. */
  now?: () => number;
}

interface Answer {
  status: number;
  json: unknown;
}

/** GitHub's timestamps (`2024-02-18T15:30:00Z`) as ISO UTC; undefined when absent or unreadable. */
function isoUtc(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

function splitRepo(repo: string): { owner: string; name: string } {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/.exec(repo);
  if (!match?.[1] || !match[2] || match[2] === '.' || match[2] === '..') {
    throw new TypeError(`GitHub repo must be "owner/name", got ${JSON.stringify(repo)}`);
  }
  return { owner: match[1], name: match[2] };
}

/** A 403/429 that is a rate limit, and how long to wait: `retry-after`, else `x-ratelimit-reset`. */
function rateLimit(
  status: number,
  headers: Headers,
  message: string,
  now: number,
): { waitMs: number | undefined } | undefined {
  const retryAfter = retryAfterMs(headers.get('retry-after'), now);
  const reset = Number(headers.get('x-ratelimit-reset'));
  const untilReset = Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
  const exhausted = headers.get('x-ratelimit-remaining') === '0';
  const secondary = /secondary rate limit|abuse detection/i.test(message);
  if (status === 429) return { waitMs: retryAfter ?? (exhausted ? untilReset : undefined) };
  if (status !== 403) return undefined;
  // GitHub: with `retry-after`, wait that long; with the limit spent, until it resets.
  if (retryAfter !== undefined) return { waitMs: retryAfter };
  if (exhausted) return { waitMs: untilReset };
  if (secondary) return { waitMs: SECONDARY_RATE_LIMIT_WAIT_MS };
  return undefined;
}

/** The REST calls both GitHub adapters make, with `TrackerError` for every failure. */
class GitHubClient {
  readonly owner: string;
  readonly name: string;
  private readonly apiUrl: string;
  private readonly token: string;
  private readonly fetch: FetchLike;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: GitHubClientOptions) {
    if (!options.token) throw new TypeError('GitHub token is required');
    const { owner, name } = splitRepo(options.repo);
    this.owner = owner;
    this.name = name;
    this.apiUrl = (options.apiUrl ?? GITHUB_API_URL).replace(/\/+$/, '');
    this.token = options.token;
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TRACKER_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  get repo(): string {
    return `${this.owner}/${this.name}`;
  }

  /** `/repos/{owner}/{repo}` + rest, each path segment encoded by the caller. */
  repoPath(rest: string): string {
    return `/repos/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.name)}${rest}`;
  }

  /**
   * One call. `allow` lists statuses that are answers rather than failures (404 for "not there").
   */
  async call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    path: string,
    options: { query?: Record<string, string>; body?: unknown; allow?: readonly number[] } = {},
  ): Promise<Answer> {
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const url = `${this.apiUrl}${path}${query}`;
    const where = `GitHub ${method} ${path}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': GITHUB_API_VERSION,
      'user-agent': USER_AGENT,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    // Every status comes back: GitHub's rate limits (403 or 429) are told apart here, not there.
    const response = await trackerRequest({
      service: where,
      method,
      url,
      body: options.body,
      headers,
      fetch: this.fetch,
      timeoutMs: this.timeoutMs,
      accept: () => true,
    });
    const { status, json } = response;
    if ((status >= 200 && status < 300) || options.allow?.includes(status)) return { status, json };
    const said = vendorMessage(json, response.text);
    const message = describeStatus(where, response, said);
    const limited = rateLimit(status, response.headers, said, this.now());
    if (limited) {
      throw new TrackerError(message, true, {
        status,
        ...(limited.waitMs === undefined ? {} : { retryAfterMs: limited.waitMs }),
      });
    }
    const retryable = status >= 500;
    const wait = retryAfterMs(response.headers.get('retry-after'), this.now());
    throw new TrackerError(message, retryable, {
      status,
      ...(retryable && wait !== undefined ? { retryAfterMs: wait } : {}),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Markdown

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Plain text as inert GitHub Markdown: every Markdown punctuation mark backslash-escaped, `<` `>`
 * `&` as entities (no HTML, no autolinks), and `@` followed by a zero-width space so that
 * `@user` and `@org/team` render as text and notify nobody (GitHub finds mentions in the rendered
 * text, where a backslash escape would already be gone). Line breaks become spaces.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+\-.!|~:$]/g, (mark) => `\\${mark}`)
    .replace(/@/g, `@${ZERO_WIDTH_SPACE}`);
}

/** A title is not Markdown on GitHub, but it is searched for mentions in notifications: defuse `@`. */
export function safeTitle(text: string): string {
  const whole = text.replace(/\s+/g, ' ').trim().replace(/@/g, `@${ZERO_WIDTH_SPACE}`);
  const points = Array.from(whole);
  if (points.length <= GITHUB_TITLE_MAX) return whole;
  return `${points
    .slice(0, GITHUB_TITLE_MAX - 1)
    .join('')
    .trimEnd()}…`;
}

/** An http(s) URL fit for `[text](<url>)`, or undefined for anything else (`javascript:`…). */
function safeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  return parsed.href.replace(/[()<> "'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Keys may hold anything; a marker must stay one HTML comment (no `--`, no `>`). */
function markerKey(key: string): string {
  return encodeURIComponent(key).replace(
    /[-!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function idempotencyMarker(key: string): string {
  return `<!-- incident-bot:key=${markerKey(key)} -->`;
}

/** The issue body: escaped paragraphs, a list of links, and the hidden idempotency marker. */
export function renderIssueBody(request: Pick<TicketRequest, 'paragraphs' | 'links' | 'idempotencyKey'>) {
  const blocks = request.paragraphs.map((paragraph) => escapeMarkdown(paragraph)).filter((p) => p !== '');
  const links = request.links.flatMap((link) => {
    const url = safeUrl(link.url);
    const text = escapeMarkdown(link.text) || escapeMarkdown(link.url);
    return url ? [`- [${text}](<${url}>)`] : [`- ${text}`];
  });
  if (links.length > 0) blocks.push(links.join('\n'));
  blocks.push(idempotencyMarker(request.idempotencyKey));
  return blocks.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// Issues

interface GitHubIssue {
  number: number;
  html_url: string;
  state: string;
  closed_at?: string | null;
  body?: string | null;
  pull_request?: unknown;
}

function asIssue(json: unknown, where: string): GitHubIssue {
  if (
    !isRecord(json) ||
    typeof json.number !== 'number' ||
    typeof json.html_url !== 'string' ||
    typeof json.state !== 'string'
  ) {
    throw new TrackerError(`${where}: GitHub answered without an issue`, false);
  }
  return json as unknown as GitHubIssue;
}

export type GitHubTrackerOptions = GitHubClientOptions;

export class GitHubTracker implements Tracker {
  readonly kind = 'github' as const;
  private readonly client: GitHubClient;

  constructor(options: GitHubTrackerOptions) {
    this.client = new GitHubClient(options);
  }

  async create(request: TicketRequest): Promise<Ticket> {
    const earlier = await this.findCreated(request);
    if (earlier) return this.ticket(earlier);
    const body: Record<string, unknown> = {
      title: safeTitle(request.title),
      body: renderIssueBody(request),
      labels: [...new Set(request.labels)],
    };
    if (request.assignee) body.assignees = [request.assignee];
    const { json } = await this.client.call('POST', this.client.repoPath('/issues'), { body });
    return this.ticket(asIssue(json, 'create issue'));
  }

  async status(ticket: Ticket): Promise<TicketStatus> {
    const number = Number(ticket.id);
    if (!Number.isInteger(number) || number <= 0) {
      throw new TrackerError(`not a GitHub issue number: ${JSON.stringify(ticket.id)}`, false);
    }
    const { json } = await this.client.call('GET', this.client.repoPath(`/issues/${number}`));
    const issue = asIssue(json, 'get issue');
    if (issue.state === 'closed') {
      const closedAt = isoUtc(issue.closed_at);
      return closedAt ? { state: 'closed', closedAt } : { state: 'closed' };
    }
    return { state: 'open' };
  }

  /** The issue an earlier attempt of this request created, found by the marker in its body. */
  private async findCreated(request: TicketRequest): Promise<GitHubIssue | undefined> {
    const marker = idempotencyMarker(request.idempotencyKey);
    const query: Record<string, string> = {
      state: 'all',
      sort: 'created',
      direction: 'desc',
      per_page: '100',
    };
    // Narrowed by the incident's own label, which stays while the severity label may change
    // between attempts; then the newest issues, for a token whose labels GitHub dropped.
    const incident = request.labels.find((label) => /^INC-\d+$/.test(label));
    const attempts = incident ? [{ ...query, labels: incident }, query] : [query];
    for (const attempt of attempts) {
      const { json } = await this.client.call('GET', this.client.repoPath('/issues'), { query: attempt });
      if (!Array.isArray(json)) throw new TrackerError('list issues: GitHub answered without a list', false);
      const found = json.find(
        (item): item is GitHubIssue =>
          isRecord(item) &&
          item.pull_request === undefined &&
          typeof item.body === 'string' &&
          item.body.includes(marker),
      );
      if (found) return asIssue(found, 'list issues');
    }
    return undefined;
  }

  private ticket(issue: GitHubIssue): Ticket {
    return {
      tracker: 'github',
      key: `${this.client.repo}#${issue.number}`,
      url: issue.html_url,
      id: String(issue.number),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Postmortems in git

export interface GitHubPostmortemsOptions extends GitHubClientOptions {
  /** The branch pull requests target; default `main`. */
  branch?: string;
  /** The folder of the postmortems; default `postmortems`. */
  path?: string;
  /** Default: the token's user. */
  committer?: { name: string; email: string };
}

export interface PostmortemPublication {
  incidentId: string;
  markdown: string;
  /** The pull request's title, when one is opened. */
  title: string;
  /**
   * The pull request's description, when one is opened: Markdown, sent as is (GitHub notifies
   * whoever it @mentions), so text from people in it must go through `escapeMarkdown`.
   */
  body: string;
}

export interface PublishedPostmortem {
  /** The pull request. */
  number: number;
  url: string;
  /** True when this call committed (the file was new or changed); false when it was already so. */
  updated: boolean;
  /** True when this call opened the pull request. */
  opened: boolean;
  branch: string;
  path: string;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function fromBase64(text: string): string {
  return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
}

export class GitHubPostmortems {
  private readonly client: GitHubClient;
  private readonly base: string;
  private readonly folder: string;
  private readonly committer: { name: string; email: string } | undefined;

  constructor(options: GitHubPostmortemsOptions) {
    this.client = new GitHubClient(options);
    this.base = options.branch ?? 'main';
    this.folder = (options.path ?? 'postmortems').replace(/^\/+|\/+$/g, '');
    this.committer = options.committer;
  }

  async publish(publication: PostmortemPublication): Promise<PublishedPostmortem> {
    if (!/^INC-\d+$/.test(publication.incidentId)) {
      throw new TrackerError(`not an incident id: ${JSON.stringify(publication.incidentId)}`, false);
    }
    const branch = `incident-bot/${publication.incidentId}`;
    const file = this.folder ? `${this.folder}/${publication.incidentId}.md` : `${publication.incidentId}.md`;
    await this.ensureBranch(branch);
    const updated = await this.writeFile(file, branch, publication);
    const { pull, opened } = await this.ensurePull(branch, publication, updated);
    return { number: pull.number, url: pull.html_url, updated, opened, branch, path: file };
  }

  private refPath(branch: string): string {
    return this.client.repoPath(`/git/ref/heads/${branch.split('/').map(encodeURIComponent).join('/')}`);
  }

  private async ensureBranch(branch: string): Promise<void> {
    const existing = await this.client.call('GET', this.refPath(branch), { allow: [404] });
    if (existing.status !== 404) return;
    const base = await this.client.call('GET', this.refPath(this.base));
    const sha = isRecord(base.json) && isRecord(base.json.object) ? base.json.object.sha : undefined;
    if (typeof sha !== 'string') throw new TrackerError(`get ref heads/${this.base}: no sha`, false);
    const created = await this.client.call('POST', this.client.repoPath('/git/refs'), {
      body: { ref: `refs/heads/${branch}`, sha },
      allow: [422],
    });
    // Another publication made it in between: fine, unless it is something else entirely.
    if (created.status === 422 && !/already exists/i.test(vendorMessage(created.json))) {
      throw new TrackerError(`create ref ${branch}: ${vendorMessage(created.json)}`, false, { status: 422 });
    }
  }

  /** Commits the markdown unless the branch already holds exactly it; true when it committed. */
  private async writeFile(
    file: string,
    branch: string,
    publication: PostmortemPublication,
  ): Promise<boolean> {
    const contentPath = this.client.repoPath(
      `/contents/${file.split('/').map(encodeURIComponent).join('/')}`,
    );
    const current = await this.client.call('GET', contentPath, { query: { ref: branch }, allow: [404] });
    let sha: string | undefined;
    if (current.status !== 404) {
      const json = current.json;
      if (!isRecord(json) || json.type !== 'file' || typeof json.sha !== 'string') {
        throw new TrackerError(`${file} on ${branch} is not a file`, false);
      }
      sha = json.sha;
      if (typeof json.content === 'string' && fromBase64(json.content) === publication.markdown) return false;
    }
    const body: Record<string, unknown> = {
      message: `${sha ? 'Update' : 'Add'} postmortem ${publication.incidentId}`,
      content: base64(publication.markdown),
      branch,
    };
    if (sha) body.sha = sha;
    if (this.committer) body.committer = this.committer;
    const put = await this.client.call('PUT', contentPath, { body, allow: [409] });
    if (put.status === 409) {
      // Someone (another publication) moved the file since it was read: reading again settles it.
      throw new TrackerError(`${file} on ${branch} changed meanwhile: ${vendorMessage(put.json)}`, true, {
        status: 409,
      });
    }
    return true;
  }

  private async ensurePull(
    branch: string,
    publication: PostmortemPublication,
    committed: boolean,
  ): Promise<{ pull: { number: number; html_url: string }; opened: boolean }> {
    const head = `${this.client.owner}:${branch}`;
    const pulls = async (state: 'open' | 'all') => {
      const list = await this.client.call('GET', this.client.repoPath('/pulls'), {
        query: { head, base: this.base, state, per_page: '100' },
      });
      return Array.isArray(list.json) ? list.json.filter(isPull) : [];
    };
    const [open] = await pulls('open');
    if (open) return { pull: open, opened: false };
    if (!committed) {
      // Nothing new, and the pull request was merged or closed: GitHub would refuse a new one
      // ("No commits between"), and the last one still shows the document as it is.
      const [latest] = await pulls('all');
      if (latest) return { pull: latest, opened: false };
    }
    const created = await this.client.call('POST', this.client.repoPath('/pulls'), {
      body: { title: safeTitle(publication.title), head: branch, base: this.base, body: publication.body },
    });
    if (!isPull(created.json)) throw new TrackerError('create pull request: no pull request', false);
    return { pull: created.json, opened: true };
  }
}

function isPull(value: unknown): value is { number: number; html_url: string } {
  return isRecord(value) && typeof value.number === 'number' && typeof value.html_url === 'string';
}

// ---------------------------------------------------------------------------------------------
// Webhook

/** `sha256=` + the hex HMAC-SHA256 of the raw body with the webhook's secret. */
export function signGitHubDelivery(rawBody: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

export interface GitHubWebhook extends TrackerWebhook {
  /**
   * `headers` (additive to `TrackerWebhook.read`): when given, a delivery whose `X-GitHub-Event` is
   * not `issues` reports nothing.
   */
  read(body: unknown, headers?: Readonly<Record<string, string | undefined>>): TicketEvent | undefined;
}

export const githubWebhook: GitHubWebhook = {
  kind: 'github',

  verify(headers, rawBody, secret) {
    const given = headerValue(headers, 'x-hub-signature-256')?.trim();
    const match = given ? /^sha256=([0-9a-fA-F]{64})$/.exec(given) : null;
    return hmacSha256HexMatches(secret, rawBody, match?.[1]);
  },

  read(body, headers) {
    if (headers) {
      const event = headerValue(headers, 'x-github-event');
      if (event !== undefined && event !== 'issues') return undefined;
    }
    if (!isRecord(body) || !isRecord(body.issue)) return undefined;
    const { action, issue, repository } = body;
    if (action !== 'closed' && action !== 'reopened') return undefined;
    if (typeof issue.number !== 'number' || issue.pull_request !== undefined) return undefined;
    const state = action === 'closed' ? 'closed' : 'open';
    const stamp = action === 'closed' ? (issue.closed_at ?? issue.updated_at) : issue.updated_at;
    const at = isoUtc(stamp);
    if (!at) return undefined;
    const event: TicketEvent = { tracker: 'github', id: String(issue.number), state, at };
    if (isRecord(repository) && typeof repository.full_name === 'string') {
      event.key = `${repository.full_name}#${issue.number}`;
    }
    return event;
  },
};

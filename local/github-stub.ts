/**
 * A local stand-in for GitHub's REST API (issues, git refs, repository contents, pull requests) on
 * 127.0.0.1, so follow-up tickets and postmortem pull requests can be exercised without GitHub.
 *
 * Strict like GitHub, and in places stricter, so a wrong call fails here rather than in production:
 * - a token (`Authorization: Bearer|token …`): 401 `Requires authentication` / `Bad credentials`;
 *   a `User-Agent` (403 like GitHub); `X-GitHub-Api-Version` must name a supported version (400),
 *   and by default must be sent at all (GitHub would fall back to 2022-11-28).
 * - every request's method and path must be an operation of GitHub's REST OpenAPI description
 *   (404 `Not Found` otherwise), its query parameters must be declared there with the right types
 *   and enums (GitHub ignores unknown ones; the stand-in answers 400 so a misspelt filter shows),
 *   and its JSON body must match the operation's request schema: required properties, types, enums,
 *   and no undeclared properties (422 `Invalid request.` with the reasons, as GitHub words them).
 *   The description is tests/fixtures/vendor/github-rest-openapi.json: the operations used, trimmed
 *   from github/rest-api-description (descriptions/api.github.com/api.github.com.2022-11-28.json).
 * - then GitHub's own rules: assignees must be collaborators (422 `Validation Failed`, code
 *   `invalid`); unknown labels are created on issue create when the token can push (and labels and
 *   assignees are silently dropped when it cannot, `canPush: false`); titles over 256 characters are
 *   refused; updating a file needs the blob `sha` it replaces (422 without, 409 when stale); a
 *   second open pull request for the same head and base, or one with no commits, is refused.
 * Issues and pull requests share their numbers, and the issues list includes pull requests (with a
 * `pull_request` key) as GitHub's does.
 *
 * Test hooks: `setIssueState` closes or reopens an issue as a person would on github.com and, when
 * a webhook is configured, POSTs the signed `issues` delivery; `failNext` answers the next calls
 * with 500, 429 (with `retry-after`), a 403 secondary rate limit, never, or handles them and then
 * drops the answer (`lose`: the call took effect, the caller never hears). Every call is recorded.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { readBody } from './apigw';

export const GITHUB_OPENAPI_FIXTURE = join(
  __dirname,
  '..',
  'tests',
  'fixtures',
  'vendor',
  'github-rest-openapi.json',
);
const SUPPORTED_API_VERSIONS = ['2022-11-28', '2026-03-10'];
const DOCS = 'https://docs.github.com/rest';
const MAX_BODY_BYTES = 25 * 1024 * 1024;

/**
 * 500/502/503: a server error. 429: throttled, with `retry-after`. `rate-limit`: the primary limit
 * spent (403, `x-ratelimit-remaining: 0`, `x-ratelimit-reset`, no `retry-after`).
 * `secondary-rate-limit`: 403 with GitHub's wording and `retry-after`. `hang`: never answered.
 * `lose`: handled (it takes effect), then the connection is cut before the answer.
 */
export type GitHubFault = 500 | 502 | 503 | 429 | 'rate-limit' | 'secondary-rate-limit' | 'hang' | 'lose';

export interface GitHubFaultOptions {
  /** `retry-after` for 429 and the secondary rate limit; default 1. */
  retryAfterSeconds?: number;
  /** `x-ratelimit-reset` (epoch seconds) for `rate-limit`; default an hour from now. */
  resetAt?: number;
  /** Only calls of this operation (`issues/create`…) fail; others pass by. Default: any call. */
  operationId?: string;
}

export interface GitHubCall {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, the raw text when it was not JSON, undefined when empty. */
  body: unknown;
  /** The operation of the description it matched. */
  operationId?: string;
  /** The status answered; 0 when never answered (`hang`, `lose`). */
  status: number;
  /** Why it was refused. */
  errors?: string[];
}

export interface StubLabel {
  id: number;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

export interface StubIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  assignees: string[];
  user: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set for a pull request's issue side. */
  pull?: StubPull;
}

export interface StubPull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
}

export interface StubCommit {
  sha: string;
  parent: string | undefined;
  message: string;
  /** The tree after the commit: path → content. */
  files: Map<string, Buffer>;
}

export interface GitHubStubOptions {
  port?: number;
  /** The token the stand-in accepts; default `ghp_stub_token`. */
  token?: string;
  /** The token's user; default `incident-bot`. */
  login?: string;
  /** Repositories that exist (`owner/name`), each with a default branch holding one commit. */
  repos?: string[];
  defaultBranch?: string;
  /** Who may be assigned; default `['octocat']`. */
  collaborators?: string[];
  /** Whether the token has push access (labels, assignees kept); default true. */
  canPush?: boolean;
  /** Refuse requests without `X-GitHub-Api-Version`; default true. */
  requireApiVersion?: boolean;
  /** Where `setIssueState` delivers the signed `issues` event. */
  webhook?: { url: string; secret: string };
  /** The OpenAPI description; default the trimmed fixture. */
  openapiPath?: string;
  now?: () => Date;
}

export interface WebhookDelivery {
  url: string;
  headers: Record<string, string>;
  rawBody: string;
  /** The receiver's status; 0 when it could not be reached. */
  status: number;
}

export interface GitHubStub {
  /** The API root, e.g. http://127.0.0.1:54321 (what `GITHUB_API_URL` would be). */
  url: string;
  token: string;
  calls: GitHubCall[];
  deliveries: WebhookDelivery[];
  issues(repo: string): StubIssue[];
  pulls(repo: string): StubPull[];
  labels(repo: string): StubLabel[];
  /** The commits on `branch` that its base (the default branch) does not have, oldest first. */
  commitsOn(repo: string, branch: string): StubCommit[];
  /** A file's text on a branch, or undefined. */
  file(repo: string, branch: string, path: string): string | undefined;
  branches(repo: string): string[];
  /** Merges a pull request as a person would (its head onto its base) and can delete its branch. */
  mergePull(repo: string, number: number, options?: { deleteBranch?: boolean }): void;
  setCollaborators(logins: string[]): void;
  setCanPush(on: boolean): void;
  setWebhook(webhook: { url: string; secret: string } | undefined): void;
  /** Closes or reopens an issue as a person on github.com would, and delivers the webhook. */
  setIssueState(
    repo: string,
    number: number,
    state: 'open' | 'closed',
  ): Promise<{ delivery: WebhookDelivery | undefined }>;
  /** The next `count` calls (of `options.operationId`, or any) fail so; then calls are handled normally. */
  failNext(count: number, fault: GitHubFault, options?: GitHubFaultOptions): void;
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The description, and checking requests against it

export type Schema = {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
};

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
  'x-multi-segment'?: boolean;
}

export interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
}

export interface Description {
  paths: Record<string, Record<string, Operation>>;
  components?: { parameters?: Record<string, Parameter>; schemas?: Record<string, Schema> };
}

export interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  operation: Operation;
  parameters: Parameter[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolve<T>(description: Description, value: T | { $ref: string }): T {
  if (isRecord(value) && typeof value.$ref === 'string') {
    const parts = value.$ref.replace(/^#\//, '').split('/');
    let node: unknown = description;
    for (const part of parts) node = isRecord(node) ? node[part] : undefined;
    if (node === undefined) throw new Error(`unresolved $ref ${value.$ref}`);
    return resolve(description, node as T);
  }
  return value as T;
}

export function loadRoutes(description: Description): Route[] {
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(description.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const parameters = (operation.parameters ?? []).map((p) => resolve<Parameter>(description, p));
      const source = template
        .split('/')
        .map((segment) => {
          const param = /^\{(.+)\}$/.exec(segment)?.[1];
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          const declared = parameters.find((p) => p.in === 'path' && p.name === param);
          return declared?.['x-multi-segment'] ? '(.+)' : '([^/]+)';
        })
        .join('/');
      routes.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        operation,
        parameters,
      });
    }
  }
  return routes;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The ways `value` breaks `schema`, worded as GitHub words its `Invalid request.` answers. */
export function schemaErrors(description: Description, schema: Schema, value: unknown, at: string): string[] {
  const s = resolve<Schema>(description, schema);
  if (value === null && s.nullable) return [];
  if (s.oneOf || s.anyOf) {
    const options = s.oneOf ?? s.anyOf ?? [];
    const matching = options.filter((option) => schemaErrors(description, option, value, at).length === 0);
    if (s.oneOf ? matching.length === 1 : matching.length > 0) return [];
    if (matching.length === 0 && options.length > 0) {
      return [`For '${at}', ${describeValue(value)} is not ${oneOfNames(description, options)}.`];
    }
    return [`For '${at}', ${describeValue(value)} matches more than one schema in "oneOf".`];
  }
  const errors: string[] = [];
  if (s.type !== undefined) {
    const allowed = Array.isArray(s.type) ? s.type : [s.type];
    const actual = typeOf(value);
    const ok = allowed.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return [`For '${at}', ${describeValue(value)} is not ${article(allowed.join(' or '))}.`];
  }
  if (s.enum && !s.enum.includes(value)) {
    errors.push(
      `For '${at}', ${describeValue(value)} is not one of ${s.enum.map(describeValue).join(', ')}.`,
    );
  }
  if (isRecord(value) && (s.type === 'object' || s.properties)) {
    for (const name of s.required ?? []) {
      if (!(name in value)) errors.push(`"${name}" wasn't supplied.`);
    }
    for (const [name, property] of Object.entries(value)) {
      const declared = s.properties?.[name];
      if (declared) errors.push(...schemaErrors(description, declared, property, `${at}/properties/${name}`));
      else if (s.additionalProperties === false || s.additionalProperties === undefined) {
        // GitHub ignores undeclared properties; the stand-in refuses them so a misspelt field shows.
        errors.push(`For '${at}', "${name}" is not a permitted key.`);
      }
    }
  }
  if (Array.isArray(value) && s.items) {
    value.forEach((item, index) => {
      errors.push(...schemaErrors(description, s.items as Schema, item, `${at}/items/${index}`));
    });
  }
  return errors;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function oneOfNames(description: Description, options: Schema[]): string {
  const names = options.map((o) => {
    const t = resolve<Schema>(description, o).type;
    return Array.isArray(t) ? t.join(' or ') : (t ?? 'value');
  });
  return article(names.join(' or '));
}

function queryErrors(description: Description, route: Route, query: URLSearchParams): string[] {
  const errors: string[] = [];
  for (const [name, raw] of query) {
    const parameter = route.parameters.find((p) => p.in === 'query' && p.name === name);
    if (!parameter) {
      errors.push(`"${name}" is not a query parameter of ${route.operation.operationId}`);
      continue;
    }
    const schema = parameter.schema ? resolve<Schema>(description, parameter.schema) : {};
    const value: unknown = schema.type === 'integer' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    errors.push(...schemaErrors(description, schema, value, `query/${name}`));
  }
  for (const parameter of route.parameters) {
    if (parameter.in === 'query' && parameter.required && !query.has(parameter.name)) {
      errors.push(`"${parameter.name}" wasn't supplied.`);
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// State

interface RepoState {
  owner: string;
  name: string;
  nextNumber: number;
  issues: StubIssue[];
  pulls: StubPull[];
  labels: StubLabel[];
  branches: Map<string, string>;
  commits: Map<string, StubCommit>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const notFound = () => new HttpError(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
const validationFailed = (errors: Record<string, unknown>[]) =>
  new HttpError(422, { message: 'Validation Failed', errors, documentation_url: DOCS, status: '422' });

function blobSha(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest('hex');
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// ---------------------------------------------------------------------------------------------

export async function startGitHubStub(options: GitHubStubOptions = {}): Promise<GitHubStub> {
  const description = JSON.parse(
    readFileSync(options.openapiPath ?? GITHUB_OPENAPI_FIXTURE, 'utf8'),
  ) as Description;
  const routes = loadRoutes(description);
  const token = options.token ?? 'ghp_stub_token';
  const login = options.login ?? 'incident-bot';
  const defaultBranch = options.defaultBranch ?? 'main';
  const repoNames = options.repos ?? ['acme/ops', 'acme/postmortems'];
  const now = options.now ?? (() => new Date());
  const requireApiVersion = options.requireApiVersion ?? true;
  let collaborators = new Set(options.collaborators ?? ['octocat']);
  let canPush = options.canPush ?? true;
  let webhook = options.webhook;
  const calls: GitHubCall[] = [];
  const deliveries: WebhookDelivery[] = [];
  const faults: {
    fault: GitHubFault;
    retryAfterSeconds: number;
    resetAt: number | undefined;
    operationId: string | undefined;
  }[] = [];
  const heldSockets = new Set<Socket>();
  let repos = new Map<string, RepoState>();
  let nextId = 1000;
  let closed = false;

  const commitSha = (parent: string | undefined, message: string, files: Map<string, Buffer>) => {
    const hash = createHash('sha1').update(`${parent ?? ''}\n${message}\n${nextId++}`);
    for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(`${path}\0${blobSha(content)}\n`);
    }
    return hash.digest('hex');
  };

  const freshRepos = () => {
    repos = new Map();
    for (const full of repoNames) {
      const [owner = '', name = ''] = full.split('/');
      const files = new Map([['README.md', Buffer.from(`# ${name}\n`)]]);
      const sha = commitSha(undefined, 'Initial commit', files);
      repos.set(full.toLowerCase(), {
        owner,
        name,
        nextNumber: 1,
        issues: [],
        pulls: [],
        labels: [],
        branches: new Map([[defaultBranch, sha]]),
        commits: new Map([[sha, { sha, parent: undefined, message: 'Initial commit', files }]]),
      });
    }
  };
  freshRepos();

  const repoOf = (owner: string, name: string): RepoState => {
    const repo = repos.get(`${owner}/${name}`.toLowerCase());
    if (!repo) throw notFound();
    return repo;
  };

  let apiUrl = '';
  const full = (repo: RepoState) => `${repo.owner}/${repo.name}`;
  const userJson = (name: string) => ({
    login: name,
    id: [...name].reduce((sum, c) => sum + c.charCodeAt(0), 0),
    type: name.endsWith('[bot]') ? 'Bot' : 'User',
    html_url: `https://github.com/${name}`,
  });
  const labelOf = (repo: RepoState, name: string) => repo.labels.find((l) => l.name === name);
  const issueJson = (repo: RepoState, issue: StubIssue) => ({
    id: issue.number + 10_000,
    node_id: `I_stub${issue.number}`,
    url: `${apiUrl}/repos/${full(repo)}/issues/${issue.number}`,
    html_url: `https://github.com/${full(repo)}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    state_reason: issue.stateReason,
    user: userJson(issue.user),
    labels: issue.labels.map((name) => labelOf(repo, name)).filter(Boolean),
    assignee: issue.assignees[0] ? userJson(issue.assignees[0]) : null,
    assignees: issue.assignees.map(userJson),
    comments: 0,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    ...(issue.pull ? { pull_request: { url: `${apiUrl}/repos/${full(repo)}/pulls/${issue.number}` } } : {}),
  });
  const pullJson = (repo: RepoState, pull: StubPull) => ({
    id: pull.number + 20_000,
    number: pull.number,
    url: `${apiUrl}/repos/${full(repo)}/pulls/${pull.number}`,
    html_url: `https://github.com/${full(repo)}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    merged: pull.merged,
    user: userJson(login),
    head: { label: `${repo.owner}:${pull.head}`, ref: pull.head, sha: repo.branches.get(pull.head) ?? null },
    base: { label: `${repo.owner}:${pull.base}`, ref: pull.base, sha: repo.branches.get(pull.base) ?? null },
  });
  const refJson = (repo: RepoState, branch: string, sha: string) => ({
    ref: `refs/heads/${branch}`,
    node_id: `REF_stub_${branch}`,
    url: `${apiUrl}/repos/${full(repo)}/git/refs/heads/${branch}`,
    object: { sha, type: 'commit', url: `${apiUrl}/repos/${full(repo)}/git/commits/${sha}` },
  });
  const ancestors = (repo: RepoState, sha: string | undefined): Set<string> => {
    const seen = new Set<string>();
    let at = sha;
    while (at && !seen.has(at)) {
      seen.add(at);
      at = repo.commits.get(at)?.parent;
    }
    return seen;
  };
  const treeOf = (repo: RepoState, branch: string): Map<string, Buffer> | undefined => {
    const sha = repo.branches.get(branch);
    return sha ? repo.commits.get(sha)?.files : undefined;
  };

  type Handler = (
    repo: RepoState,
    params: Record<string, string>,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ) => { status: number; body: unknown };

  const handlers: Record<string, Handler> = {
    'issues/list-for-repo': (repo, _params, query) => {
      const state = query.get('state') ?? 'open';
      const labels = (query.get('labels') ?? '')
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean);
      const creator = query.get('creator');
      const direction = query.get('direction') ?? 'desc';
      const perPage = Math.min(100, Number(query.get('per_page') ?? 30));
      const page = Math.max(1, Number(query.get('page') ?? 1));
      let list = repo.issues.filter(
        (issue) =>
          (state === 'all' || issue.state === state) &&
          labels.every((name) => issue.labels.some((l) => l.toLowerCase() === name.toLowerCase())) &&
          (!creator || issue.user.toLowerCase() === creator.toLowerCase()),
      );
      const key = query.get('sort') === 'updated' ? 'updatedAt' : 'createdAt';
      list = [...list].sort((a, b) => a[key].localeCompare(b[key]) || a.number - b.number);
      if (direction === 'desc') list.reverse();
      return {
        status: 200,
        body: list.slice((page - 1) * perPage, page * perPage).map((i) => issueJson(repo, i)),
      };
    },
    'issues/create': (repo, _params, _query, body) => {
      const title = String(body.title ?? '');
      if (title.trim() === '')
        throw validationFailed([{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
      if ([...title].length > 256) {
        throw validationFailed([
          {
            resource: 'Issue',
            code: 'custom',
            field: 'title',
            message: 'title is too long (maximum is 256 characters)',
          },
        ]);
      }
      const wantedLabels = ((body.labels as unknown[] | undefined) ?? []).map((l) =>
        isRecord(l) ? String(l.name ?? '') : String(l),
      );
      const wantedAssignees = [
        ...((body.assignees as string[] | undefined) ?? []),
        ...(typeof body.assignee === 'string' ? [body.assignee] : []),
      ];
      const labels: string[] = [];
      const assignees: string[] = [];
      if (canPush) {
        const invalid = wantedAssignees.filter((name) => !collaborators.has(name));
        if (invalid.length > 0) {
          throw validationFailed(
            invalid.map((value) => ({ value, resource: 'Issue', field: 'assignees', code: 'invalid' })),
          );
        }
        for (const name of wantedLabels) {
          if (name.trim() === '') continue;
          const existing = repo.labels.find((l) => l.name.toLowerCase() === name.toLowerCase());
          if (!existing) {
            repo.labels.push({ id: nextId++, name, color: 'ededed', default: false, description: null });
          }
          const label = existing?.name ?? name;
          if (!labels.includes(label)) labels.push(label);
        }
        for (const name of wantedAssignees) if (!assignees.includes(name)) assignees.push(name);
      }
      const at = iso(now());
      const issue: StubIssue = {
        number: repo.nextNumber++,
        title,
        body: typeof body.body === 'string' ? body.body : null,
        state: 'open',
        stateReason: null,
        labels,
        assignees,
        user: login,
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      };
      repo.issues.push(issue);
      return { status: 201, body: issueJson(repo, issue) };
    },
    'issues/get': (repo, params) => {
      const issue = repo.issues.find((i) => String(i.number) === params.issue_number);
      if (!issue) throw notFound();
      return { status: 200, body: issueJson(repo, issue) };
    },
    'issues/update': (repo, params, _query, body) => {
      const issue = repo.issues.find((i) => String(i.number) === params.issue_number);
      if (!issue) throw notFound();
      if (typeof body.title === 'string') issue.title = body.title;
      if (typeof body.body === 'string') issue.body = body.body;
      if (body.state === 'open' || body.state === 'closed') changeState(issue, body.state);
      return { status: 200, body: issueJson(repo, issue) };
    },
    'git/get-ref': (repo, params) => {
      const branch = /^heads\/(.+)$/.exec(params.ref ?? '')?.[1];
      const sha = branch ? repo.branches.get(branch) : undefined;
      if (!branch || !sha) throw notFound();
      return { status: 200, body: refJson(repo, branch, sha) };
    },
    'git/create-ref': (repo, _params, _query, body) => {
      const ref = String(body.ref);
      const sha = String(body.sha);
      const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
      if (!ref.startsWith('refs/') || ref.split('/').length < 3 || !branch) {
        throw new HttpError(422, { message: 'Reference name is not valid', documentation_url: DOCS });
      }
      if (repo.branches.has(branch)) {
        throw new HttpError(422, { message: 'Reference already exists', documentation_url: DOCS });
      }
      if (!repo.commits.has(sha)) {
        throw new HttpError(422, { message: 'Object does not exist', documentation_url: DOCS });
      }
      repo.branches.set(branch, sha);
      return { status: 201, body: refJson(repo, branch, sha) };
    },
    'repos/get-content': (repo, params, query) => {
      const branch = query.get('ref') ?? defaultBranch;
      const tree = treeOf(repo, branch);
      if (!tree) {
        throw new HttpError(404, {
          message: `No commit found for the ref ${branch}`,
          documentation_url: DOCS,
        });
      }
      const path = params.path ?? '';
      const content = tree.get(path);
      if (!content) throw notFound();
      const encoded = content.toString('base64').replace(/.{1,60}/g, '$&\n');
      return {
        status: 200,
        body: {
          type: 'file',
          encoding: 'base64',
          size: content.length,
          name: path.split('/').pop(),
          path,
          content: encoded,
          sha: blobSha(content),
          url: `${apiUrl}/repos/${full(repo)}/contents/${path}?ref=${branch}`,
          html_url: `https://github.com/${full(repo)}/blob/${branch}/${path}`,
        },
      };
    },
    'repos/create-or-update-file-contents': (repo, params, _query, body) => {
      const branch = typeof body.branch === 'string' ? body.branch : defaultBranch;
      const parent = repo.branches.get(branch);
      const tree = treeOf(repo, branch);
      if (!parent || !tree) {
        throw new HttpError(404, { message: `Branch ${branch} not found`, documentation_url: DOCS });
      }
      const path = params.path ?? '';
      const text = String(body.content);
      if (!BASE64.test(text) || text.length % 4 !== 0) {
        throw new HttpError(422, { message: 'content is not valid Base64', documentation_url: DOCS });
      }
      const existing = tree.get(path);
      if (existing && body.sha === undefined) {
        throw new HttpError(422, {
          message: 'Invalid request.\n\n"sha" wasn\'t supplied.',
          documentation_url: DOCS,
          status: '422',
        });
      }
      if (existing && body.sha !== blobSha(existing)) {
        throw new HttpError(409, {
          message: `${path} does not match ${String(body.sha)}`,
          documentation_url: DOCS,
        });
      }
      const content = Buffer.from(text, 'base64');
      const files = new Map(tree);
      files.set(path, content);
      const message = String(body.message);
      const sha = commitSha(parent, message, files);
      repo.commits.set(sha, { sha, parent, message, files });
      repo.branches.set(branch, sha);
      return {
        status: existing ? 200 : 201,
        body: {
          content: {
            type: 'file',
            name: path.split('/').pop(),
            path,
            sha: blobSha(content),
            size: content.length,
            html_url: `https://github.com/${full(repo)}/blob/${branch}/${path}`,
          },
          commit: { sha, message, parents: [{ sha: parent }] },
        },
      };
    },
    'pulls/list': (repo, _params, query) => {
      const state = query.get('state') ?? 'open';
      const head = query.get('head');
      const base = query.get('base');
      const list = repo.pulls.filter(
        (pull) =>
          (state === 'all' || pull.state === state) &&
          (!head || `${repo.owner}:${pull.head}`.toLowerCase() === head.toLowerCase()) &&
          (!base || pull.base === base),
      );
      return { status: 200, body: [...list].reverse().map((p) => pullJson(repo, p)) };
    },
    'pulls/create': (repo, _params, _query, body) => {
      const title = typeof body.title === 'string' ? body.title : '';
      const headSpec = String(body.head);
      const head = headSpec.includes(':') ? headSpec.slice(headSpec.indexOf(':') + 1) : headSpec;
      const headOwner = headSpec.includes(':') ? headSpec.slice(0, headSpec.indexOf(':')) : repo.owner;
      const base = String(body.base);
      if (body.issue === undefined && title.trim() === '') {
        throw validationFailed([{ resource: 'PullRequest', code: 'missing_field', field: 'title' }]);
      }
      const errors: Record<string, unknown>[] = [];
      if (headOwner.toLowerCase() !== repo.owner.toLowerCase() || !repo.branches.has(head)) {
        errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
      }
      if (!repo.branches.has(base)) errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
      if (errors.length > 0) throw validationFailed(errors);
      if (repo.pulls.some((p) => p.state === 'open' && p.head === head && p.base === base)) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${repo.owner}:${head}.`,
          },
        ]);
      }
      if (ancestors(repo, repo.branches.get(base)).has(repo.branches.get(head) ?? '')) {
        throw validationFailed([
          { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` },
        ]);
      }
      const at = iso(now());
      const pull: StubPull = {
        number: repo.nextNumber++,
        title,
        body: typeof body.body === 'string' ? body.body : '',
        head,
        base,
        state: 'open',
        draft: body.draft === true,
        merged: false,
      };
      repo.pulls.push(pull);
      repo.issues.push({
        number: pull.number,
        title,
        body: pull.body,
        state: 'open',
        stateReason: null,
        labels: [],
        assignees: [],
        user: login,
        createdAt: at,
        updatedAt: at,
        closedAt: null,
        pull,
      });
      return { status: 201, body: pullJson(repo, pull) };
    },
  };

  function changeState(issue: StubIssue, state: 'open' | 'closed') {
    if (issue.state === state) return;
    const at = iso(now());
    issue.state = state;
    issue.updatedAt = at;
    issue.closedAt = state === 'closed' ? at : null;
    issue.stateReason = state === 'closed' ? 'completed' : 'reopened';
    if (issue.pull) issue.pull.state = state;
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...headers,
    });
    res.end(text);
  };

  const hold = (req: IncomingMessage) => {
    heldSockets.add(req.socket);
    req.socket.once('close', () => heldSockets.delete(req.socket));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req, MAX_BODY_BYTES);
    if (closed) return;
    let body: unknown;
    let malformed = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        malformed = true;
      }
    }
    const call: GitHubCall = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body,
      status: 0,
    };
    calls.push(call);
    const answer = (
      status: number,
      payload: unknown,
      headers?: Record<string, string>,
      errors?: string[],
    ) => {
      call.status = status;
      if (errors && errors.length > 0) call.errors = errors;
      send(res, status, payload, headers);
    };

    // Which operation of the description this is (checked after the faults and authentication).
    const method = req.method ?? 'GET';
    let matched: { route: Route; params: Record<string, string> } | undefined;
    for (const route of routes) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      const names = [...route.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
      const params: Record<string, string> = {};
      let ok = true;
      names.forEach((name, index) => {
        let value = match[index + 1] ?? '';
        try {
          value = decodeURIComponent(value);
        } catch {
          ok = false;
        }
        params[name] = value;
        const declared = route.parameters.find((p) => p.in === 'path' && p.name === name);
        const schema = declared?.schema ? resolve<Schema>(description, declared.schema) : {};
        if (schema.type === 'integer' && !/^\d+$/.test(value)) ok = false;
      });
      if (ok) {
        matched = { route, params };
        break;
      }
    }
    const operationId = matched?.route.operation.operationId;
    const faultAt = faults.findIndex((f) => f.operationId === undefined || f.operationId === operationId);
    const fault = faultAt >= 0 ? faults.splice(faultAt, 1)[0] : undefined;
    if (fault && fault.fault !== 'lose') {
      if (fault.fault === 'hang') {
        hold(req);
        return;
      }
      if (fault.fault === 429) {
        answer(
          429,
          { message: 'API rate limit exceeded', documentation_url: DOCS, status: '429' },
          { 'retry-after': String(fault.retryAfterSeconds) },
        );
        return;
      }
      if (fault.fault === 'rate-limit') {
        const reset = fault.resetAt ?? Math.floor(Date.now() / 1000) + 3600;
        answer(
          403,
          {
            message: `API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID ${randomUUID()}.`,
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit`,
            status: '403',
          },
          { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(reset) },
        );
        return;
      }
      if (fault.fault === 'secondary-rate-limit') {
        answer(
          403,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
            status: '403',
          },
          { 'retry-after': String(fault.retryAfterSeconds) },
        );
        return;
      }
      answer(fault.fault, { message: 'Server Error', status: String(fault.fault) });
      return;
    }

    // Authentication and the headers GitHub insists on.
    const userAgent = req.headers['user-agent'];
    if (!userAgent) {
      answer(403, {
        message:
          'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.',
      });
      return;
    }
    const version = req.headers['x-github-api-version'];
    if (version === undefined ? requireApiVersion : !SUPPORTED_API_VERSIONS.includes(String(version))) {
      const message =
        version === undefined
          ? 'X-GitHub-Api-Version header is required by this stand-in (GitHub would assume 2022-11-28)'
          : `API version ${String(version)} is not supported.`;
      answer(400, { message, documentation_url: `${DOCS}/overview/api-versions`, status: '400' }, {}, [
        message,
      ]);
      return;
    }
    const authorization = req.headers.authorization;
    if (!authorization) {
      answer(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });
      return;
    }
    const presented = /^(?:Bearer|token)\s+(.+)$/i.exec(authorization)?.[1];
    if (presented !== token) {
      answer(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      return;
    }

    // The description.
    if (!matched) {
      answer(404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, {}, [
        `${method} ${url.pathname} is not an operation of GitHub's REST description`,
      ]);
      return;
    }
    const { route, params } = matched;
    call.operationId = route.operation.operationId;
    const badQuery = queryErrors(description, route, url.searchParams);
    if (badQuery.length > 0) {
      answer(
        400,
        { message: `Invalid query.\n\n${badQuery.join('\n')}`, documentation_url: DOCS },
        {},
        badQuery,
      );
      return;
    }
    const requestBody = route.operation.requestBody;
    if (malformed) {
      answer(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' }, {}, [
        'body is not JSON',
      ]);
      return;
    }
    if (requestBody) {
      const schema = requestBody.content['application/json']?.schema;
      const errors =
        body === undefined
          ? requestBody.required
            ? ['a JSON body is required']
            : []
          : schema
            ? schemaErrors(description, schema, body, 'body')
            : [];
      if (errors.length > 0) {
        answer(
          422,
          { message: `Invalid request.\n\n${errors.join('\n')}`, documentation_url: DOCS, status: '422' },
          {},
          errors,
        );
        return;
      }
    } else if (body !== undefined && method !== 'GET') {
      answer(400, { message: 'This operation takes no body', documentation_url: DOCS }, {}, [
        'unexpected body',
      ]);
      return;
    }

    const handler = handlers[route.operation.operationId];
    if (!handler) {
      answer(501, {
        message: `${route.operation.operationId} is described but not implemented by the stand-in`,
      });
      return;
    }
    try {
      const repo = repoOf(params.owner ?? '', params.repo ?? '');
      const result = handler(repo, params, url.searchParams, isRecord(body) ? body : {});
      if (fault?.fault === 'lose') {
        // Done, but the answer is lost on the way back.
        call.status = 0;
        req.socket.destroy();
        return;
      }
      answer(result.status, result.body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      if (fault?.fault === 'lose') {
        call.status = 0;
        req.socket.destroy();
        return;
      }
      answer(error.status, error.body, {}, [error.message]);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(error) });
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const { port } = server.address() as AddressInfo;
  apiUrl = `http://127.0.0.1:${port}`;

  const stateOf = (repo: string) => {
    const state = repos.get(repo.toLowerCase());
    if (!state) throw new Error(`the stand-in has no repository ${repo}`);
    return state;
  };

  return {
    url: apiUrl,
    token,
    calls,
    deliveries,
    issues: (repo) => stateOf(repo).issues.filter((i) => !i.pull),
    pulls: (repo) => stateOf(repo).pulls,
    labels: (repo) => stateOf(repo).labels,
    commitsOn(repo, branch) {
      const state = stateOf(repo);
      const base = ancestors(state, state.branches.get(defaultBranch));
      const list: StubCommit[] = [];
      let at = state.branches.get(branch);
      while (at && !base.has(at)) {
        const commit = state.commits.get(at);
        if (!commit) break;
        list.unshift(commit);
        at = commit.parent;
      }
      return list;
    },
    file(repo, branch, path) {
      return treeOf(stateOf(repo), branch)?.get(path)?.toString('utf8');
    },
    branches: (repo) => [...stateOf(repo).branches.keys()],
    mergePull(repo, number, mergeOptions) {
      const state = stateOf(repo);
      const pull = state.pulls.find((p) => p.number === number && p.state === 'open');
      const issue = state.issues.find((i) => i.number === number);
      const head = pull ? state.branches.get(pull.head) : undefined;
      const base = pull ? state.branches.get(pull.base) : undefined;
      if (!pull || !issue || !head || !base) throw new Error(`no open pull request ${repo}#${number}`);
      if (ancestors(state, head).has(base)) {
        state.branches.set(pull.base, head);
      } else {
        const files = new Map([
          ...(state.commits.get(base)?.files ?? []),
          ...(state.commits.get(head)?.files ?? []),
        ]);
        const message = `Merge pull request #${number} from ${state.owner}/${pull.head}`;
        const sha = commitSha(head, message, files);
        state.commits.set(sha, { sha, parent: head, message, files });
        state.branches.set(pull.base, sha);
      }
      pull.merged = true;
      changeState(issue, 'closed');
      if (mergeOptions?.deleteBranch) state.branches.delete(pull.head);
    },
    setCollaborators(logins) {
      collaborators = new Set(logins);
    },
    setCanPush(on) {
      canPush = on;
    },
    setWebhook(next) {
      webhook = next;
    },
    async setIssueState(repo, number, state) {
      const repoState = stateOf(repo);
      const issue = repoState.issues.find((i) => i.number === number);
      if (!issue) throw new Error(`no issue ${repo}#${number}`);
      const changed = issue.state !== state;
      changeState(issue, state);
      if (!changed || !webhook) return { delivery: undefined };
      const rawBody = JSON.stringify({
        action: state === 'closed' ? 'closed' : 'reopened',
        issue: issueJson(repoState, issue),
        repository: {
          id: 4242,
          name: repoState.name,
          full_name: full(repoState),
          owner: userJson(repoState.owner),
          html_url: `https://github.com/${full(repoState)}`,
        },
        sender: userJson('octocat'),
      });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/stub',
        'x-github-event': 'issues',
        'x-github-delivery': randomUUID(),
        'x-github-hook-id': '1',
        'x-hub-signature': `sha1=${createHmac('sha1', webhook.secret).update(rawBody).digest('hex')}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', webhook.secret).update(rawBody).digest('hex')}`,
      };
      const delivery: WebhookDelivery = { url: webhook.url, headers, rawBody, status: 0 };
      try {
        const response = await fetch(webhook.url, { method: 'POST', headers, body: rawBody });
        await response.arrayBuffer();
        delivery.status = response.status;
      } catch {
        delivery.status = 0;
      }
      deliveries.push(delivery);
      return { delivery };
    },
    failNext(count, fault, failOptions) {
      for (let i = 0; i < count; i++) {
        faults.push({
          fault,
          retryAfterSeconds: failOptions?.retryAfterSeconds ?? 1,
          resetAt: failOptions?.resetAt,
          operationId: failOptions?.operationId,
        });
      }
    },
    reset() {
      calls.length = 0;
      deliveries.length = 0;
      faults.length = 0;
      collaborators = new Set(options.collaborators ?? ['octocat']);
      canPush = options.canPush ?? true;
      webhook = options.webhook;
      freshRepos();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const socket of heldSockets) socket.destroy();
      heldSockets.clear();
      const closing = new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
      server.closeAllConnections();
      await closing;
    },
  };
}

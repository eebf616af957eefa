/**
 * A local stand-in for Linear's GraphQL API (`POST /graphql`), as strict as Linear for the operations
 * incident-bot sends (lambda/trackers/linear.ts). Each request is parsed, validated and executed with
 * the `graphql` library against Linear's own schema, trimmed to the types used
 * (tests/fixtures/vendor/linear-schema.graphql): a misspelt field, argument or input field fails as it
 * would at api.linear.app (HTTP 400, `errors[]`), and answers carry only what was selected.
 * Auth: `Authorization: <API key>` exactly (a `Bearer` prefix is refused, as Linear refuses it for
 * personal keys). Unknown team or assignee: a GraphQL error with HTTP 200, as Linear answers.
 * Faults: `failNext` (HTTP status, e.g. 500 or 429 with Retry-After, or a GraphQL error code such as
 * RATELIMITED), `hangNext` (never answer), `dropNext` (execute, never answer: a lost answer).
 * `setState` moves an issue to a workflow state and can deliver the signed webhook Linear would send.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { buildSchema, GraphQLError, type GraphQLSchema, graphql } from 'graphql';
import { readBody } from './apigw';
import {
  FaultQueue,
  type ScriptedFault,
  type StandInControls,
  StubServer,
  standInControls,
} from './stub-server';

const SCHEMA_FILE = join(__dirname, '..', 'tests', 'fixtures', 'vendor', 'linear-schema.graphql');

let cachedSchema: GraphQLSchema | undefined;
/** Linear's schema as kept in the fixture. */
export function linearSchema(): GraphQLSchema {
  cachedSchema ??= buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
  return cachedSchema;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type LinearStateType = 'triage' | 'backlog' | 'unstarted' | 'started' | 'completed' | 'canceled';

export interface LinearTeam {
  id: string;
  key: string;
  name: string;
}
export interface LinearUser {
  id: string;
  name: string;
  displayName: string;
  email: string;
}
export interface LinearLabel {
  id: string;
  name: string;
  color: string;
  team: LinearTeam | null;
}
export interface LinearState {
  id: string;
  name: string;
  type: LinearStateType;
  color: string;
}
export interface LinearIssue {
  id: string;
  identifier: string;
  number: number;
  url: string;
  title: string;
  description: string | null;
  team: LinearTeam;
  state: LinearState;
  assignee: LinearUser | null;
  labelIds: string[];
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  canceledAt: string | null;
}

export interface LinearCall {
  headers: IncomingHttpHeaders;
  /** The parsed body (`{query, variables, operationName}`), or the raw text. */
  body: unknown;
  operationName?: string;
  /** HTTP status answered; 0 when never answered. */
  status: number;
  /** The `errors[].message` answered, if any. */
  errors?: string[];
}

/** A scripted answer for the next request: an HTTP status, or a GraphQL error with its code. */
export type LinearFaultAnswer =
  | { status: number; retryAfterSeconds?: number }
  | { code: string; message?: string; status?: number; resetAtMs?: number };

/** That, or never answering. */
export type LinearFault = ScriptedFault<LinearFaultAnswer>;

export interface LinearStubOptions {
  apiKey?: string;
  teams?: { key: string; name: string }[];
  users?: { id: string; name: string }[];
  /** Workspace labels that exist before the test. */
  labels?: string[];
  port?: number;
}

export interface LinearStub extends StandInControls<LinearFaultAnswer> {
  /** The GraphQL endpoint, `http://127.0.0.1:<port>/graphql`. */
  url: string;
  apiKey: string;
  calls: LinearCall[];
  issues: LinearIssue[];
  labels: LinearLabel[];
  teams: LinearTeam[];
  /**
   * Moves an issue to a workflow state of that type; with `webhook`, POSTs the `Issue` `update` delivery
   * Linear would send, signed (`Linear-Signature`), with `webhookTimestamp` = `timestampMs` (default now).
   */
  setState(
    idOrIdentifier: string,
    type: LinearStateType,
    webhook?: { url: string; secret: string; timestampMs?: number },
  ): Promise<Response | undefined>;
  /** The webhook body and headers for the issue's last state change, without sending it. */
  webhookDelivery(
    idOrIdentifier: string,
    secret: string,
    timestampMs?: number,
  ): { body: string; headers: Record<string, string> };
}

const STATE_NAMES: Record<LinearStateType, string> = {
  triage: 'Triage',
  backlog: 'Backlog',
  unstarted: 'Todo',
  started: 'In Progress',
  completed: 'Done',
  canceled: 'Canceled',
};

const COMPARATORS = new Set([
  'eq',
  'neq',
  'in',
  'nin',
  'contains',
  'containsIgnoreCase',
  'notContains',
  'startsWith',
  'endsWith',
  'eqIgnoreCase',
  'null',
  'gt',
  'gte',
  'lt',
  'lte',
]);

function compare(value: unknown, comparator: Record<string, unknown>): boolean {
  return Object.entries(comparator).every(([op, expected]) => {
    const text = typeof value === 'string' ? value : undefined;
    switch (op) {
      case 'eq':
        return value === expected;
      case 'neq':
        return value !== expected;
      case 'in':
        return Array.isArray(expected) && expected.includes(value);
      case 'nin':
        return Array.isArray(expected) && !expected.includes(value);
      case 'contains':
        return text?.includes(String(expected));
      case 'notContains':
        return text === undefined || !text.includes(String(expected));
      case 'containsIgnoreCase':
        return text?.toLowerCase().includes(String(expected).toLowerCase());
      case 'eqIgnoreCase':
        return text !== undefined && text.toLowerCase() === String(expected).toLowerCase();
      case 'startsWith':
        return text?.startsWith(String(expected));
      case 'endsWith':
        return text?.endsWith(String(expected));
      case 'null':
        return (value === null || value === undefined) === expected;
      case 'gt':
        return typeof value === 'number' && value > Number(expected);
      case 'gte':
        return typeof value === 'number' && value >= Number(expected);
      case 'lt':
        return typeof value === 'number' && value < Number(expected);
      case 'lte':
        return typeof value === 'number' && value <= Number(expected);
      default:
        throw new GraphQLError(`linear-stub does not evaluate the comparator ${op}`);
    }
  });
}

/** Linear's filter semantics for what the schema fixture allows: comparators, nested entities, some/every. */
function matches(
  entity: unknown,
  filter: Record<string, unknown>,
  collections: (entity: unknown, key: string) => unknown[] | undefined,
): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (!isRecord(condition) && !Array.isArray(condition)) {
      if (key === 'null') return (entity === null || entity === undefined) === condition;
      return true;
    }
    if (key === 'and')
      return (condition as Record<string, unknown>[]).every((sub) => matches(entity, sub, collections));
    if (key === 'or')
      return (condition as Record<string, unknown>[]).some((sub) => matches(entity, sub, collections));
    if (!isRecord(entity)) return isRecord(condition) && condition.null === true;
    const value = entity[key];
    const list = collections(entity, key);
    if (list && isRecord(condition)) {
      return Object.entries(condition).every(([op, sub]) => {
        if (op === 'some')
          return list.some((item) => matches(item, sub as Record<string, unknown>, collections));
        if (op === 'every')
          return list.every((item) => matches(item, sub as Record<string, unknown>, collections));
        if (op === 'length') return compare(list.length, sub as Record<string, unknown>);
        return list.some((item) => matches(item, { [op]: sub }, collections));
      });
    }
    if (isRecord(condition) && Object.keys(condition).every((op) => COMPARATORS.has(op))) {
      return compare(value, condition);
    }
    return isRecord(condition) && matches(value, condition, collections);
  });
}

function linearError(message: string, code: string, type: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { type, code, statusCode: 400, userError: true, userPresentableMessage: message },
  });
}

export async function startLinearStub(options: LinearStubOptions = {}): Promise<LinearStub> {
  const schema = linearSchema();
  const apiKey = options.apiKey ?? 'lin_api_stubkey0000000000000000000000000001';
  const teams: LinearTeam[] = (options.teams ?? [{ key: 'OPS', name: 'Operations' }]).map((team) => ({
    id: randomUUID(),
    ...team,
  }));
  const users: LinearUser[] = (
    options.users ?? [{ id: '6f1c2a9e-0b1d-4c3e-9f4a-5b6c7d8e9f01', name: 'Anna K' }]
  ).map((user) => ({
    ...user,
    displayName: user.name.split(' ')[0]?.toLowerCase() ?? user.name,
    email: `${user.id}@acme.test`,
  }));
  const labels: LinearLabel[] = (options.labels ?? []).map((name) => ({
    id: randomUUID(),
    name,
    color: '#bec2c8',
    team: null,
  }));
  const issues: LinearIssue[] = [];
  const calls: LinearCall[] = [];
  const faults = new FaultQueue<LinearFaultAnswer>();
  const counters = new Map<string, number>();
  const previousState = new Map<string, LinearState>();
  let url = '';

  const stateOf = (type: LinearStateType): LinearState => ({
    id: `state-${type}`,
    name: STATE_NAMES[type],
    type,
    color: '#95a2b3',
  });
  const issueView = (issue: LinearIssue) => ({
    ...issue,
    labels: undefined,
  });
  const collections = (entity: unknown, key: string): unknown[] | undefined => {
    if (key === 'labels' && isRecord(entity) && Array.isArray(entity.labelIds)) {
      return entity.labelIds.map((id) => labels.find((label) => label.id === id)).filter(Boolean);
    }
    return undefined;
  };
  const page = <T>(nodes: T[], first: unknown) => {
    const limit = typeof first === 'number' ? first : 50;
    if (limit > 250) throw linearError('first must be at most 250', 'INVALID_INPUT', 'invalid input');
    const kept = nodes.slice(0, limit);
    return {
      nodes: kept,
      pageInfo: {
        hasNextPage: nodes.length > kept.length,
        hasPreviousPage: false,
        startCursor: null,
        endCursor: null,
      },
    };
  };
  const findIssue = (idOrIdentifier: string) =>
    issues.find((issue) => issue.id === idOrIdentifier || issue.identifier === idOrIdentifier);

  const root = {
    teams: (args: { filter?: Record<string, unknown>; first?: number }) =>
      page(
        teams.filter((team) => !args.filter || matches(team, args.filter, collections)),
        args.first,
      ),
    issueLabels: (args: { filter?: Record<string, unknown>; first?: number }) =>
      page(
        labels.filter((label) => !args.filter || matches(label, args.filter, collections)),
        args.first,
      ),
    issues: (args: { filter?: Record<string, unknown>; first?: number }) =>
      page(
        issues.filter((issue) => !args.filter || matches(issue, args.filter, collections)).map(issueView),
        args.first,
      ),
    issue: (args: { id: string }) => {
      const issue = findIssue(args.id);
      if (!issue) throw linearError('Entity not found: Issue', 'INVALID_INPUT', 'invalid input');
      return issueView(issue);
    },
    issueLabelCreate: (args: { input: Record<string, unknown> }) => {
      const input = args.input;
      const team = input.teamId === undefined ? null : teams.find((known) => known.id === input.teamId);
      if (team === undefined) throw linearError('Entity not found: Team', 'INVALID_INPUT', 'invalid input');
      const name = String(input.name);
      if (
        labels.some(
          (label) =>
            label.name.toLowerCase() === name.toLowerCase() && (label.team === null || label.team === team),
        )
      ) {
        throw linearError('Duplicate label name', 'INVALID_INPUT', 'invalid input');
      }
      const label: LinearLabel = { id: randomUUID(), name, color: String(input.color ?? '#bec2c8'), team };
      labels.push(label);
      return { success: true, lastSyncId: labels.length, issueLabel: label };
    },
    issueCreate: (args: { input: Record<string, unknown> }) => {
      const input = args.input;
      const team = teams.find((known) => known.id === input.teamId);
      if (!team)
        throw linearError(
          'Entity not found: Team - Could not find referenced Team.',
          'INVALID_INPUT',
          'invalid input',
        );
      let assignee: LinearUser | null = null;
      if (input.assigneeId !== undefined && input.assigneeId !== null) {
        assignee = users.find((user) => user.id === input.assigneeId) ?? null;
        if (!assignee) {
          throw linearError(
            'Entity not found: User - Could not find referenced User.',
            'INVALID_INPUT',
            'invalid input',
          );
        }
      }
      const labelIds = Array.isArray(input.labelIds) ? input.labelIds.map(String) : [];
      for (const id of labelIds) {
        const label = labels.find((known) => known.id === id);
        if (!label || (label.team !== null && label.team !== team)) {
          throw linearError(
            'Entity not found: IssueLabel - Could not find referenced IssueLabel.',
            'INVALID_INPUT',
            'invalid input',
          );
        }
      }
      if (input.id !== undefined) {
        const id = String(input.id);
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) {
          throw linearError('id must be a UUID v4', 'INVALID_INPUT', 'invalid input');
        }
        if (issues.some((issue) => issue.id === id)) {
          throw linearError('Entity already exists: Issue', 'INVALID_INPUT', 'invalid input');
        }
      }
      if (typeof input.title !== 'string' || input.title.trim() === '') {
        throw linearError('title must not be empty', 'INVALID_INPUT', 'invalid input');
      }
      const number = (counters.get(team.key) ?? 0) + 1;
      counters.set(team.key, number);
      const identifier = `${team.key}-${number}`;
      const now = new Date().toISOString();
      const issue: LinearIssue = {
        id: typeof input.id === 'string' ? input.id : randomUUID(),
        identifier,
        number,
        url: `https://linear.app/acme/issue/${identifier.toLowerCase()}`,
        title: input.title,
        description: typeof input.description === 'string' ? input.description : null,
        team,
        state: stateOf('unstarted'),
        assignee,
        labelIds,
        createdAt: now,
        updatedAt: now,
        completedAt: null,
        canceledAt: null,
      };
      issues.push(issue);
      return { success: true, lastSyncId: issues.length, issue: issueView(issue) };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req, 1024 * 1024);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const call: LinearCall = { headers: req.headers, body, status: 0 };
    if (isRecord(body) && typeof body.query === 'string') {
      const named = /\b(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(body.query);
      if (named?.[1]) call.operationName = named[1];
    }
    calls.push(call);
    const fault = faults.take();
    if (fault === 'hang') {
      server.leaveUnanswered(req);
      return;
    }
    const send = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
      if (fault === 'drop') {
        server.leaveUnanswered(req);
        return;
      }
      call.status = status;
      if (isRecord(answer) && Array.isArray(answer.errors)) {
        call.errors = answer.errors.map((error) => (isRecord(error) ? String(error.message) : String(error)));
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(answer));
    };
    const fail = (
      status: number,
      message: string,
      code: string,
      type: string,
      headers: Record<string, string> = {},
    ) =>
      send(
        status,
        {
          errors: [{ message, extensions: { type, code, userError: true, userPresentableMessage: message } }],
        },
        headers,
      );

    if (fault !== undefined && fault !== 'drop') {
      if ('code' in fault) {
        const headers: Record<string, string> = {};
        if (fault.resetAtMs !== undefined) headers['x-ratelimit-requests-reset'] = String(fault.resetAtMs);
        fail(fault.status ?? 200, fault.message ?? `Scripted ${fault.code}`, fault.code, 'scripted', headers);
      } else {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        send(fault.status, { errors: [{ message: `Scripted ${fault.status}` }] }, headers);
      }
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== '/graphql') {
      send(404, { errors: [{ message: 'Not found' }] });
      return;
    }
    if (req.method !== 'POST') {
      send(405, { errors: [{ message: 'Method not allowed' }] });
      return;
    }
    if (req.headers.authorization !== apiKey) {
      const bearer = req.headers.authorization?.startsWith('Bearer ');
      fail(
        401,
        bearer
          ? 'Authentication required, not authenticated - a personal API key is sent without the Bearer prefix'
          : 'Authentication required, not authenticated',
        'AUTHENTICATION_ERROR',
        'authentication error',
      );
      return;
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json') || !isRecord(body)) {
      fail(400, 'POST body must be JSON: {"query", "variables"}', 'BAD_REQUEST', 'graphql error');
      return;
    }
    if (typeof body.query !== 'string') {
      fail(400, 'Must provide query string.', 'GRAPHQL_VALIDATION_FAILED', 'graphql error');
      return;
    }
    const result = await graphql({
      schema,
      source: body.query,
      rootValue: root,
      variableValues: isRecord(body.variables) ? body.variables : undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    });
    if (result.errors && result.data === undefined) {
      // Parse, validation and variable errors: the request never ran.
      send(400, {
        errors: result.errors.map((error) => ({
          message: error.message,
          locations: error.locations,
          extensions: { type: 'graphql error', code: 'GRAPHQL_VALIDATION_FAILED', userError: true },
        })),
      });
      return;
    }
    send(200, {
      data: result.data ?? null,
      ...(result.errors
        ? {
            errors: result.errors.map((error) => ({
              message: error.message,
              path: error.path,
              extensions: error.extensions,
            })),
          }
        : {}),
    });
  };

  const server = new StubServer(handle, (error) => ({ errors: [{ message: String(error) }] }));
  url = `${await server.listen(options.port)}/graphql`;

  const webhookDelivery = (idOrIdentifier: string, secret: string, timestampMs = Date.now()) => {
    const issue = findIssue(idOrIdentifier);
    if (!issue) throw new Error(`linear-stub: no issue ${idOrIdentifier}`);
    const before = previousState.get(issue.id) ?? stateOf('unstarted');
    const payload = {
      action: 'update',
      type: 'Issue',
      createdAt: issue.updatedAt,
      organizationId: '0f3b2c1d-0000-4000-8000-000000000001',
      url: issue.url,
      webhookId: '1a2b3c4d-0000-4000-8000-000000000002',
      webhookTimestamp: timestampMs,
      data: {
        id: issue.id,
        identifier: issue.identifier,
        number: issue.number,
        title: issue.title,
        teamId: issue.team.id,
        stateId: issue.state.id,
        state: {
          id: issue.state.id,
          name: issue.state.name,
          type: issue.state.type,
          color: issue.state.color,
        },
        completedAt: issue.completedAt,
        canceledAt: issue.canceledAt,
        createdAt: issue.createdAt,
        updatedAt: issue.updatedAt,
      },
      updatedFrom: { stateId: before.id, updatedAt: issue.createdAt, completedAt: null },
    };
    const body = JSON.stringify(payload);
    return {
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'linear-delivery': randomUUID(),
        'linear-event': 'Issue',
        'linear-signature': createHmac('sha256', secret).update(body, 'utf8').digest('hex'),
      },
    };
  };

  return {
    url,
    apiKey,
    calls,
    issues,
    labels,
    teams,
    ...standInControls(server, faults, [calls, issues]),
    async setState(idOrIdentifier, type, webhook) {
      const issue = findIssue(idOrIdentifier);
      if (!issue) throw new Error(`linear-stub: no issue ${idOrIdentifier}`);
      previousState.set(issue.id, issue.state);
      const now = new Date().toISOString();
      issue.state = stateOf(type);
      issue.updatedAt = now;
      issue.completedAt = type === 'completed' ? now : null;
      issue.canceledAt = type === 'canceled' ? now : null;
      if (!webhook) return undefined;
      const delivery = webhookDelivery(issue.id, webhook.secret, webhook.timestampMs);
      return fetch(webhook.url, { method: 'POST', headers: delivery.headers, body: delivery.body });
    },
    webhookDelivery,
  };
}

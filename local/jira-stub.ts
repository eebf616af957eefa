/**
 * A local stand-in for Jira Cloud's REST API v3, as strict as Jira for the calls incident-bot makes
 * (lambda/trackers/jira.ts). Every request is checked against vendor descriptions kept as fixtures:
 * - tests/fixtures/vendor/jira-platform-openapi.json: Atlassian's published OpenAPI, trimmed to the
 *   operations used. Unknown paths, methods and query parameters are refused; request bodies are
 *   validated against the operation's schema (`additionalProperties: false` included), and the
 *   stub's own answers against the response schema, so the stub cannot drift from Jira either.
 * - tests/fixtures/vendor/jira-createmeta-ops.json: what a create may carry in project OPS (fields,
 *   required ones, types) and Jira's messages for each refusal.
 * - tests/fixtures/vendor/jira-adf-schema.json: the Atlassian Document Format JSON schema (trimmed to
 *   the nodes the bot writes): the description must be a valid ADF document.
 * Auth is basic (email:token) → 401 otherwise. Faults: `failNext` (a status, e.g. 500 or 429 with
 * Retry-After), `hangNext` (never answer), `dropNext` (do the work, never answer: a lost answer).
 * `transition` moves an issue to another status and can deliver a signed `jira:issue_updated` webhook.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { readBody } from './apigw';
import {
  FaultQueue,
  type ScriptedFault,
  type StandInControls,
  StubServer,
  standInControls,
} from './stub-server';

const FIXTURES = join(__dirname, '..', 'tests', 'fixtures', 'vendor');

type Json = unknown;
type Schema = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

/**
 * A JSON Schema check for the subset OpenAPI 3.0 and the ADF schema (draft-04) use: `$ref`, `allOf`,
 * `anyOf`, `oneOf`, `type`, `enum`, `properties`, `required`, `additionalProperties`, `items`,
 * `minItems`, `maxItems`, `minLength`, `maxLength`. Returns the problems, each with its JSON path.
 */
export function schemaErrors(
  schema: unknown,
  value: Json,
  root: Record<string, unknown>,
  path = '$',
): string[] {
  if (!isRecord(schema)) return [];
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, part) => (isRecord(node) ? node[part] : undefined), root);
    if (target === undefined) return [`${path}: unresolvable ${schema.$ref}`];
    return schemaErrors(target, value, root, path);
  }
  const errors: string[] = [];
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) errors.push(...schemaErrors(part, value, root, path));
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (
      Array.isArray(options) &&
      !options.some((option) => schemaErrors(option, value, root, path).length === 0)
    ) {
      const type =
        isRecord(value) && typeof value.type === 'string' ? ` (type ${JSON.stringify(value.type)})` : '';
      errors.push(`${path}: matches none of the allowed shapes${type}`);
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  const type = schema.type;
  if (typeof type === 'string' && !hasType(value, type)) {
    errors.push(
      `${path}: expected ${type}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
    );
    return errors;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      errors.push(`${path}: shorter than ${schema.minLength}`);
    }
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
      errors.push(`${path}: longer than ${schema.maxLength}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      errors.push(`${path}: fewer than ${schema.minItems} items`);
    }
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      errors.push(`${path}: more than ${schema.maxItems} items`);
    }
    if (schema.items !== undefined) {
      value.forEach((item, index) => {
        errors.push(...schemaErrors(schema.items, item, root, `${path}[${index}]`));
      });
    }
  }
  if (isRecord(value)) {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const name of schema.required) {
        if (typeof name === 'string' && !(name in value)) errors.push(`${path}: '${name}' is required`);
      }
    }
    for (const [name, item] of Object.entries(value)) {
      if (name in properties) errors.push(...schemaErrors(properties[name], item, root, `${path}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unknown property '${name}'`);
      else if (isRecord(schema.additionalProperties)) {
        errors.push(...schemaErrors(schema.additionalProperties, item, root, `${path}.${name}`));
      }
    }
  }
  return errors;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return true;
  }
}

export interface JiraOperation {
  method: string;
  template: string;
  operation: Schema;
  params: Record<string, string>;
}

/** The fixture's operation for this method and path, with its path parameters. */
export function findJiraOperation(openapi: Record<string, unknown>, method: string, path: string) {
  const paths = isRecord(openapi.paths) ? openapi.paths : {};
  for (const [template, item] of Object.entries(paths)) {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${template.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const match = pattern.exec(path);
    if (!match || !isRecord(item)) continue;
    const operation = item[method.toLowerCase()];
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] ?? '');
    });
    return { template, operation: isRecord(operation) ? operation : undefined, params };
  }
  return undefined;
}

export type JiraStatusCategory = 'new' | 'indeterminate' | 'done';

export interface JiraIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  status: { name: string; category: JiraStatusCategory };
  created: string;
  resolutiondate: string | null;
  updated: string;
}

export interface JiraCall {
  method: string;
  /** Path with its query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (or the raw text when it was not JSON; undefined when empty). */
  body: unknown;
  /** The status answered; 0 when never answered. */
  status: number;
  /** What the stub refused, in Jira's words. */
  errors?: string[];
}

/** A scripted status (with a JSON error body) for the next request. */
export interface JiraFaultAnswer {
  status: number;
  retryAfterSeconds?: number;
  body?: unknown;
}

/** A scripted answer for the next request: a status, or never answering. */
export type JiraFault = ScriptedFault<JiraFaultAnswer>;

export interface JiraStubOptions {
  email?: string;
  apiToken?: string;
  /** Account ids that exist and may be assigned. */
  accountIds?: string[];
  port?: number;
}

export interface JiraStub extends StandInControls<JiraFaultAnswer> {
  /** `http://127.0.0.1:<port>`: the site's base URL. */
  url: string;
  email: string;
  apiToken: string;
  calls: JiraCall[];
  issues: JiraIssue[];
  /**
   * Moves an issue to a status; with `webhook`, POSTs the `jira:issue_updated` delivery Jira would send,
   * signed with `secret` (`X-Hub-Signature: sha256=<hex>`), and returns the receiver's response.
   */
  transition(
    idOrKey: string,
    to: { name: string; category: JiraStatusCategory; at?: string },
    webhook?: { url: string; secret: string },
  ): Promise<Response | undefined>;
  /** The webhook body and headers for the issue's last transition, without sending it. */
  webhookDelivery(
    idOrKey: string,
    secret: string,
    from?: string,
  ): { body: string; headers: Record<string, string> };
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startJiraStub(options: JiraStubOptions = {}): Promise<JiraStub> {
  const openapi = loadJson('jira-platform-openapi.json');
  const createmeta = loadJson('jira-createmeta-ops.json');
  const adf = loadJson('jira-adf-schema.json');
  const messages = createmeta.messages as Record<string, string>;
  const project = createmeta.project as { id: string; key: string; name: string };
  const issueTypes = createmeta.issueTypes as { id: string; name: string }[];
  const metaFields = createmeta.fields as { key: string; required: boolean; schema: { type: string } }[];
  const email = options.email ?? 'bot@acme.test';
  const apiToken = options.apiToken ?? 'jira-token-1';
  const accountIds = new Set(options.accountIds ?? ['5b10a2844c20165700ede21g']);
  const calls: JiraCall[] = [];
  const issues: JiraIssue[] = [];
  const faults = new FaultQueue<JiraFaultAnswer>();
  const previousStatus = new Map<string, string>();
  let nextId = 10001;
  let nextNumber = 1;
  let url = '';

  const findIssue = (idOrKey: string) =>
    issues.find((issue) => issue.id === idOrKey || issue.key === idOrKey);

  const issueBean = (issue: JiraIssue, wanted?: readonly string[]) => {
    const all: Record<string, unknown> = {
      ...issue.fields,
      status: {
        self: `${url}/rest/api/3/status/${statusId(issue.status.name)}`,
        name: issue.status.name,
        id: statusId(issue.status.name),
        statusCategory: categoryBean(issue.status.category),
      },
      resolutiondate: issue.resolutiondate,
      created: issue.created,
      updated: issue.updated,
    };
    const fields: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(all)) {
      if (!wanted || wanted.includes('*all') || wanted.includes(name)) fields[name] = value;
    }
    return { id: issue.id, key: issue.key, self: `${url}/rest/api/3/issue/${issue.id}`, fields };
  };

  /** Jira's checks on a create's `fields`, in its words, keyed by field as in its `errors` object. */
  const createErrors = (fields: Record<string, unknown>): Record<string, string> => {
    const errors: Record<string, string> = {};
    for (const name of Object.keys(fields)) {
      if (!metaFields.some((field) => field.key === name)) {
        errors[name] = messages.unknownField?.replace('{field}', name) ?? name;
      }
    }
    const projectRef = fields.project;
    if (
      !isRecord(projectRef) ||
      !(projectRef.key === project.key || projectRef.id === project.id) ||
      Object.keys(projectRef).some((key) => key !== 'key' && key !== 'id')
    ) {
      errors.project = messages.project ?? 'project';
    }
    const type = fields.issuetype;
    if (!isRecord(type) || !issueTypes.some((known) => known.name === type.name || known.id === type.id)) {
      errors.issuetype = messages.issuetype ?? 'issuetype';
    }
    const summary = fields.summary;
    if (typeof summary !== 'string' || summary.trim() === '')
      errors.summary = messages.summaryRequired ?? 'summary';
    else if (summary.length >= 255) errors.summary = messages.summaryLength ?? 'summary';
    else if (/[\r\n]/.test(summary)) errors.summary = messages.summaryLines ?? 'summary';
    if ('description' in fields && fields.description !== null) {
      const problems = schemaErrors(adf.$ref ? { $ref: adf.$ref } : adf, fields.description, adf);
      if (problems.length > 0)
        errors.description = `${messages.description} [${problems.slice(0, 3).join('; ')}]`;
    }
    if ('labels' in fields) {
      const labels = fields.labels;
      if (!Array.isArray(labels) || labels.some((label) => typeof label !== 'string')) {
        errors.labels = 'labels must be an array of strings';
      } else {
        const spaced = labels.find((label: string) => /\s/.test(label));
        const long = labels.find((label: string) => label.length > 255);
        if (spaced !== undefined)
          errors.labels = messages.labelSpaces?.replace('{label}', spaced) ?? 'labels';
        else if (long !== undefined)
          errors.labels = messages.labelLength?.replace('{label}', long) ?? 'labels';
      }
    }
    if ('assignee' in fields && fields.assignee !== null) {
      const assignee = fields.assignee;
      if (
        !isRecord(assignee) ||
        typeof assignee.accountId !== 'string' ||
        !accountIds.has(assignee.accountId)
      ) {
        errors.assignee = messages.assignee ?? 'assignee';
      }
    }
    return errors;
  };

  /** The enhanced search's JQL, as far as this stub speaks it: `field = "value"` joined by AND. */
  const search = (jql: string): JiraIssue[] | string => {
    const [where = ''] = jql.split(/\s+ORDER\s+BY\s+/i);
    const clauses = where.trim() === '' ? [] : where.split(/\s+AND\s+/i);
    const tests: ((issue: JiraIssue) => boolean)[] = [];
    for (const clause of clauses) {
      const match = /^\s*(project|labels|key|id)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_-]+))\s*$/.exec(
        clause,
      );
      if (!match) return `Error in the JQL Query: the clause '${clause.trim()}' is not supported here.`;
      const field = match[1];
      const value = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
      if (field === 'project') {
        if (value !== project.key && value !== project.id) {
          return `The value '${value}' does not exist for the field 'project'.`;
        }
        tests.push(() => true);
      } else if (field === 'labels') {
        tests.push((issue) => Array.isArray(issue.fields.labels) && issue.fields.labels.includes(value));
      } else tests.push((issue) => issue.key === value || issue.id === value);
    }
    return issues.filter((issue) => tests.every((test) => test(issue)));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req, MAX_BODY_BYTES);
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: unknown;
    let malformed = false;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        malformed = true;
      }
    }
    const call: JiraCall = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      status: 0,
    };
    calls.push(call);

    const fault = faults.take();
    if (fault === 'hang') {
      server.leaveUnanswered(req);
      return;
    }
    const send = (
      status: number,
      answer: unknown,
      headers: Record<string, string> = {},
      errors?: string[],
    ) => {
      if (fault === 'drop') {
        call.status = 0;
        server.leaveUnanswered(req);
        return;
      }
      call.status = status;
      if (errors) call.errors = errors;
      const payload = typeof answer === 'string' ? answer : JSON.stringify(answer);
      res.writeHead(status, {
        'content-type':
          typeof answer === 'string' ? 'text/plain;charset=UTF-8' : 'application/json;charset=UTF-8',
        ...headers,
      });
      res.end(payload);
    };
    const refuse = (status: number, errorMessages: string[], errors: Record<string, string> = {}) =>
      send(status, { errorMessages, errors }, {}, [...errorMessages, ...Object.values(errors)]);

    if (fault !== undefined && fault !== 'drop') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      send(fault.status, fault.body ?? { errorMessages: [`Scripted ${fault.status}`], errors: {} }, headers);
      return;
    }

    const found = findJiraOperation(openapi, call.method, target.pathname);
    if (!found) {
      refuse(404, [`No operation at ${target.pathname} in the Jira REST API description.`]);
      return;
    }
    if (!found.operation) {
      send(405, '', { allow: 'see the description' });
      return;
    }
    const operation = found.operation;
    const authorization = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
    if (authorization !== expected) {
      send(401, messages.unauthenticated ?? 'Unauthorized', {
        'www-authenticate': 'Basic realm="protected-area"',
      });
      return;
    }
    const declared = (Array.isArray(operation.parameters) ? operation.parameters : []).filter(isRecord);
    for (const name of new Set(target.searchParams.keys())) {
      if (!declared.some((param) => param.in === 'query' && param.name === name)) {
        refuse(400, [`Unknown query parameter '${name}' for ${operation.operationId}.`]);
        return;
      }
    }
    const requestBody = isRecord(operation.requestBody) ? operation.requestBody : undefined;
    if (requestBody) {
      const content = isRecord(requestBody.content) ? requestBody.content['application/json'] : undefined;
      const schema = isRecord(content) ? content.schema : undefined;
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        send(415, 'Unsupported Media Type');
        return;
      }
      if (malformed || body === undefined) {
        refuse(400, ['Invalid request payload. Refer to the REST API documentation and try again.']);
        return;
      }
      const problems = schemaErrors(schema, body, openapi);
      if (problems.length > 0) {
        refuse(400, [`Invalid request payload: ${problems.join('; ')}`]);
        return;
      }
    }

    const respond = (status: number, answer: Record<string, unknown>) => {
      const responses = isRecord(operation.responses) ? operation.responses : {};
      const described = responses[String(status)];
      const content =
        isRecord(described) && isRecord(described.content)
          ? described.content['application/json']
          : undefined;
      const schema = isRecord(content) ? content.schema : undefined;
      const problems = schema ? schemaErrors(schema, answer, openapi) : [];
      if (problems.length > 0)
        throw new Error(`jira-stub answer drifts from the description: ${problems.join('; ')}`);
      send(status, answer);
    };

    switch (operation.operationId) {
      case 'createIssue': {
        const fields = isRecord(body) && isRecord(body.fields) ? body.fields : {};
        const errors = createErrors(fields);
        if (Object.keys(errors).length > 0) {
          refuse(400, [], errors);
          return;
        }
        const now = new Date().toISOString();
        const issue: JiraIssue = {
          id: String(nextId++),
          key: `${project.key}-${nextNumber++}`,
          fields: { ...fields },
          status: { name: 'To Do', category: 'new' },
          created: now,
          updated: now,
          resolutiondate: null,
        };
        issues.push(issue);
        respond(201, { id: issue.id, key: issue.key, self: `${url}/rest/api/3/issue/${issue.id}` });
        return;
      }
      case 'searchAndReconsileIssuesUsingJqlPost': {
        const request = body as { jql: string; fields?: string[]; maxResults?: number };
        const result = search(request.jql ?? '');
        if (typeof result === 'string') {
          refuse(400, [result]);
          return;
        }
        const page = result.slice(0, request.maxResults ?? 50);
        respond(200, {
          issues: page.map((issue) => (request.fields ? issueBean(issue, request.fields) : { id: issue.id })),
          isLast: page.length === result.length,
        });
        return;
      }
      case 'getIssue': {
        const issue = findIssue(found.params.issueIdOrKey ?? '');
        if (!issue) {
          refuse(404, [messages.issueNotFound ?? 'Issue does not exist']);
          return;
        }
        const wanted = target.searchParams.getAll('fields').flatMap((value) => value.split(','));
        respond(200, issueBean(issue, wanted.length > 0 ? wanted : undefined));
        return;
      }
      default:
        refuse(501, [`jira-stub does not implement ${String(operation.operationId)}`]);
    }
  };

  const server = new StubServer(handle, (error) => ({ errorMessages: [String(error)], errors: {} }));
  url = await server.listen(options.port);

  const webhookDelivery = (idOrKey: string, secret: string, from?: string) => {
    const issue = findIssue(idOrKey);
    if (!issue) throw new Error(`jira-stub: no issue ${idOrKey}`);
    const at = Date.parse(issue.updated);
    const fromName = from ?? previousStatus.get(issue.id) ?? 'To Do';
    const payload = {
      timestamp: at,
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: { accountId: '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077', displayName: 'Anna K' },
      issue: issueBean(issue),
      changelog: {
        id: String(at),
        items: [
          {
            field: 'status',
            fieldtype: 'jira',
            fieldId: 'status',
            from: statusId(fromName),
            fromString: fromName,
            to: statusId(issue.status.name),
            toString: issue.status.name,
          },
        ],
      },
    };
    const body = JSON.stringify(payload);
    const signature = createHmac('sha256', secret).update(body, 'utf8').digest('hex');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': `sha256=${signature}`,
        'x-atlassian-webhook-identifier': String(at),
        'x-atlassian-webhook-flow': 'Primary',
      },
    };
  };

  return {
    url,
    email,
    apiToken,
    calls,
    issues,
    ...standInControls(server, faults, [calls, issues]),
    async transition(idOrKey, to, webhook) {
      const issue = findIssue(idOrKey);
      if (!issue) throw new Error(`jira-stub: no issue ${idOrKey}`);
      previousStatus.set(issue.id, issue.status.name);
      const at = to.at ?? new Date().toISOString();
      issue.status = { name: to.name, category: to.category };
      issue.updated = at;
      // Jira writes its times with a colonless offset: 2024-02-18T15:30:00.000+0000.
      issue.resolutiondate = to.category === 'done' ? new Date(at).toISOString().replace('Z', '+0000') : null;
      if (!webhook) return undefined;
      const delivery = webhookDelivery(issue.id, webhook.secret);
      return fetch(webhook.url, { method: 'POST', headers: delivery.headers, body: delivery.body });
    },
    webhookDelivery,
  };
}

const STATUS_IDS: Record<string, string> = { 'To Do': '10000', 'In Progress': '3', Done: '10001' };

function statusId(name: string): string {
  return STATUS_IDS[name] ?? String(20000 + [...name].reduce((sum, char) => sum + char.charCodeAt(0), 0));
}

function categoryBean(category: JiraStatusCategory) {
  const names = {
    new: ['To Do', 2, 'blue-gray'],
    indeterminate: ['In Progress', 4, 'yellow'],
    done: ['Done', 3, 'green'],
  };
  const [name, id, colorName] = names[category];
  return { self: `/rest/api/3/statuscategory/${id}`, id, key: category, colorName, name };
}

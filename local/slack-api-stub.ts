/**
 * A local stand-in for Slack's Web API, so the demo, the integration tests and the benchmarks can run the
 * real `WebClient` (pointed here with `slackApiUrl`) without a workspace or network access.
 *
 * It keeps just enough workspace state (channels, members, messages, pins, views, uploaded files) to
 * answer with Slack's real response shapes and error codes: errors are `{ ok: false, error }` with
 * HTTP 200, like Slack, so the client raises the same `slack_webapi_platform_error` it would in production.
 *
 * `fault()` makes any method misbehave as Slack can: an HTTP status (500, 503, 429 with Retry-After),
 * a platform error, a slow answer or none at all, so timeouts and rate limits are exercised for real.
 *
 * It is as strict as Slack where the bot could get it wrong:
 * - membership: chat.postMessage, chat.postEphemeral (the bot and the target user),
 *   files.completeUploadExternal and pins/topic/invite need the bot in the channel; a DM (`D…`) has the
 *   bot and its user as members;
 * - trigger ids: views.open takes only an id issued by `issueTriggerId` (what Slack put in the payload),
 *   once, within 3 s;
 * - users: users.info knows only the users of the directory (`users`, `addUser`);
 * - user groups: usergroups.users.update knows only the groups of `usergroups` / `addUsergroup`,
 *   takes only users of the directory, and on a free plan (`plan: 'free'`, `setPlan`) refuses as a
 *   workspace without user groups does;
 * - rate limits: each method's documented tier per token (local/slack-rate-limits.ts), answered with
 *   HTTP 429 and Retry-After as Slack does; `rateLimits` scales or turns them off.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { requiredBotScopes, WEB_API_METHODS, type WebApiMethod } from '../lambda/slack/methods';
import { readBodyBytes } from './apigw';
import { messageProblems, viewProblems } from './block-kit-limits';
import { SlackRateLimiter } from './slack-rate-limits';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
}

export interface StubChannel {
  id: string;
  name: string;
  members: Set<string>;
  topic?: string;
  pins: string[];
  isPrivate: boolean;
  isArchived: boolean;
  created: number;
  creator: string;
}

export interface StubMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  thread_ts?: string;
  user: string;
  updatedAt?: number;
}

export interface StubEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text?: string;
  blocks?: unknown;
  thread_ts?: string;
}

export interface StubUpload {
  fileId: string;
  /** Epoch seconds. */
  created?: number;
  filename: string;
  title?: string;
  channelId?: string;
  threadTs?: string;
  initialComment?: string;
  /** The bytes as UTF-8 text (Markdown, HTML). */
  content: string;
  /** The bytes as uploaded (a PNG). */
  bytes: Buffer;
}

export interface StubUser {
  id: string;
  /** Merged over the generated profile (`real_name`, `display_name`, `email`, …). */
  profile?: Record<string, unknown>;
  isBot?: boolean;
}

export interface StubUsergroup {
  id: string;
  handle: string;
  /** Its members, as the last usergroups.users.update set them. */
  users: string[];
}

export interface StubView {
  id: string;
  type: string;
  /** Set for Home tabs (views.publish). */
  userId?: string;
  triggerId?: string;
  externalId?: string;
  hash: string;
  view: Record<string, unknown>;
}

/**
 * How calls of a method misbehave. Set one or more of `status`, `error`, `delayMs`, `hang`; the delay
 * comes first, then the status or error (or, with neither, the normal answer).
 */
export interface SlackFault {
  /** Answer with this HTTP status (e.g. 500, 503); a 429 carries `Retry-After`, as Slack's always do. */
  status?: number;
  /**
   * Answer `{ ok: false, error }` with HTTP 200, like Slack; `ratelimited` answers HTTP 429 with
   * `Retry-After`, as Slack does. With `status`, the code goes in that answer's body.
   */
  error?: string;
  /** `Retry-After` of a 429, in seconds; default 1. */
  retryAfterSeconds?: number;
  /**
   * Wait this long before answering. The call takes effect after the wait, even when the client has
   * given up meanwhile: Slack finishes work whose answer was lost, too.
   */
  delayMs?: number;
  /**
   * Never answer: the socket stays open until the client gives up or the stub closes. The call is
   * recorded and has no effect.
   */
  hang?: boolean;
  /** How many calls the fault applies to; default: every call until `clearFaults`. */
  times?: number;
}

export interface SlackApiStubOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Latency added before every request is handled. */
  delayMs?: number;
  botUserId?: string;
  /** When set, every call must carry exactly this token; otherwise any token is accepted. */
  token?: string;
  /**
   * The scopes the bot token was granted; a method needing one it lacks answers `missing_scope`, as
   * Slack does. Default: exactly what the manifest asks for (lambda/slack/methods.ts).
   */
  scopes?: readonly string[];
  /** Seed channels (the bot is a member unless `members` says otherwise); re-created by reset(). */
  channels?: { name: string; id?: string; members?: string[]; isPrivate?: boolean; topic?: string }[];
  /** What `apps.connections.open` hands a Socket Mode client (a WebSocket server of the test's). */
  socketModeUrl?: string;
  /**
   * The workspace's users besides the bot (ids, or ids with a profile); users.info answers
   * `user_not_found` for anyone else. Re-created by reset().
   */
  users?: (string | { id: string; profile?: Record<string, unknown> })[];
  /**
   * Slack's per-method rate limits (local/slack-rate-limits.ts): 'slack' (the default) applies Slack's
   * documented numbers, `{ scale: N }` N times them (a test simulating many incidents a minute must say
   * why), 'off' none.
   */
  rateLimits?: 'slack' | 'off' | { scale: number };
  /** Epoch ms, for trigger expiry and rate-limit windows; default Date.now. */
  now?: () => number;
  /** The workspace's user groups (`S…` ids, or ids with members). Re-created by reset(). */
  usergroups?: (string | { id: string; handle?: string; users?: string[] })[];
  /**
   * The workspace's plan: on 'free' there are no user groups, and usergroups.users.update answers
   * `paid_teams_only`. @default 'paid'
   */
  plan?: 'paid' | 'free';
}

export interface SlackApiStub {
  /** What to pass as `slackApiUrl`, e.g. http://127.0.0.1:54321/api/ */
  url: string;
  botUserId: string;
  teamId: string;
  /** Every Web API call in arrival order (the raw upload POST is not a Web API call). */
  calls: RecordedCall[];
  uploads: StubUpload[];
  callsTo(method: string): RecordedCall[];
  channels: Map<string, StubChannel>;
  /** Current state: chat.update edits in place. */
  messages: StubMessage[];
  ephemerals: StubEphemeral[];
  views: Map<string, StubView>;
  /** The workspace's users, the bot included. */
  users: Map<string, StubUser>;
  /** Adds (or replaces) a user of the workspace. */
  addUser(id: string, profile?: Record<string, unknown>): StubUser;
  /** The workspace's user groups by id. */
  usergroups: Map<string, StubUsergroup>;
  /** Adds (or replaces) a user group, with no members unless given. */
  addUsergroup(id: string, options?: { handle?: string; users?: string[] }): StubUsergroup;
  /** Switches the workspace's plan (see `SlackApiStubOptions.plan`); reset() returns to the option's. */
  setPlan(plan: 'paid' | 'free'): void;
  /**
   * Records a trigger id as issued now, as Slack does when it sends an interaction payload; views.open
   * takes it once, within 3 s. A random Slack-shaped id when none is given; an id already issued keeps
   * its first issue time and use (a redelivered payload carries the same trigger).
   */
  issueTriggerId(id?: string): string;
  /** Creates a channel as if someone else had made it (the bot is a member unless `members` says otherwise). */
  addChannel(
    name: string,
    options?: { id?: string; members?: string[]; isPrivate?: boolean; topic?: string },
  ): StubChannel;
  /** Latency added to every request (benchmarks: instant vs 800 ms). */
  setDelay(ms: number): void;
  /**
   * Calls of `method` (`'*'`: of every method) misbehave as `fault` says, for `fault.times` calls or
   * until cleared. Faults of a method apply in the order they were added, each until used up; a
   * method's own faults come before the `'*'` ones.
   */
  fault(method: string, fault: SlackFault): void;
  /** Removes the faults of `method` (`'*'` included, as a method), or all of them. Hung calls stay hung. */
  clearFaults(method?: string): void;
  /**
   * The next `times` calls of `method` answer `{ ok: false, error }`. The code `ratelimited` answers HTTP 429
   * with `Retry-After: 1`, as Slack does, so client retry handling is exercised.
   */
  failNext(method: string, error: string, times?: number): void;
  /** Polls until the predicate holds; a predicate that throws counts as "not yet". */
  waitFor(predicate: (stub: SlackApiStub) => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets calls, state and faults; the delay returns to `options.delayMs`. */
  reset(): void;
  close(): Promise<void>;
}

class SlackCallError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

function fail(code: string, extra?: Record<string, unknown>): never {
  throw new SlackCallError(code, extra);
}

type Args = Record<string, unknown>;
type Handler = (args: Args) => Record<string, unknown>;

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const USERGROUP_ID = /^S[A-Z0-9]{2,}$/;
const CHANNEL_NAME_CHARS = /^[a-z0-9_-]+$/;
// Form-encoded clients (WebClient included) send nested values as JSON strings; decode the fields that
// Slack documents as JSON so recorded args and stored messages hold real arrays/objects.
const JSON_FIELDS = new Set([
  'blocks',
  'attachments',
  'view',
  'files',
  'metadata',
  'user_auth_blocks',
  'unfurls',
]);
const MAX_BODY_BYTES = 50 * 1024 * 1024;
/** The body of a faulted HTTP status when the fault names no error code. */
const STATUS_ERRORS: Record<number, string> = {
  429: 'ratelimited',
  503: 'service_unavailable',
  504: 'request_timeout',
};
const TEAM_DOMAIN = 'incident-bot-local';
/** How long a trigger id can be exchanged: https://docs.slack.dev/surfaces/modals (a trigger_id expires 3 s after it is issued). */
const TRIGGER_LIFETIME_MS = 3000;

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function asBool(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function mimetypeFor(filename: string): string {
  const ext = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  const known: Record<string, string> = {
    md: 'text/markdown',
    markdown: 'text/markdown',
    txt: 'text/plain',
    json: 'application/json',
    csv: 'text/csv',
    png: 'image/png',
    pdf: 'application/pdf',
  };
  return known[ext] ?? 'application/octet-stream';
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<{ fields: Args; files: Buffer[] }> {
  // undici's multipart parser (behind Response#formData) saves hand-rolling boundary handling.
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  const fields: Args = {};
  const files: Buffer[] = [];
  for (const [key, value] of form) {
    if (typeof value === 'string') {
      fields[key] = value;
    } else {
      const bytes = Buffer.from(await value.arrayBuffer());
      files.push(bytes);
      fields[key] = bytes.toString('utf8');
    }
  }
  return { fields, files };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

interface PendingFile {
  fileId: string;
  filename: string;
  length: number;
  bytes?: Buffer;
}

class LocalSlackApi implements SlackApiStub {
  url = '';
  readonly botUserId: string;
  readonly botId = 'B0000000BOT';
  readonly appId = 'A0000000BOT';
  readonly teamId = 'T00000LOCAL';
  readonly calls: RecordedCall[] = [];
  readonly uploads: StubUpload[] = [];
  readonly channels = new Map<string, StubChannel>();
  readonly messages: StubMessage[] = [];
  readonly ephemerals: StubEphemeral[] = [];
  readonly views = new Map<string, StubView>();
  readonly users = new Map<string, StubUser>();
  readonly usergroups = new Map<string, StubUsergroup>();

  private readonly server: Server;
  private readonly triggers = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly rateLimiter: SlackRateLimiter | undefined;
  private readonly now: () => number;
  private readonly dms = new Map<string, string>(); // DM channel id -> user id
  private readonly pendingFiles = new Map<string, PendingFile>();
  private readonly faults = new Map<string, { fault: SlackFault; remaining: number }[]>();
  /** Sockets of calls answered with `hang`: destroyed on close(), so it returns at once. */
  private readonly hung = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private topicMeta = new Map<string, { creator: string; lastSet: number }>();
  private delayMs: number;
  private plan: 'paid' | 'free';
  private readonly socketModeUrl: string | undefined;
  private idSeq = 0;
  private lastTsMicros = 0;
  private closed = false;
  private readonly handlers: Record<string, Handler>;

  constructor(private readonly options: SlackApiStubOptions) {
    this.botUserId = options.botUserId ?? 'U0000000BOT';
    this.delayMs = options.delayMs ?? 0;
    this.plan = options.plan ?? 'paid';
    this.socketModeUrl = options.socketModeUrl;
    this.now = options.now ?? Date.now;
    const rateLimits = options.rateLimits ?? 'slack';
    this.rateLimiter =
      rateLimits === 'off'
        ? undefined
        : new SlackRateLimiter({ now: this.now, scale: rateLimits === 'slack' ? 1 : rateLimits.scale });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { ok: false, error: 'internal_error', detail: String(error) });
      });
    });
    this.handlers = {
      'auth.test': () => this.authTest(),
      // Socket Mode's handshake: with an app-level token, the URL of the WebSocket to open.
      'apps.connections.open': () =>
        this.socketModeUrl ? { url: this.socketModeUrl } : fail('not_allowed_token_type'),
      'conversations.create': (a) => this.conversationsCreate(a),
      'conversations.invite': (a) => this.conversationsInvite(a),
      'conversations.list': (a) => this.conversationsList(a),
      'conversations.setTopic': (a) => this.conversationsSetTopic(a),
      'conversations.join': (a) => this.conversationsJoin(a),
      'conversations.history': (a) => this.conversationsHistory(a),
      'conversations.replies': (a) => this.conversationsReplies(a),
      'chat.postMessage': (a) => this.chatPostMessage(a),
      'chat.update': (a) => this.chatUpdate(a),
      'chat.postEphemeral': (a) => this.chatPostEphemeral(a),
      'chat.getPermalink': (a) => this.chatGetPermalink(a),
      'pins.add': (a) => this.pinsAdd(a),
      'users.info': (a) => this.usersInfo(a),
      'views.open': (a) => this.viewsOpen(a),
      'views.publish': (a) => this.viewsPublish(a),
      'files.getUploadURLExternal': (a) => this.filesGetUploadUrlExternal(a),
      'files.completeUploadExternal': (a) => this.filesCompleteUploadExternal(a),
      'files.list': (a) => this.filesList(a),
      'usergroups.users.update': (a) => this.usergroupsUsersUpdate(a),
    };
    this.seedChannels();
    this.seedUsers();
    this.seedUsergroups();
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}/api/`;
  }

  // ---- control surface -------------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  addChannel(
    name: string,
    options: { id?: string; members?: string[]; isPrivate?: boolean; topic?: string } = {},
  ): StubChannel {
    const channel: StubChannel = {
      id: options.id ?? this.nextId('C'),
      name,
      members: new Set(options.members ?? [this.botUserId]),
      pins: [],
      isPrivate: options.isPrivate ?? false,
      isArchived: false,
      created: nowSeconds(),
      creator: 'U00000OWNER',
    };
    if (options.topic !== undefined) channel.topic = options.topic;
    this.channels.set(channel.id, channel);
    return channel;
  }

  addUser(id: string, profile?: Record<string, unknown>): StubUser {
    if (!USER_ID.test(id)) throw new Error(`not a Slack user id: ${id}`);
    const user: StubUser = { id, ...(profile ? { profile } : {}) };
    this.users.set(id, user);
    return user;
  }

  addUsergroup(id: string, options: { handle?: string; users?: string[] } = {}): StubUsergroup {
    if (!USERGROUP_ID.test(id)) throw new Error(`not a Slack user group id: ${id}`);
    const group: StubUsergroup = {
      id,
      handle: options.handle ?? id.toLowerCase(),
      users: [...(options.users ?? [])],
    };
    this.usergroups.set(id, group);
    return group;
  }

  setPlan(plan: 'paid' | 'free'): void {
    this.plan = plan;
  }

  issueTriggerId(id?: string): string {
    const triggerId =
      id ?? `${this.now()}.${Math.floor(Math.random() * 1e9)}.${randomBytes(8).toString('hex')}`;
    if (!this.triggers.has(triggerId)) this.triggers.set(triggerId, { issuedAt: this.now(), used: false });
    return triggerId;
  }

  setDelay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  fault(method: string, fault: SlackFault): void {
    if (!method) throw new TypeError('fault: method is required');
    const { status, error, retryAfterSeconds, delayMs, hang, times } = fault;
    if (status === undefined && error === undefined && delayMs === undefined && !hang) {
      throw new TypeError('fault: set at least one of status, error, delayMs, hang');
    }
    if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599)) {
      throw new TypeError(`fault: status must be an HTTP status, got ${status}`);
    }
    if (retryAfterSeconds !== undefined && !(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) {
      throw new TypeError(`fault: retryAfterSeconds must be a whole number >= 0, got ${retryAfterSeconds}`);
    }
    if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
      throw new TypeError(`fault: delayMs must be >= 0, got ${delayMs}`);
    }
    if (times !== undefined && !(Number.isInteger(times) && times >= 1)) {
      throw new TypeError(`fault: times must be a whole number >= 1, got ${times}`);
    }
    const queue = this.faults.get(method) ?? [];
    queue.push({ fault: { ...fault }, remaining: times ?? Number.POSITIVE_INFINITY });
    this.faults.set(method, queue);
  }

  clearFaults(method?: string): void {
    if (method === undefined) this.faults.clear();
    else this.faults.delete(method);
  }

  failNext(method: string, error: string, times = 1): void {
    this.fault(method, { error, times });
  }

  async waitFor(predicate: (stub: SlackApiStub) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        if (predicate(this)) return;
        lastError = undefined;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) {
        const recent = this.calls
          .slice(-15)
          .map((call) => call.method)
          .join(', ');
        const cause = lastError === undefined ? '' : `; predicate last threw: ${String(lastError)}`;
        throw new Error(
          `SlackApiStub.waitFor: condition not met within ${timeoutMs} ms${cause}. ` +
            `${this.calls.length} calls recorded (latest: ${recent || 'none'}); ` +
            `${this.messages.length} messages, ${this.channels.size} channels, ${this.uploads.length} uploads.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  reset(): void {
    this.calls.length = 0;
    this.uploads.length = 0;
    this.messages.length = 0;
    this.ephemerals.length = 0;
    this.channels.clear();
    this.views.clear();
    this.dms.clear();
    this.pendingFiles.clear();
    this.faults.clear();
    this.topicMeta.clear();
    this.triggers.clear();
    this.rateLimiter?.reset();
    this.delayMs = this.options.delayMs ?? 0;
    this.plan = this.options.plan ?? 'paid';
    this.seedChannels();
    this.seedUsers();
    this.seedUsergroups();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.hung) socket.destroy();
    this.hung.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Keep-alive sockets from fetch would otherwise hold close() open until they time out.
    this.server.closeAllConnections();
    await closing;
  }

  // ---- HTTP plumbing ---------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBodyBytes(req, MAX_BODY_BYTES);
    await this.sleep(this.delayMs);
    if (this.closed) return;

    if (url.pathname.startsWith('/upload/v1/')) {
      await this.handleUpload(req, res, decodeURIComponent(url.pathname.slice('/upload/v1/'.length)), raw);
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      sendText(res, 404, 'Not Found');
      return;
    }
    if (req.method !== 'POST' && req.method !== 'GET') {
      sendText(res, 405, 'Method Not Allowed');
      return;
    }

    const method = url.pathname.slice('/api/'.length);
    const args: Args = Object.fromEntries(url.searchParams);
    let bodyToken: string | undefined;
    let parseError: string | undefined;
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    try {
      if (contentType.startsWith('application/json')) {
        const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
        if (isRecord(parsed)) Object.assign(args, parsed);
        else parseError = 'invalid_json';
      } else if (contentType.startsWith('multipart/form-data')) {
        const { fields } = await parseMultipart(raw, req.headers['content-type'] ?? '');
        bodyToken = asString(fields.token);
        Object.assign(args, fields);
      } else if (raw.length > 0) {
        const fields = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
        bodyToken = fields.token;
        Object.assign(args, fields);
      }
    } catch {
      parseError = contentType.startsWith('application/json') ? 'invalid_json' : 'invalid_form_data';
    }
    bodyToken ??= asString(url.searchParams.get('token') ?? undefined);
    delete args.token;
    for (const key of JSON_FIELDS) {
      const value = args[key];
      if (typeof value !== 'string') continue;
      try {
        args[key] = JSON.parse(value);
      } catch {
        // Left as a string: the method's own validation reports the malformed field.
      }
    }

    this.calls.push({ method, args, at: Date.now() });

    // Transport-level faults come before Slack looks at the request; a platform error after.
    const fault = this.takeFault(method);
    if (fault?.hang) {
      this.hold(req);
      return;
    }
    if (fault?.delayMs) {
      await this.sleep(fault.delayMs);
      if (this.closed) return;
    }
    const retryAfter = { 'retry-after': String(fault?.retryAfterSeconds ?? 1) };
    if (fault?.status !== undefined && fault.status !== 200) {
      const error = fault.error ?? STATUS_ERRORS[fault.status] ?? 'internal_error';
      sendJson(res, fault.status, { ok: false, error }, fault.status === 429 ? retryAfter : {});
      return;
    }
    if (fault?.error === 'ratelimited') {
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, retryAfter);
      return;
    }

    const authError = this.checkAuth(req, bodyToken);
    if (authError) {
      sendJson(res, 200, { ok: false, error: authError });
      return;
    }
    const limited = this.rateLimiter?.take(
      method,
      this.tokenOf(req, bodyToken) ?? '',
      this.channelKey(args.channel),
    );
    if (limited && !limited.ok) {
      sendJson(
        res,
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(limited.retryAfterSeconds) },
      );
      return;
    }
    if (parseError) {
      sendJson(res, 200, { ok: false, error: parseError });
      return;
    }
    const missing = this.missingScopes(method);
    if (missing.length > 0) {
      sendJson(res, 200, {
        ok: false,
        error: 'missing_scope',
        needed: missing.join(','),
        provided: [...this.scopes].join(','),
      });
      return;
    }
    if (fault?.error) {
      sendJson(res, 200, { ok: false, error: fault.error });
      return;
    }
    const handler = this.handlers[method];
    if (!handler) {
      sendJson(res, 200, { ok: false, error: 'unknown_method' });
      return;
    }
    try {
      sendJson(res, 200, { ok: true, ...handler(args) });
    } catch (error) {
      if (!(error instanceof SlackCallError)) throw error;
      sendJson(res, 200, { ok: false, error: error.code, ...error.extra });
    }
  }

  private get scopes(): ReadonlySet<string> {
    return new Set(this.options.scopes ?? requiredBotScopes());
  }

  /** Scopes `method` needs that the token lacks (methods outside the bot's table need none here). */
  private missingScopes(method: string): string[] {
    const needed: readonly string[] = WEB_API_METHODS[method as WebApiMethod] ?? [];
    const granted = this.scopes;
    return needed.filter((scope) => !granted.has(scope));
  }

  private tokenOf(req: IncomingMessage, bodyToken: string | undefined): string | undefined {
    const header = req.headers.authorization;
    const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    return bearer || bodyToken;
  }

  private checkAuth(req: IncomingMessage, bodyToken: string | undefined): string | undefined {
    const token = this.tokenOf(req, bodyToken);
    // Slack never answers an unauthenticated call, even when this stub accepts any token.
    if (!token) return 'not_authed';
    if (this.options.token !== undefined && token !== this.options.token) return 'invalid_auth';
    return undefined;
  }

  /** The fault this call meets, if any: the method's own first, then the `'*'` ones; one use is spent. */
  private takeFault(method: string): SlackFault | undefined {
    for (const key of [method, '*']) {
      const queue = this.faults.get(key);
      const next = queue?.[0];
      if (!queue || !next) continue;
      next.remaining -= 1;
      if (next.remaining <= 0) queue.shift();
      if (queue.length === 0) this.faults.delete(key);
      return next.fault;
    }
    return undefined;
  }

  /** Leaves a call unanswered; its socket is destroyed when the client gives up or the stub closes. */
  private hold(req: IncomingMessage): void {
    const socket = req.socket;
    this.hung.add(socket);
    socket.once('close', () => this.hung.delete(socket));
  }

  private async handleUpload(req: IncomingMessage, res: ServerResponse, fileId: string, raw: Buffer) {
    if (req.method !== 'POST') {
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    const pending = this.pendingFiles.get(fileId);
    if (!pending) {
      sendText(res, 404, 'Not Found');
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    // WebClient sends the bytes as a multipart file part; curl-style clients send them raw.
    if (contentType.toLowerCase().startsWith('multipart/form-data')) {
      const { files, fields } = await parseMultipart(raw, contentType);
      pending.bytes = files[0] ?? Buffer.from(asString(Object.values(fields)[0]) ?? '', 'utf8');
    } else {
      pending.bytes = raw;
    }
    sendText(res, 200, 'OK');
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  // ---- state helpers ---------------------------------------------------------------------------

  private seedChannels(): void {
    for (const seed of this.options.channels ?? []) this.addChannel(seed.name, seed);
  }

  private seedUsers(): void {
    this.users.clear();
    this.users.set(this.botUserId, { id: this.botUserId, isBot: true });
    for (const seed of this.options.users ?? []) {
      if (typeof seed === 'string') this.addUser(seed);
      else this.addUser(seed.id, seed.profile);
    }
  }

  private seedUsergroups(): void {
    this.usergroups.clear();
    for (const seed of this.options.usergroups ?? []) {
      if (typeof seed === 'string') this.addUsergroup(seed);
      else this.addUsergroup(seed.id, seed);
    }
  }

  private nextId(prefix: string): string {
    this.idSeq += 1;
    return `${prefix}${this.idSeq.toString(36).toUpperCase().padStart(10, '0')}`;
  }

  /** Unique and strictly increasing across the workspace, in Slack's `seconds.micros` form. */
  private nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 100);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    const micros = this.lastTsMicros % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }

  /** The id a channel reference (id or `#name`) stands for, so both count against one channel's limit. */
  private channelKey(ref: unknown): string | undefined {
    const key = asString(ref);
    if (!key || this.channels.has(key)) return key;
    const name = key.startsWith('#') ? key.slice(1) : key;
    for (const channel of this.channels.values()) if (channel.name === name) return channel.id;
    return key;
  }

  private channelByRef(ref: unknown): StubChannel {
    const key = asString(ref);
    if (!key) fail('channel_not_found');
    const byId = this.channels.get(key);
    if (byId) return byId;
    const name = key.startsWith('#') ? key.slice(1) : key;
    for (const channel of this.channels.values()) if (channel.name === name) return channel;
    fail('channel_not_found');
  }

  /**
   * A channel or DM id that messages can live in; user ids open (or reuse) a DM, like chat.postMessage.
   * `D…` ids of the directory's users are their DMs with the bot (as if opened when the user wrote to it).
   */
  private conversationId(ref: unknown): { id: string; channel?: StubChannel } {
    const key = asString(ref);
    if (key && this.dms.has(key)) return { id: key };
    if (key && USER_ID.test(key)) return { id: this.openDm(key) };
    if (key?.startsWith('D') && this.users.has(`U${key.slice(1)}`))
      return { id: this.openDm(`U${key.slice(1)}`) };
    const channel = this.channelByRef(key);
    return { id: channel.id, channel };
  }

  /** Whether `userId` is in the conversation: a channel's members, or a DM's bot and user. */
  private isMember(conversation: { id: string; channel?: StubChannel }, userId: string): boolean {
    if (conversation.channel) return conversation.channel.members.has(userId);
    return userId === this.botUserId || this.dms.get(conversation.id) === userId;
  }

  private openDm(userId: string): string {
    for (const [dmId, user] of this.dms) if (user === userId) return dmId;
    const dmId = `D${userId.slice(1)}`;
    this.dms.set(dmId, userId);
    return dmId;
  }

  private findMessage(channelId: string, ts: unknown): StubMessage | undefined {
    const wanted = asString(ts);
    return this.messages.find((message) => message.channel === channelId && message.ts === wanted);
  }

  private channelJson(channel: StubChannel, includeNumMembers = false): Record<string, unknown> {
    const topic = this.topicMeta.get(channel.id);
    return {
      id: channel.id,
      name: channel.name,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: channel.isPrivate,
      created: channel.created,
      creator: channel.creator,
      is_archived: channel.isArchived,
      is_general: false,
      unlinked: 0,
      name_normalized: channel.name,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.teamId,
      updated: channel.created * 1000,
      parent_conversation: null,
      shared_team_ids: [this.teamId],
      is_member: channel.members.has(this.botUserId),
      topic: { value: channel.topic ?? '', creator: topic?.creator ?? '', last_set: topic?.lastSet ?? 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      previous_names: [],
      ...(includeNumMembers ? { num_members: channel.members.size } : {}),
    };
  }

  private messageJson(message: StubMessage): Record<string, unknown> {
    const replies = this.messages.filter((m) => m.thread_ts === message.ts && m.ts !== message.ts);
    return {
      type: 'message',
      user: message.user,
      bot_id: message.user === this.botUserId ? this.botId : undefined,
      app_id: message.user === this.botUserId ? this.appId : undefined,
      team: this.teamId,
      ts: message.ts,
      text: message.text ?? '',
      blocks: message.blocks,
      attachments: message.attachments,
      metadata: message.metadata,
      thread_ts: message.thread_ts,
      ...(replies.length > 0 && message.thread_ts === undefined
        ? { thread_ts: message.ts, reply_count: replies.length, latest_reply: replies.at(-1)?.ts }
        : {}),
      ...(message.updatedAt === undefined
        ? {}
        : { edited: { user: this.botUserId, ts: `${Math.floor(message.updatedAt / 1000)}.000000` } }),
    };
  }

  private userJson(user: StubUser): Record<string, unknown> {
    const { id } = user;
    const isBot = id === this.botUserId || user.isBot === true;
    const handle = isBot ? 'incident-bot' : `user-${id.toLowerCase()}`;
    const realName = isBot ? 'Incident Bot' : `User ${id}`;
    return {
      id,
      team_id: this.teamId,
      name: handle,
      deleted: false,
      real_name: realName,
      tz: 'Etc/UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      is_admin: false,
      is_owner: false,
      is_bot: isBot,
      is_app_user: false,
      updated: 1700000000,
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: handle,
        display_name_normalized: handle,
        ...(isBot ? { bot_id: this.botId } : { email: `${handle}@example.com` }),
        image_48: `https://example.com/avatars/${id}_48.png`,
        team: this.teamId,
        ...user.profile,
      },
    };
  }

  /**
   * Slack's checks on message content shared by postMessage/postEphemeral/update: Block Kit's
   * documented limits (local/block-kit-limits.ts) answer `invalid_blocks` with each problem, as Slack
   * does in `errors` and `response_metadata.messages`.
   */
  private validateContent(args: Args, requireSomething: boolean): void {
    const blocks = args.blocks === '' ? undefined : args.blocks;
    if (blocks !== undefined && !Array.isArray(blocks)) fail('invalid_blocks_format');
    const problems = messageProblems({ text: args.text, ...(blocks === undefined ? {} : { blocks }) });
    const codeOf = (problem: string) => /^\[ERROR\] (no_text|msg_too_long):/.exec(problem)?.[1];
    if (problems.some((p) => codeOf(p) === 'msg_too_long')) fail('msg_too_long');
    const noText = problems.some((p) => codeOf(p) === 'no_text');
    if (noText && requireSomething && args.attachments === undefined) fail('no_text');
    const blockProblems = [
      ...problems.filter((p) => codeOf(p) === undefined),
      ...(problems.length === 0 && blocks !== undefined ? this.slackFileProblems(blocks, '/blocks') : []),
    ];
    if (blockProblems.length > 0) {
      fail('invalid_blocks', { errors: blockProblems, response_metadata: { messages: blockProblems } });
    }
  }

  /**
   * Image blocks that show an uploaded file (`slack_file`): Slack shows only an image (png, jpg, jpeg,
   * gif) the poster can see, here one the bot uploaded, and answers `invalid slack file` otherwise
   * (https://docs.slack.dev/reference/block-kit/composition-objects/slack-file-object).
   */
  private slackFileProblems(blocks: unknown, at: string): string[] {
    if (!Array.isArray(blocks)) return [];
    const problems: string[] = [];
    blocks.forEach((block, i) => {
      if (!isRecord(block) || block.type !== 'image' || !isRecord(block.slack_file)) return;
      const { id, url } = block.slack_file;
      const upload = this.uploads.find((u) => {
        const urls = this.fileUrls(u.fileId, u.filename);
        return u.fileId === id || url === urls.url_private || url === urls.permalink;
      });
      if (!upload || !/\.(png|jpe?g|gif)$/i.test(upload.filename)) {
        problems.push(`[ERROR] invalid slack file [json-pointer:${at}/${i}/slack_file]`);
      }
    });
    return problems;
  }

  /** Where Slack serves an uploaded file: its private download URL and its page. */
  private fileUrls(fileId: string, filename: string): { url_private: string; permalink: string } {
    return {
      url_private: `https://files.slack.com/files-pri/${this.teamId}-${fileId}/${filename}`,
      permalink: `https://${TEAM_DOMAIN}.slack.com/files/${this.botUserId}/${fileId}/${filename}`,
    };
  }

  // ---- Web API methods -------------------------------------------------------------------------

  private authTest() {
    return {
      url: `https://${TEAM_DOMAIN}.slack.com/`,
      team: 'Incident Bot (local)',
      user: 'incident-bot',
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    };
  }

  private conversationsCreate(args: Args) {
    const name = asString(args.name) ?? '';
    if (name === '') fail('invalid_name_required');
    if (name.length > 80) fail('invalid_name_maxlength');
    if (!CHANNEL_NAME_CHARS.test(name)) fail('invalid_name_specials');
    if (/^[-_]+$/.test(name)) fail('invalid_name_punctuation');
    for (const channel of this.channels.values()) if (channel.name === name) fail('name_taken');
    const channel: StubChannel = {
      id: this.nextId('C'),
      name,
      members: new Set([this.botUserId]),
      pins: [],
      isPrivate: asBool(args.is_private),
      isArchived: false,
      created: nowSeconds(),
      creator: this.botUserId,
    };
    this.channels.set(channel.id, channel);
    return { channel: { ...this.channelJson(channel), is_member: true, priority: 0 } };
  }

  private conversationsInvite(args: Args) {
    const channel = this.channelByRef(args.channel);
    const users = (asString(args.users) ?? '')
      .split(',')
      .map((user) => user.trim())
      .filter((user) => user !== '');
    if (users.length === 0) fail('no_user');
    if (users.length > 1000) fail('too_many_users');
    if (channel.isArchived) fail('is_archived');
    if (!channel.members.has(this.botUserId)) fail('not_in_channel');
    for (const user of users) {
      if (!USER_ID.test(user)) fail('user_not_found');
      if (user === this.botUserId) fail('cant_invite_self');
    }
    const newcomers = users.filter((user) => !channel.members.has(user));
    if (newcomers.length === 0) {
      fail('already_in_channel', {
        errors: users.map((user) => ({ user, ok: false, error: 'already_in_channel' })),
      });
    }
    for (const user of newcomers) channel.members.add(user);
    return { channel: this.channelJson(channel) };
  }

  /** Public channels (and private ones the bot is in), a page at a time as Slack pages them. */
  private conversationsList(args: Args) {
    const types = (asString(args.types) ?? 'public_channel').split(',');
    const excludeArchived = asBool(args.exclude_archived);
    const limit = Math.min(Math.max(Number(asString(args.limit) ?? '100') || 100, 1), 1000);
    const start = Number(asString(args.cursor) ?? '0') || 0;
    const all = [...this.channels.values()].filter(
      (channel) =>
        (channel.isPrivate
          ? types.includes('private_channel') && channel.members.has(this.botUserId)
          : types.includes('public_channel')) && !(excludeArchived && channel.isArchived),
    );
    const page = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : '';
    return {
      channels: page.map((channel) => ({
        ...this.channelJson(channel),
        is_member: channel.members.has(this.botUserId),
      })),
      response_metadata: { next_cursor: next },
    };
  }

  private conversationsSetTopic(args: Args) {
    const channel = this.channelByRef(args.channel);
    const topic = asString(args.topic) ?? '';
    if (channel.isArchived) fail('is_archived');
    if (!channel.members.has(this.botUserId)) fail('not_in_channel');
    if (topic.length > 250) fail('too_long');
    channel.topic = topic;
    this.topicMeta.set(channel.id, { creator: this.botUserId, lastSet: nowSeconds() });
    return { channel: this.channelJson(channel) };
  }

  private conversationsJoin(args: Args) {
    const channel = this.channelByRef(args.channel);
    if (channel.isPrivate) fail('method_not_supported_for_channel_type');
    if (channel.isArchived) fail('is_archived');
    // Slack answers a repeat join with ok plus a warning; it is not an error.
    const warning = channel.members.has(this.botUserId) ? { warning: 'already_in_channel' } : {};
    channel.members.add(this.botUserId);
    return { channel: this.channelJson(channel), ...warning };
  }

  private conversationsHistory(args: Args) {
    const { id, channel } = this.conversationId(args.channel);
    if (channel && !channel.members.has(this.botUserId)) fail('not_in_channel');
    const oldest = Number(asString(args.oldest) ?? '0');
    const latest = Number(asString(args.latest) ?? 'Infinity');
    const limit = Math.min(Number(asString(args.limit) ?? '100') || 100, 999);
    const visible = this.messages
      .filter((m) => m.channel === id && (m.thread_ts === undefined || m.thread_ts === m.ts))
      .filter((m) => Number(m.ts) > oldest && Number(m.ts) < latest)
      .reverse();
    return {
      messages: visible.slice(0, limit).map((m) => this.messageJson(m)),
      has_more: visible.length > limit,
      pin_count: channel?.pins.length ?? 0,
      response_metadata: { next_cursor: '' },
    };
  }

  private conversationsReplies(args: Args) {
    const { id } = this.conversationId(args.channel);
    const parent = this.findMessage(id, args.ts);
    if (!parent) fail('thread_not_found');
    const thread = this.messages.filter(
      (m) => m.channel === id && (m.ts === parent.ts || m.thread_ts === parent.ts),
    );
    return {
      messages: thread.map((m) => this.messageJson(m)),
      has_more: false,
      response_metadata: { next_cursor: '' },
    };
  }

  private chatPostMessage(args: Args) {
    const { id, channel } = this.conversationId(args.channel);
    if (channel?.isPrivate && !channel.members.has(this.botUserId)) fail('channel_not_found');
    if (channel?.isArchived) fail('is_archived');
    // A public channel the bot is not in takes its messages only with chat:write.public.
    if (channel && !channel.members.has(this.botUserId) && !this.scopes.has('chat:write.public')) {
      fail('not_in_channel');
    }
    this.validateContent(args, true);
    const message: StubMessage = { channel: id, ts: this.nextTs(), user: this.botUserId };
    const text = asString(args.text);
    if (text !== undefined) message.text = text;
    if (args.blocks !== undefined) message.blocks = args.blocks;
    if (args.attachments !== undefined) message.attachments = args.attachments;
    if (args.metadata !== undefined) message.metadata = args.metadata;
    const threadTs = asString(args.thread_ts);
    if (threadTs) message.thread_ts = threadTs;
    this.messages.push(message);
    return { channel: id, ts: message.ts, message: this.messageJson(message) };
  }

  private chatUpdate(args: Args) {
    const { id } = this.conversationId(args.channel);
    const message = this.findMessage(id, args.ts);
    if (!message) fail('message_not_found');
    if (message.user !== this.botUserId) fail('cant_update_message');
    this.validateContent(args, false);
    // Slack keeps fields the update omits; an empty blocks array is how callers clear them.
    const text = asString(args.text);
    if (text !== undefined) message.text = text;
    if (args.blocks !== undefined) {
      if (Array.isArray(args.blocks) && args.blocks.length === 0) delete message.blocks;
      else message.blocks = args.blocks;
    }
    if (args.attachments !== undefined) message.attachments = args.attachments;
    if (args.metadata !== undefined) message.metadata = args.metadata;
    message.updatedAt = Date.now();
    return { channel: id, ts: message.ts, text: message.text ?? '', message: this.messageJson(message) };
  }

  /**
   * https://docs.slack.dev/reference/methods/chat.postEphemeral: the bot must be able to see the
   * conversation (`channel_not_found` for a private channel it is not in) and post in it
   * (`not_in_channel`: chat:write.public is documented for chat.postMessage only), and the target user
   * must be in it (`user_not_in_channel`).
   */
  private chatPostEphemeral(args: Args) {
    const conversation = this.conversationId(args.channel);
    const { id, channel } = conversation;
    const user = asString(args.user);
    if (!user || !USER_ID.test(user)) fail('user_not_found');
    if (channel?.isPrivate && !channel.members.has(this.botUserId)) fail('channel_not_found');
    if (channel?.isArchived) fail('is_archived');
    if (!this.isMember(conversation, this.botUserId)) fail('not_in_channel');
    if (!this.isMember(conversation, user)) fail('user_not_in_channel');
    this.validateContent(args, true);
    const ephemeral: StubEphemeral = { channel: id, user, message_ts: this.nextTs() };
    const text = asString(args.text);
    if (text !== undefined) ephemeral.text = text;
    if (args.blocks !== undefined) ephemeral.blocks = args.blocks;
    const threadTs = asString(args.thread_ts);
    if (threadTs) ephemeral.thread_ts = threadTs;
    this.ephemerals.push(ephemeral);
    return { message_ts: ephemeral.message_ts };
  }

  private chatGetPermalink(args: Args) {
    const { id } = this.conversationId(args.channel);
    const message = this.findMessage(id, args.message_ts);
    if (!message) fail('message_not_found');
    const base = `https://${TEAM_DOMAIN}.slack.com/archives/${id}/p${message.ts.replace('.', '')}`;
    const permalink =
      message.thread_ts && message.thread_ts !== message.ts
        ? `${base}?thread_ts=${message.thread_ts}&cid=${id}`
        : base;
    return { channel: id, permalink };
  }

  private pinsAdd(args: Args) {
    const channel = this.channelByRef(args.channel);
    const ts = asString(args.timestamp);
    if (!ts) fail('no_item_specified');
    if (!channel.members.has(this.botUserId)) fail('not_in_channel');
    if (!this.findMessage(channel.id, ts)) fail('message_not_found');
    if (channel.pins.includes(ts)) fail('already_pinned');
    channel.pins.push(ts);
    return {};
  }

  /** https://docs.slack.dev/reference/methods/users.info: `user_not_found` for ids the workspace lacks. */
  private usersInfo(args: Args) {
    const user = asString(args.user);
    const known = user ? this.users.get(user) : undefined;
    if (!known) fail('user_not_found');
    return { user: this.userJson(known) };
  }

  /**
   * https://docs.slack.dev/reference/methods/usergroups.users.update: replaces a group's members.
   * A workspace without user groups (the free plan) refuses first; then `no_such_subteam` for a
   * group it lacks, `no_users_provided` for no users, `invalid_users` for an id it does not know.
   */
  private usergroupsUsersUpdate(args: Args) {
    if (this.plan === 'free') fail('paid_teams_only');
    const id = asString(args.usergroup);
    if (!id) fail('missing_argument');
    const group = this.usergroups.get(id);
    if (!group) fail('no_such_subteam');
    const users = (asString(args.users) ?? '')
      .split(',')
      .map((user) => user.trim())
      .filter(Boolean);
    if (users.length === 0) fail('no_users_provided');
    for (const user of users) {
      const known = this.users.get(user);
      if (!USER_ID.test(user) || !known || known.isBot) fail('invalid_users');
    }
    group.users = [...new Set(users)];
    return {
      usergroup: {
        id: group.id,
        team_id: this.teamId,
        is_usergroup: true,
        handle: group.handle,
        date_update: nowSeconds(),
        updated_by: this.botUserId,
        users: [...group.users],
        user_count: group.users.length,
      },
    };
  }

  private viewJson(stored: StubView): Record<string, unknown> {
    return {
      id: stored.id,
      team_id: this.teamId,
      type: stored.type,
      private_metadata: '',
      callback_id: '',
      external_id: stored.externalId ?? '',
      state: { values: {} },
      hash: stored.hash,
      clear_on_close: false,
      notify_on_close: false,
      root_view_id: stored.id,
      previous_view_id: null,
      app_id: this.appId,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
      ...stored.view,
    };
  }

  private requireView(args: Args, type: 'modal' | 'home'): Record<string, unknown> {
    const view = args.view;
    if (!isRecord(view))
      fail('invalid_arguments', { errors: ['view is required and must be a JSON object'] });
    if (view.type !== type) fail('invalid_arguments', { errors: [`view.type must be "${type}"`] });
    if (view.blocks !== undefined && !Array.isArray(view.blocks)) fail('invalid_arguments');
    const problems = viewProblems(view);
    if (problems.length === 0) problems.push(...this.slackFileProblems(view.blocks, '/view/blocks'));
    if (problems.length > 0) {
      fail('invalid_arguments', { errors: problems, response_metadata: { messages: problems } });
    }
    return view;
  }

  private newHash(): string {
    return `${nowSeconds()}.${randomBytes(4).toString('hex')}`;
  }

  /**
   * https://docs.slack.dev/reference/methods/views.open: a trigger Slack never issued is
   * `invalid_trigger_id`, one already exchanged `exchanged_trigger_id`, one older than 3 s
   * `expired_trigger_id`. A trigger is spent only by a view that opens.
   */
  private viewsOpen(args: Args) {
    const triggerId = asString(args.trigger_id);
    if (!triggerId) fail('invalid_arguments', { errors: ['trigger_id is required for views.open'] });
    const trigger = this.triggers.get(triggerId);
    if (!trigger) fail('invalid_trigger_id');
    if (trigger.used) fail('exchanged_trigger_id');
    if (this.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) fail('expired_trigger_id');
    const view = this.requireView(args, 'modal');
    trigger.used = true;
    const stored: StubView = { id: this.nextId('V'), type: 'modal', triggerId, hash: this.newHash(), view };
    const externalId = asString(view.external_id);
    if (externalId) stored.externalId = externalId;
    this.views.set(stored.id, stored);
    return { view: this.viewJson(stored) };
  }

  private viewsPublish(args: Args) {
    const userId = asString(args.user_id);
    if (!userId || !USER_ID.test(userId)) fail('invalid_arguments', { errors: ['user_id is required'] });
    const view = this.requireView(args, 'home');
    const existing = [...this.views.values()].find((v) => v.type === 'home' && v.userId === userId);
    const hash = asString(args.hash);
    if (existing && hash && hash !== existing.hash) fail('hash_conflict');
    const stored: StubView = {
      id: existing?.id ?? this.nextId('V'),
      type: 'home',
      userId,
      hash: this.newHash(),
      view,
    };
    this.views.set(stored.id, stored);
    return { view: this.viewJson(stored) };
  }

  private filesGetUploadUrlExternal(args: Args) {
    const filename = asString(args.filename);
    const length = Number(asString(args.length));
    if (!filename) fail('invalid_arguments', { errors: ['filename is required'] });
    if (!Number.isInteger(length) || length < 0)
      fail('invalid_arguments', { errors: ['length is required'] });
    const fileId = this.nextId('F');
    this.pendingFiles.set(fileId, { fileId, filename, length });
    const origin = this.url.slice(0, -'/api/'.length);
    return { upload_url: `${origin}/upload/v1/${encodeURIComponent(fileId)}`, file_id: fileId };
  }

  /** Files shared in a channel (`channel`), by a user (`user`), since `ts_from`, newest first. */
  private filesList(args: Args) {
    const channelRef = asString(args.channel);
    const channel = channelRef ? this.channelByRef(channelRef) : undefined;
    const user = asString(args.user);
    const from = Number(asString(args.ts_from) ?? '0') || 0;
    const files = this.uploads
      .filter((upload) => !channel || upload.channelId === channel.id)
      .filter(() => !user || user === this.botUserId)
      .filter((upload) => (upload.created ?? 0) >= from)
      .reverse()
      .map((upload) => ({
        id: upload.fileId,
        name: upload.filename,
        title: upload.title,
        created: upload.created,
        user: this.botUserId,
        channels: upload.channelId ? [upload.channelId] : [],
      }));
    return { files, paging: { count: files.length, total: files.length, page: 1, pages: 1 } };
  }

  private filesCompleteUploadExternal(args: Args) {
    const files = args.files;
    if (!Array.isArray(files) || files.length === 0)
      fail('invalid_arguments', { errors: ['files is required'] });
    const channelRef = asString(args.channel_id) ?? asString(args.channels);
    const conversation = channelRef ? this.conversationId(channelRef) : undefined;
    const channel = conversation?.channel;
    // https://docs.slack.dev/reference/methods/files.completeUploadExternal: sharing needs the bot in
    // the channel ("not_in_channel: User/bot membership is required"); a private one it is not in is
    // invisible to it.
    if (channel?.isPrivate && !channel.members.has(this.botUserId)) fail('channel_not_found');
    if (channel?.isArchived) fail('is_archived');
    if (conversation && !this.isMember(conversation, this.botUserId)) fail('not_in_channel');
    const threadTs = asString(args.thread_ts);
    const initialComment = asString(args.initial_comment);
    const resolved = files.map((entry) => {
      const id = isRecord(entry) ? asString(entry.id) : undefined;
      const pending = id ? this.pendingFiles.get(id) : undefined;
      if (!isRecord(entry) || !pending?.bytes) fail('file_not_found');
      return { entry, pending, bytes: pending.bytes };
    });
    const created = nowSeconds();
    const result = resolved.map(({ entry, pending, bytes }) => {
      const title = asString(entry.title) ?? pending.filename;
      const content = bytes.toString('utf8');
      // Exposed on the recorded call too, so a test can read what was uploaded from `calls` alone.
      entry.content = content;
      const upload: StubUpload = {
        fileId: pending.fileId,
        filename: pending.filename,
        title,
        content,
        bytes,
        created,
      };
      if (conversation) upload.channelId = conversation.id;
      if (threadTs) upload.threadTs = threadTs;
      if (initialComment) upload.initialComment = initialComment;
      this.uploads.push(upload);
      this.pendingFiles.delete(pending.fileId);
      return {
        id: pending.fileId,
        created,
        timestamp: created,
        name: pending.filename,
        title,
        mimetype: mimetypeFor(pending.filename),
        filetype: pending.filename.includes('.') ? pending.filename.split('.').pop() : 'text',
        user: this.botUserId,
        size: bytes.length,
        is_public: channel ? !channel.isPrivate : false,
        ...this.fileUrls(pending.fileId, pending.filename),
        channels: channel && !channel.isPrivate ? [channel.id] : [],
        groups: channel?.isPrivate ? [channel.id] : [],
        ims: conversation && !channel ? [conversation.id] : [],
      };
    });
    return { files: result };
  }
}

export async function startSlackApiStub(options: SlackApiStubOptions = {}): Promise<SlackApiStub> {
  const stub = new LocalSlackApi(options);
  await stub.listen(options.port ?? 0);
  return stub;
}

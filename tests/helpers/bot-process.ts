/**
 * The real local server (local/server.ts's `main`, as `npm start` runs it) as a child process, for
 * fault tests that SIGKILL it mid-work and start it again on the same DATA_DIR. Everything the test
 * controls (the Slack and PagerDuty stand-ins) runs in the jest process; only the bot is outside.
 *
 * The child is `node --import tsx local/server.ts`: one process (the tsx CLI and npx each add a parent
 * that a SIGKILL would leave orphaned, still listening). It is SIGKILLed when it outlives its test:
 * `stopAllBotProcesses()` in afterEach/afterAll, and a preload that exits when the test process dies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { signedHeaders, slashCommandBody } from '../../local/slack-signing';

const ROOT = path.resolve(__dirname, '..', '..');
const EXIT_WITH_PARENT = path.join(__dirname, 'exit-with-parent.cjs');
const LISTENING = /incident-bot listening on (http:\/\/127\.0\.0\.1:\d+)/;
/** Output kept per process; beyond it the oldest is dropped. */
const MAX_OUTPUT_CHARS = 1_000_000;

/**
 * Variables of the bot's own configuration: never inherited from the environment jest runs in, so a
 * developer's DATA_DIR or Slack token cannot leak into a test. Tests pass what they need in `env`.
 */
const BOT_VARIABLES = /^(SLACK_|PAGERDUTY_|OPSGENIE_|GITHUB_|JIRA_|LINEAR_|ALERTS?_|SNS_|DYNAMODB_)/;
const BOT_NAMES = new Set([
  'PORT',
  'DATA_DIR',
  'TABLE_NAME',
  'INCIDENTS_CHANNEL',
  'ESCALATION_POLICY',
  'INCIDENT_TIMEZONE',
  'OPS_CHANNEL',
  'WEBHOOK_SIGNING_SECRET',
  'RECONCILE_INTERVAL',
]);

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BotProcessOptions {
  /** The bot's environment: SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_API_URL, … (PORT is always 0). */
  env: Record<string, string | undefined>;
  /** DATA_DIR; start again with the same one to restart the bot on its store. */
  dataDir: string;
  /** How long to wait for the listening line (default 30 s). */
  startTimeoutMs?: number;
  /** Copy the child's output to this process's stderr as it comes (also: BOT_PROCESS_ECHO=1). */
  echo?: boolean;
}

export interface BotProcess {
  /** http://127.0.0.1:<port>, the port the bot printed. */
  url: string;
  pid: number;
  /** Sends `signal` (default SIGKILL) and resolves when the process has exited. SIGTERM/SIGINT escalate to SIGKILL after 10 s. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** Resolves when the process exits, however it exits. */
  exited: Promise<ExitInfo>;
  /** Everything it wrote to stdout and stderr so far, interleaved in arrival order. */
  output(): string;
}

/** Started and not yet exited, with the kill that marks the exit as the test's doing. */
const running = new Map<ChildProcess, () => Promise<ExitInfo>>();

// A worker torn down with children still running must not leave them listening.
process.on('exit', () => {
  for (const child of running.keys()) child.kill('SIGKILL');
});

function childEnv(env: BotProcessOptions['env'], dataDir: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !BOT_VARIABLES.test(name) && !BOT_NAMES.has(name)),
  );
  const merged: NodeJS.ProcessEnv = {
    ...inherited,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
    PORT: '0',
    DATA_DIR: dataDir,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

export async function startBotProcess(options: BotProcessOptions): Promise<BotProcess> {
  const echo = options.echo ?? process.env.BOT_PROCESS_ECHO === '1';
  const child = spawn(
    process.execPath,
    ['--require', EXIT_WITH_PARENT, '--import', 'tsx', path.join('local', 'server.ts')],
    { cwd: ROOT, env: childEnv(options.env, options.dataDir), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const pid = child.pid;

  let output = '';
  const append = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-MAX_OUTPUT_CHARS);
    if (echo) process.stderr.write(`[bot ${pid}] ${text}`);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let killedByTest = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      output += `\n[spawn failed: ${error.message}]\n`;
      if (pid === undefined) resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      running.delete(child);
      // 'close' follows once the pipes are drained; wait for it briefly so output() is complete.
      const done = () => resolve({ code, signal });
      const timer = setTimeout(done, 1000);
      child.once('close', () => {
        clearTimeout(timer);
        done();
      });
    });
  });
  void exited.then(({ code, signal }) => {
    if (!killedByTest && !echo)
      process.stderr.write(
        `bot process ${pid} exited on its own (code ${code}, signal ${signal}); its output:\n${output}\n`,
      );
  });

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> => {
    killedByTest = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      if (signal !== 'SIGKILL') {
        const escalate = setTimeout(() => child.kill('SIGKILL'), 10_000);
        void exited.finally(() => clearTimeout(escalate));
      }
    }
    return exited;
  };

  if (pid === undefined) {
    await exited;
    throw new Error(`could not start the bot process:\n${output}`);
  }
  running.set(child, () => kill('SIGKILL'));

  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = LISTENING.exec(output);
      if (match?.[1]) {
        cleanup();
        resolve(match[1]);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`bot process ${pid} did not listen within ${startTimeoutMs} ms; output:\n${output}`));
    }, startTimeoutMs);
    const onExit = () => {
      cleanup();
      reject(new Error(`bot process ${pid} exited before listening; output:\n${output}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.once('exit', onExit);
    check();
  }).catch(async (error: unknown) => {
    await kill('SIGKILL');
    throw error;
  });

  return { url, pid, kill, exited, output: () => output };
}

/** SIGKILLs every bot process still running and waits for them to exit (afterEach/afterAll). */
export async function stopAllBotProcesses(): Promise<void> {
  await Promise.all([...running.values()].map((kill) => kill()));
}

/** Pids of the bot processes started in this jest worker and not yet exited. */
export function runningBotProcesses(): number[] {
  return [...running.keys()].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
}

// ---- talking to it as Slack does ------------------------------------------------------------------

export interface SlashCommandRequest {
  text: string;
  /** Slack's id for this interaction; a redelivery carries the same one. Default: a fresh one. */
  triggerId?: string;
  channelId?: string;
  userId?: string;
}

/** The form body Slack posts for a slash command; a redelivery posts the same body again. */
export function slashCommandRequestBody(command: SlashCommandRequest): string {
  return slashCommandBody({
    text: command.text,
    triggerId: command.triggerId ?? `trigger.${randomUUID()}`,
    channelId: command.channelId ?? 'C0GENERAL',
    userId: command.userId ?? 'U0ALICE',
  });
}

/** Slack's redelivery headers: `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`. */
export function retryHeaders(retryNum = 1, reason = 'http_timeout'): Record<string, string> {
  return { 'X-Slack-Retry-Num': String(retryNum), 'X-Slack-Retry-Reason': reason };
}

export interface SlackReply {
  status: number;
  body: string;
  /** The reply's `text` when the body is JSON; otherwise the body. */
  text: string;
  responseType?: string;
}

/**
 * POSTs a body to `<botUrl>/slack/events`, signed afresh with `signingSecret` (as Slack signs every
 * delivery, retries included), plus `extraHeaders`. Network errors and timeouts reject.
 */
export async function postSigned(
  botUrl: string,
  signingSecret: string,
  body: string,
  extraHeaders: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<SlackReply> {
  const response = await fetch(`${botUrl}/slack/events`, {
    method: 'POST',
    headers: { ...signedHeaders(signingSecret, body), ...extraHeaders },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: { text?: string; response_type?: string } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return {
    status: response.status,
    body: text,
    text: parsed.text ?? '',
    ...(parsed.response_type ? { responseType: parsed.response_type } : {}),
  };
}

/** Sends one signed `/incident` command; `headers` adds e.g. retryHeaders() for a redelivery. */
export function sendSlashCommand(
  botUrl: string,
  signingSecret: string,
  command: SlashCommandRequest & { headers?: Record<string, string>; timeoutMs?: number },
): Promise<SlackReply> {
  const body = slashCommandRequestBody(command);
  return postSigned(botUrl, signingSecret, body, command.headers, command.timeoutMs);
}

/** Polls GET /healthz until it answers 200 (or the deadline passes). */
export async function waitHealthy(botUrl: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const response = await fetch(`${botUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${botUrl}/healthz not healthy in ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

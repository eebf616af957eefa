/**
 * Replays a scenario file (one `/incident …` per line, `#` comments) against a running bot as signed
 * slash commands, the way Slack would deliver them. The first command is typed in a general channel;
 * once it has opened an incident, the rest are typed in that incident's channel.
 */
import { readFileSync } from 'node:fs';
import type { SlackApiStub } from './slack-api-stub';
import { signedHeaders, slashCommandBody } from './slack-signing';

export interface ScenarioCommand {
  line: number;
  text: string;
}

export function readScenario(file: string): ScenarioCommand[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((raw, index) => ({ raw: raw.trim(), line: index + 1 }))
    .filter(({ raw }) => raw && !raw.startsWith('#'))
    .map(({ raw, line }) => {
      const match = /^\/incident(?:\s+(.*))?$/.exec(raw);
      if (!match) throw new Error(`line ${line}: expected a /incident command, got: ${raw}`);
      return { line, text: match[1] ?? '' };
    });
}

export interface ReplayStep {
  command: ScenarioCommand;
  channelId: string;
  status: number;
  reply: string;
}

export interface ReplayOptions {
  botUrl: string;
  signingSecret: string;
  slack: SlackApiStub;
  userId: string;
  generalChannelId: string;
  /** Lets the slow work of one command finish before the next (channel creation, summary edits). */
  settle: () => Promise<void>;
}

export async function postSlashCommand(
  botUrl: string,
  signingSecret: string,
  command: { text: string; userId: string; channelId: string; triggerId: string },
): Promise<{ status: number; body: string }> {
  const body = slashCommandBody(command);
  const response = await fetch(`${botUrl}/slack/events`, {
    method: 'POST',
    headers: signedHeaders(signingSecret, body),
    body,
  });
  return { status: response.status, body: await response.text() };
}

function replyText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { text?: string };
    return parsed.text ?? body;
  } catch {
    return body;
  }
}

export async function replayScenario(
  commands: ScenarioCommand[],
  options: ReplayOptions,
): Promise<ReplayStep[]> {
  const steps: ReplayStep[] = [];
  let channelId = options.generalChannelId;
  for (const command of commands) {
    const { status, body } = await postSlashCommand(options.botUrl, options.signingSecret, {
      text: command.text,
      userId: options.userId,
      channelId,
      // Slack issues a trigger with every command it delivers; the stand-in must know it to open a modal.
      triggerId: options.slack.issueTriggerId(`replay.${command.line}.${Date.now()}`),
    });
    steps.push({ command, channelId, status, reply: replyText(body) });
    await options.settle();
    if (channelId === options.generalChannelId) {
      const created = options.slack.callsTo('conversations.create').at(-1);
      const channel = created
        ? [...options.slack.channels.values()].find((c) => c.name === created.args.name)
        : undefined;
      if (channel) channelId = channel.id;
    }
  }
  return steps;
}

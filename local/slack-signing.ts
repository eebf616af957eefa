/**
 * Signs requests the way Slack does (v0 HMAC-SHA256 over `v0:<timestamp>:<body>`), for the demo,
 * the tests and the benchmarks, which all talk to the bot as Slack would.
 */
import { createHmac } from 'node:crypto';

export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export function signedHeaders(
  signingSecret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, body),
  };
}

export interface SlashCommand {
  text: string;
  userId: string;
  channelId: string;
  triggerId: string;
  command?: string;
  teamId?: string;
  responseUrl?: string;
}

/** The form body Slack posts for a slash command. */
export function slashCommandBody(command: SlashCommand): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: command.teamId ?? 'T0LOCAL',
    team_domain: 'local',
    channel_id: command.channelId,
    channel_name: 'channel',
    user_id: command.userId,
    user_name: command.userId.toLowerCase(),
    command: command.command ?? '/incident',
    text: command.text,
    api_app_id: 'A0LOCAL',
    is_enterprise_install: 'false',
    response_url: command.responseUrl ?? 'https://hooks.slack.com/commands/T0LOCAL/1/local',
    trigger_id: command.triggerId,
  }).toString();
}

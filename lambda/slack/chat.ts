/**
 * What the bot does in Slack, behind a small interface so jobs can be tested against the Slack
 * stand-in and, where no Slack exists at all, against a fake.
 *
 * Every call is bounded: a timeout on each request, no retries inside the client (the job queue
 * reschedules; `classifySlackError` says when), and a 429 rejects at once with its Retry-After instead
 * of sleeping in the client.
 */

import type { HomeView, KnownBlock, View } from '@slack/types';
import {
  type ChatPostMessageArguments,
  ErrorCode,
  type WebAPIPlatformError,
  WebClient,
} from '@slack/web-api';
import { BAD_TOKEN_ERRORS, classifySlackError, describeSlackFailure, InvalidBotTokenError } from './errors';

export interface ChatMessage {
  text: string;
  blocks?: KnownBlock[];
}

export interface ChatGateway {
  /**
   * One `auth.test`: who the bot is. Throws `InvalidBotTokenError` when Slack refuses the token.
   * Meant for start-up (the local server's boot, a Lambda container's build), never per request.
   */
  verifyAuth(): Promise<{ userId: string; teamId?: string }>;
  /**
   * Opens a modal for a trigger_id, on a short timeout: trigger_ids expire 3 s after the user acted,
   * and the answer to Slack must not wait longer.
   */
  openView(triggerId: string, view: View): Promise<void>;
  /** Joins a public channel; joining one the bot is already in is not an error. */
  joinChannel(channelId: string): Promise<void>;
  /** Creates a public channel; when the name is taken, tries `name-2`, `name-3`, … */
  createChannel(name: string): Promise<{ id: string; name: string }>;
  /** Invites users; users already in the channel are not an error. */
  invite(channelId: string, userIds: string[]): Promise<void>;
  postMessage(channelId: string, message: ChatMessage): Promise<string>;
  /** A message only `userId` sees, in a channel they are in. */
  postEphemeral(channelId: string, userId: string, text: string): Promise<void>;
  publishHome(userId: string, view: HomeView): Promise<void>;
  updateMessage(channelId: string, ts: string, message: ChatMessage): Promise<void>;
  /** Pins a message; an already pinned message is not an error. */
  pin(channelId: string, ts: string): Promise<void>;
  setTopic(channelId: string, topic: string): Promise<void>;
  uploadMarkdown(
    channelId: string,
    file: { filename: string; title: string; content: string; comment?: string },
  ): Promise<void>;
  /** A message's text and author, or undefined when Slack no longer has it. */
  getMessage(channelId: string, ts: string): Promise<{ text: string; user?: string } | undefined>;
  permalink(channelId: string, ts: string): Promise<string | undefined>;
  /** Display names by user id; ids Slack cannot resolve are left out. */
  displayNames(userIds: string[]): Promise<Record<string, string>>;
}

const MAX_CHANNEL_NAME = 80;
const MAX_NAME_ATTEMPTS = 20;

function platformErrorCode(error: unknown): string | undefined {
  const candidate = error as Partial<WebAPIPlatformError>;
  return candidate?.code === ErrorCode.PlatformError ? candidate.data?.error : undefined;
}

/** `name` with a numeric suffix, cut so the result stays within Slack's 80 characters. */
export function suffixedChannelName(name: string, attempt: number): string {
  if (attempt <= 1) return name.slice(0, MAX_CHANNEL_NAME);
  const suffix = `-${attempt}`;
  return `${name.slice(0, MAX_CHANNEL_NAME - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** Channel ids the bot can join itself; DMs (D…) and user ids (U…, W…) cannot be joined. */
const JOINABLE_CHANNEL = /^C[A-Z0-9]+$/;

export const DEFAULT_SLACK_TIMEOUT_MS = 10_000;
export const DEFAULT_INTERACTIVE_TIMEOUT_MS = 2_500;

export interface SlackChatOptions {
  botToken: string;
  slackApiUrl?: string;
  /** Per-request timeout of every call but `openView`; default 10 s. */
  timeoutMs?: number;
  /** Timeout of `openView` (a trigger_id lives 3 s); default 2.5 s. */
  interactiveTimeoutMs?: number;
  /** Injected in tests; built from the token otherwise (and then also used for `openView`). */
  client?: WebClient;
}

/** A client that makes one bounded attempt per call. */
function boundedClient(token: string, slackApiUrl: string | undefined, timeout: number): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    timeout,
    // A 429 rejects at once with its Retry-After: the job queue reschedules, no worker sleeps.
    rejectRateLimitedCalls: true,
    // Retries of a failed call are the job queue's business; an in-client retry would hold a
    // Lambda (or the 3 s answer to Slack) past its deadline.
    retryConfig: { retries: 0 },
  });
}

export class SlackChat implements ChatGateway {
  private readonly client: WebClient;
  private readonly interactiveClient: WebClient;

  constructor(options: SlackChatOptions) {
    this.client =
      options.client ??
      boundedClient(options.botToken, options.slackApiUrl, options.timeoutMs ?? DEFAULT_SLACK_TIMEOUT_MS);
    this.interactiveClient =
      options.client ??
      boundedClient(
        options.botToken,
        options.slackApiUrl,
        options.interactiveTimeoutMs ?? DEFAULT_INTERACTIVE_TIMEOUT_MS,
      );
  }

  async verifyAuth(): Promise<{ userId: string; teamId?: string }> {
    let result: Awaited<ReturnType<WebClient['auth']['test']>>;
    try {
      result = await this.client.auth.test();
    } catch (error) {
      const failure = classifySlackError(error);
      if (failure.kind === 'permanent' && BAD_TOKEN_ERRORS.has(failure.code)) {
        throw new InvalidBotTokenError(failure.code, { cause: error });
      }
      throw new Error(`Could not verify the Slack bot token: ${describeSlackFailure(failure)}`, {
        cause: error,
      });
    }
    if (!result.user_id) throw new Error('Slack answered auth.test without the bot user id');
    return { userId: result.user_id, ...(result.team_id ? { teamId: result.team_id } : {}) };
  }

  async openView(triggerId: string, view: View): Promise<void> {
    await this.interactiveClient.views.open({ trigger_id: triggerId, view });
  }

  async joinChannel(channelId: string): Promise<void> {
    await this.client.conversations.join({ channel: channelId });
  }

  /**
   * Runs `call`; when Slack says the bot is not in the channel, joins it (public channels only) and
   * runs it once more. When the join fails, the original error is what the caller sees.
   */
  private async asMember<T>(channelId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (platformErrorCode(error) !== 'not_in_channel' || !JOINABLE_CHANNEL.test(channelId)) throw error;
      try {
        await this.joinChannel(channelId);
      } catch {
        throw error;
      }
      return call();
    }
  }

  async createChannel(name: string): Promise<{ id: string; name: string }> {
    for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
      const candidate = suffixedChannelName(name, attempt);
      try {
        const result = await this.client.conversations.create({ name: candidate });
        const channel = result.channel;
        if (!channel?.id || !channel.name) throw new Error('conversations.create returned no channel');
        return { id: channel.id, name: channel.name };
      } catch (error) {
        if (platformErrorCode(error) !== 'name_taken') throw error;
      }
    }
    throw new Error(`No free channel name for ${name} after ${MAX_NAME_ATTEMPTS} attempts`);
  }

  async invite(channelId: string, userIds: string[]): Promise<void> {
    const users = [...new Set(userIds)].filter(Boolean);
    if (users.length === 0) return;
    try {
      await this.asMember(channelId, () =>
        this.client.conversations.invite({ channel: channelId, users: users.join(',') }),
      );
    } catch (error) {
      const code = platformErrorCode(error);
      // The bot itself, or everyone asked for, may already be a member.
      if (code !== 'already_in_channel' && code !== 'cant_invite_self') throw error;
    }
  }

  async postMessage(channelId: string, message: ChatMessage): Promise<string> {
    const args: ChatPostMessageArguments = {
      channel: channelId,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
    };
    const result = await this.asMember(channelId, () => this.client.chat.postMessage(args));
    if (!result.ts) throw new Error('chat.postMessage returned no ts');
    return result.ts;
  }

  async postEphemeral(channelId: string, userId: string, text: string): Promise<void> {
    await this.client.chat.postEphemeral({ channel: channelId, user: userId, text });
  }

  async publishHome(userId: string, view: HomeView): Promise<void> {
    await this.client.views.publish({ user_id: userId, view });
  }

  async updateMessage(channelId: string, ts: string, message: ChatMessage): Promise<void> {
    await this.client.chat.update({
      channel: channelId,
      ts,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
    });
  }

  async pin(channelId: string, ts: string): Promise<void> {
    try {
      await this.asMember(channelId, () => this.client.pins.add({ channel: channelId, timestamp: ts }));
    } catch (error) {
      if (platformErrorCode(error) !== 'already_pinned') throw error;
    }
  }

  async setTopic(channelId: string, topic: string): Promise<void> {
    await this.asMember(channelId, () =>
      this.client.conversations.setTopic({ channel: channelId, topic: topic.slice(0, 250) }),
    );
  }

  async uploadMarkdown(
    channelId: string,
    file: { filename: string; title: string; content: string; comment?: string },
  ): Promise<void> {
    await this.client.files.uploadV2({
      channel_id: channelId,
      filename: file.filename,
      title: file.title,
      content: file.content,
      ...(file.comment ? { initial_comment: file.comment } : {}),
    });
  }

  async getMessage(channelId: string, ts: string): Promise<{ text: string; user?: string } | undefined> {
    // `inclusive` with `latest` = `oldest` = ts returns exactly that message, when it is not in a thread.
    const history = await this.client.conversations.history({
      channel: channelId,
      latest: ts,
      oldest: ts,
      inclusive: true,
      limit: 1,
    });
    let message = history.messages?.find((candidate) => candidate.ts === ts);
    if (!message) {
      const replies = await this.client.conversations.replies({ channel: channelId, ts, limit: 1 });
      message = replies.messages?.find((candidate) => candidate.ts === ts);
    }
    if (!message) return undefined;
    return { text: message.text ?? '', ...(message.user ? { user: message.user } : {}) };
  }

  async permalink(channelId: string, ts: string): Promise<string | undefined> {
    try {
      const result = await this.client.chat.getPermalink({ channel: channelId, message_ts: ts });
      return result.permalink;
    } catch {
      return undefined; // the event is still worth recording without its link
    }
  }

  async displayNames(userIds: string[]): Promise<Record<string, string>> {
    const names: Record<string, string> = {};
    for (const user of new Set(userIds)) {
      try {
        const result = await this.client.users.info({ user });
        const name = result.user?.profile?.display_name || result.user?.real_name || result.user?.name;
        if (name) names[user] = name;
      } catch {
        // A name is a nicety in the postmortem; the id stands in for it.
      }
    }
    return names;
  }
}

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
import { MAX_TOPIC } from './format';
import { clipMrkdwn } from './text';

export interface ChatMessage {
  text: string;
  blocks?: KnownBlock[];
  /**
   * Names the step that posts it (`INC-7/summary`), carried as message metadata, so a retry after a
   * lost answer can find the message Slack did post (`findMarked`) instead of posting it twice.
   */
  marker?: string;
}

/** The metadata event type of messages the bot marks with their step. */
export const STEP_EVENT_TYPE = 'incident_bot_step';

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
  /**
   * Creates a public channel; when the name is taken, tries `name-2`, `name-3`, … With
   * `adoptCreatedAfter` (epoch ms), a taken name whose channel the bot itself created since then is
   * the bot's own from a try whose answer was lost: it is returned instead of making another.
   */
  createChannel(
    name: string,
    options?: { adoptCreatedAfter?: number },
  ): Promise<{ id: string; name: string }>;
  /** The ts of a message the bot posted with `marker` since `sinceMs`, if Slack has one. */
  findMarked(channelId: string, marker: string, sinceMs: number): Promise<string | undefined>;
  /** Whether the bot shared a file called `filename` in the channel since `sinceMs`. */
  findUpload(channelId: string, filename: string, sinceMs: number): Promise<boolean>;
  /** Invites users; users already in the channel are not an error. */
  invite(channelId: string, userIds: string[]): Promise<void>;
  postMessage(channelId: string, message: ChatMessage): Promise<string>;
  /**
   * A message only `userId` sees, in the channel where they are; where the bot cannot show it there
   * (a private channel or a DM it is not in, a channel the user left), in their DM with the app.
   */
  postEphemeral(channelId: string, userId: string, text: string, blocks?: KnownBlock[]): Promise<void>;
  publishHome(userId: string, view: HomeView): Promise<void>;
  updateMessage(channelId: string, ts: string, message: ChatMessage): Promise<void>;
  /** Pins a message; an already pinned message is not an error. */
  pin(channelId: string, ts: string): Promise<void>;
  setTopic(channelId: string, topic: string): Promise<void>;
  uploadMarkdown(
    channelId: string,
    file: { filename: string; title: string; content: string; comment?: string },
  ): Promise<void>;
  /** Uploads a file of any kind (a PNG chart, an HTML page) to a channel. */
  uploadFile(
    channelId: string,
    file: { filename: string; title: string; bytes: Buffer; comment?: string },
  ): Promise<void>;
  /**
   * Uploads an image shared nowhere (only the bot can see it) and returns its file id, for an image
   * block's `slack_file` (App Home's trend chart).
   */
  uploadImage(file: { filename: string; title: string; bytes: Buffer; altText: string }): Promise<string>;
  /** A message's text and author, or undefined when Slack no longer has it. */
  getMessage(channelId: string, ts: string): Promise<{ text: string; user?: string } | undefined>;
  permalink(channelId: string, ts: string): Promise<string | undefined>;
  /** Display names by user id; ids Slack cannot resolve are left out. */
  displayNames(userIds: string[]): Promise<Record<string, string>>;
  /**
   * Makes `userIds` the whole membership of a user group (`S…`). Throws `NoUsergroupsOnPlanError`
   * when the workspace's plan has no user groups.
   */
  setUsergroupMembers(usergroupId: string, userIds: readonly string[]): Promise<void>;
}

/**
 * What usergroups.users.update answers in a workspace whose plan has no user groups: the documented
 * `plan_upgrade_required` (https://docs.slack.dev/reference/methods/usergroups.users.update), and
 * `paid_teams_only`, which Slack answers for paid-only features on the free plan.
 */
export const NO_USERGROUPS_ON_PLAN: ReadonlySet<string> = new Set([
  'paid_teams_only',
  'plan_upgrade_required',
]);

/** The workspace's Slack plan has no user groups: trying again will not help until it changes. */
export class NoUsergroupsOnPlanError extends Error {
  constructor(
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`the workspace's Slack plan has no user groups (${code})`, options);
    this.name = 'NoUsergroupsOnPlanError';
  }
}

const MAX_CHANNEL_NAME = 80;
const MAX_NAME_ATTEMPTS = 20;

/** chat.postEphemeral's answers when the bot cannot show a message in that channel to that user. */
const CANNOT_SHOW_THERE = new Set(['channel_not_found', 'not_in_channel', 'user_not_in_channel']);

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

  async createChannel(
    name: string,
    options: { adoptCreatedAfter?: number } = {},
  ): Promise<{ id: string; name: string }> {
    for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
      const candidate = suffixedChannelName(name, attempt);
      try {
        const result = await this.client.conversations.create({ name: candidate });
        const channel = result.channel;
        if (!channel?.id || !channel.name) throw new Error('conversations.create returned no channel');
        return { id: channel.id, name: channel.name };
      } catch (error) {
        if (platformErrorCode(error) !== 'name_taken') throw error;
        if (options.adoptCreatedAfter !== undefined) {
          const own = await this.ownChannelNamed(candidate, options.adoptCreatedAfter);
          if (own) return own;
        }
      }
    }
    throw new Error(`No free channel name for ${name} after ${MAX_NAME_ATTEMPTS} attempts`);
  }

  private botUserId: Promise<string> | undefined;

  private async ownUserId(): Promise<string> {
    this.botUserId ??= this.verifyAuth()
      .then((auth) => auth.userId)
      .catch((error: unknown) => {
        this.botUserId = undefined;
        throw error;
      });
    return this.botUserId;
  }

  /** A live channel with this exact name that the bot created after `since` (epoch ms). */
  private async ownChannelNamed(
    name: string,
    since: number,
  ): Promise<{ id: string; name: string } | undefined> {
    const me = await this.ownUserId();
    let cursor: string | undefined;
    // Bounded: a workspace with more channels than this is searched no further (a second channel then).
    for (let page = 0; page < 20; page++) {
      const result = await this.client.conversations.list({
        types: 'public_channel',
        exclude_archived: true,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      const found = result.channels?.find(
        (channel) =>
          channel.name === name && channel.creator === me && (channel.created ?? 0) * 1000 >= since,
      );
      if (found?.id && found.name) return { id: found.id, name: found.name };
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) return undefined;
    }
    return undefined;
  }

  async findMarked(channelId: string, marker: string, sinceMs: number): Promise<string | undefined> {
    const result = await this.client.conversations.history({
      channel: channelId,
      oldest: (Math.max(0, sinceMs - 60_000) / 1000).toFixed(6),
      include_all_metadata: true,
      limit: 200,
    });
    const found = result.messages?.find((message) => {
      const metadata = message.metadata as
        | { event_type?: string; event_payload?: { step?: unknown } }
        | undefined;
      return metadata?.event_type === STEP_EVENT_TYPE && metadata.event_payload?.step === marker;
    });
    return found?.ts;
  }

  async findUpload(channelId: string, filename: string, sinceMs: number): Promise<boolean> {
    const me = await this.ownUserId();
    const result = await this.client.files.list({
      channel: channelId,
      user: me,
      ts_from: String(Math.floor(Math.max(0, sinceMs - 60_000) / 1000)),
    });
    return (result.files ?? []).some((file) => file.name === filename);
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
      ...(message.marker
        ? { metadata: { event_type: STEP_EVENT_TYPE, event_payload: { step: message.marker } } }
        : {}),
    };
    const result = await this.asMember(channelId, () => this.client.chat.postMessage(args));
    if (!result.ts) throw new Error('chat.postMessage returned no ts');
    return result.ts;
  }

  async postEphemeral(channelId: string, userId: string, text: string, blocks?: KnownBlock[]): Promise<void> {
    try {
      await this.client.chat.postEphemeral({
        channel: channelId,
        user: userId,
        text,
        ...(blocks ? { blocks } : {}),
      });
    } catch (error) {
      if (!CANNOT_SHOW_THERE.has(platformErrorCode(error) ?? '')) throw error;
      // A user id as the channel is the user's DM with the app (the App Home's Messages tab):
      // https://docs.slack.dev/reference/methods/chat.postMessage ("channel … IM channel").
      await this.client.chat.postMessage({ channel: userId, text, ...(blocks ? { blocks } : {}) });
    }
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
      // Slack refuses a topic over 250 characters (`too_long`); cut between graphemes, never half an
      // emoji, whose lone surrogate would make the client throw "URI malformed".
      this.client.conversations.setTopic({ channel: channelId, topic: clipMrkdwn(topic, MAX_TOPIC) }),
    );
  }

  async uploadFile(
    channelId: string,
    file: { filename: string; title: string; bytes: Buffer; comment?: string },
  ): Promise<void> {
    await this.client.files.uploadV2({
      channel_id: channelId,
      filename: file.filename,
      title: file.title,
      file: file.bytes,
      ...(file.comment ? { initial_comment: file.comment } : {}),
    });
  }

  async uploadImage(file: {
    filename: string;
    title: string;
    bytes: Buffer;
    altText: string;
  }): Promise<string> {
    const result = await this.client.files.uploadV2({
      filename: file.filename,
      title: file.title,
      file: file.bytes,
      alt_text: file.altText,
    });
    // uploadV2 answers one files.completeUploadExternal result per file it uploaded.
    const completions = (result as { files?: { files?: { id?: string }[] }[] }).files ?? [];
    const id = completions[0]?.files?.[0]?.id;
    if (!id) throw new Error(`files.uploadV2 of ${file.filename} answered no file id`);
    return id;
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

  async setUsergroupMembers(usergroupId: string, userIds: readonly string[]): Promise<void> {
    try {
      await this.client.usergroups.users.update({
        usergroup: usergroupId,
        users: [...new Set(userIds)].join(','),
      });
    } catch (error) {
      const code = platformErrorCode(error);
      if (code && NO_USERGROUPS_ON_PLAN.has(code)) throw new NoUsergroupsOnPlanError(code, { cause: error });
      throw error;
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

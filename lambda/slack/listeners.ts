/**
 * Bolt listeners: the transport edge. They turn Slack payloads (slash commands, buttons, modals, the
 * message shortcut, reactions, App Home) into service calls and acknowledge; everything that decides
 * lives in the service and the domain. Slow work goes to the job queue.
 */
import type { App, CodedError, Logger } from '@slack/bolt';
import { z } from 'zod';
import type { BotSettings } from '../config';
import type { Intent } from '../incidents/intents';
import { toUser } from '../incidents/message';
import type { Clock } from '../incidents/time';
import { INCIDENT_ID_PATTERN } from '../incidents/types';
import type { Jobs } from '../jobs/jobs';
import type { CommandService } from '../service/command-service';
import { type Addressee, Interactions } from '../service/interactions';
import { followSlackMessage, type SlackMessageChange } from '../service/message-changes';
import type { IncidentStore } from '../store/store';
import type { ChatGateway } from './chat';
import { type Reply, renderOutcome, toReply } from './message';
import { FORM_NOT_OPENED, NOT_AN_INCIDENT_CHANNEL, SOMETHING_WENT_WRONG, VIEW_NOT_OPENED } from './replies';
import {
  ACTIONS,
  addToTimelineModal,
  CALLBACKS,
  declareModal,
  parseAddToTimelineSubmission,
  parseDeclareSubmission,
  parseResolveSubmission,
  resolveModal,
  SHORTCUT,
} from './views';

export interface ListenerDeps {
  commands: CommandService;
  store: IncidentStore;
  jobs: Jobs;
  /** Opens modals (on a short timeout); everything else in Slack goes through the job queue. */
  chat: ChatGateway;
  clock: Clock;
  settings: Pick<BotSettings, 'timeZone'>;
  logger?: Logger;
  /** What buttons, modals, the shortcut and reactions do; built from the deps above when not given. */
  interactions?: Interactions;
}

export { FORM_NOT_OPENED };

/** The fields of a slash-command payload the bot relies on; anything else Slack sends is ignored. */
const slashCommandSchema = z.object({
  text: z.string().default(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  trigger_id: z.string().optional(),
});

/** Slack's response_url of an interaction: https (or http on a loopback host, for the stand-in). */
const responseUrlSchema = z
  .string()
  .refine((text) => {
    try {
      const url = new URL(text);
      return (
        url.protocol === 'https:' ||
        (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
      );
    } catch {
      return false;
    }
  })
  .optional()
  .catch(undefined);

const buttonSchema = z.object({
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  trigger_id: z.string().min(1),
  response_url: responseUrlSchema,
  actions: z.array(z.object({ value: z.string().regex(INCIDENT_ID_PATTERN) })).min(1),
});

const reactionSchema = z.object({
  reaction: z.string(),
  user: z.string().min(1),
  item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
});

const shortcutSchema = z.object({
  trigger_id: z.string().min(1),
  response_url: responseUrlSchema,
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }),
  message: z.object({ ts: z.string().min(1), text: z.string().default(''), user: z.string().optional() }),
});

/** Slack message ts: seconds.micros. */
const slackTs = z.string().regex(/^\d+\.\d+$/);

/** `message_changed` and `message_deleted` (message.channels): what a captured message's event follows. */
const messageChangeSchema = z.discriminatedUnion('subtype', [
  z.object({
    subtype: z.literal('message_changed'),
    channel: z.string().min(1),
    event_ts: slackTs.optional(),
    message: z.object({
      ts: slackTs,
      text: z.string().default(''),
      /** `tombstone`: a message with replies was deleted, and stays as "This message was deleted." */
      subtype: z.string().optional(),
      edited: z.object({ ts: slackTs, user: z.string().optional() }).optional(),
    }),
    previous_message: z.object({ text: z.string().optional() }).optional(),
  }),
  z.object({
    subtype: z.literal('message_deleted'),
    channel: z.string().min(1),
    deleted_ts: slackTs,
    event_ts: slackTs.optional(),
    ts: slackTs.optional(),
  }),
]);

/** The change a message event makes to a captured message, or undefined when it changes no words. */
function messageChangeOf(event: unknown): SlackMessageChange | undefined {
  const payload = messageChangeSchema.safeParse(event);
  if (!payload.success) return undefined;
  const data = payload.data;
  if (data.subtype === 'message_deleted') {
    return {
      type: 'deleted',
      channelId: data.channel,
      messageTs: data.deleted_ts,
      eventTs: data.event_ts ?? data.ts ?? data.deleted_ts,
    };
  }
  const { message } = data;
  const eventTs = data.event_ts ?? message.edited?.ts ?? message.ts;
  if (message.subtype === 'tombstone') {
    return { type: 'deleted', channelId: data.channel, messageTs: message.ts, eventTs };
  }
  // An unfurl, a reaction count or a thread's reply count also changes a message: its words did not.
  if (data.previous_message?.text === message.text) return undefined;
  return {
    type: 'edited',
    channelId: data.channel,
    messageTs: message.ts,
    text: message.text,
    editTs: message.edited?.ts ?? eventTs,
    ...(message.edited?.user ? { by: message.edited.user } : {}),
  };
}

const FOLLOWED_SUBTYPES: ReadonlySet<unknown> = new Set(['message_changed', 'message_deleted']);

const ephemeral = (text: string): Reply => ({ response_type: 'ephemeral', text });

/**
 * A listener's failure on its way to `app.error`, which logs it. `tell` is who still needs to hear
 * that it failed: set when the ack had already gone (so it could not carry the news), undefined when
 * the ack said it or there is no one to tell.
 */
class ListenerFailure extends Error {
  constructor(
    readonly listener: string,
    cause: unknown,
    readonly tell?: Addressee,
  ) {
    super(`${listener} failed`, { cause });
  }
}

/** Bolt's ack, remembering whether it went: a failure after it must reach the user another way. */
function tracked<Ack extends (...args: never[]) => Promise<void>>(
  ack: Ack,
): { ack: Ack; readonly sent: boolean } {
  let sent = false;
  const sending = (...args: Parameters<Ack>) => {
    sent = true;
    return ack(...args);
  };
  return {
    ack: sending as Ack,
    get sent() {
      return sent;
    },
  };
}

/** What a listener threw, through Bolt's wrapping (`UnknownError.original`, the extended handler's args). */
function unwrap(thrown: unknown): unknown {
  if (thrown && typeof thrown === 'object') {
    if ('original' in thrown && thrown.original) return unwrap(thrown.original);
    if (!(thrown instanceof Error) && 'error' in thrown) return unwrap(thrown.error);
  }
  return thrown;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  const { commands } = deps;
  const logger = deps.logger ?? app.logger;
  const interactions = deps.interactions ?? new Interactions(deps);

  // The one place a listener's failure is logged. Answered here, Bolt answers Slack with what was
  // acked (never a 500 that Slack would retry or show as an error) and the process goes on.
  app.error(async (thrown: CodedError) => {
    const error = unwrap(thrown);
    if (!(error instanceof ListenerFailure)) {
      logger.error('Slack request failed', error);
      return;
    }
    logger.error(error.message, error.cause);
    if (!error.tell) return;
    await interactions
      .show(error.tell, toUser(SOMETHING_WENT_WRONG))
      .catch((failure) => logger.error('failure reply not queued', failure));
  });

  app.command(/^\/incident/, async ({ command, ack }) => {
    const payload = slashCommandSchema.safeParse(command);
    if (!payload.success) {
      await ack(ephemeral('That request was missing the user or channel; nothing was recorded.'));
      return;
    }
    const { text, user_id: userId, channel_id: channelId, trigger_id: triggerId } = payload.data;
    const answer = tracked(ack);
    try {
      // The declare modal must open within trigger_id's 3 s, so this one Web API call is on the ack path,
      // on a timeout short enough that the answer still arrives in time when Slack is slow.
      if (!text.trim() && triggerId) {
        try {
          await deps.chat.openView(triggerId, declareModal({ channelId }));
        } catch (error) {
          logger.warn('declare modal not opened', error);
          await answer.ack(ephemeral(FORM_NOT_OPENED));
          return;
        }
        await answer.ack();
        return;
      }
      await answer.ack(toReply(await commands.command({ text, userId, channelId, triggerId })));
    } catch (error) {
      if (answer.sent) throw new ListenerFailure('slash command', error, { channelId, userId });
      await answer.ack(ephemeral(SOMETHING_WENT_WRONG));
      throw new ListenerFailure('slash command', error);
    }
  });

  app.view(CALLBACKS.declare, async ({ ack, body, view }) => {
    const submission = parseDeclareSubmission(view, deps.clock.now().toISOString());
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    await ack();
    // Confirmed where `/incident` was typed (best effort: a view submission has no response_url).
    const to: Addressee = { channelId: submission.value.channelId, userId: body.user.id };
    try {
      const { outcome } = await interactions.declareFromModal(submission.value, body.user.id, view.id);
      await interactions
        .show(to, outcome)
        .catch((error) => logger.warn('declare confirmation not queued', error));
    } catch (error) {
      throw new ListenerFailure('declare modal', error, to);
    }
  });

  const button = (action: string, intentFor: (incidentId: string, userId: string) => Intent) => {
    app.action(action, async ({ ack, body }) => {
      await ack();
      const payload = buttonSchema.safeParse(body);
      if (!payload.success) return;
      const { user, channel, trigger_id: triggerId, actions, response_url: responseUrl } = payload.data;
      const incidentId = actions[0]?.value as string;
      try {
        const outcome = await commands.run(intentFor(incidentId, user.id), {
          userId: user.id,
          channelId: channel?.id ?? '',
          triggerId,
        });
        await interactions.show(
          { channelId: channel?.id, userId: user.id, incidentId, responseUrl },
          outcome,
        );
      } catch (error) {
        throw new ListenerFailure('button', error, { channelId: channel?.id, userId: user.id, responseUrl });
      }
    });
  };
  button(ACTIONS.acknowledge, (ref) => ({ verb: 'ack', ref }));
  // A link button: Slack opens the channel and still tells the app, which only acknowledges it.
  app.action(ACTIONS.openChannel, async ({ ack }) => {
    await ack();
  });
  button(ACTIONS.escalate, (ref) => ({ verb: 'escalate', ref }));
  // "I'll lead": `/incident commander <@clicker>`, refused (the clicker told who leads) once anyone does.
  button(ACTIONS.lead, (ref, user) => ({ verb: 'commander', ref, user, ifVacant: true }));

  app.action(ACTIONS.resolve, async ({ ack, body }) => {
    await ack();
    const payload = buttonSchema.safeParse(body);
    if (!payload.success) return;
    const { user, channel, trigger_id: triggerId, actions, response_url: responseUrl } = payload.data;
    const incidentId = actions[0]?.value as string;
    const to: Addressee = { channelId: channel?.id, userId: user.id, incidentId, responseUrl };
    try {
      await deps.chat.openView(triggerId, resolveModal(incidentId));
    } catch (error) {
      logger.warn('resolve modal not opened', error);
      try {
        await interactions.show(to, toUser(VIEW_NOT_OPENED));
      } catch (failure) {
        throw new ListenerFailure('resolve button', failure, to);
      }
    }
  });

  app.view(CALLBACKS.resolve, async ({ ack, body, view }) => {
    const submission = parseResolveSubmission(view);
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    const answer = tracked(ack);
    let to: Addressee | undefined;
    try {
      const resolved = await interactions.resolveFromModal(submission.value, body.user.id, view.id);
      to = resolved.to;
      if (resolved.outcome.visibility === 'user') {
        // Refused (already resolved, say): keep the modal open and say why beside the field.
        const said = renderOutcome(resolved.outcome);
        const why = said.split('\n')[0] ?? said;
        await answer.ack({ response_action: 'errors', errors: { resolution: why } });
        return;
      }
      await answer.ack();
      await interactions.show(to, resolved.outcome);
    } catch (error) {
      if (answer.sent) throw new ListenerFailure('resolve modal', error, to);
      // Not acked yet: the modal stays open and says it beside the field, so nothing typed is lost.
      await answer.ack({ response_action: 'errors', errors: { resolution: SOMETHING_WENT_WRONG } });
      throw new ListenerFailure('resolve modal', error);
    }
  });

  app.shortcut(SHORTCUT, async ({ ack, shortcut }) => {
    await ack();
    const payload = shortcutSchema.safeParse(shortcut);
    if (!payload.success) return;
    const { trigger_id: triggerId, user, channel, message, response_url: responseUrl } = payload.data;
    const to: Addressee = { channelId: channel.id, userId: user.id, responseUrl };
    try {
      const incidentId = await interactions.incidentOfChannel(channel.id);
      if (!incidentId) {
        await interactions.show(to, toUser(NOT_AN_INCIDENT_CHANNEL));
        return;
      }
      try {
        await deps.chat.openView(
          triggerId,
          addToTimelineModal({
            incidentId,
            text: message.text,
            author: message.user ?? user.id,
            messageTs: message.ts,
            channelId: channel.id,
          }),
        );
      } catch (error) {
        logger.warn('add-to-timeline modal not opened', error);
        await interactions.show({ ...to, incidentId }, toUser(VIEW_NOT_OPENED));
      }
    } catch (error) {
      throw new ListenerFailure('add-to-timeline shortcut', error, to);
    }
  });

  app.view(CALLBACKS.addToTimeline, async ({ ack, body, view }) => {
    const submission = parseAddToTimelineSubmission(view);
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    await ack();
    const { channelId, incidentId } = submission.value;
    try {
      await interactions.captureMessage(submission.value, body.user.id);
    } catch (error) {
      throw new ListenerFailure('add-to-timeline modal', error, {
        channelId,
        userId: body.user.id,
        incidentId,
      });
    }
  });

  // 📌 on a message in an incident channel: onto the timeline once, however many people pin it.
  app.event('reaction_added', async ({ event }) => {
    const payload = reactionSchema.safeParse(event);
    if (!payload.success || payload.data.reaction !== 'pushpin') return;
    const { item, user } = payload.data;
    if (item.type !== 'message' || !item.channel || !item.ts) return;
    const pin = { channelId: item.channel, messageTs: item.ts, userId: user };
    try {
      await interactions.pinMessage(pin);
    } catch (error) {
      throw new ListenerFailure('📌 reaction', error, { channelId: pin.channelId, userId: user });
    }
  });

  // An edit or deletion in Slack of a message captured onto a timeline; every other message (the
  // subscription delivers them all) is dropped here, before any read.
  app.event('message', async ({ event }) => {
    if (!FOLLOWED_SUBTYPES.has((event as { subtype?: unknown }).subtype)) return;
    const change = messageChangeOf(event);
    if (!change) return;
    try {
      await followSlackMessage(deps, change);
    } catch (error) {
      // Nobody is waiting on it: logged only.
      throw new ListenerFailure('message change', error);
    }
  });

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab && event.tab !== 'home') return;
    try {
      await interactions.openHome(event.user);
    } catch (error) {
      // App Home has no channel to answer in: logged only.
      throw new ListenerFailure('App Home', error);
    }
  });
}

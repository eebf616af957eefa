/**
 * Bolt listeners: the transport edge. They turn Slack payloads (slash commands, buttons, modals, the
 * message shortcut, reactions, App Home) into service calls and acknowledge; everything that decides
 * lives in the service and the domain. Slow work goes to the job queue.
 */
import type { App, Logger } from '@slack/bolt';
import { z } from 'zod';
import type { BotSettings } from '../config';
import type { Intent } from '../incidents/intents';
import type { Clock } from '../incidents/time';
import type { Jobs } from '../jobs/jobs';
import type { CommandService, Reply } from '../service/command-service';
import type { IncidentStore } from '../store/store';
import type { ChatGateway } from './chat';
import { escapeText, incidentChannelName } from './format';
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
}

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
  actions: z.array(z.object({ value: z.string().regex(/^INC-\d+$/) })).min(1),
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

/** When Slack is too slow to open the declare modal inside the trigger_id's 3 s. */
export const FORM_NOT_OPENED =
  'Slack did not open the form in time; try `/incident` again, or declare directly with `/incident open [sev1..sev4] <title>`.';

/** When Slack does not open a button's or shortcut's modal in time: the form is gone, not the data. */
const VIEW_NOT_OPENED = 'Slack did not open the form in time; nothing was changed. Please try again.';

const SOMETHING_WENT_WRONG =
  'Something went wrong while handling that. Please try again; if it keeps failing, check the bot logs.';

/**
 * Shows a service reply where a button or modal was used: to the channel, or to the user alone. Sent
 * by the worker, so the answer to Slack never waits for the Web API.
 */
async function show(
  jobs: Jobs,
  channelId: string | undefined,
  userId: string,
  reply: Reply,
  incidentId?: string,
  responseUrl?: string,
) {
  if (!channelId) return;
  const visibility = reply.response_type === 'in_channel' ? 'channel' : 'user';
  await jobs.enqueue({
    type: 'reply',
    channelId,
    userId,
    text: reply.text,
    visibility,
    ...(incidentId ? { incidentId } : {}),
    ...(responseUrl && visibility === 'user' ? { responseUrl } : {}),
  });
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  const { commands, logger } = deps;

  app.command(/^\/incident/, async ({ command, ack }) => {
    const payload = slashCommandSchema.safeParse(command);
    if (!payload.success) {
      await ack({
        response_type: 'ephemeral',
        text: 'That request was missing the user or channel; nothing was recorded.',
      });
      return;
    }
    const { text, user_id: userId, channel_id: channelId, trigger_id: triggerId } = payload.data;
    try {
      // The declare modal must open within trigger_id's 3 s, so this one Web API call is on the ack path,
      // on a timeout short enough that the answer still arrives in time when Slack is slow.
      if (!text.trim() && triggerId) {
        try {
          await deps.chat.openView(triggerId, declareModal({ channelId }));
        } catch (error) {
          logger?.warn('declare modal not opened', error);
          await ack({ response_type: 'ephemeral', text: FORM_NOT_OPENED });
          return;
        }
        await ack();
        return;
      }
      await ack(await commands.handle({ text, userId, channelId, triggerId }));
    } catch (error) {
      logger?.error('slash command failed', error);
      await ack({ response_type: 'ephemeral', text: SOMETHING_WENT_WRONG });
    }
  });

  app.view(CALLBACKS.declare, async ({ ack, body, view }) => {
    const submission = parseDeclareSubmission(view, deps.clock.now().toISOString());
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    await ack();
    const { title, severity, description, detectedAt, channelId } = submission.value;
    // A modal can be submitted once; its view id keys the declaration, so a redelivery declares the
    // same incident (finishing what a crash interrupted) and never a second one.
    const incident = await commands.declare({
      title,
      severity,
      declaredBy: body.user.id,
      eventId: `v-${view.id}`,
      requestKey: `view#${view.id}`,
      ...(detectedAt ? { startedAt: detectedAt } : {}),
      events: description
        ? [
            {
              at: detectedAt ?? deps.clock.now().toISOString(),
              kind: 'note',
              text: `Description: ${description}`,
            },
          ]
        : [],
    });
    // Confirmed where `/incident` was typed (best effort: a view submission has no response_url).
    if (channelId) {
      await show(deps.jobs, channelId, body.user.id, {
        response_type: 'ephemeral',
        text: `:rotating_light: Declared *${incident.id}* (${incident.severity}): ${escapeText(incident.title)}. Opening #${incidentChannelName(incident.number, incident.title)}…`,
      }).catch((error) => logger?.warn('declare confirmation not queued', error));
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
        const reply = await commands.execute(intentFor(incidentId, user.id), {
          userId: user.id,
          channelId: channel?.id ?? '',
          triggerId,
        });
        await show(deps.jobs, channel?.id, user.id, reply, incidentId, responseUrl);
      } catch (error) {
        logger?.error('button failed', error);
        await show(
          deps.jobs,
          channel?.id,
          user.id,
          { response_type: 'ephemeral', text: SOMETHING_WENT_WRONG },
          undefined,
          responseUrl,
        );
      }
    });
  };
  button(ACTIONS.acknowledge, (ref) => ({ verb: 'ack', ref }));
  button(ACTIONS.escalate, (ref) => ({ verb: 'escalate', ref }));
  // "I'll lead": `/incident commander <@clicker>`, refused (the clicker told who leads) once anyone does.
  button(ACTIONS.lead, (ref, user) => ({ verb: 'commander', ref, user, ifVacant: true }));

  app.action(ACTIONS.resolve, async ({ ack, body }) => {
    await ack();
    const payload = buttonSchema.safeParse(body);
    if (!payload.success) return;
    const { user, channel, trigger_id: triggerId, actions, response_url: responseUrl } = payload.data;
    const incidentId = actions[0]?.value as string;
    try {
      await deps.chat.openView(triggerId, resolveModal(incidentId));
    } catch (error) {
      logger?.warn('resolve modal not opened', error);
      await show(
        deps.jobs,
        channel?.id,
        user.id,
        { response_type: 'ephemeral', text: VIEW_NOT_OPENED },
        incidentId,
        responseUrl,
      );
    }
  });

  app.view(CALLBACKS.resolve, async ({ ack, body, view }) => {
    const submission = parseResolveSubmission(view);
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    const { incidentId, resolution } = submission.value;
    const incident = await deps.store.getIncident(incidentId);
    const reply = await commands.execute(
      { verb: 'resolve', ref: incidentId, resolution },
      { userId: body.user.id, channelId: incident?.channelId ?? '', triggerId: `v-${view.id}` },
    );
    if (reply.response_type === 'ephemeral') {
      // Refused (already resolved, say): keep the modal open and say why beside the field.
      await ack({
        response_action: 'errors',
        errors: { resolution: reply.text.split('\n')[0] ?? reply.text },
      });
      return;
    }
    await ack();
    await show(deps.jobs, incident?.channelId, body.user.id, reply, incidentId);
  });

  app.shortcut(SHORTCUT, async ({ ack, shortcut }) => {
    await ack();
    const payload = shortcutSchema.safeParse(shortcut);
    if (!payload.success) return;
    const { trigger_id: triggerId, user, channel, message, response_url: responseUrl } = payload.data;
    const incidentId = await deps.store.findIncidentIdByChannel(channel.id);
    if (!incidentId) {
      await show(
        deps.jobs,
        channel.id,
        user.id,
        {
          response_type: 'ephemeral',
          text: 'This channel belongs to no incident: use the shortcut on a message in an incident channel.',
        },
        undefined,
        responseUrl,
      );
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
      logger?.warn('add-to-timeline modal not opened', error);
      await show(
        deps.jobs,
        channel.id,
        user.id,
        { response_type: 'ephemeral', text: VIEW_NOT_OPENED },
        incidentId,
        responseUrl,
      );
    }
  });

  app.view(CALLBACKS.addToTimeline, async ({ ack, body, view }) => {
    const submission = parseAddToTimelineSubmission(view);
    if (!submission.ok) {
      await ack({ response_action: 'errors', errors: submission.errors });
      return;
    }
    await ack();
    const { incidentId, kind, text, author, messageTs, channelId } = submission.value;
    await deps.jobs.enqueue({
      type: 'capture-message',
      incidentId,
      channelId,
      messageTs,
      kind,
      text,
      author,
      capturedBy: body.user.id,
      eventId: `msg.${channelId}.${messageTs}.${kind}`,
    });
  });

  // 📌 on a message in an incident channel: onto the timeline once, however many people pin it.
  app.event('reaction_added', async ({ event }) => {
    const payload = reactionSchema.safeParse(event);
    if (!payload.success || payload.data.reaction !== 'pushpin') return;
    const { item, user } = payload.data;
    if (item.type !== 'message' || !item.channel || !item.ts) return;
    const incidentId = await deps.store.findIncidentIdByChannel(item.channel);
    if (!incidentId) return;
    await deps.jobs.enqueue({
      type: 'capture-message',
      incidentId,
      channelId: item.channel,
      messageTs: item.ts,
      kind: 'note',
      capturedBy: user,
      eventId: `msg.${item.channel}.${item.ts}.pin`,
    });
  });

  app.event('app_home_opened', async ({ event }) => {
    if (event.tab && event.tab !== 'home') return;
    await deps.jobs.enqueue({ type: 'publish-home', userId: event.user });
  });
}

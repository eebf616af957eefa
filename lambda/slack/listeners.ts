/**
 * Bolt listeners: the transport edge. They turn Slack payloads into service calls and acknowledge;
 * everything that decides lives in the service and the domain.
 */
import type { App, Logger } from '@slack/bolt';
import { z } from 'zod';
import type { CommandService } from '../service/command-service';

/** The fields of a slash-command payload the bot relies on; anything else Slack sends is ignored. */
const slashCommandSchema = z.object({
  text: z.string().default(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  trigger_id: z.string().optional(),
});

export function registerListeners(app: App, deps: { commands: CommandService; logger?: Logger }): void {
  app.command(/^\/incident/, async ({ command, ack }) => {
    const payload = slashCommandSchema.safeParse(command);
    if (!payload.success) {
      await ack({
        response_type: 'ephemeral',
        text: 'That request was missing the user or channel; nothing was recorded.',
      });
      return;
    }
    try {
      const reply = await deps.commands.handle({
        text: payload.data.text,
        userId: payload.data.user_id,
        channelId: payload.data.channel_id,
        triggerId: payload.data.trigger_id,
      });
      await ack(reply);
    } catch (error) {
      deps.logger?.error('slash command failed', error);
      await ack({
        response_type: 'ephemeral',
        text: 'Something went wrong while handling that command. Please try again; if it keeps failing, check the bot logs.',
      });
    }
  });
}

/**
 * Slack's interactive payloads in their real shapes (a button click, a message shortcut, a modal
 * submission), for
 * `harness.interact`, which signs them and posts them to the local server as Slack does.
 */
import { SHORTCUT } from '../../lambda/slack/views';
import { ALICE, type Harness } from './harness';

export const TEAM = { id: 'T0LOCAL', domain: 'local' };

/** A response_url on Slack's host, for clicks whose test does not look at what is sent there. */
export const SLACK_RESPONSE_URL = 'https://hooks.slack.com/actions/T0LOCAL/1/x';

/** The user object Slack sends with an interaction (`U0BOB` → username `bob`). */
export function slackUser(id: string = ALICE) {
  const name = id.replace(/^U0/, '').toLowerCase();
  return { id, username: name, name, team_id: TEAM.id };
}

export interface Click {
  /** The button's action_id (`incident.acknowledge`…). */
  actionId: string;
  /** The button's value: the incident id. */
  value: string;
  /** The channel of the message holding the button. */
  channelId: string;
  /** Makes the trigger id (`trigger-<id>`) unique; Slack issues one per interaction. */
  id: string;
  /** Who clicked; Alice unless given. */
  user?: string;
  /** The button's block; the pinned summary's actions unless given. */
  blockId?: string;
  /** The button's label. */
  label?: string;
  /** Where the bot may answer; none unless given. */
  responseUrl?: string;
}

/** A block_actions payload: one button clicked on a message. */
export function buttonClick(click: Click) {
  return {
    type: 'block_actions',
    team: TEAM,
    user: slackUser(click.user),
    api_app_id: 'A0LOCAL',
    token: 'deprecated',
    container: { type: 'message', message_ts: '1.000100', channel_id: click.channelId, is_ephemeral: false },
    trigger_id: `trigger-${click.id}`,
    channel: { id: click.channelId, name: 'incident' },
    message: { type: 'message', ts: '1.000100', text: 'summary' },
    ...(click.responseUrl ? { response_url: click.responseUrl } : {}),
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: click.blockId ?? 'incident.summary_actions',
        value: click.value,
        text: { type: 'plain_text', text: click.label ?? 'button' },
        action_ts: '1700000000.000001',
      },
    ],
  };
}

/** Sends a button click, signed, through the local server; waits for the work it queued. */
export function click(harness: Harness, options: Click): Promise<{ status: number; body: string }> {
  return harness.interact(buttonClick(options));
}

export interface Shortcut {
  /** The channel of the message the shortcut was used on. */
  channelId: string;
  /** That message. */
  message: { ts: string; text: string; user: string };
  /** Makes the trigger id (`trigger-<id>`) unique. */
  id: string;
  /** Who used it; Alice unless given. */
  user?: string;
  /** Where the bot may answer; one on Slack's host unless given. */
  responseUrl?: string;
}

/** A message_action payload: the "Add to incident timeline" message shortcut used on a message. */
export function messageShortcut(shortcut: Shortcut) {
  return {
    type: 'message_action',
    callback_id: SHORTCUT,
    team: TEAM,
    user: slackUser(shortcut.user),
    api_app_id: 'A0LOCAL',
    token: 'deprecated',
    channel: { id: shortcut.channelId, name: 'incident' },
    message: { type: 'message', ...shortcut.message },
    message_ts: shortcut.message.ts,
    trigger_id: `trigger-${shortcut.id}`,
    response_url: shortcut.responseUrl ?? 'https://hooks.slack.com/app/T0LOCAL/1/x',
    action_ts: '1700000301.000600',
  };
}

/** The view the bot last opened, as Slack would echo it back in a view_submission. */
export function openedView(harness: Harness): Record<string, unknown> & {
  callback_id: string;
  private_metadata?: string;
} {
  const call = harness.slack.callsTo('views.open').at(-1);
  if (!call) throw new Error('no view was opened');
  return call.args.view as Record<string, unknown> & { callback_id: string; private_metadata?: string };
}

/** A view_submission payload: `view` submitted with `values` (block id → action id → state), by Alice. */
export function viewSubmission(
  view: object,
  values: Record<string, Record<string, unknown>>,
  id: string,
  user: string = ALICE,
) {
  return {
    type: 'view_submission',
    team: TEAM,
    user: slackUser(user),
    api_app_id: 'A0LOCAL',
    token: 'deprecated',
    trigger_id: `trigger-${id}`,
    view: { ...view, id, team_id: TEAM.id, type: 'modal', hash: `hash-${id}`, state: { values } },
  };
}

/** A modal's plain-text input, as its state holds it (action id `value`). */
export const textInput = (value: string) => ({ value: { type: 'plain_text_input', value } });

/** A modal's static select with `value` chosen (action id `value`). */
export const selectInput = (value: string) => ({
  value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } },
});

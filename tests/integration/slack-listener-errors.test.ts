/**
 * A listener whose work fails: the listeners on Bolt's AwsLambdaReceiver, as the Lambda entry runs
 * them (signed requests, a fixed authorize), over a store and a command service that throw. Every
 * failure is logged once (by the listeners' app.error), the user hears "Something went wrong" (in the
 * ack when it had not gone, else through a reply job), and Slack gets a 200 with what was acked, never
 * a 500 it would retry or show as an error.
 */
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Job, Jobs } from '../../lambda/jobs/jobs';
import { boltLogger, memoryLog } from '../../lambda/observability/log';
import type { CommandService } from '../../lambda/service/command-service';
import type { ChatGateway } from '../../lambda/slack/chat';
import { registerListeners } from '../../lambda/slack/listeners';
import { renderMessage } from '../../lambda/slack/message';
import { SOMETHING_WENT_WRONG } from '../../lambda/slack/replies';
import { CALLBACKS, resolveModal } from '../../lambda/slack/views';
import type { IncidentStore } from '../../lambda/store/store';
import { ALICE } from '../helpers/harness';
import { buttonClick, messageShortcut, TEAM, textInput, viewSubmission } from '../helpers/interactions';
import { signedSlackEvent } from '../helpers/slack-lambda-event';

const SIGNING_SECRET = 'listener-errors-signing-secret';
const CHANNEL = 'C0INC1';
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0LOCAL/1/x';

const form = (fields: Record<string, string>) =>
  signedSlackEvent(SIGNING_SECRET, new URLSearchParams(fields).toString(), {
    contentType: 'application/x-www-form-urlencoded',
  });
const interaction = (payload: unknown) => form({ payload: JSON.stringify(payload) });
const event = (body: unknown) => signedSlackEvent(SIGNING_SECRET, JSON.stringify(body));

/** The reply job that tells Alice, and only her, "Something went wrong" in the incident channel. */
const somethingWentWrong = (extra: { responseUrl?: string } = {}) => ({
  type: 'reply',
  channelId: CHANNEL,
  userId: ALICE,
  text: SOMETHING_WENT_WRONG,
  visibility: 'user',
  ...extra,
});

function setup() {
  const failure = new Error('store unavailable');
  const fail = async (): Promise<never> => {
    throw failure;
  };
  const store = { findIncidentIdByChannel: fail, getIncident: fail } as unknown as IncidentStore;
  // The command service as it behaves when its store throws: the error reaches the listener.
  const commands = { command: fail, run: fail, declare: fail } as unknown as CommandService;
  const jobs: Jobs & { enqueued: Job[] } = {
    enqueued: [],
    async enqueue(job) {
      this.enqueued.push(job);
    },
  };
  const chat = { openView: async () => undefined } as unknown as ChatGateway;
  const log = memoryLog();
  const logger = boltLogger(log, LogLevel.WARN);
  const receiver = new AwsLambdaReceiver({ signingSecret: SIGNING_SECRET, logger });
  const app = new App({ receiver, authorize: async () => ({ botToken: 'xoxb-listener-errors' }), logger });
  registerListeners(app, {
    commands,
    store,
    jobs,
    chat,
    clock: { now: () => new Date() },
    settings: { timeZone: 'UTC' },
    logger: app.logger,
  });
  const lambda = receiver.toHandler();
  const handler = (request: APIGatewayProxyEventV2) => lambda(request, {} as Context);
  const errors = () => log.lines.filter((line) => line.level === 'error').map((line) => line.message);
  // Each reply job with its message as the user reads it.
  const replies = () =>
    jobs.enqueued.flatMap((job) => {
      if (job.type !== 'reply') return [];
      const { message, ...rest } = job;
      return [{ ...rest, text: message ? renderMessage(message) : job.text }];
    });
  return { handler, errors, replies, jobs };
}

describe('a Slack listener whose work fails', () => {
  it('answers a slash command with "Something went wrong" in its ack and logs the failure', async () => {
    // prepare
    const { handler, errors, replies } = setup();

    // act
    const response = await handler(
      form({
        command: '/incident',
        text: 'ack',
        user_id: ALICE,
        channel_id: CHANNEL,
        trigger_id: 'trigger-C1',
        team_id: TEAM.id,
      }),
    );

    // assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ response_type: 'ephemeral', text: SOMETHING_WENT_WRONG });
    expect(errors()).toEqual(['slash command failed store unavailable']);
    // Told in the ack: no second message.
    expect(replies()).toEqual([]);
  });

  it('tells the presser of a button through a reply job, after the ack', async () => {
    // prepare
    const { handler, errors, replies } = setup();

    // act
    const response = await handler(
      interaction(
        buttonClick({
          actionId: 'incident.acknowledge',
          value: 'INC-1',
          channelId: CHANNEL,
          id: 'B1',
          label: 'Acknowledge',
          responseUrl: RESPONSE_URL,
        }),
      ),
    );

    // assess
    expect(response.statusCode).toBe(200);
    expect(errors()).toEqual(['button failed store unavailable']);
    expect(replies()).toEqual([somethingWentWrong({ responseUrl: RESPONSE_URL })]);
  });

  it('keeps the resolve modal open with "Something went wrong" beside its field', async () => {
    // prepare
    const { handler, errors, replies } = setup();
    const view = resolveModal('INC-1');

    // act
    const response = await handler(
      interaction(viewSubmission(view, { resolution: textInput('Rolled back') }, 'V0RESOLVE')),
    );

    // assess
    expect(view.callback_id).toBe(CALLBACKS.resolve);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      response_action: 'errors',
      errors: { resolution: SOMETHING_WENT_WRONG },
    });
    expect(errors()).toEqual(['resolve modal failed store unavailable']);
    expect(replies()).toEqual([]);
  });

  it('tells whoever pinned a message with 📌 when it could not be captured', async () => {
    // prepare
    const { handler, errors, replies, jobs } = setup();

    // act
    const response = await handler(
      event({
        type: 'event_callback',
        token: 'deprecated',
        team_id: TEAM.id,
        api_app_id: 'A0LOCAL',
        event_id: 'Ev0PIN1',
        event_time: 1700000000,
        event: {
          type: 'reaction_added',
          user: ALICE,
          reaction: 'pushpin',
          item_user: 'U0BOB',
          item: { type: 'message', channel: CHANNEL, ts: '1700000000.000200' },
          event_ts: '1700000000.000300',
        },
      }),
    );

    // assess
    expect(response.statusCode).toBe(200);
    expect(errors()).toEqual(['📌 reaction failed store unavailable']);
    expect(replies()).toEqual([somethingWentWrong()]);
    expect(jobs.enqueued.filter((job) => job.type === 'capture-message')).toEqual([]);
  });

  it('tells the user of the add-to-timeline shortcut when the channel could not be looked up', async () => {
    // prepare
    const { handler, errors, replies } = setup();

    // act
    const response = await handler(
      interaction(
        messageShortcut({
          channelId: CHANNEL,
          message: { ts: '1700000000.000200', text: 'rolled back', user: 'U0BOB' },
          id: 'S1',
          responseUrl: RESPONSE_URL,
        }),
      ),
    );

    // assess
    expect(response.statusCode).toBe(200);
    expect(errors()).toEqual(['add-to-timeline shortcut failed store unavailable']);
    expect(replies()).toEqual([somethingWentWrong({ responseUrl: RESPONSE_URL })]);
  });
});

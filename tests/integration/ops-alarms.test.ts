/**
 * Alarms about the bot itself (from OPS_TOPIC_ARN) through the real alerts Lambda handler and the
 * real Slack client against the Slack stand-in: posted to OPS_CHANNEL, never an incident, and never
 * a failed invocation (no channel, Slack refusing, Slack unreachable).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import { type AlertsRuntime, createAlertsHandler, type OpsAlarms } from '../../lambda/handlers/alerts';
import { memoryLog } from '../../lambda/observability/log';
import { recordingMetrics } from '../../lambda/observability/metrics';
import { SlackChat } from '../../lambda/slack/chat';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';

const OPS_TOPIC = 'arn:aws:sns:us-east-1:210987654321:incident-bot-ops';
const ALARM_TOPIC = 'arn:aws:sns:us-east-1:210987654321:incident-bot-alarms';
const OPS_CHANNEL = 'C0OPS00001';

function snsEvent(topicArn: string): SNSEvent {
  const event = JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'alerts', 'sns-lambda-event.json'), 'utf8'),
  ) as SNSEvent;
  for (const record of event.Records) record.Sns.TopicArn = topicArn;
  return event;
}

describe('ops alarms from OPS_TOPIC_ARN', () => {
  let slack: SlackApiStub;
  beforeAll(async () => {
    slack = await startSlackApiStub({ channels: [{ id: OPS_CHANNEL, name: 'incident-bot-ops' }] });
  });
  afterEach(() => slack.reset());
  afterAll(() => slack.close());

  function setup(ops: Partial<OpsAlarms> = {}, slackApiUrl = slack.url) {
    const log = memoryLog();
    const metrics = recordingMetrics();
    const handled: unknown[] = [];
    const chat = new SlackChat({ botToken: 'xoxb-ops-test', slackApiUrl, timeoutMs: 2_000 });
    const runtime = async (): Promise<AlertsRuntime> => ({
      service: {
        handle: async (signal) => {
          handled.push(signal);
          return { action: 'opened', incidentId: 'INC-1' };
        },
      },
      verifySns: async () => ({ ok: true }) as never,
    });
    const handler = createAlertsHandler(runtime, {
      log,
      metrics,
      ops: () => ({
        topicArn: OPS_TOPIC,
        channel: OPS_CHANNEL,
        post: async () => (channel, text) => chat.postMessage(channel, { text }),
        ...ops,
      }),
    });
    return { handler, log, metrics, handled };
  }

  it('posts the alarm name, new state, reason and console link to OPS_CHANNEL, and opens no incident', async () => {
    const { handler, handled, metrics } = setup();
    await expect(handler(snsEvent(OPS_TOPIC))).resolves.toBeUndefined();
    const posted = slack.messages.filter((message) => message.channel === OPS_CHANNEL);
    expect(posted).toHaveLength(1);
    const text = String(posted[0]?.text);
    expect(text).toContain('`orders-db-cpu-high [sev1]` is *ALARM*');
    expect(text).toContain('Threshold Crossed: 1 out of the last 1 datapoints');
    expect(text).toMatch(
      /<https:\/\/[^|>]*console\.aws\.amazon\.com\/cloudwatch\/home\?region=us-east-1#alarmsV2:alarm\/orders-db-cpu-high[^|>]*\|Open the alarm in the CloudWatch console>/,
    );
    expect(handled).toEqual([]);
    expect(metrics.recorded).toEqual([{ name: 'OpsAlarmsPosted', value: 1 }]);
  });

  it('still treats alarms from the alert topic as incidents', async () => {
    const { handler, handled } = setup();
    await handler(snsEvent(ALARM_TOPIC));
    expect(handled).toHaveLength(1);
    expect(slack.messages.filter((message) => message.channel === OPS_CHANNEL)).toEqual([]);
  });

  it('logs the alarm and does not throw when OPS_CHANNEL is unset', async () => {
    const { handler, log, metrics, handled } = setup({ channel: undefined });
    await expect(handler(snsEvent(OPS_TOPIC))).resolves.toBeUndefined();
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    expect(handled).toEqual([]);
    expect(log.messages().join('\n')).toMatch(
      /ops alarm orders-db-cpu-high \[sev1\] is ALARM: Threshold Crossed/,
    );
    expect(log.messages().join('\n')).toMatch(/OPS_CHANNEL is not set/);
    expect(metrics.recorded).toEqual([{ name: 'OpsAlarmsNotPosted', value: 1 }]);
  });

  it('logs and does not throw when Slack refuses the post', async () => {
    const { handler, log, metrics } = setup();
    slack.failNext('chat.postMessage', 'channel_not_found');
    await expect(handler(snsEvent(OPS_TOPIC))).resolves.toBeUndefined();
    expect(log.lines.find((line) => line.level === 'error')?.message).toMatch(
      /ops alarm not posted to C0OPS00001: .*channel_not_found/,
    );
    expect(metrics.recorded).toEqual([{ name: 'OpsAlarmsNotPosted', value: 1 }]);
  });

  it('logs and does not throw when Slack is unreachable or the bot cannot be built', async () => {
    const unreachable = setup({}, 'http://127.0.0.1:9/api/');
    await expect(unreachable.handler(snsEvent(OPS_TOPIC))).resolves.toBeUndefined();
    expect(unreachable.metrics.recorded).toEqual([{ name: 'OpsAlarmsNotPosted', value: 1 }]);

    const noBot = setup({
      post: async () => {
        throw new Error('Slack secret arn:…: botToken is empty');
      },
    });
    await expect(noBot.handler(snsEvent(OPS_TOPIC))).resolves.toBeUndefined();
    expect(noBot.log.lines.some((line) => /botToken is empty/.test(line.message))).toBe(true);
  });
});

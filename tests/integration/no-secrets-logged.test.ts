/**
 * No secret is ever logged. The real Lambda entries (worker, alerts, Slack) run with their real
 * Powertools logger and metrics (in "Lambda": AWS_LAMBDA_FUNCTION_NAME set), secrets from a mocked
 * Secrets Manager, and failing paths whose messages carry every secret (a store error that echoes
 * them, an alarm reason that quotes them, a forged Slack request). Everything written to stdout and
 * stderr is captured: the secrets never appear, `[redacted]` does, and the lines are JSON with keys.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';
import { signedSlackEvent } from '../helpers/slack-lambda-event';

const SIGNING_SECRET = 'signing-5ecret-0123456789abcdef';
const BOT_TOKEN = 'xoxb-1111-2222-b0tt0kenvalue';
const WEBHOOK_SECRET = 'webhook-5ecret-fedcba9876543210';
const ALERT_TOKEN = 'alert-t0ken-aaaabbbbccccdddd';
const OLD_ALERT_TOKEN = 'older-alert-t0ken-in-slack-secret';
const SECRETS = [SIGNING_SECRET, BOT_TOKEN, WEBHOOK_SECRET, ALERT_TOKEN, OLD_ALERT_TOKEN];
const OPS_TOPIC = 'arn:aws:sns:us-east-1:210987654321:incident-bot-ops';
const everySecret = SECRETS.join(' / ');
// The worker never reads the alert secret (only the alerts function may), so it cannot know that one.
const slackSecrets = [SIGNING_SECRET, BOT_TOKEN, WEBHOOK_SECRET, OLD_ALERT_TOKEN].join(' / ');

const context = (requestId: string) =>
  ({
    awsRequestId: requestId,
    functionName: 'incident-bot-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:210987654321:function:incident-bot-test',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

describe('no secret in any log line', () => {
  const saved = { ...process.env };
  const secrets = mockClient(SecretsManagerClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  let slack: SlackApiStub;
  let output = '';

  beforeAll(async () => {
    slack = await startSlackApiStub({});
    Object.assign(process.env, {
      AWS_LAMBDA_FUNCTION_NAME: 'incident-bot-test',
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'incidents',
      POSTMORTEM_BUCKET: 'postmortems',
      SLACK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:210987654321:secret:slack',
      ALERT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:210987654321:secret:alert',
      JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/210987654321/jobs',
      SLACK_API_URL: slack.url,
      OPS_TOPIC_ARN: OPS_TOPIC,
      OPS_CHANNEL: 'C0NOSUCHCHANNEL',
    });
    secrets.on(GetSecretValueCommand, { SecretId: process.env.SLACK_SECRET_ARN }).resolves({
      SecretString: JSON.stringify({
        signingSecret: SIGNING_SECRET,
        botToken: BOT_TOKEN,
        webhookSigningSecret: WEBHOOK_SECRET,
        alertToken: OLD_ALERT_TOKEN,
      }),
    });
    secrets
      .on(GetSecretValueCommand, { SecretId: process.env.ALERT_SECRET_ARN })
      .resolves({ SecretString: JSON.stringify({ alertToken: ALERT_TOKEN }) });
    // A dependency that echoes its configuration in an error: the worst case for a log line.
    dynamo.onAnyCommand().rejects(new Error(`ValidationException: bad request with ${slackSecrets}`));
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return true;
      });
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation((...parts: unknown[]) => {
        output += `${parts.map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : String(part))).join(' ')}\n`;
      });
    }
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    secrets.restore();
    dynamo.restore();
    process.env = saved;
    await slack.close();
  });

  it('drives the worker, alerts and Slack entries through failing paths without printing a secret', async () => {
    // Imported now, after the environment is set (this file's module registry is its own).
    await (async () => {
      const worker = await import('../../lambda/handlers/worker');
      const alerts = await import('../../lambda/handlers/alerts');
      const slackEntry = await import('../../lambda/handlers/slack');

      // Worker: the store fails with every secret in its message; the job goes back for a retry.
      const batch = {
        Records: [
          {
            messageId: 'm-1',
            receiptHandle: 'r-1',
            body: JSON.stringify({ type: 'refresh-summary', incidentId: 'INC-7' }),
            attributes: { ApproximateReceiveCount: '1' },
            messageAttributes: {},
          },
        ],
      } as unknown as SQSEvent;
      const result = await worker.handler(batch, context('req-worker-1'));
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);

      // Alerts: an ops alarm whose reason quotes the secrets, posted to a channel that does not exist.
      const event = JSON.parse(
        readFileSync(path.join(__dirname, '..', 'fixtures', 'alerts', 'sns-lambda-event.json'), 'utf8'),
      ) as SNSEvent;
      const record = event.Records[0] as SNSEvent['Records'][number];
      record.Sns.TopicArn = OPS_TOPIC;
      const alarm = JSON.parse(record.Sns.Message) as Record<string, unknown>;
      alarm.NewStateReason = `leaked: ${everySecret}`;
      record.Sns.Message = JSON.stringify(alarm);
      await expect(alerts.handler(event, context('req-alerts-1'))).resolves.toBeUndefined();

      // Slack: a request signed with the wrong secret, whose body carries the real ones.
      const body = `token=${BOT_TOKEN}&text=${encodeURIComponent(everySecret)}&command=%2Fincident`;
      const answer = await slackEntry.handler(
        signedSlackEvent('wrong-secret', body, { contentType: 'application/x-www-form-urlencoded' }) as never,
        context('req-slack-1'),
      );
      expect(answer.statusCode).toBe(401);
    })();

    // The paths did log, as JSON with the keys, and redacted what they carried.
    expect(output).toContain('[redacted]');
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        jobType: 'refresh-summary',
        incidentId: 'INC-7',
        messageId: 'm-1',
        function_request_id: 'req-worker-1',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ opsAlarm: true, function_request_id: 'req-alerts-1' }),
    );
    for (const secret of SECRETS) expect(output).not.toContain(secret);
  });
});

/**
 * Tracker webhooks in AWS: the real alerts Lambda entry (lambda/handlers/alerts.ts `handler`, its bot
 * built by lambda-bot.ts from the environment) answers `POST /webhooks/<kind>` from the HTTP API
 * (payload v2). DynamoDB is dynalite (AWS_ENDPOINT_URL_DYNAMODB), Secrets Manager and SQS are mocked:
 * a signed GitHub delivery, base64-encoded as API Gateway may pass it, closes the follow-up and queues
 * the resolved incident's postmortem; a bad signature is 401 and an unconfigured kind 404, writing
 * nothing.
 */
import os from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { esbuildBuildOptions } from '../../infra/bundling';
import type { FollowUp } from '../../lambda/incidents/types';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { signGitHubDelivery } from '../../lambda/trackers/github';
import { anIncident } from '../fixtures/incidents';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

const SLACK_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs';
const WEBHOOK_SECRET = 'gh-webhook-secret-0123456789';
const INCIDENT = anIncident({ id: 'INC-7', status: 'resolved', resolvedAt: '2024-02-18T17:00:00.000Z' });
const FOLLOW_UP: FollowUp = {
  id: 't-fix-1',
  incidentId: 'INC-7',
  type: 'fix',
  text: 'Add a canary for checkout',
  author: 'U0ALICE',
  createdAt: '2024-02-18T16:00:00.000Z',
};
const POLICY = {
  teams: { oncall: { slack: 'S0ONCALL' } },
  escalation: { default: [{ after: '0m', notify: ['oncall'] }] },
  followups: { tracker: 'github', repo: 'acme/ops' },
};

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;

function apiEvent(
  path: string,
  body: string,
  headers: Record<string, string>,
  base64 = false,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: { http: { method: 'POST', path } },
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
  } as unknown as APIGatewayProxyEventV2;
}

/** What GitHub sends when issue acme/ops#42 is closed (fields the adapter reads, and a non-ASCII title). */
const closedBody = JSON.stringify({
  action: 'closed',
  issue: {
    number: 42,
    title: 'Add a canary for checkout — “today”',
    state: 'closed',
    closed_at: '2024-02-19T09:15:00Z',
    updated_at: '2024-02-19T09:15:00Z',
  },
  repository: { full_name: 'acme/ops' },
  sender: { login: 'octocat' },
});

describe('tracker webhooks through the alerts Lambda entry', () => {
  const saved = { ...process.env };
  const secrets = mockClient(SecretsManagerClient);
  const sqs = mockClient(SQSClient);
  let dynamo: TestDynamo;
  let store: DynamoIncidentStore;
  let handler: Handler;

  const followUp = async () => (await store.listFollowUps()).find((f) => f.id === FOLLOW_UP.id);

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    const table = await dynamo.freshTable('webhooks-lambda');
    store = new DynamoIncidentStore({ client: dynamo.client, tableName: table });
    await store.createIncident(INCIDENT);
    await store.addFollowUp(FOLLOW_UP);
    await store.setFollowUpTicket('INC-7', FOLLOW_UP.id, {
      tracker: 'github',
      key: 'acme/ops#42',
      url: 'https://github.com/acme/ops/issues/42',
      id: '42',
    });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      TABLE_NAME: table,
      POSTMORTEM_BUCKET: 'postmortems',
      SLACK_SECRET_ARN: SLACK_ARN,
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      JOBS_QUEUE_URL: QUEUE_URL,
      ESCALATION_POLICY_JSON: JSON.stringify(POLICY),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves({
      SecretString: JSON.stringify({
        signingSecret: 'signing-secret',
        botToken: 'xoxb-test',
        githubToken: 'ghp_test_token',
        githubWebhookSecret: WEBHOOK_SECRET,
      }),
    });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    // Imported now, after the environment is set: the entry's environment is read on first use.
    ({ handler } = (await import('../../lambda/handlers/alerts')) as unknown as { handler: Handler });
  });

  afterAll(async () => {
    secrets.restore();
    sqs.restore();
    process.env = saved;
    await dynamo.close();
  });

  it('refuses a delivery signed with another secret (401), writing nothing', async () => {
    const answer = await handler(
      apiEvent('/webhooks/github', closedBody, {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-hub-signature-256': signGitHubDelivery(closedBody, 'another-secret'),
      }),
    );

    expect(answer?.statusCode).toBe(401);
    expect((await followUp())?.ticketState).toBe('open');
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('answers 404 for a tracker whose webhook is not configured (Jira here), writing nothing', async () => {
    const answer = await handler(
      apiEvent('/webhooks/jira', '{"webhookEvent":"jira:issue_updated"}', {
        'content-type': 'application/json',
      }),
    );

    expect(answer?.statusCode).toBe(404);
    expect((await followUp())?.ticketState).toBe('open');
  });

  it('closes the follow-up on a signed delivery passed base64-encoded, with header names as sent, and queues the postmortem', async () => {
    const answer = await handler(
      apiEvent(
        '/webhooks/github',
        closedBody,
        {
          'Content-Type': 'application/json',
          'X-GitHub-Event': 'issues',
          'X-Hub-Signature-256': signGitHubDelivery(closedBody, WEBHOOK_SECRET),
        },
        true,
      ),
    );

    expect(answer).toMatchObject({ statusCode: 200, body: 'acme/ops#42 is closed' });
    const closed = await followUp();
    expect([closed?.ticketState, closed?.ticketClosedAt]).toEqual(['closed', '2024-02-19T09:15:00.000Z']);
    const sent = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent.map((input) => [input.QueueUrl, JSON.parse(input.MessageBody ?? '{}')])).toEqual([
      [QUEUE_URL, { type: 'store-postmortem', incidentId: 'INC-7' }],
    ]);
  });

  it('answers a redelivery 200 without queueing the postmortem again', async () => {
    const answer = await handler(
      apiEvent('/webhooks/github', closedBody, {
        'x-github-event': 'issues',
        'x-hub-signature-256': signGitHubDelivery(closedBody, WEBHOOK_SECRET),
      }),
    );

    expect(answer).toMatchObject({ statusCode: 200, body: 'unchanged' });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });
});

describe('the alerts bundle, webhooks included', () => {
  it('bundles the tracker webhooks without Bolt', async () => {
    const result = await build({
      ...esbuildBuildOptions(),
      entryPoints: [path.resolve(__dirname, '../../lambda/handlers/alerts.ts')],
      outfile: path.join(os.tmpdir(), `incident-bot-alerts-${process.pid}.js`),
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.some((input) => input.endsWith('lambda/trackers/webhooks.ts'))).toBe(true);
    expect(inputs.filter((input) => input.includes('@slack/bolt'))).toEqual([]);
  });
});

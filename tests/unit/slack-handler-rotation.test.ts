/**
 * Bolt's app is built on the signing secret and the bot token: after a rotation (read after the
 * secrets' 5-minute TTL) the Slack entry builds a new app, so requests signed with the new secret are
 * accepted and those signed with the old one refused, without a deploy. Real entry, mocked Secrets
 * Manager, mocked clock.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SECRET_TTL_MS } from '../../lambda/handlers/secrets';
import { signedSlackEvent } from '../helpers/slack-lambda-event';

const OLD_SECRET = 'signing-secret-before-rotation';
const NEW_SECRET = 'signing-secret-after-rotation';
const SLACK_ARN = 'arn:aws:secretsmanager:us-east-1:210987654321:secret:slack';

/** Slack's url_verification request, signed with `secret` at `nowMs`. */
function verification(secret: string, nowMs: number): APIGatewayProxyEventV2 {
  const body = JSON.stringify({ type: 'url_verification', challenge: 'c-1', token: 'legacy' });
  return signedSlackEvent(secret, body, { nowMs });
}

describe('the Slack entry after a secret rotation', () => {
  const saved = { ...process.env };
  const secrets = mockClient(SecretsManagerClient);
  let now = Date.parse('2026-03-01T10:00:00Z');

  beforeAll(() => {
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'incidents',
      POSTMORTEM_BUCKET: 'postmortems',
      SLACK_SECRET_ARN: SLACK_ARN,
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    secrets.restore();
    process.env = saved;
  });

  it('accepts the new signing secret and refuses the old one once the TTL has passed', async () => {
    const secret = (signingSecret: string) => ({
      SecretString: JSON.stringify({ signingSecret, botToken: 'xoxb-rotation-test' }),
    });
    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves(secret(OLD_SECRET));
    const { handler } = await import('../../lambda/handlers/slack');
    const context = { awsRequestId: 'r-1' } as Context;

    expect((await handler(verification(OLD_SECRET, now), context)).statusCode).toBe(200);

    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves(secret(NEW_SECRET));
    now += 60_000;
    // Within the TTL the old secret still holds: the value is not re-read per request.
    expect((await handler(verification(OLD_SECRET, now), context)).statusCode).toBe(200);

    now += SECRET_TTL_MS;
    expect((await handler(verification(NEW_SECRET, now), context)).statusCode).toBe(200);
    expect((await handler(verification(OLD_SECRET, now), context)).statusCode).toBe(401);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

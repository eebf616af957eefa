/**
 * Secrets cached per container with a 5-minute TTL (Secrets Manager mocked, the clock injected): a
 * rotation is used after the TTL without a deploy, a failed re-read keeps the last good value, the
 * bot is rebuilt only when its secret changed, and the alert token comes from its own secret.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createLambdaEnvironment } from '../../lambda/handlers/lambda-bot';
import { SECRET_RETRY_MS, SECRET_TTL_MS } from '../../lambda/handlers/secrets';
import { memoryLog } from '../../lambda/observability/log';
import { noMetrics } from '../../lambda/observability/metrics';

const SLACK_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack';
const ALERT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:alert';
const env = {
  TABLE_NAME: 'incidents',
  POSTMORTEM_BUCKET: 'postmortems',
  SLACK_SECRET_ARN: SLACK_ARN,
  SLACK_API_URL: 'http://127.0.0.1:9/api/',
};
const slackSecret = (botToken: string, extra: Record<string, string> = {}) => ({
  SecretString: JSON.stringify({ signingSecret: 'signing-secret-1', botToken, ...extra }),
});

describe('secrets cached with a TTL', () => {
  const secrets = mockClient(SecretsManagerClient);
  let now = 1_700_000_000_000;
  const clock = () => now;
  const reads = (arn: string) =>
    secrets.commandCalls(GetSecretValueCommand).filter((call) => call.args[0].input.SecretId === arn).length;

  beforeEach(() => {
    secrets.reset();
    now = 1_700_000_000_000;
  });
  afterAll(() => secrets.restore());

  function environment(extraEnv: Record<string, string> = {}) {
    const log = memoryLog();
    const lambda = createLambdaEnvironment({
      env: { ...env, ...extraEnv },
      secrets: () => new SecretsManagerClient({ region: 'us-east-1' }),
      now: clock,
      log,
      metrics: noMetrics,
    });
    return { lambda, log };
  }

  it('reads once within the TTL, re-reads after it, and rebuilds the bot only when the secret changed', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves(slackSecret('xoxb-first-token'));
    const { lambda } = environment();
    const first = await lambda.bot();
    now += SECRET_TTL_MS - 1;
    expect(await lambda.bot()).toBe(first);
    expect(reads(SLACK_ARN)).toBe(1);

    // After the TTL, the same content: read again, same bot.
    now += 2;
    expect(await lambda.bot()).toBe(first);
    expect(reads(SLACK_ARN)).toBe(2);

    // Rotated: the next read after the TTL builds a bot on the new token.
    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves(slackSecret('xoxb-second-token'));
    now += SECRET_TTL_MS;
    const second = await lambda.bot();
    expect(second).not.toBe(first);
    expect(second.secret.botToken).toBe('xoxb-second-token');
    expect(reads(SLACK_ARN)).toBe(3);
  });

  it('keeps the last good secret when a re-read fails, logs it, and tries again 30 s later', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves(slackSecret('xoxb-good-token'));
    const { lambda, log } = environment();
    const good = await lambda.bot();

    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).rejects(new Error('ThrottlingException'));
    now += SECRET_TTL_MS + 1;
    expect(await lambda.bot()).toBe(good);
    expect(log.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'Slack secret could not be re-read; keeping the last good value',
        keys: expect.objectContaining({ error: 'ThrottlingException' }),
      }),
    ]);
    // Not on every request while Secrets Manager is failing.
    now += SECRET_RETRY_MS - 1;
    expect(await lambda.bot()).toBe(good);
    expect(reads(SLACK_ARN)).toBe(2);

    secrets.on(GetSecretValueCommand, { SecretId: SLACK_ARN }).resolves(slackSecret('xoxb-new-token'));
    now += 2;
    expect((await lambda.bot()).secret.botToken).toBe('xoxb-new-token');
  });

  it('fails a cold start that cannot read its secret, and tries again on the next call', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: SLACK_ARN })
      .rejectsOnce(new Error('AccessDenied'))
      .resolves(slackSecret('xoxb-late-token'));
    const { lambda } = environment();
    await expect(lambda.bot()).rejects.toThrow('AccessDenied');
    expect((await lambda.bot()).secret.botToken).toBe('xoxb-late-token');
  });

  it('takes the alert token from ALERT_SECRET_ARN, rotated after the TTL', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: SLACK_ARN })
      .resolves(slackSecret('xoxb-token-1', { alertToken: 'old-token-in-slack-secret' }));
    secrets
      .on(GetSecretValueCommand, { SecretId: ALERT_ARN })
      .resolves({ SecretString: '{"alertToken":"alert-token-one"}' });
    const { lambda } = environment({ ALERT_SECRET_ARN: ALERT_ARN });
    expect(await lambda.alertToken()).toBe('alert-token-one');

    secrets
      .on(GetSecretValueCommand, { SecretId: ALERT_ARN })
      .resolves({ SecretString: '{"alertToken":"alert-token-two"}' });
    expect(await lambda.alertToken()).toBe('alert-token-one');
    now += SECRET_TTL_MS + 1;
    expect(await lambda.alertToken()).toBe('alert-token-two');
    expect(reads(SLACK_ARN)).toBe(0);
  });

  it('falls back to the Slack secret’s alertToken when ALERT_SECRET_ARN is unset (older stacks)', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: SLACK_ARN })
      .resolves(slackSecret('xoxb-token-1', { alertToken: 'token-in-slack-secret' }));
    const { lambda } = environment();
    expect(await lambda.alertToken()).toBe('token-in-slack-secret');
  });

  it('keeps serving the last alert token when its re-read fails, never none', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: ALERT_ARN })
      .resolves({ SecretString: '{"alertToken":"alert-token-one"}' });
    const { lambda } = environment({ ALERT_SECRET_ARN: ALERT_ARN });
    expect(await lambda.alertToken()).toBe('alert-token-one');
    secrets
      .on(GetSecretValueCommand, { SecretId: ALERT_ARN })
      .resolves({ SecretString: '{"alertToken":""}' });
    now += SECRET_TTL_MS + 1;
    expect(await lambda.alertToken()).toBe('alert-token-one');
  });
});

/** The Lambda settings added for operations: the alert secret, the ops topic and channel, the DLQ count. */
import { loadLambdaConfig } from '../../lambda/config';

const base = { TABLE_NAME: 't', POSTMORTEM_BUCKET: 'b', SLACK_SECRET_ARN: 'arn:slack' };

describe('Lambda configuration for operations', () => {
  it('leaves them all optional', () => {
    const config = loadLambdaConfig(base);
    expect(config.alertSecretArn).toBeUndefined();
    expect(config.ops).toEqual({});
    expect(config.jobsMaxReceiveCount).toBeUndefined();
  });

  it('reads ALERT_SECRET_ARN, OPS_TOPIC_ARN, OPS_CHANNEL and JOBS_MAX_RECEIVE_COUNT', () => {
    const config = loadLambdaConfig({
      ...base,
      ALERT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:210987654321:secret:alert',
      OPS_TOPIC_ARN: ' arn:aws:sns:us-east-1:210987654321:incident-bot-ops ',
      OPS_CHANNEL: 'C0OPS',
      JOBS_MAX_RECEIVE_COUNT: '3',
    });
    expect(config.alertSecretArn).toBe('arn:aws:secretsmanager:us-east-1:210987654321:secret:alert');
    expect(config.ops).toEqual({
      topicArn: 'arn:aws:sns:us-east-1:210987654321:incident-bot-ops',
      channel: 'C0OPS',
    });
    expect(config.jobsMaxReceiveCount).toBe(3);
  });

  it('names a bad ops topic or receive count', () => {
    const load = () => loadLambdaConfig({ ...base, OPS_TOPIC_ARN: 'ops-topic', JOBS_MAX_RECEIVE_COUNT: '0' });
    expect(load).toThrow(/OPS_TOPIC_ARN: expected an SNS topic ARN/);
    expect(load).toThrow(/JOBS_MAX_RECEIVE_COUNT: expected 1 or more/);
  });
});

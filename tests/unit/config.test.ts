import { loadLambdaConfig, loadLocalConfig } from '../../lambda/config';

describe('configuration from the environment', () => {
  it('names every missing or bad key of the local server', () => {
    const load = () => loadLocalConfig({ PORT: 'eighty', INCIDENT_TIMEZONE: 'Mars/Olympus' });
    expect(load).toThrow(/SLACK_SIGNING_SECRET: required/);
    expect(load).toThrow(/SLACK_BOT_TOKEN: required/);
    expect(load).toThrow(/PORT:/);
    expect(load).toThrow(/INCIDENT_TIMEZONE: expected an IANA time zone/);
  });

  it('applies the product defaults', () => {
    const config = loadLocalConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(config).toMatchObject({
      port: 3000,
      timeZone: 'UTC',
      dataDir: '.incident-bot',
      pagerDutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
    });
    expect(config.policy).toBeUndefined();
    expect(config.alertToken).toBeUndefined();
  });

  it('reads the policy the stack passes as JSON, and names a broken one', () => {
    const base = {
      TABLE_NAME: 'table',
      POSTMORTEM_BUCKET: 'bucket',
      SLACK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:slack',
    };
    const config = loadLambdaConfig({
      ...base,
      ESCALATION_POLICY_JSON: JSON.stringify({
        teams: { sre: { slack: 'S0SRE' } },
        escalation: { default: [{ after: '5m', notify: ['sre'] }] },
      }),
    });
    expect(config.policy?.escalation.default?.[0]).toEqual({ after: 300, notify: ['sre'] });
    expect(() => loadLambdaConfig({ ...base, ESCALATION_POLICY_JSON: '{"teams":' })).toThrow(
      /^ESCALATION_POLICY_JSON: not JSON/,
    );
    expect(() =>
      loadLambdaConfig({
        ...base,
        ESCALATION_POLICY_JSON: JSON.stringify({
          teams: {},
          escalation: { default: [{ after: '5m', notify: ['sre'] }] },
        }),
      }),
    ).toThrow(/^ESCALATION_POLICY_JSON is invalid:\n.*unknown team 'sre'/);
  });

  it('reads the Lambda environment, with the policy inline and the scheduler settings', () => {
    const config = loadLambdaConfig({
      TABLE_NAME: 'table',
      POSTMORTEM_BUCKET: 'bucket',
      SLACK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:slack',
      ESCALATION_POLICY_JSON: JSON.stringify({
        teams: { sre: { slack: 'S0SRE' } },
        escalation: { default: [{ after: '5m', notify: ['sre'] }] },
      }),
      JOBS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
      SCHEDULE_GROUP: 'group',
      ESCALATION_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:1:function:escalation',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/scheduler',
      SCHEDULER_DEAD_LETTER_ARN: 'arn:aws:sqs:eu-west-1:1:schedules-dlq',
    });
    expect(config.policy?.escalation.default?.[0]).toEqual({ after: 300, notify: ['sre'] });
    expect(config.scheduler).toEqual({
      groupName: 'group',
      targetArn: 'arn:aws:lambda:eu-west-1:1:function:escalation',
      roleArn: 'arn:aws:iam::1:role/scheduler',
      deadLetterArn: 'arn:aws:sqs:eu-west-1:1:schedules-dlq',
    });
    expect(config.jobsQueueUrl).toBe('https://sqs.eu-west-1.amazonaws.com/1/jobs');
  });

  it('requires SNS signatures by default, trusting the AWS certificate hosts and any topic', () => {
    const config = loadLocalConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(config.alertsSns).toEqual({ signatures: 'require' });
    const lambda = loadLambdaConfig({ TABLE_NAME: 't', POSTMORTEM_BUCKET: 'b', SLACK_SECRET_ARN: 'arn' });
    expect(lambda.alertsSns).toEqual({ signatures: 'require' });
  });

  it('reads the SNS trust settings as lists, locally and in Lambda', () => {
    const env = {
      ALERTS_SNS_SIGNATURES: 'off',
      SNS_TRUSTED_CERT_HOSTS: ' 127.0.0.1:4566 , sns.internal.example ,[::1]:8080,',
      ALERTS_SNS_TOPIC_ARNS:
        'arn:aws:sns:eu-west-1:123456789012:incident-bot-alarms,arn:aws-cn:sns:cn-north-1:210987654321:alarms.fifo',
    };
    const expected = {
      signatures: 'off',
      trustedCertHosts: ['127.0.0.1:4566', 'sns.internal.example', '[::1]:8080'],
      topicArns: [
        'arn:aws:sns:eu-west-1:123456789012:incident-bot-alarms',
        'arn:aws-cn:sns:cn-north-1:210987654321:alarms.fifo',
      ],
    };
    expect(
      loadLocalConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', ...env }).alertsSns,
    ).toEqual(expected);
    const lambda = loadLambdaConfig({
      TABLE_NAME: 't',
      POSTMORTEM_BUCKET: 'b',
      SLACK_SECRET_ARN: 'arn',
      ...env,
    });
    expect(lambda.alertsSns).toEqual(expected);
    // Blank is unset.
    const blank = loadLocalConfig({
      SLACK_SIGNING_SECRET: 's',
      SLACK_BOT_TOKEN: 'xoxb-1',
      ALERTS_SNS_SIGNATURES: ' ',
      SNS_TRUSTED_CERT_HOSTS: '',
      ALERTS_SNS_TOPIC_ARNS: ' ',
    });
    expect(blank.alertsSns).toEqual({ signatures: 'require' });
  });

  it('refuses bad SNS trust settings at start, naming the variable', () => {
    const load = (env: Record<string, string>) => () =>
      loadLocalConfig({ SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1', ...env });
    expect(load({ ALERTS_SNS_SIGNATURES: 'optional' })).toThrow(
      /ALERTS_SNS_SIGNATURES: expected require or off/,
    );
    expect(load({ SNS_TRUSTED_CERT_HOSTS: 'sns.internal.example,https://certs.example/' })).toThrow(
      /SNS_TRUSTED_CERT_HOSTS: expected comma-separated hosts or host:port.*"https:\/\/certs\.example\/"/,
    );
    expect(load({ SNS_TRUSTED_CERT_HOSTS: ',' })).toThrow(/SNS_TRUSTED_CERT_HOSTS: expected/);
    expect(load({ ALERTS_SNS_TOPIC_ARNS: 'incident-bot-alarms' })).toThrow(
      /ALERTS_SNS_TOPIC_ARNS: expected comma-separated SNS topic ARNs.*"incident-bot-alarms"/,
    );
    expect(load({ ALERTS_SNS_TOPIC_ARNS: 'arn:aws:sqs:eu-west-1:123456789012:queue' })).toThrow(
      /ALERTS_SNS_TOPIC_ARNS:/,
    );
    expect(() =>
      loadLambdaConfig({
        TABLE_NAME: 't',
        POSTMORTEM_BUCKET: 'b',
        SLACK_SECRET_ARN: 'arn',
        ALERTS_SNS_SIGNATURES: 'no',
      }),
    ).toThrow(/ALERTS_SNS_SIGNATURES: expected require or off/);
  });

  it('refuses a Lambda environment without its table, bucket or secret', () => {
    expect(() => loadLambdaConfig({})).toThrow(/TABLE_NAME[\s\S]*POSTMORTEM_BUCKET[\s\S]*SLACK_SECRET_ARN/);
  });
});

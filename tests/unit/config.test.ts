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

  it('reads the Lambda environment, with the policy inline and the scheduler settings', () => {
    const config = loadLambdaConfig({
      TABLE_NAME: 'table',
      POSTMORTEM_BUCKET: 'bucket',
      SLACK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:slack',
      ESCALATION_POLICY_YAML:
        'teams: { sre: { slack: S0SRE } }\nescalation: { default: [{ after: 5m, notify: [sre] }] }',
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

  it('refuses a Lambda environment without its table, bucket or secret', () => {
    expect(() => loadLambdaConfig({})).toThrow(/TABLE_NAME[\s\S]*POSTMORTEM_BUCKET[\s\S]*SLACK_SECRET_ARN/);
  });
});

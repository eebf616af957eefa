/**
 * The AWS adapters that cannot run here (SQS, S3, Secrets Manager): their requests, checked with
 * aws-sdk-client-mock.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Archive } from '../../lambda/archive/s3-archive';
import { readSlackSecret } from '../../lambda/handlers/lambda-bot';
import type { Job } from '../../lambda/jobs/jobs';
import { jobSchema, SqsJobs } from '../../lambda/jobs/sqs-jobs';

describe('SqsJobs', () => {
  it('sends each job as one JSON message the worker can read back', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const jobs = new SqsJobs({
      client: new SQSClient({ region: 'eu-west-1' }),
      queueUrl: 'https://sqs/jobs',
    });
    await jobs.enqueue({ type: 'escalate', incidentId: 'INC-7' });
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe('https://sqs/jobs');
    expect(input?.MessageAttributes?.type?.StringValue).toBe('escalate');
    expect(jobSchema.parse(JSON.parse(input?.MessageBody ?? ''))).toEqual({
      type: 'escalate',
      incidentId: 'INC-7',
    });
    sqs.restore();
  });

  it('reads an escalate job queued with the fields it no longer has, without them', () => {
    const queuedBefore = { type: 'escalate', incidentId: 'INC-7', team: 'sre', requestId: 't-1' };
    expect(jobSchema.parse(queuedBefore)).toEqual({ type: 'escalate', incidentId: 'INC-7' });
  });

  it('delays a job by whole seconds, rounded up, at most the 15 minutes SQS allows', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const jobs = new SqsJobs({
      client: new SQSClient({ region: 'eu-west-1' }),
      queueUrl: 'https://sqs/jobs',
    });
    const job: Job = { type: 'refresh-summary', incidentId: 'INC-7' };
    await jobs.enqueue(job);
    await jobs.enqueue(job, { delayMs: 1_500 });
    await jobs.enqueue(job, { delayMs: 3_600_000 });
    await jobs.enqueue(job, { delayMs: 0 });
    const delays = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input.DelaySeconds);
    expect(delays).toEqual([undefined, 2, 900, 0]);
    sqs.restore();
  });
});

describe('jobSchema', () => {
  // One of every job: a job type the worker could not read back would be dropped in AWS. Keyed by
  // type, so a job type added to the union without an example here fails the type check.
  const examples: { [T in Job['type']]: Extract<Job, { type: T }> } = {
    'setup-channel': { type: 'setup-channel', incidentId: 'INC-1' },
    'refresh-summary': { type: 'refresh-summary', incidentId: 'INC-1' },
    'publish-postmortem': { type: 'publish-postmortem', incidentId: 'INC-1' },
    'store-postmortem': { type: 'store-postmortem', incidentId: 'INC-1' },
    'escalation-start': { type: 'escalation-start', incidentId: 'INC-1' },
    'escalation-ack': { type: 'escalation-ack', incidentId: 'INC-1' },
    'escalation-resolve': { type: 'escalation-resolve', incidentId: 'INC-1' },
    'escalation-replan': { type: 'escalation-replan', incidentId: 'INC-1', previous: 'sev3' },
    escalate: { type: 'escalate', incidentId: 'INC-1' },
    page: { type: 'page', incidentId: 'INC-1', step: 'sev1/0/sre' },
    sms: { type: 'sms', incidentId: 'INC-1', severity: 'sev1', tier: 1 },
    tickets: { type: 'tickets', incidentId: 'INC-1' },
    'postmortem-git': { type: 'postmortem-git', incidentId: 'INC-1' },
    'postmortem-pictures': { type: 'postmortem-pictures', incidentId: 'INC-1' },
    'postmortem-chart': {
      type: 'postmortem-chart',
      incidentId: 'INC-1',
      channelId: 'C0INC1',
      userId: 'U0ALICE',
      key: 't-T1',
    },
    'reconcile-incident': { type: 'reconcile-incident', incidentId: 'INC-1' },
    'announce-update': { type: 'announce-update', incidentId: 'INC-1', eventId: 't-T1' },
    'announce-severity': { type: 'announce-severity', incidentId: 'INC-1', previous: 'sev2' },
    'capture-message': {
      type: 'capture-message',
      incidentId: 'INC-1',
      channelId: 'C1',
      messageTs: '1700000000.000100',
      kind: 'action',
      eventId: 'e',
      capturedBy: 'U1',
    },
    reply: { type: 'reply', channelId: 'C1', userId: 'U1', text: 'done', visibility: 'user' },
    'publish-home': { type: 'publish-home', userId: 'U1' },
    echo: { type: 'echo', incidentId: 'INC-1', text: '<@U1> acknowledged INC-1 from <#C1>', key: 't-1' },
    invite: { type: 'invite', incidentId: 'INC-1', userId: 'U2' },
  };
  const every: Job[] = [
    ...Object.values(examples),
    {
      type: 'reply',
      channelId: 'D1',
      userId: 'U1',
      text: 'done',
      visibility: 'user',
      responseUrl: 'https://hooks.slack.com/actions/T1/1/x',
    },
  ];

  it.each(every.map((job) => [job.type, job]))('reads back %s', (_type, job) => {
    expect(jobSchema.parse(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });

  it('refuses a job with a bad field, naming it', () => {
    const result = jobSchema.safeParse({ type: 'escalation-replan', incidentId: 'INC-1', previous: 'sev9' });
    expect(result.success).toBe(false);
  });
});

describe('S3Archive', () => {
  it('puts postmortems as Markdown under postmortems/ and reads them back', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'none', $metadata: {} }));
    const archive = new S3Archive({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'pm-bucket' });
    const location = await archive.put('INC-7.md', '# INC-7');
    expect(location).toBe('s3://pm-bucket/postmortems/INC-7.md');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'pm-bucket',
      Key: 'postmortems/INC-7.md',
      Body: '# INC-7',
      ContentType: 'text/markdown; charset=utf-8',
    });
    expect(await archive.get('INC-8.md')).toBeUndefined();
    s3.restore();
  });
});

describe('readSlackSecret', () => {
  it('reads the Slack secrets from Secrets Manager and names what is missing', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: 'good' }).resolves({
      SecretString: JSON.stringify({ signingSecret: 's', botToken: 'xoxb-1', alertToken: 'a' }),
    });
    secrets
      .on(GetSecretValueCommand, { SecretId: 'empty' })
      .resolves({ SecretString: '{"signingSecret":"","botToken":""}' });
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    expect(await readSlackSecret(client, 'good')).toEqual({
      signingSecret: 's',
      botToken: 'xoxb-1',
      alertToken: 'a',
    });
    await expect(readSlackSecret(client, 'empty')).rejects.toThrow(
      /signingSecret is empty, botToken is empty/,
    );
    secrets.restore();
  });
});

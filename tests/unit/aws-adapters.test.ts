/**
 * The AWS adapters that cannot run here (SQS, S3, Secrets Manager): their requests, checked with
 * aws-sdk-client-mock.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Archive } from '../../lambda/archive/s3-archive';
import { readSlackSecret } from '../../lambda/handlers/environment';
import { jobSchema, SqsJobs } from '../../lambda/jobs/sqs-jobs';

describe('SqsJobs', () => {
  it('sends each job as one JSON message the worker can read back', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const jobs = new SqsJobs({
      client: new SQSClient({ region: 'eu-west-1' }),
      queueUrl: 'https://sqs/jobs',
    });
    await jobs.enqueue({ type: 'escalate', incidentId: 'INC-7', team: 'sre', requestId: 't-1' });
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe('https://sqs/jobs');
    expect(input?.MessageAttributes?.type?.StringValue).toBe('escalate');
    expect(jobSchema.parse(JSON.parse(input?.MessageBody ?? ''))).toEqual({
      type: 'escalate',
      incidentId: 'INC-7',
      team: 'sre',
      requestId: 't-1',
    });
    sqs.restore();
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

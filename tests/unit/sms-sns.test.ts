/**
 * The SNS adapter for texts (lambda/paging/sms.ts), against aws-sdk-client-mock: one Publish to the
 * phone number as a transactional SMS, and SNS's failures told apart (throttling and 5xx retryable,
 * a refused request not).
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  InternalErrorException,
  InvalidParameterException,
  OptedOutException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { readSlackSecret } from '../../lambda/handlers/secrets';
import { REDACTED, redact } from '../../lambda/observability/log';
import { usablePhoneNumbers } from '../../lambda/paging/phone-numbers';
import { classifySnsError, maskPhoneNumber, SnsTextSender, TextSendError } from '../../lambda/paging/sms';

const sns = mockClient(SNSClient);
beforeEach(() => sns.reset());
afterAll(() => sns.restore());

const sender = () => new SnsTextSender({ client: new SNSClient({ region: 'eu-central-1' }) });
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode }, message: 'x' });

it('publishes one transactional SMS to the number and returns its message id', async () => {
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });

  const result = await sender().send('+4915112345678', 'INC-7 sev1 Checkout latency: …');

  expect(result).toEqual({ messageId: 'msg-1' });
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0]?.args[0].input).toEqual({
    PhoneNumber: '+4915112345678',
    Message: 'INC-7 sev1 Checkout latency: …',
    MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
  });
});

it('takes a throttle or an SNS fault as retryable', async () => {
  sns.on(PublishCommand).rejects(new ThrottledException({ ...meta(400), message: 'Rate exceeded' }));
  const throttled = await sender()
    .send('+4915112345678', 'hi')
    .catch((error: unknown) => error);
  expect(throttled).toBeInstanceOf(TextSendError);
  expect(throttled).toMatchObject({ retryable: true });
  expect((throttled as Error).message).toBe('SNS ThrottledException (400): Rate exceeded');

  sns.on(PublishCommand).rejects(new InternalErrorException({ ...meta(500), message: 'oops' }));
  await expect(sender().send('+4915112345678', 'hi')).rejects.toMatchObject({ retryable: true });
});

it('takes a refused request (bad number, opted out) as permanent', async () => {
  sns
    .on(PublishCommand)
    .rejects(new InvalidParameterException({ ...meta(400), message: 'Invalid parameter: PhoneNumber' }));
  await expect(sender().send('+4915112345678', 'hi')).rejects.toMatchObject({
    retryable: false,
    message: 'SNS InvalidParameterException (400): Invalid parameter: PhoneNumber',
  });

  sns.on(PublishCommand).rejects(new OptedOutException({ ...meta(400), message: 'opted out' }));
  await expect(sender().send('+4915112345678', 'hi')).rejects.toMatchObject({ retryable: false });
});

it('classifies by HTTP status and network errors too', () => {
  expect(classifySnsError(Object.assign(new Error('x'), { name: 'Unknown', ...meta(503) })).retryable).toBe(
    true,
  );
  expect(classifySnsError(Object.assign(new Error('x'), { name: 'Unknown', ...meta(429) })).retryable).toBe(
    true,
  );
  expect(
    classifySnsError(Object.assign(new Error('x'), { name: 'AuthorizationErrorException', ...meta(403) }))
      .retryable,
  ).toBe(false);
  // No answer at all (a reset connection, a timeout): worth another try.
  expect(classifySnsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).retryable).toBe(
    true,
  );
});

it('takes an answer without a message id as not accepted (retryable)', async () => {
  sns.on(PublishCommand).resolves({});
  await expect(sender().send('+4915112345678', 'hi')).rejects.toMatchObject({ retryable: true });
});

it('masks all but the country code and the last two digits for log lines', () => {
  expect(maskPhoneNumber('+4915112345678')).toBe('+49•••••••••78');
  expect(maskPhoneNumber('+4915112345678')).not.toContain('151123456');
});

describe("the Slack secret's phoneNumbers", () => {
  it('are read with the secret and redacted from every log line, valid or not', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        signingSecret: 'signing-secret-1',
        botToken: 'xoxb-1',
        phoneNumbers: { U0ANNA: '+4915112345678', U0BOB: '0151 9876543' },
      }),
    });
    const secret = await readSlackSecret(new SecretsManagerClient({ region: 'eu-west-1' }), 'arn');
    secrets.restore();

    expect(usablePhoneNumbers(secret.phoneNumbers)).toEqual({
      phoneNumbers: { U0ANNA: '+4915112345678' },
      problems: ['phoneNumbers.U0BOB: expected an E.164 phone number like +4915112345678 (no spaces)'],
    });
    expect(redact('SMS to +4915112345678 and 0151 9876543')).toBe(`SMS to ${REDACTED} and ${REDACTED}`);
  });
});

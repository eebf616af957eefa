/**
 * Text messages (SMS) to people whose page went unacknowledged: the `TextSender` port and its Amazon
 * SNS adapter. Numbers come from the Slack secret (AWS) or ONCALL_PHONE_NUMBERS (local), never from
 * the policy YAML; they are registered as secrets so no log line carries them. The escalation's
 * texts (escalation/texts.ts) decide who is texted, once per person per tier; this only sends.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

export interface TextSender {
  /** Sends one SMS; throws a `TextSendError` (or any error, taken as retryable) when it was not accepted. */
  send(phoneNumber: string, text: string): Promise<{ messageId: string }>;
}

/** A send that was not accepted; `retryable` says whether trying again later can help. */
export class TextSendError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TextSendError';
  }
}

/** Errors of SNS that pass: throttling, its own faults. */
const RETRYABLE_NAMES = new Set([
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalErrorException',
  'InternalError',
  'ServiceUnavailable',
  'KMSThrottlingException',
  'RequestTimeout',
  'TimeoutError',
]);

/**
 * Whether a failed Publish is worth another try: throttling and 5xx are; a request SNS understood and
 * refused (InvalidParameter: a bad number; OptedOut; AuthorizationError: no sns:Publish; any other
 * 4xx) is not. An error without an HTTP status (the network, a timeout) is.
 */
export function classifySnsError(error: unknown): TextSendError {
  const err = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof err?.name === 'string' ? err.name : 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const retryable = RETRYABLE_NAMES.has(name) || status === undefined || status === 429 || status >= 500;
  const detail = typeof err?.message === 'string' && err.message ? `: ${err.message}` : '';
  // The message of an SNS error never quotes the phone number back; the name is what matters.
  return new TextSendError(`SNS ${name}${status ? ` (${status})` : ''}${detail}`.slice(0, 300), retryable, {
    cause: error,
  });
}

/** SMS through Amazon SNS: one Publish to the phone number, as a transactional message. */
export class SnsTextSender implements TextSender {
  constructor(
    private readonly options: {
      client: SNSClient;
      /** Bounds one Publish. @default 10 s */
      timeoutMs?: number;
    },
  ) {}

  async send(phoneNumber: string, text: string): Promise<{ messageId: string }> {
    try {
      const result = await this.options.client.send(
        new PublishCommand({
          PhoneNumber: phoneNumber,
          Message: text,
          MessageAttributes: {
            // Transactional: delivered with priority, also to numbers on do-not-disturb lists.
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          },
        }),
        { abortSignal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) },
      );
      if (!result.MessageId) throw new TextSendError('SNS accepted no message (no MessageId)', true);
      return { messageId: result.MessageId };
    } catch (error) {
      if (error instanceof TextSendError) throw error;
      throw classifySnsError(error);
    }
  }
}

/** A number with all but its country code and last two digits hidden, for log lines. */
export function maskPhoneNumber(phoneNumber: string): string {
  if (phoneNumber.length <= 5) return '+…';
  return `${phoneNumber.slice(0, 3)}${'•'.repeat(phoneNumber.length - 5)}${phoneNumber.slice(-2)}`;
}

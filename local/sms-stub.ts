/**
 * The local stand-in for SMS: a `TextSender` that records each text and logs it with the number
 * partly hidden (`SMS to +49•••••••••78: …`). Used by the local server when ONCALL_PHONE_NUMBERS is
 * set, and by the sandbox (demo, tests), which can tell it to fail the next sends.
 */
import { maskPhoneNumber, TextSendError, type TextSender } from '../lambda/paging/sms';

export interface SentText {
  phoneNumber: string;
  text: string;
  messageId: string;
}

export interface SmsStubOptions {
  log?: (line: string) => void;
}

export class SmsStub implements TextSender {
  /** Texts accepted, in order. */
  readonly sent: SentText[] = [];
  /** Sends tried, accepted or not. */
  attempts = 0;
  private failures: { retryable: boolean; message: string }[] = [];

  constructor(private readonly options: SmsStubOptions = {}) {}

  /** The next `times` sends fail: retryable (throttled) or refused (a bad number). */
  failNext(times: number, how: { retryable: boolean; message?: string }): void {
    for (let i = 0; i < times; i += 1) {
      this.failures.push({
        retryable: how.retryable,
        message:
          how.message ??
          (how.retryable
            ? 'SNS ThrottledException (400): Rate exceeded'
            : 'SNS InvalidParameterException (400): Invalid parameter: PhoneNumber'),
      });
    }
  }

  async send(phoneNumber: string, text: string): Promise<{ messageId: string }> {
    this.attempts += 1;
    const failure = this.failures.shift();
    if (failure) {
      this.options.log?.(`SMS to ${maskPhoneNumber(phoneNumber)} failed: ${failure.message}`);
      throw new TextSendError(failure.message, failure.retryable);
    }
    const messageId = `sms-${this.sent.length + 1}`;
    this.sent.push({ phoneNumber, text, messageId });
    this.options.log?.(`SMS to ${maskPhoneNumber(phoneNumber)}: ${text}`);
    return { messageId };
  }
}

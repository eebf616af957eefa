/**
 * Who has which phone number, for texts about unacknowledged pages: a map from Slack user id to an
 * E.164 number. It lives in the Slack secret (`phoneNumbers`, AWS) or ONCALL_PHONE_NUMBERS (local),
 * never in the policy YAML, which is in git and in the Lambda environment. Error messages name the
 * user id, never the number.
 */
import { z } from 'zod';

/** E.164: `+`, a country code and the number, 8 to 15 digits in all, no spaces. */
export const E164 = /^\+[1-9]\d{7,14}$/;
const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

const PHONE_NUMBER_ERROR = 'expected an E.164 phone number like +4915112345678 (no spaces)';

export const phoneNumbersSchema = z
  .record(z.string(), z.string({ error: PHONE_NUMBER_ERROR }).regex(E164, { error: PHONE_NUMBER_ERROR }), {
    error: 'expected an object from Slack user id to phone number, like {"U0ANNA":"+4915112345678"}',
  })
  .check((ctx) => {
    for (const key of Object.keys(ctx.value)) {
      if (!SLACK_USER_ID.test(key)) {
        ctx.issues.push({
          code: 'custom',
          input: key,
          path: [key],
          message: 'expected a Slack user id like U0123ABC as the key',
        });
      }
    }
  });
export type PhoneNumbers = z.infer<typeof phoneNumbersSchema>;

/** ONCALL_PHONE_NUMBERS: JSON text of the map; blank or unset is off. */
export const phoneNumbersJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // JSON.parse's message would quote the text, which holds the numbers.
      ctx.issues.push({
        code: 'custom',
        input: '',
        message: 'expected JSON like {"U0ANNA":"+4915112345678"}',
      });
      return z.NEVER;
    }
  })
  .pipe(phoneNumbersSchema);

/** Every string value of the map as given (valid or not), to register as secrets before any logging. */
export function secretStrings(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  return Object.values(raw).filter((value): value is string => typeof value === 'string');
}

/**
 * The entries of the Slack secret's `phoneNumbers` that are valid, and one `phoneNumbers.<user>:
 * problem` line per entry that is not (never the number itself): a typo costs that person's texts,
 * not every function's start.
 */
export function usablePhoneNumbers(raw: unknown): { phoneNumbers: PhoneNumbers; problems: string[] } {
  if (raw === undefined) return { phoneNumbers: {}, problems: [] };
  const whole = phoneNumbersSchema.safeParse(raw);
  if (whole.success) return { phoneNumbers: whole.data, problems: [] };
  const phoneNumbers: PhoneNumbers = {};
  const problems = whole.error.issues.map(
    (issue) =>
      `phoneNumbers${issue.path.length ? `.${issue.path.map(String).join('.')}` : ''}: ${issue.message}`,
  );
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [user, number] of Object.entries(raw)) {
      const one = phoneNumbersSchema.safeParse({ [user]: number });
      if (one.success) Object.assign(phoneNumbers, one.data);
    }
  }
  return { phoneNumbers, problems };
}

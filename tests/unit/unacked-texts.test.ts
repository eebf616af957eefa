/**
 * Who is texted when a page goes unacknowledged (lambda/incidents/texts.ts, pure), the SMS's words
 * (lambda/paging/sms-text.ts), where the numbers come from (ONCALL_PHONE_NUMBERS, the Slack secret's
 * `phoneNumbers`), and whether the reconciler sees texts owed (incidents/progress.ts).
 */
import { loadLocalConfig } from '../../lambda/config';
import { type EscalationPolicy, parsePolicy } from '../../lambda/incidents/policy';
import { isLagging, progressProblems } from '../../lambda/incidents/progress';
import { pagedInPersonBefore, textStepName, textsDue } from '../../lambda/incidents/texts';
import type { TimelineEvent } from '../../lambda/incidents/types';
import { usablePhoneNumbers } from '../../lambda/paging/phone-numbers';
import { SMS_MAX, shortDuration, unacknowledgedPageSms } from '../../lambda/paging/sms-text';
import { anEvent, aRecord, MINUTE_MS, minutesAfterDeclared, THREE_TEAMS } from '../fixtures/incidents';

const POLICY: EscalationPolicy = parsePolicy(
  `${THREE_TEAMS}escalation:
  sev1:
    - { after: 0s, notify: [oncall] }
    - { after: 10m, notify: [sre] }
    - { after: 20m, notify: [dba] }
  sev2:
    - { after: 0s, notify: [oncall] }
`,
  'policy.yaml',
);

const at = (minutes: number) => new Date(minutesAfterDeclared(minutes)).toISOString();

/** The engine's page event: `page.onCall` names the person a team's schedule paged. */
function paged(team: string, tier: number | 'manual', minutes: number, onCall?: string): TimelineEvent {
  return anEvent({
    id: tier === 'manual' ? `page.manual.t-1.${team}` : `page.sev1.t${tier}.${team}`,
    at: at(minutes),
    recordedAt: at(minutes),
    kind: 'escalation',
    author: 'bot',
    team,
    text: `Paged ${team}`,
    page: { tier, channels: ['slack'], failed: false, ...(onCall ? { onCall } : {}) },
  });
}

describe('textsDue', () => {
  const events = [paged('oncall', 0, 0, 'U0ANNA'), paged('sre', 1, 10, 'U0BOB')];

  it('names, for each due tier from the second on, the people earlier tiers paged in person', () => {
    const record = aRecord({ severity: 'sev1' }, [], events);

    expect(textsDue(record, POLICY, minutesAfterDeclared(10))).toEqual([
      {
        name: 'sms.sev1.t1',
        severity: 'sev1',
        tier: 1,
        dueAt: at(10),
        recipients: [{ userId: 'U0ANNA', team: 'oncall', pagedAt: at(0) }],
      },
    ]);
    expect(
      textsDue(record, POLICY, minutesAfterDeclared(20)).map((t) => [
        t.name,
        t.recipients.map((r) => r.userId),
      ]),
    ).toEqual([
      ['sms.sev1.t1', ['U0ANNA']],
      ['sms.sev1.t2', ['U0ANNA', 'U0BOB']],
    ]);
  });

  it('is nothing before tier 2 is due, once acknowledged or resolved, or for a single-tier plan', () => {
    expect(textsDue(aRecord({ severity: 'sev1' }, [], events), POLICY, minutesAfterDeclared(10) - 1)).toEqual(
      [],
    );
    const acked = aRecord({ severity: 'sev1', acknowledgedAt: at(5), acknowledgedBy: 'U0ANNA' }, [], events);
    expect(textsDue(acked, POLICY, minutesAfterDeclared(30))).toEqual([]);
    const resolved = aRecord({ severity: 'sev1', status: 'resolved', resolvedAt: at(5) }, [], events);
    expect(textsDue(resolved, POLICY, minutesAfterDeclared(30))).toEqual([]);
    // sev2 has one tier: no "next tier" ever comes due, so nobody is texted.
    expect(textsDue(aRecord({ severity: 'sev2' }, [], events), POLICY, minutesAfterDeclared(600))).toEqual(
      [],
    );
    expect(textsDue(aRecord({ severity: 'sev1' }, [], events), undefined, minutesAfterDeclared(30))).toEqual(
      [],
    );
  });

  it('leaves out tiers with nobody paged in person (teams without a schedule)', () => {
    const record = aRecord({ severity: 'sev1' }, [], [paged('oncall', 0, 0)]);
    expect(textsDue(record, POLICY, minutesAfterDeclared(30))).toEqual([]);
  });
});

describe('pagedInPersonBefore', () => {
  it('counts tier pages that reached someone before the tier came due, each person once', () => {
    const record = aRecord(
      { severity: 'sev1' },
      [],
      [
        paged('oncall', 0, 0, 'U0ANNA'),
        paged('sre', 1, 10, 'U0ANNA'),
        paged('dba', 'manual', 3, 'U0CAROL'),
        { ...paged('sre', 0, 1, 'U0DAN'), page: { tier: 0, channels: [], failed: true, onCall: 'U0DAN' } },
        { ...paged('sre', 0, 2, 'U0DAVE'), author: 'U0ALICE' },
      ],
    );

    expect(pagedInPersonBefore(record, 2, at(20))).toEqual([
      { userId: 'U0ANNA', team: 'oncall', pagedAt: at(0) },
    ]);
  });

  it('does not count a page from the moment the tier came due or later (a re-plan)', () => {
    const record = aRecord({ severity: 'sev1' }, [], [paged('oncall', 0, 25, 'U0ANNA')]);
    expect(pagedInPersonBefore(record, 1, at(10))).toEqual([]);
    expect(pagedInPersonBefore(record, 1, at(25))).toEqual([]);
  });
});

describe('the reconciler', () => {
  const events = [paged('oncall', 0, 0, 'U0ANNA')];
  const settings = { announcements: false, policy: POLICY, texting: true };
  const done = (name: string) => ({ name, state: 'done' as const, attempts: 1 });
  const allDone = [
    'channel',
    'summary',
    'summary-pinned',
    'page.sev1.t0.oncall',
    'page.sev1.t1.sre',
    'timers.sev1',
  ];

  it('sees texts owed for a due tier while texting is on, and not once they are done', () => {
    const owed = aRecord({ severity: 'sev1' }, allDone.map(done), events);
    expect(isLagging(owed, settings, minutesAfterDeclared(11))).toBe(true);
    expect(isLagging(owed, { ...settings, texting: false }, minutesAfterDeclared(11))).toBe(false);
    const texted = aRecord({ severity: 'sev1' }, [...allDone, textStepName('sev1', 1)].map(done), events);
    expect(isLagging(texted, settings, minutesAfterDeclared(11))).toBe(false);
  });

  it('lists texts given up on among the problems of the pinned summary, in words', () => {
    const gaveUp = aRecord({ severity: 'sev1' }, [
      {
        name: 'sms.sev1.t1',
        state: 'failed',
        attempts: 20,
        permanent: true,
        error: 'U0ANNA: SNS ThrottledException (400): Rate exceeded',
      },
    ]);
    expect(progressProblems(gaveUp)).toEqual([
      'Texting about the unacknowledged page failed: U0ANNA: SNS ThrottledException (400): Rate exceeded',
    ]);
  });
});

describe('the SMS', () => {
  const incident = { id: 'INC-7', severity: 'sev1' as const, title: 'Checkout latency' };

  it('says which incident, how long the page waited, and where to acknowledge, in one SMS', () => {
    const text = unacknowledgedPageSms(
      incident,
      10 * MINUTE_MS,
      'https://slack.com/app_redirect?channel=C0INC7ABCDE',
    );
    expect(text).toBe(
      'INC-7 sev1 Checkout latency: your page from incident-bot is unacknowledged after 10m. Acknowledge in Slack: https://slack.com/app_redirect?channel=C0INC7ABCDE',
    );
    expect(text.length).toBeLessThanOrEqual(SMS_MAX);
  });

  it('shortens a long title to stay within 160 characters, on one line, in GSM characters', () => {
    const text = unacknowledgedPageSms(
      { ...incident, title: `Checkout latency\nin eu-west-1 ${'and everything else '.repeat(10)}` },
      65 * MINUTE_MS,
      'https://slack.com/app_redirect?channel=C0INC7ABCDE',
    );
    expect(text.length).toBe(SMS_MAX);
    expect(text).toMatch(
      /^INC-7 sev1 Checkout late\.\.\.: your page from incident-bot is unacknowledged after 1h 5m\. Acknowledge in Slack: https:/,
    );
    expect(text).not.toContain('\n');
  });

  it('names the command when the incident has no channel yet', () => {
    expect(unacknowledgedPageSms(incident, 10 * MINUTE_MS, undefined)).toBe(
      'INC-7 sev1 Checkout latency: your page from incident-bot is unacknowledged after 10m. Acknowledge in Slack: /incident ack INC-7',
    );
  });

  it('writes durations short', () => {
    expect(
      [0, 59_000, 10 * MINUTE_MS, 60 * MINUTE_MS, 125 * MINUTE_MS, 26 * 60 * MINUTE_MS].map(shortDuration),
    ).toEqual(['0m', '0m', '10m', '1h', '2h 5m', '1d 2h']);
  });
});

describe('phone numbers', () => {
  const env = { SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 'xoxb-1' };

  it('are read from ONCALL_PHONE_NUMBERS locally; unset or blank is off', () => {
    expect(
      loadLocalConfig({ ...env, ONCALL_PHONE_NUMBERS: '{"U0ANNA":"+4915112345678"}' }).phoneNumbers,
    ).toEqual({
      U0ANNA: '+4915112345678',
    });
    expect(loadLocalConfig(env).phoneNumbers).toBeUndefined();
    expect(loadLocalConfig({ ...env, ONCALL_PHONE_NUMBERS: '  ' }).phoneNumbers).toBeUndefined();
    expect(loadLocalConfig({ ...env, ONCALL_PHONE_NUMBERS: '{}' }).phoneNumbers).toBeUndefined();
  });

  it('refuse a bad ONCALL_PHONE_NUMBERS with a line per problem that never shows a number', () => {
    const bad = (value: string) => {
      try {
        loadLocalConfig({ ...env, ONCALL_PHONE_NUMBERS: value });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('+4915112345678')).toBe(
      'Bad environment:\nONCALL_PHONE_NUMBERS: expected JSON like {"U0ANNA":"+4915112345678"}',
    );
    const message = bad('{"U0ANNA":"0151 1234567","anna":"+4915112345678"}');
    expect(message).toContain(
      'ONCALL_PHONE_NUMBERS.U0ANNA: expected an E.164 phone number like +4915112345678 (no spaces)',
    );
    expect(message).toContain('ONCALL_PHONE_NUMBERS.anna: expected a Slack user id like U0123ABC as the key');
    expect(message).not.toContain('0151 1234567');
  });

  it("keep the Slack secret's good entries and name the bad ones, so a typo costs one person's texts", () => {
    expect(usablePhoneNumbers(undefined)).toEqual({ phoneNumbers: {}, problems: [] });
    expect(usablePhoneNumbers({ U0ANNA: '+4915112345678', U0BOB: '0151-1234' })).toEqual({
      phoneNumbers: { U0ANNA: '+4915112345678' },
      problems: ['phoneNumbers.U0BOB: expected an E.164 phone number like +4915112345678 (no spaces)'],
    });
  });
});

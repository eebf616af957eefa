import fc from 'fast-check';
import { suffixedChannelName } from '../../lambda/slack/chat';
import { incidentChannelName } from '../../lambda/slack/format';

const SLACK_NAME = /^[a-z0-9][a-z0-9_-]{0,79}$/;

describe('incident channel names', () => {
  it('makes a valid Slack name from any title, starting inc-<n>', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        (n, title) => {
          const name = incidentChannelName(n, title);
          expect(name).toMatch(SLACK_NAME);
          expect(name === `inc-${n}` || name.startsWith(`inc-${n}-`)).toBe(true);
          expect(name).not.toMatch(/--|-$/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps a readable slug and cuts long titles at a word', () => {
    expect(incidentChannelName(7, 'Login failures on the user authentication service')).toBe(
      'inc-7-login-failures-on-the-user-authentication-service',
    );
    expect(incidentChannelName(12, 'Café: 500s on /checkout (EU)!')).toBe('inc-12-cafe-500s-on-checkout-eu');
    const long = incidentChannelName(3, 'word '.repeat(40));
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long.endsWith('-word')).toBe(true);
  });

  it('suffixes a taken name without passing 80 characters', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80 }).map((s) => incidentChannelName(1, s)),
        fc.integer({ min: 2, max: 99 }),
        (name, attempt) => {
          const suffixed = suffixedChannelName(name, attempt);
          expect(suffixed).toMatch(SLACK_NAME);
          expect(suffixed.endsWith(`-${attempt}`)).toBe(true);
        },
      ),
    );
    expect(suffixedChannelName('inc-1-db', 1)).toBe('inc-1-db');
  });
});

import fc from 'fast-check';
import { ALERT_AUTH_CHALLENGE, isAuthorizedAlert } from '../../lambda/alerts/auth';

const TOKEN = 's3cr3t-alert-token';

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

describe('isAuthorizedAlert', () => {
  it.each([
    ['a bearer token', { authorization: `Bearer ${TOKEN}` }],
    ['a bearer token under a capitalised header', { Authorization: `Bearer ${TOKEN}` }],
    ['a lower-case scheme', { AUTHORIZATION: `bearer ${TOKEN}` }],
    ['basic auth with the token as password', { authorization: basic('sns', TOKEN) }],
    ['basic auth with any user name', { Authorization: basic('alertmanager', TOKEN) }],
    ['basic auth with an empty user name', { authorization: basic('', TOKEN) }],
  ])('accepts %s', (_case, headers) => {
    // act
    const authorized = isAuthorizedAlert(headers, TOKEN);

    // assess
    expect(authorized).toBe(true);
  });

  it('reads a basic-auth password that itself holds colons', () => {
    // prepare
    const token = 'part:one:two';

    // act
    const authorized = isAuthorizedAlert({ authorization: basic('sns', token) }, token);

    // assess
    expect(authorized).toBe(true);
  });

  it.each([
    ['no Authorization header', { 'content-type': 'application/json' }],
    ['an undefined Authorization header', { authorization: undefined }],
    ['an empty Authorization header', { authorization: '' }],
    ['a wrong bearer token', { authorization: 'Bearer not-the-token' }],
    ['a bearer token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
    ['a bearer prefix of the token', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['a scheme with no credentials', { authorization: 'Bearer' }],
    ['the bare token', { authorization: TOKEN }],
    ['another scheme', { authorization: `Token ${TOKEN}` }],
    ['digest auth', { authorization: `Digest username="sns", response="${TOKEN}"` }],
    ['basic auth with a wrong password', { authorization: basic('sns', 'wrong') }],
    ['basic auth with the token as user name', { authorization: basic(TOKEN, '') }],
    ['basic auth without a colon', { authorization: `Basic ${Buffer.from(TOKEN).toString('base64')}` }],
    ['basic auth that is not base64', { authorization: `Basic ${TOKEN}!` }],
    ['the token in another header', { 'x-alert-token': TOKEN }],
  ])('refuses %s', (_case, headers) => {
    // act
    const authorized = isAuthorizedAlert(headers, TOKEN);

    // assess
    expect(authorized).toBe(false);
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])('refuses everything when the token is %s', (_case, token) => {
    // prepare
    const attempts = [
      { authorization: 'Bearer ' },
      { authorization: basic('sns', '') },
      { authorization: 'Bearer undefined' },
      {},
    ];

    // act
    const results = attempts.map((headers) => isAuthorizedAlert(headers, token));

    // assess
    expect(results).toEqual([false, false, false, false]);
  });

  it('accepts exactly the configured token, by bearer or basic auth', () => {
    // Tokens as an operator would set them: no spaces, which headers cannot keep at either end.
    const token = fc.string({ minLength: 1, maxLength: 64 }).filter((value) => /^\S+$/.test(value));
    fc.assert(
      fc.property(token, token, fc.stringMatching(/^[^:]{0,16}$/), (configured, presented, user) => {
        const expected = presented === configured;
        return (
          isAuthorizedAlert({ authorization: `Bearer ${presented}` }, configured) === expected &&
          isAuthorizedAlert({ Authorization: basic(user, presented) }, configured) === expected &&
          isAuthorizedAlert({ authorization: `Bearer ${configured}` }, configured)
        );
      }),
    );
  });

  it('never throws on arbitrary headers', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.option(fc.string(), { nil: undefined })),
        fc.string(),
        (headers, token) => {
          return typeof isAuthorizedAlert(headers, token) === 'boolean';
        },
      ),
    );
  });
});

describe('ALERT_AUTH_CHALLENGE', () => {
  it('names a realm, without which SNS never sends its credentials', () => {
    expect(ALERT_AUTH_CHALLENGE).toMatch(/^Basic realm="[^"]+"$/);
  });
});

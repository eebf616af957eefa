import {
  ErrorCode,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import {
  classifySlackError,
  DEFAULT_RETRY_AFTER_MS,
  describeSlackFailure,
  type SlackFailure,
} from '../../lambda/slack/errors';

const platform = (error: string, retryAfter?: number) =>
  new WebAPIPlatformError({
    ok: false,
    error,
    ...(retryAfter === undefined ? {} : { response_metadata: { retryAfter } }),
  });
const http = (status: number) => new WebAPIHTTPError(status, 'status', {}, '');
const timeout = () =>
  new WebAPIRequestError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
// What WebClient makes of the abort when the DOMException is not `instanceof Error` (another realm).
const rewrappedTimeout = () =>
  new WebAPIRequestError(new Error('TimeoutError: The operation was aborted due to timeout'));
const refused = () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  return new WebAPIRequestError(new TypeError('fetch failed', { cause }));
};

describe('classifySlackError', () => {
  const cases: [string, unknown, SlackFailure][] = [
    [
      'a 429 with Retry-After',
      new WebAPIRateLimitedError(30),
      { kind: 'rate-limited', retryAfterMs: 30_000, code: 'ratelimited' },
    ],
    [
      'a 429 with Retry-After: 0',
      new WebAPIRateLimitedError(0),
      { kind: 'rate-limited', retryAfterMs: 0, code: 'ratelimited' },
    ],
    [
      'ratelimited in the body',
      platform('ratelimited', 5),
      { kind: 'rate-limited', retryAfterMs: 5000, code: 'ratelimited' },
    ],
    [
      'ratelimited without a delay',
      platform('ratelimited'),
      { kind: 'rate-limited', retryAfterMs: DEFAULT_RETRY_AFTER_MS, code: 'ratelimited' },
    ],
    [
      'a bare HTTP 429',
      http(429),
      { kind: 'rate-limited', retryAfterMs: DEFAULT_RETRY_AFTER_MS, code: 'ratelimited' },
    ],
    [
      'a 429 whose Retry-After WebClient could not read',
      new Error('Retry header did not contain a valid timeout (url: x, retry-after header: soon)'),
      { kind: 'rate-limited', retryAfterMs: DEFAULT_RETRY_AFTER_MS, code: 'ratelimited' },
    ],
    ['the client timeout', timeout(), { kind: 'transient', code: 'timeout' }],
    ['the client timeout, re-wrapped', rewrappedTimeout(), { kind: 'transient', code: 'timeout' }],
    ['a refused connection', refused(), { kind: 'transient', code: 'ECONNREFUSED' }],
    [
      'another request error',
      new WebAPIRequestError(new Error('socket hang up')),
      { kind: 'transient', code: 'request_error' },
    ],
    ['HTTP 500', http(500), { kind: 'transient', code: 'http_500' }],
    ['HTTP 503', http(503), { kind: 'transient', code: 'http_503' }],
    ['HTTP 404', http(404), { kind: 'permanent', code: 'http_404' }],
    ['internal_error', platform('internal_error'), { kind: 'transient', code: 'internal_error' }],
    ['fatal_error', platform('fatal_error'), { kind: 'transient', code: 'fatal_error' }],
    [
      'service_unavailable',
      platform('service_unavailable'),
      { kind: 'transient', code: 'service_unavailable' },
    ],
    ['request_timeout', platform('request_timeout'), { kind: 'transient', code: 'request_timeout' }],
    ['not_in_channel', platform('not_in_channel'), { kind: 'not-in-channel', code: 'not_in_channel' }],
    ...[
      'channel_not_found',
      'is_archived',
      'restricted_action',
      'invalid_auth',
      'not_authed',
      'account_inactive',
      'token_revoked',
      'user_not_in_channel',
      'missing_scope',
      'msg_too_long',
      'invalid_blocks',
      'some_code_slack_adds_next_year',
    ].map((code): [string, unknown, SlackFailure] => [code, platform(code), { kind: 'permanent', code }]),
    [
      'an error that is not Slack’s',
      new Error('chat.postMessage returned no ts'),
      { kind: 'permanent', code: 'unknown_error' },
    ],
    ['not even an Error', undefined, { kind: 'permanent', code: 'unknown_error' }],
    // Duck-typed: a fake (or another copy of @slack/web-api) raising the same shape reads the same.
    [
      'a duck-typed platform error',
      { code: ErrorCode.PlatformError, data: { error: 'is_archived' } },
      { kind: 'permanent', code: 'is_archived' },
    ],
  ];

  it.each(cases)('%s', (_name, error, expected) => {
    // act
    const failure = classifySlackError(error);

    // assess
    expect(failure).toEqual(expected);
  });
});

describe('describeSlackFailure', () => {
  const cases: [SlackFailure, string][] = [
    [
      { kind: 'rate-limited', retryAfterMs: 30_000, code: 'ratelimited' },
      'Slack rate-limited the bot (retry in 30 s)',
    ],
    [
      { kind: 'rate-limited', retryAfterMs: 1500, code: 'ratelimited' },
      'Slack rate-limited the bot (retry in 2 s)',
    ],
    [{ kind: 'permanent', code: 'channel_not_found' }, 'Slack says channel_not_found'],
    [{ kind: 'permanent', code: 'invalid_auth' }, 'Slack refused the bot token (invalid_auth)'],
    [{ kind: 'permanent', code: 'http_404' }, 'Slack answered HTTP 404'],
    [{ kind: 'permanent', code: 'unknown_error' }, 'The Slack call failed unexpectedly'],
    [{ kind: 'transient', code: 'timeout' }, 'Slack did not answer in time'],
    [{ kind: 'transient', code: 'http_503' }, 'Slack answered HTTP 503'],
    [{ kind: 'transient', code: 'ECONNREFUSED' }, 'Could not reach Slack (ECONNREFUSED)'],
    [{ kind: 'transient', code: 'internal_error' }, 'Slack says internal_error'],
    [
      { kind: 'not-in-channel', code: 'not_in_channel' },
      'Slack says not_in_channel: the bot is not a member of that channel',
    ],
  ];

  it.each(cases)('%j', (failure, expected) => {
    // act
    const sentence = describeSlackFailure(failure);

    // assess
    expect(sentence).toBe(expected);
  });
});

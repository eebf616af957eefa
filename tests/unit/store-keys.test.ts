/** The idempotency keys are stored: a changed format would redo work a redelivery should find done. */
import { createHash } from 'node:crypto';
import { alertEventId } from '../../lambda/alerts/alert-service';
import { alertDigestKey, claimKey } from '../../lambda/store/keys';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('idempotency keys', () => {
  it('derives alert ids from the sha-256 of the parts, one per line, as before', () => {
    expect(alertDigestKey('checkout-5xx', 'open', '')).toBe(
      `alert.${sha('checkout-5xx\nopen\n').slice(0, 32)}`,
    );
  });

  it("keys an alert's state change by its key, state and time", () => {
    const signal = {
      key: 'cloudwatch:123:eu-west-1:checkout-5xx',
      state: 'firing' as const,
      at: '2024-02-18T15:30:00Z',
    };
    expect(alertEventId(signal)).toBe(
      `alert.${sha(`${signal.key}\n${signal.state}\n${signal.at}`).slice(0, 32)}`,
    );
  });

  it('names reminder and one-off claims as before', () => {
    expect(claimKey.nudge('INC-7', '2024-02-18T15:30:00.000Z', 2)).toBe(
      'nudge.INC-7.2024-02-18T15:30:00.000Z.2',
    );
    expect(claimKey.once('INC-7.echo.k1')).toBe('once#INC-7.echo.k1');
  });
});

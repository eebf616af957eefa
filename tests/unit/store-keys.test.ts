/** The idempotency keys are stored: a changed format would redo work a redelivery should find done. */
import { createHash } from 'node:crypto';
import { alertEventId } from '../../lambda/alerts/alert-service';
import {
  alertDigestKey,
  claimKey,
  declareRequestKey,
  eventIdFor,
  oncePost,
  overrideId,
  pageEventId,
  requestEventId,
  stillFiringKey,
  viewTriggerId,
} from '../../lambda/store/keys';

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

  it('names on-call handoff and user group claims by team or group, instant, people and place', () => {
    expect(claimKey.handoff('sre', '2026-12-07T08:00:00.000Z', 'U0BOB', 'dm')).toBe(
      'handoff.sre.2026-12-07T08:00:00.000Z.U0BOB.dm',
    );
    expect(claimKey.handoff('sre', '2026-12-07T08:00:00.000Z', 'U0BOB', 'C0SRE')).toBe(
      'handoff.sre.2026-12-07T08:00:00.000Z.U0BOB.C0SRE',
    );
    expect(claimKey.usergroupSync('S0SRE', '2026-12-07T08:00:00.000Z', ['U0ANNA', 'U0BOB'], [])).toBe(
      'usergroup.S0SRE.2026-12-07T08:00:00.000Z.U0ANNA+U0BOB.-',
    );
    expect(claimKey.usergroupSync('S0SRE', '2026-12-07T08:00:00.000Z', ['U0BOB'], ['ov2', 'ov1'])).toBe(
      `usergroup.S0SRE.2026-12-07T08:00:00.000Z.U0BOB.${sha('ov1\nov2').slice(0, 12)}`,
    );
  });

  it('names the one-off posts, the page notes and the still-firing echo as before', () => {
    expect(oncePost.failureNotice('INC-7', 'channel', 'C0INC')).toBe('INC-7.failed.channel.C0INC');
    expect(oncePost.severityAnnouncement('INC-7', 'sev3', 'sev1', 4)).toBe(
      'INC-7.announce-severity.sev3-sev1.4',
    );
    expect(oncePost.updateAnnouncement('INC-7', 't-T1')).toBe('INC-7.announce-update.t-T1');
    expect(oncePost.echo('INC-7', 't-T1')).toBe('INC-7.echo.t-T1');
    expect(pageEventId.failed('page.sev1.t0.sre')).toBe('page.sev1.t0.sre.failed');
    expect(pageEventId.recovered('page.sev1.t0.sre')).toBe('page.sev1.t0.sre.recovered');
    expect(stillFiringKey('alert.abc')).toBe('still-firing.alert.abc');
  });

  it("keys a request by Slack's trigger id or view id, as before", () => {
    expect(declareRequestKey.command('T1')).toBe('command#T1');
    expect(declareRequestKey.view('V1')).toBe('view#V1');
    expect(requestEventId('T1')).toBe('t-T1');
    expect(requestEventId(undefined)).toMatch(/^r-[0-9a-f-]{36}$/);
    expect(viewTriggerId('V1')).toBe('v-V1');
    expect(eventIdFor.capturedMessage('C1', '1.2', 'action')).toBe('msg.C1.1.2.action');
    expect(eventIdFor.pinnedMessage('C1', '1.2')).toBe('msg.C1.1.2.pin');
  });

  it('derives a six-character override id from the request: the same for a redelivery, unlike for another', () => {
    const id = overrideId('t-T1');
    expect(id).toMatch(/^[a-hjkmnp-z2-9]{6}$/);
    expect(overrideId('t-T1')).toBe(id);
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => overrideId(`t-T${i}`)));
    expect(ids.size).toBe(1000);
  });
});

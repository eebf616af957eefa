/**
 * Timer ids double as EventBridge schedule names, so they must be deterministic, distinct for
 * distinct timers, and within the name rules ([0-9A-Za-z_.-], at most 64 characters).
 */
import { makeTimer, TIMER_ID_PATTERN, timerId } from '../../lambda/scheduling/scheduler';

describe('timerId', () => {
  it('names a tier by incident, severity and tier, whatever its due time', () => {
    // act
    const ids = [
      timerId({ type: 'escalation-tier', incidentId: 'INC-7', severity: 'sev2', tier: 1 }),
      timerId(
        { type: 'escalation-tier', incidentId: 'INC-7', severity: 'sev2', tier: 1 },
        '2024-02-18T15:15:00Z',
      ),
    ];

    // assess
    expect(ids).toEqual(['INC-7.sev2.t1', 'INC-7.sev2.t1']);
  });

  it('names a reminder by incident and due second', () => {
    // act
    const id = timerId({ type: 'reminder', incidentId: 'INC-7' }, '2024-02-18T15:30:00.750Z');

    // assess
    expect(id).toBe('INC-7.reminder.20240218T153000Z');
  });

  it('gives the same reminder id to the same instant written with an offset', () => {
    // act
    const ids = [
      timerId({ type: 'reminder', incidentId: 'INC-7' }, '2024-02-18T16:30:00+01:00'),
      timerId({ type: 'reminder', incidentId: 'INC-7' }, '2024-02-18T15:30:00.000Z'),
    ];

    // assess
    expect(ids[0]).toBe(ids[1]);
  });

  it('keeps different timers of one incident apart', () => {
    // act
    const ids = [
      timerId({ type: 'escalation-tier', incidentId: 'INC-7', severity: 'sev2', tier: 0 }),
      timerId({ type: 'escalation-tier', incidentId: 'INC-7', severity: 'sev2', tier: 1 }),
      timerId({ type: 'escalation-tier', incidentId: 'INC-7', severity: 'sev1', tier: 1 }),
      timerId({ type: 'escalation-tier', incidentId: 'INC-71', severity: 'sev1', tier: 1 }),
      timerId({ type: 'reminder', incidentId: 'INC-7' }, '2024-02-18T15:30:00Z'),
      timerId({ type: 'reminder', incidentId: 'INC-7' }, '2024-02-18T15:30:01Z'),
    ];

    // assess
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays a valid schedule name for the largest incident numbers and tiers', () => {
    // act
    const ids = [
      timerId({ type: 'escalation-tier', incidentId: 'INC-9999999999', severity: 'sev4', tier: 999 }),
      timerId({ type: 'reminder', incidentId: 'INC-9999999999' }, '2099-12-31T23:59:59.999Z'),
    ];

    // assess
    for (const id of ids) expect(id).toMatch(TIMER_ID_PATTERN);
  });

  it('refuses an incident id that would make an ambiguous or invalid name', () => {
    // act
    const withDot = () =>
      timerId({ type: 'escalation-tier', incidentId: 'INC-7.sev1', severity: 'sev2', tier: 1 });
    const withSpace = () => timerId({ type: 'reminder', incidentId: 'INC 7' }, '2024-02-18T15:30:00Z');

    // assess
    expect(withDot).toThrow(/cannot name a timer/);
    expect(withSpace).toThrow(/cannot name a timer/);
  });

  it('refuses a reminder without a due time, and a bad due time', () => {
    // act
    const withoutDueAt = () =>
      timerId({ type: 'reminder', incidentId: 'INC-7' }, undefined as unknown as string);
    const badDueAt = () => timerId({ type: 'reminder', incidentId: 'INC-7' }, 'later');

    // assess
    expect(withoutDueAt).toThrow(/needs its due time/);
    expect(badDueAt).toThrow(/Bad timer due time "later"/);
  });
});

describe('makeTimer', () => {
  it('builds the timer with its id and the due time in canonical UTC form', () => {
    // act
    const timer = makeTimer({ type: 'reminder', incidentId: 'INC-7' }, '2024-02-18T16:30:00+01:00');

    // assess
    expect(timer).toEqual({
      id: 'INC-7.reminder.20240218T153000Z',
      dueAt: '2024-02-18T15:30:00.000Z',
      payload: { type: 'reminder', incidentId: 'INC-7' },
    });
  });
});
